"""A rebuild that reuses the previous build's caches (pages, feeds, search shards, leak audit,
history) publishes the same bytes as a cold build of the same registry: after a results edit,
an item-list change, a withdrawal and a change of a private value, each committed to git.

Real builds of a copy of the shared small registry (with a real draw), in one git repository;
the build time is fixed, so the two sites must be equal file for file, byte for byte. The one
exception is inside the search shards: Pagefind itself is not byte-reproducible (two runs over
the same pages name some filter files differently), so a shard is compared by what it was built
from, the digest of its pages that `pagefind/shards.json` records, compared byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from shuangsuiji.privacy.audit import site_stats
from shuangsuiji.site import memo, opendata
from shuangsuiji.site.build import build
from shuangsuiji.site.render import pages
from site_build_fixture import STAMP, copy_registry

pytestmark = pytest.mark.slow


def _tree(root: Path) -> dict[str, str]:
    """Every file's hash; a search shard's files as one entry, its folder (see the module docstring)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if rel.count("/") >= 2 and rel.startswith("pagefind/"):
            out.setdefault("/".join(rel.split("/")[:2]) + "/", "a shard")
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _commit(repo: Path, message: str, n: int) -> None:
    when = f"2026-06-{10 + n:02d}T10:00:00+08:00"
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "GIT_AUTHOR_NAME": "测试",
           "GIT_AUTHOR_EMAIL": "ssj@example.gov.cn", "GIT_COMMITTER_NAME": "测试",
           "GIT_COMMITTER_EMAIL": "ssj@example.gov.cn"}
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, check=True, env=env)


def _edit_results(reg: Path, edit) -> None:
    """Apply `edit` to the results of jtj's task (a JSON document after its schema comment)."""
    f = reg / "jtj" / "results" / "JTJ-2026-001.yaml"
    head, body = f.read_text(encoding="utf-8").split("\n", 1)
    doc = json.loads(body)
    edit(doc["results"])
    f.write_text(head + "\n" + json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _results_edit(reg: Path) -> None:
    def edit(results):
        r = next(r for r in results if r["status"] == "已公示" and r["remarks"] is None)
        r["remarks"] = "现场检查时台账已补齐"
    _edit_results(reg, edit)


def _item_list_change(reg: Path) -> None:
    f = reg / "scjgj" / "items.yaml"
    text = f.read_text(encoding="utf-8")
    assert "name: 产品质量监督抽查\n" in text
    f.write_text(text.replace("name: 产品质量监督抽查\n", "name: 产品质量监督抽查（含网络销售）\n"), encoding="utf-8")


def _withdrawal(reg: Path) -> None:
    def edit(results):
        r = next(r for r in reversed(results) if r["status"] == "已公示")
        r["status"] = "撤回"
        r["revisions"].append({"date": "2026-06-20", "action": "撤回", "by": "临沂市交通运输局",
                               "reason": "检查对象有误，撤回本条结果"})
    _edit_results(reg, edit)


def _private_value(reg: Path) -> None:
    """An inspector's phone: never published, but a new value the leak audit must look for everywhere."""
    f = reg / "scjgj" / "inspectors.yaml"
    text = f.read_text(encoding="utf-8")
    old = text.split("phone: '", 1)[1].split("'", 1)[0]
    f.write_text(text.replace(f"phone: '{old}'", f"phone: '{old[:-1]}{(int(old[-1]) + 1) % 10}'", 1),
                 encoding="utf-8")


def _new_person(reg: Path) -> None:
    """A person named in a result: never published, but a new private name that free text is masked with."""
    def edit(results):
        next(r for r in results if r["status"] == "已公示").setdefault("persons", []).append("欧阳明远")
    _edit_results(reg, edit)


def _company_renamed(reg: Path) -> None:
    """A company jtj's results name, renamed in its directory file: the task's own pages show the new name."""
    f = reg / "jtj" / "results" / "JTJ-2026-001.yaml"
    tid = next(r["target"] for r in json.loads(f.read_text(encoding="utf-8").split("\n", 1)[1])["results"]
               if r["status"] == "已公示")
    for csv in sorted(reg.rglob("targets/*.csv")):
        lines = csv.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.startswith(f"{tid},"):
                fields = line.split(",")
                fields[1] = "临沂市更名后测试商贸有限公司"
                lines[i] = ",".join(fields)
                csv.write_text("\n".join(lines), encoding="utf-8")
                return
    raise AssertionError(f"{tid} not found")


CHANGES = [_results_edit, _item_list_change, _withdrawal, _private_value, _new_person, _company_renamed]
PRIVATE = (_private_value, _new_person)


def _retired(out: Path, spare: Path) -> None:
    """Wait for the detached end of the last build: the trees it replaced removed, a spare kept."""
    for _ in range(600):
        if not list(out.parent.glob(f".{out.name}-old-*")) and spare.is_dir():
            return
        time.sleep(0.05)
    raise AssertionError("old trees not removed, or no spare kept")


@pytest.fixture(scope="module")
def warm(example_site, tmp_path_factory):
    """A git repository holding a copy of the registry, its site built once with a cache kept for rebuilds."""
    root = tmp_path_factory.mktemp("incr")
    reg = copy_registry(example_site.registry, root / "repo" / "registries")
    subprocess.run(["git", "init", "-q"], cwd=root / "repo", check=True)
    _commit(root / "repo", "登记册", 0)
    out, cache = root / "site", root / "cache"
    build(reg, out, jobs=2, cache=cache, build_time=STAMP)
    return reg, out, cache


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__.strip("_") for c in CHANGES])
def test_incremental_build_equals_cold_build(warm, tmp_path, change, monkeypatch):
    reg, out, cache = warm
    before = _tree(out)
    change(reg)
    _commit(reg.parent, change.__name__, CHANGES.index(change) + 1)
    made = []  # company pages whose context the rebuild made (the others are linked unchanged)
    monkeypatch.setitem(pages.MAKERS, "target", lambda site, tid: made.append(tid) or pages.target(site, tid))
    results_made = []  # results pages likewise
    monkeypatch.setitem(pages.MAKERS, "result", lambda site, tid: results_made.append(tid) or pages.result(site, tid))
    # the company folders of the tree the last build replaced (or, after a first build, of its own
    # pages) are kept as a spare the next build takes
    spare = cache / "spare" / "targets"
    _retired(out, spare)
    taken = spare.stat().st_ino
    stats = build(reg, out, jobs=2, cache=cache, build_time=STAMP)
    assert (out / "targets").stat().st_ino == taken  # the spare folder is the new site's
    monkeypatch.undo()
    cold = tmp_path / "cold"
    build(reg, cold, jobs=2, cache=tmp_path / "cold-cache", build_time=STAMP)
    incremental, fresh = _tree(out), _tree(cold)
    assert sorted(incremental.keys() ^ fresh.keys()) == []
    assert [k for k in incremental if incremental[k] != fresh[k]] == []
    assert stats.reused > 0  # the rebuild did reuse the previous build's pages
    if change in (_results_edit, _withdrawal, _item_list_change):  # only the companies the change reaches
        assert len(made) < len(list((out / "targets").iterdir())) / 4, len(made)
    if change in (_results_edit, _withdrawal, _company_renamed):  # and only the tasks that show them
        assert 1 <= len(results_made) < len(list((out / "results").iterdir())) / 2, results_made
    # validation, redaction and the audit made again only the units of the changed file (a file of
    # inspectors is a unit per inspector, a directory file's rows are units under its key); all of
    # them when the names free text is masked with changed
    assert set(stats.units) == {"validate", "redact", "audit"}
    for stage, (remade, units) in stats.units.items():
        if change is _new_person:
            assert remade == units > 100, (stage, remade, units)
        else:
            assert units > 100 and remade <= units // (5 if change is _company_renamed else 20), (stage, remade, units)
    changed = [k for k in incremental if before.get(k) != incremental[k]]
    # a public change shows (if only in the history of the record it touched); a private one nowhere
    assert bool(changed) == (change not in PRIVATE), changed


