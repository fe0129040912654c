"""Each node's index follows the database: apply the change log, on start and every few seconds.

Several app nodes (or instance folders) share one database, each with its own index. Every
write to standards and documents leaves a row in the database's change log in its own
transaction (:mod:`kb.changes`); a node applies the rows its index has not applied yet
(:func:`follow_once` → :func:`indexer.sync.update`), so a write on any node reaches every node's
search within :data:`INTERVAL` seconds plus the time to apply it. The index records how far it
got (``applied_change`` in its metadata), so a node that was down catches up when it starts, and
one too far behind, without an index, or with an index of another analysis version rebuilds.

Who applies: every process that serves searches runs a :class:`Follower` thread (started by
:mod:`webapp.wsgi` on a worker's first request), and ``kb follow`` runs the same loop alone.
Writing stays single: a round takes the index's writer lock without waiting, and a process that
finds it taken skips the round (the holder is applying the same log).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from indexer import changelog
from indexer import folder
from indexer import sync
from kb import changes
from kb.config import Settings
from kb.errors import Conflict

log = logging.getLogger(__name__)

#: Seconds between two looks at the change log (one or two indexed queries each).
INTERVAL = 1.0


def follow_once(
    settings: Settings, session: Session, *, wait: bool = False
) -> sync.IndexStats | None:
    """Apply what the change log has that the index has not; ``None`` when nothing was to do.

    Without ``wait``, a round that finds another writer at work is skipped (``None``).
    """
    meta = folder.current_meta(settings)
    if meta is not None and sync.is_current(settings) and not changelog.behind(session, meta):
        return None
    try:
        return sync.update(settings, session, lock_timeout=None if wait else 0)
    except Conflict:
        return None


@dataclass(frozen=True)
class FollowStatus:
    """How far an index is behind the database."""

    index_dir: str
    #: The last change id the index applied; ``None`` without an index.
    applied: int | None
    #: The last change id in the database.
    latest: int
    #: Changes written after the one applied.
    lag: int
    #: Seconds since the oldest change not applied was written (0 when none).
    lag_seconds: float
    generation: str | None
    #: Whether the index was built with today's analysis, schema and dictionary.
    current: bool

    def __str__(self) -> str:
        if self.applied is None:
            return f"索引 {self.index_dir}：尚未建立；数据库最新变更 {self.latest}"
        state = "" if self.current else "（分析版本已变，需重建）"
        return (
            f"索引 {self.index_dir}{state}：已应用变更 {self.applied}，数据库最新变更 {self.latest}，"
            f"落后 {self.lag} 条、{self.lag_seconds:.1f} 秒"
        )


def status(settings: Settings, session: Session) -> FollowStatus:
    """The index's applied change, the database's latest and the lag between them."""
    meta = folder.current_meta(settings)
    latest = changes.latest(session)
    if meta is None:
        applied = None
        rows = changes.since(session, 0, limit=1)
    else:
        applied, gaps = changelog.applied(meta)
        rows = changes.since(session, applied, also=map(int, gaps), limit=1)
    now = dt.datetime.now(dt.UTC)
    oldest = rows[0].at if rows else None
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)  # SQLite gives back naive UTC times
    return FollowStatus(
        index_dir=str(settings.index_dir),
        applied=applied,
        latest=latest,
        lag=latest - applied if applied is not None else latest,
        lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        generation=folder.generation_token(settings),
        current=sync.is_current(settings),
    )


def run(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    interval: float = INTERVAL,
    stop: threading.Event | None = None,
) -> None:
    """Follow the database until ``stop`` is set: catch up now, then every ``interval`` seconds.

    A round that fails (the database away, a disk full) is logged and retried next round.
    """
    stop = stop or threading.Event()
    while True:
        try:
            with sessions() as session:
                stats = follow_once(settings, session)
            if stats is not None:
                log.info("索引已跟进：%s（已应用变更 %s）", stats, stats.applied_change)
        except Exception:  # noqa: BLE001 - a follower must outlive one bad round
            log.exception("索引跟进失败，稍后重试")
        if stop.wait(interval):
            return


class Follower:
    """A daemon thread running :func:`run` in this process; restarted after a fork."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], *, interval: float = INTERVAL
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.interval = interval
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stop = threading.Event()

    def ensure_started(self) -> None:
        """Start the thread unless this process runs it already (cheap: call it per request)."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=run,
                args=(self.settings, self.sessions),
                kwargs={"interval": self.interval, "stop": self._stop},
                name="kb-index-follower",
                daemon=True,
            )
            self._pid = os.getpid()
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its current round."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
