import datetime as dt
import shutil
import threading
from decimal import Decimal

from sqlalchemy import select

from indexer.forking import can_fork
from indexer.ingest import PARALLEL_MIN_BYTES
from indexer.ingest import PARSE_PROCS
from indexer.ingest import ingest
from indexer.ingest import iter_files
from indexer.ingest import load_files
from indexer.ingest import parse_processes
from indexer.search import SearchQuery
from indexer.search import search
from kb import documents
from kb import standards
from kb.citing import basis
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database
from kb.documents import catalogue
from kb.models import Document
from kb.models import StandardVersion
from tests.conftest import CORPUS


def test_iter_files_passes_over_the_lexicon_and_hidden_files(tmp_path):
    (tmp_path / "dictionary.txt").write_text("双监控 20 n", encoding="utf-8")
    (tmp_path / "synonyms.txt").write_text("环卫 环境卫生", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "notice.txt").write_text("通知", encoding="utf-8")
    (tmp_path / "budgets").mkdir()
    (tmp_path / "budgets" / "sheet.csv").write_text("事项,金额\n会议费,1\n", encoding="utf-8")

    assert [p.name for p in iter_files([tmp_path])] == ["notice.txt"]


def test_ingesting_the_corpus_loads_documents_and_standards_and_indexes_them(settings, session):
    report = ingest(settings, session, [CORPUS])

    assert report.ok
    # 2 texts, 9 notices listed in notices.csv, and 2 bases named only by standards.
    assert documents.count(session) == 13
    assert standards.count(session) == 174 + 81  # real codes (with history) and examples
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert (by_name["notices.csv"].kind, by_name["notices.csv"].added) == ("documents", 9)
    assert set(by_name) == {
        "notices.csv",
        "putuo-2024-budget-performance-report.txt",
        "qingpu-2024-cost-budget-performance-plan.txt",
        "real-standards.csv",
        "illustrative-district-standards.csv",
    }
    assert by_name["real-standards.csv"].added == 174
    page = search(settings, SearchQuery(q="双监控", type="clause"))
    assert page.total >= 2


def test_every_basis_of_the_corpus_is_a_known_document(settings, session):
    ingest(settings, session, [CORPUS])

    for version in session.scalars(select(StandardVersion)):
        for resolved in basis.resolve(session, version.basis):
            assert resolved.document is not None, (version.code, resolved.ref.raw)
    listed = catalogue.find(session, doc_number="财行〔2016〕214号")
    assert (listed.measure_title, listed.text_held) == ("中央和国家机关会议费管理办法", False)


def test_a_documents_file_is_told_from_a_standards_file_by_its_header(settings, session, tmp_path):
    notices = tmp_path / "notices.csv"
    notices.write_text(
        "文号,标题,状态,替代文件\n"
        "沪财行〔2020〕1号,上海市甲办法,已被替代,沪财行〔2023〕2号\n"
        "沪财行〔2023〕2号,上海市乙办法,现行有效,\n",
        encoding="utf-8",
    )

    report = ingest(settings, session, [notices])

    assert [(f.kind, f.added, f.rejected) for f in report.files] == [("documents", 2, False)]
    old = catalogue.find(session, doc_number="沪财行〔2020〕1号")
    assert (old.status, old.replaced_by) == ("replaced", "沪财行〔2023〕2号")
    page = search(settings, SearchQuery(q="上海市甲办法", type="document", status="replaced"))
    assert [hit.title for hit in page.results] == ["上海市甲办法"]


