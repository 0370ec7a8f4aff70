"""`core/write.py`: cached outputs are put in place as hard links, or copies across file systems."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from shuangsuiji.core.write import link_cached, link_existing


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
