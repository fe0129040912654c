"""click's own words (Usage, Options, Error:, Invalid value …) in Chinese, from a PO file shipped as data.

click marks its messages for gettext (``from gettext import gettext as _`` in each module) but
picks no language: gettext then follows the machine's locale variables, which on a reviewer's
Windows PC or in a service say nothing of Chinese. The ``kb`` command speaks Chinese whatever the
locale, so :func:`install` gives click's modules a translation read from
``locale/click.zh_CN.po`` (the usual PO format, so a translator can edit it with any PO tool and
a message click adds later simply stays in English until it is translated).
"""

from __future__ import annotations

import ast
import gettext
import sys
from functools import cache
from pathlib import Path

import click  # noqa: F401 - loads the click modules whose names install() points
import click.shell_completion  # noqa: F401

PO_FILE = Path(__file__).with_name("locale") / "click.zh_CN.po"


class PoTranslations(gettext.NullTranslations):
    """A translation read from PO text (singular and two-form plural entries)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.singular: dict[str, str] = {}
        self.plural: dict[str, tuple[str, str]] = {}
        for entry in _entries(text):
            msgid = entry.get("msgid", "")
            if not msgid:
                continue
            if "msgid_plural" in entry:
                self.plural[msgid] = (entry.get("msgstr[0]", ""), entry.get("msgstr[1]", ""))
            elif entry.get("msgstr"):
                self.singular[msgid] = entry["msgstr"]

    def gettext(self, message: str) -> str:
        """The Chinese of a message, or the message itself."""
        return self.singular.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        """The Chinese singular or plural, falling back to the English forms."""
        forms = self.plural.get(msgid1)
        if not forms or not all(forms):
            return msgid1 if n == 1 else msgid2
        return forms[0] if n == 1 else forms[1]


def _entries(text: str) -> list[dict[str, str]]:
    """PO entries as ``{keyword: text}``; continuation lines are joined, comments skipped."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] = {}
    keyword = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if current:
                entries.append(current)
            current, keyword = {}, None
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and keyword:
            current[keyword] += ast.literal_eval(line)
        else:
            keyword, _, quoted = line.partition(" ")
            current[keyword] = ast.literal_eval(quoted.strip())
    if current:
        entries.append(current)
    return entries


@cache
def chinese() -> PoTranslations:
    """click's messages in Chinese, read once."""
    return PoTranslations(PO_FILE.read_text(encoding="utf-8"))


def install() -> None:
    """Point click's gettext names at the Chinese translation (idempotent)."""
    translation = chinese()
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = translation.gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = translation.ngettext  # type: ignore[attr-defined]
