"""Clause words: the one grammar that reads and writes a clause's place in a document.

``clause_words`` writes a clause path as a citation says it (``四.8`` → 第四部分第8条) and
``read_clause`` reads it back from running text; the citation styles, a standard's basis and
依据核查 all use these two, built on :mod:`kb.numerals`, so they cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kb.numerals import ARTICLE_NUMBER
from kb.numerals import FULL
from kb.numerals import POINT_LABEL
from kb.numerals import SMALL

_NUMERAL = FULL
_ARTICLE = re.compile(rf"第{ARTICLE_NUMBER}条")
_ABOVE_ARTICLE = re.compile(rf"第{ARTICLE_NUMBER}[编章节]")
_PART = re.compile(rf"[{SMALL}]+")
_ITEM = re.compile(r"[0-9]+")
_PARENTHESISED = re.compile(r"（[^（）]+）")
_POINT = re.compile(POINT_LABEL)
_DUPLICATE = re.compile(r"~[0-9]+$")


# -- clauses ---------------------------------------------------------------------------------


def clause_words(path: str) -> str:
    """The words citing the clause at ``path``: ``四.8`` → ``第四部分第8条``.

    Segments above an article (第X章, 第X节) are dropped when an article follows, because
    articles are numbered through a whole document and cited alone.
    """
    segments = [_DUPLICATE.sub("", s) for s in path.split(".") if s]
    articles = [i for i, s in enumerate(segments) if _ARTICLE.fullmatch(s)]
    if articles:
        segments = segments[articles[0] :]
    words = []
    for segment in segments:
        words.append(_segment_words(segment, under_article=bool(articles)))
    return "".join(words)


def _segment_words(segment: str, *, under_article: bool) -> str:
    if _ARTICLE.fullmatch(segment) or _ABOVE_ARTICLE.fullmatch(segment):
        return segment
    if _PART.fullmatch(segment):
        return f"第{segment}部分"
    if _ITEM.fullmatch(segment):
        return f"第{segment}项" if under_article else f"第{segment}条"
    if _PARENTHESISED.fullmatch(segment):
        return f"第{segment}项"
    if _POINT.fullmatch(segment):
        return f"“{segment}”"
    return segment


#: Clause words in running text: kind, pattern, rank (a lower rank is a higher level, as in
#: ``indexer.structure``). Spaces may sit anywhere inside.
_WORDS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("part", re.compile(rf"第\s*([{SMALL}]+)\s*部分"), 10),
    ("above", re.compile(rf"第\s*([{_NUMERAL}]+)\s*([编章节])"), 1),
    ("article", re.compile(rf"第\s*([{_NUMERAL}]+)\s*(条)"), 3),
    ("paragraph", re.compile(rf"第\s*([{_NUMERAL}]+)\s*(款)"), 4),
    ("item", re.compile(r"第\s*([0-9０-９]{1,3})\s*[条点项]"), 12),
    ("subsection", re.compile(rf"第?\s*[（(]\s*([{SMALL}]+)\s*[）)]\s*项?"), 11),
    ("subitem", re.compile(r"第?\s*[（(]\s*([0-9０-９]{1,3})\s*[）)]\s*项?"), 13),
    ("point", re.compile(rf"[“\"‘']\s*([{SMALL}]+是)\s*[”\"’']"), 20),
    ("bare_point", re.compile(rf"([{SMALL}]+是)"), 20),
)
_ABOVE_RANKS = {"编": 0, "章": 1, "节": 2}


@dataclass(frozen=True)
class ClauseReference:
    """Clause words read from a text: the path they name, its ranked segments, their span."""

    path: str
    segments: tuple[tuple[int, str], ...]
    start: int
    end: int


def read_clause(
    text: str,
    pos: int = 0,
    *,
    above: tuple[tuple[int, str], ...] = (),
    bare_point: bool = True,
) -> ClauseReference | None:
    """The clause words at ``pos``, the inverse of :func:`clause_words`: ``第四部分 第8条`` → ``四.8``.

    ``above`` are the segments of a clause listed just before (``第四部分第8条、第9条``): those
    of a higher level than the first word read are inherited (``四.9``). A 款 is read but is
    finer than kb's clauses, so it is left out of the path. ``bare_point=False`` asks 一是 to be
    quoted (“一是”) to count, because a bare one straight after a title is usually prose.
    """
    start = pos
    while start < len(text) and text[start] in " \t\u3000":
        start += 1
    segments: list[tuple[int, str]] = []
    end = start
    while True:
        read = _read_word(text, end, bare_point=bare_point or bool(segments))
        if read is None:
            break
        segments.append(read[0])
        end = read[1]
        while end < len(text) and text[end] in " \t\u3000":
            end += 1
    if not segments:
        return None
    end = start + len(text[start:end].rstrip())
    segments = [s for s in above if s[0] < segments[0][0]] + segments
    return ClauseReference(_path(segments), tuple(segments), start, end)


def _read_word(text: str, pos: int, *, bare_point: bool) -> tuple[tuple[int, str], int] | None:
    for kind, pattern, rank in _WORDS:
        if kind == "bare_point" and not bare_point:
            continue
        match = pattern.match(text, pos)
        if match:
            value = unicodedata.normalize("NFKC", match.group(1))
            if kind in ("above", "article", "paragraph"):
                suffix = match.group(2)
                return ((_ABOVE_RANKS.get(suffix, rank), f"第{value}{suffix}"), match.end())
            if kind in ("subsection", "subitem"):
                return (rank, f"（{value}）"), match.end()
            return (rank, value), match.end()
    return None


def _path(segments: list[tuple[int, str]]) -> str:
    names = [name for _, name in segments if not name.endswith("款")]
    articles = [i for i, name in enumerate(names) if _ARTICLE.fullmatch(name)]
    return ".".join(names[articles[0] :] if articles else names)
