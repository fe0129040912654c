"""Reading from a terminal: ``kb search`` and ``kb compare``."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

import click

from indexer.search import SearchQuery
from indexer.search import search as run_search
from kb.citing.marks import marks
from kb.config import Settings
from kb.files.tables import write_table
from kb.standards.comparables import select_for_comparison
from kb.standards.compare import compare as compare_versions
from kb.standards.compare import comparison_rows
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.api.schemas.compare import ComparisonSchema
from webapp.api.schemas.search import SearchPageSchema
from webapp.cli.base import choice_of
from webapp.cli.base import cli
from webapp.cli.base import echo_json
from webapp.cli.base import json_option
from webapp.cli.base import parse_date
from webapp.cli.base import session_scope
from webapp.hits import hit_citations as cite_hits
from webapp.pages.search import SECTIONS
from webapp.pages.search import section_rank


@cli.command()
@click.argument("query", nargs=-1, metavar="[检索词]...")
@click.option(
    "--type", "type_", type=click.Choice(["standard", "clause", "document"]), help="结果类型。"
)
@click.option(
    "--kind",
    callback=choice_of(Kind),
    help="标准类型：public_service / cost_quota / expenditure 或中文。",
)
@click.option(
    "--level",
    callback=choice_of(Level),
    help="层级：central / province / city / district / town 或中文。",
)
@click.option("--region", help="地区，如 青浦区。")
@click.option("--domain", help="领域，如 城市运维。")
@click.option("--category", help="类别，如 绿化养护。")
@click.option("--status", callback=choice_of(Status), help="状态。")
@click.option("--on", callback=parse_date, help="在该日期（YYYY-MM-DD）现行有效。")
@click.option("--page", default=1, type=click.IntRange(min=1), show_default=True, help="页码。")
@click.option(
    "--per-page", default=10, type=click.IntRange(1, 100), show_default=True, help="每页条数。"
)
@click.option("--cite", is_flag=True, help="为每条标准和条款结果附上可粘贴的引用。")
@json_option
@click.pass_obj
def search(
    settings: Settings,
    query: tuple[str, ...],
    type_: str | None,
    cite: bool,
    as_json: bool,
    **filters: Any,
) -> None:
    """检索标准、条款和文件。

    示例：kb search 会议费 --kind expenditure --json
    """
    q = " ".join(query)
    page = run_search(settings, SearchQuery(q=q, type=type_, **filters))
    if as_json:
        body = SearchPageSchema().dump(page)
        citations = hit_citations(settings, page.results) if cite else {}
        for hit in body["results"]:
            if hit["id"] in citations:
                hit["citation"] = citations[hit["id"]]
        echo_json(body)
        return
    sections = [(None, page)]
    if q and type_ is None and filters.get("page", 1) == 1:
        # Each type on its own scale, as on the search page: a clause that says the phrase
        # is not buried under short standards that merely name it.
        sections = [
            (
                title,
                run_search(settings, SearchQuery(q=q, type=kind, **{**filters, "per_page": size})),
            )
            for kind, size, title in SECTIONS
        ]
        sections = sorted(
            (s for s in sections if s[1].total), key=lambda s: section_rank(s[1].results[0], q)
        )
    click.echo(f"共 {page.total} 条结果")
    for title, found in sections:
        if title is not None and not found.total:
            continue
        if title is not None:
            more = (
                f"（另有 {found.total - len(found.results)} 条，加 --type 查看）"
                if found.total > len(found.results)
                else ""
            )
            click.echo(f"\n== {title} {found.total} 条{more} ==")
        citations = hit_citations(settings, found.results) if cite else {}
        for number, hit in enumerate(found.results, start=(found.page - 1) * found.per_page + 1):
            click.echo(format_hit(number, hit))
            if hit.id in citations:
                click.echo(f"   引用：{citations[hit.id]}")


def hit_citations(settings: Settings, hits: Any) -> dict[str, str]:
    """Official citation of each standard and clause hit: the text ``/api/v1/cite/...`` returns."""
    with session_scope(settings) as session:
        return cite_hits(session, hits)


def format_hit(number: int, hit: Any) -> str:
    """A hit as terminal text: highlights as 【】, the figure and unit for standards."""
    kinds = {"standard": "标准", "clause": "条款", "document": "文件"}
    lines = [f"{number}. [{kinds[hit.type]}] {hit.title}{marks(hit.status, hit.illustrative)}"]
    if hit.type == "clause" and hit.document_title:
        lines.append(f"   出自《{hit.document_title}》")
    if hit.type == "standard":
        value = hit.value or ""
        if hit.value_max:
            value = f"{value}–{hit.value_max}"
        lines.append(
            f"   {hit.code} 第{hit.version}版 · {hit.region} · {value} {hit.unit or ''}".rstrip()
        )
    snippet = terminal_snippet(hit.snippet)
    if snippet:
        lines.append(f"   {snippet}")
    return "\n".join(lines)


def terminal_snippet(snippet: str | None) -> str:
    """A highlighted snippet for a terminal: 【】 for <mark>, entities unescaped."""
    text = (snippet or "").replace("<mark>", "【").replace("</mark>", "】")
    return html.unescape(text)


@cli.command(name="compare")
@click.argument("codes", nargs=-1, required=True)
@click.option("--on", callback=parse_date, help="取该日期现行有效的版本。")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="导出 .xlsx 或 .csv。"
)
@json_option
@click.pass_obj
def compare_command(
    settings: Settings,
    codes: tuple[str, ...],
    on: dt.date | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """并列对比几条标准：折算到共同单位，给出最小、中位、平均、最大值和偏离较大的标准。

    示例：kb compare QP-CQ-0001 QP-CQ-0002 -o 对比.xlsx
    """
    with session_scope(settings) as session:
        comparison = compare_versions(select_for_comparison(session, codes=list(codes), on=on))
        body = ComparisonSchema().dump(comparison)
    if output:
        write_table(output, *comparison_rows(comparison))
        click.echo(f"已导出到 {output}")
    if as_json:
        echo_json(body)
        return
    unit = body["target_unit"] or ""
    for column, normalised in zip(body["columns"], body["normalised"], strict=True):
        figure = normalised["value"] or normalised["reason"]
        flags = marks(column["status"], column["illustrative"])
        click.echo(
            f"{column['code']} 第{column['version']}版 {column['region']}{flags}："
            f"{figure} {unit if normalised['value'] else ''}".rstrip()
        )
    if body["stats"]:
        stats = body["stats"]
        click.echo(
            f"最小 {stats['minimum']}，中位 {stats['median']}，平均 {stats['mean']}，最大 {stats['maximum']}（{unit}）"
        )
