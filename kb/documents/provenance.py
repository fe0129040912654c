"""Where a record's facts were read, and whether that place is the issuing authority's own.

``verified`` means read from the issuer's own publication: a government site (``gov.cn`` and
every ``*.gov.cn``: ``mof.gov.cn``, ``shanghai.gov.cn`` …). Reposts (universities, news and
document-sharing sites, forums) are recorded as sources but verify nothing.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Hosts whose pages are an authority's own publication: gov.cn and its subdomains.
OFFICIAL_SUFFIXES: tuple[str, ...] = (".gov.cn",)
OFFICIAL_HOSTS: frozenset[str] = frozenset({"gov.cn"})

_SEPARATOR = re.compile(r"\s+;\s+|\s*[；\n]\s*|\s+")


def source_addresses(source: str | None) -> list[str]:
    """The web addresses in a source field (``a ; b``), in order."""
    return [
        part for part in _SEPARATOR.split(source or "") if part.startswith(("http://", "https://"))
    ]


def is_official(address: str) -> bool:
    """Whether ``address`` is on an issuing authority's own site (``*.gov.cn``)."""
    host = (urlsplit(address).hostname or "").lower().rstrip(".")
    return host in OFFICIAL_HOSTS or host.endswith(OFFICIAL_SUFFIXES)


def official_sources(source: str | None) -> list[str]:
    """The addresses in ``source`` that are an authority's own publication."""
    return [address for address in source_addresses(source) if is_official(address)]


def reposts(source: str | None) -> list[str]:
    """The addresses in ``source`` that are reposts: anything not on an official site."""
    return [address for address in source_addresses(source) if not is_official(address)]
