"""/standards: read, list, history, and the writes editors and reviewers make with a token."""

from __future__ import annotations

import re
from typing import Any

from flask import g
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from indexer import sync
from kb import standards
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.files.cells import field_text
from kb.standards import interchange
from kb.standards import workflow
from kb.standards.drafts import parse_cells
from kb.vocab import Outcome
from webapp.api.schemas.search import SearchPageSchema
from webapp.api.schemas.standards import ImportResultSchema
from webapp.api.schemas.standards import StandardArgs
from webapp.api.schemas.standards import StandardInputSchema
from webapp.api.schemas.standards import StandardListArgs
from webapp.api.schemas.standards import StandardRevisionSchema
from webapp.api.schemas.standards import StandardSchema
from webapp.api.schemas.standards import TransitionSchema
from webapp.api.schemas.standards import VersionsSchema
from webapp.api.search import run_search
from webapp.auth import client_address
from webapp.auth import requires
from webapp.auth import visible_history
from webapp.auth import visible_version
from webapp.db import get_session
from webapp.db import get_settings
from webapp.uploads import read_uploaded

URL_PREFIX = "/standards"
blp = Blueprint("api_standards", __name__, description="标准及其版本")
TOKEN = [{"bearerAuth": []}]
_ETAG_VERSION = re.compile(r"(.+)-v([0-9]+)")


def version_etag(version: Any) -> str:
    """A standard's ETag names its version, so ``If-Match`` says which version an edit is based on."""
    return f"{version.code}-v{version.version}"


def reindex(*codes: str) -> None:
    """Bring the search index in step after a committed write (one writer, file-locked)."""
    sync.update(get_settings(), get_session(), standard_codes=list(codes))


@blp.route("")
class StandardList(MethodView):
    """The standards list, filtered as search is."""

    @blp.arguments(StandardListArgs, location="query")
    @blp.response(200, SearchPageSchema)
    def get(self, args: dict):
        """标准列表，筛选条件与检索相同（不带 q 时按生效日期排序）"""
        return run_search({**args, "type": "standard"})

    @requires("draft")
    @blp.arguments(StandardInputSchema)
    @blp.response(201, StandardSchema)
    @blp.doc(security=TOKEN)
    def post(self, body: dict):
        """新建标准（草案）：编辑，限本单位的地区和领域"""
        reason = body.pop("reason", None)
        record = parse_cells({k: field_text(v) for k, v in body.items()})
        with atomic(get_session()) as session:
            version = workflow.create_draft(
                session, record, actor=g.user, reason=reason, address=client_address()
            )
        reindex(version.code)
        return (
            version,
            201,
            {"ETag": f'"{version_etag(version)}"', "Location": version_url(version)},
        )


def version_url(version: Any) -> str:
    """The API address of one version of a standard."""
    return f"/api/v1/standards/{version.code}?version={version.version}"


@blp.route("/<code>")
class StandardDetail(MethodView):
    """One standard: current, in force on a date, or a given version."""

    @blp.arguments(StandardArgs, location="query")
    @blp.response(200, StandardSchema)
    def get(self, args: dict, code: str):
        """一条标准：当前版本，或 on=日期 时现行有效的版本，或 version=N"""
        version = visible_version(
            get_session(), code, on=args.get("on"), version=args.get("version")
        )
        return version, 200, {"ETag": f'"{version_etag(version)}"'}

    @requires("draft")
    @blp.arguments(StandardRevisionSchema)
    @blp.response(200, StandardSchema)
    @blp.alt_response(409, description="所基于的版本已不是最新版本")
    @blp.alt_response(412, description="If-Match 所指的版本已不是最新版本")
    @blp.doc(security=TOKEN)
    def put(self, body: dict, code: str):
        """修订标准：在所基于的版本上起草新版本（需 If-Match 或 base_version）"""
        base, from_header = base_version(code, body.pop("base_version", None))
        reason = body.pop("reason", None)
        try:
            with atomic(get_session()) as session:
                version = workflow.revise(
                    session,
                    code,
                    body,
                    base_version=base,
                    actor=g.user,
                    reason=reason,
                    address=client_address(),
                )
        except Conflict as conflict:
            if from_header:
                conflict.status = 412  # type: ignore[attr-defined]
            raise
        reindex(code)
        return version, 200, {"ETag": f'"{version_etag(version)}"'}


