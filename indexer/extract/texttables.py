"""Tables in plain text: drawn with box characters, or aligned in columns with spaces.

Positions are display columns (a Chinese character is two wide), so a header centred over the
figures it groups still lands on their columns. A box table's partial rules tell merged cells
apart: a cell whose top rule is blank continues the cell above it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from indexer.extract.grid import Cell
from indexer.extract.grid import clean_cell

Rows = tuple[tuple[Cell, ...], ...]

_BARS = frozenset("│┃║|")
_RULE_CHARS = frozenset("─━═-—┄┅┈┉+┼┬┴├┤┌┐└┘╋╂┿╀╁┠┨┯┷┏┓┗┛╔╗╚╝╠╣╦╩╬╞╡╪╤╧╒╕╘╛╟╢╫╥╨╓╖╙╜ ")
_HORIZONTAL = frozenset("─━═-—┄┅┈┉")
_JUNCTIONS = frozenset("+┼┬┴├┤┌┐└┘╋╂┿╀╁┠┨┯┷┏┓┗┛╔╗╚╝╠╣╦╩╬╞╡╪╤╧╒╕╘╛╟╢╫╥╨╓╖╙╜")
_FIELD_GAP = re.compile(r"(?:\t|\u3000| {2,})+")
_NUMBER = re.compile(r"[0-9０-９]")


def text_blocks(lines: list[str], *, wide: int = 2) -> list[str | Rows]:
    """``lines`` with each table among them replaced by its rows.

    ``wide`` is the display width of a Chinese character: 2 in a text file, 1 in the text of a
    PDF laid out by position (where every character takes one column).
    """
    blocks: list[str | Rows] = []
    i = 0
    while i < len(lines):
        end = _box_end(lines, i)
        if end > i:
            blocks.append(_box_rows(lines[i:end]))
            i = end
            continue
        end = _aligned_end(lines, i, wide)
        if end > i:
            start = _header_start(lines, i, wide)
            del blocks[len(blocks) - sum(1 for line in lines[start:i] if line.strip()) :]
            blocks.append(_aligned_rows([line for line in lines[start:end] if line.strip()], wide))
            i = end
            continue
        if lines[i].strip():
            blocks.append(lines[i].strip())
        i += 1
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _header_start(lines: list[str], start: int, wide: int) -> int:
    """Where a table really starts: header lines of one field just above it, set in further than
    the table's own left edge (a group header centred over its columns), belong to it."""
    edge = min(_indent(line) for line in lines[start : start + 3] if line.strip())
    found, taken = start, 0
    j = start - 1
    while j >= 0 and taken < 2:
        if not lines[j].strip():
            j -= 1
            continue
        if _indent(lines[j]) >= edge + 4 and len(_fields(lines[j], wide)) <= 2:
            found, taken = j, taken + 1
            j -= 1
        else:
            break
    return found


def width(char: str, wide: int = 2) -> int:
    return wide if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _columns(line: str, wide: int = 2) -> list[tuple[int, str]]:
    """Each character with the display column it starts at."""
    found, column = [], 0
    for char in line.rstrip("\n"):
        found.append((column, char))
        column += width(char, wide)
    return found


# -- box tables --------------------------------------------------------------------------------


def _is_rule(line: str) -> bool:
    """A line drawing rules only (bars allowed: a partial rule leaves merged cells open)."""
    stripped = line.strip()
    return (
        bool(stripped)
        and set(stripped) <= _RULE_CHARS | _BARS
        and bool(set(stripped) & _HORIZONTAL)
        and not set(stripped) <= _BARS | {" "}
    )


def _split_mixed(line: str) -> list[str]:
    """A line that rules some columns and holds text in others (the text of a cell merged down
    beside a partial rule), as its rule and its text on two lines."""
    stripped = line.strip()
    has_text = any(ch not in _RULE_CHARS and ch not in _BARS for ch in stripped)
    if not (has_text and set(stripped) & _HORIZONTAL and _is_boxed(line)):
        return [line]
    rule = "".join(ch if ch in _RULE_CHARS or ch in _BARS else " " * width(ch) for ch in line)
    text = "".join("│" if ch in _JUNCTIONS else " " if ch in _HORIZONTAL else ch for ch in line)
    return [rule, text]


def _is_boxed(line: str) -> bool:
    return sum(char in _BARS for char in line) >= 2


def _box_end(lines: list[str], start: int) -> int:
    """The end of a box table starting at ``start`` (``start`` itself if none starts there)."""
    end, content = start, 0
    while end < len(lines) and (_is_rule(lines[end]) or _is_boxed(lines[end])):
        content += _is_boxed(lines[end]) and not _is_rule(lines[end])
        end += 1
    has_rule = any(_is_rule(line) for line in lines[start:end])
    return end if content >= 2 and (has_rule or _all_piped(lines[start:end])) else start


def _all_piped(lines: list[str]) -> bool:
    return all("|" in line or "│" in line for line in lines)


@dataclass
class _Segment:
    left: int
    right: int
    text: str


