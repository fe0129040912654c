"""indexer/follow.py: two instance folders with their own indexes over one database; a write on
one reaches the other's search, which then answers exactly as an index freshly built does."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from indexer import changelog
from indexer import follow
from indexer import search as search_module
from indexer import sync
from indexer.ingest import ingest
from indexer.search import SearchQuery
from indexer.search import run_query
from kb import standards
from kb.config import Settings
from kb.db import atomic
from kb.db import close_database
from kb.db import open_database
from kb.standards import workflow
from tests.factories import make_standard

REPO = Path(__file__).resolve().parents[2]
QUERIES = [
    SearchQuery(per_page=100),
    SearchQuery(q="绿化养护", per_page=100),
    SearchQuery(q="会议费", per_page=100),
    SearchQuery(type="standard", status="in_force", per_page=100),
    SearchQuery(type="standard", on=dt.date(2025, 6, 1), per_page=100),
    SearchQuery(q="ZJJ-CQ-1", per_page=100),
]


def node(settings: Settings, name: str) -> Settings:
    """Another instance folder with its own index over the same database."""
    return Settings.for_instance(
        settings.instance_dir.parent / name,
        database_url=settings.database_url,
        secret_key=settings.secret_key,
    )


@pytest.fixture
def nodes(settings, session):
    other = node(settings, "node-b")
    for each in (settings, other):
        sync.ensure_index(each, session)
    yield settings, other
    for each in (settings, other):
        search_module.release(each)


def answers(settings: Settings) -> list[tuple]:
    """Per query: the total, the hits in order with their scores, and the facets.

    Compared exactly: however an index was written (updated in place, followed, rebuilt),
    BM25F counts only its live documents and equal ranks go by the tie-break key, so the same
    documents get the same scores, bit for bit, in the same order (issue 19).
    """
    index = search_module.search_index(settings)
    found = []
    with index.reading() as view:
        for query in QUERIES:
            page = run_query(view, query)
            hits = [(h.type, h.id, h.version, h.status, h.value, h.score) for h in page.results]
            found.append((page.total, hits, page.facets))
    return found


def fresh_answers(settings: Settings, session) -> list[tuple]:
    """What an index built now from the database answers."""
    fresh = node(settings, f"fresh-{time.monotonic_ns()}")
    sync.rebuild(fresh, session)
    try:
        return answers(fresh)
    finally:
        search_module.release(fresh)


def write_story(session, cast, settings: Settings) -> None:
    """Publish, revise, repeal and import on node A, indexing there as the app does."""
    editor, reviewer = cast.zhujiajiao_editor, cast.reviewer
    steps = [
        lambda: workflow.create_draft(
            session, make_standard(code="ZJJ-CQ-1", region="朱家角镇"), actor=editor
        ),
        lambda: workflow.transition(
            session, "ZJJ-CQ-1", to="in_force", effective_from=dt.date(2024, 1, 1), actor=reviewer
        ),
        lambda: workflow.revise(
            session, "ZJJ-CQ-1", {"value": "20.00"}, base_version=1, actor=editor
        ),
        lambda: workflow.transition(
            session, "ZJJ-CQ-1", to="in_force", effective_from=dt.date(2025, 1, 1), actor=reviewer
        ),
        lambda: workflow.transition(
            session,
            "ZJJ-CQ-1",
            to="repealed",
            effective_to=dt.date(2025, 12, 31),
            reason="废止",
            actor=reviewer,
        ),
    ]
    for step in steps:
        with atomic(session):
            step()
        sync.update(settings, session, standard_codes=["ZJJ-CQ-1"])
    report = ingest(settings, session, [REPO / "corpus" / "standards" / "real-standards.csv"])
    assert report.ok


def test_a_write_on_one_node_reaches_the_other(nodes, session, cast):
    first, second = nodes
    before = answers(second)

    write_story(session, cast, first)
    assert answers(second) == before  # nothing applied yet
    stats = follow.follow_once(second, session)

    assert stats is not None and not stats.rebuilt
    assert answers(second) == answers(first) == fresh_answers(first, session)
    assert follow.follow_once(second, session) is None  # up to date: nothing to do
    assert follow.status(second, session).lag == 0


def test_a_node_that_was_down_catches_up_when_it_starts(settings, session, cast):
    second = node(settings, "node-b")
    sync.ensure_index(second, session)
    search_module.release(second)  # the node goes down

    sync.ensure_index(settings, session)
    write_story(session, cast, settings)
    behind = follow.status(second, session)
    follow.follow_once(second, session)  # the node starts again

    assert behind.lag > 0 and behind.applied == 0
    assert answers(second) == fresh_answers(settings, session)
    assert follow.status(second, session).lag == 0
    search_module.release(settings)
    search_module.release(second)


def test_too_far_behind_rebuilds(nodes, session, cast, monkeypatch):
    first, second = nodes
    monkeypatch.setattr(changelog, "MAX_CHANGES", 2)

    write_story(session, cast, first)
    stats = follow.follow_once(second, session)

    assert stats is not None and stats.rebuilt
    assert answers(second) == fresh_answers(first, session)
    assert stats.applied_change == follow.status(second, session).latest


def test_an_index_of_another_analysis_version_or_none_at_all_is_rebuilt(nodes, session, cast):
    first, second = nodes
    meta_file = Path(second.index_dir) / sync.generation_token(second).split()[0] / sync.META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_text(
        json.dumps({**meta, "signature": {"analysis_version": -1}}), encoding="utf-8"
    )
    third = node(first, "node-c")

    assert follow.follow_once(second, session).rebuilt
    assert follow.follow_once(third, session).rebuilt
    assert answers(third) == answers(second)
    search_module.release(third)


def test_status_names_applied_latest_and_lag(nodes, session):
    first, second = nodes
    with atomic(session):
        standards.write(session, make_standard(code="QP-CQ-1"))
        standards.write(session, make_standard(code="QP-CQ-2"))

    behind = follow.status(second, session)
    follow.follow_once(second, session)
    caught_up = follow.status(second, session)

    assert (behind.applied, behind.latest, behind.lag) == (0, 2, 2)
    assert behind.lag_seconds >= 0 and "落后 2 条" in str(behind)
    assert (caught_up.applied, caught_up.latest, caught_up.lag, caught_up.lag_seconds) == (
        2,
        2,
        0,
        0.0,
    )


def test_a_follower_thread_brings_a_write_within_seconds(nodes, session, settings):
    first, second = nodes
    factory = open_database(second)
    follower = follow.Follower(second, factory, interval=0.1)
    follower.ensure_started()
    try:
        with atomic(session):
            standards.write(session, make_standard(code="QP-CQ-7", name="河道保洁成本定额"))
        started = time.monotonic()
        while time.monotonic() - started < 10:
            found = search_module.search(second, SearchQuery(q="河道保洁"))
            if [hit.id for hit in found.results] == ["QP-CQ-7"]:
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
    finally:
        follower.stop()
        close_database(factory)

    assert [hit.id for hit in found.results] == ["QP-CQ-7"], seconds
    assert seconds < 5


def test_a_gap_below_the_last_applied_is_waited_for_then_applied(nodes, session):
    """On a server database a write may commit after a later one: its id is a gap until then."""
    from sqlalchemy import delete
    from sqlalchemy import insert

    from kb.models import Change

    first, second = nodes
    with atomic(session):
        standards.write(session, make_standard(code="QP-CQ-1"))
        standards.write(session, make_standard(code="QP-CQ-2", name="道路保洁成本定额"))
    [one, two] = [c.id for c in __import__("kb").changes.since(session, 0)]
    hidden = session.get(Change, one)
    row = {"id": one, "at": hidden.at, "kind": hidden.kind, "key": hidden.key}
    with atomic(session):
        session.execute(delete(Change).where(Change.id == one))  # not committed yet, as it were

    follow.follow_once(second, session)
    meta = json.loads(
        (
            Path(second.index_dir) / sync.generation_token(second).split()[0] / sync.META_FILE
        ).read_text(encoding="utf-8")
    )
    with atomic(session):
        session.execute(insert(Change).values(**row))  # ... and now it commits
    follow.follow_once(second, session)

    assert (meta["applied_change"], list(meta["change_gaps"])) == (two, [str(one)])
    assert answers(second) == fresh_answers(first, session)
