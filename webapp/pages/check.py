"""预算表核查 page: upload a sheet, see every line coloured by verdict, pick another match, download.

A sheet may have 10,000 lines, so the page is built for that: the rows are prepared here as
plain text fields (no formatting logic in the template's loop), grouped by verdict (超标准
first, 符合标准 last, each line in sheet order within its group, every group reachable from the
summary), and cut into tables of :data:`CHUNK_ROWS` rows that the browser lays out only when
they scroll into view (``content-visibility`` in ``check.css``). Picking another standard for a
line is a text field per row, with the runners-up listed beside it: ten thousand ``<select>``
menus would take the browser seconds to build.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO
from typing import NamedTuple

from flask import Blueprint
from flask import render_template
from flask import request
from flask import send_file

from indexer import collector
from kb.budget.lines import DEFAULT_REGION
from kb.budget.lines import BrokenRow
from kb.budget.lines import CheckLine
from kb.budget.lines import CheckReport
from kb.budget.report import BROKEN_LABEL
from kb.budget.report import report_bytes
from kb.budget.template import SKIPPED_ROWS
from kb.budget.template import TEMPLATE_COLUMNS
from kb.budget.template import template_bytes
from kb.citing.citations import RANGE_DASH
from kb.errors import InvalidInput
from kb.regions import CITY
from kb.regions import DISTRICT_TOWNS
from kb.vocab import Verdict
from webapp.api.check import ROW_NUMBER
from webapp.api.check import context_from_form
from webapp.api.check import run_upload_check

bp = Blueprint("pages_check", __name__, url_prefix="/check")

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
#: The order of the groups on the page: what needs the reviewer first.
GROUP_ORDER = (
    Verdict.OVER.value,
    Verdict.UNDER.value,
    Verdict.INCOMPARABLE.value,
    Verdict.NO_STANDARD.value,
    "broken",
    Verdict.WITHIN.value,
)
#: Rows per table: the browser lays out a table only when it scrolls into view.
CHUNK_ROWS = 200
#: The places offered in the region field: 上海市, its districts and their 街镇.
REGION_OPTIONS = (
    CITY,
    *(name for district in DISTRICT_TOWNS for name in (district, *DISTRICT_TOWNS[district])),
)
NONE = "—"


class Row(NamedTuple):
    """One line of the result table, every field as the page shows it (escaped by Jinja)."""

    row: int
    item: str
    verdict: str
    label: str
    price: str
    standard: str
    difference: str
    name: str
    permalink: str
    citation: str
    why: str
    others: str
    override: str


class Group(NamedTuple):
    """The lines of one verdict, in sheet order, cut into tables of :data:`CHUNK_ROWS`."""

    key: str
    label: str
    count: int
    chunks: list[list[Row]]


@bp.route("/", methods=["GET", "POST"])
def index():
    """The upload form with the column guide; posted, the verdicts or the report."""
    if request.method == "GET":
        return render_page(report=None, form={}, sheet=None)
    with collector.paused():
        return _checked_page()


@bp.route("/template.<any(xlsx, csv):fmt>")
def template(fmt: str):
    """The budget sheet template, with the columns the check reads."""
    return send_file(
        BytesIO(template_bytes(fmt)),
        mimetype=REPORT_TYPES[fmt],
        as_attachment=True,
        download_name=f"预算表模板.{fmt}",
    )


def render_page(**values):
    """The check page: what the form and the guide need, and the results if any."""
    return render_template(
        "check/index.html",
        columns=TEMPLATE_COLUMNS,
        skipped=SKIPPED_ROWS,
        places=REGION_OPTIONS,
        default_region=DEFAULT_REGION,
        chunk_rows=CHUNK_ROWS,
        **values,
    )


def _checked_page():
    """Check the posted sheet; answer with the result page, or the report to download."""
    form = context_from_form(request.form)
    name, data = _sheet_bytes()
    overrides = {
        int(key.removeprefix("override-")): code.strip()
        for key, code in request.form.items()
        if key.startswith("override-")
        and ROW_NUMBER.fullmatch(key.removeprefix("override-"))
        and code.strip()
    }
    # The download posts the page's form again: its report is written from the check the page
    # showed (remembered per worker and index commit), not checked anew.
    report = run_upload_check(name, data, form, overrides)
    fmt = request.form.get("download")
    if fmt in REPORT_TYPES:
        return send_file(
            BytesIO(report_bytes(report, f".{fmt}")),
            mimetype=REPORT_TYPES[fmt],
            as_attachment=True,
            download_name=f"预算核查报告.{fmt}",
        )
    sheet = {"name": name, "data": base64.b64encode(data).decode("ascii")}
    return render_page(report=report, groups=groups(report, overrides), form=form, sheet=sheet)


def _sheet_bytes() -> tuple[str, bytes]:
    """The uploaded sheet, or the one carried in the form when the reviewer re-runs the check."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.filename, upload.read()
    carried = request.form.get("sheet_data")
    if carried:
        try:
            return request.form.get("sheet_name", "budget.xlsx"), base64.b64decode(
                carried, validate=True
            )
        except ValueError as error:
            raise InvalidInput("预算表数据已损坏，请重新上传") from error
    raise InvalidInput("请上传预算表（.xlsx 或 .csv）")


