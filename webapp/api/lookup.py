"""Spreadsheet routes: GET /lookup (one value for a WEBSERVICE cell) and GET /search.csv.

Excel's and WPS's ``WEBSERVICE(url)`` put the body of a GET into a cell, and show an error
value (``#VALUE!``) for any answer that is not a success. So the statuses are chosen for the
person looking at the cell:

- **200, the value**: the standard was found; a field the standard leaves empty is an empty body.
- **200, a Chinese message** (``未找到：…``, ``不唯一：N 条，请加条件``): the question was well
  formed but the data gives no single answer; the person reads why in the cell. The header
  ``X-Lookup-Result`` (``found``, ``empty``, ``not_found``, ``ambiguous``) tells programs apart.
- **4xx, the JSON error envelope**: the formula itself is wrong (an unknown field, a date that
  is no date, neither ``code`` nor ``q``, a wrong key) or reading needs a key: the cell shows an
  error value, and the same URL opened in a browser says what to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from kb import standards
from kb.citing.citations import official_standard_text
from kb.citing.citations import standard_permalink
from kb.errors import NotFound
from kb.fields import FACET_FIELDS
from kb.files.cells import field_text as interchange_text
from kb.files.tables import neutralise_formula
from kb.models import StandardVersion
from kb.standards.interchange import COLUMNS
from kb.standards.interchange import record_to_row
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api.schemas.lookup import LookupArgs
from webapp.api.schemas.lookup import SearchCsvArgs
from webapp.api.search import run_search
from webapp.auth import visible_version
from webapp.db import get_session

URL_PREFIX = ""
blp = Blueprint("api_spreadsheet", __name__, description="表格（Excel/WPS）取数")

TEXT = "text/plain; charset=utf-8"
#: Most rows one CSV answer holds; the ``X-Total-Count`` header says how many matched.
MAX_CSV_ROWS = 10_000
#: Hits read to decide whether a description fits exactly one standard.
CANDIDATES = 100


def field_text(version: StandardVersion, field: str, on: dt.date | None = None) -> str:
    """The text a cell shows for ``field`` of ``version``; ``""`` when the standard leaves it empty.

    The status asked ``on`` a date is the status that day, today's beside it when it changed.
    """
    if field == "citation":
        return official_standard_text(version)
    if field == "status":
        return status_text(version, on)
    if field == "url":
        return standard_permalink(version)
    return interchange_text(getattr(version, field))


def status_text(version: StandardVersion, on: dt.date | None) -> str:
    """``现行有效``, or for a past date ``现行有效（现已被修订）``."""
    today = Status(version.status)
    if on is None or not standards.in_force_on(version, on) or today is Status.IN_FORCE:
        return today.label
    return f"{Status.IN_FORCE.label}（现{today.label}）"


@blp.route("/lookup")
class Lookup(MethodView):
    """One value as plain text, for spreadsheet formulas."""

    @blp.arguments(LookupArgs, location="query")
    @blp.response(
        200,
        {"type": "string", "example": "760"},
        content_type=TEXT,
        description="纯文本：所查字段的值（空字段为空文本），或“未找到：…”“不唯一：N 条，请加条件”",
        headers={
            "X-Lookup-Result": {
                "description": "found 已找到、empty 字段为空、not_found 未找到、ambiguous 不唯一",
                "schema": {"type": "string"},
            }
        },
    )
    @blp.alt_response(400, description="公式写错了：字段名、日期格式或缺少 code/q")
    @blp.alt_response(401, description="需要查询密钥（key=…）或令牌")
    def get(self, args: dict[str, Any]) -> Response:
        """表格单元格取数（WEBSERVICE）：按编号或按描述查一条标准的一个字段，返回纯文本"""
        try:
            version = find_one(args)
        except NotFound as error:
            return _text(error.message, "ambiguous" if error.code == "ambiguous" else "not_found")
        text = field_text(version, args["field"], args.get("on"))
        return _text(text, "found" if text else "empty")


class Ambiguous(NotFound):
    """More than one standard fits a description."""

    code = "ambiguous"


def find_one(args: dict[str, Any]) -> StandardVersion:
    """The one standard version that ``code`` or the description (``q`` and filters) names.

    :raises NotFound: nothing fits (``未找到：…``), or several do (:class:`Ambiguous`).
    """
    session = get_session()
    on = args.get("on")
    if args.get("code"):
        try:
            return visible_version(session, args["code"].strip(), on=on)
        except NotFound as error:
            raise NotFound(f"未找到：{error.message}") from error
    filters = {k: args[k] for k in FACET_FIELDS if k != "status" and k in args}
    if on is None and "status" not in args:
        filters["status"] = Status.IN_FORCE.value  # today's standard, not its drafts or past
    elif "status" in args:
        filters["status"] = args["status"]
    page = run_search(
        {"q": args.get("q", ""), "type": "standard", "on": on, "per_page": CANDIDATES, **filters}
    )
    if page.relaxed:  # the hits hold only some of the words: none fits the description
        raise NotFound("未找到")
    versions = _versions(page.results, on)
    if args.get("item"):
        versions = [v for v in versions if v.item == args["item"]]
    total = len(versions) if args.get("item") or page.total <= CANDIDATES else page.total
    if total > 1:
        exact = [v for v in versions if v.name == args.get("q", "").strip()]
        if len(exact) == 1:
            return exact[0]
        raise Ambiguous(f"不唯一：{total} 条，请加条件")
    if not versions:
        raise NotFound("未找到")
    return versions[0]


def _versions(hits: Any, on: dt.date | None) -> list[StandardVersion]:
    session = get_session()
    found = {s.code: s for s in standards.by_codes(session, [h.code for h in hits if h.code])}
    versions = []
    for hit in hits:
        standard = found.get(hit.code)
        if standard is None:
            continue
        if on is not None:
            version = standards.version_on(standard, on)
        else:
            version = next((v for v in standard.versions if v.version == hit.version), None)
        if version is not None:
            versions.append(version)
    return versions


def _text(text: str, result: str) -> Response:
    return Response(
        text,
        status=200,
        content_type=TEXT,
        headers={"X-Lookup-Result": result, "Cache-Control": "no-cache"},
    )


# -- search.csv ------------------------------------------------------------------------------

CSV_HEADERS = [column.header for column in COLUMNS] + ["引用", "链接"]
#: What a spreadsheet would run as a formula when a cell starts with it (CSV injection).


def csv_rows(args: dict[str, Any]) -> tuple[int, Iterator[list[str]]]:
    """How many standards match the search ``args``, and their rows (at most :data:`MAX_CSV_ROWS`)."""
    query = {**args, "type": "standard", "per_page": CANDIDATES, "page": 1}
    first = run_search(query)

    def rows() -> Iterator[list[str]]:
        page, number = first, 1
        written = 0
        while page.results and written < MAX_CSV_ROWS:
            for version in _versions(page.results, args.get("on")):
                row = record_to_row(standards.to_record(version))
                row.update(kind=_label(Kind, version.kind), level=_label(Level, version.level))
                row["status"] = _label(Status, version.status)
                cells = [row[c.key] for c in COLUMNS]
                cells += [official_standard_text(version), standard_permalink(version)]
                yield [neutralise_formula(cell) for cell in cells]
                written += 1
            if number * CANDIDATES >= page.total:
                return
            number += 1
            page = run_search({**query, "page": number})

    return first.total, rows()


def _label(enum: Any, key: str) -> str:
    return enum(key).label


@blp.route("/search.csv")
class SearchCsv(MethodView):
    """Search results as CSV, for spreadsheets."""

    @blp.arguments(SearchCsvArgs, location="query")
    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        content_type="text/csv; charset=utf-8",
        description="CSV（UTF-8，带 BOM）：每条标准一行，列同标准交换文件，另加“引用”“链接”",
    )
    def get(self, args: dict[str, Any]) -> Response:
        """检索结果中的标准导出为 CSV，供 Excel“数据 → 自网站”（Power Query）导入"""
        args.pop("key", None)
        total, rows = csv_rows(args)
        buffer = io.StringIO(newline="")
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADERS)
        writer.writerows(rows)
        return Response(
            buffer.getvalue().encode("utf-8"),
            status=200,
            content_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": "inline; filename=standards.csv",
                "X-Total-Count": str(total),
            },
        )
