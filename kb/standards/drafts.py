"""The content of a draft: records and edits checked by the interchange file's rules.

An edit from a form or the API is checked cell by cell exactly as an imported row is, so a value
refused in a file is refused in an edit with the same Chinese message. Problems are raised as
:class:`~kb.errors.InvalidInput` whose ``details`` map each field key to its message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from kb.errors import ImportRejected
from kb.errors import InvalidInput
from kb.fields import LIFECYCLE_FIELDS
from kb.fields import VERSION_FIELDS
from kb.files.cells import field_text
from kb.files.tables import Table
from kb.models import StandardVersion
from kb.records import StandardRecord
from kb.standards import to_record
from kb.standards.interchange import HEADERS
from kb.standards.interchange import column_for
from kb.standards.interchange import parse_rows
from kb.standards.interchange import record_to_row
from kb.vocab import Status

#: What a version says: an edit that changes none of these changes nothing.
CONTENT_FIELDS: tuple[str, ...] = tuple(f for f in VERSION_FIELDS if f not in LIFECYCLE_FIELDS)
STATUS_BY_WORKFLOW = "状态不能直接修改，请通过审核流程变更（征求意见、发布、退回、废止）"


def validated(record: StandardRecord) -> StandardRecord:
    """``record`` read back through the interchange rules.

    :raises InvalidInput: a field breaks them; ``details`` is {field: message}.
    """
    return parse_cells(record_to_row(record))


def revised_record(
    latest: StandardVersion, changes: Mapping[str, Any] | StandardRecord
) -> StandardRecord:
    """The draft record that ``changes`` make of ``latest``, checked; its status is ``draft``.

    A mapping edits some fields (keys or Chinese headers; ``None`` or ``""`` empties one); a
    record replaces them all. Effective dates of a published version are not carried over.

    :raises InvalidInput: an unknown field, a changed code or status, or a field breaking the rules.
    """
    code = latest.standard.code
    if isinstance(changes, StandardRecord):
        if changes.code not in (None, code):
            raise _invalid({"code": f"标准编号不能修改（{code}）"})
        cells = record_to_row(changes)
    else:
        base = to_record(latest)
        if Status(latest.status).published:
            base = replace(base, effective_from=None, effective_to=None)
        cells = record_to_row(base)
        cells.update(_edited_cells(changes, latest))
    cells.update(code=code, status=Status.DRAFT.label)
    return parse_cells(cells)


def changed_content(
    old: StandardRecord, new: StandardRecord, *, with_dates: bool
) -> tuple[str, ...]:
    """The fields of what a version says that differ (and its proposed dates, ``with_dates``)."""
    names = CONTENT_FIELDS + (("effective_from", "effective_to") if with_dates else ())
    return tuple(name for name in names if getattr(old, name) != getattr(new, name))


def _edited_cells(changes: Mapping[str, Any], latest: StandardVersion) -> dict[str, str]:
    cells: dict[str, str] = {}
    problems: dict[str, str] = {}
    for name, value in changes.items():
        column = column_for(str(name))
        text = field_text(value)
        if column is None:
            problems[str(name)] = "没有这个字段"
        elif column.key == "code":
            if text.strip() not in ("", latest.standard.code):
                problems["code"] = f"标准编号不能修改（{latest.standard.code}）"
        elif column.key == "status":
            if text.strip() and not _keeps_status(text, latest):
                problems["status"] = STATUS_BY_WORKFLOW
        else:
            cells[column.key] = text
    if problems:
        raise _invalid(problems)
    return cells


def _keeps_status(text: str, latest: StandardVersion) -> bool:
    """Whether a status sent with an edit is harmless: ``draft`` or the one it already has."""
    try:
        status = Status.parse(text)
    except InvalidInput:
        return False
    return status in (Status.DRAFT, Status(latest.status))


def parse_cells(cells: Mapping[str, str]) -> StandardRecord:
    """One record from interchange cells keyed by column key.

    :raises InvalidInput: with ``details`` {field: message}, messages as for an imported file.
    """
    table = Table(headers=tuple(cells), rows=((2, dict(cells)),))
    try:
        (record,) = parse_rows(table, source="修改内容")
    except ImportRejected as error:
        problems: dict[str, str] = {}
        for problem in error.problems:
            column = column_for(problem.column)
            key = column.key if column else problem.column
            problems[key] = "；".join(filter(None, (problems.get(key), problem.message)))
        raise _invalid(problems) from error
    return record


def _invalid(problems: dict[str, str]) -> InvalidInput:
    listed = "；".join(f"{HEADERS.get(key, key)}：{message}" for key, message in problems.items())
    return InvalidInput(f"有 {len(problems)} 处需要修改：{listed}", problems)
