"""Worker processes by fork: the one way the package runs work in parallel.

`fork_map` spreads one stage's items over workers; `Background` runs a whole stage in a child
beside the stages that follow it (the build validates while it redacts, and gathers the leak
audit's needles while it writes the site). What the workers need (a registry, a search automaton,
a page writer) is given as `shared` values (or arguments) before the fork, so the children inherit
it instead of receiving it pickled; `gc.freeze()` in each child keeps those inherited pages shared
with the parent. Without fork (or with one job) the same function runs here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import traceback
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Generic, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_SHARED: dict[str, Any] = {}


def shared() -> dict[str, Any]:
    """The values the running `fork_map` shares with its workers."""
    return _SHARED


@contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic collector paused, as it was after. A city's build holds millions of objects that
    live to its end: each collection walks them again (seconds a build), while what it would free
    (cycles) is little; the process's end frees everything. Forked workers collect as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _start_worker() -> None:
    gc.freeze()  # the inherited pages stay shared
    gc.enable()  # a worker's own garbage is collected (a cold build renders 25,000 pages in each)


def _can_fork(jobs: int) -> bool:
    return jobs > 1 and "fork" in multiprocessing.get_all_start_methods()


def fork_map(fn: Callable[[T], R], items: Iterable[T], jobs: int, **values: Any) -> Iterator[R]:
    """fn over items, results in order: in `jobs` forked processes when jobs > 1, else in this one."""
    _SHARED.update(values)
    try:
        if _can_fork(jobs):
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_start_worker) as pool:
                yield from pool.map(fn, items)
        else:
            yield from map(fn, items)
    finally:
        _SHARED.clear()


class Background(Generic[R]):
    """fn(*args) in a forked child while this process goes on; `result()` waits for its value (or
    raises what it raised). With one job, or without fork, fn runs here when `result()` asks.
    As a context manager it never leaves a child behind: one not waited for is stopped on exit."""

    def __init__(self, jobs: int, fn: Callable[..., R], *args: Any):
        self._fn, self._args = fn, args
        self._pid = 0
        if not _can_fork(jobs):
            return
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: its answer goes down the pipe, then it leaves without cleaning up the parent's state
            os.close(read)
            code = 0
            try:
                gc.freeze()  # the inherited pages stay shared
                payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as e:  # noqa: BLE001 — any failure is the parent's to raise
                code = 1
                try:
                    payload = pickle.dumps((False, e), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception:  # an exception that does not pickle: its text
                    payload = pickle.dumps((False, RuntimeError(traceback.format_exc())))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
            os._exit(code)
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> R:
        if not self._pid:
            return self._fn(*self._args)
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(self._pid, 0)
        self._pid = -1
        if not payload:
            raise RuntimeError("后台进程意外退出 / the background process died without an answer")
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        return value

    def __enter__(self) -> "Background[R]":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pid > 0:  # not waited for: the parent failed first
            os.kill(self._pid, 9)
            os.waitpid(self._pid, 0)
            os.close(self._read)
            self._pid = -1
