"""Repair policy text as it comes out of files: one paragraph per line, no stray spaces.

Policy texts arrive hard-wrapped (often with blank lines between the broken halves of a
sentence), with page breaks and page numbers, spaces inside words, and fullwidth and halfwidth
characters mixed. Blank lines and line lengths say nothing reliable about paragraphs in such
text, so paragraphs are rebuilt from what the words say instead:

* a paragraph ends after a sentence (。；：！？), a heading (``一、主要目标``), a title
  (``…的通知``), a 文号 line or a date line;
* a paragraph starts at a clause label (一、 （一） 1. 1、 一是 第X条 …) even when the line
  before did not end a sentence;
* every other line break is a hard wrap and is joined.

Each decision looks only at the paragraph built so far and at the start of the next line, so
that repairing repaired text changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.documents.doc_numbers import canonical_doc_number
from kb.numerals import ARTICLE_NUMBER
from kb.numerals import DATE
from kb.numerals import POINT_LABEL
from kb.numerals import SECTION_LABEL
from kb.numerals import SUBSECTION_LABEL

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Punctuation and brackets of CJK text: no space is ever wanted next to them.
_CJK_PUNCTUATION = (
    r"\u2014\u2018\u2019\u201c\u201d\u2026\u3000-\u303f"
    r"\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
_CJK = _HAN + _CJK_PUNCTUATION

#: A clause label at the start of a paragraph; ``structure`` reads the named groups.
CLAUSE_LABEL = re.compile(
    rf"(?P<part>第{ARTICLE_NUMBER}(?P<part_kind>[编章节条]))"
    rf"|(?P<section>{SECTION_LABEL})"
    rf"|(?P<subsection>{SUBSECTION_LABEL})"
    rf"|(?P<item>[0-9]{{1,3}}(?:[.．、](?![0-9])|[）)]))"
    rf"|(?P<subitem>[（(][0-9]{{1,3}}[）)])"
    rf"|(?P<point>{POINT_LABEL})(?=\S)"
)

# Labels whose clauses may be bare headings (一、主要目标). Run-in labels such as 一是 never are:
# a long 一是 sentence hard-wrapped before its first comma must not become a heading.
_HEADING_GROUPS = ("part", "section", "subsection", "item")
_HEADING_MAX_CHARS = 30
_TITLE_MAX_CHARS = 100

_TITLE_ENDING = re.compile(
    r"(?:通知|通报|方案|办法|指引|指南|说明|意见|规定|细则|决定|报告|批复|纪要|公告|通告|要点|"
    r"的函|(?:局|委|委员会|政府|办公室|办公厅|厅|部)文件)"
    r"(?:[（(](?:试行|暂行|修订|修订稿|征求意见稿|草案)[）)])?$"
)
_SENTENCE_PUNCTUATION = re.compile(r"[。，；：！？,;:!?]")
_SENTENCE_END = re.compile(r"[。；：！？;:!?][”’」』）)】〕》]*$")
_DATE_LINE = re.compile(rf"[（(]?{DATE}(?:印发|发布|制发|签发|起施行|施行)?[）)]?")
_DASHES = "-‐‑‒–—―－~～"
_PAGE_NUMBER = re.compile(
    rf"[{_DASHES}]+\s*\d{{1,4}}\s*[{_DASHES}]+"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
)
_BARE_PAGE_NUMBER = re.compile(r"\d{1,4}(?:\s*/\s*\d{1,4})?")

_INVISIBLE = dict.fromkeys(map(ord, "\ufffd\ufeff\u200b\u200c\u200d\u2060\u00ad"))
_FULLWIDTH_ALNUM = {
    code: code - 0xFEE0
    for first, last in (("０", "９"), ("Ａ", "Ｚ"), ("ａ", "ｚ"))
    for code in range(ord(first), ord(last) + 1)
}
_WIDE_PUNCTUATION = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_HALFWIDTH_NEXT_TO_HAN = re.compile(rf"(?<=[{_HAN}])[,;:!?]|[,;:!?](?=[{_HAN}])")
_PARENTHESISED_HAN = re.compile(rf"\(([^()]*[{_HAN}][^()]*)\)")
_SPACE_RUN = re.compile(r"[^\S\n\f]+")
_UNWANTED_SPACE = re.compile(
    rf"(?<=[{_CJK}]) (?=[{_CJK}0-9])|(?<=[0-9]) (?=[{_CJK}])"
    rf"|(?<=[{_CJK_PUNCTUATION}]) | (?=[{_CJK_PUNCTUATION}])"
)


def repair(text: str) -> str:
    """The text with one paragraph per line, hard wraps joined and stray spaces removed."""
    lines = [_clean_line(line) for line in _content_lines(_normalise_characters(text))]
    paragraphs = _paragraphs(line for line in lines if line)
    return "\n".join(p for p in paragraphs if not _PAGE_NUMBER.fullmatch(p))


def starts_clause(line: str) -> bool:
    """Whether ``line`` begins with a clause label such as 一、 （一） 1. 一是 or 第X条."""
    return CLAUSE_LABEL.match(line) is not None


def is_heading(paragraph: str) -> bool:
    """Whether ``paragraph`` is a bare numbered heading such as ``一、主要目标``."""
    label = CLAUSE_LABEL.match(paragraph)
    if label is None or label.lastgroup not in _HEADING_GROUPS:
        return False
    rest = paragraph[label.end() :]
    return len(rest) <= _HEADING_MAX_CHARS and not _SENTENCE_PUNCTUATION.search(rest)


def is_title(paragraph: str) -> bool:
    """Whether ``paragraph`` reads as a document title (``…关于…的通知``, ``…工作方案``)."""
    return (
        len(paragraph) <= _TITLE_MAX_CHARS
        and not _SENTENCE_PUNCTUATION.search(paragraph)
        and _TITLE_ENDING.search(paragraph) is not None
    )


def is_date_line(paragraph: str) -> bool:
    """Whether ``paragraph`` is nothing but a date, as in ``2024年5月9日印发``."""
    return _DATE_LINE.fullmatch(paragraph) is not None


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Join hard-wrapped lines into paragraphs."""
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        if current and (_ends_paragraph(current) or _starts_paragraph(line)):
            paragraphs.append(current)
            current = ""
        current = _clean_line(f"{current} {line}") if current else line
    if current:
        paragraphs.append(current)
    return paragraphs


