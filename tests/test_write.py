"""`core/write.py`: cached outputs are put in place as hard links, or copies across file systems."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from shuangsuiji.core.write import (keep_only, link_cached, link_existing, retire, same_file, spare_lock, swap_in,
                                     take_spare)


def test_a_cached_output_is_linked_and_a_missing_one_is_not(tmp_path):
    cached, dest = tmp_path / "cache" / "ab" / "abc.html", tmp_path / "site" / "p" / "index.html"
    assert not link_existing(cached, dest) and not dest.exists()
    assert link_cached(cached, dest, lambda: b"<p>page</p>") is False  # made, then linked
    again = tmp_path / "site2" / "p" / "index.html"
    assert link_cached(cached, again, lambda: pytest.fail("made twice")) is True
    assert os.stat(again).st_ino == os.stat(cached).st_ino and again.read_bytes() == b"<p>page</p>"


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a second file system")
def test_a_cache_on_another_file_system_is_copied(tmp_path):
    """A --cache on another file system (hard links cannot cross it): the output is copied, not lost."""
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        cached = Path(shm) / "ab" / "abc.html"
        if os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
            pytest.skip("/dev/shm is on the same file system here")
        cached.parent.mkdir()
        cached.write_bytes(b"<p>page</p>")
        dest = tmp_path / "site" / "p" / "index.html"
        assert link_existing(cached, dest) and dest.read_bytes() == b"<p>page</p>"


def _wait_retired(out: Path) -> None:
    for _ in range(300):
        if not list(out.parent.glob(f".{out.name}-old-*")):
            return
        time.sleep(0.05)
    raise AssertionError("the old tree was not removed")


def test_the_old_trees_page_folders_are_kept_tidy_as_a_spare(tmp_path):
    """swap_in's detached process keeps `targets/` of the old tree, with only its page folders."""
    out, spare = tmp_path / "site", tmp_path / "cache" / "spare"
    for tree in (out, tmp_path / "new"):
        (tree / "targets" / "A").mkdir(parents=True)
        (tree / "targets" / "A" / "index.html").write_text(tree.name)
    (out / "targets" / "B").mkdir()
    (out / "targets" / "B" / "index.html").write_text("b")
    (out / "targets" / "B" / "stray.txt").write_text("not a page's")
    (out / "targets" / "C").mkdir()  # no page
    (out / "targets" / "loose.html").write_text("x")
    (out / "other").mkdir()
    swap_in(tmp_path / "new", out, spare=spare, keep=("targets",))
    _wait_retired(out)
    assert (out / "targets" / "A" / "index.html").read_text() == "new"
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == [
        "targets", "targets/A", "targets/A/index.html"]
    assert (spare / "targets" / "A" / "index.html").read_text() == "site"
    # taken by the next build: a rename; then what it does not make is removed
    staged = tmp_path / "staged"
    staged.mkdir()
    assert take_spare(spare / "targets", staged / "targets") and not (spare / "targets").exists()
    assert not take_spare(spare / "targets", staged / "targets")  # taken once
    (staged / "targets" / "D").mkdir()
    assert keep_only(staged / "targets", {"D"}) == 1 and os.listdir(staged / "targets") == ["D"]


def test_without_a_spare_the_old_tree_is_removed(tmp_path):
    old = tmp_path / ".site-old-1"
    (old / "site" / "targets" / "A").mkdir(parents=True)
    retire(str(tmp_path / "site"), [str(old)], None, ["targets"])
    assert not old.exists()


def test_a_first_build_makes_the_spare_from_its_own_pages(tmp_path):
    out, spare = tmp_path / "site", tmp_path / "cache" / "spare"
    (tmp_path / "new" / "targets" / "A").mkdir(parents=True)
    (tmp_path / "new" / "targets" / "A" / "index.html").write_text("a")
    (tmp_path / "new" / "targets" / "B").mkdir()  # no page: not kept
    (spare / ".targets-1" / "X").mkdir(parents=True)  # what an interrupted copy left: removed
    swap_in(tmp_path / "new", out, spare=spare, keep=("targets",))
    for _ in range(300):
        if (spare / "targets").exists():
            break
        time.sleep(0.05)
    assert sorted(p.relative_to(spare).as_posix() for p in spare.rglob("*")) == [
        "targets", "targets/A", "targets/A/index.html"]
    assert same_file(str(spare / "targets" / "A" / "index.html"), str(out / "targets" / "A" / "index.html"))


def test_same_file_is_one_inode(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    a.write_text("x")
    os.link(a, b)
    c.write_text("x")  # the same bytes, another file: written through, it would not change `a`
    assert same_file(str(b), str(a)) is True
    assert same_file(str(c), str(a)) is False
    assert same_file(str(tmp_path / "none"), str(a)) is None
    assert same_file(str(b), str(tmp_path / "none")) is False


def test_removals_run_one_at_a_time(tmp_path):
    """When builds come faster than old trees go, two detached processes see the same old tree:
    each waits for the lock beside the spare, so none removes inside a folder another made the spare."""
    import fcntl

    out, spare = tmp_path / "site", tmp_path / "cache" / "spare"
    (out / "targets" / "A").mkdir(parents=True)
    (out / "targets" / "A" / "index.html").write_text("old")
    (tmp_path / "new" / "targets").mkdir(parents=True)
    spare.mkdir(parents=True)
    with open(spare_lock(spare), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another removal at work
        swap_in(tmp_path / "new", out, spare=spare, keep=("targets",))
        time.sleep(1.0)
        assert list(tmp_path.glob(".site-old-*")) and not (spare / "targets").exists()  # it waits
    _wait_retired(out)
    assert (spare / "targets" / "A" / "index.html").read_text() == "old"


def test_a_spare_page_of_an_older_version_is_replaced_not_written_through(tmp_path):
    from shuangsuiji.site.render.engine import Writer

    cache, out = tmp_path / "pages", tmp_path / "out"
    old_key, new_key = "aa" + "0" * 62, "bb" + "1" * 62
    for key, text in ((old_key, "old"), (new_key, "new")):
        (cache / key[:2]).mkdir(parents=True)
        (cache / key[:2] / f"{key}.html").write_text(text)
    (out / "targets" / "A").mkdir(parents=True)
    os.link(cache / old_key[:2] / f"{old_key}.html", out / "targets" / "A" / "index.html")  # the spare's page
    w = Writer(None, None, out, "", "", cache)
    w.existing = True
    assert w.relink("targets/A/index.html", new_key)
    assert same_file(str(out / "targets" / "A" / "index.html"), str(cache / new_key[:2] / f"{new_key}.html"))
    assert (cache / old_key[:2] / f"{old_key}.html").read_text() == "old"  # the older cached page is untouched
    assert w.relink("targets/A/index.html", new_key) and w.reused == 2  # already there: kept
    assert not w.relink("targets/A/index.html", "cc" + "2" * 62)  # not cached: the page is gone, to be made
    assert not (out / "targets" / "A" / "index.html").exists()
