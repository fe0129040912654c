"""The standards interchange file (DESIGN §4): columns, Chinese headers, row ↔ record.

A file is checked as a whole and taken all or nothing: :func:`parse_rows` either returns every
record or raises :class:`~kb.errors.ImportRejected` listing every problem it found, by row and
by the column's Chinese header. Export writes the same columns with Chinese headers and labels,
so that a file exported and imported again gives back exactly the same records.

The columns are the fields of :data:`kb.fields.FIELDS` that the file holds; a cell is read by its
field's type, and only fields with rules of their own (the code, the region, the figure, the
period, 成本构成, 已核实) have readers here.

It stays whole (about 500 lines): the columns, reading a row and writing one are the two
directions of one format, and the round trip (export, import, the same records) holds only while
they change together in one place.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from decimal import Decimal
from decimal import InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from typing import TypeVar

from kb.amounts import check_figure
from kb.errors import ImportRejected
from kb.errors import InvalidInput
from kb.errors import RowProblem
from kb.fields import FIELD
from kb.fields import FILE_FIELDS
from kb.fields import Field
from kb.fields import Need
from kb.fields import Type
from kb.files.cells import clean_text
from kb.files.cells import field_text
from kb.files.cells import parse_date
from kb.files.cells import parse_flag
from kb.files.rows import Columns
from kb.files.rows import RowReader
from kb.files.tables import Table
from kb.files.tables import read_table
from kb.files.tables import write_table
from kb.records import StandardRecord
from kb.regions import canonical_region
from kb.vocab import Kind
from kb.vocab import LabelledEnum

#: The interchange columns in file order: the fields of :data:`kb.fields.FIELDS` the file holds.
COLUMNS: tuple[Field, ...] = FILE_FIELDS
#: A column of the file is a field's description (its ``key``, ``header``, ``need``, ``note``).
Column = Field

_COLUMNS: Columns[Field] = Columns(COLUMNS)
#: Column key → Chinese header, the name used for a column in every message.
HEADERS: dict[str, str] = _COLUMNS.headers

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,2})?"
)
_FULLWIDTH_PUNCTUATION = str.maketrans({"：": ":", "；": ";", "％": "%"})

E = TypeVar("E", bound=LabelledEnum)


#: A file names few regions in many rows; the rule is pure, so each is worked out once.
_canonical_region = lru_cache(maxsize=4096)(canonical_region)

# -- reading ---------------------------------------------------------------------------------


def read_standards(path: Path) -> list[StandardRecord]:
    """Read a standards file (.csv, .xlsx or .json) and validate it as a whole.

    :raises ImportRejected: anything is wrong anywhere; every problem is listed.
    :raises UnsupportedFile: the extension is not one of .csv, .xlsx, .json.
    :raises InvalidInput: the file cannot be read at all, or holds no standard.
    """
    path = Path(path)
    return records_in(read_table(path), path.name)


def records_in(table: Table, name: str) -> list[StandardRecord]:
    """The records of a standards table already read from the file ``name``, as
    :func:`read_standards` gives them.

    :raises ImportRejected: anything is wrong anywhere; every problem is listed.
    :raises InvalidInput: the table holds no standard.
    """
    records = parse_rows(table, source=name)
    if not records:
        # An empty file is a mistake (a wrong export, a file saved before it was filled), not
        # "nothing to do": the person who imports it must hear that nothing was read.
        what = "只有表头，没有数据行" if table.headers else "文件是空的，没有表头也没有数据行"
        raise InvalidInput(f"文件 {name} 中没有标准：{what}", {"file": name})
    return records


def parse_rows(table: Table, source: str) -> list[StandardRecord]:
    """Turn a table into records, or raise :class:`ImportRejected` listing every problem.

    A table with neither header nor rows (an empty file, an empty JSON list) holds no standards.
    """
    if not table.headers and not table.rows:
        return []
    layout, problems = _COLUMNS.read_header(table, _REQUIRED)
    records: list[StandardRecord] = []
    versions = _Versions()
    for number, cells in table.rows:
        values = {key: cells[header] for header, key in layout.items()}
        row = _RowReader(_COLUMNS, number, values, present=set(layout.values()))
        record = _parse_row(row)
        versions.add(row)
        problems.extend(row.problems)
        if record is not None and not row.problems:
            records.append(record)
    problems.extend(versions.problems())
    if problems:
        raise ImportRejected(source, sorted(problems, key=lambda p: p.row))
    return in_date_order(records)


def in_date_order(records: list[StandardRecord]) -> list[StandardRecord]:
    """``records`` in file order, except that the versions of one code follow their start dates.

    A history table lists several versions of a code; each is imported after the one it replaced,
    wherever the rows stand in the file. Records without a code keep their places.
    """
    places: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        if record.code is not None:
            places.setdefault(record.code, []).append(index)
    ordered = list(records)
    for indexes in places.values():
        if len(indexes) > 1:
            by_date = sorted((records[i] for i in indexes), key=_start)
            for index, record in zip(indexes, by_date, strict=True):
                ordered[index] = record
    return ordered


def _start(record: StandardRecord) -> dt.date:
    return record.effective_from or dt.date.min


class _Versions:
    """The rows of each code: one code may appear once per version, each with its own start date."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[int, dt.date | None]]] = {}

    def add(self, row: _RowReader) -> None:
        """Note the row's code and start date; the same code starting the same day is a problem."""
        code = clean_text(row.values.get("code", ""))
        if code is None or not CODE_PATTERN.fullmatch(code):
            return
        try:
            start = parse_date(row.values.get("effective_from", "") or "")
        except InvalidInput:
            start = None
        earlier = self.rows.setdefault(code, [])
        same = next((n for n, day in earlier if day == start), None)
        if same is not None:
            when = start.isoformat() if start else "未填写"
            row.problem(
                "code",
                f"标准编号“{code}”与第{same}行重复，且生效日期相同（{when}）："
                "同一编号的多个版本须有不同的生效日期；更正同一版本请直接修改原行",
            )
        earlier.append((row.number, start))

    def problems(self) -> list[RowProblem]:
        """A version without a start date among several versions of its code cannot be ordered."""
        found = []
        for code, rows in self.rows.items():
            if len(rows) > 1:
                for number, day in rows:
                    if day is None and sum(d is None for _, d in rows) == 1:
                        found.append(
                            RowProblem(
                                number,
                                HEADERS["effective_from"],
                                f"标准编号“{code}”在文件中有多个版本，每个版本须填写生效日期，"
                                "以便按日期先后导入",
                            )
                        )
        return found


