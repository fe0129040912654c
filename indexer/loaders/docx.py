"""Word files (.docx): body paragraphs and table cells, in document order."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.table import _Cell
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
    """Each cell once, nested tables included, read from the ``w:tc`` elements.

    Not through ``row.cells``: it repeats a cell once per column of its ``gridSpan`` and finds
    the top of a vertical merge recursively, so a hostile span (2³¹ columns) or a tall merge
    (a few thousand rows) in a small file would hang or crash it. A cell continuing a vertical
    merge holds no text of its own: its text is the top cell's, already read.
    """
    for tr in table._tbl.tr_lst:
        for tc in tr.tc_lst:
            if tc.vMerge != "continue":
                yield from _lines(_Cell(tc, table).iter_inner_content())
