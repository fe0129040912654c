"""kb/budget_sheet.py: budget sheets as budget systems export them → lines and broken rows."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart
from openpyxl.chart import Reference

from kb.budget.columns import field_of
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.sheet import read_grid
from kb.budget.sheet import read_records
from kb.budget.sheet import read_sheet
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from tests.conftest import REPO

SAMPLES = REPO / "corpus" / "budgets"
COLUMNS = ("序号", "事项", "类别", "数量", "计量单位", "金额（元）-单价", "金额（元）-合计", "地区")
COLUMNS += ("等级", "备注")


def essentials(line: BudgetLine) -> tuple[object, ...]:
    return (
        line.item,
        line.category,
        line.quantity,
        line.unit,
        line.unit_price,
        line.amount,
        line.region,
        line.grade,
    )


EXPECTED = [
    ("会议费", "会议费", D("300"), "人·天", D("800"), D("240000"), None, "一类会议"),
    ("培训费", "培训费", D("300"), "人·天", None, D("150000"), None, "三类培训"),
    ("公共绿地养护", "绿化养护", D("10000"), "平方米", D("13"), D("130000"), "朱家角镇", "二级"),
    ("道路保洁", "环卫保洁", D("20000"), "平方米", D("18"), D("360000"), "朱家角镇", "二级"),
    ("河道养护", "水质生态维护", D("3"), "公里", D("33000"), D("99000"), "金泽镇", "二级"),
    ("公厕保洁", "环卫保洁", D("2"), "座", D("150000"), D("300000"), None, "一类"),
    ("道路保洁", "环卫保洁", D("20000"), "平方米", D("2"), D("480000"), "夏阳街道", "一级"),
    ("景观灯光维护", "景观灯光维护", D("100"), "平方米", D("300"), D("30000"), None, "一级"),
    ("信息系统运维", "信息化运维", D("1"), "项", D("300000"), D("300000"), None, None),
    ("差旅住宿费", "差旅费", D("10"), "人·天", D("400"), D("4000"), None, "其他人员"),
]


def test_the_sample_xlsx_with_a_title_and_a_merged_two_row_header():
    sheet = read_sheet(SAMPLES / "sample-budget-qingpu.xlsx")

    assert (sheet.header_row, sheet.columns, sheet.source) == (
        4,
        COLUMNS,
        "sample-budget-qingpu.xlsx",
    )
    assert [essentials(line) for line in sheet.lines] == EXPECTED
    assert [line.row for line in sheet.lines] == [6, 7, 9, 10, 11, 12, 13, 14, 15, 16]
    assert sheet.lines[0].cells[:4] == (
        ("序号", "1"),
        ("事项", "会议费"),
        ("类别", "会议费"),
        ("数量", "300"),
    )
    assert [(b.row, b.reason) for b in sheet.broken] == [(17, "“数量”列的“一百”不是有效的数值")]
    assert sheet.notes == (
        "第5行“一、会议培训费”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别",
        "第8行“二、城市运维”为分组标题，未作为预算明细核查；以下未填类别的各行以此为类别",
        "第18行“合计 2098000”为合计行，未作为预算明细核查",
    )


def test_the_csv_twin_reads_the_same_lines():
    sheet = read_sheet(SAMPLES / "sample-budget-qingpu.csv")

    assert sheet.header_row == 3
    assert sheet.columns[5:7] == ("单价（元）", "合计（元）")
    assert [essentials(line) for line in sheet.lines] == EXPECTED
    assert [b.row for b in sheet.broken] == [16]


def write_xlsx(path: Path, rows: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for merged in merges:
        sheet.merge_cells(merged)
    workbook.save(path)
    return path


def test_a_group_header_in_wan_yuan_scales_the_columns_below_it(tmp_path):
    path = write_xlsx(
        tmp_path / "wan.xlsx",
        [
            ["项目名称", "数量", "单位", "金额（万元）", None],
            [None, None, None, "单价", "小计"],
            ["河道养护", 3, "公里", 3.8, 11.4],
        ],
        merges=("A1:A2", "B1:B2", "C1:C2", "D1:E1"),
    )

    (line,) = read_sheet(path).lines

    assert (line.item, line.quantity, line.unit, line.unit_price, line.amount) == (
        "河道养护",
        D("3"),
        "公里",
        D("38000.0"),
        D("114000.0"),
    )


def test_a_title_row_stating_wan_yuan_scales_money_columns_without_their_own(tmp_path):
    path = tmp_path / "title.csv"
    with path.open("w", encoding="gb18030", newline="") as stream:
        csv.writer(stream).writerows(
            [
                ["2025年度预算表", "", "金额单位：万元"],
                ["事项", "数量", "计量单位", "金额", "单价（元）"],
                ["公厕保洁", "2", "座", "30", ""],
                ["会议费", "300", "人·天", "", "800"],
            ]
        )

    lines = read_sheet(path).lines

    assert [(line.amount, line.unit_price) for line in lines] == [
        (D("300000"), None),
        (None, D("800")),
    ]


def test_key_headers_and_json_lines():
    sheet = read_records(
        [
            {"item": "会议费", "quantity": 300, "unit": "人·天", "amount": "240000"},
            {"事项": "培训费", "人数": "60", "天数": 5, "金额": 150000.5, "等级": "三类培训"},
        ]
    )

    assert [(line.row, essentials(line)) for line in sheet.lines] == [
        (1, ("会议费", None, D("300"), "人·天", None, D("240000"), None, None)),
        (2, ("培训费", None, None, None, None, D("150000.5"), None, "三类培训")),
    ]
    assert (sheet.lines[1].persons, sheet.lines[1].days) == (D("60"), D("5"))


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"数量": "1", "金额": "100"}, "缺少事项（项目名称）"),
        ({"事项": "会议费", "数量": "三百", "金额": "1"}, "“数量”列的“三百”不是有效的数值"),
        ({"事项": "会议费", "数量": "1", "金额": "-5"}, "“金额”不能为负数"),
        ({"事项": "会议费", "数量": "0", "金额": "5"}, "数量为0，无法计算单价"),
        ({"事项": "会议费", "金额": "5"}, "缺少单价，且数量或金额不全，无法计算单价"),
        ({"事项": "会议费", "计量单位": "人·天"}, "缺少数量、单价和金额，无法核查"),
        (
            {"事项": "会议费", "数量": "60人×五天", "金额": "5"},
            "“数量”列的“60人×五天”不是有效的数值或乘式（如 60人×5天）",
        ),
    ],
)
def test_broken_rows_are_reported_with_the_reason_and_the_rest_read(row, reason):
    good = {"事项": "会议费", "数量": "1", "计量单位": "人·天", "金额": "760"}

    sheet = read_records([good, row, good])

    assert [line.row for line in sheet.lines] == [1, 3]
    assert sheet.broken == (
        BrokenRow(2, reason, tuple((k, row.get(k, "")) for k in sheet.columns)),
    )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("项目名称", ("item", None)),
        ("金额（万元）", ("amount", D(10000))),
        ("单价(元/人·天)", ("unit_price", D(1))),
        ("Quantity", ("quantity", None)),
        (" 计量 单位 ", ("unit", None)),
        ("预算单位", (None, None)),
    ],
)
def test_field_of_a_header(header, expected):
    assert field_of(header) == expected


def test_unknown_columns_are_kept_for_the_report():
    sheet = read_records([{"事项": "会议费", "单价": "700", "预算单位": "青浦区财政局"}])

    assert sheet.columns == ("事项", "单价", "预算单位")
    assert sheet.lines[0].cells == (
        ("事项", "会议费"),
        ("单价", "700"),
        ("预算单位", "青浦区财政局"),
    )


def test_a_sheet_without_a_header_is_refused(tmp_path):
    path = tmp_path / "none.csv"
    path.write_text("甲,乙\n1,2\n", encoding="utf-8")

    with pytest.raises(InvalidInput, match="没有找到表头"):
        read_sheet(path)
    with pytest.raises(InvalidInput, match="应有“事项”"):
        read_records([{"数量": 1}])


def test_other_file_types_and_broken_files_are_refused(tmp_path):
    with pytest.raises(UnsupportedFile):
        read_sheet(tmp_path / "budget.xls")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InvalidInput, match="文件已损坏"):
        read_sheet(broken)


def test_the_first_worksheet_with_a_budget_header_is_read(tmp_path):
    path = tmp_path / "cover.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["填报说明：金额单位为元"])
    budget = workbook.create_sheet("明细")
    budget.append(["事项", "数量", "计量单位", "金额"])
    budget.append(["会议费", 300, "人·天", 240000])
    workbook.save(path)

    (line,) = read_sheet(path).lines

    assert (line.row, line.item, line.amount) == (2, "会议费", D("240000"))


def test_an_uploaded_file_is_read_from_its_bytes():
    data = (SAMPLES / "sample-budget-qingpu.xlsx").read_bytes()

    sheet = read_sheet("上传的预算表.xlsx", data=data)

    assert ([essentials(line) for line in sheet.lines], sheet.source) == (
        EXPECTED,
        "上传的预算表.xlsx",
    )


def test_an_error_cell_in_a_figure_column_is_a_broken_row_not_a_blank(tmp_path):
    # openpyxl writes "#DIV/0!" as an error cell (t="e"), as Excel does for =金额/0.
    path = write_xlsx(
        tmp_path / "errors.xlsx",
        [
            ["事项", "数量", "单价", "金额"],
            ["会议费", 300, "#DIV/0!", 240000],
            ["培训费", 1, 500, 500],
        ],
    )

    sheet = read_sheet(path)

    assert [line.item for line in sheet.lines] == ["培训费"]
    assert [(b.row, b.reason) for b in sheet.broken] == [(2, "“单价”列的“#DIV/0!”不是有效的数值")]


def test_a_category_merged_down_its_lines_applies_to_each(tmp_path):
    path = write_xlsx(
        tmp_path / "merged.xlsx",
        [
            ["类别", "事项", "数量", "计量单位", "金额", "备注"],
            ["绿化养护", "公共绿地养护", 10000, "平方米", 130000, dt.date(2025, 1, 2)],
            [None, "行道树养护", 200, "株", 40000, True],
            ["会议费", "会议费", 300, "人·天", 240000, dt.datetime(2025, 3, 4, 9, 30)],
        ],
        merges=("A2:A3",),
    )

    sheet = read_sheet(path)

    assert [(line.category, line.item) for line in sheet.lines] == [
        ("绿化养护", "公共绿地养护"),
        ("绿化养护", "行道树养护"),
        ("会议费", "会议费"),
    ]
    assert [dict(line.cells)["备注"] for line in sheet.lines] == [
        "2025-01-02",
        "true",
        "2025-03-04 09:30:00",
    ]


def test_a_chart_sheet_before_the_budget_is_passed_over(tmp_path):
    path = tmp_path / "chart.xlsx"
    workbook = openpyxl.Workbook()
    budget = workbook.active
    budget.title = "明细"
    budget.append(["事项", "数量", "计量单位", "金额"])
    budget.append(["会议费", 300, "人·天", 240000])
    chart = BarChart()
    chart.add_data(Reference(budget, min_col=4, min_row=1, max_row=2))
    workbook.create_chartsheet("图表", 0).add_chart(chart)
    workbook.save(path)

    (line,) = read_sheet(path).lines

    assert (line.row, line.item) == (2, "会议费")


def handmade_xlsx(path: Path, sheet_data: str) -> Path:
    """A workbook written by hand: one worksheet whose ``<sheetData>`` is ``sheet_data``."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="预算" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{sheet_data}</sheetData></worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return path


