"""核查报告: a checked budget sheet written as XLSX (for Excel and WPS), CSV or JSON.

The XLSX report has two sheets. 核查结果: the sheet's own columns, then the verdict, the matched
standard and its citation, the figures and why, one row per sheet row in the sheet's order
(broken rows included, with their reason); a bold, filled, frozen header with filters; the
verdict cell coloured. 汇总: what was checked and the totals. Figures are numeric cells holding
the exact decimal with a number format showing its places; text is always a text cell (never a
formula, whatever it starts with). XlsxWriter writes it, through :mod:`kb.files.xlsx` (the
one xlsx writer): four times faster than openpyxl's write-only mode on a 10,000-line report.
CSV is UTF-8 with a byte order mark, as Excel on Chinese Windows expects, cells that would
start a formula neutralised (:func:`kb.files.tables.csv_bytes`); JSON is :func:`report_to_json`.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from kb.budget.lines import BrokenRow
from kb.budget.lines import Candidate
from kb.budget.lines import CheckLine
from kb.budget.lines import CheckReport
from kb.citing.citations import figure_text
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.fields import FIELD
from kb.fields import described
from kb.files.cells import display_width
from kb.files.cells import storable_text
from kb.files.tables import csv_bytes
from kb.files.xlsx import Format
from kb.files.xlsx import Workbook
from kb.files.xlsx import Worksheet
from kb.files.xlsx import new_workbook
from kb.vocab import Verdict

BROKEN_LABEL = "无法读取"
#: The report's first column: where the row is in the sheet checked.
ROW_COLUMN = "原表行号"
#: The columns added after the sheet's own: name → how a checked line fills it.
RESULT_COLUMNS = (
    "核查结论",
    "匹配标准编号",
    "匹配标准名称",
    "标准值",
    "标准计量单位",
    "折算单价",
    "差额",
    "差额比例（%）",
    "金额（元）",
    "超标准金额（元）",
    "说明",
    "引用",
    "其他候选标准",
)
#: Fill and font colours per verdict (Excel's own "good / bad / neutral" palette).
COLOURS: dict[str, tuple[str, str]] = {
    Verdict.WITHIN.value: ("C6EFCE", "006100"),
    Verdict.OVER.value: ("FFC7CE", "9C0006"),
    Verdict.UNDER.value: ("FFEB9C", "9C5700"),
    Verdict.NO_STANDARD.value: ("EDEDED", "3A3A3A"),
    Verdict.INCOMPARABLE.value: ("DDEBF7", "1F4E78"),
    "broken": ("F8CBAD", "833C0B"),
}
_HEADER_FILL = "#D9E1F2"
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")
_MAX_WIDTH = 60


def write_report(path: Path | str, report: CheckReport) -> None:
    """Write ``report`` to a .xlsx, .csv or .json file, by its extension.

    :raises UnsupportedFile: another extension.
    :raises InvalidInput: the file cannot be written.
    """
    path = Path(path)
    try:
        path.write_bytes(report_bytes(report, path.suffix))
    except OSError as exc:
        raise InvalidInput(f"无法写入文件 {path}：{exc.strerror or exc}") from exc


def report_bytes(report: CheckReport, suffix: str = ".xlsx") -> bytes:
    """The report as the bytes of a .xlsx, .csv or .json file (for a download).

    :raises UnsupportedFile: another suffix.
    """
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if suffix == ".xlsx":
        return _xlsx(report)
    if suffix == ".csv":
        return _csv(report)
    if suffix == ".json":
        return json.dumps(report_to_json(report), ensure_ascii=False, indent=2).encode("utf-8")
    raise UnsupportedFile(f"不支持的报告格式“{suffix}”，仅支持 .xlsx、.csv、.json")


# -- rows ------------------------------------------------------------------------------------


def headers(report: CheckReport) -> tuple[str, ...]:
    """The report's columns: the row number, the sheet's own, then :data:`RESULT_COLUMNS`."""
    return (ROW_COLUMN, *report.columns, *RESULT_COLUMNS)


def ordered(report: CheckReport) -> list[CheckLine | BrokenRow]:
    """Checked lines and broken rows in the sheet's row order."""
    return sorted([*report.lines, *report.broken], key=_row_of)


def _row_of(entry: CheckLine | BrokenRow) -> int:
    return entry.line.row if isinstance(entry, CheckLine) else entry.row


