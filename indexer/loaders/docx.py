"""Word files (.docx): body paragraphs and table cells, in document order."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.loaders import RawDocument
from kb.errors import InvalidInput


def load(path: Path) -> RawDocument:
    """The text of a .docx file, one line per paragraph and per table cell."""
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput(
            f"无法读取 Word 文件 {path.name}：文件已损坏或不是 .docx 格式",
            {"path": str(path), "reason": str(error)},
        ) from error
    lines = list(_lines(document.iter_inner_content()))
    title_hint = (document.core_properties.title or "").strip() or None
    return RawDocument(text="\n".join(lines), source_path=str(path), title_hint=title_hint)


def _lines(blocks: Iterator[Paragraph | Table]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block.text
        else:
            yield from _table_lines(block)


def _table_lines(table: Table) -> Iterator[str]:
    """Each cell once (merged cells repeat in python-docx), nested tables included."""
    seen = {}  # keeps each cell element alive: ids of freed lxml proxies are reused
    for row in table.rows:
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            yield from _lines(cell.iter_inner_content())