def _box_rows(lines: list[str]) -> Rows:
    lines = [part for line in lines for part in _split_mixed(line)]
    bars = sorted(
        {col for line in lines if not _is_rule(line) for col, ch in _columns(line) if ch in _BARS}
        | {
            col
            for line in lines
            if _is_rule(line)
            for col, ch in _columns(line)
            if ch in _JUNCTIONS
        }
    )
    bounds = _cluster(bars)
    groups: list[tuple[str | None, list[str]]] = []  # (the rule above, the content lines)
    rule: str | None = None
    for line in lines:
        if _is_rule(line):
            rule = line
        elif rule is not None or not groups:
            groups.append((rule, [line]))
            rule = None
        else:
            groups[-1][1].append(line)
    texts: dict[tuple[int, int], list[str]] = {}
    places: dict[tuple[int, int], tuple[int, int]] = {}
    for r, (above, content) in enumerate(groups):
        for segment in _segments(content):
            first = _nearest(bounds, segment.left)
            last = max(_nearest(bounds, segment.right), first + 1)
            continues = r > 0 and above is not None and _blank_between(above, segment)
            origin = places.get((r - 1, first)) if continues else None
            origin = origin or (r, first)
            texts.setdefault(origin, []).append(segment.text)
            for c in range(first, last):
                places[(r, c)] = origin
    width_ = max(len(bounds) - 1, 1)
    cells = {
        origin: clean_cell("\n".join(t for t in parts if t)) for origin, parts in texts.items()
    }
    return tuple(
        tuple(
            Cell(cells[places[(r, c)]], places[(r, c)]) if (r, c) in places else Cell("", (r, c))
            for c in range(width_)
        )
        for r in range(len(groups))
    )


def _segments(content: list[str]) -> list[_Segment]:
    """The cells of one row of a box table: text between bars, lines of a cell joined."""
    positions = [col for col, ch in _columns(content[0]) if ch in _BARS]
    segments = [_Segment(a, b, "") for a, b in zip(positions, positions[1:], strict=False)]
    for line in content:
        chars = _columns(line)
        for segment in segments:
            text = "".join(ch for col, ch in chars if segment.left < col < segment.right)
            if text.strip():
                segment.text += ("\n" if segment.text else "") + text.strip()
    return segments


def _blank_between(rule: str, segment: _Segment) -> bool:
    """Whether a rule line draws no line over ``segment`` (the cell above goes on)."""
    inside = [ch for col, ch in _columns(rule) if segment.left < col < segment.right]
    return not any(ch in _HORIZONTAL for ch in inside)


def _cluster(positions: list[int], tolerance: int = 1) -> list[int]:
    found: list[int] = []
    for position in positions:
        if not found or position - found[-1] > tolerance:
            found.append(position)
    return found


def _nearest(bounds: list[int], position: int) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - position))


# -- aligned tables ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    start: int
    end: int
    text: str


def _fields(line: str, wide: int = 2) -> list[_Field]:
    """The fields of a line separated by two spaces or more, a tab or a full-width space."""
    chars = _columns(line.replace("\t", "    "), wide)
    text = "".join(ch for _, ch in chars)
    found = []
    position = 0
    for piece in _FIELD_GAP.split(text):
        index = text.find(piece, position) if piece else -1
        if piece.strip() and index >= 0:
            lead = len(piece) - len(piece.lstrip())
            begin = index + lead
            stop = index + len(piece.rstrip())
            start_col = chars[begin][0]
            end_col = chars[stop - 1][0] + width(chars[stop - 1][1], wide)
            found.append(_Field(start_col, end_col, piece.strip()))
            position = index + len(piece)
    return found


def _aligned_end(lines: list[str], start: int, wide: int) -> int:
    """The end of a block of aligned lines with figures, at least two lines of two fields;
    single blank lines inside it (as a PDF's layout leaves them) do not end it."""
    end = start
    while end < len(lines):
        if len(_fields(lines[end], wide)) >= 2:
            end += 1
        elif (
            not lines[end].strip()
            and end > start
            and end + 1 < len(lines)
            and len(_fields(lines[end + 1], wide)) >= 2
        ):
            end += 1
        else:
            break
    block = [line for line in lines[start:end] if line.strip()]
    fields = [f for line in block for f in _fields(line, wide)]
    if len(block) < 2 or not any(_NUMBER.search(f.text) for f in fields):
        return start
    return end


def _aligned_rows(lines: list[str], wide: int) -> Rows:
    rows = [_fields(line, wide) for line in lines]
    widest = max(len(fields) for fields in rows)
    if all(len(fields) == widest for fields in rows):
        # every line has every field (values separated by tabs, say): columns by position in line
        return tuple(
            tuple(Cell(clean_cell(f.text), (r, c)) for c, f in enumerate(fields))
            for r, fields in enumerate(rows)
        )
    columns: list[list[int]] = []
    for fields in rows:
        if len(fields) == widest:
            for index, field in enumerate(fields):
                if index < len(columns):
                    columns[index] = [
                        min(columns[index][0], field.start),
                        max(columns[index][1], field.end),
                    ]
                else:
                    columns.append([field.start, field.end])
    grid: list[tuple[Cell, ...]] = []
    for r, fields in enumerate(rows):
        places: dict[int, Cell] = {}
        for field in fields:
            covered = [
                c for c, (a, b) in enumerate(columns) if field.start < b and a < field.end
            ] or [_closest(columns, field)]
            cell = Cell(clean_cell(field.text), (r, covered[0]))
            for c in covered:
                places.setdefault(c, cell)
        grid.append(tuple(places.get(c, Cell("", (r, c))) for c in range(len(columns))))
    return tuple(grid)


def _closest(columns: list[list[int]], field: _Field) -> int:
    middle = (field.start + field.end) / 2
    return min(range(len(columns)), key=lambda c: abs((columns[c][0] + columns[c][1]) / 2 - middle))
