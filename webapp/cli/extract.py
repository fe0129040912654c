"""Tables of standards out of a published notice: ``kb extract``."""

from __future__ import annotations

from pathlib import Path

import click

from indexer.extract import Extraction
from indexer.extract import Scope
from indexer.extract import extract as extract_notice
from kb.files.cells import field_text
from kb.standards import interchange
from kb.vocab import Kind
from kb.vocab import Level
from webapp.cli.base import choice_of
from webapp.cli.base import cli
from webapp.cli.base import echo_json

OUTPUT_SUFFIXES = (".csv", ".xlsx")


@cli.command()
@click.argument("notice", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="写出标准交换文件（.csv 或 .xlsx）。",
)
@click.option(
    "--kind",
    callback=choice_of(Kind),
    help="标准类型；默认财政支出标准，标题含“成本”时为成本定额标准。",
)
@click.option("--level", callback=choice_of(Level), help="层级；默认按发文机关判断。")
@click.option("--region", help="地区；表中没有地区列时使用，默认按发文机关判断。")
@click.option("--domain", help="领域；默认按费用类别判断（会议、培训、差旅等为机关运行）。")
@click.option("--category", help="类别；默认按表名和文件名判断。")
@click.option("--source", help="通知的网址（写入“来源”）；网页文件自带的规范地址优先于文件名。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def extract(
    notice: Path,
    output: Path | None,
    kind: str | None,
    level: str | None,
    region: str | None,
    domain: str | None,
    category: str | None,
    source: str | None,
    as_json: bool,
) -> None:
    """从已发布的通知（.docx .pdf .html .txt）中提取标准表，生成草案状态的标准交换行。

    每个数值一行；事项、等级和地区取自行列表头，计量单位取自单元格、表头或“单位：”说明。
    无法读取的单元格逐个列出位置，不做推测。生成的文件可用 kb ingest 整体导入。

    示例：kb extract 会议费管理办法.docx -o 会议费.csv
    """
    if output is not None and output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise click.BadParameter("输出文件须为 .csv 或 .xlsx", param_hint="-o")
    scope = Scope(
        kind=Kind(kind) if kind else None,
        level=Level(level) if level else None,
        region=region,
        domain=domain,
        category=category,
        source=source,
    )
    found = extract_notice(notice, scope)
    if output is not None:
        interchange.write_standards(output, found.records)
    if as_json:
        echo_json(_as_json(found))
    else:
        _print(found, output)


def _print(found: Extraction, output: Path | None) -> None:
    notice = found.notice
    click.echo(f"通知：{notice.title}" + (f"（{notice.doc_number}）" if notice.doc_number else ""))
    click.echo(
        f"找到 {found.tables} 个表格，其中 {found.standards_tables} 个标准表；提取 {len(found.rows)} 条（草案）"
    )
    if output is None:
        for row in found.rows:
            record = row.record
            figure = field_text(record.value)
            if record.value_max is not None:
                figure += "—" + field_text(record.value_max)
            click.echo(
                f"  表{row.table}第{row.row}行第{row.column}列  {record.name}：{figure} {record.unit or '（无单位）'}"
            )
    else:
        click.echo(f"已写出：{output}（可用 kb ingest 导入）")
    if found.problems:
        click.echo(click.style(f"需要人工核对 {len(found.problems)} 处：", fg="yellow"))
        for problem in found.problems:
            click.echo(f"  {problem}")


def _as_json(found: Extraction) -> dict:
    notice = found.notice
    return {
        "notice": {
            "title": notice.title,
            "doc_number": notice.doc_number,
            "issuer": notice.issuer,
            "effective_from": notice.effective_from.isoformat() if notice.effective_from else None,
            "address": notice.address,
        },
        "tables": found.tables,
        "standards_tables": found.standards_tables,
        "rows": [
            {"table": row.table, "row": row.row, "column": row.column}
            | interchange.record_to_row(row.record)
            for row in found.rows
        ],
        "problems": [
            {"table": p.table, "row": p.row, "column": p.column, "message": p.message}
            for p in found.problems
        ],
    }
