"""kb.files.xlsx: the one module that touches the XLSX libraries, with one writer."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl

from kb.files.xlsx import new_workbook
from kb.files.xlsx import read_xlsx_grids


def test_reading_and_writing_tables_imports_no_other_xlsx_library():
    probe = (
        "import sys, kb.files.tables, kb.budget.sheet, kb.budget.report\n"
        "print(sorted(m for m in ('openpyxl', 'xlsxwriter', 'python_calamine') if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split("\n")[0]
    assert found == "['python_calamine', 'xlsxwriter']"


def test_a_new_workbook_keeps_text_that_looks_like_a_formula_number_or_link_as_text():
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    sheet = workbook.add_worksheet()
    for column, text in enumerate(["=1+1", "0012", "http://example.com", "@SUM(A1)"]):
        sheet.write(0, column, text)
    workbook.close()

    cells = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active[1]
    assert [(c.value, c.data_type) for c in cells] == [
        ("=1+1", "s"),
        ("0012", "s"),
        ("http://example.com", "s"),
        ("@SUM(A1)", "s"),
    ]
    assert read_xlsx_grids(buffer.getvalue(), "x.xlsx") == [
        [(1, ["=1+1", "0012", "http://example.com", "@SUM(A1)"])]
    ]
