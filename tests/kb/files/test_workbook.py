"""kb/files/workbook.py: workbooks written as XML parts, read back with openpyxl and calamine."""

from __future__ import annotations

import io
from decimal import Decimal as D

import openpyxl
import pytest
import python_calamine

from kb.files.workbook import Style
from kb.files.workbook import Workbook
from kb.files.workbook import column_letters


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters(index, letters):
    assert column_letters(index) == letters


def _workbook() -> bytes:
    book = Workbook()
    header = book.style(Style(bold=True, fill="D9E1F2", vcenter=True))
    red = book.style(Style(bold=True, font_color="9C0006", fill="FFC7CE"))
    cents = book.style(Style(num_format="#,##0.00"))
    sheet = book.add_sheet("核查结果")
    sheet.set_width(0, 0, 12)
    sheet.set_width(1, 2, 60)
    sheet.freeze_rows(1)
    sheet.autofilter()
    sheet.append([("事项", header), ("金额", header), ("说明", header)])
    sheet.append([("=1+1", 0), (D("12.50"), cents), ("超标准", red)])
    sheet.append([(" 前后空格 ", 0), (None, 0), ("a\x01b_x000D_<&>", 0)])
    sheet.append([("事项", 0), (7, 0)])
    other = book.add_sheet("汇总")
    other.append([("项目", header), (3, 0)])
    return book.bytes()


def test_cells_read_back_as_written():
    data = _workbook()
    workbook = openpyxl.load_workbook(io.BytesIO(data))

    assert workbook.sheetnames == ["核查结果", "汇总"]
    sheet = workbook["核查结果"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["事项", "金额", "说明"],
        ["=1+1", 12.5, "超标准"],
        [" 前后空格 ", None, "ab_x000D_<&>"],
        ["事项", 7, None],
    ]
    assert sheet["A2"].data_type == "s"  # a formula's text stays text
    assert sheet["B2"].number_format == "#,##0.00"
    assert [row for row in workbook["汇总"].iter_rows(values_only=True)] == [("项目", 3)]
    calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert calamine.get_sheet_by_name("核查结果").to_python()[2] == [
        " 前后空格 ",
        "",
        "ab_x000D_<&>",
    ]


def test_styles_frozen_header_filter_and_widths():
    sheet = openpyxl.load_workbook(io.BytesIO(_workbook()))["核查结果"]

    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:C4")
    header, red = sheet["A1"], sheet["C2"]
    assert (header.font.b, header.fill.fgColor.rgb, header.alignment.vertical) == (
        True,
        "FFD9E1F2",
        "center",
    )
    assert (red.font.b, red.font.color.rgb, red.fill.fgColor.rgb) == (True, "FF9C0006", "FFFFC7CE")
    assert sheet["A2"].font.b is False
    widths = [sheet.column_dimensions[letter].width for letter in "AB"]
    assert widths == [12.7109375, 60.7109375]


def test_a_cell_of_another_type_is_refused():
    sheet = Workbook().add_sheet("表")
    with pytest.raises(TypeError):
        sheet.append([(1.5, 0)])
