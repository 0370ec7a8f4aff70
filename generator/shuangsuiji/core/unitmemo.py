"""What a stage made of each unit of input (a registry file, a target row), kept for the next build.

A city's validation, redaction and leak audit each walk 270,000 records, while a pull request
changes a file or two. A unit is named by its content address (the loader's file key, plus the
target's id for a row of a shard) and the memo by the `context` everything was made under
(the code, the private names and public contacts that mask free text, the approvals): another
context starts from nothing. Only the units this build asked for are kept, so the memo stays
the size of one registry. Without a path it remembers nothing (`ssj validate`, tests).
"""

from __future__ import annotations

import copyreg
import gc
import io
import pickle
from pathlib import Path
from types import MappingProxyType
from typing import Callable, TypeVar

from shuangsuiji.core.yamlio import atomic_write_bytes

T = TypeVar("T")
_MISSING = object()
# Redacted records hold read-only mappings, which pickle does not know: kept as the dicts they show.
def _proxy(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


_TABLE = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_proxy, (dict(m),))}


class UnitMemo:
    def __init__(self, path: Path | None, context: str):
        self.path, self.context = path, context
        self.old: dict[str, object] = {}
        self.new: dict[str, object] = {}
        self.made = 0
        if path is not None:
            try:
                gc.disable()  # a city's worth of small objects: the collector would walk them again and again
                try:
                    ctx, old = pickle.loads(path.read_bytes())
                finally:
                    gc.enable()
                if ctx == context and isinstance(old, dict):
                    self.old = old
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError):
                pass

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
            self.new[key] = v
        return v  # type: ignore[return-value]

    def save(self) -> None:
        """Keep what this build used (nothing written when nothing changed)."""
        if self.path is None or (not self.made and self.new.keys() == self.old.keys()):
            return
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _TABLE
        pickler.dump((self.context, self.new))
        atomic_write_bytes(self.path, buf.getvalue())