# -- rows ------------------------------------------------------------------------------------


def groups(report: CheckReport, overrides: dict[int, str]) -> list[Group]:
    """The report's lines and broken rows as page rows, grouped by verdict (empty groups left
    out), each group in sheet order."""
    by_key: dict[str, list[Row]] = {key: [] for key in GROUP_ORDER}
    for checked in report.lines:
        by_key[checked.verdict.value].append(_row(checked, overrides.get(checked.line.row, "")))
    by_key["broken"] = [_broken_row(broken) for broken in report.broken]
    labels = {verdict.value: verdict.label for verdict in Verdict} | {"broken": BROKEN_LABEL}
    return [
        Group(key, labels[key], len(rows), _chunks(sorted(rows, key=_row_number)))
        for key, rows in by_key.items()
        if rows
    ]


def _row(checked: CheckLine, override: str) -> Row:
    matched = checked.matched
    unit = f" {checked.standard_unit}" if checked.standard_unit else ""
    return Row(
        row=checked.line.row,
        item=checked.line.item,
        verdict=checked.verdict.value,
        label=checked.verdict_text,
        price=_figure(checked.unit_price) + unit if checked.unit_price is not None else NONE,
        standard=_standard(checked.standard_value, checked.standard_max),
        difference=_difference(checked.difference, checked.percent),
        name=matched.name if matched else "",
        permalink=matched.permalink if matched else "",
        citation=matched.citation if matched else "",
        # the citation is shown above the reason: not twice
        why=checked.why.removeprefix(f"对照{matched.citation}；") if matched else checked.why,
        others="；".join(f"{c.code} {c.name}" for c in checked.runners_up),
        override=override,
    )


def _broken_row(broken: BrokenRow) -> Row:
    cells = " | ".join(text for _, text in broken.cells if text)
    return Row(broken.row, cells, "broken", BROKEN_LABEL, *("",) * 6, broken.reason, "", "")


def _figure(value: Decimal) -> str:
    return format(value, "f")


def _standard(value: Decimal | None, value_max: Decimal | None) -> str:
    if value is None:
        return NONE
    if value_max is None:
        return _figure(value)
    return f"{_figure(value)}{RANGE_DASH}{_figure(value_max)}"


def _difference(difference: Decimal | None, percent: Decimal | None) -> str:
    if difference is None:
        return NONE
    share = f"（{_figure(percent)}%）" if percent is not None else ""
    return _figure(difference) + share


def _chunks(rows: Sequence[Row]) -> list[list[Row]]:
    return [list(rows[start : start + CHUNK_ROWS]) for start in range(0, len(rows), CHUNK_ROWS)]


def _row_number(row: Row) -> int:
    return row.row
