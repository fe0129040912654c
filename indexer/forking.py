"""When a rebuild works in several processes, and how its forked children die with it.

Measured on 2 cores: a rebuild writes one segment per process (:mod:`indexer.direct`, two
processes, each with its segment's search arrays), which search no slower than one. The
processes fork, so they are used only from a single-threaded process (the CLI, not a threaded
web server) with the ``fork`` start method.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading

#: Processes for a large rebuild, and how many records make a rebuild large.
WRITER_PROCS = 2
PARALLEL_MIN_RECORDS = 2000


def rebuild_processes(records: int) -> int:
    """How many processes write a rebuild's segments (:mod:`indexer.direct`): one, or
    :data:`WRITER_PROCS` for a large rebuild when forking is safe."""
    if records >= PARALLEL_MIN_RECORDS and can_fork():
        children_die_with_parent()
        return WRITER_PROCS
    return 1


def can_fork() -> bool:
    """Whether this process may fork helpers: several cores, one thread, the fork method."""
    return (
        (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and multiprocessing.get_start_method() == "fork"
    )


_CHILDREN_BOUND = False


def children_die_with_parent() -> None:
    """Make processes forked from now on die with this process.

    A rebuild's sub-writers inherit the writer lock's file descriptor: if a killed
    ``kb reindex`` left them running, they would hold the lock and every later write would wait
    for it. On Linux the kernel kills them with their parent (``PR_SET_PDEATHSIG``); elsewhere
    nothing changes.
    """
    global _CHILDREN_BOUND
    if _CHILDREN_BOUND or not sys.platform.startswith("linux"):
        return
    os.register_at_fork(after_in_child=_set_parent_death_signal)
    _CHILDREN_BOUND = True


def _set_parent_death_signal() -> None:
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
