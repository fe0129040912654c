"""Tests for kb/interchange.py: the standards interchange file, taken all or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from collections import Counter
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kb.errors import ImportRejected
from kb.errors import InvalidInput
from kb.errors import RowProblem
from kb.errors import UnsupportedFile
from kb.files.tables import Table
from kb.records import VERSION_FIELDS
from kb.records import StandardRecord
from kb.standards.interchange import CODE_PATTERN
from kb.standards.interchange import COLUMNS
from kb.standards.interchange import parse_components
from kb.standards.interchange import parse_date
from kb.standards.interchange import parse_decimal
from kb.standards.interchange import parse_flag
from kb.standards.interchange import parse_rows
from kb.standards.interchange import read_standards
from kb.standards.interchange import record_to_row
from kb.standards.interchange import write_standards
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status

CORPUS = Path(__file__).resolve().parents[3] / "corpus" / "standards"

CHINESE_HEADER = "标准编号,标准名称,标准类型,层级,地区,领域,计量单位,标准值"
KEY_HEADER = "code,name,kind,level,region,domain,unit,value"
GOOD_ROW = (
    "QP-CQ-0001,公共绿地一级养护成本定额,成本定额标准,区级,青浦区,城市运维,元/平方米·年,18.50"
)
GOOD_RECORD = StandardRecord(
    code="QP-CQ-0001",
    name="公共绿地一级养护成本定额",
    kind=Kind.COST_QUOTA,
    level=Level.DISTRICT,
    region="青浦区",
    domain="城市运维",
    unit="元/平方米·年",
    value=Decimal("18.50"),
)


CODE_RULE = "须以字母或数字开头，只含字母、数字、点、下划线和连字符，最长 64 个字符"
KIND_CHOICES = "可选：公共服务标准、成本定额标准、财政支出标准"
DATE_HINT = "请写作 2024-05-09 或 2024年5月9日"
QP_BASIS = "《青浦区2024年度全面推开成本预算绩效管理工作方案》（青财督〔2024〕58号）第四部分第8条"


def write_csv(folder: Path, *lines: str, name: str = "standards.csv", encoding="utf-8") -> Path:
    path = folder / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def rejected(path: Path) -> list[RowProblem]:
    """The problems read_standards reports for ``path`` (it must refuse the file)."""
    with pytest.raises(ImportRejected) as raised:
        read_standards(path)
    return raised.value.problems


# -- the columns -----------------------------------------------------------------------------


def test_columns_follow_design_section_4_then_the_extension() -> None:
    assert [(c.key, c.header) for c in COLUMNS] == [
        ("code", "标准编号"),
        ("name", "标准名称"),
        ("kind", "标准类型"),
        ("level", "层级"),
        ("region", "地区"),
        ("domain", "领域"),
        ("category", "类别"),
        ("item", "事项"),
        ("grade", "等级"),
        ("unit", "计量单位"),
        ("value", "标准值"),
        ("value_max", "上限"),
        ("components", "成本构成"),
        ("conditions", "适用条件"),
        ("service_level", "服务标准"),
        ("issuer", "制定部门"),
        ("basis", "依据"),
        ("effective_from", "生效日期"),
        ("effective_to", "失效日期"),
        ("status", "状态"),
        ("notes", "备注"),
        ("source", "来源"),
        ("verified", "已核实"),
        ("illustrative", "示例数据"),
    ]


def test_columns_cover_every_record_field() -> None:
    assert [c.key for c in COLUMNS] == ["code", *VERSION_FIELDS]


# -- the real corpus -------------------------------------------------------------------------


def test_real_standards_file_parses() -> None:
    records = read_standards(CORPUS / "real-standards.csv")

    assert len(records) == 223
    assert Counter(r.status for r in records) == {Status.SUPERSEDED: 54, Status.IN_FORCE: 169}
    assert {r.kind for r in records} == {Kind.EXPENDITURE}
    assert not any(r.illustrative for r in records)
    # every figure was read from a repost, none from the issuing authority's own publication
    assert {r.verified for r in records} == {False}
    assert all(r.source and r.source.startswith("http") for r in records)
    versions: dict[str, list[StandardRecord]] = {}
    for record in records:
        versions.setdefault(record.code, []).append(record)
    assert len(versions) == 174
    assert versions["RS-HY-004"][-1] == StandardRecord(
        code="RS-HY-004",
        name="中央和国家机关会议费综合定额（一类会议·综合定额合计）",
        kind=Kind.EXPENDITURE,
        level=Level.CENTRAL,
        region="全国（中央和国家机关）",
        domain="机关运行",
        category="会议费",
        item="一类会议·综合定额合计",
        grade="一类会议",
        unit="元/人·天",
        value=Decimal("760"),
        conditions="综合定额为开支上限，各项费用之间可调剂使用",
        issuer="财政部、国家机关事务管理局、中共中央直属机关事务管理局",
        basis="《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条",
        effective_from=dt.date(2016, 7, 1),
        notes="更正既有行：补生效日期2016-07-01（通知成文2016-06-29）、依据改为办法名+文号+条号；"
        "数值与既有行一致",
        source="http://epaper.gmw.cn/gmrb/html/2016-07/14/nw.D110000gmrb_20160714_2-01.htm ; "
        "https://tiangongwen.com/article/65878.html ; https://5er.cn/read/428293.html ; "
        "http://www.ghqlgyb.cn/news/china/1264595.html",
        verified=False,
    )
    shanghai = [
        (r.value, r.effective_from, r.effective_to, r.status) for r in versions["RS-CL-007"]
    ]
    assert shanghai == [
        (Decimal("800"), dt.date(2014, 1, 1), dt.date(2015, 12, 31), Status.SUPERSEDED),
        (Decimal("1100"), dt.date(2016, 1, 1), None, Status.IN_FORCE),
    ]
    training = {
        r.grade: r.value
        for r in records
        if r.category == "培训费"
        and r.item
        and r.item.endswith("综合定额合计")
        and r.status is Status.IN_FORCE
    }
    assert training == {
        "一类培训": Decimal("760"),
        "二类培训": Decimal("650"),
        "三类培训": Decimal("550"),
    }


def test_illustrative_file_parses_and_is_all_illustrative() -> None:
    records = read_standards(CORPUS / "illustrative-district-standards.csv")

    assert 60 <= len(records) <= 90
    assert all(r.illustrative for r in records)
    assert all(r.notes and r.notes.startswith("示例数据，仅供演示，非正式标准。") for r in records)
    assert {r.source for r in records} == {"示例数据（虚构）"}
    assert {r.domain for r in records} == {"城市运维"}
    assert {r.kind for r in records} == set(Kind)
    assert {r.level for r in records} == {Level.DISTRICT, Level.TOWN}
    assert {r.category for r in records} == {"绿化养护", "环卫保洁", "水质生态维护", "景观灯光维护"}
    assert {"道路保洁", "公厕保洁", "河道养护"} <= {r.item for r in records}
    assert {"青浦区", "普陀区", "朱家角镇", "练塘镇", "夏阳街道", "长寿路街道", "桃浦镇"} <= {
        r.region for r in records
    }
    quotas = [r for r in records if r.kind is Kind.COST_QUOTA]
    assert all(r.value is not None and r.unit for r in quotas)
    assert any(r.value_max is not None for r in quotas)
    assert any(r.components and "%" in r.components for r in quotas)
    assert any(r.components and "%" not in r.components for r in quotas)
    assert not any(r.value for r in records if r.kind is Kind.PUBLIC_SERVICE)
    green = next(r for r in records if r.code == "QP-CQ-0001")
    assert (green.name, green.value, green.unit, green.grade) == (
        "青浦区公共绿地一级养护成本定额",
        Decimal("18.50"),
        "元/平方米·年",
        "一级",
    )


# -- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        CHINESE_HEADER,
        KEY_HEADER,
        " CODE , Name ,Kind,LEVEL,region,Domain,unit,VALUE",
        "code,标准名称,kind,层级,region,领域,unit,标准值",
    ],
    ids=["chinese", "keys", "keys in any case", "mixed"],
)
def test_headers_in_chinese_or_as_keys(tmp_path: Path, header: str) -> None:
    assert read_standards(write_csv(tmp_path, header, GOOD_ROW)) == [GOOD_RECORD]


def test_unknown_column_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path, CHINESE_HEADER + ",单价", GOOD_ROW + ",18")

    assert rejected(path) == [
        RowProblem(
            1,
            "单价",
            "无法识别的列名，请删除该列或改用以下列名（或其英文键名）：标准编号、标准名称、"
            "标准类型、层级、地区、领域、类别、事项、等级、计量单位、标准值、上限、成本构成、"
            "适用条件、服务标准、制定部门、依据、生效日期、失效日期、状态、备注、来源、已核实、示例数据",
        )
    ]


def test_repeated_unnamed_and_missing_columns_are_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "标准名称,标准类型,name,,地区",
        "公共绿地,公共服务标准,公共绿地,多出来的,青浦区",
    )

    assert rejected(path) == [
        RowProblem(1, "name", "与“标准名称”列重复，同一列只能出现一次"),
        RowProblem(1, "第4列", "该列有数据但没有列名"),
        RowProblem(1, "层级", "缺少必填列"),
        RowProblem(1, "领域", "缺少必填列"),
    ]


@pytest.mark.parametrize(("name", "text"), [("t.csv", "\ufeff\r\n"), ("t.json", "[]")])
def test_an_empty_file_is_an_error(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InvalidInput, match=f"文件 {name} 中没有标准：文件是空的"):
        read_standards(path)


def test_a_header_without_rows_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="只有表头，没有数据行"):
        read_standards(write_csv(tmp_path, CHINESE_HEADER))


# -- rows: all or nothing --------------------------------------------------------------------


def test_one_bad_row_among_good_ones_rejects_the_file(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        KEY_HEADER,
        GOOD_ROW,
        "QP-CQ-0002,道路一级保洁成本定额,cost_quota,district,青浦区,城市运维,元/平方米·年,abc",
        "QP-CQ-0003,道路二级保洁成本定额,cost_quota,district,青浦区,城市运维,元/平方米·年,18.6",
        name="道路.csv",
    )

    with pytest.raises(ImportRejected) as raised:
        read_standards(path)

    assert raised.value.problems == [RowProblem(3, "标准值", "“abc”不是有效的数值")]
    assert raised.value.details == [
        {"row": 3, "column": "标准值", "message": "“abc”不是有效的数值"}
    ]
    assert raised.value.message == (
        "文件 道路.csv 有 1 处错误，整个文件未导入：\n  第3行 “标准值”列：“abc”不是有效的数值"
    )


def test_every_problem_is_listed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "标准编号,标准名称,标准类型,层级,地区,领域,计量单位,标准值,上限,成本构成,"
        "生效日期,失效日期,状态,示例数据",
        "QP-1,公共绿地一级养护,成本定额标准,区级,青浦区,城市运维,元/平方米·年,18.50,,,"
        "2024-05-09,,,否",
        "QP-1,道路保洁,cost_quota,区,青浦区,城市运维,,abc,,,,,,",
        "QP 2,,财政支出标准,乡级,,城市运维,元/人·天,760,700,人工费:60%;材料费:5,"
        "2024-02-30,,生效,也许",
        ",公厕保洁,公共服务标准,镇级,朱家角镇,城市运维,,,,,2024年5月9日,2024/5/1,,",
        "QP-3,会议费,expenditure,central,全国,机关运行,元/人·天,,,,,,,",
    )

    assert rejected(path) == [
        RowProblem(3, "计量单位", "成本定额标准必须填写计量单位"),
        RowProblem(3, "标准值", "“abc”不是有效的数值"),
        RowProblem(
            3,
            "生效日期",
            "标准编号“QP-1”在文件中有多个版本，每个版本须填写生效日期，以便按日期先后导入",
        ),
        RowProblem(
            4,
            "标准编号",
            f"“QP 2”不是有效的标准编号：{CODE_RULE}",
        ),
        RowProblem(4, "标准名称", "必填项不能为空"),
        RowProblem(4, "层级", "“乡级”不是有效的层级，可选：中央、省级、市级、区级、镇级"),
        RowProblem(4, "地区", "必填项不能为空"),
        RowProblem(4, "上限", "上限 700 小于标准值 760"),
        RowProblem(4, "成本构成", "成本构成不能混用金额和比例，请全部写金额或全部写百分比"),
        RowProblem(4, "生效日期", "“2024-02-30”不是有效日期：没有这一天"),
        RowProblem(
            4, "状态", "“生效”不是有效的状态，可选：草案、征求意见、现行有效、已被修订、已废止"
        ),
        RowProblem(4, "示例数据", "“也许”无法识别，请填写“是”或“否”"),
        RowProblem(5, "失效日期", "失效日期 2024-05-01 早于生效日期 2024-05-09"),
        RowProblem(6, "标准值", "财政支出标准必须填写标准值"),
    ]


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        ({"kind": "成本定额"}, ("标准类型", f"“成本定额”不是有效的标准类型，{KIND_CHOICES}")),
        ({"kind": ""}, ("标准类型", "必填项不能为空")),
        ({"value": "-3"}, ("标准值", "不能为负数：-3")),
        ({"value": "NaN"}, ("标准值", "“NaN”不是有效的数值")),
        ({"value": "Infinity"}, ("标准值", "“Infinity”不是有效的数值")),
        ({"value": ""}, ("标准值", "成本定额标准必须填写标准值")),
        ({"value": "", "value_max": "20"}, ("标准值", "成本定额标准必须填写标准值")),
        ({"value_max": "18.49"}, ("上限", "上限 18.49 小于标准值 18.50")),
        ({"effective_to": "明天"}, ("失效日期", f"“明天”不是有效日期，{DATE_HINT}")),
        (
            {"components": "人工费:60%;材料费:45%"},
            ("成本构成", "成本构成各项比例合计 105%，超过 100%"),
        ),
        ({"code": "-QP"}, ("标准编号", f"“-QP”不是有效的标准编号：{CODE_RULE}")),
        ({"region": "区" * 101}, ("地区", "长度为 101 个字符，超过上限 100 个字符")),
        ({"illustrative": "2"}, ("示例数据", "“2”无法识别，请填写“是”或“否”")),
    ],
)
def test_row_rules(cells: dict[str, str], problem: tuple[str, str]) -> None:
    row = dict(zip(KEY_HEADER.split(","), GOOD_ROW.split(","), strict=True)) | cells
    table = Table(headers=tuple(row), rows=((2, row),))

    with pytest.raises(ImportRejected) as raised:
        parse_rows(table, "t.csv")

    assert raised.value.problems == [RowProblem(2, *problem)]


def test_service_standards_need_no_figure_and_texts_are_cleaned(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "标准名称,标准类型,层级,地区,领域,类别,服务标准,状态,示例数据,备注",
        ' 一级养护绿地 ,公共服务标准,town, 朱家角镇 ,城市运维,,"草坪覆盖率≥95%\r\n每年修剪≥12次",'
        "已被修订,是,",
    )

    assert read_standards(path) == [
        StandardRecord(
            name="一级养护绿地",
            kind=Kind.PUBLIC_SERVICE,
            level=Level.TOWN,
            region="朱家角镇",
            domain="城市运维",
            service_level="草坪覆盖率≥95%\n每年修剪≥12次",
            status=Status.SUPERSEDED,
            illustrative=True,
        )
    ]


def test_status_defaults_to_in_force(tmp_path: Path) -> None:
    path = write_csv(tmp_path, KEY_HEADER + ",status", GOOD_ROW + ",")

    assert read_standards(path)[0].status is Status.IN_FORCE


def test_value_keeps_the_digits_given(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, KEY_HEADER + ",value_max", GOOD_ROW.replace("18.50", '" 1,200.50 "') + ",１３００"
    )

    record = read_standards(path)[0]
    assert (str(record.value), str(record.value_max)) == ("1200.50", "1300")


# -- cell parsers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18.50", "18.50"),
        (" 18.50 ", "18.50"),
        ("1,200", "1200"),
        ("1,234,567.8", "1234567.8"),
        ("１８．５０", "18.50"),
        ("１，２００", "1200"),
        ("760", "760"),
        ("0", "0"),
        ("-0", "0"),
        ("+5", "5"),
        ("1e3", "1000"),
        ("2.5E-2", "0.025"),
    ],
)
def test_parse_decimal(text: str, expected: str) -> None:
    assert str(parse_decimal(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "1.2.3",
        "1,20",
        "12,",
        ".5",
        "18.5元",
        "١٢",
        "1e999",
    ],
)
def test_parse_decimal_rejects(text: str) -> None:
    with pytest.raises(InvalidInput, match="不是有效的数值"):
        parse_decimal(text)


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-09",
        "2024-5-9",
        "2024/5/9",
        "2024/05/09",
        "2024.5.9",
        "2024年5月9日",
        "2024 年 5 月 9 日",
        "２０２４年５月９日",
        "20240509",
        " 2024-05-09 ",
    ],
)
def test_parse_date(text: str) -> None:
    assert parse_date(text) == dt.date(2024, 5, 9)


@pytest.mark.parametrize(
    "text", ["2024-02-30", "2024-5/9", "09/05/2024", "2024年13月1日", "2024-05-09 08:30:00", "明天"]
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(InvalidInput, match="不是有效日期"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("人工费:12.3;材料费:4.10", "人工费:12.3;材料费:4.10"),
        (" 人工费：12.3 ； 材料费：4.10 ；", "人工费:12.3;材料费:4.10"),
        ("人工费:60%;材料费:25％", "人工费:60%;材料费:25%"),
        ("人工费:60%\n材料费:40%", "人工费:60%;材料费:40%"),
        ("人工费:1,200", "人工费:1200"),
        (" ； ", None),
    ],
)
def test_parse_components(text: str, expected: str | None) -> None:
    assert parse_components(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("人工费:60%;材料费:4.1", "成本构成不能混用金额和比例，请全部写金额或全部写百分比"),
        ("人工费:60%;材料费:40.5%", "成本构成各项比例合计 100.5%，超过 100%"),
        ("人工费12.3", "成本构成“人工费12.3”应写作“名称:金额”或“名称:比例%”"),
        (":12.3", "成本构成“:12.3”应写作“名称:金额”或“名称:比例%”"),
        ("人工费:", "成本构成“人工费:”应写作“名称:金额”或“名称:比例%”"),
        ("人工费:很多", "成本构成“人工费:很多”中的“很多”不是有效的金额或比例"),
        ("人工费:-1", "成本构成“人工费:-1”不能为负数"),
        ("人工费:1;人工费:2", "成本构成“人工费”重复出现"),
    ],
)
def test_parse_components_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_components(text)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("是", True), ("否", False), ("TRUE", True), ("false", False), ("1", True), ("０", False)],
)
def test_parse_flag(text: str, expected: bool) -> None:
    assert parse_flag(text) is expected


# -- other formats ---------------------------------------------------------------------------


def test_gb18030_csv_reads(tmp_path: Path) -> None:
    path = write_csv(tmp_path, CHINESE_HEADER, GOOD_ROW, encoding="gb18030")

    assert read_standards(path) == [GOOD_RECORD]


def test_xlsx_numeric_and_date_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        ["标准名称", "标准类型", "层级", "地区", "领域", "计量单位", "标准值", "上限", "生效日期"]
    )
    sheet.append(
        [
            "公共绿地",
            "成本定额标准",
            "区级",
            "青浦区",
            "城市运维",
            "元/平方米·年",
            18.5,
            25,
            dt.datetime(2024, 5, 9),
        ]
    )
    workbook.save(tmp_path / "t.xlsx")

    record = read_standards(tmp_path / "t.xlsx")[0]

    assert (record.value, record.value_max, record.effective_from) == (
        Decimal("18.5"),
        Decimal("25"),
        dt.date(2024, 5, 9),
    )
    assert str(record.value) == "18.5"


def test_json_numbers_keep_their_digits(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        '{"standards": [{"code": "QP-CQ-0001", "name": "公共绿地一级养护成本定额",'
        ' "kind": "cost_quota", "level": "district", "region": "青浦区", "domain": "城市运维",'
        ' "unit": "元/平方米·年", "value": 18.50, "value_max": null}]}',
        encoding="utf-8",
    )

    assert read_standards(path) == [GOOD_RECORD]
    assert str(read_standards(path)[0].value) == "18.50"


def test_json_rows_are_numbered_from_two(tmp_path: Path) -> None:
    good = {"name": "会议费", "kind": "expenditure", "level": "central", "region": "全国"}
    good |= {"unit": "元/人·天", "value": 760}
    objects = [good | {"domain": "机关运行"}, good | {"domain": " "}, {}, good]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"standards": objects}, ensure_ascii=False), encoding="utf-8")

    assert rejected(path) == [
        RowProblem(3, "领域", "必填项不能为空"),
        RowProblem(5, "领域", "必填项不能为空"),
    ]


def test_unsupported_file(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile):
        read_standards(tmp_path / "standards.xls")


# -- writing ---------------------------------------------------------------------------------

FULL_RECORD = StandardRecord(
    code="QP-CQ-0012",
    name="公共绿地一级养护成本定额",
    kind=Kind.COST_QUOTA,
    level=Level.DISTRICT,
    region="青浦区",
    domain="城市运维",
    category="绿化养护",
    item="公共绿地养护",
    grade="一级",
    unit="元/平方米·年",
    value=Decimal("18.50"),
    value_max=Decimal("21.000"),
    components="人工费:60%;材料费:25%",
    basis=QP_BASIS,
    effective_from=dt.date(2024, 5, 9),
    status=Status.IN_FORCE,
    illustrative=True,
)


def test_record_to_row() -> None:
    assert record_to_row(FULL_RECORD) == {
        "code": "QP-CQ-0012",
        "name": "公共绿地一级养护成本定额",
        "kind": "成本定额标准",
        "level": "区级",
        "region": "青浦区",
        "domain": "城市运维",
        "category": "绿化养护",
        "item": "公共绿地养护",
        "grade": "一级",
        "unit": "元/平方米·年",
        "value": "18.50",
        "value_max": "21.000",
        "components": "人工费:60%;材料费:25%",
        "conditions": "",
        "service_level": "",
        "issuer": "",
        "basis": QP_BASIS,
        "effective_from": "2024-05-09",
        "effective_to": "",
        "status": "现行有效",
        "notes": "",
        "source": "",
        "verified": "",
        "illustrative": "是",
    }


def test_export_has_chinese_headers_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_standards(path, [GOOD_RECORD])

    header, row = path.read_text(encoding="utf-8-sig").splitlines()
    assert header == ",".join(c.header for c in COLUMNS)
    assert row == (
        "QP-CQ-0001,公共绿地一级养护成本定额,成本定额标准,区级,青浦区,城市运维,,,,"
        "元/平方米·年,18.50,,,,,,,,,现行有效,,,,否"
    )


def test_export_with_key_headers(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_standards(path, [FULL_RECORD], key_headers=True)

    exported = json.loads(path.read_text(encoding="utf-8"))
    assert list(exported[0]) == [c.key for c in COLUMNS]
    assert read_standards(path) == [FULL_RECORD]


# -- round trip ------------------------------------------------------------------------------

# Text as a cell keeps it: stripped, no control characters other than line feed and tab, no
# format characters (zero-width, direction controls: refused, see kb.text).
texts = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Cf")) | st.sampled_from("\n\t"),
        max_size=16,
    )
    .map(str.strip)
    .filter(bool)
)
#: Regions as stored: canonical names (kb.regions.canonical_region).
regions = st.sampled_from(
    ["青浦区", "朱家角镇", "上海市", "北京市", "全国（中央和国家机关）", "西藏、青海、新疆"]
)
component_names = (
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=":;：；%％"),
        max_size=6,
    )
    .map(str.strip)
    .filter(bool)
)
codes = st.from_regex(CODE_PATTERN, fullmatch=True)
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


def amounts(max_value: int = 10**9) -> st.SearchStrategy[Decimal]:
    """Non-negative decimals with 0 to 4 places, as people write them."""
    return st.integers(0, 4).flatmap(
        lambda places: st.decimals(
            min_value=0, max_value=max_value, places=places, allow_nan=False, allow_infinity=False
        )
    )


@st.composite
def components(draw: st.DrawFn) -> str:
    names = draw(st.lists(component_names, min_size=1, max_size=4, unique=True))
    if draw(st.booleans()):
        return ";".join(f"{name}:{format(draw(amounts()), 'f')}" for name in names)
    budget = Decimal(100)
    parts = []
    for name in names:
        share = draw(amounts(max_value=int(budget)))
        budget -= share
        parts.append(f"{name}:{format(share, 'f')}%")
    return ";".join(parts)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


@st.composite
def standard_records(draw: st.DrawFn) -> StandardRecord:
    kind = draw(st.sampled_from(Kind))
    value = draw(amounts() if kind.needs_value else optional(amounts()))
    value_max = None
    if value is not None and draw(st.booleans()):
        value_max = value + draw(amounts())
    effective_from = draw(optional(dates))
    effective_to = draw(optional(dates))
    if effective_from and effective_to and effective_to < effective_from:
        effective_from, effective_to = effective_to, effective_from
    return StandardRecord(
        name=draw(texts),
        kind=kind,
        level=draw(st.sampled_from(Level)),
        region=draw(regions),
        domain=draw(texts),
        code=draw(optional(codes)),
        category=draw(optional(texts)),
        item=draw(optional(texts)),
        grade=draw(optional(texts)),
        unit=draw(texts if kind.needs_value else optional(texts)),
        value=value,
        value_max=value_max,
        components=draw(optional(components())),
        conditions=draw(optional(texts)),
        service_level=draw(optional(texts)),
        issuer=draw(optional(texts)),
        basis=draw(optional(texts)),
        effective_from=effective_from,
        effective_to=effective_to,
        status=draw(st.sampled_from(Status)),
        notes=draw(optional(texts)),
        source=draw(optional(texts)),
        illustrative=draw(st.booleans()),
    )


def without_repeated_codes(records: list[StandardRecord]) -> list[StandardRecord]:
    seen: set[str] = set()
    kept = []
    for record in records:
        if record.code in seen:
            record = dataclasses.replace(record, code=None)
        if record.code:
            seen.add(record.code)
        kept.append(record)
    return kept


#: At least one record: an export of nothing is refused on import (an empty file is an error).
record_lists = (
    st.lists(standard_records(), min_size=1, max_size=5).map(without_repeated_codes).filter(bool)
)


@pytest.mark.parametrize("extension", [".csv", ".xlsx", ".json"])
@settings(max_examples=60, deadline=None)
@given(records=record_lists, key_headers=st.booleans())
def test_export_then_import_changes_nothing(
    extension: str, records: list[StandardRecord], key_headers: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"standards{extension}"
        write_standards(path, records, key_headers=key_headers)

        read = read_standards(path)

    assert read == records
    # Decimal equality ignores trailing zeros; the text must match too.
    assert [record_to_row(r) for r in read] == [record_to_row(r) for r in records]


@settings(max_examples=100)
@given(text=components())
def test_normalised_components_are_stable(text: str) -> None:
    assert parse_components(text) == text


# -- regions by their canonical name, invisible text refused, figures within the rule ---------


@pytest.mark.parametrize("typed", ["青浦", "上海市青浦区", "青浦区", " 青浦区 "])
def test_a_region_is_stored_under_its_canonical_name(tmp_path: Path, typed: str) -> None:
    row = GOOD_ROW.replace(",青浦区,", f",{typed},")
    (record,) = read_standards(write_csv(tmp_path, CHINESE_HEADER, row))
    assert record.region == "青浦区"


def test_an_unknown_place_is_refused_with_suggestions(tmp_path: Path) -> None:
    row = GOOD_ROW.replace(",青浦区,", ",青浦县,")
    assert rejected(write_csv(tmp_path, CHINESE_HEADER, row)) == [
        RowProblem(2, "地区", "无法识别地区“青浦县”，是否是：青浦区")
    ]


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("公共绿地一级养护成本定额", "\u200b", "只含空白或不可见字符"),
        ("公共绿地一级养护成本定额", "定额\u202eexe.", "显示方向"),
        ("城市运维", "\u200b\u200b", "只含空白或不可见字符"),
        ("青浦区", "\u2060", "只含空白或不可见字符"),
    ],
)
def test_invisible_text_is_refused(tmp_path: Path, field: str, text: str, words: str) -> None:
    row = GOOD_ROW.replace(f",{field},", f",{text},")
    (problem,) = rejected(write_csv(tmp_path, CHINESE_HEADER, row))
    assert words in problem.message


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("1000000000000000", "整数部分超过 12 位"),
        ("9" * 300, "整数部分超过 12 位"),
        ("18.1234567", "超过 6 位"),
        ("1e400", "不是有效的数值"),
    ],
)
def test_a_figure_outside_the_rule_is_refused_by_row_and_column(
    tmp_path: Path, value: str, words: str
) -> None:
    row = GOOD_ROW.replace(",18.50", f",{value}")
    (problem,) = rejected(write_csv(tmp_path, CHINESE_HEADER, row))
    assert (problem.row, problem.column) == (2, "标准值")
    assert words in problem.message


def test_exported_formulas_come_back_unchanged(tmp_path: Path) -> None:
    record = dataclasses.replace(
        GOOD_RECORD,
        name='=HYPERLINK("http://example.com")',
        notes="@SUM(1+1)",
        conditions="+1+1",
        service_level="-1+1",
        issuer="'=已加引号",
    )
    path = tmp_path / "out.csv"
    write_standards(path, [record])
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM" in text and "'+1+1" in text
    assert read_standards(path) == [record]


# -- several versions of one code -------------------------------------------------------------

HISTORY_HEADER = (
    "标准编号,标准名称,标准类型,层级,地区,领域,计量单位,标准值,生效日期,失效日期,状态,来源,已核实"
)


def test_versions_of_one_code_are_read_in_date_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HISTORY_HEADER,
        "RS-1,住宿费（2016版）,财政支出标准,中央,上海市,机关运行,元/人·天,600,2016-01-01,,现行有效,"
        "https://example.org/2016,否",
        "RS-2,伙食补助费,财政支出标准,中央,上海市,机关运行,元/人·天,100,2014-01-01,,现行有效,,",
        "RS-1,住宿费（2014版）,财政支出标准,中央,上海市,机关运行,元/人·天,500,2014-01-01,"
        "2015-12-31,已被修订,https://example.org/2014,否",
    )

    records = read_standards(path)

    assert [(r.code, r.value, r.effective_from) for r in records] == [
        ("RS-1", Decimal("500"), dt.date(2014, 1, 1)),
        ("RS-2", Decimal("100"), dt.date(2014, 1, 1)),
        ("RS-1", Decimal("600"), dt.date(2016, 1, 1)),
    ]
    assert [r.verified for r in records] == [False, None, False]


def test_one_code_starting_twice_on_the_same_day_is_rejected(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HISTORY_HEADER,
        "RS-1,住宿费,财政支出标准,中央,上海市,机关运行,元/人·天,500,2014-01-01,,现行有效,,",
        "RS-1,住宿费（更正）,财政支出标准,中央,上海市,机关运行,元/人·天,500,2014/1/1,,现行有效,,",
    )

    assert rejected(path) == [
        RowProblem(
            3,
            "标准编号",
            "标准编号“RS-1”与第2行重复，且生效日期相同（2014-01-01）：同一编号的多个版本须有不同的"
            "生效日期；更正同一版本请直接修改原行",
        )
    ]


def test_verified_needs_a_source(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        HISTORY_HEADER,
        "RS-1,住宿费,财政支出标准,中央,上海市,机关运行,元/人·天,500,2014-01-01,,现行有效,,是",
    )

    assert rejected(path) == [RowProblem(2, "已核实", "标为已核实的标准须在“来源”中写明核对的原件")]
