"""Field-level differences between versions of a standard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kb.fields import LABELS
from kb.fields import VERSION_FIELDS
from kb.models import Standard
from kb.models import StandardVersion


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its key, Chinese label, and the values as text."""

    field: str
    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class VersionEntry:
    """A version with what changed since the one before it."""

    version: int
    standard: StandardVersion
    changes: tuple[FieldChange, ...]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)  # a vocabulary member gives its key
    if isinstance(value, bool):
        return "是" if value else "否"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def diff(old: StandardVersion | None, new: StandardVersion) -> tuple[FieldChange, ...]:
    """The fields whose values differ between ``old`` and ``new`` (all filled ones when no ``old``)."""
    return tuple(FieldChange(n, LABELS[n], b, a) for n, b, a in changed_fields(old, new))


def changed_fields(old: Any | None, new: Any) -> Iterator[tuple[str, str | None, str | None]]:
    """(field, before, after) as text for each field that differs, as :func:`diff` finds them.

    ``old`` and ``new`` are versions or records (anything with the version fields); an import
    audits thousands of records with this, without building a :class:`FieldChange` for each.
    """
    for name in VERSION_FIELDS:
        before = getattr(old, name) if old is not None else None
        after = getattr(new, name)
        if before is None and after is None:
            continue
        before, after = _text(before), _text(after)
        if before != after:
            yield name, before, after


def annotated_versions(standard: Standard) -> list[VersionEntry]:
    """Every version of ``standard``, oldest first, each with its changes."""
    entries = []
    previous = None
    for version in standard.versions:
        entries.append(VersionEntry(version.version, version, diff(previous, version)))
        previous = version
    return entries
