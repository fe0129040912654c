"""Organisations, users and API tokens: ``kb org``, ``kb user``, ``kb token``."""

from __future__ import annotations

import sys

import click

from kb import accounts
from kb.accounts import tokens
from kb.config import Settings
from kb.db import atomic
from kb.vocab import Role
from webapp.cli.base import cli
from webapp.cli.base import session_scope


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
