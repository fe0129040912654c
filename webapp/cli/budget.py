"""The budget check from a terminal: ``kb check``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from indexer.budget_check import check_sheet
from kb.budget.lines import CheckContext
from kb.budget.report import write_report
from kb.config import Settings
from kb.vocab import Level
from webapp.api.schemas.check import CheckReportSchema
from webapp.cli.base import choice_of
from webapp.cli.base import cli
from webapp.cli.base import echo_json
from webapp.cli.base import json_option
from webapp.cli.base import parse_date
from webapp.cli.base import session_scope


@cli.command()
@click.argument("budget", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--region",
    help="项目所在地区，如 朱家角镇、青浦区；默认取预算表表头中的地区，仍无则按上海市。",
)
@click.option("--on", callback=parse_date, help="核查日期（YYYY-MM-DD），默认今天。")
@click.option("--level", callback=choice_of(Level), help="项目层级（更低层级的标准不约束它）。")
@click.option("--grade", help="项目等级，如 二级（预算表中的“等级”列优先）。")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="报告 .xlsx、.csv 或 .json。",
)
@json_option
@click.pass_obj
def check(
    settings: Settings,
    budget: Path,
    region: str | None,
    on: dt.date | None,
    level: str | None,
    grade: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """预算表逐行对照适用标准：超标准、低于下限、无适用标准、无法比较，附引用和合计。

    示例：kb check corpus/budgets/sample-budget-qingpu.xlsx --region 朱家角镇 -o 核查报告.xlsx
    """
    context = CheckContext(region=region, on=on, level=level, grade=grade)
    with session_scope(settings) as session:
        report = check_sheet(settings, session, budget, context)
    if output:
        write_report(output, report)
    if as_json:
        echo_json(CheckReportSchema().dump(report))
        return
    click.echo(f"项目地区：{report.context.region}；核查日期：{report.context.on.isoformat()}")
    for note in report.notes:
        click.echo(f"说明：{note}")
    for line in report.lines:
        click.echo(f"第{line.line.row}行 {line.line.item}：[{line.verdict_text}] {line.why}")
    for broken in report.broken:
        click.echo(f"第{broken.row}行：[无法读取] {broken.reason}")
    totals = report.totals
    click.echo(
        f"合计 {totals.lines} 行，金额 {totals.sheet_amount} 元，其中超标准 {totals.over_amount} 元；"
        f"无法读取 {totals.broken} 行"
    )
    if output:
        click.echo(f"报告已写入 {output}")
