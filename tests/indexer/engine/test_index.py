"""indexer/engine/index.py: what a long-lived SearchIndex (as a worker holds it) answers after
any write equals what a freshly opened one answers (issue 12) and what an index rebuilt from the
database answers, in the same order with the same scores (issue 19: ranking counts live
documents only, and ties never go by document numbers); the view's public surface."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from whoosh.query import Term

from indexer import search as search_module
from indexer import sync
from indexer.engine.index import SearchIndex
from indexer.search import SearchQuery
from indexer.search import run_query
from indexer.search import search
from indexer.search import search_index
from kb import standards
from kb.db import atomic
from kb.errors import KbError
from kb.standards import workflow
from kb.vocab import Status
from tests.factories import make_standard

DAYS = [dt.date(2023, 1, 1), dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2026, 1, 1)]


@pytest.fixture
def worker(settings, session):
    """The index a worker holds for its whole life, opened before any write."""
    sync.ensure_index(settings, session)
    index = search_index(settings)
    with index.reading():
        pass
    yield index
    search_module.release(settings)


def queries(codes: list[str]) -> list[SearchQuery]:
    found = [
        SearchQuery(per_page=100),
        SearchQuery(q="绿化养护", per_page=100),
        SearchQuery(type="standard", status="in_force", per_page=100),
        SearchQuery(type="standard", status=("draft", "repealed"), per_page=100),
        SearchQuery(q="养护 定额", kind="cost_quota", per_page=100, sort="value"),
    ]
    found += [SearchQuery(type="standard", on=day, per_page=100) for day in DAYS]
    found += [SearchQuery(q="绿化养护", on=day, status="in_force", per_page=100) for day in DAYS]
    found += [SearchQuery(q=code, per_page=100) for code in codes[-3:]]
    return found


def answer(index: SearchIndex, query: SearchQuery) -> tuple:
    with index.reading() as view:
        assert view is not None
        page = run_query(view, query)
    hits = [(h.type, h.id, h.version, h.status, h.value, h.score) for h in page.results]
    return page.total, hits, page.facets, page.relaxed


def assert_same_as_fresh(settings, worker: SearchIndex, codes: list[str]) -> None:
    fresh = SearchIndex(settings)
    try:
        for query in queries(codes):
            assert answer(worker, query) == answer(fresh, query), query
    finally:
        fresh.close()


def assert_same_as_rebuilt(settings, session, worker: SearchIndex, codes: list[str]) -> None:
    """The worker's index (segments, deletions) answers as one rebuilt from the database: the
    same hits in the same order, the same totals and facets, scores equal but for rounding."""
    rebuilt_settings = replace(settings, index_dir=Path(settings.instance_dir) / "rebuilt")
    sync.rebuild(rebuilt_settings, session)
    rebuilt = SearchIndex(rebuilt_settings)
    try:
        for query in queries(codes):
            total, hits, facets, relaxed = answer(worker, query)
            expected = answer(rebuilt, query)
            assert (total, _unscored(hits), facets, relaxed) == (
                expected[0],
                _unscored(expected[1]),
                *expected[2:],
            ), query
            scores = [hit[-1] for hit in hits]
            assert scores == pytest.approx([hit[-1] for hit in expected[1]], abs=1e-4), query
    finally:
        rebuilt.close()


def _unscored(hits: list[tuple]) -> list[tuple]:
    return [hit[:-1] for hit in hits]


# -- the scenario of issue 12 ------------------------------------------------------------------


def test_publish_revise_publish_leaves_one_current_version(settings, session, cast, worker):
    steps = [
        lambda: workflow.create_draft(
            session, make_standard(code="ZJJ-CQ-9", region="朱家角镇"), actor=cast.zhujiajiao_editor
        ),
        lambda: workflow.transition(
            session,
            "ZJJ-CQ-9",
            to="in_force",
            effective_from=dt.date(2024, 1, 1),
            actor=cast.reviewer,
        ),
        lambda: workflow.revise(
            session, "ZJJ-CQ-9", {"value": "20.00"}, base_version=1, actor=cast.zhujiajiao_editor
        ),
        lambda: workflow.transition(
            session,
            "ZJJ-CQ-9",
            to="in_force",
            effective_from=dt.date(2025, 1, 1),
            actor=cast.reviewer,
        ),
    ]
    for step in steps:
        with atomic(session):
            step()
        sync.update(settings, session, standard_codes=["ZJJ-CQ-9"])
        assert_same_as_fresh(settings, worker, ["ZJJ-CQ-9"])

    page = search(settings, SearchQuery(q="ZJJ-CQ-9"))
    in_force = search(settings, SearchQuery(q="ZJJ-CQ-9", status="in_force"))

    assert [(h.id, h.version, h.status) for h in page.results] == [("ZJJ-CQ-9", 2, "in_force")]
    assert page.total == in_force.total == 1
    assert page.facets["status"] == {"in_force": 1}


def test_a_repeal_in_the_past_leaves_nothing_in_force(settings, session, cast, worker):
    with atomic(session):
        standards.write(session, make_standard(code="ZJJ-CQ-8", region="朱家角镇"))
    sync.update(settings, session, standard_codes=["ZJJ-CQ-8"])
    assert search(settings, SearchQuery(q="ZJJ-CQ-8", status="in_force")).total == 1

    with atomic(session):
        workflow.transition(
            session,
            "ZJJ-CQ-8",
            to="repealed",
            effective_to=dt.date(2024, 12, 31),
            reason="废止",
            actor=cast.reviewer,
        )
    sync.update(settings, session, standard_codes=["ZJJ-CQ-8"])

    assert search(settings, SearchQuery(q="ZJJ-CQ-8", status="in_force")).total == 0
    assert search(settings, SearchQuery(q="ZJJ-CQ-8", on=dt.date(2025, 6, 1))).total == 0
    [hit] = search(settings, SearchQuery(q="ZJJ-CQ-8")).results
    assert (hit.status, hit.effective_to) == ("repealed", dt.date(2024, 12, 31))


# -- any sequence of writes --------------------------------------------------------------------

OPERATIONS = ("create", "revise", "publish", "supersede", "repeal", "delete")
_serial = itertools.count()


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(OPERATIONS),
            st.integers(0, 2),
            st.sampled_from(DAYS),
            st.decimals(1, 99, places=2),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_after_every_write_a_worker_answers_as_a_fresh_process(
    settings, session, cast, worker, steps
):
    # Hypothesis seeds the global ``random`` alike for every example, and Whoosh names new
    # segments with it: without a fresh seed a new segment would reuse an old segment's name.
    random.seed(os.urandom(16))
    prefix = f"ZJJ-{next(_serial)}"
    codes = [f"{prefix}-{n}" for n in range(3)]
    for operation, which, day, value in steps:
        code = codes[which]
        try:
            with atomic(session):
                _write(session, cast, operation, code, day, value)
        except KbError:
            pass  # a move the standard's state does not allow: nothing was written
        sync.update(settings, session, standard_codes=[code])
        assert_same_as_fresh(settings, worker, codes)
        assert_same_as_rebuilt(settings, session, worker, codes)


def _write(session, cast, operation: str, code: str, day: dt.date, value: Decimal) -> None:
    editor, reviewer = cast.zhujiajiao_editor, cast.reviewer
    if operation == "create":
        record = make_standard(
            code=code, name=f"{code}绿化养护定额", region="朱家角镇", value=value
        )
        workflow.create_draft(session, record, actor=editor)
        return
    latest = standards.find(session, code).versions[-1]
    if operation == "revise":
        workflow.revise(
            session, code, {"value": str(value)}, base_version=latest.version, actor=editor
        )
    elif operation == "publish":
        workflow.transition(session, code, to=Status.IN_FORCE, effective_from=day, actor=reviewer)
    elif operation == "supersede":
        workflow.transition(session, code, to=Status.SUPERSEDED, effective_to=day, actor=reviewer)
    elif operation == "repeal":
        workflow.transition(
            session, code, to=Status.REPEALED, effective_to=day, reason="废止", actor=reviewer
        )
    else:
        session.delete(standards.find(session, code))


# -- the view ----------------------------------------------------------------------------------


def test_the_view_answers_for_one_commit(settings, session, worker):
    with atomic(session):
        standards.write(session, make_standard(code="QP-CQ-1"))
        standards.write(
            session, make_standard(code="QP-CQ-2", name="道路保洁成本定额", category="环卫保洁")
        )
    sync.update(settings, session, standard_codes=["QP-CQ-1", "QP-CQ-2"])

    with worker.reading() as view:
        matched = view.matches(Term("content", "绿化养护"))
        codes = view.column("code")
        assert [codes[d] for d in sorted(matched)] == ["QP-CQ-1"]
        assert view.doc_frequency("道路保洁") == 1 and view.doc_count() == 2
        assert {codes[d] for d in view.filter_set(SearchQuery(type="standard"))} == {
            "QP-CQ-1",
            "QP-CQ-2",
        }
        assert view.in_force(dt.date(2024, 1, 1)).sum() == 0
        assert view.in_force(dt.date(2024, 6, 1)).sum() == 2


def test_without_an_index_reading_gives_no_view(settings):
    with SearchIndex(settings).reading() as view:
        assert view is None


# -- mapped arrays (issue 16) ------------------------------------------------------------------


def test_mapped_and_decoded_segments_answer_alike(settings, session):
    codes = [f"QP-CQ-{n}" for n in range(30)]
    with atomic(session):
        for n, code in enumerate(codes):
            standards.write(
                session,
                make_standard(
                    code=code,
                    name=f"第{n}号{('绿化养护', '道路保洁', '养护定额')[n % 3]}成本定额",
                    region=("青浦区", "普陀区", "朱家角镇")[n % 3],
                    value=Decimal(10 + n),
                ),
            )
    sync.ensure_index(settings, session)
    with atomic(session):
        standards.write(session, make_standard(code=codes[4], name="绿化养护定额（修订）"))
    sync.update(settings, session, standard_codes=[codes[4]])
    mapped = SearchIndex(settings)
    expected = [answer(mapped, query) for query in queries(codes)]
    generation = sync.generation_token(settings).split()[0]

    shutil.rmtree(Path(settings.index_dir) / generation / "arrays")
    decoded = SearchIndex(settings)

    assert [answer(decoded, query) for query in queries(codes)] == expected
    assert mapped.store.held_postings == 0 < decoded.store.held_postings
    assert any(total for total, *_ in expected)
    mapped.close()
    decoded.close()
