"""core.workers.Background: a stage in a forked child, its value or its failure back in the parent."""

import os
import time

import pytest

from shuangsuiji.core.workers import Background


def _pid_and(x):
    return os.getpid(), x * 2


def _fail():
    raise ValueError("坏输入 / bad input")


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no")


def _fail_oddly():
    raise _Unpicklable("odd")


def _die():
    os._exit(3)


def _sleep():
    time.sleep(60)


def test_value_comes_from_a_child():
    with Background(2, _pid_and, 21) as bg:
        pid, value = bg.result()
    assert value == 42 and pid != os.getpid()


def test_one_job_runs_here_when_asked():
    bg = Background(1, _pid_and, 1)
    assert bg.result() == (os.getpid(), 2)


def test_failures_are_raised_in_the_parent():
    with pytest.raises(ValueError, match="bad input"):
        Background(2, _fail).result()
    with pytest.raises(RuntimeError, match="_Unpicklable"):
        Background(2, _fail_oddly).result()
    with pytest.raises(RuntimeError, match="died"):
        Background(2, _die).result()


def test_a_child_not_waited_for_is_stopped():
    with pytest.raises(KeyError):
        with Background(2, _sleep) as bg:
            pid = bg._pid
            raise KeyError("the parent failed first")
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped, not a zombie


def _gc_enabled(_):
    import gc
    return gc.isenabled()


def test_no_gc_restores_the_collector_and_workers_collect():
    import gc

    from shuangsuiji.core.workers import fork_map, no_gc
    assert gc.isenabled()
    with no_gc():
        assert not gc.isenabled()
        with no_gc():  # nested (the loader inside a build): the outer pause holds
            pass
        assert not gc.isenabled()
        assert list(fork_map(_gc_enabled, [1, 2], 2)) == [True, True]  # a cold build's render workers collect
    assert gc.isenabled()


def test_an_interrupted_wait_stops_the_child_and_closes_its_pipe_once():
    """Ctrl-C while waiting (here an alarm): the interruption comes through, not a closing error."""
    import signal

    def interrupt(*_):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            with Background(2, _sleep) as bg:
                pid = bg._pid
                signal.setitimer(signal.ITIMER_REAL, 0.3)
                bg.result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
