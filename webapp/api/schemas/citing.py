"""Citations and 依据核查: citation styles and results, the text to verify and each citation's verdict."""

from __future__ import annotations

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from kb.citing.verify import MAX_TEXT_CHARACTERS

STYLE_DESCRIPTION = "引用格式：official 公文引用格式，gbt7714（即 gbt7714-2025）或 gbt7714-2015"


class CiteArgs(Schema):
    """The style and date of a standard's citation."""

    style = fields.String(
        load_default="official",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
        metadata={"description": STYLE_DESCRIPTION + "，默认 official"},
    )
    on = fields.Date(metadata={"description": "引用该日期现行有效的版本"})


class CiteDocumentArgs(Schema):
    """The style of a document's citation, and the clause to cite."""

    style = fields.String(
        load_default="gbt7714-2025",
        validate=validate.OneOf(["official", "gbt7714", "gbt7714-2025", "gbt7714-2015"]),
        metadata={"description": STYLE_DESCRIPTION + "，默认 gbt7714-2025"},
    )
    clause = fields.String(
        validate=validate.Length(max=100), metadata={"description": "条款路径，如 四.8"}
    )


class CitationSchema(Schema):
    """A citation ready to paste, with its permalink."""

    text = fields.String(required=True, metadata={"description": "可直接粘贴的引用文字"})
    style = fields.String(required=True)
    kind = fields.String(required=True)
    target = fields.String(required=True)
    permalink = fields.String(required=True)
    version = fields.Integer(allow_none=True)
    clause_path = fields.String(allow_none=True)


class VerifyRequest(Schema):
    """The text to verify and the day to verify it on."""

    text = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": f"要核查的文字，至多 {MAX_TEXT_CHARACTERS:,} 个字符（超过返回 413）"
        },
    )
    on = fields.Date(metadata={"description": "核查日期，默认今天"})


class FoundCitationSchema(Schema):
    """A citation as found in the text, with its place."""

    raw = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    title = fields.String(allow_none=True)
    doc_number = fields.String(allow_none=True)
    clause = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)


class VerifiedCitationSchema(Schema):
    """The verdict on one citation found, with its successor when replaced."""

    found = fields.Nested(FoundCitationSchema)
    status = fields.String(
        metadata={
            "description": "in_force、superseded、repealed、clause_not_found、unknown_document 等"
        }
    )
    status_label = fields.Function(
        lambda v: v.label, metadata={"description": "状态文字，含“推断”“示例，不得作为依据”等提示"}
    )
    illustrative = fields.Boolean(metadata={"description": "所引标准为示例数据，不得作为依据"})
    status_inferred = fields.Boolean(metadata={"description": "文件状态系据库中标准推断"})
    text_held = fields.Boolean(allow_none=True, metadata={"description": "库中是否有该文件全文"})
    doc_number = fields.String(allow_none=True)
    successor_doc_number = fields.String(allow_none=True, metadata={"description": "替代文件文号"})
    successor_title = fields.String(allow_none=True)
    message = fields.String()
    document_id = fields.Integer(allow_none=True)
    document_title = fields.String(allow_none=True)
    clause_path = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    successor_code = fields.String(allow_none=True)
    successor_version = fields.Integer(allow_none=True)
    citation = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)


class VerifyResultSchema(Schema):
    """Every citation found in the text, with counts by verdict."""

    total = fields.Integer(required=True)
    counts = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "各核查结果的数量"}
    )
    results = fields.List(fields.Nested(VerifiedCitationSchema), required=True)
