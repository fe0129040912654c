"""The editors' and reviewers' desk: drafts, the edit form, the review queue and its diff preview.

The edit form holds every interchange column with its Chinese header and note, and is checked by
the same rules as an imported file (:mod:`kb.standards.drafts`): each problem is shown next to its field.
Writes go through :mod:`kb.standards.workflow`, one ``atomic`` block each, and the search index follows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from kb import standards
from kb.accounts import permissions
from kb.accounts.permissions import Action
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import KbError
from kb.errors import PermissionDenied
from kb.fields import Need
from kb.fields import Type
from kb.files.cells import field_text
from kb.standards import history
from kb.standards import workflow
from kb.standards.drafts import CONTENT_FIELDS
from kb.standards.drafts import parse_cells
from kb.standards.interchange import COLUMNS
from kb.standards.interchange import parse_date
from kb.standards.lifecycle import OPEN
from kb.vocab import Status
from webapp.api.check import ROW_NUMBER
from webapp.api.standards import reindex
from webapp.auth import client_address
from webapp.auth import requires
from webapp.db import get_session
from webapp.errors import STATUS_OF_ERROR

bp = Blueprint("pages_workbench", __name__)

#: The form's fields: every interchange column but the status, which only a review changes.
FORM_COLUMNS = tuple(column for column in COLUMNS if column.key != "status")
#: Free text without a length of its own gets a text area; dates a date input (kb.fields types).
LONG_TEXT = frozenset(column.key for column in FORM_COLUMNS if column.long_text)
DATES = frozenset(column.key for column in FORM_COLUMNS if column.type is Type.DATE)
#: Fields chosen from a list: (value sent, label shown); the interchange reads key or label.
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    **{
        column.key: tuple((m.value, m.label) for m in column.choices)
        for column in FORM_COLUMNS
        if column.choices is not None
    },
    "illustrative": (("否", "否"), ("是", "是")),
    "verified": (("是", "是"), ("否", "否")),
}
NEED_TEXT = {Need.REQUIRED: "必填", Need.FOR_FIGURES: "有标准值时必填", Need.OPTIONAL: ""}
#: Form errors shown on the form itself rather than on the error page.
FORM_ERRORS = (InvalidInput, Conflict, PermissionDenied)


@bp.get("/drafts")
@requires("draft")
def drafts() -> str:
    """The latest versions my organisation drafted that are still open, rejected ones apart."""
    mine = [
        standard.versions[-1]
        for standard in standards.iter_standards(get_session())
        if standard.versions[-1].organisation_id == g.user.organisation_id
        and standard.versions[-1].status in OPEN
    ]
    return render_template(
        "workbench/drafts.html",
        rejected=[v for v in mine if v.rejected_at is not None],
        waiting=[v for v in mine if v.rejected_at is None],
    )


@bp.get("/review")
@requires("review")
def review() -> str:
    """The reviewer's queue of drafts awaiting review."""
    queue = workflow.awaiting_review(get_session(), reviewer=g.user)
    return render_template("workbench/review.html", queue=queue)


@bp.route("/standards/new", methods=["GET", "POST"])
@requires("draft")
def new() -> str | Response | tuple:
    """The form for a new draft standard, prefilled with the organisation's region."""
    if request.method == "GET":
        organisation = g.user.organisation
        values = {"region": organisation.region, "domain": organisation.domain or ""}
        return _form_page(values)
    values = _submitted(FORM_COLUMNS)
    reason = request.form.get("reason", "")
    try:
        record = parse_cells(values)
        with atomic(get_session()) as session:
            version = workflow.create_draft(
                session, record, actor=g.user, reason=reason, address=client_address()
            )
    except FORM_ERRORS as error:
        return _form_page(values, error=error, reason=reason), _status(error)
    return _saved(version)


