import datetime as dt
from decimal import Decimal

from kb import standards
from kb.vocab import Status
from tests.factories import make_standard


def test_standard_is_returned_with_exact_value_and_labels(session, api):
    standards.write(session, make_standard())
    session.commit()

    body = api("get", "/standards/QP-CQ-0012")

    assert body["code"] == "QP-CQ-0012"
    assert body["version"] == 1
    assert body["value"] == "18.50"
    assert body["unit"] == "元/平方米·年"
    assert (body["kind_label"], body["level_label"], body["status_label"]) == (
        "成本定额标准",
        "区级",
        "现行有效",
    )
    assert body["verified"] is False


def test_version_on_and_version_number_select_the_right_row(session, api):
    standards.write(
        session,
        make_standard(
            effective_from=dt.date(2014, 1, 1),
            effective_to=dt.date(2015, 12, 31),
            status=Status.SUPERSEDED,
        ),
    )
    standards.write(
        session, make_standard(value=Decimal("20.00"), effective_from=dt.date(2016, 1, 1))
    )
    session.commit()

    assert api("get", "/standards/QP-CQ-0012")["value"] == "20.00"
    assert api("get", "/standards/QP-CQ-0012?on=2015-06-01")["value"] == "18.50"
    assert api("get", "/standards/QP-CQ-0012?version=1")["version"] == 1
    api("get", "/standards/QP-CQ-0012?on=2013-06-01", 404)


def test_versions_lists_history_with_changes(session, api):
    standards.write(session, make_standard())
    standards.write(session, make_standard(value=Decimal("19.20")))
    session.commit()

    body = api("get", "/standards/QP-CQ-0012/versions")

    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["versions"][1]["changes"] == [
        {"field": "value", "label": "标准值", "before": "18.50", "after": "19.20"}
    ]


def test_read_routes_carry_an_etag_and_answer_304(session, client):
    standards.write(session, make_standard())
    session.commit()

    first = client.get("/api/v1/standards/QP-CQ-0012")
    again = client.get(
        "/api/v1/standards/QP-CQ-0012", headers={"If-None-Match": first.headers["ETag"]}
    )

    assert first.status_code == 200 and first.headers["ETag"]
    assert again.status_code == 304
