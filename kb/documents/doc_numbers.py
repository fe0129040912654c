"""文号 (document numbers): find them in text and write them in the one canonical form.

A 文号 is an issuer abbreviation in Chinese characters, a bracketed four-digit year, a
serial number and 号: ``青财督〔2024〕58号``. Real texts bracket the year with 〔〕 [] ()
【】 （） ［］ and scatter spaces through it; the canonical form uses 〔〕, ASCII digits, no
spaces and no leading zeros in the serial number.
"""

from __future__ import annotations

import re

OPENING_BRACKETS = "〔[(【（［〖﹝"
CLOSING_BRACKETS = "〕])】）］〗﹞"

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# Up to 12 characters: real abbreviations run from 国发 to 沪府办规 and a little beyond.
_ABBREVIATION = rf"[{_HAN}](?:[{_HAN}]|[ \t\u3000](?=[{_HAN}])){{0,11}}"
_DIGIT = r"[0-9０-９]"

_DOC_NUMBER = re.compile(
    rf"(?P<abbreviation>{_ABBREVIATION})\s*"
    rf"[{re.escape(OPENING_BRACKETS)}]\s*(?P<year>{_DIGIT}(?:\s*{_DIGIT}){{3}})\s*"
    rf"[{re.escape(CLOSING_BRACKETS)}]\s*"
    rf"(?P<serial>{_DIGIT}(?:\s*{_DIGIT}){{0,4}})\s*号"
)

# Words that run into a 文号 in running text but never end an issuer abbreviation
# (经 is missing on purpose: 沪经信 is an abbreviation).
_LEADING_WORD = re.compile(
    r"根据|依据|依照|按照|参照|遵照|对照|贯彻|落实|执行|印发|转发|下发|详见|参见"
    r"|引用|援引|[见即和及与或的了是按等将对在由为以于引]"
)


def canonical_doc_number(text: str) -> str | None:
    """The canonical form of ``text`` if the whole of it is one 文号, else ``None``.

    >>> canonical_doc_number("财行【2016】214 号")
    '财行〔2016〕214号'
    """
    match = _DOC_NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    return _canonical(match.group("abbreviation"), match.group("year"), match.group("serial"))


def find_doc_numbers(text: str) -> list[tuple[str, int, int]]:
    """Every 文号 in ``text`` as ``(canonical, start, end)``, with offsets into ``text``.

    Running text has no word boundaries, so the abbreviation starts after the last space or
    connective word (根据, 印发, 的 …) that runs into it; ``于（2024）58号`` names no issuer.
    """
    found = []
    for match in _DOC_NUMBER.finditer(text):
        abbreviation = match.group("abbreviation")
        kept = _strip_leading_words(abbreviation.split()[-1])
        if not kept:
            continue
        start = match.start("abbreviation") + len(abbreviation) - len(kept)
        canonical = _canonical(kept, match.group("year"), match.group("serial"))
        found.append((canonical, start, match.end()))
    return found


def _strip_leading_words(abbreviation: str) -> str:
    """What follows the last connective word; empty if the abbreviation ends with one."""
    cut = 0
    for word in _LEADING_WORD.finditer(abbreviation):
        cut = word.end()
    return abbreviation[cut:]


def _canonical(abbreviation: str, year: str, serial: str) -> str:
    return f"{_squeeze(abbreviation)}〔{_ascii_digits(year)}〕{int(_ascii_digits(serial))}号"


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _ascii_digits(text: str) -> str:
    return "".join(str(int(ch)) for ch in _squeeze(text))
