"""HTML pages: visible text, one line per block element; scripts, styles and navigation dropped."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup
from bs4 import MarkupResemblesLocatorWarning
from bs4.element import NavigableString
from bs4.element import PreformattedString
from bs4.element import Tag

from indexer.loaders import RawDocument
from indexer.loaders.plain import decode_text
from indexer.loaders.plain import read_bytes
from kb.errors import InvalidInput

DROPPED = frozenset({"script", "style", "nav", "noscript", "template", "head", "iframe", "svg"})
BLOCKS = frozenset(
    "address article aside blockquote dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 "
    "h6 header hr li main ol p pre section table tbody td tfoot th thead tr ul".split()
)
_DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_-]+)", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def load(path: Path) -> RawDocument:
    """The text of an .html file, decoded by its declared charset, else as plain text is."""
    try:
        soup = _parse(_decode(read_bytes(path), path))
        title = soup.title.get_text(strip=True) if soup.title else ""
        for tag in soup.find_all(sorted(DROPPED)):
            tag.decompose()
        text = "".join(_text_pieces(soup.body or soup))
    except RecursionError as error:
        raise InvalidInput(
            f"无法读取网页文件 {path.name}：标签嵌套过深", {"path": str(path)}
        ) from error
    lines = (line.strip() for line in text.split("\n"))
    return RawDocument(
        text="\n".join(line for line in lines if line),
        source_path=str(path),
        title_hint=title or None,
    )


def _parse(markup: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        # A short page can look like a file name to bs4; it is not one.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(markup, "html.parser")


def _decode(data: bytes, path: Path) -> str:
    declared = _DECLARED_CHARSET.search(data[:4096])
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        if encoding in ("gb2312", "gbk"):
            encoding = "gb18030"  # a superset: pages labelled GB2312 often use GBK characters
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, path)


def _text_pieces(node: Tag) -> Iterator[str]:
    """Text in document order; block elements and <br> become line breaks."""
    for child in node.children:
        if isinstance(child, PreformattedString):
            continue  # comments, doctype, CDATA, processing instructions
        if isinstance(child, NavigableString):
            in_pre = child.find_parent("pre") is not None
            yield str(child) if in_pre else _WHITESPACE.sub(" ", str(child))
        elif isinstance(child, Tag):
            if child.name == "br":
                yield "\n"
            elif child.name in BLOCKS:
                yield "\n"
                yield from _text_pieces(child)
                yield "\n"
            else:
                yield from _text_pieces(child)
