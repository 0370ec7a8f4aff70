"""Worker processes by fork: the one way the package runs work in parallel.

What the workers need (a registry, a search automaton, a page writer) is given as `shared`
values before the fork, so the children inherit it instead of receiving it pickled; `gc.freeze()`
in each child keeps those inherited pages shared with the parent. Without fork (or with one
job) the same function runs here, reading the same `shared()` values.
"""

from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: dict[str, Any] = {}


def shared() -> dict[str, Any]:
    """The values the running `fork_map` shares with its workers."""
    return _SHARED


def fork_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, **values: Any) -> Iterator[R]:
    """fn over items, results in order: in `jobs` forked processes when jobs > 1, else in this one."""
    _SHARED.update(values)
    try:
        if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                     initializer=gc.freeze) as pool:
                yield from pool.map(fn, items)
        else:
            yield from map(fn, items)
    finally:
        _SHARED.clear()
