from sqlalchemy import select

from indexer.ingest import ingest
from indexer.ingest import iter_files
from indexer.search import SearchQuery
from indexer.search import search
from kb import documents
from kb import standards
from kb.citing import basis
from kb.documents import catalogue
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
    assert standards.count(session) == 162
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert (by_name["notices.csv"].kind, by_name["notices.csv"].added) == ("documents", 9)
    assert set(by_name) == {
        "notices.csv",
        "putuo-2024-budget-performance-report.txt",
        "qingpu-2024-cost-budget-performance-plan.txt",
        "real-standards.csv",
        "illustrative-district-standards.csv",
    }
    assert by_name["real-standards.csv"].added == 81
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