def column_for(header: str) -> Column | None:
    """The column a header names: its Chinese header, or its key in any letter case."""
    return _COLUMNS.named(header)


class _RowReader(RowReader):
    """A standards row: the cell readers of the standards' own rules besides the shared ones."""

    def region(self) -> str | None:
        """The region's canonical name (:func:`kb.regions.canonical_region`)."""
        text = self.text("region", required=True)
        if text is None:
            return None
        try:
            return _canonical_region(text)
        except InvalidInput as exc:
            self.problem("region", exc.message)
            return None

    def choice(self, enum: type[E], key: str, *, required: bool = False) -> E | None:
        """A vocabulary member given by key or Chinese label."""
        if required and clean_text(self.values.get(key, "")) is None:
            self.text(key, required=True)
            return None
        return self.parsed(key, enum.parse)

    def amount(self, key: str) -> Decimal | None:
        """A non-negative decimal, kept with the digits given."""
        number = self.parsed(key, parse_decimal)
        if number is not None and number < 0:
            self.problem(key, f"不能为负数：{format(number, 'f')}")
            return None
        return number


def _parse_row(row: _RowReader) -> StandardRecord | None:
    """Read one row in column order; None when it has problems (they are in ``row.problems``).

    Each cell is read by its field's type (:func:`_read_cell`); the fields with rules of their
    own (:data:`_READERS`) are read by those, some together with the fields they depend on.
    """
    values: dict[str, Any] = {}
    for name, column, read in _PLAN:
        if name in values:
            continue  # read with the field it depends on
        if read is None:
            values[name] = _read_cell(row, column)
        else:
            values.update(read(row, values))
    if row.problems or any(values[key] is None for key in _REQUIRED):
        return None  # a missing required column is reported once, in the header
    return StandardRecord(**values)


