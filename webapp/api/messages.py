"""marshmallow's built-in validation messages, in Chinese.

marshmallow ships its messages in English only and has no translation hook: each field class
keeps them in ``default_error_messages`` (merged along the class hierarchy when a field is made)
and each validator in class attributes (``default_message``, ``message_min`` …). Setting those
class attributes once, before any schema is defined, gives every API client a Chinese message
for every parameter, without repeating ``error_messages=`` on each of the hundred fields.
:func:`install` is called by the package :mod:`webapp.api.schemas` on import, so before any of
its area modules defines a field.
"""

from __future__ import annotations

from typing import Any
from typing import NoReturn

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate
from webargs.flaskparser import FlaskParser
from webargs.flaskparser import abort

DATE_HINT = "请写成 YYYY-MM-DD，如 2024-05-09"

FIELD_MESSAGES: dict[type[fields.Field], dict[str, str]] = {
    fields.Field: {
        "required": "缺少必填项",
        "null": "不能为空",
        "validator_failed": "取值无效",
    },
    fields.Nested: {"type": "类型不对，应为对象"},
    fields.List: {"invalid": "应为列表"},
    fields.Tuple: {"invalid": "应为元组"},
    fields.String: {"invalid": "应为文本", "invalid_utf8": "不是有效的 UTF-8 文本"},
    fields.Number: {"invalid": "应为数字", "too_large": "数字太大"},
    fields.Integer: {"invalid": "应为整数，如 1、2、3"},
    fields.Float: {"special": "不能是 NaN 或无穷大"},
    fields.Decimal: {"special": "不能是 NaN 或无穷大"},
    fields.Boolean: {"invalid": "应为是或否（true/false）"},
    fields.DateTime: {
        "invalid": "不是有效的时间，请写成 YYYY-MM-DDTHH:MM:SS",
        "invalid_awareness": "时间的时区写法不对",
        "format": "无法按时间格式输出“{input}”",
    },
    fields.Date: {
        "invalid": f"不是有效的日期，{DATE_HINT}",
        "format": "无法按日期格式输出“{input}”",
    },
    fields.Mapping: {"invalid": "应为对象（键值对）"},
    fields.Url: {"invalid": "不是有效的网址"},
    fields.Email: {"invalid": "不是有效的电子邮件地址"},
    fields.Enum: {"unknown": "应为以下之一：{choices}"},
}

VALIDATOR_MESSAGES: dict[type[validate.Validator], dict[str, str]] = {
    validate.Range: {
        "message_min": "应{min_op} {{min}}",
        "message_max": "应{max_op} {{max}}",
        "message_all": "应{min_op} {{min}}，且{max_op} {{max}}",
        "message_gte": "大于或等于",
        "message_lte": "小于或等于",
        "message_gt": "大于",
        "message_lt": "小于",
    },
    validate.Length: {
        "message_min": "太短，至少 {min} 个字符（项）",
        "message_max": "太长，最多 {max} 个字符（项）",
        "message_all": "长度应在 {min} 到 {max} 之间",
        "message_equal": "长度应为 {equal}",
    },
    validate.OneOf: {"default_message": "应为以下之一：{choices}"},
    validate.Regexp: {"default_message": "格式不对"},
    validate.Equal: {"default_message": "应等于 {other}"},
    validate.Predicate: {"default_message": "取值无效"},
    validate.NoneOf: {"default_message": "取值无效"},
    validate.ContainsOnly: {"default_message": "有不在可选范围内的取值：{choices}"},
    validate.ContainsNoneOf: {"default_message": "有不允许的取值：{values}"},
    validate.URL: {"default_message": "不是有效的网址"},
    validate.Email: {"default_message": "不是有效的电子邮件地址"},
}

SCHEMA_MESSAGES = {"type": "请求内容的类型不对，应为 JSON 对象", "unknown": "不认识的参数"}


INVALID_JSON = '请求内容不是有效的 JSON（UTF-8 编码的对象，如 {"text": "…"}）'


def _invalid_json(_parser: FlaskParser, error: Exception, *_args: Any, **_kwargs: Any) -> NoReturn:
    """webargs' answer to a body that is not JSON, with its message in Chinese."""
    abort(400, exc=error, messages={"json": [INVALID_JSON]})


def install() -> None:
    """Put the Chinese messages on marshmallow's classes and webargs' parser (idempotent).

    webargs writes its one message of its own (a body that is not JSON) inline in
    ``FlaskParser._handle_invalid_json_error``; every parser here is a ``FlaskParser``.
    """
    FlaskParser._handle_invalid_json_error = _invalid_json  # type: ignore[method-assign]
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {
            **field_class.__dict__.get("default_error_messages", {}),
            **messages,
        }
    for validator_class, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator_class, name, message)
    Schema._default_error_messages = {**Schema._default_error_messages, **SCHEMA_MESSAGES}
