"""The marks every copyable line carries: 示例 and a status other than 现行有效.

A reviewer copies lines from the terminal, from reports and from pages into an official text;
a line about an example or a replaced rule must say so by itself. Every output (``kb search``,
``kb compare``, ``kb check``, reports) builds its marks here, so they read the same everywhere.
"""

from __future__ import annotations

from kb.models import StandardVersion
from kb.vocab import DocumentStatus
from kb.vocab import Status

ILLUSTRATIVE = "示例，不得作为依据"


def marks(status: str | None, illustrative: bool | None = False) -> str:
    """``【示例，不得作为依据】【已被修订】`` for an example and a status not in force; else ``""``.

    ``status`` is a standard's or a document's key (``superseded``, ``replaced`` …); an unknown or
    missing status adds nothing.
    """
    found = []
    if illustrative:
        found.append(ILLUSTRATIVE)
    label = _label(status)
    if label:
        found.append(label)
    return "".join(f"【{m}】" for m in found)


def version_marks(version: StandardVersion) -> str:
    """The marks of one standard version."""
    return marks(version.status, version.illustrative)


def _label(status: str | None) -> str | None:
    if not status:
        return None
    for enum, current in ((Status, Status.IN_FORCE), (DocumentStatus, DocumentStatus.IN_FORCE)):
        try:
            member = enum(status)
        except ValueError:
            continue
        return None if member is current else member.label
    return None