def base_version(code: str, from_body: int | None) -> tuple[int, bool]:
    """The version an edit is based on: ``If-Match`` (an ETag of GET) or ``base_version``.

    The ETag must name this standard (``"<code>-v<n>"``): one from another standard, or any
    other tag, says nothing about this one's versions and is refused (412).
    """
    tags = request.if_match
    if tags:
        for tag in tags.as_set():
            match = _ETAG_VERSION.fullmatch(tag)
            if match and match.group(1) == code:
                return int(match.group(2)), True
        raise ForeignETag(code, sorted(tags.as_set()))
    if from_body is not None:
        return from_body, False
    raise PreconditionRequired()


class ForeignETag(Conflict):
    """An ``If-Match`` naming another standard's version, or no version at all."""

    code = "precondition_failed"
    status = 412

    def __init__(self, code: str, tags: list[str]) -> None:
        super().__init__(
            f"If-Match 所给的 ETag 不是标准 {code} 的版本，请先 GET 该标准，用它返回的 ETag",
            {"code": code, "if_match": [tag[:100] for tag in tags[:5]]},
        )


class PreconditionRequired(InvalidInput):
    """An edit that does not say which version it is based on."""

    code = "precondition_required"
    status = 428

    def __init__(self) -> None:
        super().__init__("请用 If-Match 头（GET 返回的 ETag）或 base_version 指明所修改的版本")


@blp.route("/<code>/versions")
class StandardVersions(MethodView):
    """A standard's version history with field changes."""

    @blp.response(200, VersionsSchema)
    def get(self, code: str):
        """一条标准的全部版本及逐字段变化"""
        standard = standards.find(get_session(), code)
        return {"code": code, "versions": visible_history(standard)}


@blp.route("/<code>/status")
class StandardStatus(MethodView):
    """A reviewer's step in a standard's workflow."""

    @requires("review")
    @blp.arguments(TransitionSchema)
    @blp.response(200, StandardSchema)
    @blp.doc(security=TOKEN)
    def post(self, body: dict, code: str):
        """状态变更：征求意见、发布（生效日期）、退回（原因）、被修订、废止（审核人）"""
        with atomic(get_session()) as session:
            version = workflow.transition(
                session,
                code,
                to=body["status"],
                actor=g.user,
                effective_from=body.get("effective_from"),
                effective_to=body.get("effective_to"),
                reason=body.get("reason"),
                version=body.get("version"),
                address=client_address(),
            )
        reindex(code)
        return version


@blp.route("/import")
class StandardImport(MethodView):
    """Import of a standards interchange file, all or nothing."""

    @requires("import")
    @blp.response(200, ImportResultSchema)
    @blp.doc(security=TOKEN)
    def post(self):
        """导入标准交换文件（multipart 字段 file：.csv .xlsx .json），整体导入或整体拒绝"""
        records, filename = read_uploaded("标准文件", interchange.read_standards)
        with atomic(get_session()) as session:
            results = workflow.import_records(
                session, records, actor=g.user, source=filename, address=client_address()
            )
        changed = [r.code for r in results if r.outcome is not Outcome.UNCHANGED]
        if changed:
            reindex(*changed)
        return {
            "added": sum(r.outcome is Outcome.ADDED for r in results),
            "updated": sum(r.outcome is Outcome.UPDATED for r in results),
            "unchanged": sum(r.outcome is Outcome.UNCHANGED for r in results),
            "codes": [r.code for r in results],
        }
