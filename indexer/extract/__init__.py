"""``kb extract``: the tables of standards in a published notice → interchange rows as drafts.

:func:`extract` reads a notice (.docx, .pdf, .html, .txt) as text lines and tables
(:mod:`.readers`), reads each table's header, labels and figures (:mod:`.layout`), and turns
every figure into a draft :class:`~kb.records.StandardRecord` (:mod:`.rows`), with the notice's
title, 文号 and table or article as its basis. Cells that hold text where a figure belongs are
listed by position, never guessed; a notice without any table of standards is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path

from indexer.extract.grid import Grid
from indexer.extract.layout import ReadFigure
from indexer.extract.layout import TableReading
from indexer.extract.layout import read_table
from indexer.extract.notice import Notice
from indexer.extract.notice import read_notice
from indexer.extract.readers import read_blocks
from indexer.extract.rows import Scope
from indexer.extract.rows import category_of
from indexer.extract.rows import domain_of
from indexer.extract.rows import expand_grades
from indexer.extract.rows import kind_of
from indexer.extract.rows import labels_of
from indexer.extract.rows import level_for
from indexer.extract.rows import table_base
from kb.errors import InvalidInput
from kb.records import StandardRecord
from kb.vocab import Status

__all__ = ["Extraction", "ExtractedRow", "Problem", "Scope", "extract"]

_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百零〇]+条)")
_ATTACHMENT = re.compile(r"^\s*(附件|附表)\s*([0-9一二三四五六七八九十]*)")
_ANNOUNCES = re.compile(r"(标准|定额)[^，。；]{0,10}(如下|见下表)[:：]$")
UNDECIDED_DOMAIN = "待定"


@dataclass(frozen=True)
class ExtractedRow:
    """One figure as a draft record, and where it stands: table, row and column from 1."""

    record: StandardRecord
    table: int
    row: int
    column: int


@dataclass(frozen=True)
class Problem:
    """Something the reviewer must look at; ``row``/``column`` are None for a whole table."""

    table: int | None
    row: int | None
    column: int | None
    message: str

    def __str__(self) -> str:
        where = f"表{self.table}" if self.table else "通知"
        if self.row:
            where += f"第{self.row}行"
        if self.column:
            where += f"第{self.column}列"
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class Extraction:
    """What :func:`extract` found in one notice."""

    file_name: str
    notice: Notice
    tables: int
    standards_tables: int
    rows: tuple[ExtractedRow, ...]
    problems: tuple[Problem, ...]

    @property
    def records(self) -> list[StandardRecord]:
        return [row.record for row in self.rows]


def extract(path: Path, scope: Scope | None = None) -> Extraction:
    """The tables of standards in the notice at ``path``, as draft records with their problems.

    ``scope`` gives what the notice does not say (level, region, domain, category, its address).

    :raises UnsupportedFile: not a .docx, .pdf, .html or .txt file.
    :raises InvalidInput: the file cannot be read, or holds no table of standards.
    """
    path = Path(path)
    scope = scope or Scope()
    blocks, address = read_blocks(path)
    lines = [block for block in blocks if isinstance(block, str)]
    notice = read_notice(lines, slug=path.stem, address=scope.source or address)
    readings: list[TableReading] = []
    for grid in _grids(blocks):
        readings.append(read_table(grid, readings[-1] if readings else None))
    found = [reading for reading in readings if reading.is_standards]
    missing = _announced_without_table(blocks)
    if not found:
        lost = "".join(f"；{m}" for m in missing)
        raise InvalidInput(
            f"在 {path.name} 中没有找到标准表：共有 {len(readings)} 个表格，"
            f"其中没有一个含可读取的标准数值（如 760、1500—2400、500元/人·天）{lost}",
            {"file": path.name, "tables": len(readings), "missing": missing},
        )
    rows: list[ExtractedRow] = []
    problems: list[Problem] = [Problem(None, None, None, m) for m in missing]
    for reading in found:
        table_rows, table_problems = _table_rows(reading, notice, scope, path.name)
        rows.extend(table_rows)
        problems.extend(table_problems)
    return Extraction(path.name, notice, len(readings), len(found), tuple(rows), tuple(problems))


def _grids(blocks: list) -> list[Grid]:
    """Each table with the text lines around it and the article or attachment it stands in."""
    grids: list[Grid] = []
    for index, block in enumerate(blocks):
        if isinstance(block, str) or not block:
            continue
        before = [b for b in blocks[:index] if isinstance(b, str)]
        after: list[str] = []
        for b in blocks[index + 1 :]:
            if not isinstance(b, str):
                break
            after.append(b)
        previous_table = max(
            (i for i in range(index) if not isinstance(blocks[i], str)), default=-1
        )
        nearby = [b for b in blocks[previous_table + 1 : index] if isinstance(b, str)]
        grids.append(
            Grid(
                rows=block,
                number=len(grids) + 1,
                before=tuple(nearby[-4:]),
                after=tuple(after[:20]),
                article=_where(before),
            )
        )
    return grids


def _announced_without_table(blocks: list) -> list[str]:
    """Sentences announcing a table (…标准如下：) with no table after them: reposts often lose
    the table and keep its unit line and notes."""
    found = []
    for index, block in enumerate(blocks):
        if not isinstance(block, str) or not _ANNOUNCES.search(block):
            continue
        # a table within the next lines (after a title or a unit line) is the one announced
        if all(isinstance(b, str) for b in blocks[index + 1 : index + 4]):
            where = _where([*(b for b in blocks[:index] if isinstance(b, str)), block])
            found.append(
                f"{where or '通知'}写有“{re.split(r'[。；]', block.strip())[-1]}”，"
                "其后却没有表格（转载常丢失表格），请找原件核对"
            )
    return found


def _where(before: list[str]) -> str | None:
    """The article (第十五条) or attachment (附件2) a table stands in, from the lines above it."""
    for line in reversed(before):
        article = _ARTICLE.match(line)
        if article:
            return article.group(1)
        attachment = _ATTACHMENT.match(line)
        if attachment and len(line.strip()) <= 40:
            return attachment.group(1) + attachment.group(2)
    return None


def _table_rows(
    reading: TableReading, notice: Notice, scope: Scope, file_name: str
) -> tuple[list[ExtractedRow], list[Problem]]:
    number = reading.grid.number
    problems = [
        Problem(
            number,
            cell.row,
            cell.column,
            f"“{cell.text}”不是可读取的数值（{cell.header or '无表头'}），未提取，请人工核对",
        )
        for cell in reading.unread
    ]
    unit = reading.unit
    if unit is None and any(f.figure.unit is None for f in reading.figures):
        problems.append(
            Problem(
                number,
                None,
                None,
                "表格及其标题、表注均未写明计量单位，相应行的计量单位为空，请补填",
            )
        )
    category = scope.category or category_of(reading.title, notice.measure, notice.title)
    base = table_base(reading, notice, category)
    domain = scope.domain or domain_of(category)
    if domain is None:
        problems.append(
            Problem(
                number,
                None,
                None,
                f"未能判断领域，已填“{UNDECIDED_DOMAIN}”，请修改（或用 --domain 指定）",
            )
        )
    where = reading.grid.article or f"表{number}"
    basis = (
        f"《{notice.measure}》" + (f"（{notice.doc_number}）" if notice.doc_number else "") + where
    )
    source = notice.address or basis.removesuffix(where)
    notes_text = _note_sentences(reading.notes)
    rows = []
    for figure in reading.figures:
        for record in _records(
            figure, reading, notice, scope, unit, base, category, domain, notes_text
        ):
            record = replace(
                record,
                basis=basis,
                source=source,
                notes=f"由 kb extract 从 {file_name} 表{number}第{figure.row}行第{figure.column}列提取，待审核",
            )
            rows.append(ExtractedRow(record, number, figure.row, figure.column))
    return rows, problems


def _records(
    figure: ReadFigure,
    reading: TableReading,
    notice: Notice,
    scope: Scope,
    unit: str | None,
    base: str,
    category: str | None,
    domain: str | None,
    notes: list[str],
) -> list[StandardRecord]:
    labels = labels_of(figure)
    region = labels.region or scope.region or notice.region or "全国"
    found = []
    for grade, item in expand_grades(labels):
        words = [w for w in (grade, item, region, *labels.item) if w]
        conditions = [
            *(f"{name}：{value}" if name else value for name, value in figure.attributes),
            *labels.remarks,
            *([f"{figure.figure.limit}"] if figure.figure.limit else []),
            *[s for s in notes if any(w in s for w in words) or not _names_any_label(s, reading)],
        ]
        shown = f"{labels.region}·{item}" if labels.region else item
        found.append(
            StandardRecord(
                name=f"{base}（{shown}）" if shown else base,
                kind=scope.kind or kind_of(reading.title, notice.title),
                level=level_for(region, scope, notice),
                region=region,
                domain=domain or UNDECIDED_DOMAIN,
                category=category,
                item=item or None,
                grade=grade,
                unit=_unit(figure.figure.unit, unit),
                value=figure.figure.value,
                value_max=figure.figure.value_max,
                conditions="；".join(dict.fromkeys(conditions)) or None,
                issuer=notice.issuer,
                effective_from=notice.effective_from,
                status=Status.DRAFT,
            )
        )
    return found


def _unit(own: str | None, table: str | None) -> str | None:
    """A cell's own unit, unless it is only the currency the table's unit is per something of
    (``500元`` in a table of 元/人·天)."""
    if own and table and "/" not in own and table.startswith(own + "/"):
        return table
    return own or table


def _note_sentences(notes: list[str]) -> list[str]:
    """The sentences of a table's notes, without the 注： mark and item numbers."""
    text = "".join(notes)
    text = re.sub(r"^(注|说明|备注|附注)\s*[:：]", "", text)
    parts = re.split(
        r"[。；;]|(?:^|(?<=[。；;\s]))[0-9１-９]+[.．、]|（[0-9一二三四五六七八九十]+）", text
    )
    return [p.strip(" ：:，,") for p in parts if p and len(p.strip()) > 1]


def _names_any_label(sentence: str, reading: TableReading) -> bool:
    """Whether a note sentence is about particular rows (it names one of the table's labels)."""
    for figure in reading.figures:
        for _, text in figure.row_labels:
            if text and text in sentence:
                return True
    return False
