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

try:
    import fcntl
except ImportError:  # Windows: no other build can run its removals at once without fork either
    fcntl = None
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


def swap_in(staging: Path, out: Path, spare: Path | None = None, keep: tuple[str, ...] = ()) -> None:
    """Replace `out` by the finished `staging` tree: two renames; the old tree is then removed by a
    detached process (a city's old tree is hundreds of thousands of unlinks, which must not hold up
    the publication), together with any old tree an interrupted removal left.

    With `spare`, that process keeps the old tree's folders of page folders named in `keep` (a
    city's 50,000 company-page folders) at `spare/<name>`, tidied to their `<page>/index.html`
    files, for the next build to take (`take_spare`) instead of making 50,000 folders again;
    without an old tree (a first build), it makes them there, linked to the new tree's pages."""
    out = out.resolve()
    os.chmod(staging, 0o755)  # mkdtemp makes it 0700; a web server must read it
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
        os.rename(out, old / "site")
    os.rename(staging, out)
    olds = sorted(str(p) for p in out.parent.glob(f".{out.name}-old-*"))
    if olds or (spare and keep):
        package = str(Path(__file__).resolve().parents[2])  # the folder shuangsuiji is imported from
        script = (f"import sys\nsys.path.insert(0, {package!r})\nfrom shuangsuiji.core.write import retire\n"
                  "retire(sys.argv[1], sys.argv[4:], sys.argv[2] or None, sys.argv[3].split())")
        subprocess.Popen([sys.executable, "-c", script, str(out), str(spare or ""), " ".join(keep), *olds],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)


def retire(out: str, olds: list[str], spare: str | None, keep: list[str]) -> None:
    """The detached end of `swap_in`: keep the spare folders, remove the old trees. One at a time
    (a lock beside the spare): when builds come faster than trees go, two of these would both take
    an old tree, and one would go on removing inside the folder the other had made the spare."""
    if not spare:
        for old in olds:
            shutil.rmtree(old, ignore_errors=True)
        return
    Path(spare).mkdir(parents=True, exist_ok=True)
    with open(spare_lock(Path(spare)), "w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        _retire(out, olds, spare, keep)


def spare_lock(spare: Path) -> Path:
    """The file `retire` holds locked while it works (beside the spare, not in it)."""
    return spare.with_name(spare.name + ".lock")


def _retire(out: str, olds: list[str], spare: str, keep: list[str]) -> None:
    for old in olds:
        for name in keep:
            src, dest = Path(old) / "site" / name, Path(spare) / name
            if src.is_dir() and not dest.exists():
                _tidy(src)
                dest.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.rename(src, dest)  # at once: a build that looks meanwhile finds it whole or not at all
                except OSError:  # another file system: removed with the rest
                    pass
        shutil.rmtree(old, ignore_errors=True)
    for name in keep:
        for stale in Path(spare).glob(f".{name}-*"):  # a copy an interrupted process left
            shutil.rmtree(stale, ignore_errors=True)
        if not (Path(spare) / name).exists() and (Path(out) / name).is_dir():
            _mirror(Path(out) / name, Path(spare) / name)


def _mirror(src: Path, dest: Path) -> None:
    """`dest` made as `src`'s page folders with hard links of their pages (`src` may be swapped out
    meanwhile: a page of either tree is a cached page, and the build that takes it checks each)."""
    tmp = dest.with_name(f".{dest.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with os.scandir(src) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                os.mkdir(f"{tmp}/{e.name}")
                try:
                    os.link(f"{e.path}/index.html", f"{tmp}/{e.name}/index.html")
                except OSError:  # no page there, or no hard links: an empty folder is not kept
                    os.rmdir(f"{tmp}/{e.name}")
    try:
        os.rename(tmp, dest)
    except OSError:  # one kept meanwhile
        shutil.rmtree(tmp, ignore_errors=True)


def _tidy(folder: Path) -> None:
    """Leave only page folders holding one `index.html` file (what a page section writes)."""
    with os.scandir(folder) as entries:
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                with os.scandir(e.path) as inside:  # the kinds come with the names: no stat per page
                    kinds = [(i.name, i.is_file(follow_symlinks=False)) for i in inside]
                if kinds == [("index.html", True)]:
                    continue
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)


def take_spare(spare: Path, dest: Path) -> bool:
    """Put the spare folder `retire` kept at `dest` of a staged tree (a rename); False when there is none.
    The caller replaces what changed in it and removes what it does not write (`keep_only`)."""
    try:
        os.rename(spare, dest)
        return True
    except OSError:  # none kept, another file system, or `dest` made already
        return False


def keep_only(folder: Path, names: set[str]) -> int:
    """Remove the entries of `folder` not in `names` (pages of a taken spare no longer made)."""
    removed = 0
    with os.scandir(folder) as entries:
        for e in entries:
            if e.name not in names:
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path)
                else:
                    os.unlink(e.path)
                removed += 1
    return removed


def same_file(path: str, other: str) -> bool | None:
    """Whether `path` is the file `other` (one inode: a hard link of it); None when `path` is absent."""
    try:
        a = os.stat(path)
    except FileNotFoundError:
        return None
    try:
        b = os.stat(other)
    except FileNotFoundError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


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
    with os.scandir(cache) as subs:  # names, not paths: a city's cache holds 50,000 files
        for sub in subs:
            if not sub.is_dir():
                continue
            with os.scandir(sub.path) as files:
                for f in files:
                    if f.name.split(".", 1)[0] not in used:
                        os.unlink(f.path)
                        removed += 1
    return removed


def drop_cached(cache: Path, keys: set[str]) -> None:
    """Drop the cached outputs of `keys` (any suffix): what the last build used and this one did
    not, when a build knows both; cheaper than listing a cache of 50,000 files (`prune_cache`)."""
    for key in sorted(keys):
        for f in (cache / key[:2]).glob(f"{key}.*"):
            f.unlink()
