"""Stage — write: build into a temporary folder beside the site, swap it in only when complete.

A failed build (bad registry, leak found, crash) leaves the previous site untouched:
nothing is written under `site/` until the whole new tree exists.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


@contextmanager
def staged(out: Path) -> Iterator[Path]:
    """A fresh folder next to `out` (same file system, so the swap is a rename); removed on failure."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def swap_in(staging: Path, out: Path) -> None:
    """Replace `out` by the finished `staging` tree: two renames; the old tree is then removed by a
    detached process (a city's old tree is hundreds of thousands of unlinks, which must not hold up
    the publication), together with any old tree an interrupted removal left."""
    out = out.resolve()
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.rename(out, old / "site")
    os.rename(staging, out)
    olds = sorted(str(p) for p in out.parent.glob(f".{out.name}-old-*"))
    if olds:
        subprocess.Popen([sys.executable, "-c", "import shutil, sys\nfor d in sys.argv[1:]: shutil.rmtree(d, True)",
                          *olds], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)


def link_existing(cached: Path | str, dest: Path | str) -> bool:
    """Put the cached output `cached` at `dest` as a hard link (a copy where the file system has no
    hard links, or the cache is on another one); False when it is not cached. Paths may be strings
    (a rebuild links 50,000 pages: making a `Path` of each costs more than the link)."""
    try:
        os.link(cached, dest)  # a rebuild's common case: cached, and its folder exists
        return True
    except OSError:
        pass
    if not os.path.exists(cached):
        return False
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        os.link(cached, dest)
    except OSError:  # another file system, or no hard links
        shutil.copyfile(cached, dest)
    return True


def link_cached(cached: Path, dest: Path, make: Callable[[], bytes]) -> bool:
    """Put the output named `cached` (a digest of its inputs) at `dest` as a hard link, making and
    caching it first when absent; True when it was reused. An unchanged output then costs one
    system call, not its making nor a copy (a copy only where the file system has no hard links)."""
    if link_existing(cached, dest):
        return True
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    tmp.write_bytes(make())
    os.replace(tmp, cached)
    link_existing(cached, dest)
    return False


def prune_cache(cache: Path, used: set[str]) -> int:
    """Drop cached outputs (`<key[:2]>/<key>.<ext>`) no output of this build used: the cache stays
    the size of one site."""
    removed = 0
    if not cache.is_dir():
        return 0
    for sub in sorted(cache.iterdir()):
        if not sub.is_dir():
            continue
        for f in sorted(sub.iterdir()):
            if f.name.split(".", 1)[0] not in used:
                f.unlink()
                removed += 1
    return removed


def drop_cached(cache: Path, keys: set[str]) -> None:
    """Drop the cached outputs of `keys` (any suffix): what the last build used and this one did
    not, when a build knows both; cheaper than listing a cache of 50,000 files (`prune_cache`)."""
    for key in sorted(keys):
        for f in (cache / key[:2]).glob(f"{key}.*"):
            f.unlink()
