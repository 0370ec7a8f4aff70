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
import sys
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
    (cycles) is little; the process's end frees everything. Forked workers and `Background`
    children collect as usual."""
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
    raises what it raised), once. With one job, without fork, or when the fork fails, fn runs here
    when `result()` asks. As a context manager it never leaves a child behind: one not waited for
    is stopped on exit."""

    def __init__(self, jobs: int, fn: Callable[..., R], *args: Any):
        self._fn, self._args = fn, args
        self._pid, self._read = 0, -1
        if not _can_fork(jobs):
            return
        for stream in (sys.stdout, sys.stderr):  # what is buffered would be written twice
            stream.flush()
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory for another process of this size: the work is done here
            os.close(read)
            os.close(write)
            return
        if pid == 0:
            _child(read, write, fn, args)  # never returns
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> R:
        if not self._pid:
            return self._fn(*self._args)
        payload = None
        try:
            with os.fdopen(self._read, "rb") as pipe:
                self._read = -1  # closed when this block ends, however it ends
                payload = pipe.read()
        finally:
            self._reap(kill=payload is None)  # interrupted while waiting: the child is stopped
        if not payload:
            raise RuntimeError("后台进程意外退出 / the background process died without an answer")
        ok, value = pickle.loads(payload)
        if not ok:
            raise value
        return value

    def _reap(self, kill: bool) -> None:
        if self._pid > 0:
            if kill:
                os.kill(self._pid, 9)
            os.waitpid(self._pid, 0)
            self._pid = -1
        if self._read >= 0:
            os.close(self._read)
            self._read = -1

    def __enter__(self) -> "Background[R]":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._reap(kill=True)  # not waited for (the parent failed first): stopped


def _child(read: int, write: int, fn: Callable[..., Any], args: tuple) -> None:
    """A `Background` child: its answer goes down the pipe, then it leaves, whatever happens,
    without running any more of the parent's code or cleaning up the parent's state."""
    code = 1
    try:
        os.close(read)
        gc.freeze()  # the inherited pages stay shared
        gc.enable()  # its own garbage is collected, as a pool worker's
        try:
            payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            code = 0
        except BaseException as e:  # noqa: BLE001 — any failure is the parent's to raise
            try:
                payload = pickle.dumps((False, e), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its text
                payload = pickle.dumps((False, RuntimeError(traceback.format_exc())))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    finally:
        os._exit(code)
