"""A notice as a stream of blocks: its text lines and its tables, in reading order, by file type.

The text loaders in :mod:`indexer.loaders` give a notice's text; here the same files are read
again keeping tables as tables (merged cells included). Each reader returns ``str`` lines and
:class:`Rows` in document order; :func:`read_blocks` dispatches on the extension.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from indexer.extract.grid import MAX_CELLS
from indexer.extract.grid import MAX_SPAN
from indexer.extract.grid import Cell
from indexer.extract.grid import SpanCell
from indexer.extract.grid import clean_cell
from indexer.extract.grid import grid_from_spans
from indexer.extract.texttables import text_blocks
from indexer.loaders import load
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files.uploads import check_upload

#: A table read from a file: rows of cells, merged cells repeated where they extend.
Rows = tuple[tuple[Cell, ...], ...]
Block = str | Rows

SUFFIXES: tuple[str, ...] = (".docx", ".htm", ".html", ".pdf", ".txt")


def read_blocks(path: Path) -> tuple[list[Block], str | None]:
    """The blocks of the notice at ``path`` and its address when the file names one (a web page).

    :raises UnsupportedFile: not a .docx, .pdf, .html or .txt file.
    :raises InvalidInput: the file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnsupportedFile(
            f"不支持的文件类型：{path.name}（可读取：.docx、.pdf、.html、.txt）",
            {"path": str(path), "suffix": suffix},
        )
    check_upload(path)
    if suffix == ".docx":
        return list(_docx_blocks(path)), None
    if suffix in (".html", ".htm"):
        return _html_blocks(path)
    if suffix == ".pdf":
        return list(_pdf_blocks(path)), None
    return text_blocks(load(path).text.split("\n")), None


# -- Word --------------------------------------------------------------------------------------


def _docx_blocks(path: Path) -> Iterator[Block]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise InvalidInput(
            f"无法读取 Word 文件 {path.name}：文件已损坏或不是 .docx 格式",
            {"path": str(path), "reason": str(error)},
        ) from error
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            yield "".join(t.text or "" for t in element.iter(qn("w:t")))
        elif element.tag == qn("w:tbl"):
            yield _docx_rows(element, qn)


def _docx_rows(table, qn) -> Rows:
    """The grid of a ``w:tbl``: ``gridSpan`` widens a cell, ``vMerge="continue"`` extends the one above."""
    places: dict[tuple[int, int], Cell] = {}
    width = 0
    rows = table.findall(qn("w:tr"))
    for r, tr in enumerate(rows):
        c = _value(tr.find(f"{qn('w:trPr')}/{qn('w:gridBefore')}"), qn, default=0)
        for tc in tr.findall(qn("w:tc")):
            properties = tc.find(qn("w:tcPr"))
            span = _value(
                properties.find(qn("w:gridSpan")) if properties is not None else None, qn, default=1
            )
            span = max(1, min(span, MAX_SPAN))
            merge = properties.find(qn("w:vMerge")) if properties is not None else None
            continues = merge is not None and merge.get(qn("w:val")) in (None, "continue")
            text = "\n".join(
                "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.findall(qn("w:p"))
            )
            for dc in range(span):
                above = places.get((r - 1, c + dc)) if continues else None
                places[(r, c + dc)] = above or Cell(clean_cell(text), (r, c))
            c += span
            if len(places) > MAX_CELLS:
                raise InvalidInput("表格过大，无法读取", {"path": "docx"})
        width = max(width, c)
    return tuple(
        tuple(places.get((r, c), Cell("", (r, c))) for c in range(width)) for r in range(len(rows))
    )


def _value(element, qn, *, default: int) -> int:
    """A numeric ``w:val``, ``default`` when absent or unreadable, never more than MAX_SPAN."""
    if element is None:
        return default
    try:
        return max(0, min(int(element.get(qn("w:val")) or default), MAX_SPAN))
    except ValueError:
        return default


# -- web pages ---------------------------------------------------------------------------------

_MARK = "\x00TABLE{}\x00"
_MARK_PATTERN = re.compile("\x00TABLE([0-9]+)\x00")


