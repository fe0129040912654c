"""Tests for kb/tabular.py: CSV, XLSX and JSON tables as text, numbered like a spreadsheet."""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files import limits
from kb.files.cells import cell_text
from kb.files.cells import display_width
from kb.files.tables import Table
from kb.files.tables import neutralise_formula
from kb.files.tables import read_table
from kb.files.tables import restore_formula
from kb.files.tables import write_table
from kb.files.xlsx import read_xlsx_grids


def write_xlsx(path: Path, rows: dict[str, object]) -> Path:
    """A workbook whose first sheet has ``rows`` as {cell reference: value}."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for reference, value in rows.items():
        sheet[reference] = value
    workbook.save(path)
    return path


# -- CSV -------------------------------------------------------------------------------------

CSV_TEXT = '名称,标准值\r\n绿化养护,18.50\r\n道路保洁,"1,200"\r\n'
CSV_TABLE = Table(
    headers=("名称", "标准值"),
    rows=(
        (2, {"名称": "绿化养护", "标准值": "18.50"}),
        (3, {"名称": "道路保洁", "标准值": "1,200"}),
    ),
)


@pytest.mark.parametrize(
    "encoding",
    ["utf-8", "utf-8-sig", "gb18030"],
    ids=["utf-8", "utf-8 with BOM", "gb18030 (Excel on Chinese Windows)"],
)
def test_csv_is_read_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "standards.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))

    assert read_table(path) == CSV_TABLE


def test_csv_rows_are_numbered_as_in_a_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    text = '\n\na, b ,c\n1,"two\nlines",3\n,,\n4\n\n5,,6,\n'
    path.write_text(text, encoding="utf-8")

    assert read_table(path) == Table(
        headers=("a", "b", "c"),
        rows=(
            (4, {"a": "1", "b": "two\nlines", "c": "3"}),
            (6, {"a": "4", "b": "", "c": ""}),
            (8, {"a": "5", "b": "", "c": "6"}),
        ),
        header_row=3,
    )


def test_csv_data_under_a_blank_header_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,,b,,\n1,x,2,,\n3,,4,,y\n", encoding="utf-8")

    table = read_table(path)

    assert table.headers == ("a", "", "b", "", "")
    assert table.unnamed_columns == (2, 5)
    assert table.rows == ((2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"}))


def test_csv_repeated_header_keeps_first_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,a\n1,2\n", encoding="utf-8")

    assert read_table(path) == Table(headers=("a", "a"), rows=((2, {"a": "1"}),))


def test_empty_csv_is_an_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n")

    assert read_table(path) == Table(headers=(), rows=())


def test_undecodable_csv_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "乱码.csv"
    path.write_bytes(b"\x81\x20\xff\xfe\x80")

    with pytest.raises(InvalidInput, match="乱码.csv"):
        read_table(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="absent.csv"):
        read_table(tmp_path / "absent.csv")


# -- XLSX ------------------------------------------------------------------------------------


def test_xlsx_cells_become_text_without_float_damage(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "t.xlsx",
        {
            "B3": "name",
            "C3": "value",
            "D3": "date",
            "E3": "flag",
            "B4": "绿化",
            "C4": 18.5,
            "D4": dt.datetime(2024, 5, 9),
            "E4": True,
            "B6": "会议费",
            "C6": 760.0,
            "D6": dt.date(2016, 7, 1),
            "B7": "比例",
            "C7": 0.1,
            "D7": dt.datetime(2024, 5, 9, 8, 30),
            "E7": 42,
        },
    )

    assert read_table(path) == Table(
        headers=("", "name", "value", "date", "flag"),
        rows=(
            (4, {"name": "绿化", "value": "18.5", "date": "2024-05-09", "flag": "true"}),
            (6, {"name": "会议费", "value": "760", "date": "2016-07-01", "flag": ""}),
            (7, {"name": "比例", "value": "0.1", "date": "2024-05-09 08:30:00", "flag": "42"}),
        ),
        header_row=3,
    )


def test_xlsx_reads_only_the_first_sheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["a"])
    workbook.active.append(["first"])
    other = workbook.create_sheet("second")
    other.append(["b"])
    other.append(["second"])
    workbook.save(tmp_path / "t.xlsx")

    assert read_table(tmp_path / "t.xlsx") == Table(headers=("a",), rows=((2, {"a": "first"}),))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (18.5, "18.5"),
        (760.0, "760"),
        (0.1, "0.1"),
        (1e-05, "0.00001"),
        (1e16, "10000000000000000"),
        (-2.25, "-2.25"),
        (12, "12"),
        (Decimal("18.50"), "18.50"),
        (False, "false"),
        (dt.date(2024, 5, 9), "2024-05-09"),
        (dt.time(8, 30), "08:30:00"),
        (" 文本 ", " 文本 "),
    ],
)
def test_cell_text(value: object, expected: str) -> None:
    assert cell_text(value) == expected


def test_corrupt_xlsx_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")

    with pytest.raises(InvalidInput, match="坏文件.xlsx"):
        read_table(path)


# -- JSON ------------------------------------------------------------------------------------


def test_json_list_of_objects_keeps_number_literals(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        '[{"name": "绿化", "value": 18.50, "flag": true},'
        ' {"name": "会议费", "value": 760, "extra": null},'
        ' {"name": null},'
        ' {"name": "非数", "value": NaN}]',
        encoding="utf-8",
    )

    assert read_table(path) == Table(
        headers=("name", "value", "flag", "extra"),
        rows=(
            (2, {"name": "绿化", "value": "18.50", "flag": "true", "extra": ""}),
            (3, {"name": "会议费", "value": "760", "flag": "", "extra": ""}),
            (5, {"name": "非数", "value": "NaN", "flag": "", "extra": ""}),
        ),
    )


def test_json_standards_envelope(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"standards": [{"name": "x"}]}), encoding="utf-8")

    assert read_table(path) == Table(headers=("name",), rows=((2, {"name": "x"}),))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"name": "x"}', "对象数组"),
        ('[{"name": "x"}, 3]', "第2个元素不是对象"),
        ('[{"name": {"a": 1}}]', "第1个对象的“name”"),
        ('[{"name": "x",}]', "第1行第15列"),
    ],
)
def test_bad_json_is_invalid_input(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(InvalidInput, match=message) as raised:
        read_table(path)
    assert "bad.json" in raised.value.message


# -- extensions --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["t.xls", "t.txt", "noext"])
def test_unsupported_extension(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnsupportedFile, match="不支持的文件类型"):
        read_table(tmp_path / name)
    with pytest.raises(UnsupportedFile):
        write_table(tmp_path / name, ["a"], [])


def test_xls_gets_a_hint(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="另存为 .xlsx"):
        read_table(tmp_path / "旧格式.XLS")


def test_extension_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "T.CSV"
    path.write_text("a\n1\n", encoding="utf-8")

    assert read_table(path) == Table(headers=("a",), rows=((2, {"a": "1"}),))


# -- writing ---------------------------------------------------------------------------------

HEADERS = ["标准名称", "标准值", "备注"]
ROWS = [
    {"标准名称": "公共绿地一级养护", "标准值": "18.50", "备注": "=不是公式"},
    {"标准名称": "会议费", "标准值": "760", "备注": ""},
]


def test_csv_is_written_with_a_byte_order_mark(tmp_path: Path) -> None:
    """…and a cell that would start a formula gets a leading quote (OWASP)."""
    path = tmp_path / "out.csv"
    write_table(path, HEADERS, ROWS)

    assert path.read_bytes().startswith(b"\xef\xbb\xbf\xe6\xa0\x87")
    assert path.read_bytes().decode("utf-8-sig") == (
        "标准名称,标准值,备注\r\n公共绿地一级养护,18.50,'=不是公式\r\n会议费,760,\r\n"
    )


def test_xlsx_is_written_as_text_with_a_bold_frozen_header(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_table(path, HEADERS, ROWS)

    sheet = openpyxl.load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert [(c.value, c.data_type) for c in sheet[2]] == [
        ("公共绿地一级养护", "s"),
        ("18.50", "s"),
        ("=不是公式", "s"),
    ]
    # XlsxWriter stores the width Excel shows plus its cell padding (18 → 18.7109375).
    assert int(sheet.column_dimensions["A"].width) == 18
    assert int(sheet.column_dimensions["B"].width) == 8


def test_json_is_written_as_objects_with_nulls(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_table(path, HEADERS, ROWS)

    assert "公共绿地一级养护" in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == [
        {"标准名称": "公共绿地一级养护", "标准值": "18.50", "备注": "=不是公式"},
        {"标准名称": "会议费", "标准值": "760", "备注": None},
    ]


def test_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    for name in ("out.csv", "out.xlsx", "out.json"):
        write_table(tmp_path / name, HEADERS, ROWS)
        write_table(tmp_path / name, HEADERS, ROWS)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.json", "out.xlsx"]


def test_unwritable_path_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="无法写入文件"):
        write_table(tmp_path / "no-such-folder" / "out.csv", HEADERS, ROWS)


@pytest.mark.parametrize(("text", "width"), [("", 0), ("abc", 3), ("绿化a", 5), ("a\n绿化养护", 8)])
def test_display_width(text: str, width: int) -> None:
    assert display_width(text) == width


# -- round trip --------------------------------------------------------------------------------

# Text a spreadsheet keeps as typed: no control characters (XLSX cannot hold most of them and
# XML folds a carriage return into a line feed).
cell_texts = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\r") | st.just("\n"),
    max_size=12,
)
header_texts = cell_texts.map(str.strip).filter(bool)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    headers = draw(st.lists(header_texts, min_size=1, max_size=4, unique=True))
    rows = draw(
        st.lists(
            st.fixed_dictionaries({h: cell_texts for h in headers}).filter(
                lambda row: any(v.strip() for v in row.values())
            ),
            max_size=4,
        )
    )
    return headers, rows


@pytest.mark.parametrize("extension", [".csv", ".xlsx", ".json"])
@settings(max_examples=40, deadline=None)
@given(table=tables())
def test_written_tables_read_back_unchanged(
    extension: str, table: tuple[list[str], list[dict[str, str]]]
) -> None:
    headers, rows = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"t{extension}"
        write_table(path, headers, rows)

        read = read_table(path)

    if rows or extension != ".json":  # a JSON file without objects has no keys
        assert read.headers == tuple(headers)
    assert [cells for _, cells in read.rows] == rows
    assert [number for number, _ in read.rows] == list(range(2, len(rows) + 2))


SHEET_XML = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>{}</sheetData></worksheet>"
)


@pytest.mark.parametrize(
    "row",
    [
        # A decoy reference in the text, the real one in single quotes.
        """<row r="1"><c r='ALL200000' t="inlineStr"><is><t> r="A1"</t></is></c></row>""",
        # A ">" inside another attribute before the reference.
        '<row r="1"><c xml:space=">" r="CV60000"><v>1</v></c></row>',
    ],
)
def test_a_sheet_naming_a_far_cell_is_refused_before_it_is_read(row):
    from kb.files.xlsx import _scan_sheet

    with pytest.raises(InvalidInput, match="工作表过大"):
        _scan_sheet(SHEET_XML.format(row).encode(), Path("预算.xlsx"))


def test_the_scan_places_cells_without_references_and_keeps_error_text():
    from kb.files.xlsx import _scan_sheet

    rows = (
        '<row r="2"><c r="B2"><v>1</v></c><c t="e"><v>#DIV/0!</v></c></row>'
        '<row><c><v>2</v></c><c r="E3" t="e"/></row>'
    )
    scan = _scan_sheet(SHEET_XML.format(rows).encode(), Path("预算.xlsx"))

    assert (scan.rows, scan.columns) == (3, 5)
    assert scan.errors == {(1, 2): "#DIV/0!"}


# -- formulas in CSV (OWASP "CSV Injection") and the limits of a request ----------------------

FORMULAS = [
    '=HYPERLINK("http://example.com","点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1",
    "'=1",
    "''+2",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_csv_cells_that_would_start_a_formula_are_written_inert(tmp_path, text):
    path = tmp_path / "out.csv"
    write_table(path, ["name"], [{"name": text}])
    written = path.read_text(encoding="utf-8-sig").splitlines()[1]
    assert written.lstrip('"').startswith("'")
    assert read_table(path).rows[0][1]["name"] == text


@pytest.mark.parametrize("text", ["-12.5", "18.50", "+3", "O'Neil", "'quoted'", "普通文字"])
def test_numbers_and_ordinary_text_are_written_as_they_are(tmp_path, text):
    path = tmp_path / "out.csv"
    write_table(path, ["name"], [{"name": text}])
    assert path.read_text(encoding="utf-8-sig").splitlines()[1].strip('"') == text
    assert read_table(path).rows[0][1]["name"] == text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r0123.a 文"), max_size=8))
def test_neutralising_a_formula_is_undone_exactly(text):
    assert restore_formula(neutralise_formula(text)) == text
    if not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", text):  # a plain number is no formula
        assert not neutralise_formula(text).startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_sheet_over_the_row_limit_is_refused_before_it_is_read_whole(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("事项,数量\n" + "保洁,1\n" * 200_000, encoding="utf-8")
    with limits.bounded(limits.REQUEST_LIMITS), pytest.raises(InvalidInput) as refused:
        read_table(path)
    assert "超过 12000 行的上限" in refused.value.message
    assert len(read_table(path).rows) == 200_000  # the kb command allows more


def test_a_cell_over_the_character_limit_is_refused_with_its_row_and_column(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("名称,备注\n甲,短\n乙," + "长" * 10_001 + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_table(path)
    assert refused.value.details == {"file": "long.csv", "row": 3, "column": 2, "limit": 10_000}


def test_a_json_table_over_the_row_limit_is_refused(tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"名称": "甲"}] * 12_001), encoding="utf-8")
    with limits.bounded(limits.REQUEST_LIMITS), pytest.raises(InvalidInput):
        read_table(path)


def test_json_nested_too_deeply_is_refused_not_a_crash(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        read_table(path)
    assert "嵌套过深" in refused.value.message


def test_an_xlsx_sheet_over_the_row_limit_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "big.xlsx", {"A1": "事项", "A12001": "保洁", "A12002": "保洁"})
    with limits.bounded(limits.REQUEST_LIMITS), pytest.raises(InvalidInput) as refused:
        read_xlsx_grids(path.read_bytes(), "big.xlsx")
    assert "超过 12000 行" in refused.value.message
    with limits.bounded(limits.REQUEST_LIMITS), pytest.raises(InvalidInput):
        read_table(path)