@bp.route("/standards/<code>/edit", methods=["GET", "POST"])
@requires("draft")
def edit(code: str) -> str | Response | tuple:
    """The form for a new draft version of a standard."""
    latest = standards.find(get_session(), code).versions[-1]
    permissions.require(g.user, Action.DRAFT, latest)
    if request.method == "GET":
        return _form_page(_values_of(latest), latest=latest)
    values = _submitted(c for c in FORM_COLUMNS if c.key != "code")
    reason = request.form.get("reason", "")
    base = request.form.get("base_version", "")
    try:
        if not ROW_NUMBER.fullmatch(base):
            raise InvalidInput("缺少所修改的版本号，请刷新页面后重试", {"base_version": "必填"})
        with atomic(get_session()) as session:
            version = workflow.revise(
                session,
                code,
                values,
                base_version=int(base),
                actor=g.user,
                reason=reason,
                address=client_address(),
            )
    except FORM_ERRORS as error:
        latest = standards.find(get_session(), code).versions[-1]
        page = _form_page(values, latest=latest, base=base, error=error, reason=reason)
        return page, _status(error)
    return _saved(version)


def _submitted(columns: Any) -> dict[str, str]:
    return {column.key: request.form.get(column.key, "") for column in columns}


def _values_of(latest: Any) -> dict[str, str]:
    """The form's starting values: the latest version; a published one's dates are the review's."""
    values = {column.key: field_text(getattr(latest, column.key)) for column in FORM_COLUMNS}
    if Status(latest.status).published:
        values.update(effective_from="", effective_to="")
    return values


def _form_page(
    values: dict[str, str],
    *,
    latest: Any = None,
    base: str | None = None,
    error: KbError | None = None,
    reason: str = "",
) -> str:
    field_errors = error.details if isinstance(error, InvalidInput) else None
    return render_template(
        "workbench/edit.html",
        columns=FORM_COLUMNS,
        values=values,
        latest=latest,
        base=base or (str(latest.version) if latest else ""),
        error=error,
        field_errors=field_errors if isinstance(field_errors, dict) else {},
        reason=reason,
        long_text=LONG_TEXT,
        dates=DATES,
        choices=CHOICES,
        need_text=NEED_TEXT,
    )


def _saved(version: Any) -> Response:
    reindex(version.code)
    flash(f"已保存 {version.code} 第{version.version}版草案，等待审核")
    return redirect(url_for("pages_workbench.drafts"))


def _status(error: KbError) -> int:
    return next(status for kind, status in STATUS_OF_ERROR.items() if isinstance(error, kind))


# -- review ------------------------------------------------------------------------------------


@bp.route("/review/<code>", methods=["GET", "POST"])
@requires("review")
def preview(code: str) -> str | Response | tuple:
    """The draft against the version in force, with publish, consultation and reject buttons."""
    if request.method == "GET":
        return _preview_page(code)
    form = request.form
    try:
        effective = form.get("effective_from", "").strip()
        version = form.get("version", "")
        with atomic(get_session()) as session:
            done = workflow.transition(
                session,
                code,
                to=form.get("to", ""),
                actor=g.user,
                effective_from=parse_date(effective) if effective else None,
                reason=form.get("reason", ""),
                version=int(version) if ROW_NUMBER.fullmatch(version) else None,
                address=client_address(),
            )
    except (InvalidInput, Conflict) as error:
        return _preview_page(code, error=error, form=form), _status(error)
    reindex(code)
    if done.status == Status.IN_FORCE:
        flash(f"已发布 {code} 第{done.version}版，自 {done.effective_from} 起施行")
        return redirect(url_for("pages_standards.detail", code=code))
    if done.rejected_at is not None:
        flash(f"已退回 {code} 第{done.version}版：{done.review_note}")
    else:
        flash(f"{code} 第{done.version}版已提交征求意见")
    return redirect(url_for("pages_workbench.review"))


def _preview_page(code: str, *, error: KbError | None = None, form: Any = None) -> str:
    standard = standards.find(get_session(), code)
    draft = standard.versions[-1]
    permissions.require(g.user, Action.REVIEW, draft)
    baseline = _baseline(standard, draft)
    return render_template(
        "workbench/preview.html",
        draft=draft,
        baseline=baseline,
        changes=[c for c in history.diff(baseline, draft) if c.field in CONTENT_FIELDS],
        pending=draft.status in OPEN and draft.rejected_at is None,
        error=error,
        form=form or {},
        default_start=(draft.effective_from or dt.date.today()).isoformat(),
    )


def _baseline(standard: Any, draft: Any) -> Any:
    """What the draft would replace: the version in force today, else the latest published."""
    in_force = standards.version_on(standard, dt.date.today())
    if in_force is not None and in_force is not draft:
        return in_force
    published = [v for v in standard.versions if v is not draft and Status(v.status).published]
    return published[-1] if published else None
