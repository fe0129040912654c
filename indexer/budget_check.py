"""`kb check`: a budget sheet (file or JSON lines) → matched standards → a verdict per line.

The one entry point for the CLI, the API and the page: read the sheet (:mod:`kb.budget.sheet`),
make sure the index is there, find each line's candidates (:mod:`indexer.matching`), and apply
the rules (:func:`kb.budget.check_lines`). A reviewer who picks another standard for a row
re-runs it with ``overrides={row: code}``.

The page checks an uploaded sheet with :func:`check_upload`, which remembers its last checks per
searcher: the report's download (the same sheet, project and picks, posted again from the result
page) is written from the check the page showed, not checked again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.orm import Session

from indexer import collector
from indexer import sync
from indexer.matching import match_lines
from indexer.matching.view import opened
from kb.budget.checking import check_lines
from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.budget.lines import CheckReport
from kb.budget.project import resolve_context
from kb.budget.project import screen_regions
from kb.budget.sheet import BudgetSheet
from kb.budget.sheet import read_records
from kb.budget.sheet import read_sheet
from kb.config import Settings

Source = Path | str | BudgetSheet | Sequence[Mapping[str, Any]] | Sequence[BudgetLine]

#: Checks of uploaded sheets remembered per searcher (and per process): the page's check and
#: the download that follows it. A 10,000-line check holds about 33 MB beyond the candidates
#: matching keeps for the searcher anyway (tracemalloc, 2026-12-07).
REMEMBERED_CHECKS = 2
_CHECKS: WeakKeyDictionary[Any, OrderedDict[Hashable, CheckReport]] = WeakKeyDictionary()


def check_sheet(
    settings: Settings,
    session: Session,
    source: Source,
    context: CheckContext,
    overrides: Mapping[int, str] | None = None,
) -> CheckReport:
    """Check a budget sheet against the standards in force on ``context.on``.

    ``source`` is a path (.xlsx, .csv, .json), a sheet already read, JSON lines (objects keyed
    like a sheet's headers: ``item``/``事项``, ``quantity``/``数量`` …) or budget lines.
    ``overrides`` maps a row to the code of the standard the reviewer chose for it. The
    project's region is ``context.region``, else the one the sheet's title rows name, else
    上海市 (:func:`kb.budget.project.resolve_context`); a line whose 地区 is unknown is a
    broken row.

    :raises UnsupportedFile: a file of another type.
    :raises InvalidInput: a file that cannot be read, a sheet without a header naming 事项, or
        an unknown project region (with suggestions).
    """
    with collector.paused():
        sheet = as_sheet(source)
        context, region_notes = resolve_context(context, sheet.region)
        lines, unknown = screen_regions(sheet.lines)
        sync.ensure_index(settings, session)
        candidates = match_lines(settings, session, lines, context, overrides=overrides)
        return check_lines(
            lines,
            lambda line: candidates.get(line.row, ()),
            context,
            overrides=overrides,
            broken=tuple(sorted((*sheet.broken, *unknown), key=lambda row: row.row)),
            columns=sheet.columns,
            source=sheet.source,
            notes=(*region_notes, *sheet.notes),
        )


def check_upload(
    settings: Settings,
    session: Session,
    name: str,
    data: bytes,
    context: CheckContext,
    overrides: Mapping[int, str] | None = None,
) -> CheckReport:
    """:func:`check_sheet` of an uploaded file (its name and bytes), remembered.

    The last :data:`REMEMBERED_CHECKS` checks are kept per searcher, keyed by the file's name
    and content, the project (``context``, its day included) and ``overrides``: the same
    upload checked again against the same index is answered with the report already made.
    A new index commit (any change to the standards) brings a new searcher, and every check
    against it is made afresh; so does a sheet that fails to read (nothing is kept).
    """
    picks = tuple(sorted((overrides or {}).items()))
    key = (name, hashlib.sha256(data).digest(), context, picks)
    sync.ensure_index(settings, session)
    # The searcher the index reads now (held for the call, not its lock: the check takes its
    # own). Should a commit come in meanwhile, the report is kept under the older searcher,
    # which nothing asks for again.
    with opened(settings) as view:
        searcher = None if view is None else view.key
    remembered = None if searcher is None else _CHECKS.setdefault(searcher, OrderedDict())
    found = None if remembered is None else remembered.get(key)
    if found is not None:
        remembered.move_to_end(key)  # type: ignore[union-attr]
        return found
    report = check_sheet(settings, session, read_sheet(Path(name), data=data), context, overrides)
    if remembered is not None:
        remembered[key] = report
        while len(remembered) > REMEMBERED_CHECKS:
            remembered.popitem(last=False)
    return report


def as_sheet(source: Source) -> BudgetSheet:
    """The budget sheet ``source`` stands for (see :func:`check_sheet`)."""
    if isinstance(source, BudgetSheet):
        return source
    if isinstance(source, str | Path):
        return read_sheet(source)
    items = list(source)
    if items and all(isinstance(item, BudgetLine) for item in items):
        lines = tuple(item for item in items if isinstance(item, BudgetLine))
        columns = tuple(dict.fromkeys(header for line in lines for header, _ in line.cells))
        return BudgetSheet(lines=lines, broken=(), columns=columns)
    return read_records(items)  # type: ignore[arg-type]
