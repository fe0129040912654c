"""Finding citations in a text: documents, clauses and standard codes, in linear time.

:func:`find_citations` reads ``《title》（文号）第X部分第Y条``, ``《title》第十五条``,
``《title》（文号）``, a bare 文号 (``青财督〔2024〕58号第8条``) and standard codes
(``QP-CQ-0012``, ``QP-CQ-0012，第2版``, ``QP-CQ-0012（第二版）``), with 文号 in any bracket style and spaces anywhere.
A list of clauses (``第四部分第8条、第9条``) gives one citation per clause, each spanning its
own words; later ones inherit the higher levels (第四部分) of the first. A range
(``第8条至第10条``) gives its two ends.
``（以下简称《实施方案》）`` defines an abbreviation that later ``《实施方案》`` citations resolve to.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import replace

from kb.citing.clauses import clause_words
from kb.citing.clauses import read_clause
from kb.documents.doc_numbers import CLOSING_BRACKETS
from kb.documents.doc_numbers import OPENING_BRACKETS
from kb.documents.doc_numbers import canonical_doc_number
from kb.documents.doc_numbers import find_doc_numbers
from kb.numerals import SMALL
from kb.numerals import chinese_number

_TITLE = re.compile(r"《([^《》\n]{1,120})》")
_NOTICE_TAIL = re.compile(r"\s{0,2}的通知")
_ALIAS = re.compile(r"\s{0,2}[（(]\s*(?:以下)?简称\s*《([^《》]{1,40})》\s*[）)]")
_AFTER_NUMBER = re.compile(r"\s{0,2}(?:文件|文)?")
_VERSION = rf"第\s*([0-9０-９]+|[{SMALL}]{{1,3}})\s*版"
# A code, and its version after a comma, in brackets or right after it: QP-CQ-0012，第2版,
# QP-CQ-0012（第2版）, QP-CQ-0012第二版.
_CODE = re.compile(
    r"(?<![A-Za-z0-9-])([A-Z]{2,4}(?:-[A-Z]{2,4})?-[0-9]{3,6})(?![A-Za-z0-9-])"
    rf"(?:\s*[，,]\s*{_VERSION}|\s*[（(]\s*{_VERSION}\s*[）)]|\s*{_VERSION})?"
)
# A list or a range of clauses: a range is checked at its two ends.
_JOIN = re.compile(r"\s{0,2}(?:、|以及|和|及|与|或|至|到|～|~|—)\s{0,2}")


@dataclass(frozen=True)
class FoundCitation:
    """One citation in a text: its words, offsets, and what it names.

    ``clause`` is the clause in canonical words (``第四部分第9条``, also for ``、第9条``),
    ``clause_path`` its path (``四.9``); ``code``/``version`` are set for standards.
    """

    raw: str
    start: int
    end: int
    title: str | None = None
    doc_number: str | None = None
    clause: str | None = None
    clause_path: str | None = None
    code: str | None = None
    version: int | None = None


# -- finding ---------------------------------------------------------------------------------


def find_citations(text: str) -> list[FoundCitation]:
    """Every citation of a document, clause or standard code in ``text``, in text order.

    Linear in the length of ``text``: every pattern is bounded, and the spans already taken are
    kept merged and sorted (:class:`Spans`), so a position is checked in logarithmic time.
    """
    found: list[FoundCitation] = []
    taken = Spans()
    aliases: dict[str, tuple[str, str | None]] = {}
    for match in _TITLE.finditer(text):
        if taken.covers(match.start()):
            continue
        title, number = aliases.get(_normal(match.group(1)), (match.group(1), None))
        number, pos = _bracketed_number(text, match.end(), number)
        alias = _ALIAS.match(text, pos)
        if alias:
            aliases[_normal(alias.group(1))] = (title, number)
            taken.add(alias.start(), alias.end())
        cited = FoundCitation("", match.start(), pos, title, number)
        found += _with_clauses(text, cited, pos, taken)
    for match in _CODE.finditer(text):
        if not taken.covers(match.start()):
            written = match.group(2) or match.group(3) or match.group(4)
            version = _version_number(written) if written else None
            found.append(
                FoundCitation(match.group(0), *match.span(), code=match.group(1), version=version)
            )
            taken.add(*match.span())
    for number, start, end in find_doc_numbers(text):
        if not taken.covers(start):
            pos = _AFTER_NUMBER.match(text, end).end()
            found += _with_clauses(text, FoundCitation("", start, end, None, number), pos, taken)
    return sorted(found, key=lambda f: (f.start, f.end))


class Spans:
    """Disjoint, sorted character spans: which parts of a text are already taken."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def covers(self, position: int) -> bool:
        """Whether ``position`` lies inside a span."""
        index = bisect.bisect_right(self.starts, position) - 1
        return index >= 0 and position < self.ends[index]

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` shares a character with a span."""
        index = bisect.bisect_left(self.starts, end) - 1
        return index >= 0 and self.ends[index] > start

    def add(self, start: int, end: int) -> None:
        """Take ``[start, end)``, merging it with the spans it touches."""
        low = bisect.bisect_left(self.ends, start)
        high = bisect.bisect_right(self.starts, end)
        if low < high:
            start = min(start, self.starts[low])
            end = max(end, self.ends[high - 1])
        self.starts[low:high] = [start]
        self.ends[low:high] = [end]


def _version_number(written: str) -> int:
    """``2``, ``２`` or ``二`` → 2."""
    digits = unicodedata.normalize("NFKC", written)
    return int(digits) if digits.isdigit() else chinese_number(digits)


def _normal(title: str) -> str:
    """A title with spaces, 〈〉 marks and character-width differences taken out."""
    text = unicodedata.normalize("NFKC", title)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "〈〉<>《》")


def _bracketed_number(text: str, pos: int, number: str | None) -> tuple[str | None, int]:
    """A 文号 in brackets right after a title (also after 的通知), and where it ends."""
    notice = _NOTICE_TAIL.match(text, pos)
    start = notice.end() if notice else pos
    while start < len(text) and text[start] in " \t\u3000":
        start += 1
    if start < len(text) and text[start] in OPENING_BRACKETS:
        for close in range(start + 2, min(len(text), start + 48)):
            if text[close] in CLOSING_BRACKETS:
                canonical = canonical_doc_number(text[start + 1 : close])
                if canonical:
                    return canonical, close + 1
    return number, pos


def _with_clauses(text: str, cited: FoundCitation, pos: int, taken: Spans) -> list[FoundCitation]:
    """``cited`` once per clause that follows it (or once, alone), marking the spans taken."""
    clauses = _read_clauses(text, pos)
    if not clauses:
        taken.add(cited.start, cited.end)
        return [replace(cited, raw=text[cited.start : cited.end])]
    results = []
    for index, (path, start, end) in enumerate(clauses):
        start = cited.start if index == 0 else start
        results.append(
            replace(
                cited,
                raw=text[start:end],
                start=start,
                end=end,
                clause=clause_words(path),
                clause_path=path,
            )
        )
    taken.add(cited.start, clauses[-1][2])
    return results


def _read_clauses(text: str, pos: int) -> list[tuple[str, int, int]]:
    """Clause references from ``pos``: ``(path, start, end)`` for each clause listed."""
    clauses: list[tuple[str, int, int]] = []
    above: tuple[tuple[int, str], ...] = ()
    while True:
        clause = read_clause(text, pos, above=above, bare_point=bool(clauses))
        if clause is None:
            return clauses
        clauses.append((clause.path, clause.start, clause.end))
        above = clause.segments
        join = _JOIN.match(text, clause.end)
        if join is None:
            return clauses
        pos = join.end()
