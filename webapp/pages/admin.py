"""Administration for admins: organisations, accounts, API tokens, and the audit log with export.

Generated passwords and new tokens are shown once, on the answer to the form that made them,
and never stored in the session or anywhere else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from kb import accounts
from kb.accounts import audit
from kb.accounts import tokens
from kb.accounts.audit import AuditAction
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import KbError
from kb.errors import NotFound
from kb.standards.interchange import HEADERS
from kb.vocab import LabelledEnum
from kb.vocab import Role
from kb.vocab import Status
from webapp.api.schemas.audit import AuditArgs
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session
from webapp.downloads import check_export_type
from webapp.downloads import table_download
from webapp.errors import STATUS_OF_ERROR

bp = Blueprint("pages_admin", __name__, url_prefix="/admin")

NO_STORE = {"Cache-Control": "no-store"}
FORM_ERRORS = (InvalidInput, Conflict, NotFound)
#: Filter choices for the audit page: families of actions first, then each action.
ACTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("standard.", "标准（全部）"),
    ("user.", "账号（全部）"),
    ("token.", "API 令牌（全部）"),
    ("login.", "登录（全部）"),
    *((action.value, action.label) for action in AuditAction),
)
AUDIT_FILTERS = ("actor", "action", "target", "since", "until")
#: Names of the values recorded by entries that are not about a standard's fields.
ENTRY_FIELDS = {
    "name": "名称",
    "role": "角色",
    "organisation": "机构",
    "region": "地区",
    "domain": "领域",
    "active": "启用",
    "id": "编号",
    "user": "用户",
    "prefix": "前缀",
    "revoked": "已吊销",
    "version": "版本",
    "status": "状态",
}
VALUE_LABELS: dict[str, type[LabelledEnum]] = {"status": Status, "role": Role}


def _status(error: KbError) -> int:
    return next(status for kind, status in STATUS_OF_ERROR.items() if isinstance(error, kind))


# -- organisations -----------------------------------------------------------------------------


@bp.route("/organisations", methods=["GET", "POST"])
@requires("admin")
def organisations() -> str | Response | tuple:
    """List organisations, and add one."""
    form = request.form
    if request.method == "POST":
        try:
            with atomic(get_session()) as session:
                added = accounts.add_organisation(
                    session,
                    form.get("name", ""),
                    region=form.get("region", ""),
                    domain=form.get("domain", ""),
                    actor=g.user,
                    address=client_address(),
                )
        except FORM_ERRORS as error:
            return _organisations_page(error=error, form=form), _status(error)
        flash(f"已新建机构“{added.name}”")
        return redirect(url_for("pages_admin.organisations"))
    return _organisations_page()


def _organisations_page(**context: Any) -> str:
    found = accounts.list_organisations(get_session())
    return render_template("admin/organisations.html", organisations=found, **context)


# -- users -------------------------------------------------------------------------------------


@bp.route("/users", methods=["GET", "POST"])
@requires("admin")
def users() -> str | tuple:
    """List users, and add one."""
    if request.method == "GET":
        return _users_page()
    form = request.form
    try:
        with atomic(get_session()) as session:
            user, password = accounts.add_user(
                session,
                form.get("name", ""),
                role=form.get("role", ""),
                organisation=form.get("organisation", ""),
                actor=g.user,
                address=client_address(),
            )
    except FORM_ERRORS as error:
        return _users_page(error=error, form=form), _status(error)
    return _users_page(created=user, password=password), 201, NO_STORE


@bp.post("/users/<name>/deactivate")
@requires("admin")
def deactivate(name: str) -> Response:
    """Deactivate a user; their tokens stop working with them."""
    with atomic(get_session()) as session:
        accounts.deactivate(session, name, actor=g.user, address=client_address())
    flash(f"已停用账号“{name}”，其 API 令牌同时失效")
    return redirect(url_for("pages_admin.users"))


def _users_page(**context: Any) -> str:
    session = get_session()
    return render_template(
        "admin/users.html",
        users=accounts.list_users(session),
        organisations=accounts.list_organisations(session),
        roles=list(Role),
        **context,
    )


# -- tokens ------------------------------------------------------------------------------------


@bp.route("/tokens", methods=["GET", "POST"])
@requires("admin")
def all_tokens() -> str | tuple:
    """Every API token, and one issued for any user."""
    if request.method == "GET":
        return _tokens_page()
    try:
        with atomic(get_session()) as session:
            token, secret = tokens.create_token(
                session, request.form.get("user", ""), actor=g.user, address=client_address()
            )
    except FORM_ERRORS as error:
        return _tokens_page(error=error), _status(error)
    return _tokens_page(created=token, secret=secret), 201, NO_STORE


@bp.post("/tokens/<int:token_id>/revoke")
@requires("admin")
def revoke_token(token_id: int) -> Response:
    """Revoke any user's token."""
    with atomic(get_session()) as session:
        token = tokens.revoke_token(session, token_id, actor=g.user, address=client_address())
    flash(f"已吊销 {token.user.name} 的令牌 {token.prefix}…")
    return redirect(url_for("pages_admin.all_tokens"))


def _tokens_page(**context: Any) -> str:
    session = get_session()
    return render_template(
        "admin/tokens.html",
        tokens=tokens.list_tokens(session),
        users=[u for u in accounts.list_users(session) if u.active],
        **context,
    )


# -- audit log ---------------------------------------------------------------------------------


@bp.get("/audit")
@requires("admin")
def audit_log() -> str:
    """The audit log, filtered and paged."""
    args = _audit_args()
    page = audit.entries(get_session(), **args)
    filters = {key: request.args.get(key, "") for key in AUDIT_FILTERS}
    return render_template(
        "admin/audit.html",
        page=page,
        rows=[(entry, *audit.before_after(entry)) for entry in page.entries],
        filters=filters,
        export_args={key: value for key, value in filters.items() if value},
        action_choices=ACTION_CHOICES,
        action_label=audit.action_label,
        field_label=field_label,
        value_text=value_text,
    )


@bp.get("/audit/export.<fmt>")
@requires("admin")
def audit_export(fmt: str) -> Response:
    """The filtered audit log as a CSV or XLSX download."""
    check_export_type(fmt)
    args = {key: value for key, value in _audit_args().items() if key in AUDIT_FILTERS}
    headers, rows = audit.export_rows(audit.iter_entries(get_session(), **args))
    return table_download(headers, rows, fmt, "审计日志")


def field_label(action: str, key: str) -> str:
    """The Chinese name of a value an audit entry recorded before or after the change."""
    if action.startswith("standard.") and key in HEADERS:
        return HEADERS[key]
    return ENTRY_FIELDS.get(key, key)


def value_text(key: str, value: Any) -> str:
    """A recorded value as read by people: labels for vocabularies, 是/否, （空）."""
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key in VALUE_LABELS:
        try:
            return VALUE_LABELS[key](value).label
        except ValueError:
            return str(value)
    return str(value)


def _audit_args() -> dict[str, Any]:
    raw = {key: value.strip() for key, value in request.args.items() if value.strip()}
    try:
        return AuditArgs().load(raw)
    except ValidationError as error:
        names = {"since": "起始日期", "until": "截止日期", "page": "页码", "per_page": "每页条数"}
        wrong = "、".join(names.get(key, key) for key in sorted(error.messages))
        raise InvalidInput(f"筛选条件有误：{wrong}", error.messages) from error
