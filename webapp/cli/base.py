"""The ``kb`` click group and what its commands share: error translation, sessions, options."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from collections.abc import Iterator
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


def choice_of(enum: type[Kind] | type[Level] | type[Status]) -> Callable[..., Any]:
    def convert(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return enum.parse(value).value
        except KbError as error:
            raise click.BadParameter(error.message) from error

    return convert