def _ends_paragraph(paragraph: str) -> bool:
    return (
        _SENTENCE_END.search(paragraph) is not None
        or is_heading(paragraph)
        or is_title(paragraph)
        or _is_standalone(paragraph)
    )


def _starts_paragraph(line: str) -> bool:
    return starts_clause(line) or _is_standalone(line)


def _is_standalone(line: str) -> bool:
    """Date lines and 文号 lines stand alone on cover pages and under signatures."""
    return is_date_line(line) or canonical_doc_number(line) is not None


def _normalise_characters(text: str) -> str:
    """Newlines unified, invisible characters dropped, fullwidth letters and digits narrowed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\f")
    text = text.translate(_INVISIBLE).translate(_FULLWIDTH_ALNUM)
    return _SPACE_RUN.sub(" ", text)


def _content_lines(text: str) -> list[str]:
    """The lines of every page, without page numbers."""
    pages = text.split("\f")
    lines = []
    for page in pages:
        page_lines = [line for line in page.split("\n") if not _PAGE_NUMBER.fullmatch(line.strip())]
        if len(pages) > 1:
            page_lines = _drop_bare_page_numbers(page_lines)
        lines.extend(page_lines)
    return lines


def _drop_bare_page_numbers(lines: list[str]) -> list[str]:
    """A bare number alone at the top or bottom of a page is a page number."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edges = {filled[0], filled[-1]} if filled else set()
    return [
        line
        for i, line in enumerate(lines)
        if not (i in edges and _BARE_PAGE_NUMBER.fullmatch(line.strip()))
    ]


def _clean_line(line: str) -> str:
    """Punctuation widened next to Chinese text, spaces collapsed and removed inside words."""
    line = _HALFWIDTH_NEXT_TO_HAN.sub(lambda m: _WIDE_PUNCTUATION[m.group()], line)
    replaced = 1
    while replaced:  # innermost pair first: ((成本)) needs two rounds
        line, replaced = _PARENTHESISED_HAN.subn(r"（\1）", line)
    line = _SPACE_RUN.sub(" ", line).strip()
    return _UNWANTED_SPACE.sub("", line)
