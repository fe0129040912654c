"""`kb check`: a budget sheet (file or JSON lines) → matched standards → a verdict per line.

The one entry point for the CLI, the API and the page: read the sheet (:mod:`kb.budget.sheet`),
make sure the index is there, find each line's candidates (:mod:`indexer.matching`), and apply
the rules (:func:`kb.budget.check_lines`). A reviewer who picks another standard for a row
re-runs it with ``overrides={row: code}``.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from indexer import sync
from indexer.matching import match_lines
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
    with collector_paused():
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


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector while a check runs (nested uses do nothing more).

    A 10,000-line check allocates millions of small objects (cells, lines, candidates, page
    rows). They set off pass after pass of the collector, and its full passes walk every
    object of the process, the search index's caches included: in a worker holding a
    100k-standard index, that was a third of a check's time. A check makes few reference
    cycles; the collector gathers them once it runs again.

    The switch is process-wide: made for gunicorn's sync workers (one request per process at
    a time); under a threaded server, other requests run without the collector meanwhile.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
