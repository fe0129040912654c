"""The Chinese HTML pages: each module one area, calling the same functions as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask import request
from flask import url_for

from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from webapp.pages import apidocs
from webapp.pages import browse
from webapp.pages import compare
from webapp.pages import documents
from webapp.pages import search
from webapp.pages import standards
from webapp.pages import verify

LABELS = {
    "type": {"standard": "标准", "clause": "条款", "document": "文件"},
    "kind": {m.value: m.label for m in Kind},
    "level": {m.value: m.label for m in Level},
    "status": {m.value: m.label for m in Status},
}


def init_app(app: Flask) -> None:
    for module in (search, standards, documents, browse, compare, verify, apidocs):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(labels=LABELS, url_with=url_with, today=dt.date.today)


def url_with(**changes: Any) -> str:
    """The current page's URL with some query parameters changed (``None`` removes one)."""
    args = {k: v for k, v in request.args.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)
