"""indexer/changelog.py: when an update applies the change log record by record, and when it
rebuilds because that is cheaper."""

from __future__ import annotations

from indexer import changelog
from indexer import sync
from indexer.search import SearchQuery
from indexer.search import search
from tests.factories import make_standard


def green_codes(settings) -> list[str]:
    found = search(settings, SearchQuery(q="绿化养护", per_page=50)).results
    return sorted(hit.id for hit in found)


def standards(first: int, count: int):
    return [make_standard(code=f"QP-CQ-{n:04d}") for n in range(first, first + count)]


def test_changing_a_large_share_of_the_index_rebuilds_it(
    index_settings, db, build, store, monkeypatch
):
    monkeypatch.setattr(changelog, "SHARE_FROM", 2)
    build(*standards(0, 4))
    store(*standards(4, 2))  # 2 records against 4 held: more than a quarter

    stats = sync.update(index_settings, db)

    assert stats.rebuilt
    assert sync.generation_token(index_settings).endswith(" 0")
    assert green_codes(index_settings) == [f"QP-CQ-{n:04d}" for n in range(6)]


def test_changing_a_small_share_updates_record_by_record(
    index_settings, db, build, store, monkeypatch
):
    monkeypatch.setattr(changelog, "SHARE_FROM", 2)
    build(*standards(0, 8))
    store(*standards(8, 2))  # 2 records against 8 held: a quarter, not more

    stats = sync.update(index_settings, db)

    assert not stats.rebuilt
    assert sync.generation_token(index_settings).endswith(" 1")
    assert green_codes(index_settings) == [f"QP-CQ-{n:04d}" for n in range(10)]


def test_a_few_records_never_rebuild_for_their_share(index_settings, db, build, store):
    build()  # an empty index: any change is a large share of it
    store(*standards(0, 3))

    stats = sync.update(index_settings, db)

    assert 3 < changelog.SHARE_FROM
    assert not stats.rebuilt
    assert green_codes(index_settings) == ["QP-CQ-0000", "QP-CQ-0001", "QP-CQ-0002"]
