"""Killing ``kb reindex`` mid-way leaves the old index serving, and the next reindex succeeds.

The instance holds the bundled corpus, indexed, plus synthetic standards written to the
database only, so that the rebuild runs long enough (seconds) to be killed while it writes its
``building-*`` folder. The command runs as a real process (the ``kb`` console script), in its
own session so that whatever it leaves behind can be found and ended by its group id.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import forking
from indexer import search as search_module
from indexer import sync
from indexer.ingest import ingest
from indexer.search import SearchQuery
from indexer.search import search
from kb import standards
from kb.config import Settings
from kb.db import atomic
from kb.db import close_database
from kb.db import open_database
from kb.errors import Conflict
from tests.conftest import CORPUS
from tests.factories import make_standard

KB = Path(sys.executable).with_name("kb")
#: With the corpus, below forking.PARALLEL_MIN_RECORDS: one writer process, about 4 s on 2 cores.
SINGLE_WRITER = 1500
#: Above it: Whoosh forks sub-writers (where forking is safe).
PARALLEL = forking.PARALLEL_MIN_RECORDS + 500
TIMEOUT = 120.0


@pytest.fixture
def instance(settings: Settings) -> Iterator[Callable[[int], Settings]]:
    """``instance(n)``: the corpus ingested and indexed, then ``n`` standards not yet indexed."""

    def build(synthetic: int) -> Settings:
        factory = open_database(settings)
        with factory() as session:
            report = ingest(settings, session, [CORPUS])
            assert report.ok
            with atomic(session):
                for number in range(synthetic):
                    record = make_standard(
                        code=f"SYN-{number:05d}", name=f"合成河道保洁定额{number}"
                    )
                    standards.write(session, record)
        close_database(factory)
        return settings

    yield build
    search_module.release(settings)


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen]]:
    """Processes a test starts; each one's group is ended afterwards, whatever it left running."""
    processes: list[subprocess.Popen] = []
    yield processes
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the group id is its pid
        except ProcessLookupError:
            pass
        process.wait()


def environment(settings: Settings) -> dict[str, str]:
    return os.environ | {
        "KB_INSTANCE_DIR": str(settings.instance_dir),
        "KB_DATABASE_URL": settings.database_url,
        "KB_INDEX_DIR": str(settings.index_dir),
        "KB_SECRET_KEY": settings.secret_key,
    }


def building(settings: Settings) -> list[Path]:
    return sorted(Path(settings.index_dir).glob("building-*"))


def hits(settings: Settings, q: str) -> list[str]:
    return [hit.id for hit in search(settings, SearchQuery(q=q, per_page=50)).results]


def start_and_kill_mid_build(settings: Settings, started: list[subprocess.Popen]) -> None:
    """Start ``kb reindex``, wait for its ``building-*`` folder, and SIGKILL the process."""
    process = subprocess.Popen(
        [str(KB), "reindex"],
        env=environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    started.append(process)
    deadline = time.monotonic() + TIMEOUT
    while not building(settings):
        assert process.poll() is None, f"kb reindex ended before building: {process.stderr.read()}"
        assert time.monotonic() < deadline, "no building-* folder appeared"
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the rebuild, which takes seconds
    assert process.poll() is None, "the rebuild finished before it could be killed"
    process.kill()
    assert process.wait(timeout=10) == -signal.SIGKILL
    process.stderr.close()


def test_a_killed_reindex_leaves_the_old_index_serving_and_the_next_one_succeeds(instance, started):
    settings = instance(SINGLE_WRITER)
    before = sync.generation_token(settings)
    assert "QP-CQ-0011" in hits(settings, "道路一级保洁")
    assert "SYN-00042" not in hits(settings, "SYN-00042")  # in the database, not yet indexed

    start_and_kill_mid_build(settings, started)

    assert building(settings), "the killed rebuild left its half-built folder"
    assert sync.generation_token(settings) == before
    search_module.release(settings)  # a fresh reader, as a restarted worker would open
    assert "QP-CQ-0011" in hits(settings, "道路一级保洁")

    finished = subprocess.run(
        [str(KB), "reindex"],
        env=environment(settings),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("索引已重建：")
    assert building(settings) == []
    assert sync.generation_token(settings) != before
    assert "QP-CQ-0011" in hits(settings, "道路一级保洁")
    assert "SYN-00042" in hits(settings, "SYN-00042")


@pytest.mark.skipif(
    (os.cpu_count() or 1) < 2 or multiprocessing.get_start_method() != "fork",
    reason="the parallel rebuild forks sub-writers only on several cores with fork",
)
def test_a_killed_parallel_reindex_releases_the_writer_lock(instance, started):
    settings = instance(PARALLEL)

    start_and_kill_mid_build(settings, started)

    try:
        with sync.writer_lock(settings, timeout=5):
            pass
    except Conflict:
        pytest.fail("writer.lock is still held after kb reindex was killed")
