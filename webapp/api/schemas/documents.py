"""Documents: a document with its clause tree, the list, and the reviewers' write routes."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb.vocab import DocumentStatus


class ClauseSchema(Schema):
    """One clause of a document's tree."""

    id = fields.Integer(required=True)
    path = fields.String(required=True, metadata={"description": "条款路径，如 四.8"})
    label = fields.String(required=True)
    heading = fields.String(required=True)
    text = fields.String(required=True)
    depth = fields.Integer(required=True)
    parent_path = fields.Function(lambda c: c.parent.path if c.parent else None)
    url = fields.Function(lambda c: f"/documents/{c.document.slug}#clause-{c.path}")


class DocumentSummarySchema(Schema):
    """A document's facts and status, without its text."""

    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    doc_number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    doc_type = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    measure_title = fields.String(allow_none=True, metadata={"description": "所印发的办法名称"})
    effective_from = fields.Date(allow_none=True, metadata={"description": "施行日期"})
    effective_to = fields.Date(allow_none=True, metadata={"description": "失效日期"})
    status = fields.String(
        allow_none=True,
        metadata={"description": "in_force、amended、replaced、repealed、not_yet；空为未记录"},
    )
    status_label = fields.Function(
        lambda d: DocumentStatus(d.status).label if d.status else "未记录状态"
    )
    replaced_by = fields.String(allow_none=True, metadata={"description": "替代文件的文号"})
    replaces = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    verified = fields.Boolean(metadata={"description": "已在发文机关自己的发布中核对"})
    notes = fields.String(allow_none=True)
    text_held = fields.Boolean(metadata={"description": "库中有全文；否则为“未收录全文”"})
    url = fields.Function(lambda d: f"/documents/{d.slug}")


class DocumentSchema(DocumentSummarySchema):
    """A document with its text and clause tree."""

    text = fields.String(required=True, metadata={"description": "修复后的正文"})
    clauses = fields.List(fields.Nested(ClauseSchema), required=True)


class DocumentListSchema(Schema):
    """Every document, summarised."""

    total = fields.Integer(required=True)
    results = fields.List(fields.Nested(DocumentSummarySchema), required=True)


class DocumentEditSchema(Schema):
    """The facts a reviewer may change; a field left out is left as it is."""

    doc_number = fields.String(allow_none=True, validate=validate.Length(max=100))
    title = fields.String(validate=validate.Length(min=1, max=500))
    measure_title = fields.String(allow_none=True, validate=validate.Length(max=500))
    issuer = fields.String(allow_none=True, validate=validate.Length(max=200))
    issued_on = fields.Date(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    replaces = fields.String(allow_none=True, validate=validate.Length(max=1000))
    source = fields.String(allow_none=True, validate=validate.Length(max=4000))
    verified = fields.Boolean(
        metadata={"description": "已在发文机关自己的发布中核对；须有 gov.cn 来源地址"}
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))


class DocumentTransitionSchema(Schema):
    """A reviewer's change of a document's status."""

    status = fields.String(
        required=True,
        validate=validate.OneOf([m.value for m in DocumentStatus]),
        metadata={
            "description": "现行有效、已修订、已被替代（须给替代文件）、已废止（须说明原因）、尚未施行"
        },
    )
    replaced_by = fields.String(
        allow_none=True, validate=validate.Length(max=100), metadata={"description": "替代文件文号"}
    )
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True, validate=validate.Length(max=1000))


class DocumentImportResultSchema(Schema):
    """What a documents import added, updated or left unchanged."""

    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    documents = fields.List(fields.String(), metadata={"description": "各行文件的文号或标题"})


class SourceConfirmationSchema(Schema):
    """A reviewer's confirmation of a standard's source address."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    version = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    address = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "核对所用的发文机关发布地址（gov.cn 或 *.gov.cn）"},
    )
