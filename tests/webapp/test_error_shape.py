"""Every API error has one shape: ``{"error": {"code": str, "message": str, "details": any}}``.

The status is a 4xx that fits the problem; the message is Chinese. A 500 would be a bug.
"""

import pytest


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/nope", 404, "not_found"),
        ("/api/v1/standards/NOPE", 404, "not_found"),
        ("/api/v1/standards/NOPE/versions", 404, "not_found"),
        ("/api/v1/documents/nope", 404, "not_found"),
        ("/api/v1/documents/999", 404, "not_found"),
        ("/api/v1/search?kind=bogus", 400, "invalid_parameters"),
        ("/api/v1/search?page=0", 400, "invalid_parameters"),
        ("/api/v1/search?per_page=1000", 400, "invalid_parameters"),
        ("/api/v1/search?on=2024-13-01", 400, "invalid_parameters"),
        ("/api/v1/search?type=person", 400, "invalid_parameters"),
        ("/api/v1/standards?level=galaxy", 400, "invalid_parameters"),
        ("/api/v1/standards/X?version=abc", 400, "invalid_parameters"),
    ],
)
def test_read_errors(client, path, status, code):
    assert_error(client.get(path), status, code)


def test_wrong_method_is_405_in_the_same_shape(client):
    assert_error(client.delete("/api/v1/search"), 405, "method_not_allowed")


def test_invalid_parameters_name_the_field(client):
    error = assert_error(client.get("/api/v1/search?kind=bogus&page=0"), 400, "invalid_parameters")
    assert set(error["details"]) == {"kind", "page"}


def test_a_missing_standard_names_the_code(client):
    error = assert_error(client.get("/api/v1/standards/QP-X-1"), 404, "not_found")
    assert "QP-X-1" in error["message"]
    assert error["details"] == {"code": "QP-X-1"}


def test_pages_show_errors_as_html_not_json(client):
    response = client.get("/standards/NOPE")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "没有编号为 NOPE 的标准" in response.get_data(as_text=True)