def _read_cell(row: _RowReader, column: Field) -> Any:
    """A cell read by its field's type; the field's default when empty."""
    key, required = column.name, column.need is Need.REQUIRED
    value: Any
    if column.type is Type.TEXT:
        value = row.text(key, required=required)
    elif column.type is Type.CHOICE:
        assert column.choices is not None
        value = row.choice(column.choices, key, required=required)
    elif column.type is Type.DECIMAL:
        value = row.amount(key)
    elif column.type is Type.DATE:
        value = row.parsed(key, parse_date)
    elif column.type is Type.FLAG:
        value = row.parsed(key, parse_flag)
    else:  # pragma: no cover - a file column of another type needs a reader of its own
        raise TypeError(f"no cell reader for {column.type} ({key})")
    return column.default if value is None else value


def _read_code(row: _RowReader, _read: Mapping[str, Any]) -> dict[str, Any]:
    code = row.text("code")
    if code is not None and not CODE_PATTERN.fullmatch(code):
        row.problem(
            "code",
            f"“{code}”不是有效的标准编号：须以字母或数字开头，"
            "只含字母、数字、点、下划线和连字符，最长 64 个字符",
        )
        code = None
    return {"code": code}


def _read_region(row: _RowReader, _read: Mapping[str, Any]) -> dict[str, Any]:
    return {"region": row.region()}


def _read_components(row: _RowReader, _read: Mapping[str, Any]) -> dict[str, Any]:
    return {"components": row.parsed("components", parse_components)}


def _read_verified(row: _RowReader, read: Mapping[str, Any]) -> dict[str, Any]:
    verified = _read_cell(row, FIELD["verified"])
    if verified and read["source"] is None:
        row.problem("verified", "标为已核实的标准须在“来源”中写明核对的原件")
    return {"verified": verified}


def _read_figure(row: _RowReader, read: Mapping[str, Any]) -> dict[str, Any]:
    """Unit, value and upper bound, with the rules that tie them to the kind and to each other."""
    kind: Kind | None = read["kind"]
    needs_value = kind is not None and kind.needs_value
    unit = row.text("unit")
    if needs_value and unit is None and not row.has_problem("unit"):
        row.problem("unit", f"{kind.label}必须填写计量单位")
    value = row.amount("value")
    if needs_value and value is None and not row.has_problem("value"):
        row.problem("value", f"{kind.label}必须填写标准值")
    value_max = row.amount("value_max")
    if value_max is not None and value is None and not row.has_problem("value"):
        row.problem("value_max", "填写上限时须同时填写标准值（区间下限）")
    elif value_max is not None and value is not None and value_max < value:
        row.problem("value_max", f"上限 {format(value_max, 'f')} 小于标准值 {format(value, 'f')}")
    return {"unit": unit, "value": value, "value_max": value_max}


def _read_period(row: _RowReader, _read: Mapping[str, Any]) -> dict[str, Any]:
    effective_from = row.parsed("effective_from", parse_date)
    effective_to = row.parsed("effective_to", parse_date)
    if effective_from and effective_to and effective_to < effective_from:
        row.problem(
            "effective_to",
            f"失效日期 {effective_to.isoformat()} 早于生效日期 {effective_from.isoformat()}",
        )
    return {"effective_from": effective_from, "effective_to": effective_to}


#: The fields read by rules of their own, each reader given the values read so far (the figure
#: needs the kind, 已核实 the source) and returning the fields it read.
_READERS: dict[str, Callable[[_RowReader, Mapping[str, Any]], dict[str, Any]]] = {
    "code": _read_code,
    "region": _read_region,
    "unit": _read_figure,
    "components": _read_components,
    "effective_from": _read_period,
    "verified": _read_verified,
}
#: Each column with its own reader, if it has one, in file order.
_PLAN = tuple((column.name, column, _READERS.get(column.name)) for column in COLUMNS)
_REQUIRED = tuple(column.key for column in COLUMNS if column.need is Need.REQUIRED)


# -- cell parsers ----------------------------------------------------------------------------


