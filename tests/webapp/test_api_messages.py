"""webapp.api.messages: every validation message an API client meets is Chinese."""

import pytest


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field", "message"),
    [
        (
            "get",
            "/search?on=2015-13-45",
            {},
            "on",
            "不是有效的日期，请写成 YYYY-MM-DD，如 2024-05-09",
        ),
        ("get", "/search?page=x", {}, "page", "应为整数，如 1、2、3"),
        ("get", "/search?per_page=1000", {}, "per_page", "应大于或等于 1，且小于或等于 100"),
        (
            "get",
            "/search?kind=quota",
            {},
            "kind",
            "应为以下之一：public_service, cost_quota, expenditure",
        ),
        ("get", "/search?q=" + "字" * 201, {}, "q", "太长，最多 200 个字符（项）"),
        ("post", "/verify", {"json": {}}, "text", "缺少必填项"),
        ("post", "/verify", {"json": {"text": "x", "extra": 1}}, "extra", "不认识的参数"),
        ("post", "/verify", {"json": [1]}, "_schema", "请求内容的类型不对，应为 JSON 对象"),
        (
            "post",
            "/verify",
            {"data": "{", "content_type": "application/json"},
            "json",
            '请求内容不是有效的 JSON（UTF-8 编码的对象，如 {"text": "…"}）',
        ),
    ],
)
def test_validation_messages_are_chinese(api, method, path, kwargs, field, message):
    body = api(method, path, 400, **kwargs)

    assert body["error"]["code"] == "invalid_parameters"
    assert body["error"]["details"][field] == [message]
