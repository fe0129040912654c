"""Reading a table of standards: its header rows, label columns, figure columns and notes.

The rules are those of the tables real notices print, not of one table:

- rows merged across the whole width at the top are the table's title or unit line, at the
  bottom its notes;
- the header is every row above the first row holding a figure; a blank header cell under a
  spanning group header belongs to the group, a blank one above nothing continues the cell above;
- label columns are the leading columns holding text (a 序号 column is skipped); columns after
  them hold figures, or attributes of the row (旺季期间, 上浮比例, 城市范围) when their header
  says so or they hold no figure at all;
- a row holding only a label, across the table, heads the rows below it (a section).

Every cell where a figure belongs but text stands is reported by position, never guessed.

It stays whole (about 420 lines): the rules above read one table in one pass, each a small
helper of :func:`read_table`, and they only make sense together.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from indexer.extract.figures import Figure
from indexer.extract.figures import Unreadable
from indexer.extract.figures import caption_unit
from indexer.extract.figures import header_unit
from indexer.extract.figures import is_empty
from indexer.extract.figures import normalise_unit
from indexer.extract.figures import parse_figure
from indexer.extract.grid import Cell
from indexer.extract.grid import Grid

_SERIAL_HEADER = re.compile(r"^(序号|编号|序|No\.?|NO\.?)$", re.IGNORECASE)
_ATTRIBUTE_HEADER = re.compile(
    r"(期间|时间|日期|月份|季节|范围|说明|备注|比例|幅度|适用|条件|依据|地区$|地点|城市$|旺季地区)"
)
#: A column giving each row's unit (项目 | 计量单位 | 标准).
_UNIT_HEADER = re.compile(r"^(计量|计价|计费)?单位$")
#: Columns of numbers that are no figures of a standard (a contact list at the end of a notice).
_NOT_FIGURES = re.compile(r"电话|手机|传真|邮编|邮政编码|代码|编码|账号|文号|日期|年份|联系")
_NOTE_START = re.compile(r"^(注|说明|备注|附注)\s*[:：0-9１-９一二三四五六七八九十(（]")
_STANDARD_WORDS = re.compile(r"标准|定额|限额|费")
#: Lines above a table that are not its title: a 文号, the notice's own title, an addressee.
_NOT_TITLE = re.compile(r"〔[0-9]{4}〕|\[[0-9]{4}\]|[0-9]{4}〕|号$|的通知$|：$|各.*(单位|部门)")


@dataclass(frozen=True)
class ReadFigure:
    """One figure of a table, with the labels of its row and the header path of its column."""

    row: int
    column: int
    figure: Figure
    row_labels: tuple[tuple[str, str], ...]
    column_path: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class UnreadCell:
    """A cell where a figure belongs but that could not be read; positions count from 1."""

    table: int
    row: int
    column: int
    text: str
    header: str


@dataclass
class TableReading:
    """What one table holds: its title and unit lines, figures, unread cells and notes."""

    grid: Grid
    captions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: list[ReadFigure] = field(default_factory=list)
    unread: list[UnreadCell] = field(default_factory=list)
    #: Each column's header path (``("住宿费标准", "部级")``), once the header is read.
    paths: list[tuple[str, ...]] = field(default_factory=list)
    #: (row, column) of the reading's grid → (row, column) of the table as printed, from 1.
    place: Callable[[int, int], tuple[int, int]] = lambda r, c: (r + 1, c + 1)

    @property
    def unit(self) -> str | None:
        """The unit the caption, the rows above the header or the notes give for the table."""
        for line in [*reversed(self.captions), *self.notes]:
            unit = caption_unit(line)
            if unit:
                return unit
        return None

    @property
    def title(self) -> str | None:
        """The table's title: the nearest caption line above it that names the table.

        A short line that is not a unit line (``会议费综合定额标准表``), or the subject of a
        sentence announcing the table (``…会议费综合定额标准如下：`` → ``会议费综合定额标准``).
        """
        for line in reversed(self.captions):
            text = re.sub(
                r"^(附表|附件|表)\s*[0-9一二三四五六七八九十]*\s*[:：]?", "", line
            ).strip()
            if not text or caption_unit(line) or _NOTE_START.match(text):
                continue
            announced = re.search(
                r"([^，。；,;：:]+?)(?:具体)?(?:如下|见下表|详见下表)[:：。]?$", text
            )
            if announced:
                return re.sub(r"^第[一二三四五六七八九十百]+条\s*", "", announced.group(1)).strip()
            if _NOT_TITLE.search(text):
                continue
            if len(text) <= 40 and not re.search(r"[。；，]", text):
                return text
        return None

    @property
    def is_standards(self) -> bool:
        """Whether the table is one of standards: it holds figures, or cells where figures
        belong (a table titled as one of standards in which nothing could be read)."""
        return bool(self.figures) or bool(self.unread)


def read_table(grid: Grid, previous: TableReading | None = None) -> TableReading:
    """Find the header, labels, figures and unreadable cells of ``grid``.

    A table without a header row, as wide as the ``previous`` one, continues it (a table broken
    across pages): it is read under the previous table's header, title and unit.
    """
    rows, numbers, columns = _without_blanks(grid)
    reading = TableReading(grid, captions=list(grid.before[-3:]), notes=_notes(grid.after))
    while rows and _is_banner(rows[0]) and not _has_figure(rows[0]):
        reading.captions.append(_banner_text(rows.pop(0)))
        numbers.pop(0)
    while rows and _is_banner(rows[-1]) and not _has_figure(rows[-1]):
        reading.notes.insert(0, _banner_text(rows.pop()))
        numbers.pop()
    for index in reversed([i for i, row in enumerate(rows) if _is_column_numbering(row)]):
        del rows[index], numbers[index]
    reading.place = lambda r, c: (numbers[r] + 1, columns[c] + 1)
    if not rows:
        return reading
    # the header ends at the first row holding a figure, or a row of figures left blank (its
    # right half empty or dashes: a header row names every column it sits over)
    header_count = next(
        (
            i
            for i, row in enumerate(rows)
            if _has_figure(row)
            or (i and all(is_empty(cell.text) for cell in row[max(1, len(row) // 2) :]))
        ),
        None,
    )
    if header_count is None:
        if _STANDARD_WORDS.search(" ".join(reading.captions[-2:])):
            header_count = 1 if len(rows) > 1 else 0
            _report_all(reading, rows, header_count)
        return reading
    headers = _filled_headers(rows[:header_count])
    paths = [_path(headers, c) for c in range(len(rows[0]))]
    if header_count == 0 and previous is not None and len(previous.paths) == len(paths):
        paths = list(previous.paths)
        reading.captions = [*previous.captions, *reading.captions]
    reading.paths = paths
    data = rows[header_count:]
    units = [c for c in range(len(paths)) if paths[c] and _UNIT_HEADER.match(paths[c][-1])]
    labels = [c for c in _label_columns(data, paths, skip=units) if c not in units]
    if not labels and len(rows[0]) > 1 and all(_is_text(row[0]) for row in data if row[0].text):
        labels = [0]
    for c in labels:  # 项目（单位：元/人·天）: a unit in the labels' header is the table's
        unit = header_unit(paths[c][-1]) if paths[c] else None
        if unit:
            reading.captions.append(f"单位：{unit}")
    serial = [c for c in range(len(rows[0])) if c not in labels and _is_serial(data, paths, c)]
    start = max(labels + serial, default=-1) + 1
    attributes = [
        c for c in range(start, len(rows[0])) if c not in units and _is_attribute(data, paths[c], c)
    ]
    values = [c for c in range(start, len(rows[0])) if c not in attributes + serial + units]
    section: tuple[tuple[str, str], ...] = ()
    for r, row in enumerate(data, start=header_count):
        row_labels = tuple(
            (_last(paths[c]), row[c].text)
            for c in labels
            if row[c].text and not is_empty(row[c].text)
        )
        if _is_section(row, values):
            section = (("", row[0].text),)
            continue
        extra = tuple(
            (_last(paths[c]), row[c].text)
            for c in attributes
            if row[c].text and not is_empty(row[c].text)
        )
        seen: set[tuple[int, int]] = set()
        for c in values:
            cell = row[c]
            if cell.origin in seen or is_empty(cell.text):
                continue
            seen.add(cell.origin)  # a figure merged across columns counts once per row
            try:
                figure = parse_figure(cell.text)
            except Unreadable:
                reading.unread.append(
                    UnreadCell(grid.number, *reading.place(r, c), cell.text, "·".join(paths[c]))
                )
                continue
            row_unit = next((normalise_unit(row[u].text) for u in units if row[u].text), None)
            if figure.unit is None and row_unit and not is_empty(row_unit):
                figure = Figure(figure.value, figure.value_max, row_unit, figure.limit)
            if figure.unit is None:
                figure = _with_header_unit(figure, paths[c], row_labels)
            reading.figures.append(
                ReadFigure(*reading.place(r, c), figure, section + row_labels, paths[c], extra)
            )
    return reading


def _without_blanks(grid: Grid) -> tuple[list[tuple[Cell, ...]], list[int], list[int]]:
    """The rows and columns holding text, with the positions they have in the printed table."""
    numbers = [i for i, row in enumerate(grid.rows) if any(cell.text for cell in row)]
    columns = [c for c in range(grid.width) if any(grid.rows[i][c].text for i in numbers)]
    rows = [tuple(grid.rows[i][c] for c in columns) for i in numbers]
    return rows, numbers, columns


def _notes(after: tuple[str, ...]) -> list[str]:
    """The note lines right under a table: 注：… and the numbered lines that follow it."""
    notes: list[str] = []
    for line in after:
        if not notes and not _NOTE_START.match(line):
            break
        if notes and re.match(r"^(第[一二三四五六七八九十百]+条|[一二三四五六七八九十]+、)", line):
            break
        notes.append(line)
        if len(notes) >= 12:
            break
    return notes


def _is_banner(row: tuple[Cell, ...]) -> bool:
    """A row that is one cell across the table (a title or note line), or only a unit line."""
    filled = [cell for cell in row if cell.text]
    if not filled or len({cell.origin for cell in filled}) != 1:
        return False
    text = filled[0].text
    return (
        len({cell.origin for cell in row}) == 1
        or caption_unit(text) is not None
        or bool(_NOTE_START.match(text))
    )


def _is_column_numbering(row: tuple[Cell, ...]) -> bool:
    """A row numbering the columns (栏次 1 2 3 …) under a header: no figures of standards."""
    texts = [cell.text for cell in row if cell.text]
    if texts and texts[0] in ("栏次", "序列", "列号"):
        texts = texts[1:]
    return len(texts) >= 3 and texts == [str(n) for n in range(1, len(texts) + 1)]


def _banner_text(row: tuple[Cell, ...]) -> str:
    return next(cell.text for cell in row if cell.text)


def _has_figure(row: tuple[Cell, ...]) -> bool:
    """Whether a row holds a figure beyond its first cell (a serial number is no figure)."""
    for cell in row[1:]:
        if cell.text and not is_empty(cell.text):
            try:
                parse_figure(cell.text)
            except Unreadable:
                continue
            return True
    return False


def _is_text(cell: Cell) -> bool:
    if not cell.text or is_empty(cell.text):
        return False
    try:
        parse_figure(cell.text)
    except Unreadable:
        return True
    return False


def _filled_headers(headers: list[tuple[Cell, ...]]) -> list[list[str]]:
    """Header texts with blanks filled: a blank over sub-headers joins the group header of its run
    of sub-headers; any other blank continues the cell above."""
    filled = [[cell.text for cell in row] for row in headers]
    for i, row in enumerate(filled):
        below = filled[i + 1] if i + 1 < len(filled) else None
        for c, text in enumerate(row):
            if text:
                continue
            if below is not None and below[c]:
                run = _run(below, c)
                # the group header of the run: in this row, else in the nearest row above it
                for upper in filled[i::-1]:
                    group = [upper[k] for k in run if upper[k]]
                    if group:
                        left = [upper[k] for k in run if k < c and upper[k]]
                        row[c] = left[-1] if left else group[0]
                        break
            elif i:
                row[c] = filled[i - 1][c]
    return filled


def _run(row: list[str], c: int) -> list[int]:
    start = c
    while start > 0 and row[start - 1]:
        start -= 1
    end = c
    while end + 1 < len(row) and row[end + 1]:
        end += 1
    return list(range(start, end + 1))


def _path(headers: list[list[str]], c: int) -> tuple[str, ...]:
    path: list[str] = []
    for row in headers:
        if row[c] and (not path or path[-1] != row[c]):
            path.append(row[c])
    return tuple(path)


def _last(path: tuple[str, ...]) -> str:
    return path[-1] if path else ""


def _label_columns(
    data: list[tuple[Cell, ...]], paths: list[tuple[str, ...]], *, skip: list[int]
) -> list[int]:
    """The leading columns that name the row: text rather than figures, before the first column
    of figures (serial numbers skipped); text columns after the figures describe the row."""
    labels: list[int] = []
    for c in range(len(data[0])):
        if c in skip or _is_serial(data, paths, c):
            continue
        texts = sum(_is_text(row[c]) for row in data)
        numbers = sum(
            bool(row[c].text) and not is_empty(row[c].text) and not _is_text(row[c]) for row in data
        )
        if texts and texts >= numbers:
            labels.append(c)
        else:
            break
    return labels


def _is_serial(data: list[tuple[Cell, ...]], paths: list[tuple[str, ...]], c: int) -> bool:
    if paths[c] and _SERIAL_HEADER.match(paths[c][-1]):
        return True
    if c != 0:
        return False
    numbers = [row[c].text for row in data if row[c].text]
    return (
        len(numbers) >= 2
        and all(n.isdigit() for n in numbers)
        and [int(n) for n in numbers]
        == list(range(int(numbers[0]), int(numbers[0]) + len(numbers)))
    )


def _is_attribute(data: list[tuple[Cell, ...]], path: tuple[str, ...], c: int) -> bool:
    """A column describing the row rather than giving a figure of it."""
    if path and _NOT_FIGURES.search(path[-1]):
        return True
    if path and _ATTRIBUTE_HEADER.search(path[-1]) and not re.search(r"(价|费|额)$", path[-1]):
        return True
    cells = [row[c] for row in data if row[c].text and not is_empty(row[c].text)]
    return (
        bool(cells)
        and all(_is_text(cell) for cell in cells)
        and not (path and re.search(r"(费|价|标准|定额|金额|额)$", path[-1]))
    )


def _is_section(row: tuple[Cell, ...], values: list[int]) -> bool:
    """A row that is one label merged across the table: it heads the rows below it.

    A row whose figures are merely blank is a row without figures, not a section.
    """
    return (
        bool(values)
        and bool(row[0].text)
        and len(row) > 1
        and all(cell.origin == row[0].origin for cell in row[1:])
    )


def _with_header_unit(
    figure: Figure, path: tuple[str, ...], row_labels: tuple[tuple[str, str], ...]
) -> Figure:
    for label in (*reversed(path), *(text for _, text in row_labels)):
        unit = header_unit(label)
        if unit:
            return Figure(figure.value, figure.value_max, unit, figure.limit)
    return figure


def _report_all(reading: TableReading, rows: list[tuple[Cell, ...]], header_count: int) -> None:
    """A table titled as one of standards in which no figure could be read: every cell is listed."""
    headers = _filled_headers(rows[:header_count]) if header_count else []
    for r, row in enumerate(rows[header_count:], start=header_count):
        seen: set[tuple[int, int]] = set()
        for c, cell in enumerate(row[1:], start=1):
            if cell.text and not is_empty(cell.text) and cell.origin not in seen:
                seen.add(cell.origin)
                header = "·".join(_path(headers, c)) if headers else ""
                reading.unread.append(
                    UnreadCell(reading.grid.number, *reading.place(r, c), cell.text, header)
                )
