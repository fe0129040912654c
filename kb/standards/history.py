"""Field-level differences between versions of a standard."""

from __future__ import annotations

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
    if isinstance(value, bool):
        return "是" if value else "否"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def diff(old: StandardVersion | None, new: StandardVersion) -> tuple[FieldChange, ...]:
    """The fields whose values differ between ``old`` and ``new`` (all filled ones when no ``old``)."""
    changes = []
    for name in VERSION_FIELDS:
        before = _text(getattr(old, name)) if old is not None else None
        after = _text(getattr(new, name))
        if before != after:
            changes.append(FieldChange(name, LABELS[name], before, after))
    return tuple(changes)


def annotated_versions(standard: Standard) -> list[VersionEntry]:
    """Every version of ``standard``, oldest first, each with its changes."""
    entries = []
    previous = None
    for version in standard.versions:
        entries.append(VersionEntry(version.version, version, diff(previous, version)))
        previous = version
    return entries
