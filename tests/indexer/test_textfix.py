"""indexer/textfix.py: hard wraps joined, page furniture dropped, spaces removed inside words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from indexer.textfix import is_heading
from indexer.textfix import is_title
from indexer.textfix import repair
from indexer.textfix import starts_clause

DOCUMENTS = Path(__file__).resolve().parents[2] / "corpus" / "documents"
QINGPU = DOCUMENTS / "qingpu-2024-cost-budget-performance-plan.txt"
PUTUO = DOCUMENTS / "putuo-2024-budget-performance-report.txt"

CJK_SPACE_CJK = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef] +[\u4e00-\u9fff]")
CJK_SPACE_DIGIT = re.compile(r"[\u4e00-\u9fff] +[0-9]|[0-9] +[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def qingpu() -> str:
    return repair(QINGPU.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def putuo() -> str:
    return repair(PUTUO.read_text(encoding="utf-8"))


def test_qingpu_cover_page_keeps_one_item_per_line(qingpu):
    assert qingpu.split("\n")[:10] == [
        "上海市青浦区财政局文件",
        "青财督〔2024〕58号",
        "青浦区财政局关于印发《青浦区2024年度全面推开成本预算绩效管理工作方案》的通知",
        "各镇人民政府、街道办事处，区委、区政府各部、委、办、局，各区管国有企业：",
        "《青浦区2024年度全面推开成本预算绩效管理工作方案》经区政府审议通过后，"
        "现印发给你们，请按照执行。",
        "青浦区财政局办公室",
        "2024年5月9日印发",
        "青浦区2024年度全面推开成本预算绩效管理工作方案",
        "为深入贯彻落实市委、市政府关于“第一年试点、第二年推广、第三年提升，争取到‘十四五’末期，"
        "形成比较完善的成本预算绩效管理体系”的决策部署和《青浦区加强成本预算绩效管理的实施方案》"
        "（青府办发〔2023〕57号）（以下简称《实施方案》）有关要求，全面推进成本预算绩效管理改革工作，"
        "研究制定工作方案如下。",
        "一、主要目标",
    ]


def test_qingpu_sentences_broken_across_pages_are_joined(qingpu):
    lines = qingpu.split("\n")
    # Each broke mid-word at a page end, with blank lines between the halves.
    assert "紧紧围绕完善制度、建立机制、形成标准等长效管控目标，" in qingpu
    assert "对单位成本无法拆分核算的可设定分项成本控制数。" in qingpu
    assert "成本预算绩效分析形成的降本增效成果与下年度预算挂钩，并作为" in qingpu
    assert "各部门会同区财政局将当年成本预算绩效管理开展情况和成果专报区领导审阅。" in qingpu
    items = [re.match(r"(\d+)\.", line) for line in lines]
    assert [int(item.group(1)) for item in items if item] == list(range(1, 19))


def test_qingpu_keeps_the_english_word_with_single_spaces(qingpu):
    assert "形成并报区政府确定重点财政政策 and 项目目录，" in qingpu


def test_qingpu_halfwidth_commas_become_fullwidth(qingpu):
    assert "推动区镇两级同步推进、同步实施。各镇、各部门、各单位要发挥积极性主动性，切实" in qingpu
    assert "," not in qingpu


def test_putuo_title_and_paragraphs(putuo):
    lines = putuo.split("\n")
    assert lines[0] == "2024年上海市普陀区全面实施预算绩效管理情况的说明"
    assert lines[1].startswith("2024年，坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻")
    assert lines[1].endswith("向夯实基础、突出重点、提质增效转变。")
    assert lines[2] == "一、持续夯实预算绩效管理基础"
    assert lines[3].startswith("一是完善制度框架。全区层面，")
    assert "四、切实加强预算绩效管理考核责任约束" in lines
    assert lines[-2].startswith("一是修订完善2024年度区部门预算绩效管理工作考核办法。结合")


def test_putuo_words_broken_across_lines_are_rejoined(putuo):
    assert "等多个成本预算绩效管理相关制度文件，初步构建本区成本预算绩效管理改革制度框架；" in putuo
    assert "财政评价（成本预算绩效管理）评审规则、财政评价结果整改复核反馈机制" in putuo
    assert "印发《普陀区2024年全面实施预算绩效管理工作要点》《2024年上海市普陀区" in putuo
    assert "“双监控”工作，原则上在8月底前至少完成一次绩效跟踪。" in putuo
    assert "跨区“水质生态维护一类事”项目成本预算绩效分析" in putuo


@pytest.mark.parametrize("path", [QINGPU, PUTUO], ids=["qingpu", "putuo"])
def test_seed_texts_have_no_spaces_inside_chinese(path):
    repaired = repair(path.read_text(encoding="utf-8"))
    assert CJK_SPACE_CJK.findall(repaired) == []
    assert CJK_SPACE_DIGIT.findall(repaired) == []
    assert "\n\n" not in repaired


@pytest.mark.parametrize("path", [QINGPU, PUTUO], ids=["qingpu", "putuo"])
def test_seed_repair_is_idempotent(path):
    once = repair(path.read_text(encoding="utf-8"))
    assert repair(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "成本预算\n\n绩效管理。", "成本预算绩效管理。", id="hard wrap with blank line"
        ),
        pytest.param("一、主要目标\n按照原则。", "一、主要目标\n按照原则。", id="bare heading"),
        pytest.param(
            "各部门要\n1.梳理目录。", "各部门要\n1.梳理目录。", id="label starts paragraph"
        ),
        pytest.param("开展\n一是完善制度。", "开展\n一是完善制度。", id="一是 starts paragraph"),
        pytest.param("规定如下\n第十五条 预算。", "规定如下\n第十五条预算。", id="article"),
        pytest.param(
            "一是修订完善 2024 年度区部门预算绩效管理工作考核\n\n办法。结合要求。",
            "一是修订完善2024年度区部门预算绩效管理工作考核办法。结合要求。",
            id="long 一是 line is not a heading",
        ),
        pytest.param(
            "各部门加强\f- 3 -\n\n质量把控。", "各部门加强质量把控。", id="page break and number"
        ),
        pytest.param("加强\n—3—\n质量把控。", "加强质量把控。", id="dash page number"),
        pytest.param("第一页内容\f4\n续页内容。", "第一页内容续页内容。", id="bare page number"),
        pytest.param("完成 3\n\n月底前", "完成3月底前", id="digit joins chinese"),
        pytest.param("青浦区 2024 年度 工作", "青浦区2024年度工作", id="spaces inside words"),
        pytest.param("２０２４年\u3000度", "2024年度", id="fullwidth digits and space"),
        pytest.param("挂钩,并作为(试行)", "挂钩，并作为（试行）", id="halfwidth punctuation"),
        pytest.param("财行(2016)214号", "财行(2016)214号", id="parentheses around digits kept"),
        pytest.param("成本\ufffd预算", "成本预算", id="replacement character"),
        pytest.param("政策  and\n\n项目", "政策 and 项目", id="latin word between chinese"),
        pytest.param("GB/T\n7714 标准", "GB/T 7714标准", id="latin across a wrap"),
        pytest.param(
            "上海市青浦区财政局文件\n青财督〔2024〕58号\n关于印发《方案》的通知\n各单位：",
            "上海市青浦区财政局文件\n青财督〔2024〕58号\n关于印发《方案》的通知\n各单位：",
            id="cover page lines",
        ),
        pytest.param(
            "青浦区财政局办公室\n2024年5月9日印发\n青浦区工作方案\n为贯彻落实。",
            "青浦区财政局办公室\n2024年5月9日印发\n青浦区工作方案\n为贯彻落实。",
            id="date line",
        ),
        pytest.param("\r\n 一、总则 \r\n", "一、总则", id="crlf and padding"),
        pytest.param("", "", id="empty"),
    ],
)
def test_repair(text, expected):
    assert repair(text) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("一、主要目标", True),
        ("（三）加强审核", True),
        ("8.强化绩效运行监控。", True),
        ("10、强化结果应用", True),
        ("1．梳理", True),
        ("一是完善制度框架。", True),
        ("第十五条 预算", True),
        ("第三方机构参与", False),
        ("2024年5月9日", False),
        ("1.5万元", False),
        ("（单位）充分运用", False),
        ("30天内完成", False),
    ],
)
def test_starts_clause(line, expected):
    assert starts_clause(line) is expected


def test_is_heading():
    assert is_heading("一、主要目标")
    assert is_heading("（二）工作要求")
    assert not is_heading("一是完善制度框架")
    assert not is_heading("1.梳理确定实施目录。各区级预算部门")
    assert not is_heading("主要目标")


def test_is_title():
    assert is_title("青浦区财政局关于印发《青浦区2024年度全面推开成本预算绩效管理工作方案》的通知")
    assert is_title("上海市市级财政项目成本预算绩效分析操作指引（试行）")
    assert not is_title("《青浦区2024年度全面推开成本预算绩效管理工作方案》")
    assert not is_title("研究制定工作方案如下。现印发方案")


# Pieces policy texts are made of, including the damage the repair is for.
_FRAGMENTS = [
    "成本",
    "预算",
    "绩效管理",
    "一、",
    "（二）",
    "(三)",
    "3.",
    "12、",
    "一是",
    "第五条",
    "第二章",
    "。",
    "，",
    "；",
    "：",
    "、",
    "“",
    "”",
    "《方案》",
    "的通知",
    "工作方案",
    "文件",
    "青财督〔2024〕58号",
    "青财督 [2024] 58 号",
    "2024年5月9日印发",
    "二〇二四年五月九日",
    "2024",
    " 2024 ",
    "２０２４",
    "and",
    "GB/T",
    " ",
    "  ",
    "\u3000",
    "\n",
    "\n\n",
    "\f",
    "\n- 3 -\n",
    "\n—12—\n",
    "\n7\f",
    "\ufffd",
    ",",
    ";",
    ":",
    "(",
    ")",
    "（",
    "）",
    "—",
    ".",
]
_ALPHABET = "一二三四五六七八九十是第条章、，。；：（）()《》年月日号0123456789ab .-—\n\f\u3000"

policy_texts = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.text(alphabet=_ALPHABET, max_size=4)),
    max_size=40,
).map("".join)


@settings(max_examples=500)
@given(policy_texts)
def test_repair_is_idempotent(text):
    once = repair(text)
    assert repair(once) == once


@given(policy_texts)
def test_repair_leaves_no_blank_lines_nor_padding(text):
    for line in repair(text).split("\n"):
        assert line == line.strip()
        assert line or repair(text) == ""
        assert "  " not in line
