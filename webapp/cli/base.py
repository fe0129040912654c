"""The ``kb`` click group and what its commands share: error translation, sessions, options."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import click

from kb.config import Settings
from kb.db import close_database
from kb.db import open_database
from kb.errors import KbError
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.cli import translation

translation.install()


#: click's placeholders for value types, as the help shows them in Chinese.
METAVARS = {
    "INTEGER RANGE": "整数",
    "FLOAT RANGE": "数值",
    "INTEGER": "整数",
    "FLOAT": "数值",
    "TEXT": "文本",
    "FILENAME": "文件",
    "FILE": "文件",
    "DIRECTORY": "目录",
    "PATH": "路径",
    "BOOLEAN": "是/否",
}
_RANGE = re.compile(r"(?:(-?[0-9.]+)<=)?x(?:<=(-?[0-9.]+)|>=(-?[0-9.]+))?")


def chinese_metavar(text: str) -> str:
    """``--page INTEGER RANGE`` → ``--page 整数``: the type placeholders in a help line."""
    for english, chinese in METAVARS.items():
        text = re.sub(rf"(?<![A-Z]){english}(?![A-Z])", chinese, text)
    return text


def chinese_extra(text: str) -> str:
    """``[默认：1; x>=1]`` → ``[默认：1；不小于 1]``: click's range notation in words."""

    def words(match: re.Match[str]) -> str:
        low, high, at_least = match.group(1), match.group(2), match.group(3)
        if low and high:
            return f"{low}–{high}"
        if at_least:
            return f"不小于 {at_least}"
        if high:
            return f"不大于 {high}"
        return match.group(0)

    if not text.endswith("]") or "[" not in text:
        return text
    head, _, extra = text.rpartition("[")
    extra = "；".join(_RANGE.sub(words, part.strip()) for part in extra[:-1].split(";"))
    return f"{head}[{extra}]"


class KbFormatter(click.HelpFormatter):
    """Headings with a Chinese colon and no space after 用法：."""

    def write_heading(self, heading: str) -> None:
        """Headings end with a Chinese colon."""
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Usage lines start with 用法：."""
        super().write_usage(prog, args, prefix if prefix is not None else "用法：")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        """click's definition list, aligned by display width (a Chinese character takes two)."""
        rows = list(rows)
        first = min(max((display_width(term) for term, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        for term, text in rows:
            pad = first - display_width(term)
            if pad >= 0:
                self.write(f"{indent}{term}{' ' * (pad + col_spacing)}")
            else:
                self.write(f"{indent}{term}\n{indent}{' ' * (first + col_spacing)}")
            lines = text.splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * (first + col_spacing)}{line}\n")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class KbContext(click.Context):
    """A click context whose help is formatted in Chinese."""

    formatter_class = KbFormatter


class ChineseHelp(click.Command):
    """Help in Chinese: the words come from click's translation, the placeholders from here."""

    context_class = KbContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the options with Chinese metavars and defaults."""
        records = []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record and (isinstance(param, click.Option) or record[1]):
                records.append((chinese_metavar(record[0]), chinese_extra(record[1])))
        if records:
            with formatter.section("选项"):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class KbCommand(ChineseHelp):
    """A command that turns knowledge-base errors into clean messages and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        """Show a :class:`~kb.errors.KbError` as a one-line error, not a traceback."""
        try:
            return super().invoke(ctx)
        except KbError as error:
            raise click.ClickException(error.message) from error


class KbGroup(ChineseHelp, click.Group):
    """The ``kb`` group and its subgroups: Chinese help, commands that map kb errors."""

    command_class = KbCommand
    group_class = type  # subgroups (org, user, token) are KbGroups too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)


@click.group(cls=KbGroup)
@click.version_option(package_name="biaozhunku", message="%(prog)s，版本 %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """标准库：成本预算绩效管理标准的知识库与检索服务。

    配置取自环境变量 KB_DATABASE_URL、KB_INDEX_DIR、KB_INSTANCE_DIR、KB_SECRET_KEY。
    """
    ctx.obj = Settings.from_env()


@contextmanager
def session_scope(settings: Settings) -> Iterator[Any]:
    """A kb session for one command; the database is closed afterwards."""
    factory = open_database(settings)
    try:
        with factory() as session:
            yield session
    finally:
        close_database(factory)


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    """A click callback reading an ISO date (YYYY-MM-DD)."""
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
    """Print data as indented JSON, Chinese left readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def choice_of(enum: type[Kind] | type[Level] | type[Status]) -> Callable[..., Any]:
    """A click callback accepting an enum's key or its Chinese label."""

    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return enum.parse(value).value
        except KbError as error:
            raise click.BadParameter(error.message) from error

    return convert


def quiet_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--quiet``: no progress display on the terminal."""
    return click.option("--quiet", "-q", is_flag=True, help="不显示进度。")(command)
