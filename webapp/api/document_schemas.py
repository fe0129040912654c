"""Schemas of the documents' write routes: a reviewer's edit, a status change, an import."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb.vocab import DocumentStatus


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
    added = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    documents = fields.List(fields.String(), metadata={"description": "各行文件的文号或标题"})


class SourceConfirmationSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    version = fields.Integer(allow_none=True, validate=validate.Range(min=1))
    address = fields.String(
        required=True,
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "核对所用的发文机关发布地址（gov.cn 或 *.gov.cn）"},
    )
