"""The cyclic garbage collector switched off around bulk work that makes no reference cycles
worth collecting on the way (issue 16).

A rebuild's reading process, its segment processes and ``kb ingest``'s parsing make hundreds of
thousands of rows, records, index docs and postings that are either dropped at once or kept
until the work ends; a 10,000-line budget check makes millions of cells, lines and candidates.
Every pass of the collector would only walk them again, and its full passes walk every object of
the process, a worker's search caches included (a third of a check's time at 100k standards;
bench/README.md, "Rebuild and ingest, parent side", "Budget check at scale"). The collector is
left as it was found, so a caller that had switched it off keeps it off, and nested uses do
nothing more.

The switch is process-wide: made for the CLI and gunicorn's sync workers (one request per
process at a time); under a threaded server, other requests run without the collector meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the collector off, then as it was (cycles made meanwhile are
    collected by its next pass)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def uncollected(items: Iterable[T]) -> Iterator[T]:
    """``items``, each made with the collector off; switched off at the first item, not when
    this is called, so processes forked between the two inherit it as it was."""
    with paused():
        yield from items
