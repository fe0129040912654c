"""The documents interchange file: what kb knows of each policy document besides its text.

Like the standards file (DESIGN §4) it is CSV, XLSX or JSON, with Chinese headers or keys;
unknown columns are an error, a file is taken all or nothing with every problem listed by row
and column, and a file exported and imported again changes nothing. ``kb ingest`` tells it from
a standards file by its header (:func:`is_documents_table`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb.documents.doc_numbers import canonical_doc_number
from kb.documents.provenance import official_sources
from kb.errors import ImportRejected
from kb.fields import FIELD
from kb.files.cells import field_text
from kb.files.cells import parse_date
from kb.files.cells import parse_flag
from kb.files.rows import Columns
from kb.files.rows import RowReader
from kb.files.tables import Table
from kb.files.tables import read_table
from kb.files.tables import write_table
from kb.records import DocumentEntry
from kb.vocab import DocumentStatus


@dataclass(frozen=True)
class Column:
    """One column of the documents file: key, Chinese header, a note for users, a length limit."""

    key: str
    header: str
    note: str = ""
    max_length: int | None = None


#: The columns in file order; lengths follow ``kb.models.Document``.
COLUMNS: tuple[Column, ...] = (
    Column("doc_number", "文号", "如 财行〔2016〕214号；任何括号均可，保存为〔〕", 100),
    Column("title", "标题", "文件全称；印发通知写通知的全称（必填）", 500),
    Column("measure_title", "办法名称", "通知所印发的办法名称，引用时用它", 500),
    Column("issuer", "发文机关", max_length=200),
    Column("issued_on", "成文日期", "2016-06-29 或 2016年6月29日"),
    Column("effective_from", "施行日期"),
    Column("effective_to", "失效日期", "不得早于施行日期"),
    Column(
        "status", "状态", "现行有效、已修订、已被替代、已废止、尚未施行（或英文键）；空为未记录"
    ),
    Column("replaced_by", "替代文件", "替代本文件的文件的文号"),
    Column("replaces", "所替代文件", "本文件所替代的文件（文号或说明）"),
    Column("source", "来源", "读取文件信息的网址，以“ ; ”分隔"),
    Column("verified", "已核实", "是/否：是否已在发文机关自己的发布中核对；是则来源须含其网址"),
    Column("notes", "备注"),
)
_COLUMNS: Columns[Column] = Columns(COLUMNS)
HEADERS: dict[str, str] = _COLUMNS.headers
# Columns a standards file never has: a header with one of them is a documents file.
_DOCUMENT_ONLY = frozenset({"doc_number", "title", "measure_title", "issued_on", "replaced_by"})


def column_for(header: str) -> Column | None:
    """The column a header names: its Chinese header or its key (any letter case)."""
    return _COLUMNS.named(header)


def is_documents_table(table: Table) -> bool:
    """Whether a table's header is that of a documents file (a 文号 or 标题 column, say)."""
    keys = {column.key for header in table.headers if (column := column_for(header))}
    return (
        bool(keys & _DOCUMENT_ONLY)
        and FIELD["name"].header not in table.headers  # a standards file's 标准名称
        and ("name" not in {h.strip().lower() for h in table.headers})
    )


def read_documents(path: Path) -> list[DocumentEntry]:
    """Read a documents file (.csv, .xlsx, .json) and validate it as a whole.

    :raises ImportRejected: anything is wrong anywhere; every problem is listed.
    """
    path = Path(path)
    return parse_rows(read_table(path), source=path.name)


def parse_rows(table: Table, source: str) -> list[DocumentEntry]:
    """Turn a table into entries, or raise :class:`ImportRejected` listing every problem."""
    if not table.headers and not table.rows:
        return []
    layout, problems = _COLUMNS.read_header(table, required=("title",))
    entries: list[DocumentEntry] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        values = {key: cells[header] for header, key in layout.items()}
        row = _Row(_COLUMNS, number, values, present=set(layout.values()))
        entry = row.entry(seen)
        problems.extend(row.problems)
        if entry is not None:
            entries.append(entry)
    if problems:
        raise ImportRejected(source, problems)
    return entries


class _Row(RowReader):
    """A documents row: the shared cell readers and the 文号 rule."""

    def doc_number(self, key: str) -> str | None:
        text = self.text(key)
        if text is None:
            return None
        canonical = canonical_doc_number(text)
        if canonical is None:
            self.problem(
                key, f"“{text}”不是文号（应形如 财行〔2016〕214号）；不确定的文号请写在备注中"
            )
        return canonical

    def entry(self, seen: dict[str, int]) -> DocumentEntry | None:
        """The row as an entry, cells read in column order; ``None`` when it has problems."""
        doc_number = self.doc_number("doc_number")
        title = self.text("title", required=True)
        key = doc_number or title
        if key and key in seen:
            self.problem("doc_number" if doc_number else "title", f"与第{seen[key]}行重复")
        elif key:
            seen[key] = self.number
        measure_title = self.text("measure_title")
        issuer = self.text("issuer")
        issued_on = self.parsed("issued_on", parse_date)
        effective_from = self.parsed("effective_from", parse_date)
        effective_to = self.parsed("effective_to", parse_date)
        if effective_from and effective_to and effective_to < effective_from:
            self.problem(
                "effective_to",
                f"失效日期 {effective_to.isoformat()} 早于施行日期 {effective_from.isoformat()}",
            )
        status = self.parsed("status", DocumentStatus.parse)
        replaced_by = self.doc_number("replaced_by")
        if replaced_by and replaced_by == doc_number:
            self.problem("replaced_by", "文件不能替代它自己")
        replaces = self.text("replaces")
        source = self.text("source")
        verified = self.parsed("verified", parse_flag) or False
        if verified and not official_sources(source):
            self.problem(
                "verified",
                "“已核实”须有发文机关自己发布的来源网址（如 gov.cn、mof.gov.cn），转载页不算",
            )
        notes = self.text("notes")
        if self.problems:
            return None
        return DocumentEntry(
            title=title or "",
            doc_number=doc_number,
            measure_title=measure_title,
            issuer=issuer,
            issued_on=issued_on,
            effective_from=effective_from,
            effective_to=effective_to,
            status=status,
            replaced_by=replaced_by,
            replaces=replaces,
            source=source,
            verified=verified,
            notes=notes,
        )


def entry_to_row(entry: DocumentEntry) -> dict[str, str]:
    """An entry as cells keyed by column key: labels in Chinese, ISO dates, 是/否."""
    return {column.key: field_text(getattr(entry, column.key)) for column in COLUMNS}


def write_documents(
    path: Path, entries: Iterable[DocumentEntry], *, key_headers: bool = False
) -> None:
    """Write entries as .csv, .xlsx or .json; :func:`read_documents` reads them back unchanged."""
    names = {column.key: column.key if key_headers else column.header for column in COLUMNS}
    rows = ({names[k]: v for k, v in entry_to_row(entry).items()} for entry in entries)
    write_table(Path(path), [names[column.key] for column in COLUMNS], rows)
