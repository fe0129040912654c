"""The facts budget matching reads, kept with the index: one file per commit, written at index time.

A 10,000-line check against 100k standards needs the facts (:class:`kb.budget.facts.StandardFacts`)
of ≈ 68k related standard versions; read from the database at every worker's first check they
were its largest single step (bench/README "Budget check at scale"). They are written instead
where the index is written, beside its segments, in one file that a worker loads in a fraction
of that time (the matching reads them from it by the standard's database id and version, which
the index's tie-break key holds).

*Following the index.* The file belongs to one commit of the index: it is named by the
``CURRENT`` token's serial inside the generation's folder (``gen-…/budget-facts-<serial>.pickle``)
and holds that serial. A rebuild writes it for its new generation before the generation is
swapped in (:func:`write_facts`, called by :mod:`indexer.sync`). An update commits a new serial,
for which no file exists yet: the first check against it reads the facts from the database, as
before, and writes the file for that commit (:func:`facts_for`), so other workers load it. A
file of another commit is never read, so no check sees facts older than the index it matches
against; a missing, unreadable or foreign file only means the database is read. (Facts read
at first need may be newer than the commit, if the database changed since: as when every check
read them from the database.)

The file is a pickle of plain values (a numpy array of keys, and per version a tuple of texts,
numbers, decimals, dates and flags, equal values stored once) written by this module into the
index folder, which only the application writes — the same trust Whoosh gives
its own segment files.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import uuid
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from indexer.schema import STANDARD_ID_SHIFT
from kb.budget.facts import StandardFacts
from kb.budget.facts import read_all_facts

#: Bump when the file's content changes: a file of another format is not read.
FORMAT = 1
_PREFIX = "budget-facts-"
_FIELDS = StandardFacts._fields


def facts_path(generation: Path, serial: int) -> Path:
    """The facts file of one commit (``serial``) of a generation's folder."""
    return generation / f"{_PREFIX}{serial}.pickle"


def write_facts(generation: Path, session: Session, serial: int = 0) -> Path:
    """Write the facts of every cost quota and expenditure standard version the session sees
    into ``generation``'s folder, for its commit ``serial``; files of earlier commits go.

    Written atomically (a reader sees the whole file or none).
    """
    return _write(generation, serial, _read_all(session))


class FactsFile:
    """The facts of one commit by key (:func:`indexer.schema.tiebreak_key`: the standard's
    database id shifted, then the version), in key order."""

    def __init__(self, token: str, keys: np.ndarray, rows: list[tuple[Any, ...]]) -> None:
        self.token = token
        self.keys = keys
        self.rows = rows

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, keys: Sequence[int]) -> list[StandardFacts | None]:
        """The facts of these versions (``None`` for a key the file does not hold)."""
        if not len(self.keys):
            return [None] * len(keys)
        wanted = np.asarray(keys, dtype=np.int64)
        at = np.searchsorted(self.keys, wanted)
        at[at >= len(self.keys)] = 0
        present = self.keys[at] == wanted
        rows, new = self.rows, tuple.__new__
        return [
            new(StandardFacts, rows[row]) if here else None
            for row, here in zip(at.tolist(), present.tolist(), strict=True)
        ]


def load_facts(generation: Path, token: str) -> FactsFile | None:
    """The facts file of the commit ``token`` names, or ``None`` (missing, unreadable, of
    another format or another commit)."""
    path = facts_path(generation, _serial(token))
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)  # noqa: S301 - the index folder's own file
    except (OSError, EOFError, ImportError, LookupError, *_UNREADABLE):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    keys, rows = data.get("keys"), data.get("rows")
    if data.get("serial") != _serial(token) or not _whole(keys, rows):
        return None
    return FactsFile(token, keys, rows)


#: What unpickling a damaged file raises besides a missing one's errors.
_UNREADABLE = (pickle.UnpicklingError, ValueError, TypeError, AttributeError, MemoryError)


def _whole(keys: Any, rows: Any) -> bool:
    """Whether a file's keys and rows are what :func:`_write` writes: as many rows as keys, in
    key order, each with every field."""
    if not isinstance(keys, np.ndarray) or keys.dtype != np.int64 or keys.ndim != 1:
        return False
    if not isinstance(rows, list) or len(rows) != len(keys):
        return False
    if len(keys) > 1 and not bool(np.all(keys[1:] > keys[:-1])):
        return False
    return all(isinstance(row, tuple) and len(row) == len(_FIELDS) for row in rows)


def facts_for(generation: Path, token: str, session: Session) -> FactsFile:
    """The facts of the commit ``token`` names: its file, else read from the database and
    written as its file (best effort: a folder that cannot be written only costs the next
    worker the same read)."""
    found = load_facts(generation, token)
    if found is not None:
        return found
    rows = _read_all(session)
    try:
        _write(generation, _serial(token), rows)
    except OSError:
        pass
    keys, shared = _shared(rows)
    return FactsFile(token, keys, shared)


def _serial(token: str) -> int:
    parts = token.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _read_all(session: Session) -> list[tuple[Any, ...]]:
    """Every version of the checked kinds as (key, *facts), in key order."""
    shift = STANDARD_ID_SHIFT
    rows = [
        (standard_id << shift | facts.version, *facts)
        for standard_id, facts in read_all_facts(session)
    ]
    rows.sort(key=lambda row: row[0])
    return rows


def _shared(rows: list[tuple[Any, ...]]) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """The keys as an array, and the facts as plain tuples whose equal values are one object:
    the pickle then holds each distinct text, figure and date once (regions, kinds, units and
    dates repeat across thousands of versions) and loads them once."""
    if not rows:
        return np.empty(0, np.int64), []
    keys, *columns = zip(*rows, strict=True)
    return np.asarray(keys, dtype=np.int64), list(zip(*map(_one_each, columns), strict=True))


def _one_each(column: tuple[Any, ...]) -> tuple[Any, ...] | list[Any]:
    """A column with its equal values as one object. A decimal is one with another only when
    its digits are the same too (``Decimal("1299") == Decimal("1299.00")``, yet a figure keeps
    the places it was given); numbers and flags are left as they are."""
    kinds = {type(value) for value in column} - {type(None)}
    known: dict[Any, Any] = {}
    if kinds == {Decimal}:
        return [None if v is None else known.setdefault(str(v), v) for v in column]
    if kinds <= {str, dt.date}:
        return [known.setdefault(v, v) for v in column]
    return column


def _write(generation: Path, serial: int, rows: list[tuple[Any, ...]]) -> Path:
    keys, shared = _shared(rows)
    data = {"format": FORMAT, "serial": serial, "keys": keys, "rows": shared}
    path = facts_path(generation, serial)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    for other in generation.glob(f"{_PREFIX}*.pickle"):
        older = other.stem.removeprefix(_PREFIX)
        if older.isdigit() and int(older) < serial:  # a newer commit's file stays
            other.unlink(missing_ok=True)
    return path
