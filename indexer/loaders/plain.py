"""Plain text and Markdown files: UTF-8 with or without BOM, UTF-16 with BOM, or GB18030."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from indexer.loaders import RawDocument
from kb.errors import InvalidInput

_MARKDOWN_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$", re.MULTILINE)


def load(path: Path) -> RawDocument:
    """The text of a .txt or .md file; Markdown heading marks are removed."""
    text = decode_text(read_bytes(path), path)
    title_hint = None
    if path.suffix.lower() == ".md":
        title_hint = _first_top_heading(text)
        text = _MARKDOWN_HEADING.sub(r"\2", text)
    return RawDocument(text=text, source_path=str(path), title_hint=title_hint)


def decode_text(data: bytes, path: Path) -> str:
    """``data`` decoded by its BOM, else as UTF-8, else as GB18030 (GBK and GB2312 included).

    :raises InvalidInput: no encoding fits.
    """
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16")):
        if data.startswith(bom):
            return _decode(data, encoding, path)
    if data.startswith(codecs.BOM_UTF16_BE):
        return _decode(data, "utf-16", path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode(data, "gb18030", path)


def _decode(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"无法识别文件 {path.name} 的文字编码（已尝试 UTF-8 和 GB18030）",
            {"path": str(path), "position": error.start},
        ) from error


def read_bytes(path: Path) -> bytes:
    """The bytes of ``path``; an unreadable file is :class:`InvalidInput`."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise InvalidInput(
            f"无法读取文件 {path.name}：{error.strerror}", {"path": str(path)}
        ) from error


def _first_top_heading(text: str) -> str | None:
    for match in _MARKDOWN_HEADING.finditer(text):
        if len(match.group(1)) == 1:
            return match.group(2).strip() or None
    return None
