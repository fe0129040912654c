"""How long work (an ingest, a rebuild) reports how far it has got, without knowing who listens.

The CLI shows it on a terminal (``webapp/cli/progress.py``); tests, the web app and CI pass
nothing and get :data:`SILENT`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A listener for one or more phases of counted work."""

    def start(self, phase: str, total: int) -> None:
        """A phase begins: ``total`` items of work, described by ``phase`` (Chinese, short)."""

    def advance(self, done: int = 1) -> None:
        """``done`` more items of the current phase are finished."""

    def finish(self) -> None:
        """The current phase is over (also called when it fails)."""


class Silent:
    """Progress nobody watches."""

    def start(self, phase: str, total: int) -> None:
        """Nothing to show."""

    def advance(self, done: int = 1) -> None:
        """Nothing to show."""

    def finish(self) -> None:
        """Nothing to show."""


SILENT: Progress = Silent()
