"""indexer/schema.py: one schema, facets as columns, records → index docs, the in-force window."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields as dataclass_fields
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.fields import STORED

from indexer.dictionary import load_lexicon
from indexer.schema import FACETS
from indexer.schema import FIELDS_DIGEST
from indexer.schema import FILTERS
from indexer.schema import NO_DAY
from indexer.schema import SCHEMA_VERSION
from indexer.schema import build_schema
from indexer.schema import day_from_number
from indexer.schema import day_number
from indexer.schema import document_docs
from indexer.schema import fields_digest
from indexer.schema import in_force_window
from indexer.schema import standard_docs
from indexer.schema import standard_hit_values
from indexer.schema import tiebreak_key
from indexer.schema import value_order
from indexer.search import SearchHit
from kb import documents
from kb import standards
from kb.fields import FACET_FIELDS
from kb.fields import FIELD
from kb.fields import INDEXED_FIELDS
from kb.models import StandardVersion
from kb.vocab import Status
from tests.factories import make_standard


@pytest.fixture
def schema(index_settings):
    return build_schema(load_lexicon(index_settings))


def test_schema_names_every_field_once(schema):
    assert sorted(schema.names()) == sorted(
        [
            "uid",
            "type",
            "code",
            "version",
            "is_current",
            "title",
            "body",
            "content",
            "kind",
            "level",
            "region",
            "domain",
            "category",
            "status",
            "grade",
            "year",
            "unit",
            "value",
            "value_max",
            "value_order",
            "effective_from",
            "effective_to",
            "date",
            "illustrative",
            "real",
            "document_id",
            "document_title",
            "clause_path",
            "url",
            "tiebreak",
        ]
    )


def test_facets_and_filters_are_stored_columns(schema):
    assert set(FACETS) <= set(FILTERS)
    for name in FILTERS:
        assert schema[name].column_type is not None, name
        assert schema[name].stored, name


def test_what_a_hit_shows_is_stored_and_only_content_is_scored(schema):
    for name in ("title", "body", "value", "value_max", "unit", "url", "clause_path"):
        assert isinstance(schema[name], STORED), name
    assert schema.scorable_names() == ["content"]


def test_day_numbers_round_trip_and_none_is_zero():
    assert day_number(None) == NO_DAY == 0
    assert day_from_number(day_number(dt.date(2024, 5, 9))) == dt.date(2024, 5, 9)
    assert day_from_number(0) is None


def test_value_order_sorts_like_the_decimal():
    values = [Decimal("18.50"), Decimal("0.0001"), Decimal("760"), Decimal("18.5001")]

    assert sorted(values, key=value_order) == sorted(values)


DAYS = [dt.date(2013, 12, 31), dt.date(2014, 1, 1), dt.date(2015, 6, 1), dt.date(2030, 1, 1)]
DATES = st.one_of(st.none(), st.sampled_from(DAYS))


@given(
    status=st.sampled_from(list(Status)),
    start=DATES,
    end=DATES,
    day=st.sampled_from(DAYS),
)
def test_in_force_window_agrees_with_kb_in_force_on(status, start, end, day):
    version = StandardVersion(status=status.value, effective_from=start, effective_to=end)
    window = in_force_window(status.value, day_number(start), day_number(end))
    by_window = window is not None and window[0] <= day.toordinal() <= window[1]

    assert by_window == standards.in_force_on(version, day)


def test_published_versions_and_a_current_draft_are_indexed(db):
    standards.write(db, make_standard(status=Status.SUPERSEDED))
    standards.write(db, make_standard(status=Status.IN_FORCE, value=Decimal("19.00")))
    standards.write(db, make_standard(status=Status.DRAFT, value=Decimal("20.00")))
    standards.write(db, make_standard(code="QP-CQ-0099", status=Status.DRAFT))
    db.commit()

    quota = standard_docs(standards.find(db, "QP-CQ-0012"))
    draft_only = standard_docs(standards.find(db, "QP-CQ-0099"))

    assert [(d["version"], d["is_current"], d["status"]) for d in quota] == [
        (1, False, "superseded"),
        (2, True, "in_force"),
    ]
    assert [(d["version"], d["is_current"], d["status"]) for d in draft_only] == [
        (1, True, "draft")
    ]


def test_a_standard_doc_keeps_the_exact_value_and_the_facets(db):
    standards.write(db, make_standard())
    db.commit()
    [doc] = standard_docs(standards.find(db, "QP-CQ-0012"))

    assert {k: doc[k] for k in ("uid", "type", "code", "value", "unit", "url", "year")} == {
        "uid": "standard:QP-CQ-0012:1",
        "type": "standard",
        "code": "QP-CQ-0012",
        "value": "18.50",
        "unit": "元/平方米·年",
        "url": "/standards/QP-CQ-0012",
        "year": "2024",
    }
    assert {k: doc[k] for k in ("kind", "level", "region", "domain", "category", "grade")} == {
        "kind": "cost_quota",
        "level": "district",
        "region": "青浦区",
        "domain": "城市运维",
        "category": "绿化养护",
        "grade": "一级",
    }
    assert doc["content"].startswith("公共绿地一级养护成本定额\n公共绿地一级养护成本定额\n")


def test_a_document_becomes_one_doc_and_one_per_clause(db, policy):
    record = policy(
        slug="qingpu-plan",
        clauses=(("四", "建立成本预算绩效管理长效机制", "四、建立成本预算绩效管理长效机制"),),
        issued_on=dt.date(2024, 5, 9),
    )
    document, _ = documents.write(db, record)
    db.commit()

    docs = document_docs(document)

    assert [(d["uid"], d["type"], d["url"]) for d in docs] == [
        (f"document:{document.id}", "document", "/documents/qingpu-plan"),
        (f"clause:{document.clauses[0].id}", "clause", "/documents/qingpu-plan#clause-四"),
    ]
    assert {d["document_id"] for d in docs} == {str(document.id)}
    assert docs[1]["title"] == "四、建立成本预算绩效管理长效机制"
    assert docs[1]["year"] == "2024"


def test_tiebreak_keys_order_records_as_a_rebuild_writes_them(db, policy):
    standards.write(db, make_standard(code="QP-CQ-0300", status=Status.SUPERSEDED))
    standards.write(db, make_standard(code="QP-CQ-0300", value=Decimal("19.00")))
    standards.write(db, make_standard(code="QP-CQ-0001"))
    clauses = (("一", "总体要求", "一、总体要求"), ("二", "主要任务", "二、主要任务"))
    first, _ = documents.write(db, policy(slug="a", clauses=clauses))
    second, _ = documents.write(db, policy(slug="b", title="另一份说明", clauses=clauses[:1]))
    db.commit()

    docs = [
        d for code in ("QP-CQ-0300", "QP-CQ-0001") for d in standard_docs(standards.find(db, code))
    ]
    docs += document_docs(first) + document_docs(second)
    shuffled = sorted(docs, key=lambda d: d["uid"])

    assert [d["uid"] for d in sorted(shuffled, key=lambda d: d["tiebreak"])] == [
        "standard:QP-CQ-0300:1",
        "standard:QP-CQ-0300:2",
        "standard:QP-CQ-0001:1",
        f"document:{first.id}",
        f"clause:{first.clauses[0].id}",
        f"clause:{first.clauses[1].id}",
        f"document:{second.id}",
        f"clause:{second.clauses[0].id}",
    ]


@pytest.mark.parametrize(
    "arguments", [("standard", 1 << 42), ("standard", 1, 1 << 16), ("document", -1)]
)
def test_a_record_beyond_the_tiebreak_key_is_refused(arguments):
    kind, record_id, *version = arguments
    with pytest.raises(ValueError, match="排序键"):
        tiebreak_key(kind, record_id, version=version[0] if version else 0)


def test_the_standard_fields_kept_are_exactly_those_the_description_marks(schema):
    """Derived from kb.fields: stored standard fields, facets, and what a hit carries."""
    kept = {name for name in schema.stored_names() if name in FIELD}

    assert kept == {field.name for field in INDEXED_FIELDS}
    assert FACETS == ("type", *FACET_FIELDS, "year")
    assert {f.name for f in dataclass_fields(SearchHit)} >= kept


def test_a_standard_doc_gives_back_every_kept_field_for_its_hit(db):
    standards.write(
        db,
        make_standard(
            value_max=Decimal("20.00"),
            effective_to=dt.date(2025, 12, 31),
            illustrative=True,
        ),
    )
    db.commit()
    [doc] = standard_docs(standards.find(db, "QP-CQ-0012"))

    assert standard_hit_values(doc) == {
        "code": "QP-CQ-0012",
        "version": 1,
        "kind": "cost_quota",
        "level": "district",
        "region": "青浦区",
        "domain": "城市运维",
        "category": "绿化养护",
        "grade": "一级",
        "unit": "元/平方米·年",
        "value": "18.50",
        "value_max": "20.00",
        "effective_from": dt.date(2024, 5, 9),
        "effective_to": dt.date(2025, 12, 31),
        "status": "in_force",
        "illustrative": True,
    }


def test_searched_text_is_the_keywords_then_the_body_in_their_order(db):
    standards.write(db, make_standard(conditions="含苗木补植", notes="每年复核"))
    db.commit()
    [doc] = standard_docs(standards.find(db, "QP-CQ-0012"))

    assert doc["body"] == "公共绿地养护；含苗木补植；每年复核"
    assert doc["content"].split("\n")[2] == (
        "QP-CQ-0012；绿化养护；一级；青浦区；城市运维；成本定额标准；区级；18.50；元/平方米·年"
    )


def test_a_change_to_the_indexed_fields_bumps_the_schema_version():
    """An index built with other fields must be rebuilt: change kb.fields' index part, and this
    fails until SCHEMA_VERSION is bumped and FIELDS_DIGEST set to the new digest."""
    assert fields_digest() == FIELDS_DIGEST, (
        f"bump SCHEMA_VERSION ({SCHEMA_VERSION}) and set FIELDS_DIGEST = {fields_digest()!r}"
    )
