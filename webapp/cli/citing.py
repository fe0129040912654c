"""依据核查 from a terminal: ``kb verify``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from indexer.loaders import load
from kb.config import Settings
from kb.documents import catalogue
from kb.documents.interchange import write_documents
from webapp.api.schemas.citing import VerifyResultSchema
from webapp.api.verify import verification
from webapp.cli.base import cli
from webapp.cli.base import echo_json
from webapp.cli.base import json_option
from webapp.cli.base import parse_date
from webapp.cli.base import session_scope


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--on", callback=parse_date, help="核查日期（YYYY-MM-DD），默认今天。")
@json_option
@click.pass_obj
def verify(settings: Settings, file: Path, on: dt.date | None, as_json: bool) -> None:
    """依据核查：找出文本或 .docx 中引用的文件条款和标准，逐条报告是否现行有效。

    示例数据标为“示例，不得作为依据”，据库中标准推断的文件状态标为“推断”。命令行不限文字长度。

    示例：kb verify 评审意见.docx --json
    """
    text = load(file).text
    with session_scope(settings) as session:
        result = verification(session, text, on, limit=None)
        body = VerifyResultSchema().dump(result)
    if as_json:
        echo_json(body)
        return
    click.echo(f"共找到 {body['total']} 处引用")
    for number, item in enumerate(body["results"], start=1):
        click.echo(f"{number}. [{item['status_label']}] {item['found']['raw']}")
        click.echo(f"   {item['message']}")
        if item["citation"]:
            click.echo(f"   规范引用：{item['citation']}")


@cli.command(name="export-documents")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--keys", is_flag=True, help="表头用英文键名（doc_number、title …）而不是中文。")
@click.pass_obj
def export_documents(settings: Settings, file: Path, keys: bool) -> None:
    """导出全部文件信息（文号、标题、状态、替代文件等），按扩展名写 .csv/.xlsx/.json，可原样再导入。

    示例：kb export-documents 文件信息.xlsx
    """
    with session_scope(settings) as session:
        entries = catalogue.entries(session)
    write_documents(file, entries, key_headers=keys)
    click.echo(f"已导出 {len(entries)} 份文件的信息到 {file}")
