"""The ``kb`` command: one click group of thin commands over kb and indexer."""

from __future__ import annotations

import datetime as dt
import html
import json
import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from indexer import sync
from indexer.budget_check import check_sheet
from indexer.ingest import IngestReport
from indexer.ingest import ingest as ingest_paths
from indexer.loaders import load
from indexer.search import SearchQuery
from indexer.search import search as run_search
from kb import accounts
from kb import documents
from kb import interchange
from kb import standards
from kb import tokens
from kb.budget import CheckContext
from kb.budget_report import write_report
from kb.citations import cite_clause
from kb.citations import cite_standard
from kb.compare import compare as compare_versions
from kb.compare import comparison_rows
from kb.compare import select_for_comparison
from kb.config import Settings
from kb.db import atomic
from kb.db import close_database
from kb.db import open_database
from kb.errors import KbError
from kb.tabular import write_table
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Role
from kb.vocab import Status
from webapp import create_app
from webapp.api.check_schemas import CheckReportSchema
from webapp.api.schemas import ComparisonSchema
from webapp.api.schemas import SearchPageSchema
from webapp.api.schemas import VerifyResultSchema
from webapp.api.verify import verification


class KbCommand(click.Command):
    """A command that turns knowledge-base errors into clean messages and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KbError as error:
            raise click.ClickException(error.message) from error


class KbGroup(click.Group):
    command_class = KbCommand
    group_class = type  # subgroups (org, user, token) are KbGroups too


@click.group(cls=KbGroup)
@click.version_option(package_name="biaozhunku")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """标准库：成本预算绩效管理标准的知识库与检索服务。

    配置取自环境变量 KB_DATABASE_URL、KB_INDEX_DIR、KB_INSTANCE_DIR、KB_SECRET_KEY。
    """
    ctx.obj = Settings.from_env()


@contextmanager
def session_scope(settings: Settings) -> Iterator[Any]:
    factory = open_database(settings)
    try:
        with factory() as session:
            yield session
    finally:
        close_database(factory)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD，收到 “{value}”") from error


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``: print machine-readable output instead of text."""
    return click.option("--json", "as_json", is_flag=True, help="输出 JSON。")(command)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


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
@click.pass_obj
def ingest(settings: Settings, paths: tuple[Path, ...], as_json: bool) -> None:
    """导入政策文件（.txt .md .docx .pdf .html）和标准文件（.csv .xlsx .json）。

    每个文件整体导入或整体拒绝；逐个文件报告新增、更新、未变和拒绝原因。

    示例：kb ingest corpus/
    """
    with session_scope(settings) as session:
        report = ingest_paths(settings, session, paths)
    if as_json:
        echo_json([vars(f) | {"problems": list(f.problems)} for f in report.files])
    else:
        print_ingest_report(report)
    if not report.ok:
        raise SystemExit(1)


def print_ingest_report(report: IngestReport) -> None:
    kinds = {"standards": "标准", "document": "文件", "unknown": "未知"}
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
@click.pass_obj
def reindex(settings: Settings) -> None:
    """从数据库重建检索索引（先在新目录建好再切换，中断不影响旧索引）。

    示例：kb reindex
    """
    with session_scope(settings) as session:
        stats = sync.rebuild(settings, session)
    click.echo(f"索引已重建：{stats}")


def choice_of(enum: type[Kind] | type[Level] | type[Status]) -> Callable[..., Any]:
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return enum.parse(value).value
        except KbError as error:
            raise click.BadParameter(error.message) from error

    return convert


@cli.command()
@click.argument("query", nargs=-1)
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
@click.option("--page", default=1, type=click.IntRange(min=1), show_default=True)
@click.option("--per-page", default=10, type=click.IntRange(1, 100), show_default=True)
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
    page = run_search(settings, SearchQuery(q=" ".join(query), type=type_, **filters))
    citations = hit_citations(settings, page) if cite else {}
    if as_json:
        body = SearchPageSchema().dump(page)
        for hit in body["results"]:
            if hit["id"] in citations:
                hit["citation"] = citations[hit["id"]]
        echo_json(body)
        return
    click.echo(f"共 {page.total} 条结果")
    for number, hit in enumerate(page.results, start=(page.page - 1) * page.per_page + 1):
        click.echo(format_hit(number, hit))
        if hit.id in citations:
            click.echo(f"   引用：{citations[hit.id]}")


def hit_citations(settings: Settings, page: Any) -> dict[str, str]:
    """Official citation of each standard and clause hit: the text ``/api/v1/cite/...`` returns."""
    found = {}
    with session_scope(settings) as session:
        for hit in page.results:
            if hit.type == "standard":
                version = standards.get(session, hit.code, version=hit.version)
                found[hit.id] = cite_standard(version).text
            elif hit.type == "clause":
                document = documents.get(session, hit.document_id)
                found[hit.id] = cite_clause(document.title, document.doc_number, hit.clause_path)
    return found


