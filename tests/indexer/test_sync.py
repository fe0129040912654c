"""indexer/sync.py: rebuild into a fresh folder and swap, update single records, one writer."""

from __future__ import annotations

import json
import multiprocessing
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from indexer import direct
from indexer import forking
from indexer import sync
from indexer.analysis import ANALYSIS_VERSION
from indexer.dictionary import load_lexicon
from indexer.search import SearchQuery
from indexer.search import search
from kb import documents
from kb import standards
from kb.errors import Conflict
from kb.vocab import Status
from tests.factories import make_standard


def codes(settings, q: str = "", **filters) -> list[str]:
    return [h.id for h in search(settings, SearchQuery(q=q, per_page=50, **filters)).results]


def generations(settings) -> list[str]:
    return sorted(p.name for p in Path(settings.index_dir).iterdir() if p.is_dir())


def test_rebuild_writes_a_generation_and_points_readers_at_it(index_settings, build, policy):
    stats = build(make_standard(), policy(clauses=(("一", "主要目标", "一、主要目标"),)))

    token = sync.generation_token(index_settings)
    name = token.split()[0]
    meta = json.loads((Path(index_settings.index_dir) / name / sync.META_FILE).read_text())
    assert (stats.standards, stats.clauses, stats.documents, stats.rebuilt) == (1, 1, 1, True)
    assert token == f"{name} 0"
    assert generations(index_settings) == [name]
    assert meta["signature"] == {
        "analysis_version": ANALYSIS_VERSION,
        "schema_version": 3,
        **load_lexicon(index_settings).signature,
    }
    assert str(stats).startswith("1 个标准版本、1 条条款、1 份文件，已重建")


def test_ensure_index_builds_once_and_then_reuses(index_settings, db, store):
    store(make_standard())

    first = sync.ensure_index(index_settings, db)
    second = sync.ensure_index(index_settings, db)

    assert (first.rebuilt, second.rebuilt) == (True, False)
    assert second.generation == first.generation
    assert sync.is_current(index_settings)


def test_ensure_index_rebuilds_a_stale_index(index_settings, db, store, monkeypatch):
    store(make_standard())
    first = sync.ensure_index(index_settings, db)
    monkeypatch.setattr(sync, "ANALYSIS_VERSION", ANALYSIS_VERSION + 1)

    assert not sync.is_current(index_settings)
    again = sync.ensure_index(index_settings, db)

    assert again.rebuilt and again.generation != first.generation


def test_update_replaces_the_current_version_with_the_new_one(index_settings, db, build, store):
    build(make_standard())
    store(make_standard(value=Decimal("19.80")))

    stats = sync.update(index_settings, db, standard_codes=["QP-CQ-0012"])

    [hit] = search(index_settings, SearchQuery(q="公共绿地")).results
    assert (hit.version, hit.value) == (2, "19.80")
    assert stats.standards == 2  # both versions are published, only the second is current
    assert sync.generation_token(index_settings).endswith(" 1")


def test_update_adds_new_records_and_drops_deleted_ones(index_settings, db, build, store, policy):
    build(policy(slug="old", title="旧文件：绿化养护"))
    store(make_standard(code="QP-CQ-0001", name="道路保洁成本定额", category="环卫保洁"))
    old = documents.get(db, "old")
    db.delete(old)
    db.commit()

    sync.update(index_settings, db, standard_codes=["QP-CQ-0001"], document_ids=[old.id])

    assert codes(index_settings, "道路保洁") == ["QP-CQ-0001"]
    assert codes(index_settings, "旧文件") == []


def test_update_without_an_index_rebuilds(index_settings, db, store):
    store(make_standard())

    stats = sync.update(index_settings, db, standard_codes=["QP-CQ-0012"])

    assert stats.rebuilt
    assert codes(index_settings, "绿化养护") == ["QP-CQ-0012"]


def test_a_failing_rebuild_leaves_the_old_index_serving(index_settings, db, build, monkeypatch):
    build(make_standard())
    token = sync.generation_token(index_settings)

    def broken(session):
        yield from records_of(session)
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(sync, "_all_records", broken)
    with pytest.raises(RuntimeError):
        sync.rebuild(index_settings, db)

    assert sync.generation_token(index_settings) == token
    assert generations(index_settings) == [token.split()[0]]
    assert codes(index_settings, "绿化养护") == ["QP-CQ-0012"]


def records_of(session):
    """What a rebuild indexes, as (type, key, make docs) records."""
    from indexer.schema import standard_docs

    for standard in standards.iter_standards(session):
        docs = standard_docs(standard)
        yield "standard", standard.code, lambda docs=docs: docs


def test_a_killed_build_is_ignored_by_readers_and_removed_by_the_next_writer(
    index_settings, db, build
):
    build(make_standard())
    leftover = Path(index_settings.index_dir) / "building-gen-killed"
    leftover.mkdir()
    (leftover / "_MAIN_1.toc").write_bytes(b"half written")

    assert codes(index_settings, "绿化养护") == ["QP-CQ-0012"]
    sync.rebuild(index_settings, db)

    assert not leftover.exists()


def test_rebuild_keeps_the_previous_generation_for_open_readers(index_settings, db, build):
    build(make_standard())
    first = sync.rebuild(index_settings, db).generation.split()[0]
    second = sync.rebuild(index_settings, db).generation.split()[0]
    third = sync.rebuild(index_settings, db).generation.split()[0]

    assert generations(index_settings) == sorted([second, third])
    assert first not in generations(index_settings)


