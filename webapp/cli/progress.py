"""Progress of long commands on a terminal: count, rate and time left, through tqdm.

Quiet when asked (``--quiet``), when the output is not a terminal (a pipe, a log, CI) and when
the ``CI`` environment variable is set.
"""

from __future__ import annotations

import os
import shutil
import sys

from tqdm import tqdm

from indexer.progress import SILENT
from indexer.progress import Progress


class TerminalProgress:
    """One tqdm bar per phase, on standard error."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None

    def start(self, phase: str, total: int) -> None:
        """Open the phase's bar; a phase of unknown size (0) shows a count and the time taken."""
        self.finish()
        # A terminal that reports no size (0 × 0, as under ``script``) would hide the bar.
        size = shutil.get_terminal_size()
        self._bar = tqdm(
            total=total or None,
            desc=phase,
            unit="条",
            file=sys.stderr,
            ncols=size.columns,
            nrows=size.lines,
            mininterval=0.5,
            leave=False,
        )

    def advance(self, done: int = 1) -> None:
        """Move the bar on."""
        if self._bar is not None:
            self._bar.update(done)

    def finish(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def for_terminal(quiet: bool) -> Progress:
    """The progress a command shows: on an interactive terminal, unless told to be quiet."""
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        return SILENT
    return TerminalProgress()