def test_a_rejected_file_leaves_the_others_in(settings, session, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    good = folder / "a.csv"
    good.write_text(
        "name,kind,level,region,domain\n示例,公共服务标准,区级,青浦区,城市运维\n", encoding="utf-8"
    )
    bad = folder / "b.csv"
    bad.write_text(
        "name,kind,level,region,domain,颜色\n示例,公共服务标准,区级,青浦区,城市运维,红\n",
        encoding="utf-8",
    )

    report = ingest(settings, session, [folder])

    assert [(f.path.rsplit("/", 1)[-1], f.rejected, f.added) for f in report.files] == [
        ("a.csv", False, 1),
        ("b.csv", True, 0),
    ]
    assert "颜色" in report.files[1].problems[0]
    assert standards.count(session) == 1


def test_the_corpus_answers_shanghai_travel_today_with_the_2016_rates_and_their_source(
    corpus_instance,
):
    page = search(
        corpus_instance,
        SearchQuery(q="上海 差旅住宿费", type="standard", on=dt.date.today(), per_page=50),
    )

    shanghai = {(h.code, h.grade, h.value, h.unit) for h in page.results if h.region == "上海市"}
    assert shanghai == {
        ("RS-CL-007", "部级", "1100", "元/人·天"),
        ("RS-CL-008", "司局级", "600", "元/人·天"),
        ("RS-CL-009", "其他人员", "500", "元/人·天"),
    }
    factory = open_database(corpus_instance)
    with factory() as session:
        current = standards.get(session, "RS-CL-008", on=dt.date.today())
        assert current.basis == (
            "《关于调整中央和国家机关差旅住宿费标准等有关问题的通知》（财行〔2015〕497号）附件"
        )
        assert "https://m.wenku365.com/p-18813561.html" in standards.sources(current)
        assert not standards.is_verified(current)  # read from reposts only: 未核实
        then = standards.get(session, "RS-CL-008", on=dt.date(2015, 6, 1))
        assert (then.value, then.version) == (Decimal("500"), 1)
    close_database(factory)


def test_the_corpus_holds_every_class_of_the_2016_training_quota(corpus_instance):
    page = search(
        corpus_instance,
        SearchQuery(q="培训费 综合定额合计", type="standard", on=dt.date.today(), per_page=50),
    )

    totals = {h.grade: h.value for h in page.results if h.title.endswith("综合定额合计）")}
    assert totals == {"一类培训": "760", "二类培训": "650", "三类培训": "550"}


def test_a_history_file_imports_each_version_once_and_again_without_change(settings, session):
    real = CORPUS / "standards" / "real-standards.csv"

    first = ingest(settings, session, [real])
    again = ingest(settings, session, [real])

    assert (first.total("added"), first.total("updated")) == (174, 49)
    assert (again.total("added"), again.total("updated"), again.total("unchanged")) == (0, 0, 223)
    history = standards.find(session, "RS-HY-004").versions
    assert [(v.version, v.value, v.effective_from) for v in history] == [
        (1, Decimal("660"), dt.date(2014, 1, 1)),
        (2, Decimal("760"), dt.date(2016, 7, 1)),
    ]


def test_a_history_imported_after_the_current_version_leaves_it_current(
    settings, session, tmp_path
):
    header = "code,name,kind,level,region,domain,unit,value,effective_from,effective_to,status\n"
    current = tmp_path / "a-2016.csv"
    current.write_text(
        header
        + "X-1,住宿费,expenditure,central,上海市,机关运行,元/人·天,600,2016-01-01,,in_force\n",
        encoding="utf-8",
    )
    history = tmp_path / "b-2014.csv"
    history.write_text(
        header
        + "X-1,住宿费,expenditure,central,上海市,机关运行,元/人·天,500,2014-01-01,2015-12-31,"
        "superseded\n",
        encoding="utf-8",
    )

    ingest(settings, session, [current])
    ingest(settings, session, [history])

    standard = standards.find(session, "X-1")
    assert [(v.version, v.value) for v in standard.versions] == [
        (1, Decimal(600)),
        (2, Decimal(500)),
    ]
    assert standards.current_version(standard).value == Decimal(600)
    assert standards.get(session, "X-1", on=dt.date(2015, 6, 1)).value == Decimal(500)
    (hit,) = search(settings, SearchQuery(q="住宿费", type="standard")).results
    assert (hit.code, hit.value) == ("X-1", "600")


def test_a_file_rejected_between_two_others_of_one_commit_leaves_both_in(
    settings, session, tmp_path
):
    folder = tmp_path / "files"
    folder.mkdir()
    header = "code,name,kind,level,region,domain\n"
    (folder / "a.csv").write_text(header + "T-1,示例一,公共服务标准,区级,青浦区,城市运维\n")
    (folder / "b.csv").write_text(
        header
        + "T-2,示例二,公共服务标准,区级,青浦区,城市运维\nT-3,示例三,没有这一类,区级,青浦区,城市运维\n"
    )
    (folder / "c.csv").write_text(header + "T-4,示例四,公共服务标准,区级,青浦区,城市运维\n")

    report = ingest(settings, session, [folder])
    session.close()

    assert [(f.path.rsplit("/", 1)[-1], f.rejected, f.added) for f in report.files] == [
        ("a.csv", False, 1),
        ("b.csv", True, 0),
        ("c.csv", False, 1),
    ]
    assert (
        report.files[1].problems[0].startswith("第3行 “标准类型”列：“没有这一类”不是有效的标准类型")
    )
    assert [s.code for s in standards.iter_standards(session)] == ["T-1", "T-4"]


def _mixed_folder(tmp_path):
    """The corpus's standards and texts with, between them, a standards file rejected by a row,
    a text whose parse fails (no encoding fits), and a file of a type kb does not read."""
    folder = tmp_path / "mixed"
    shutil.copytree(CORPUS / "documents", folder / "documents")
    shutil.copytree(CORPUS / "standards", folder / "standards")
    (folder / "documents" / "p-broken.txt").write_bytes("通知".encode("gb18030") + b"\x80\x80")
    (folder / "standards" / "j-rejected.csv").write_text(
        "code,name,kind,level,region,domain\n"
        "J-1,示例一,公共服务标准,区级,青浦区,城市运维\n"
        "J-2,示例二,没有这一类,区级,青浦区,城市运维\n",
        encoding="utf-8",
    )
    (folder / "documents" / "q-notes.xyz").write_text("x", encoding="utf-8")
    return folder


def _contents(session):
    return (
        [
            (s.code, [(v.version, v.value, v.basis) for v in s.versions])
            for s in standards.iter_standards(session)
        ],
        sorted(
            (d.doc_number or "", d.title, d.text_held, len(d.clauses))
            for d in session.scalars(select(Document))
        ),
    )


def test_files_parsed_in_forked_processes_go_in_as_parsed_here(settings, session, tmp_path):
    folder = _mixed_folder(tmp_path)
    here = open_database(Settings.for_instance(tmp_path / "here"))

    forked = load_files(session, [folder], processes=2)
    # The pool's threads are gone: the index rebuild that follows forks only from one thread.
    assert threading.active_count() == 1
    with here() as other:
        in_process = load_files(other, [folder], processes=0)
        expected = _contents(other)
    close_database(here)

    assert forked.files == in_process.files
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in forked.files}
    assert [f.path.rsplit("/", 1)[-1] for f in forked.files] == [
        p.name for p in iter_files([folder])
    ]
    assert by_name["j-rejected.csv"].rejected
    assert by_name["j-rejected.csv"].problems[0].startswith("第3行 “标准类型”列：")
    assert by_name["p-broken.txt"].rejected
    assert by_name["p-broken.txt"].problems[0].startswith("无法识别文件 p-broken.txt 的文字编码")
    assert by_name["q-notes.xyz"].skipped
    assert by_name["real-standards.csv"].added == 174
    assert (forked.standard_codes, forked.document_ids) == (
        in_process.standard_codes,
        in_process.document_ids,
    )
    assert _contents(session) == expected
    assert not {"J-1", "J-2"} & {code for code, _ in expected[0]}


def test_a_large_ingest_is_parsed_in_forked_processes_and_the_corpus_here(tmp_path):
    large = tmp_path / "large.txt"
    large.write_text("通知\n" * (PARALLEL_MIN_BYTES // 7 + 1), encoding="utf-8")

    assert parse_processes(list(iter_files([CORPUS]))) == 0
    assert parse_processes([large, tmp_path / "missing.txt"]) in (0, PARSE_PROCS)
    assert parse_processes([large]) == (PARSE_PROCS if can_fork() else 0)


def test_an_ingest_parsed_in_forked_processes_is_indexed(settings, session, tmp_path):
    report = ingest(settings, session, [_mixed_folder(tmp_path)], processes=2)

    assert [f.path.rsplit("/", 1)[-1] for f in report.files if f.rejected] == [
        "p-broken.txt",
        "j-rejected.csv",
    ]
    page = search(settings, SearchQuery(q="双监控", type="clause"))
    assert page.total >= 2
