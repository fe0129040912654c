"""PDF files: the text layer of each page, pages separated by form feeds (no OCR)."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from indexer.loaders import RawDocument
from kb.errors import InvalidInput


def load(path: Path) -> RawDocument:
    """The text of a .pdf file; a scanned PDF without a text layer gives empty text."""
    try:
        with pdfplumber.open(path) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
            title = pdf.metadata.get("Title")
    except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError) as error:
        raise InvalidInput(
            f"无法读取 PDF 文件 {path.name}：文件已损坏或不是 PDF 格式",
            {"path": str(path), "reason": str(error)},
        ) from error
    title_hint = title.strip() if isinstance(title, str) and title.strip() else None
    return RawDocument(text="\f".join(pages), source_path=str(path), title_hint=title_hint)