def test_a_build_with_nothing_changed_keeps_the_site(warm):
    """Same registry, project, code and build time: the site folder is kept as it is (no file
    rewritten); a page edited after the build, or another build time, makes a full build."""
    reg, out, cache = warm
    build(reg, out, jobs=2, cache=cache, build_time=STAMP)  # whatever the tests before left
    listing = memo.tree_digest(site_stats(out))
    again = build(reg, out, jobs=2, cache=cache, build_time=STAMP)
    assert again.current and again.rendered == 0 and memo.tree_digest(site_stats(out)) == listing
    page = out / "about" / "index.html"
    original = page.read_bytes()
    page.write_bytes(original + b"<!-- edited on the server -->")
    repaired = build(reg, out, jobs=2, cache=cache, build_time=STAMP)
    assert not repaired.current and page.read_bytes() == original
    assert not build(reg, out, jobs=2, cache=cache, build_time="2027-01-01 00:00").current


def test_more_api_shards_reach_every_company_page(warm, tmp_path, monkeypatch):
    """Companies outgrowing their API shards (a hex digit more names them) move every company's
    record to another file: with a results edit that reaches a few companies, every company page
    is made again and links its new shard, as a cold build's does. (Last: the code the build memo
    sees does not show the patched shard size.)"""
    reg, out, cache = warm
    old = json.loads((out / "api" / "index.json").read_text(encoding="utf-8"))["targets"]
    _results_edit(reg)
    _commit(reg.parent, "shards", len(CHANGES) + 1)
    assert len(old) > 16  # more companies than one-digit shards of one company each
    monkeypatch.setattr(opendata, "SHARD_SIZE", 1)  # as if the city had grown some hundredfold
    build(reg, out, jobs=2, cache=cache, build_time=STAMP)
    build(reg, tmp_path / "cold", jobs=2, cache=tmp_path / "cold-cache", build_time=STAMP)
    new = json.loads((out / "api" / "index.json").read_text(encoding="utf-8"))["targets"]
    assert new.keys() == old.keys() and all(len(Path(new[t]).stem) == len(Path(old[t]).stem) + 1 for t in new)
    incremental, fresh = _tree(out), _tree(tmp_path / "cold")
    assert [k for k in incremental.keys() | fresh.keys() if incremental.get(k) != fresh.get(k)] == []