def text_cell(text: str, ref: str = "") -> str:
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


def test_a_sheet_naming_a_far_cell_is_refused_before_it_is_expanded(tmp_path):
    # A few hundred bytes naming XFD1048576: read as a grid, 17 billion cells.
    path = handmade_xlsx(
        tmp_path / "far.xlsx",
        f'<row r="1">{text_cell("事项", "A1")}</row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
    )

    with pytest.raises(InvalidInput, match="far.xlsx 的工作表过大"):
        read_sheet(path)


def test_cells_without_references_are_read_where_they_stand(tmp_path):
    # Some writers leave out r="A1": each cell is then the next one in its row.
    header = "".join(text_cell(title) for title in ("事项", "数量", "计量单位", "金额"))
    line = (
        text_cell("会议费") + "<c><v>300</v></c>" + text_cell("人·天") + '<c t="e"><v>#N/A</v></c>'
    )
    path = handmade_xlsx(tmp_path / "implicit.xlsx", f"<row>{header}</row><row>{line}</row>")

    sheet = read_sheet(path)

    assert sheet.broken == (
        BrokenRow(
            2,
            "“金额”列的“#N/A”不是有效的数值",
            (("事项", "会议费"), ("数量", "300"), ("计量单位", "人·天"), ("金额", "#N/A")),
        ),
    )


