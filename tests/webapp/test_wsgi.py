"""webapp.wsgi, as gunicorn loads it: lexicon loaded up front, no database connection kept."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from indexer import sync
from kb import standards
from kb.db import atomic
from tests.factories import make_standard

REPO = Path(__file__).resolve().parents[2]


def _environment(settings) -> dict[str, str]:
    return dict(
        os.environ,
        KB_INSTANCE_DIR=str(settings.instance_dir),
        KB_DATABASE_URL=settings.database_url,
        KB_SECRET_KEY=settings.secret_key,
    )


def test_importing_the_entry_point_loads_jieba_and_leaves_no_pooled_connection(settings):
    probe = (
        "import jieba, webapp.wsgi as w\n"
        "engine = w.app.extensions['kb']['sessions'].kw['bind']\n"
        "print(jieba.dt.initialized, engine.pool.checkedin(), engine.pool.checkedout())\n"
        "client = w.app.test_client()\n"
        "print(client.get('/api/v1/documents').status_code, client.get('/').status_code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "0", "0", "200", "200"]


def test_importing_the_entry_point_warms_the_search_index(settings, session):
    """A worker's first search finds its view open and every array written (issue 16): the
    arrays a deleted cache lacked are written again, and no word is decoded at query time."""
    with atomic(session):
        standards.write(session, make_standard(code="QP-CQ-0001"))
    sync.rebuild(settings, session)
    generation = Path(settings.index_dir) / sync.generation_token(settings).split()[0]
    shutil.rmtree(generation / "arrays")
    probe = (
        "import webapp.wsgi as w\n"
        "from indexer.search import SearchQuery, search, search_index\n"
        "index = search_index(w.settings)\n"
        "print(index.searcher is not None)\n"
        "page = search(w.settings, SearchQuery(q='绿化养护 青浦区'))\n"
        "print(page.total, page.results[0].id, index.store.held_postings)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "1", "QP-CQ-0001", "0"]
    assert (
        [p.name for p in (generation / "arrays").iterdir()]
        == [p.stem for p in generation.glob("*.seg")]
        != []
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_preload_workers_each_read_the_database(settings):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [str(gunicorn), "--preload", "-w", "2", "-b", f"127.0.0.1:{port}", "webapp.wsgi:app"],
        cwd=REPO,
        env=_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        statuses = []
        deadline = time.monotonic() + 60
        while not statuses and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/documents") as r:
                    statuses.append(r.status)
            except OSError:
                time.sleep(0.2)
        for path in ["/api/v1/documents", "/documents", "/api/v1/search?q=x", "/?q=x"] * 5:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                statuses.append(r.status)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    assert statuses == [200] * 21
    assert b"Traceback" not in errors


def test_the_production_config_serves_the_longest_valid_search_url(settings):
    """gunicorn's own limits answer in HTML; with gunicorn.conf.py no valid request meets them
    (the default request line of 4,094 bytes refused a valid Chinese search with a 414 page)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed")
    port = _free_port()
    server = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py", "-w", "1", "-b", f"127.0.0.1:{port}"]
        + ["webapp.wsgi:app"],
        cwd=REPO,
        env=_environment(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    longest = "&".join(
        [f"q={urllib.parse.quote('绿' * 200)}"]
        + [f"{name}={urllib.parse.quote('区' * 100)}" for name in FILTERS]
    )
    try:
        answer = None
        deadline = time.monotonic() + 60
        while answer is None and time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/api/v1/search?{longest}"
                with urllib.request.urlopen(url, timeout=30) as response:
                    answer = (response.status, response.headers.get_content_type())
            except urllib.error.HTTPError as error:
                answer = (error.code, error.headers.get_content_type())
            except OSError:
                time.sleep(0.2)
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    assert len(longest) > 4094
    assert answer == (200, "application/json"), errors.decode()[-2000:]


#: The text filters of a search whose length the API bounds at 100 characters.
FILTERS = ("region", "domain", "category", "grade")
