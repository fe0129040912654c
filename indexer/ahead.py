"""Work on files done ahead in forked processes while this process takes the results in order.

``kb ingest`` parses its files this way while it writes the parsed ones to the database (issue
16). The processes fork, so this is for a single-threaded process (the CLI), as in
:mod:`indexer.forking`; the pool's threads have ended when :func:`in_order` returns.
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections import deque
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.pool import AsyncResult
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TypeVar

from indexer import collector
from indexer import forking

T = TypeVar("T")


@contextmanager
def in_order(
    work: Callable[[Path], T], files: list[Path], processes: int, ahead_bytes: int
) -> Iterator[Iterator[T]]:
    """``work(path)`` for every file, in order: here, one by one, or (``processes`` > 0) in
    forked processes, at most ``ahead_bytes`` of files ahead of the consumer (memory stays
    bounded; a large file is sent early, so that it is worked on while the small ones before it
    are consumed). ``work`` is a module-level function whose results pickle."""
    if processes <= 0 or len(files) < 2:
        yield (work(path) for path in files)
        return
    forking.children_die_with_parent()  # a killed caller leaves no worker behind
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        yield _ahead(pool, work, files, processes, ahead_bytes)
        pool.close()
    finally:
        pool.terminate()
        # Joined before the caller goes on: a rebuild forks only while this process has one
        # thread, and the pool's threads end here.
        pool.join()


def _ahead(
    pool: Pool, work: Callable[[Path], T], files: list[Path], processes: int, ahead_bytes: int
) -> Iterator[T]:
    pending: deque[tuple[AsyncResult[bytes], int]] = deque()  # (result, the file's bytes)
    ahead = 0
    for path in files:
        size = file_size(path)
        # Each process has a file to work on; beyond that, a file is sent once its bytes fit.
        while pending and len(pending) >= processes and ahead + size > ahead_bytes:
            result, done = pending.popleft()
            ahead -= done
            yield _unpickled(result.get())
        pending.append((pool.apply_async(_pickled, (work, path)), size))
        ahead += size
    while pending:
        yield _unpickled(pending.popleft()[0].get())


def _pickled(work: Callable[[Path], T], path: Path) -> bytes:
    """``work(path)`` in a worker, pickled there: this process unpickles it with the collector
    paused (:func:`_unpickled`), not the pool's result thread with it on."""
    return pickle.dumps(work(path), protocol=pickle.HIGHEST_PROTOCOL)


def _unpickled(data: bytes) -> T:
    # A parsed 20,000-row standards file is 18 MB of pickle and 0.19 s to unpickle; collector
    # passes over its new objects doubled that (issue 16).
    with collector.paused():
        return pickle.loads(data)  # noqa: S301 - our own forked process's pickle


def file_size(path: Path) -> int:
    """``path``'s size in bytes; 0 for a file that cannot be read (reported by its reader)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
