"""预算表模板: the columns a budget sheet is read by, as a guide and as a file to fill in.

One description (:data:`TEMPLATE_COLUMNS`) serves the page's column guide and the downloadable
XLSX and CSV templates, so they cannot disagree with each other; a test reads the template
back with :func:`kb.budget.sheet.read_sheet` so that they cannot disagree with the reader.
"""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

import xlsxwriter

from kb.errors import UnsupportedFile


class TemplateColumn(NamedTuple):
    """One column of the template: its header, whether it is needed, and how it is read."""

    header: str
    need: str
    help: str


TEMPLATE_COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(
        "事项",
        "必填",
        "预算事项，如 会议费、讲课费、公共绿地养护、赴京差旅住宿费；也可写“项目名称”“支出内容”",
    ),
    TemplateColumn(
        "类别", "可选", "如 会议费、培训费、绿化养护；分组标题下未填的行取分组标题为类别"
    ),
    TemplateColumn("数量", "可选", "数字，或 60人×5天 这样的乘式（按人·天计）"),
    TemplateColumn(
        "计量单位", "可选", "如 人·天、学时、平方米、公里、座；不填则按所匹配标准的计量单位"
    ),
    TemplateColumn(
        "单价（元）",
        "可选",
        "按计量单位的单价；按月计价时金额=数量×单价×12，也能识别",
    ),
    TemplateColumn(
        "金额（元）",
        "可选",
        "数量、单价、金额至少填两项；表头写（万元）或标题行写“金额单位：万元”则按万元读取",
    ),
    TemplateColumn(
        "地区",
        "可选",
        "本行地区（差旅写目的地，如 北京市）；不填则按项目地区，项目地区不填则取标题行“地区：”，仍无则按上海市",
    ),
    TemplateColumn(
        "等级",
        "可选",
        "如 一类会议、二级、正高级、其他人员；不填且标准分等级时，按最严格的等级核查并提示需确认",
    ),
    TemplateColumn("人数", "可选", "会议、培训的人数，与天数相乘得人·天"),
    TemplateColumn("天数", "可选", "会议、培训的天数"),
    TemplateColumn("备注", "不读取", "原样保留在核查报告中"),
)
#: Rows above the header: the title, then the project's region and the money unit.
TITLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("项目预算明细表（模板）",),
    ("地区：", "", "", "", "", "金额单位：元"),
)
#: What the reader skips, said once for the page and the template.
SKIPPED_ROWS = "合计、小计、总计行不作为明细核查；“一、会议培训费”这样的分组标题也不核查，其下未填类别的行以它为类别。"
#: Example lines, marked 示例 in 备注: figures to overwrite, not standards.
EXAMPLE_ROWS: tuple[tuple[str, ...], ...] = (
    ("一、会议培训费", "", "", "", "", "", "", "", "", "", ""),
    ("会议费", "会议费", "", "人·天", "550", "66000", "", "二类会议", "60", "2", "示例，请替换"),
    ("讲课费", "培训费", "4", "学时", "800", "3200", "", "正高级", "", "", "示例，请替换"),
    ("二、城市运维", "", "", "", "", "", "", "", "", "", ""),
    (
        "公共绿地养护",
        "绿化养护",
        "10000",
        "平方米",
        "13",
        "130000",
        "",
        "二级",
        "",
        "",
        "示例，请替换",
    ),
    ("合计", "", "", "", "", "199200", "", "", "", "", ""),
)


def template_rows() -> list[list[str]]:
    """The template as rows of text: title rows, the header, the example rows."""
    width = len(TEMPLATE_COLUMNS)
    rows = [[*row, *[""] * (width - len(row))] for row in TITLE_ROWS]
    rows.append([column.header for column in TEMPLATE_COLUMNS])
    rows.extend(list(row) for row in EXAMPLE_ROWS)
    return rows


def template_bytes(suffix: str) -> bytes:
    """The template as a .xlsx (with a sheet explaining the columns) or a .csv file.

    :raises UnsupportedFile: another suffix.
    """
    suffix = suffix.lower().lstrip(".")
    if suffix == "csv":
        stream = io.StringIO(newline="")
        csv.writer(stream).writerows(template_rows())
        return stream.getvalue().encode("utf-8-sig")
    if suffix != "xlsx":
        raise UnsupportedFile(f"不支持的模板格式“{suffix}”，仅支持 xlsx、csv")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    sheet = workbook.add_worksheet("预算明细")
    for number, row in enumerate(template_rows()):
        header = number == len(TITLE_ROWS)
        for column, text in enumerate(row):
            if text or header:
                sheet.write_string(number, column, text, bold if header else None)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, len(TEMPLATE_COLUMNS) - 1, 12)
    guide = workbook.add_worksheet("填写说明")
    guide.set_column(0, 1, 12)
    guide.set_column(2, 2, 90)
    for column, title in enumerate(("列", "是否必填", "说明")):
        guide.write_string(0, column, title, bold)
    for number, column in enumerate(TEMPLATE_COLUMNS, start=1):
        guide.write_row(number, 0, column)
    guide.write_string(len(TEMPLATE_COLUMNS) + 2, 0, SKIPPED_ROWS)
    workbook.close()
    return buffer.getvalue()