def result_values(entry: CheckLine | BrokenRow) -> list[str | Decimal | None]:
    """The values of :data:`RESULT_COLUMNS` for one row."""
    if isinstance(entry, BrokenRow):
        return [BROKEN_LABEL, *[None] * 9, entry.reason, None, None]
    matched = entry.matched
    return [
        entry.verdict_text,
        matched.code if matched else None,
        matched.name if matched else None,
        _range(matched) if matched else None,
        entry.standard_unit,
        entry.unit_price,
        entry.difference,
        entry.percent,
        entry.amount,
        entry.over_amount,
        entry.why,
        entry.citation,
        "；".join(f"{c.code} {c.name}" for c in entry.runners_up) or None,
    ]


def _range(candidate: Candidate) -> str | Decimal | None:
    if candidate.value_max is None:
        return candidate.value
    return figure_text(candidate.value, candidate.value_max, None)


def _original(entry: CheckLine | BrokenRow, columns: Sequence[str]) -> list[str | int]:
    cells = dict(entry.line.cells if isinstance(entry, CheckLine) else entry.cells)
    return [_row_of(entry), *(cells.get(column, "") for column in columns)]


def summary(report: CheckReport) -> list[tuple[str, str | Decimal | int]]:
    """What was checked and the totals, as (label, value) pairs."""
    context, totals = report.context, report.totals
    rows: list[tuple[str, str | Decimal | int]] = [
        ("来源文件", report.source or "（接口提交）"),
        ("项目地区", context.region),
        ("核查日期", context.on.isoformat()),
        ("项目层级", context.level.label if context.level else "（未指定）"),
        ("项目等级", context.grade or "（未指定）"),
        ("核查明细行数", totals.lines),
        ("无法读取行数", totals.broken),
        ("预算金额合计（元）", totals.sheet_amount),
        ("符合标准金额（元）", totals.within_amount),
        ("超标准明细金额（元）", totals.over_lines_amount),
        ("其中超出标准金额（元）", totals.over_amount),
        ("未能核查金额（元）", totals.unchecked_amount),
    ]
    rows += [(f"{verdict.label}（行）", count) for verdict, count in totals.counts.items()]
    rows += [("说明", note) for note in report.notes]
    return rows


# -- XLSX ------------------------------------------------------------------------------------


class _Styles:
    """The report's cell formats, made once per workbook (XlsxWriter shares them by object)."""

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.header = workbook.add_format(
            {"bold": True, "bg_color": _HEADER_FILL, "pattern": 1, "valign": "vcenter"}
        )
        self.verdicts = {
            key: workbook.add_format(
                {"bold": True, "font_color": f"#{font}", "bg_color": f"#{fill}", "pattern": 1}
            )
            for key, (fill, font) in COLOURS.items()
        }
        self._numbers: dict[int | str | None, Format] = {}

    def number(self, value: Decimal | int) -> Format:
        """The format showing a figure with its places: ``#,##0.00`` for 12.50."""
        key = value.as_tuple().exponent if type(value) is Decimal else None  # type: ignore[union-attr]
        found = self._numbers.get(key)
        if found is None:
            pattern = _number_format(value)
            found = self._numbers[key] = self.workbook.add_format({"num_format": pattern})
        return found


def _xlsx(report: CheckReport) -> bytes:
    buffer = io.BytesIO()
    # Text stays text: nothing a sheet holds becomes a number, a formula or a link.
    workbook = new_workbook(buffer)
    styles = _Styles(workbook)
    _results_sheet(workbook.add_worksheet("核查结果"), report, styles)
    _summary_sheet(workbook.add_worksheet("汇总"), report, styles)
    workbook.close()
    return buffer.getvalue()


def _results_sheet(sheet: Worksheet, report: CheckReport, styles: _Styles) -> None:
    columns = headers(report)
    entries = ordered(report)
    rows = [_original(e, report.columns) + result_values(e) for e in entries]
    _set_widths(sheet, columns, rows)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    for column, title in enumerate(columns):
        sheet.write_string(0, column, storable_text(title), styles.header)
    verdict_column = len(report.columns) + 1
    for number, (entry, values) in enumerate(zip(entries, rows, strict=True), start=1):
        for column, value in enumerate(values[:verdict_column]):
            _write(sheet, number, column, value, styles)
        key = entry.verdict.value if isinstance(entry, CheckLine) else "broken"
        sheet.write_string(
            number, verdict_column, str(values[verdict_column]), styles.verdicts[key]
        )
        for column, value in enumerate(values[verdict_column + 1 :], start=verdict_column + 1):
            _write(sheet, number, column, value, styles)