def format_hit(number: int, hit: Any) -> str:
    """A hit as terminal text: highlights as 【】, the figure and unit for standards."""
    kinds = {"standard": "标准", "clause": "条款", "document": "文件"}
    lines = [f"{number}. [{kinds[hit.type]}] {hit.title}"]
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
    text = (snippet or "").replace("<mark>", "【").replace("</mark>", "】")
    return html.unescape(text)


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

    示例：kb serve --port 8000
    """
    with session_scope(settings) as session:
        sync.ensure_index(settings, session)
    click.echo(f"标准库已启动：http://{host}:{port}/")
    create_app(settings).run(host=host, port=port, debug=debug, threaded=True)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--on", callback=parse_date, help="核查日期（YYYY-MM-DD），默认今天。")
@json_option
@click.pass_obj
def verify(settings: Settings, file: Path, on: dt.date | None, as_json: bool) -> None:
    """依据核查：找出文本或 .docx 中引用的文件条款和标准，逐条报告是否现行有效。

    示例：kb verify 评审意见.docx --json
    """
    text = load(file).text
    with session_scope(settings) as session:
        result = verification(session, text, on)
        body = VerifyResultSchema().dump(result)
    if as_json:
        echo_json(body)
        return
    click.echo(f"共找到 {body['total']} 处引用")
    for number, item in enumerate(body["results"], start=1):
        click.echo(f"{number}. [{item['status_label']}] {item['found']['raw']}")
        click.echo(f"   {item['message']}")


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
        click.echo(
            f"{column['code']} 第{column['version']}版 {column['region']}：{figure} {unit if normalised['value'] else ''}"
        )
    if body["stats"]:
        stats = body["stats"]
        click.echo(
            f"最小 {stats['minimum']}，中位 {stats['median']}，平均 {stats['mean']}，最大 {stats['maximum']}（{unit}）"
        )


@cli.group()
def org() -> None:
    """单位（部门或街镇）。

    示例：kb org add 朱家角镇人民政府 --region 朱家角镇
    """


@org.command(name="add")
@click.argument("name")
@click.option("--region", required=True, help="单位负责的地区，如 朱家角镇、青浦区。")
@click.option("--domain", help="单位负责的领域（可选），如 城市运维。")
@click.pass_obj
def org_add(settings: Settings, name: str, region: str, domain: str | None) -> None:
    """新增单位。

    示例：kb org add 青浦区财政局 --region 青浦区
    """
    with session_scope(settings) as session, atomic(session):
        organisation = accounts.add_organisation(session, name, region=region, domain=domain)
    click.echo(f"已新增单位 {organisation.name}（{organisation.region}）")


@cli.group()
def user() -> None:
    """账号。

    示例：kb user add 张三 --role editor --org 朱家角镇人民政府
    """


@user.command(name="add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="角色。")
@click.option("--org", "organisation", required=True, help="所属单位名称。")
@click.option("--password", help="密码（至少 8 位）；不填则询问，直接回车则自动生成。")
@click.pass_obj
def user_add(
    settings: Settings, name: str, role: str, organisation: str, password: str | None
) -> None:
    """新增账号；自动生成的密码只显示这一次。

    示例：kb user add 李四 --role reviewer --org 青浦区财政局
    """
    if password is None and sys.stdin.isatty():
        password = click.prompt(
            "密码（直接回车则自动生成）", default="", hide_input=True, show_default=False
        )
    with session_scope(settings) as session, atomic(session):
        account, generated = accounts.add_user(
            session, name, role=role, organisation=organisation, password=password or None
        )
    click.echo(f"已新增账号 {account.name}（{Role(account.role).label}，{organisation}）")
    if generated:
        click.echo(f"初始密码（只显示这一次）：{generated}")


@cli.group()
def token() -> None:
    """API 令牌。

    示例：kb token create 张三
    """


@token.command(name="create")
@click.argument("name")
@click.pass_obj
def token_create(settings: Settings, name: str) -> None:
    """为账号生成 API 令牌；令牌只显示这一次，单独占最后一行。

    示例：kb token create 张三
    """
    with session_scope(settings) as session, atomic(session):
        created, secret = tokens.create_token(session, name)
        token_id = created.id
    click.echo(f"已为 {name} 生成令牌 #{token_id}，请妥善保存，之后无法再次查看：")
    click.echo(secret)


@token.command(name="revoke")
@click.argument("token_id", type=int)
@click.pass_obj
def token_revoke(settings: Settings, token_id: int) -> None:
    """吊销令牌，立即失效。

    示例：kb token revoke 3
    """
    with session_scope(settings) as session, atomic(session):
        tokens.revoke_token(session, token_id)
    click.echo(f"令牌 #{token_id} 已吊销")


@cli.command()
@click.argument("budget", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--region", default="上海市", show_default=True, help="项目所在地区，如 朱家角镇、青浦区。"
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
    region: str,
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
    for line in report.lines:
        click.echo(f"第{line.line.row}行 {line.line.item}：[{line.verdict.label}] {line.why}")
    for broken in report.broken:
        click.echo(f"第{broken.row}行：[无法读取] {broken.reason}")
    totals = report.totals
    click.echo(
        f"合计 {totals.lines} 行，金额 {totals.sheet_amount} 元，其中超标准 {totals.over_amount} 元；"
        f"无法读取 {totals.broken} 行"
    )
    if output:
        click.echo(f"报告已写入 {output}")
