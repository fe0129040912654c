"""Text a person can see: names, regions and every cell refuse what only deceives the eye.

A name made only of zero-width characters looks empty but is not; a right-to-left override
(U+202E) makes ``定额.exe`` read as ``定额exe.`` and a name show other text than it holds. Both are
refused wherever a record, an account or an organisation is validated.
"""

from __future__ import annotations

import re
import unicodedata

from kb.errors import InvalidInput

#: Bidirectional embedding, override and isolate controls (Unicode's "bidi controls"): they
#: reorder what is shown, so that the text displayed is not the text stored.
BIDI_CONTROLS = re.compile("[\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]")
_BLANK = "只含空白或不可见字符（如零宽空格）"


def invisible_problem(text: str) -> str | None:
    """Why ``text`` would show something else than it holds, in Chinese; ``None`` if it is fine.

    Refused: any bidirectional control, and text that is not empty but has no visible
    character (only spaces and format characters such as U+200B zero-width space).
    """
    if text.isprintable():
        # No format or control character (bidi controls are format characters): only ASCII
        # spaces can leave it without a visible one. The common case, kept fast for big imports.
        return _BLANK if text and not text.strip(" ") else None
    if BIDI_CONTROLS.search(text):
        return "含有改变文字显示方向的控制字符（如 U+202E），请删除后重试"
    if text and not any(_visible(ch) for ch in text):
        return _BLANK
    return None


def _visible(ch: str) -> bool:
    return not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs", "Zl", "Zp")


def visible_text(text: str, what: str) -> str:
    """``text`` when :func:`invisible_problem` finds nothing.

    :raises InvalidInput: otherwise; the message names ``what`` (a field).
    """
    problem = invisible_problem(text)
    if problem:
        raise InvalidInput(f"{what}{problem}", {"field": what})
    return text


def title_key(title: str) -> str:
    """A title as it is looked up: spaces, 〈〉/《》 marks and character-width differences taken
    out, so that 《关于印发〈X〉的通知》 and ``关于印发《X》的通知`` find the same document."""
    text = unicodedata.normalize("NFKC", title)
    return "".join(ch for ch in text if not ch.isspace() and ch not in "〈〉<>《》")
