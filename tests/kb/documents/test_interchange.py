"""The documents interchange file: headers, validation, all-or-nothing, the round trip."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kb.documents import catalogue
from kb.documents.interchange import is_documents_table
from kb.documents.interchange import read_documents
from kb.documents.interchange import write_documents
from kb.errors import ImportRejected
from kb.files.tables import Table
from kb.records import DocumentEntry
from kb.vocab import DocumentStatus
from tests.conftest import CORPUS

NOTICES = CORPUS / "documents" / "notices.csv"


def test_the_bundled_notices_file_reads_as_nine_documents():
    entries = read_documents(NOTICES)

    assert len(entries) == 9
    first = entries[0]
    assert first == DocumentEntry(
        title="财政部 国家机关事务管理局 中共中央直属机关事务管理局关于印发《中央和国家机关会议费管理办法》的通知",
        doc_number="财行〔2016〕214号",
        measure_title="中央和国家机关会议费管理办法",
        issuer="财政部、国家机关事务管理局、中共中央直属机关事务管理局",
        issued_on=dt.date(2016, 6, 29),
        effective_from=dt.date(2016, 7, 1),
        status=DocumentStatus.IN_FORCE,
        replaces="2013年版会议费办法（文号未核实，疑为财行〔2013〕286号）",
        source=first.source,
        verified=False,
        notes="信息读自转载页，未在发文机关网站核对。",
    )
    assert not any(e.verified for e in entries)  # every source is a repost


def test_key_headers_and_any_bracket_style(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "doc_number,title,status,replaced_by\n沪财行【2014】3号,甲,replaced,沪财行(2024)9号\n",
        encoding="utf-8",
    )

    (entry,) = read_documents(path)

    assert (entry.doc_number, entry.status, entry.replaced_by) == (
        "沪财行〔2014〕3号",
        DocumentStatus.REPLACED,
        "沪财行〔2024〕9号",
    )


def test_every_problem_is_listed_by_row_and_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(
        "文号,标题,施行日期,失效日期,状态,已核实,来源,颜色\n"
        "财行2016年214号,甲,2016-07-01,2016-06-30,作废,是,https://a.example.com/x,红\n"
        ",,,,,,,\n"
        "财行〔2016〕214号,乙,,,,,,\n"
        "财行〔2016〕214号,丙,,,,,,\n",
        encoding="utf-8",
    )

    with pytest.raises(ImportRejected) as caught:
        read_documents(path)

    assert [(p.row, p.column) for p in caught.value.problems] == [
        (1, "颜色"),
        (2, "文号"),
        (2, "失效日期"),
        (2, "状态"),
        (2, "已核实"),
        (5, "文号"),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".json"])
def test_export_then_import_changes_nothing(session, tmp_path, suffix):
    catalogue.store_entries(session, read_documents(NOTICES))
    before = catalogue.entries(session)
    path = tmp_path / f"documents{suffix}"

    write_documents(path, before)
    results = catalogue.store_entries(session, read_documents(path))

    assert {outcome.value for _, outcome in results} == {"unchanged"}
    assert catalogue.entries(session) == before


def test_a_documents_table_is_told_apart_from_a_standards_table():
    assert is_documents_table(Table(("文号", "标题", "状态"), ()))
    assert is_documents_table(Table(("doc_number", "title"), ()))
    assert not is_documents_table(Table(("标准名称", "标准类型", "状态"), ()))
    assert not is_documents_table(Table(("name", "kind", "status", "source"), ()))


@given(
    st.lists(
        st.builds(
            DocumentEntry,
            title=st.text(alphabet="办法通知关于印发上海市会议费", min_size=1, max_size=20),
            notes=st.one_of(st.none(), st.text(alphabet='备注说明 ；,"', min_size=1, max_size=10)),
            status=st.one_of(st.none(), st.sampled_from(list(DocumentStatus))),
            effective_from=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1))),
        ),
        max_size=5,
        unique_by=lambda e: e.title,
    )
)
def test_any_entries_survive_a_csv_round_trip(tmp_path_factory, entries):
    entries = [
        e
        for e in entries
        if e.title.strip() == e.title and (e.notes or "x").strip() == (e.notes or "x")
    ]
    path = tmp_path_factory.mktemp("round") / "d.csv"

    write_documents(path, entries)

    assert read_documents(path) == entries
