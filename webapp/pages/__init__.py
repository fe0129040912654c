"""The Chinese HTML pages: each module one area, calling the same functions as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask import request
from flask import url_for

from kb.accounts import permissions
from kb.accounts.audit import local_time
from kb.vocab import DocumentStatus
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Role
from kb.vocab import Status
from webapp.pages import account
from webapp.pages import admin
from webapp.pages import apidocs
from webapp.pages import browse
from webapp.pages import check
from webapp.pages import compare
from webapp.pages import documents
from webapp.pages import extract
from webapp.pages import search
from webapp.pages import standards
from webapp.pages import verify
from webapp.pages import workbench

LABELS = {
    "type": {"standard": "标准", "clause": "条款", "document": "文件"},
    "kind": {m.value: m.label for m in Kind},
    "level": {m.value: m.label for m in Level},
    "status": {m.value: m.label for m in DocumentStatus} | {m.value: m.label for m in Status},
    "role": {m.value: m.label for m in Role},
}


def init_app(app: Flask) -> None:
    """Register the page blueprints and the template globals they share."""
    modules = (search, standards, documents, browse, compare, verify, check, apidocs)
    for module in (*modules, account, workbench, extract, admin):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(
        labels=LABELS, url_with=url_with, today=dt.date.today, can=permissions.can
    )
    app.jinja_env.filters["beijing"] = beijing


def beijing(moment: dt.datetime | None) -> str:
    """A stored time as people here read it: Beijing time to the minute; “—” for none."""
    return local_time(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def url_with(**changes: Any) -> str:
    """The current page's URL with some query parameters changed (``None`` removes one)."""
    args = {k: v for k, v in request.args.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)