def parse_decimal(text: str) -> Decimal:
    """A decimal as written: ``1,200``, `` 18.50 ``, full-width digits; keeps the digits given.

    :raises InvalidInput: not a plain number (``abc``, ``NaN``, ``Infinity``, ``1.2.3``), or one
        outside the figure rule (:mod:`kb.amounts`: too many integer digits or decimal places).
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not _NUMBER.fullmatch(cleaned):
        raise InvalidInput(f"“{text.strip()}”不是有效的数值")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid numbers
        raise InvalidInput(f"“{text.strip()}”不是有效的数值") from exc
    # Before the digits are written out: "1e999999999" would be a billion characters.
    check_figure(number, label=_shown(text.strip()))
    if "e" in cleaned.lower():
        number = Decimal(format(number, "f"))  # 1e3 is stored as 1000, not as 1E+3
    return number.copy_abs() if number == 0 else number


def _shown(text: str) -> str:
    """A cell's text for a message, cut to 20 characters so a huge one is not echoed whole."""
    return text if len(text) <= 20 else f"{text[:12]}…（共 {len(text)} 个字符）"


def parse_components(text: str) -> str | None:
    """Normalise 成本构成 to ``人工费:12.3;材料费:4.1`` or ``人工费:60%;材料费:25%``.

    Full-width ``：`` ``；`` ``％`` and line breaks are accepted; amounts keep their digits.

    :raises InvalidInput: an entry without ``名称:数值``, amounts mixed with shares, a name twice,
        a negative figure, or shares adding up to more than 100%.
    """
    entries = [_parse_component(entry) for entry in _component_entries(text)]
    if not entries:
        return None
    if len({is_share for _, _, is_share in entries}) > 1:
        raise InvalidInput("成本构成不能混用金额和比例，请全部写金额或全部写百分比")
    names = [name for name, _, _ in entries]
    repeated = next((name for name in names if names.count(name) > 1), None)
    if repeated:
        raise InvalidInput(f"成本构成“{repeated}”重复出现")
    if entries[0][2]:
        total = sum((share for _, share, _ in entries), Decimal(0))
        if total > 100:
            raise InvalidInput(f"成本构成各项比例合计 {format(total, 'f')}%，超过 100%")
    return ";".join(
        f"{name}:{format(number, 'f')}{'%' if is_share else ''}"
        for name, number, is_share in entries
    )


def _component_entries(text: str) -> list[str]:
    normalised = text.translate(_FULLWIDTH_PUNCTUATION)
    return [entry.strip() for entry in re.split(r"[;\n]", normalised) if entry.strip()]


def _parse_component(entry: str) -> tuple[str, Decimal, bool]:
    name, colon, figure = (part.strip() for part in entry.partition(":"))
    if not colon or not name or not figure:
        raise InvalidInput(f"成本构成“{entry}”应写作“名称:金额”或“名称:比例%”")
    is_share = figure.endswith("%")
    try:
        number = parse_decimal(figure.removesuffix("%"))
    except InvalidInput as exc:
        if exc.details and "rule" in exc.details:
            raise InvalidInput(f"成本构成“{entry}”：{exc.message}", exc.details) from exc
        raise InvalidInput(f"成本构成“{entry}”中的“{figure}”不是有效的金额或比例") from exc
    if number < 0:
        raise InvalidInput(f"成本构成“{entry}”不能为负数")
    return name, number, is_share


# -- writing ---------------------------------------------------------------------------------


def record_to_row(record: StandardRecord) -> dict[str, str]:
    """A record as interchange cells keyed by column key: labels in Chinese, exact decimals."""
    return {column.key: field_text(getattr(record, column.key)) for column in COLUMNS}


def write_standards(
    path: Path, records: Iterable[StandardRecord], *, key_headers: bool = False
) -> None:
    """Write records as .csv, .xlsx or .json; :func:`read_standards` reads them back unchanged.

    Headers are the Chinese ones, or the keys with ``key_headers=True`` (handy for API clients).
    """
    names = {column.key: column.key if key_headers else column.header for column in COLUMNS}
    rows = ({names[key]: text for key, text in record_to_row(record).items()} for record in records)
    write_table(Path(path), [names[column.key] for column in COLUMNS], rows)
