"""Every CSV we send neutralises cells that would start a formula (OWASP), and reading it back
gives the same values: the compare export, the audit export and the check report."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from bs4 import BeautifulSoup

from kb import standards
from kb.db import atomic
from kb.files.tables import read_table
from tests.factories import make_standard

FORMULA = '=HYPERLINK("http://example.com","点我")'


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def formula_standards(session):
    with atomic(session):
        standards.write(session, make_standard(code="QP-CQ-1", name=FORMULA, notes="@SUM(1+1)"))
        standards.write(
            session,
            make_standard(code="QP-CQ-2", name="+1+1", effective_from=dt.date(2024, 1, 1)),
        )


def test_the_compare_export_neutralises_formulas_and_reads_back(
    client, formula_standards, tmp_path
):
    response = client.get("/compare/export.csv?codes=QP-CQ-1,QP-CQ-2")
    assert response.status_code == 200
    cells = [cell for row in csv_rows(response.data) for cell in row]
    assert f"'{FORMULA}" in cells and "'+1+1" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
    path = tmp_path / "compare.csv"
    path.write_bytes(response.data)
    values = {value for _, row in read_table(path).rows for value in row.values()}
    assert {FORMULA, "+1+1"} <= values


def test_the_check_report_csv_neutralises_the_sheets_own_cells(client):
    page = BeautifulSoup(client.get("/check/").get_data(as_text=True), "html.parser")
    token = page.select_one('input[name="csrf_token"]')["value"]
    sheet = f'事项,数量,单价,备注\n会议费,2,500,"{FORMULA.replace(chr(34), chr(34) * 2)}"\n'
    response = client.post(
        "/check/",
        data={
            "file": (io.BytesIO(sheet.encode()), "budget.csv"),
            "region": "青浦区",
            "download": "csv",
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    cells = [cell for row in csv_rows(response.data) for cell in row]
    assert f"'{FORMULA}" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
