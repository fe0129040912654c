"""The cyclic garbage collector switched off around bulk work that makes no reference cycles
worth collecting on the way (issue 16).

A rebuild's reading process and ``kb ingest``'s parsing make hundreds of thousands of rows,
records and index docs that are either dropped at once or kept until the work ends; every
pass of the collector would only walk them again (bench/README.md, "Rebuild and ingest, parent
side"). The collector is left as it was found, so a caller that had switched it off keeps it off.
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