def test_a_price_header_naming_its_unit_gives_the_lines_unit():
    grid = [
        (1, ["事项", "数量", "单价（元/人·天）", "金额"]),
        (2, ["会议费", "100", "600", "60000"]),
        (3, ["讲课费", "4", "", "4000"]),
    ]

    sheet = read_grid(grid)

    assert [(line.item, line.unit) for line in sheet.lines] == [
        ("会议费", "人·天"),
        ("讲课费", None),
    ]


@pytest.mark.parametrize(
    "item", ["合计", "合 计", "小计（会议费）", "会议费小计", "总计：", "一、会议培训费合计"]
)
def test_totals_are_never_lines(item):
    sheet = read_grid([(1, ["事项", "数量", "金额"]), (2, [item, "", "1000"])])

    assert (sheet.lines, sheet.broken) == ((), ())
    assert sheet.notes[0].endswith("为合计行，未作为预算明细核查")


@pytest.mark.parametrize(
    ("cells", "category"),
    [
        (["一、会议费", "", "38000"], "会议费"),  # with its subtotal
        (["第二部分 城市运维", "", ""], "城市运维"),
        (["培训费", "", ""], "培训费"),  # only a 事项: a title
    ],
)
def test_section_titles_are_never_lines_and_name_the_category(cells, category):
    grid = [(1, ["事项", "数量", "金额"]), (2, cells), (3, ["讲课费", "4", "2000"])]

    sheet = read_grid(grid)

    assert [(line.row, line.category) for line in sheet.lines] == [(3, category)]
    assert sheet.broken == ()


def test_a_numbered_row_without_figures_is_broken_not_a_title():
    grid = [(1, ["序号", "事项", "数量", "金额"]), (2, ["3", "信息系统运维", "", ""])]

    sheet = read_grid(grid)

    assert [(b.row, b.reason) for b in sheet.broken] == [(2, "缺少数量、单价和金额，无法核查")]


def test_the_title_rows_name_the_project_region_and_are_never_a_header():
    grid = [
        (1, ["2025年度项目预算表"]),
        (2, ["地区：练塘镇", "", "金额单位：万元"]),
        (3, ["事项", "数量", "金额"]),
        (4, ["道路保洁", "100", "0.2"]),
    ]

    sheet = read_grid(grid)

    assert (sheet.region, sheet.columns) == ("练塘镇", ("事项", "数量", "金额"))
    assert sheet.lines[0].amount == D("2000.0")
