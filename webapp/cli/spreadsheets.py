"""Lookup keys for spreadsheet cells: ``kb key create NAME`` and ``kb key revoke NAME``."""

from __future__ import annotations

import click

from kb.accounts import lookup_keys
from kb.config import Settings
from kb.db import atomic
from webapp.cli.base import cli
from webapp.cli.base import session_scope


@cli.group()
def key() -> None:
    """表格查询密钥：需要登录才能查看时，加在 WEBSERVICE 网址后（&key=…），只读。

    示例：kb key create 张三
    """


@key.command(name="create")
@click.argument("name")
@click.pass_obj
def key_create(settings: Settings, name: str) -> None:
    """为账号生成查询密钥（旧密钥随即作废）；密钥只显示这一次，单独占最后一行。

    示例：kb key create 张三
    """
    with session_scope(settings) as session, atomic(session):
        _, secret = lookup_keys.create_key(session, name)
    click.echo(f"已为 {name} 生成查询密钥，只能用于表格取数（只读），之后无法再次查看：")
    click.echo(secret)


@key.command(name="revoke")
@click.argument("name")
@click.pass_obj
def key_revoke(settings: Settings, name: str) -> None:
    """吊销账号的查询密钥，含该密钥的公式随即无法取数。

    示例：kb key revoke 张三
    """
    with session_scope(settings) as session, atomic(session):
        lookup_keys.revoke_key(session, name)
    click.echo(f"{name} 的查询密钥已吊销")
