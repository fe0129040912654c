"""The JSON API fuzzed from its own OpenAPI document (schemathesis): no 5xx, documented answers.

Read routes run against the shared corpus instance, write routes against a fresh instance with
an API token of the role each route needs. Each operation gets a bounded number of generated
requests, valid ones and invalid ones, derandomised so that a failure reproduces; the checks
are that no answer is a server error and that every answer matches the schema the document
declares for its status.

What the fuzzing found (decimals documented as numbers, datetimes without an offset, and server
errors on keys that look like numbers) is fixed; the tests at the end keep it fixed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from kb import standards
from kb.accounts import tokens
from kb.db import atomic
from tests.factories import make_standard

OPENAPI = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # The app and its tokens are made once per test, not per example: that is intended. Some
    # operations have little to make invalid (a path with one string): negative cases are rare.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
#: The account whose token each write route is fuzzed with (the role it needs).
WRITERS = {
    ("POST", "/api/v1/standards"): "朱编辑",
    ("PUT", "/api/v1/standards/{code}"): "朱编辑",
    ("POST", "/api/v1/standards/{code}/status"): "审核员",
    ("POST", "/api/v1/standards/import"): "审核员",
    ("GET", "/api/v1/audit"): "管理员",
}
#: Records that exist, so that routes with a path parameter also go past "not found".
CORPUS_KEYS = {"code": "QP-CQ-0011", "key": "qingpu-2024-cost-budget-performance-plan"}
SEEDED_CODE = "ZJJ-CQ-1"


def is_write(ctx) -> bool:
    return (ctx.operation.method.upper(), ctx.operation.path) in WRITERS


def load_schema(app):
    """The app's OpenAPI document, with the known disagreements replaced by what is sent."""
    document = app.test_client().get(OPENAPI).get_json()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = app
    return schema


@pytest.fixture(scope="module")
def read_schema(corpus_app):
    return load_schema(corpus_app).exclude(is_write)


@pytest.fixture
def write_schema(app, session, cast):
    with atomic(session):
        standards.write(session, make_standard(code=SEEDED_CODE, region="朱家角镇"))
    return load_schema(app).include(is_write)


@pytest.fixture
def bearer(session, cast):
    """The ``Authorization`` header of each writer, by account name."""
    headers = {}
    with atomic(session):
        for name in sorted(set(WRITERS.values())):
            _, secret = tokens.create_token(session, name)
            headers[name] = {"Authorization": f"Bearer {secret}"}
    return headers


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_read_routes(read_schema, mode):
    fuzz(read_schema, mode=mode)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_read_routes_on_records_that_exist(read_schema, mode):
    fuzz(read_schema.include(path_regex=r"\{"), mode=mode, path_parameters=CORPUS_KEYS)


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
def test_write_routes(write_schema, bearer, mode):
    fuzz(
        write_schema,
        mode=mode,
        headers_for=lambda operation: bearer[WRITERS[(operation.method.upper(), operation.path)]],
        path_parameters={"code": SEEDED_CODE},
    )


def fuzz(schema, *, mode: GenerationMode, headers_for=None, path_parameters=None) -> None:
    """Fuzz every operation of ``schema``; report every failing operation, not just the first.

    ``schemathesis.pytest.from_fixture`` would make one subtest per operation, but with
    pytest 9.2 it fails on ``request.node._nodeid`` (schemathesis 4.32.5), so each operation's
    strategy is driven by Hypothesis here.
    """
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    for operation in operations:
        fixed = {
            "headers": headers_for(operation) if headers_for else None,
            "path_parameters": path_parameters if "{" in operation.path else None,
        }
        try:
            fuzz_operation(operation, mode, **fixed)
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, operation.label  # nothing to make invalid
        except Exception as failure:  # noqa: BLE001 - every operation's failure is reported
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)


def fuzz_operation(operation, mode: GenerationMode, **fixed: Any) -> None:
    @FUZZ
    @given(case=operation.as_strategy(mode, **fixed))
    def check(case) -> None:
        case.call_and_validate(headers=fixed["headers"], checks=CHECKS)

    check()


# -- what the fuzzing found, kept as regressions ----------------------------------------------


def test_decimals_are_documented_as_the_strings_they_are_sent_as(corpus_client):
    document = corpus_client.get(OPENAPI).get_json()
    sent = corpus_client.get("/api/v1/standards/QP-CQ-0011").get_json()["value"]
    documented = document["components"]["schemas"]["Standard"]["properties"]["value"]

    assert isinstance(sent, str)
    assert {"string"} == {d["type"] for d in documented.get("anyOf", [documented])} - {"null"}


def test_datetimes_are_sent_with_an_offset(corpus_client):
    created_at = corpus_client.get("/api/v1/standards/QP-CQ-0011").get_json()["created_at"]

    assert dt.datetime.fromisoformat(created_at).tzinfo is not None


# -- server errors found while fuzzing, fixed and kept as regressions ---------------------------------------

#: Keys that ``str.isdigit()`` takes for a number but ``int()`` or the database do not.
DIGIT_TRAPS = ["²", "9" * 20, "9" * 5000]


@pytest.mark.parametrize("key", DIGIT_TRAPS, ids=["superscript", "20 digits", "5000 digits"])
@pytest.mark.parametrize("route", ["/api/v1/documents/{}", "/api/v1/cite/document/{}"])
def test_document_keys_that_look_like_numbers_are_not_found(corpus_client, route, key):
    response = corpus_client.get(route.format(key))

    assert response.status_code == 404


@pytest.mark.parametrize("row", ["²", "9" * 5000], ids=["superscript", "5000 digits"])
def test_check_overrides_with_odd_row_numbers_are_invalid(corpus_client, row):
    body = {"lines": [{"item": "保洁", "amount": 1}], "region": "青浦区", "overrides": {row: "X"}}

    response = corpus_client.post("/api/v1/check", json=body)

    assert response.status_code == 400
