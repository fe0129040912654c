"""The API page: the OpenAPI document rendered as Chinese HTML, served offline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import current_app
from flask import render_template

bp = Blueprint("pages_apidocs", __name__, url_prefix="/api")


def openapi_spec() -> dict[str, Any]:
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()


@bp.get("/")
def index() -> str:
    spec = openapi_spec()
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "delete", "patch")
    ]
    return render_template("apidocs/index.html", spec=spec, operations=operations)
