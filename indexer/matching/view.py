"""The one place where budget matching talks to the search engine.

Matching needs little from it: the standards in force on a day (or current), the documents
holding a word, a column of stored values by document number, whether the index knows a word,
and the index's analyzer and synonyms. Everything goes through :class:`IndexView`, so that the
engine may change its insides without matching noticing; the view is valid while
:func:`opened` holds the index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.query import Term

from indexer.engine.index import View
from indexer.search import SearchQuery
from indexer.search import search_index
from kb.budget.facts import CHECKED_KINDS
from kb.config import Settings

#: The kinds of standard a budget line is checked against: they carry a figure.


class IndexView:
    """What matching reads from one searcher; equal views share the searcher's lifetime."""

    def __init__(self, cache: View, token: str, folder: Path) -> None:
        self._cache = cache
        #: The ``CURRENT`` token of the commit this view reads, and its generation's folder.
        self.token = token
        self.folder = folder

    @property
    def key(self) -> View:
        """An object that lives exactly as long as the searcher (for caches keyed weakly)."""
        return self._cache

    @property
    def size(self) -> int:
        """Number of documents, deleted ones included (document numbers are below it)."""
        return self._cache.doc_count()

    @property
    def analyzer(self) -> Analyzer:
        """The index's analyzer (jieba with the domain dictionary)."""
        return self._cache.analyzer

    @property
    def synonym_groups(self) -> tuple[tuple[str, ...], ...]:
        """The synonym groups the index expands (绿化维护 = 绿化养护)."""
        return self._cache.lexicon.synonym_groups

    def standards(self, on: dt.date | None) -> frozenset[int]:
        """Cost quotas and expenditure standards in force on ``on`` (``None``: current ones)."""
        return self._cache.filter_set(SearchQuery(type="standard", on=on, kind=CHECKED_KINDS))

    def holding(self, word: str) -> frozenset[int]:
        """Documents whose text holds ``word`` as the index analysed it."""
        return self._cache.matches(Term("content", word))

    def knows(self, word: str) -> bool:
        """Whether any document holds ``word``."""
        return self._cache.doc_frequency(word) > 0

    def standard_keys(self, docs: list[int]) -> list[int]:
        """The tie-break keys of these standard documents: the standard's database id shifted
        by :data:`indexer.schema.STANDARD_ID_SHIFT`, then the version."""
        return self._cache.arrays.tiebreak[np.asarray(docs, dtype=np.int64)].tolist()

    def column(self, name: str) -> list[Any]:
        """A stored column's values by document number (``code``, ``version``, ``region``)."""
        return self._cache.column(name)


@contextmanager
def opened(settings: Settings) -> Iterator[IndexView | None]:
    """The index's current searcher as a view, held for the block (``None``: no index)."""
    index = search_index(settings)
    with index.reading() as view:
        if view is None or index.generation is None:
            yield None
        else:
            folder = Path(settings.index_dir) / index.generation.split()[0]
            yield IndexView(view, index.generation, folder)
