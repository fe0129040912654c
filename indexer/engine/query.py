"""A user's query text → the words and phrases to search for, never through a query parser.

So no input can raise a syntax error:

* Words separated by spaces are ANDed. Inside a word jieba may find several (``公共绿地养护`` →
  公共绿地, 养护): they are ANDed too, and finding them next to each other adds to the score
  (the word as a phrase is a *boost*).
* A run of single characters jieba does not know (an unknown place name) must appear together.
* ``"…"`` or ``“…”`` is a phrase, matched on leaves (see :mod:`indexer.analysis`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.analysis import Analyzer
from whoosh.query import Phrase
from whoosh.query import Query
from whoosh.query import Term

from indexer.analysis import is_cjk
from indexer.engine.cache import LIMITS

FIELD = "content"
_QUOTES = re.compile(r'"([^"]*)"|“([^”]*)”|＂([^＂]*)＂')


@dataclass(frozen=True)
class CompiledQuery:
    """The parts of a query text and the terms to highlight."""

    #: The parts every hit must match (terms and phrases).
    units: tuple[Query, ...]
    #: Phrases that add to the score of a hit that has them.
    boosts: tuple[Query, ...]
    #: Words to highlight wherever they occur.
    terms: frozenset[str]
    #: Leaf sequences to highlight only where they occur in order.
    phrases: tuple[tuple[str, ...], ...] = ()


def compile_query(analyzer: Analyzer, text: str) -> CompiledQuery | None:
    """The parts of a user's text; ``None`` when it holds no searchable word."""
    required: list[Query] = []
    boosts: list[Query] = []
    terms: set[str] = set()
    phrases: set[tuple[str, ...]] = set()
    quoted, rest = _split_quoted(text)
    for phrase in quoted:
        leaves = tuple(t.text for t in analyzer(phrase, mode="phrase"))
        if leaves:
            required.append(_phrase(list(leaves)))
            if len(leaves) > 1:
                phrases.add(leaves)
            else:
                terms.update(leaves)
    for chunk in rest.split():
        units = _chunk_units(analyzer, chunk)
        required.extend(units)
        for unit in units:
            if isinstance(unit, Phrase):
                phrases.add(tuple(unit.words))
            else:
                terms.add(unit.text)
        if len(units) > 1:
            boosts.append(_phrase([t.text for t in analyzer(chunk, mode="phrase")]))
    required = list(dict.fromkeys(required))[: LIMITS.query_parts]
    if not required:
        return None
    return CompiledQuery(
        tuple(required), tuple(dict.fromkeys(boosts)), frozenset(terms), tuple(sorted(phrases))
    )


def _split_quoted(text: str) -> tuple[list[str], str]:
    phrases = [next(g for g in m.groups() if g is not None) for m in _QUOTES.finditer(text)]
    return [p for p in phrases if p.strip()], _QUOTES.sub(" ", text).replace('"', " ")


def _chunk_units(analyzer: Analyzer, chunk: str) -> list[Query]:
    """Required queries for one space-free chunk."""
    units: list[Query] = []
    run: list[str] = []
    for token in analyzer(chunk, mode="query"):
        if len(token.text) == 1 and is_cjk(token.text):
            run.append(token.text)
            continue
        units.extend(_run_unit(run))
        run = []
        units.append(Term(FIELD, token.text))
    units.extend(_run_unit(run))
    return units


def _run_unit(run: list[str]) -> list[Query]:
    """Single characters jieba could not group: required together, in order."""
    return [_phrase(run)] if run else []


def _phrase(leaves: list[str]) -> Query:
    return Term(FIELD, leaves[0]) if len(leaves) == 1 else Phrase(FIELD, leaves)
