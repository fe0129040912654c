"""A table as read from a notice: a rectangular grid whose merged cells fill every place they cover.

Every reader (Word, web page, PDF, text) turns its tables into :class:`Grid`, so that finding
headers and figures is written once. A merged cell keeps one ``origin`` (its top-left place), so
the analysis can tell a header spanning three columns from three headers that read the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

#: A hostile file may declare a span of 2³¹ columns; real tables of standards are far smaller.
MAX_SPAN = 200
MAX_CELLS = 200_000


@dataclass(frozen=True)
class Cell:
    """One place of the grid: its text and the place of the (possibly merged) cell it belongs to."""

    text: str
    origin: tuple[int, int]


@dataclass(frozen=True)
class Grid:
    """A table and the text around it: ``before`` (nearest last) and ``after`` the table.

    ``number`` counts the tables of the notice from 1; rows and columns count from 1 in messages.
    """

    rows: tuple[tuple[Cell, ...], ...]
    number: int = 1
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    article: str | None = None

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    def text(self, row: int, column: int) -> str:
        return self.rows[row][column].text


@dataclass(frozen=True)
class SpanCell:
    """A cell as markup describes it: text, how many rows and columns it covers."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class _Layout:
    places: dict[tuple[int, int], Cell] = field(default_factory=dict)
    width: int = 0


def grid_from_spans(rows: Sequence[Sequence[SpanCell]]) -> tuple[tuple[Cell, ...], ...]:
    """Lay out rows of spanning cells as HTML does: each cell takes the next free place.

    Spans are capped (:data:`MAX_SPAN`) and places left free are empty cells of their own.
    """
    layout = _Layout()
    for r, cells in enumerate(rows):
        c = 0
        for cell in cells:
            while (r, c) in layout.places:
                c += 1
            rowspan = max(1, min(cell.rowspan, MAX_SPAN, len(rows) - r))
            colspan = max(1, min(cell.colspan, MAX_SPAN))
            if len(layout.places) + rowspan * colspan > MAX_CELLS:
                break
            for dr in range(rowspan):
                for dc in range(colspan):
                    layout.places[(r + dr, c + dc)] = Cell(clean_cell(cell.text), (r, c))
            c += colspan
            layout.width = max(layout.width, c)
    return tuple(
        tuple(layout.places.get((r, c), Cell("", (r, c))) for c in range(layout.width))
        for r in range(len(rows))
    )


def clean_cell(text: str) -> str:
    """A cell's text on one line: line breaks inside a cell joined, spaces between CJK dropped."""
    parts = [part.strip() for part in text.replace("\u3000", " ").split("\n")]
    joined = ""
    for part in filter(None, parts):
        if joined and _is_ascii_word(joined[-1]) and _is_ascii_word(part[0]):
            joined += " "
        joined += part
    return " ".join(joined.split())


def _is_ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()
