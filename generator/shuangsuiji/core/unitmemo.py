"""What a stage made of each unit of input (a registry file, a target row), kept for the next build.

A city's validation, redaction and leak audit each walk 270,000 records, while a pull request
changes a file or two. A unit is named by its content address (the loader's file key, plus the
target's id for a row of a shard) and the memo by the `context` everything was made under
(the code, the private names and public contacts that mask free text, the approvals): another
context starts from nothing. Only the units this build asked for are kept, so the memo stays
the size of one registry. It is kept in `BUCKETS` files by a hash of the unit's key, and a build
rewrites only the files whose units changed. Without a folder it remembers nothing (`ssj validate`, tests).
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import zlib
from pathlib import Path
from types import MappingProxyType
from typing import Callable, TypeVar

from shuangsuiji.core.workers import no_gc
from shuangsuiji.core.yamlio import atomic_write_bytes

T = TypeVar("T")
BUCKETS = 16
_MISSING = object()


def _proxy(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


# Redacted records hold read-only mappings, which pickle does not know: kept as the dicts they show.
_TABLE = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_proxy, (dict(m),))}


def read_kept(path: Path) -> object | None:
    """What a build or a command kept in the pickle `path`; None when absent, unreadable or made by
    other code (a module or class since renamed): the caller then makes it afresh."""
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
        return None


def read_stamped(path: Path, stamp: object) -> object | None:
    """What `keep_stamped` kept at `path` under `stamp` (the code and inputs it was made with); None
    when absent, unreadable, or kept under another stamp."""
    kept = read_kept(path)
    return kept[1] if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == stamp else None


def keep_stamped(path: Path, stamp: object, value: object) -> None:
    """Keep `value` at `path` for the next build, under `stamp` (`read_stamped`)."""
    atomic_write_bytes(path, pickle.dumps((stamp, value), protocol=pickle.HIGHEST_PROTOCOL))


RACY_NS = 2_000_000_000  # a file modified this close to a reading may change again within its clock tick


def signature(st: os.stat_result) -> tuple[int, int, int, int]:
    """What tells a file's bytes unchanged without reading them (as git's index does): its device and
    inode, size and modification time. A page linked again from a cache is the same inode."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def settled(st: os.stat_result, now_ns: int) -> bool:
    """Whether a file's `signature`, taken at `now_ns`, may be kept for the next build: one modified
    within `RACY_NS` is "racily clean" (its clock tick may hide a second change) and is read again."""
    return st.st_mtime_ns < now_ns - RACY_NS


def _bucket(key: str) -> int:
    return zlib.crc32(key.encode("utf-8")) % BUCKETS


class UnitMemo:
    def __init__(self, folder: Path | None, context: str):
        self.folder, self.context = folder, context
        self.old: dict[str, object] = {}
        self.new: dict[str, object] = {}
        self.made = 0
        self._dirty: set[int] = set()
        if folder is None:
            return
        with no_gc():  # a city's worth of small objects: the collector would walk them again and again
            for b in range(BUCKETS):
                kept = read_stamped(folder / f"{b:02d}.pickle", context)
                if isinstance(kept, dict):
                    self.old.update(kept)
                else:
                    self._dirty.add(b)

    def get(self, key: str | None, make: Callable[[], T]) -> T:
        """What `make` gives for the unit `key`, made only when this memo does not hold it (`key` None: always)."""
        if key is None:
            return make()
        v = self.new.get(key, _MISSING)
        if v is _MISSING:
            v = self.old.get(key, _MISSING)
            if v is _MISSING:
                v = make()
                self.made += 1
                self._dirty.add(_bucket(key))
            self.new[key] = v
        return v  # type: ignore[return-value]

    @property
    def counts(self) -> tuple[int, int]:
        """(units made, units used) in this build, as `BuildStats.units` reports them."""
        return self.made, len(self.new)

    def save(self) -> None:
        """Keep what this build used, rewriting only the files whose units changed."""
        if self.folder is None:
            return
        dirty = self._dirty | {_bucket(k) for k in self.old.keys() - self.new.keys()}
        if not dirty:
            return
        parts: dict[int, dict[str, object]] = {b: {} for b in dirty}
        for k, v in self.new.items():
            part = parts.get(_bucket(k))
            if part is not None:
                part[k] = v
        for b, part in sorted(parts.items()):
            buf = io.BytesIO()
            pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _TABLE
            pickler.dump((self.context, part))
            atomic_write_bytes(self.folder / f"{b:02d}.pickle", buf.getvalue())