def test_the_writer_lock_serialises_writers(index_settings):
    held = threading.Event()
    release = threading.Event()

    def hold():
        with sync.writer_lock(index_settings):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        with pytest.raises(Conflict):
            with sync.writer_lock(index_settings, timeout=0.2):
                pass
    finally:
        release.set()
        thread.join()
    with sync.writer_lock(index_settings, timeout=0.2):
        pass


def test_superseded_and_draft_versions_are_counted_as_indexed(index_settings, build, store, db):
    build(
        make_standard(status=Status.SUPERSEDED),
        make_standard(status=Status.IN_FORCE, value=Decimal("20")),
        make_standard(status=Status.DRAFT, value=Decimal("21")),
    )

    stats = sync.ensure_index(index_settings, db)

    assert (stats.standards, stats.rebuilt) == (2, False)


def test_a_large_rebuild_indexes_in_two_processes(index_settings, db, build, monkeypatch):
    monkeypatch.setattr(forking, "PARALLEL_MIN_RECORDS", 0)
    monkeypatch.setattr(direct, "BATCH", 50)  # the processes take batches of records in turn

    stats = build(*(make_standard(code=f"QP-CQ-{n:04d}") for n in range(250)))

    assert forking.rebuild_processes(250) == forking.WRITER_PROCS
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))
    assert len(ix._segments()) == forking.WRITER_PROCS
    ix.close()
    assert (stats.standards, search(index_settings, SearchQuery(q="绿化养护")).total) == (250, 250)


def test_a_failing_parallel_rebuild_leaves_no_process_and_the_old_index(
    index_settings, db, build, monkeypatch
):
    build(make_standard())
    token = sync.generation_token(index_settings)
    monkeypatch.setattr(forking, "PARALLEL_MIN_RECORDS", 0)

    def broken(session):
        [(kind, key, make)] = list(records_of(session))
        for n in range(250):
            yield kind, key, lambda n=n: [{**make()[0], "uid": f"standard:X:{n}"}]
        raise RuntimeError("数据库连接中断")

    monkeypatch.setattr(sync, "_all_records", broken)
    with pytest.raises(RuntimeError):
        sync.rebuild(index_settings, db)

    assert not multiprocessing.active_children()
    assert sync.generation_token(index_settings) == token
    assert not list(Path(index_settings.index_dir).glob("building-*"))


def test_a_record_that_cannot_be_indexed_is_reported_and_the_rest_is_built(
    index_settings, db, store
):
    store(
        make_standard(code="QP-CQ-0001"),
        make_standard(code="QP-CQ-0002"),
        make_standard(code="QP-CQ-0003"),
    )
    standards.find(db, "QP-CQ-0002").versions[0].value = Decimal("1e30")
    standards.find(db, "QP-CQ-0003").versions[0].kind = "no_such_kind"
    db.commit()

    stats = sync.rebuild(index_settings, db)
    found = search(index_settings, SearchQuery(q="绿化养护"))

    assert [(s.type, s.key) for s in stats.skipped] == [
        ("standard", "QP-CQ-0002"),
        ("standard", "QP-CQ-0003"),
    ]
    assert "out of range" in stats.skipped[0].reason
    assert (stats.standards, [hit.id for hit in found.results]) == (1, ["QP-CQ-0001"])
    assert "标准 QP-CQ-0002 无法编入索引，已跳过" in str(stats.skipped[0])


def test_an_update_skips_a_bad_record_and_indexes_the_others(index_settings, db, build, store):
    build(make_standard(code="QP-CQ-0001"))
    store(make_standard(code="QP-CQ-0002"), make_standard(code="QP-CQ-0003"))
    standards.find(db, "QP-CQ-0002").versions[0].value = Decimal("1e30")
    db.commit()

    stats = sync.update(index_settings, db, standard_codes=["QP-CQ-0002", "QP-CQ-0003"])

    assert [s.key for s in stats.skipped] == ["QP-CQ-0002"]
    assert sorted(hit.id for hit in search(index_settings, SearchQuery(q="绿化养护")).results) == [
        "QP-CQ-0001",
        "QP-CQ-0003",
    ]


class Recorder:
    """A progress listener that keeps what it was told."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, int]] = []
        self.done: dict[str, int] = {}
        self.open = False

    def start(self, phase: str, total: int) -> None:
        self.phases.append((phase, total))
        self.done[phase] = 0
        self.open = True

    def advance(self, done: int = 1) -> None:
        self.done[self.phases[-1][0]] += done

    def finish(self) -> None:
        self.open = False


def test_rebuild_reports_its_progress_record_by_record(index_settings, db, store, policy):
    store(make_standard(code="P-1"), make_standard(code="P-2"), policy())
    heard = Recorder()

    sync.rebuild(index_settings, db, heard)

    assert heard.phases == [("编入索引", 3), ("写入索引", 0)]
    assert heard.done["编入索引"] == 3
    assert not heard.open


def test_a_rebuild_reads_plain_rows_into_the_docs_the_orm_objects_make(corpus_instance):
    from kb.db import close_database
    from kb.db import open_database

    factory = open_database(corpus_instance)
    with factory() as session:
        from_rows = [(kind, key, make()) for kind, key, make in sync._all_records(session)]
        from_orm = [
            (kind, key, make())
            for kind, key, make in sync._records(
                standards.iter_standards(session), documents.iter_documents(session)
            )
        ]
    close_database(factory)

    assert [kind for kind, _, _ in from_rows].count("document") > 1
    assert sum(len(docs) for _, _, docs in from_rows) > len(from_rows)  # clauses too
    assert from_rows == from_orm
    assert repr(from_rows) == repr(from_orm)  # the same types too (True is 1 for ==)
