"""kb/citations.py: clause words both ways, document and standard citations in every style."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from indexer.structure import parse_document
from kb import documents
from kb import standards
from kb.citing import basis
from kb.citing.citations import Citation
from kb.citing.citations import Style
from kb.citing.citations import cite_clause
from kb.citing.citations import cite_document
from kb.citing.citations import cite_standard
from kb.citing.citations import clause_words
from kb.citing.citations import read_clause
from kb.documents import catalogue
from kb.documents.interchange import read_documents
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.models import StandardVersion
from kb.standards.interchange import read_standards
from kb.vocab import Status
from tests.conftest import CORPUS
from tests.factories import make_standard

PLAN = "青浦区2024年度全面推开成本预算绩效管理工作方案"
QINGPU = "qingpu-2024-cost-budget-performance-plan"
PUTUO = "putuo-2024-budget-performance-report"
BASIS = f"《{PLAN}》（青财督〔2024〕58号）第四部分第8条"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("四", "第四部分"),
        ("四.8", "第四部分第8条"),
        ("二.（三）", "第二部分第（三）项"),
        ("一.一是", "第一部分“一是”"),
        ("第二章.第十五条", "第十五条"),
        ("第十五条", "第十五条"),
        ("四.8.（1）", "第四部分第8条第（1）项"),
        ("二.（三）.2", "第二部分第（三）项第2条"),
        ("第三章.第二十条.1", "第二十条第1项"),
        ("第二章", "第二章"),
        ("四.8~2", "第四部分第8条"),
    ],
)
def test_clause_words(path, words):
    assert clause_words(path) == words


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("第四部分第8条", "四.8"),
        ("第 四 部分 第 ８ 条", "四.8"),
        ("第二部分（三）", "二.（三）"),
        ("第二部分第(三)项", "二.（三）"),
        ('第一部分"一是"', "一.一是"),
        ("第一部分一是", "一.一是"),
        ("第二章第十五条第二款", "第十五条"),
        ("第8点", "8"),
    ],
)
def test_read_clause_reads_the_words_back_into_a_path(text, path):
    clause = read_clause(f"见{text}。", 1)

    assert (clause.path, clause.start, clause.end) == (path, 1, 1 + len(text))


def test_read_clause_inherits_the_higher_levels_of_the_clause_listed_before():
    first = read_clause("第四部分第8条、第9条")
    second = read_clause("第四部分第8条、第9条", 8, above=first.segments)

    assert (first.path, second.path, second.start, second.end) == ("四.8", "四.9", 8, 11)


def test_read_clause_wants_a_bare_point_quoted_when_asked():
    assert read_clause("一是加强", bare_point=False) is None
    assert read_clause("附件") is None


paths = st.builds(
    lambda part, item, sub: ".".join(p for p in (part, item, sub) if p),
    st.sampled_from(["一", "四", "十", "十二"]),
    st.sampled_from(["", "8", "17"]),
    st.sampled_from(["", "（三）", "（1）", "二是"]),
)


@given(paths)
def test_clause_words_and_read_clause_are_inverses(path):
    assert read_clause(clause_words(path)).path == path


def test_cite_clause_omits_a_missing_doc_number():
    assert cite_clause(
        "上海市普陀区2024年度全面推开成本预算绩效管理工作方案", None, "二.（三）"
    ) == ("《上海市普陀区2024年度全面推开成本预算绩效管理工作方案》第二部分第（三）项")


@pytest.fixture
def corpus_documents(session):
    for slug in (QINGPU, PUTUO):
        text = (CORPUS / "documents" / f"{slug}.txt").read_text(encoding="utf-8")
        documents.write(session, parse_document(text, slug=slug))
    session.commit()
    return session


def test_cite_a_clause_in_the_official_form(corpus_documents):
    document = documents.get(corpus_documents, QINGPU)

    assert cite_document(document, style="official", clause_path="四.8") == Citation(
        text=f"《{PLAN}》（青财督〔2024〕58号）第四部分第8条",
        style=Style.OFFICIAL,
        kind="document",
        target=QINGPU,
        permalink=f"/documents/{QINGPU}#clause-四.8",
        clause_path="四.8",
    )


def test_cite_a_document_without_doc_number(corpus_documents):
    document = documents.get(corpus_documents, PUTUO)

    assert cite_document(document, style="official", clause_path="一.一是").text == (
        "《2024年上海市普陀区全面实施预算绩效管理情况的说明》第一部分“一是”"
    )
    assert cite_document(document).text == (
        "上海市普陀区. 2024年上海市普陀区全面实施预算绩效管理情况的说明[A]. 上海：上海市普陀区."
    )


@pytest.mark.parametrize(
    ("style", "url", "text"),
    [
        (
            "gbt7714-2025",
            None,
            f"青浦区财政局. {PLAN}：青财督〔2024〕58号[A]. 上海：青浦区财政局，2024-05-09.",
        ),
        (
            "gbt7714",
            "https://www.shqp.gov.cn/plan.html",
            f"青浦区财政局. {PLAN}：青财督〔2024〕58号[A/OL]. 上海：青浦区财政局，2024-05-09. "
            "https://www.shqp.gov.cn/plan.html.",
        ),
        (
            "gbt7714-2015",
            None,
            f"青浦区财政局. {PLAN}: 青财督〔2024〕58号[Z]. 上海: 青浦区财政局, 2024-05-09.",
        ),
        (
            "GBT7714-2015",
            "https://www.shqp.gov.cn/plan.html",
            f"青浦区财政局. {PLAN}: 青财督〔2024〕58号[Z/OL]. (2024-05-09)[2025-01-10]. https://www.shqp.gov.cn/plan.html.",
        ),
    ],
)
def test_cite_a_whole_document_in_gbt7714(corpus_documents, style, url, text):
    document = documents.get(corpus_documents, QINGPU)

    citation = cite_document(document, style=style, url=url, accessed=dt.date(2025, 1, 10))

    assert (citation.text, citation.permalink) == (text, f"/documents/{QINGPU}")


def test_cite_document_refuses_a_clause_it_does_not_have_and_an_unknown_style(corpus_documents):
    document = documents.get(corpus_documents, QINGPU)

    with pytest.raises(NotFound) as error:
        cite_document(document, style="official", clause_path="四.20")
    assert error.value.message == f"《{PLAN}》没有条款 四.20"
    with pytest.raises(InvalidInput):
        cite_document(document, style="apa")


@pytest.fixture
def revised(session):
    """QP-CQ-0012 with two versions: 17.20 until 2024-05-08, then 18.50."""
    first = dict(
        value=Decimal("17.20"),
        effective_from=dt.date(2023, 1, 1),
        effective_to=dt.date(2024, 5, 8),
        status=Status.SUPERSEDED,
        basis=BASIS,
    )
    standards.write(session, make_standard(**first))
    standards.write(session, make_standard(basis=BASIS))
    session.commit()
    return session


def test_cite_a_standard_in_the_official_form(revised):
    citation = cite_standard("QP-CQ-0012", revised)

    assert citation == Citation(
        text=f"公共绿地一级养护成本定额（QP-CQ-0012，第2版，2024-05-09起施行）：18.50 元/平方米·年；依据{BASIS}",
        style=Style.OFFICIAL,
        kind="standard",
        target="QP-CQ-0012",
        permalink="/standards/QP-CQ-0012?version=2",
        version=2,
    )


def test_cite_the_standard_in_force_on_a_date(revised):
    latest = standards.get(revised, "QP-CQ-0012")

    assert cite_standard(latest, on=dt.date(2024, 1, 1)).text == (
        f"公共绿地一级养护成本定额（QP-CQ-0012，第1版，2023-01-01至2024-05-08施行，已被修订）：17.20 元/平方米·年；依据{BASIS}"
    )
    assert cite_standard("QP-CQ-0012", revised, on=dt.date(2024, 1, 1)).version == 1
    with pytest.raises(NotFound):
        cite_standard(latest, on=dt.date(2020, 1, 1))
    with pytest.raises(InvalidInput):
        cite_standard("QP-CQ-0012")


@pytest.mark.parametrize(
    ("style", "clause"),
    [
        ("official", "第四部分第8条"),
        ("gbt7714-2025", "：第四部分第8条."),
        ("gbt7714-2015", ": 第四部分第8条."),
    ],
)
def test_a_document_citation_keeps_its_clause_in_every_style(corpus_documents, style, clause):
    document = documents.get(corpus_documents, QINGPU)

    citation = cite_document(document, style=style, clause_path="四.8")

    assert citation.text.endswith(clause)
    assert (citation.clause_path, citation.permalink) == (
        "四.8",
        f"/documents/{QINGPU}#clause-四.8",
    )


def test_a_figure_set_by_a_policy_document_is_not_an_s_in_gbt7714(revised):
    # No document in kb: 其他 [Z], with the figure's name, code and version.
    assert cite_standard("QP-CQ-0012", revised, style="gbt7714").text == (
        "公共绿地一级养护成本定额（QP-CQ-0012，第2版）[Z]. 2024."
    )
    text = (CORPUS / "documents" / f"{QINGPU}.txt").read_text(encoding="utf-8")
    documents.write(revised, parse_document(text, slug=QINGPU))
    # Its basis is in kb: the reference is to that document, an [A] like any policy document.
    assert cite_standard("QP-CQ-0012", revised, style="gbt7714").text == (
        "公共绿地一级养护成本定额（QP-CQ-0012，第2版）. 见：青浦区财政局. "
        f"{PLAN}：青财督〔2024〕58号[A]. 上海：青浦区财政局，2024-05-09.（第四部分第8条）"
    )


def test_a_numbered_standard_is_an_s_in_gbt7714(session):
    standards.write(
        session,
        make_standard(code="DB31/T 1234-2020", name="公共绿地养护技术规范", issuer="上海市绿化局"),
    )

    assert cite_standard("DB31/T 1234-2020", session, style="gbt7714").text == (
        "DB31/T 1234-2020 公共绿地养护技术规范[S]."
    )
    assert cite_standard("DB31/T 1234-2020", session, style="gbt7714-2015").text == (
        "上海市绿化局. 公共绿地养护技术规范: DB31/T 1234-2020[S]. 2024."
    )


@pytest.fixture
def corpus_standards(session):
    for name in ("real-standards.csv", "illustrative-district-standards.csv"):
        for record in read_standards(CORPUS / "standards" / name):
            standards.write(session, record)
    session.commit()
    return session


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (
            "RS-CL-007",
            "中央和国家机关差旅住宿费标准（上海市·部级，2016版）（RS-CL-007，第2版，2016-01-01起施行）"
            "：1100 元/人·天；依据《关于调整中央和国家机关差旅住宿费标准等有关问题的通知》（财行〔2015〕497号）附件",
        ),
        (
            "RS-ZJ-004",
            "中央财政科研项目专家咨询费（高级专业技术职称人员·会议/现场半天）（RS-ZJ-004，第1版）：900–1440 元/人·半天（税后）"
            "；依据《财政部关于印发〈中央财政科研项目专家咨询费管理办法〉的通知》（财科教〔2017〕128号）",
        ),
        (
            "QP-CQ-0008",
            "金泽镇公共绿地三级养护成本定额（QP-CQ-0008，第1版，2025-01-01起施行）：7.50–8.80 元/平方米·年"
            f"；依据《{PLAN}》（青财督〔2024〕58号）第三部分第4条；《{PLAN}》（青财督〔2024〕58号）第四部分第8条【示例数据，非正式标准】",
        ),
        (
            "QP-PS-0001",
            f"青浦区公共绿地一级养护服务标准（QP-PS-0001，第1版，2024-07-01起施行）；依据《{PLAN}》（青财督〔2024〕58号）第三部分第4条【示例数据，非正式标准】",
        ),
        (
            "PT-CQ-0201",
            "普陀区景观灯光一级维护成本定额（2026年征求意见稿）（PT-CQ-0201，第1版，2026-01-01起施行，征求意见）：375 元/盏·年"
            "；依据《上海市普陀区2024年度全面推开成本预算绩效管理工作方案》【示例数据，非正式标准】",
        ),
    ],
)
def test_cite_corpus_standards(corpus_standards, code, text):
    assert cite_standard(code, corpus_standards).text == text


def test_cite_the_2014_version_of_a_corpus_standard_on_a_day_it_applied(corpus_standards):
    assert cite_standard("RS-CL-007", corpus_standards, on=dt.date(2015, 6, 1)).text == (
        "中央和国家机关差旅住宿费标准（上海市·部级，2014版）（RS-CL-007，第1版，2014-01-01至2015-12-31施行，"
        "已被修订）：800 元/人·天；依据《中央和国家机关差旅费管理办法》（财行〔2013〕531号）附件"
    )


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("official", Style.OFFICIAL),
        ("gbt7714", Style.GBT7714_2025),
        ("GB/T7714-2015", Style.GBT7714_2015),
        (Style.GBT7714_2025, Style.GBT7714_2025),
    ],
)
def test_style_parse(text, style):
    assert Style.parse(text) is style


@pytest.fixture
def catalogued(corpus_standards):
    """The corpus standards with the notices file and every basis known as a document."""
    entries = read_documents(CORPUS / "documents" / "notices.csv")
    catalogue.store_entries(corpus_standards, entries)
    bases = corpus_standards.scalars(select(StandardVersion.basis)).all()
    basis.ensure_documents(corpus_standards, bases)
    corpus_standards.commit()
    return corpus_standards


@pytest.mark.parametrize(
    ("code", "on", "text"),
    [
        (
            "RS-HY-008",
            None,
            "中央和国家机关会议费综合定额（二类会议·综合定额合计）（RS-HY-008，第1版，2016-07-01起施行）"
            "：650 元/人·天；依据《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条",
        ),
        (
            "RS-PX-001",
            None,
            "中央和国家机关培训费综合定额（三类培训·住宿费）（RS-PX-001，第1版，2017-01-01起施行）"
            "：340 元/人·天；依据《中央和国家机关培训费管理办法》（财行〔2016〕540号）第九条",
        ),
        (
            "RS-CL-007",
            None,
            "中央和国家机关差旅住宿费标准（上海市·部级，2016版）（RS-CL-007，第2版，2016-01-01起施行）"
            "：1100 元/人·天；依据《关于调整中央和国家机关差旅住宿费标准等有关问题的通知》"
            "（财行〔2015〕497号）附件",
        ),
        (
            "RS-CL-007",
            dt.date(2015, 6, 1),
            "中央和国家机关差旅住宿费标准（上海市·部级，2014版）（RS-CL-007，第1版，2014-01-01至2015-12-31施行，"
            "已被修订）：800 元/人·天；依据《中央和国家机关差旅费管理办法》（财行〔2013〕531号）附件",
        ),
        (
            # The 2014 rate rests on the 2013 measure (no 文号 known), not on its 2016 edition.
            "RS-HY-004",
            dt.date(2015, 6, 1),
            "中央和国家机关会议费综合定额（一类会议·综合定额合计，2014版）（RS-HY-004，第1版，"
            "2014-01-01至2016-06-30施行，已被修订）：660 元/人·天"
            "；依据《中央和国家机关会议费管理办法》（2013年版，文号未核实）",
        ),
    ],
)
def test_the_basis_is_cited_as_measure_number_and_article(catalogued, code, on, text):
    assert cite_standard(code, catalogued, on=on).text == text


@pytest.mark.parametrize(
    ("written", "conditions", "start", "cited"),
    [
        (
            # A notice's title around the measure; the article quoted at the head of the conditions.
            "财政部关于印发《中央和国家机关会议费管理办法》的通知（财行〔2016〕214号）",
            "第十五条：会议费开支实行综合定额控制",
            dt.date(2016, 7, 1),
            "《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条",
        ),
        (
            # The measure alone: its 文号 from kb, of the edition in force when the version began.
            "《中央和国家机关培训费管理办法》",
            None,
            dt.date(2017, 1, 1),
            "《中央和国家机关培训费管理办法》（财行〔2016〕540号）",
        ),
        (
            "《中央和国家机关培训费管理办法》",
            None,
            dt.date(2014, 1, 1),
            "《中央和国家机关培训费管理办法》（财行〔2013〕523号）",
        ),
        (
            # An annex named inside the title moves after the 文号.
            "《中央和国家机关差旅费管理办法（附表：差旅住宿费和伙食补助费标准表）》（财行〔2013〕531号）",
            None,
            dt.date(2014, 1, 1),
            "《中央和国家机关差旅费管理办法》（财行〔2013〕531号）附表",
        ),
    ],
)
def test_a_basis_written_loosely_is_cited_as_measure_number_and_article(
    catalogued, written, conditions, start, cited
):
    standards.write(
        catalogued,
        make_standard(
            code="RS-T-001",
            name="中央和国家机关测试定额",
            basis=written,
            conditions=conditions,
            effective_from=start,
            value=Decimal("100"),
            unit="元/人·天",
        ),
    )

    assert cite_standard("RS-T-001", catalogued).text == (
        f"中央和国家机关测试定额（RS-T-001，第1版，{start.isoformat()}起施行）：100 元/人·天；依据{cited}"
    )


def test_a_basis_document_no_longer_current_says_so(catalogued):
    standards.write(
        catalogued,
        make_standard(
            code="RS-PX-T01",
            name="中央和国家机关培训费综合定额（2014版）",
            basis="《中央和国家机关培训费管理办法》（财行【2013】523号）",
            effective_from=dt.date(2017, 6, 1),
            value=Decimal("450"),
            unit="元/人·天",
        ),
    )

    assert cite_standard("RS-PX-T01", catalogued).text.endswith(
        "依据《中央和国家机关培训费管理办法》（财行〔2013〕523号）（已废止）"
    )