def _html_blocks(path: Path) -> tuple[list[Block], str | None]:
    from bs4 import BeautifulSoup
    from bs4 import MarkupResemblesLocatorWarning

    from indexer.loaders import html as html_loader

    data = html_loader.read_bytes(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(html_loader._decode(data, path), "html.parser")
    address = _page_address(soup)
    for tag in soup.find_all(sorted(html_loader.DROPPED)):
        tag.decompose()
    tables: list[Rows] = []
    try:
        for table in soup.find_all("table"):
            if table.find("table") is None:
                tables.append(_html_rows(table))
                table.replace_with(_MARK.format(len(tables) - 1))
        text = "".join(html_loader._text_pieces(soup.body or soup))
    except RecursionError as error:
        raise InvalidInput(
            f"无法读取网页文件 {path.name}：标签嵌套过深", {"path": str(path)}
        ) from error
    blocks: list[Block] = []
    parts = _MARK_PATTERN.split(text)
    for index, part in enumerate(parts):
        if index % 2:
            blocks.append(tables[int(part)])
        else:
            blocks.extend(line.strip() for line in part.split("\n") if line.strip())
    return blocks, address


def _html_rows(table) -> Rows:
    rows = []
    for tr in table.find_all("tr"):
        cells = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            for br in cell.find_all("br"):
                br.replace_with("\n")
            cells.append(
                SpanCell(
                    cell.get_text(),
                    rowspan=_span(cell.get("rowspan")),
                    colspan=_span(cell.get("colspan")),
                )
            )
        rows.append(cells)
    return grid_from_spans(rows)


def _span(value: object) -> int:
    try:
        return int(str(value).strip()) if value is not None else 1
    except ValueError:
        return 1


def _page_address(soup) -> str | None:
    """The page's own address: its canonical link or ``og:url``, when it gives one."""
    link = soup.find("link", rel="canonical")
    meta = soup.find("meta", attrs={"property": "og:url"})
    for candidate in (link and link.get("href"), meta and meta.get("content")):
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            return candidate.strip()
    return None


# -- PDF ---------------------------------------------------------------------------------------


def _pdf_blocks(path: Path) -> Iterator[Block]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                yield from _pdf_page_blocks(page)
    except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError) as error:
        raise InvalidInput(
            f"无法读取 PDF 文件 {path.name}：文件已损坏或不是 PDF 格式",
            {"path": str(path), "reason": str(error)},
        ) from error


def _pdf_page_blocks(page) -> list[Block]:
    """Text lines and ruled tables of one page, ordered top to bottom."""
    tables = page.find_tables()
    if not tables:
        # No ruled table: read the page as laid out, where columns of figures stay aligned.
        return text_blocks((page.extract_text(layout=True) or "").split("\n"), wide=1)
    placed: list[tuple[float, Block]] = [(t.bbox[1], _pdf_rows(page, t)) for t in tables]
    for line in page.extract_text_lines():
        middle = (line["top"] + line["bottom"]) / 2
        inside = any(t.bbox[1] <= middle <= t.bbox[3] for t in tables)
        if not inside and line["text"].strip():
            placed.append((line["top"], line["text"].strip()))
    placed.sort(key=lambda item: item[0])
    return [block for _, block in placed]


def _pdf_rows(page, table) -> Rows:
    """The grid of a ruled table from its cells' rectangles: a cell spans the lines it covers."""
    xs = _boundaries([x for cell in table.cells for x in (cell[0], cell[2])])
    ys = _boundaries([y for cell in table.cells for y in (cell[1], cell[3])])
    places: dict[tuple[int, int], Cell] = {}
    for x0, top, x1, bottom in table.cells:
        left, right = _index(xs, x0), _index(xs, x1)
        first, last = _index(ys, top), _index(ys, bottom)
        text = page.within_bbox((x0, top, x1, bottom)).extract_text() or ""
        cell = Cell(clean_cell(text), (first, left))
        for r in range(first, max(last, first + 1)):
            for c in range(left, max(right, left + 1)):
                places.setdefault((r, c), cell)
    height, width = len(ys) - 1, len(xs) - 1
    return tuple(
        tuple(places.get((r, c), Cell("", (r, c))) for c in range(width)) for r in range(height)
    )


def _boundaries(values: list[float], tolerance: float = 2.0) -> list[float]:
    found: list[float] = []
    for value in sorted(values):
        if not found or value - found[-1] > tolerance:
            found.append(value)
    return found


def _index(boundaries: list[float], value: float) -> int:
    return min(range(len(boundaries)), key=lambda i: abs(boundaries[i] - value))