def _summary_sheet(sheet: Worksheet, report: CheckReport, styles: _Styles) -> None:
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 40)
    sheet.write_string(0, 0, "项目", styles.header)
    sheet.write_string(0, 1, "内容", styles.header)
    for number, (label, value) in enumerate(summary(report), start=1):
        _write(sheet, number, 0, label, styles)
        _write(sheet, number, 1, value, styles)


def _write(
    sheet: Worksheet, row: int, column: int, value: str | Decimal | int | None, styles: _Styles
) -> None:
    """A numeric cell for a figure (exact, with its places shown), text for the rest (never a
    formula, whatever it starts with); nothing for an empty value."""
    kind = type(value)
    if kind is str:
        if not value:
            return
        if not _NUMBER.fullmatch(value):  # type: ignore[arg-type]
            sheet.write_string(row, column, storable_text(value))  # type: ignore[arg-type]
            return
        value = Decimal(value)  # type: ignore[arg-type]
    elif value is None:
        return
    # XlsxWriter writes a Decimal with format(value, ".16G"): 16 significant digits, as many
    # as Excel keeps in a number cell.
    sheet.write_number(row, column, value, styles.number(value))  # type: ignore[arg-type]


def _number_format(value: Decimal | int) -> str:
    if isinstance(value, int):
        return "0"
    return _places_format(value.as_tuple().exponent)


def _places_format(exponent: int | str) -> str:
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _set_widths(sheet: Worksheet, columns: Sequence[str], rows: list[list[Any]]) -> None:
    for index, title in enumerate(columns):
        sample = [_text(row[index]) for row in rows[:500]]
        width = max([display_width(title), *(display_width(text) for text in sample)]) + 2
        sheet.set_column(index, index, min(_MAX_WIDTH, width))


# -- CSV and JSON ----------------------------------------------------------------------------


def _csv(report: CheckReport) -> bytes:
    rows = (
        [_text(value) for value in _original(entry, report.columns) + result_values(entry)]
        for entry in ordered(report)
    )
    return csv_bytes(headers(report), rows)


def _text(value: object) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def report_to_json(report: CheckReport) -> dict[str, Any]:
    """The report as JSON-ready data: figures as exact decimal strings, verdicts as keys."""
    totals = report.totals
    return {
        "source": report.source,
        "context": {
            "region": report.context.region,
            "on": report.context.on.isoformat(),
            "level": report.context.level.value if report.context.level else None,
            "grade": report.context.grade,
        },
        "columns": list(report.columns),
        "lines": [line_to_json(line) for line in report.lines],
        "broken": [
            {"row": b.row, "reason": b.reason, "cells": dict(b.cells)} for b in report.broken
        ],
        "totals": {
            "lines": totals.lines,
            "broken": totals.broken,
            "sheet_amount": _text(totals.sheet_amount),
            "within_amount": _text(totals.within_amount),
            "over_lines_amount": _text(totals.over_lines_amount),
            "over_amount": _text(totals.over_amount),
            "unchecked_amount": _text(totals.unchecked_amount),
            "counts": {verdict.value: n for verdict, n in totals.counts.items()},
        },
        "notes": list(report.notes),
    }


def line_to_json(checked: CheckLine) -> dict[str, Any]:
    """One checked line as JSON-ready data."""
    line = checked.line
    return {
        "row": line.row,
        "item": line.item,
        "verdict": checked.verdict.value,
        "verdict_label": checked.verdict_text,
        "why": checked.why,
        "matched": candidate_to_json(checked.matched) if checked.matched else None,
        "runners_up": [candidate_to_json(c) for c in checked.runners_up],
        "unit_price": _json_number(checked.unit_price),
        "standard_unit": checked.standard_unit,
        "standard_value": _json_number(checked.standard_value),
        "standard_max": _json_number(checked.standard_max),
        "difference": _json_number(checked.difference),
        "percent": _json_number(checked.percent),
        "amount": _json_number(checked.amount),
        "over_amount": _json_number(checked.over_amount),
        "notes": list(checked.notes),
        "cells": dict(line.cells),
    }


def candidate_to_json(candidate: Candidate) -> dict[str, Any]:
    """A candidate standard as JSON-ready data: its standard fields, then why it was proposed."""
    return {
        **{name: FIELD[name].json_value(getattr(candidate, name)) for name in _CANDIDATE_FIELDS},
        "citation": candidate.citation,
        "url": candidate.permalink,
        "reason": candidate.reason,
        "score": candidate.score,
    }


_CANDIDATE_FIELDS = described(Candidate)


def _json_number(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")
