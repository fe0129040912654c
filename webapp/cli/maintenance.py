"""Setting up and feeding the knowledge base: ``kb init``, ``ingest``, ``reindex``, ``status``,
``follow``, ``export``, ``serve``."""

from __future__ import annotations

from pathlib import Path

import click

from indexer import follow as following
from indexer import sync
from indexer.ingest import IngestReport
from indexer.ingest import ingest as ingest_paths
from kb import standards
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database
from kb.standards import interchange
from webapp import create_app
from webapp.cli import progress
from webapp.cli.base import cli
from webapp.cli.base import echo_json
from webapp.cli.base import json_option
from webapp.cli.base import quiet_option
from webapp.cli.base import session_scope


@cli.command()
@click.pass_obj
def init(settings: Settings) -> None:
    """创建数据库和检索索引（可重复执行）。

    示例：kb init
    """
    with session_scope(settings) as session:
        stats = sync.ensure_index(settings, session)
    click.echo(f"数据库：{settings.database_url}")
    click.echo(f"索引：{settings.index_dir}（{stats}）")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@json_option
@quiet_option
@click.pass_obj
def ingest(settings: Settings, paths: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """导入政策文件（.txt .md .docx .pdf .html）和标准文件（.csv .xlsx .json）。

    每个文件整体导入或整体拒绝；逐个文件报告新增、更新、未变和拒绝原因。
    在终端上显示进度（文件数、速度、剩余时间，随后是索引更新）；--quiet 不显示。

    示例：kb ingest corpus/
    """
    with session_scope(settings) as session:
        report = ingest_paths(settings, session, paths, progress.for_terminal(quiet))
    if as_json:
        echo_json([vars(f) | {"problems": list(f.problems)} for f in report.files])
    else:
        print_ingest_report(report)
    if not report.ok:
        raise SystemExit(1)


def print_ingest_report(report: IngestReport) -> None:
    """Print one line per file ingested, then the totals."""
    kinds = {"standards": "标准", "document": "文件", "documents": "文件信息表", "unknown": "未知"}
    for f in report.files:
        if f.rejected:
            state = click.style("拒绝", fg="red")
        elif f.skipped:
            state = click.style("跳过", fg="yellow")
        else:
            state = f"新增 {f.added}，更新 {f.updated}，未变 {f.unchanged}"
        click.echo(f"[{kinds[f.kind]}] {f.path}：{state}")
        for problem in f.problems:
            click.echo(f"    {problem}")
    click.echo(
        f"合计：新增 {report.total('added')}，更新 {report.total('updated')}，"
        f"未变 {report.total('unchanged')}，拒绝 {sum(f.rejected for f in report.files)} 个文件"
    )


@cli.command()
@quiet_option
@click.pass_obj
def reindex(settings: Settings, quiet: bool) -> None:
    """从数据库重建检索索引（先在新目录建好再切换，中断不影响旧索引）。

    在终端上显示进度（条数、速度、剩余时间）；--quiet 不显示。

    示例：kb reindex
    """
    with session_scope(settings) as session:
        stats = sync.rebuild(settings, session, progress.for_terminal(quiet))
    click.echo(f"索引已重建：{stats}")
    for skipped in stats.skipped:
        click.echo(f"    {skipped}", err=True)


@cli.command()
@json_option
@click.pass_obj
def status(settings: Settings, as_json: bool) -> None:
    """显示本节点索引已应用到的数据库变更、数据库最新变更和落后多少。

    示例：kb status --json
    """
    with session_scope(settings) as session:
        found = following.status(settings, session)
    if as_json:
        echo_json(vars(found))
    else:
        click.echo(str(found))


@cli.command()
@click.option("--interval", default=following.INTERVAL, show_default=True, help="检查间隔（秒）。")
@click.option("--once", is_flag=True, help="只跟进一次（含必要的重建）后退出。")
@click.pass_obj
def follow(settings: Settings, interval: float, once: bool) -> None:
    """让本节点的索引跟随数据库：先补上落下的变更，再每隔几秒应用新的变更（Ctrl-C 退出）。

    多个节点共用一个数据库时，每个节点运行一个；网页进程也会自行跟进。

    示例：kb follow --interval 2
    """
    if once:
        with session_scope(settings) as session:
            stats = following.follow_once(settings, session, wait=True)
        click.echo(f"索引已跟进：{stats}" if stats else "索引已是最新")
        return
    sessions = open_database(settings)
    click.echo(f"正在跟随数据库更新索引 {settings.index_dir}，每 {interval} 秒检查一次")
    try:
        following.run(settings, sessions, interval=interval)
    except KeyboardInterrupt:
        pass
    finally:
        close_database(sessions)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def export(settings: Settings, file: Path) -> None:
    """导出全部标准（当前版本），格式由扩展名决定：.csv .xlsx .json。

    导出的文件可原样再导入，不会产生任何变更。

    示例：kb export standards.xlsx
    """
    with session_scope(settings) as session:
        records = [
            standards.to_record(standards.current_version(s))
            for s in standards.iter_standards(session)
        ]
    interchange.write_standards(file, records)
    click.echo(f"已导出 {len(records)} 条标准到 {file}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=5000, type=int, show_default=True, help="端口。")
@click.option("--debug", is_flag=True, help="开发模式（自动重载）。")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, debug: bool) -> None:
    """启动网页和 API 服务（内网单机使用；生产环境请用 gunicorn 运行 webapp.wsgi:app）。

    启动前补上数据库中尚未编入索引的变更，运行时每秒跟进一次。

    示例：kb serve --port 8000
    """
    with session_scope(settings) as session:
        following.follow_once(settings, session, wait=True)  # catch up with the database first
    app = create_app(settings)
    following.Follower(settings, app.extensions["kb"]["sessions"]).ensure_started()
    click.echo(f"标准库已启动：http://{host}:{port}/")
    app.run(host=host, port=port, debug=debug, threaded=True)
