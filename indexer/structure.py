"""Split a policy text into its metadata and its clause tree.

Clause paths join one segment per level with ``.``; a segment is the label without its trailing
punctuation: ``四``, ``四.8``, ``一.一是``, ``二.（三）.2``, ``第二章.第十五条``. Labels nest
by kind (第X编 > 第X章 > 第X节 > 第X条 > 一、 > （一） > 1. > （1）); a label of a kind that is
not open yet goes under the nearest enclosing clause, so items numbered 1., 2., … straight
through a document sit under whichever 一、 part they appear in (``四.8``). 一是, 二是 … go
under the current clause. When a path repeats, the later clause gets ``~2``, ``~3`` … appended
to its last segment (``四.8~2``), so paths stay unique and stable as long as the text does.

A cover notice that issues another document (``…关于印发《X》的通知`` followed by X) is
recorded as X: X's title and clauses, with the 文号, issuer and date from the cover, because
that is how users cite it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import replace

from indexer.textfix import CLAUSE_LABEL
from indexer.textfix import is_date_line
from indexer.textfix import is_title
from indexer.textfix import repair
from kb.documents.doc_numbers import canonical_doc_number
from kb.numerals import DATE
from kb.numerals import chinese_number
from kb.records import ClauseRecord
from kb.records import DocumentRecord
from kb.vocab import DocType

HEADING_MAX_CHARS = 60

# How deep each kind of label sits; a new label closes every open clause of its rank or deeper.
_RANKS = {"编": 0, "章": 1, "节": 2, "条": 3, "section": 10, "subsection": 11, "item": 12}
_RANKS |= {"subitem": 13, "point": 20}

_ISSUING_NOTICE = re.compile(
    r"(?P<issuer>.*?)关于(?:印发|转发|发布|下发|颁发|修订)《(?P<title>[^《》]+)》的通知"
)
_ISSUER_BEFORE_ABOUT = re.compile(r"(?P<issuer>.+?)关于")
_LETTERHEAD = re.compile(r"(?P<issuer>.+?)文件")
_ORGANISATION = re.compile(r".+(?:局|委|委员会|政府|办公室|办公厅|厅|部|院|中心|署|处|所)")
_SENTENCE_PUNCTUATION = re.compile(r"[。，；：！？]")
_HEADING_END = re.compile(r"[。：；！？]")
_TITLE_QUALIFIER = re.compile(r"[（(](?:试行|暂行|修订|修订稿|征求意见稿|草案)[）)]$")
_SIGNATURE_MAX_CHARS = 30

_DATE = re.compile(DATE)


@dataclass(frozen=True)
class _OpenClause:
    """A clause whose children may still follow."""

    path: str
    rank: int


def parse_document(
    original_text: str,
    *,
    slug: str,
    source_path: str | None = None,
    title_hint: str | None = None,
) -> DocumentRecord:
    """Repair ``original_text`` and read its title, 文号, issuer, date, type and clauses.

    :param title_hint: the title to use when the text has no recognisable title line (for
        instance a file's title property).
    """
    text = repair(original_text)
    paragraphs = text.split("\n") if text else []
    title_at = _title_index(paragraphs)
    cover = paragraphs if title_at is None else paragraphs[: title_at + 1]
    body_at = 0 if title_at is None else title_at + 1
    title = paragraphs[title_at] if title_at is not None else None
    attachment_at = _attachment_index(paragraphs, title_at)
    if attachment_at is not None:
        cover = paragraphs[:attachment_at]
        body_at = attachment_at + 1
        title = paragraphs[attachment_at]
    title = title or title_hint or _fallback_title(paragraphs, slug)
    return DocumentRecord(
        slug=slug,
        title=title,
        original_text=original_text,
        text=text,
        clauses=parse_clauses(_without_signature(paragraphs[body_at:])),
        doc_number=_doc_number(paragraphs),
        issuer=_issuer(cover, paragraphs),
        doc_type=doc_type_of(title).value,
        issued_on=_issued_on(paragraphs),
        source_path=source_path,
    )


def parse_clauses(paragraphs: list[str]) -> tuple[ClauseRecord, ...]:
    """The clause tree of repaired paragraphs, flat and in document order; preamble skipped."""
    clauses: list[ClauseRecord] = []
    own_text: list[list[str]] = []
    open_clauses: list[_OpenClause] = []
    used_paths: set[str] = set()
    for paragraph in paragraphs:
        label = CLAUSE_LABEL.match(paragraph)
        if label is None:
            if own_text:
                own_text[-1].append(paragraph)
            continue
        rank = _rank(label)
        while open_clauses and open_clauses[-1].rank >= rank:
            open_clauses.pop()
        parent_path = open_clauses[-1].path if open_clauses else None
        path = _unique(_join_path(parent_path, _segment(label.group())), used_paths)
        used_paths.add(path)
        open_clauses.append(_OpenClause(path, rank))
        clauses.append(
            ClauseRecord(
                path=path,
                label=label.group(),
                heading="",
                text="",
                depth=len(open_clauses),
                parent_path=parent_path,
            )
        )
        own_text.append([paragraph])
    return tuple(_with_text(clause, lines) for clause, lines in zip(clauses, own_text, strict=True))


def doc_type_of(title: str) -> DocType:
    """The document type named by the end of ``title`` (…的通知 → notice), else ``other``."""
    core = _TITLE_QUALIFIER.sub("", title)
    for doc_type in DocType:
        if doc_type is not DocType.OTHER and core.endswith(doc_type.label):
            return doc_type
    return DocType.OTHER


def parse_date(text: str) -> dt.date | None:
    """The first date written as ``2024年5月9日`` or ``二〇二四年五月九日`` in ``text``."""
    for match in _DATE.finditer(text):
        year, month, day = (_number(match.group(part)) for part in ("year", "month", "day"))
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    return None


def _title_index(paragraphs: list[str]) -> int | None:
    """The first title line before the first clause, letterheads (…文件) excepted."""
    for i, paragraph in enumerate(paragraphs):
        if CLAUSE_LABEL.match(paragraph):
            return None
        is_letterhead = _LETTERHEAD.fullmatch(paragraph) and "关于" not in paragraph
        if (is_title(paragraph) or _ISSUING_NOTICE.fullmatch(paragraph)) and not is_letterhead:
            return i
    return None


def _attachment_index(paragraphs: list[str], title_at: int | None) -> int | None:
    """Where the document issued by a cover notice begins, if the text contains it."""
    if title_at is None:
        return None
    notice = _ISSUING_NOTICE.fullmatch(paragraphs[title_at])
    if notice is None:
        return None
    for i in range(title_at + 1, len(paragraphs)):
        if paragraphs[i] == notice.group("title"):
            return i
    return None


def _fallback_title(paragraphs: list[str], slug: str) -> str:
    first = next((p for p in paragraphs if p), slug)
    return _cut(first, HEADING_MAX_CHARS)


def _without_signature(paragraphs: list[str]) -> list[str]:
    """The body without the signature block (issuer and date) that may close it."""
    end = len(paragraphs)
    while end and _is_signature_line(paragraphs[end - 1]):
        end -= 1
    if any(is_date_line(p) for p in paragraphs[end:]):
        return paragraphs[:end]
    return paragraphs


def _is_signature_line(paragraph: str) -> bool:
    if CLAUSE_LABEL.match(paragraph):
        return False
    if is_date_line(paragraph) or canonical_doc_number(paragraph):
        return True
    return len(paragraph) <= _SIGNATURE_MAX_CHARS and not _SENTENCE_PUNCTUATION.search(paragraph)


def _doc_number(paragraphs: list[str]) -> str | None:
    """The 文号 standing on a line of its own; 文号 cited inside sentences are other documents'."""
    for paragraph in paragraphs:
        number = canonical_doc_number(paragraph)
        if number:
            return number
    return None


def _issuer(cover: list[str], paragraphs: list[str]) -> str | None:
    """The issuer named before 关于 in a title, by a letterhead, or by a signature line."""
    for paragraph in cover:
        about = _ISSUER_BEFORE_ABOUT.match(paragraph)
        if about and is_title(paragraph) and _ORGANISATION.fullmatch(about.group("issuer")):
            return about.group("issuer")
    for paragraph in cover:
        letterhead = _LETTERHEAD.fullmatch(paragraph)
        if letterhead and _ORGANISATION.fullmatch(letterhead.group("issuer")):
            return letterhead.group("issuer")
    return _signatory(paragraphs)


def _signatory(paragraphs: list[str]) -> str | None:
    """The organisation signing just above the date line (not the office that printed it)."""
    for before, paragraph in zip(paragraphs, paragraphs[1:], strict=False):
        if is_date_line(paragraph) and "印发" not in paragraph and _ORGANISATION.fullmatch(before):
            return before
    return None


def _issued_on(paragraphs: list[str]) -> dt.date | None:
    """The date of the first date line, preferring the signature date to the printing date."""
    date_lines = [p for p in paragraphs if is_date_line(p)]
    signed = [p for p in date_lines if "印发" not in p]
    for paragraph in signed or date_lines:
        date = parse_date(paragraph)
        if date:
            return date
    return None


def _rank(label: re.Match[str]) -> int:
    if label.lastgroup == "part":
        return _RANKS[label.group("part_kind")]
    return _RANKS[label.lastgroup or ""]


def _segment(label: str) -> str:
    """The label without trailing punctuation: ``四、`` → ``四``, ``8.`` → ``8``."""
    if label[0] in "（(":
        return f"（{label[1:-1]}）"
    return label.rstrip("、.．)）")


def _join_path(parent_path: str | None, segment: str) -> str:
    return segment if parent_path is None else f"{parent_path}.{segment}"


def _unique(path: str, used_paths: set[str]) -> str:
    """``path``, or ``path~2``, ``path~3`` … if an earlier clause already has it."""
    candidate, n = path, 1
    while candidate in used_paths:
        n += 1
        candidate = f"{path}~{n}"
    return candidate


def _with_text(clause: ClauseRecord, paragraphs: list[str]) -> ClauseRecord:
    text = "\n".join(paragraphs)
    return replace(clause, heading=_heading(text[len(clause.label) :]), text=text)


def _heading(own_text: str) -> str:
    """The clause's first sentence, or what precedes the first colon, cut to a short title."""
    first = _HEADING_END.split(own_text.strip(), maxsplit=1)[0]
    return _cut(first.split("\n", 1)[0].strip(), HEADING_MAX_CHARS)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(text: str) -> int:
    """``2024``, ``二〇二四``, ``十二`` or ``二十一`` as an integer."""
    return chinese_number(text)
