"""indexer/engine/arrays.py: the in-force set of a date is kb's rule, version by version; BM25F's
statistics count live documents only."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from indexer import sync
from indexer.search import SearchQuery
from indexer.search import search
from indexer.search import search_index
from kb import standards
from kb.vocab import Status
from tests.factories import make_standard

DAYS = [dt.date(2012, 1, 1), dt.date(2016, 3, 1), dt.date(2019, 12, 31), dt.date(2020, 1, 1)]
DAYS += [dt.date(2023, 6, 30), dt.date(2026, 1, 1)]


def random_history(rng: random.Random, code: str) -> list:
    """Versions of one standard with random windows and statuses, some overlapping."""
    versions = []
    for number in range(rng.randint(1, 4)):
        start = rng.choice([None, dt.date(2014 + 2 * number, 1, 1), dt.date(2019, 12, 31)])
        end = rng.choice([None, None, dt.date(2020 + number, 6, 30)])
        status = rng.choice([Status.IN_FORCE, Status.IN_FORCE, Status.SUPERSEDED, Status.REPEALED])
        versions.append(
            make_standard(
                code=code,
                name=f"{code}号绿化养护成本定额",
                value=Decimal(10 + number),
                effective_from=start,
                effective_to=end if not start or not end or end >= start else None,
                status=status,
            )
        )
    return versions


def test_in_force_on_a_date_is_what_kb_says(index_settings, db, build):
    rng = random.Random(5)
    build(*(v for n in range(40) for v in random_history(rng, f"QP-CQ-{n:04d}")))

    for day in DAYS:
        page = search(index_settings, SearchQuery(type="standard", on=day, per_page=100))
        found = {(hit.id, hit.version) for hit in page.results}
        expected = set()
        for standard in standards.iter_standards(db):
            version = standards.version_on(standard, day)
            if version is not None:
                expected.add((standard.code, version.version))
        assert found == expected, day
    assert any(found)


def test_statistics_and_frequencies_count_live_documents_only(index_settings, db, build):
    build(
        make_standard(code="QP-CQ-0001"),
        make_standard(code="QP-CQ-0002", name="河道保洁成本定额", item="河道保洁"),
    )
    db.delete(standards.find(db, "QP-CQ-0002"))
    db.commit()
    sync.update(index_settings, db, standard_codes=["QP-CQ-0002"])

    with search_index(index_settings).reading() as view:
        whoosh = view.searcher
        [(reader, _)] = view.arrays.leaves
        live_length = view.arrays.store.lengths(reader, "content")[view.arrays.live]

        assert whoosh.doc_frequency("content", "河道") == 1 and whoosh.doc_count_all() == 2
        assert view.doc_frequency("河道") == 0 and view.near_words("河遒") == []
        assert view.arrays.statistics == (1, float(live_length.sum()))
