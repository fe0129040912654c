"""Highlighting: the whole words of a text to mark for a query, and a safe HTML snippet.

Kept apart from :mod:`indexer.analysis` (how texts become tokens): it only reads what the
tokenizer gives, to mark whole words where a query's terms, synonyms or phrases occur.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping

from whoosh.analysis import Analyzer

from indexer.analysis import CJK_CHAR
from indexer.analysis import FOLD
from indexer.analysis import JiebaTokenizer
from indexer.engine.cache import LIMITS

_SPACE = re.compile(r"\s+")


class Highlighter:
    """Finds the whole words of a text to mark for a query's terms and phrases.

    Occurrences are found with ``str.find`` (of each term, its synonyms and each phrase's
    text), then checked and widened to whole words by segmenting only a few characters around
    each: a word is marked when it, one of its sub-words or one of its synonyms is a query term
    (so ``it`` inside ``with`` is not marked), or when it holds part of a phrase occurrence.
    The span is always the whole word's, so 双监控 is marked once, never as 双 + 监控.
    """

    #: Occurrences closer than this are segmented together: longer than any dictionary word.
    MARGIN = 10
    #: How far a segmented fragment may reach out to find the edges of its runs.
    RUN_REACH = 60
    #: Length of a snippet, and how far before the first mark it starts.
    SNIPPET_CHARS = 120
    SNIPPET_LEAD = 24

    def __init__(self, analyzer: Analyzer, synonyms: Mapping[str, tuple[str, ...]]) -> None:
        self.analyzer = analyzer
        self.tokenizer = next(i for i in analyzer.items if isinstance(i, JiebaTokenizer))
        self.synonyms = synonyms
        self._tokens: dict[str, frozenset[str]] = {}

    def spans(
        self,
        text: str,
        terms: Iterable[str],
        phrases: Iterable[tuple[str, ...]] = (),
        *,
        limit: int = 20,
    ) -> list[tuple[int, int]]:
        """Sorted, merged spans of the words to mark; at most ``limit`` finds per needle."""
        folded = text.translate(FOLD)
        found: list[tuple[int, int, frozenset[str] | None]] = []
        for needle, wanted in self._needles(set(terms), phrases):
            start = folded.find(needle)
            for _ in range(limit):
                if start < 0:
                    break
                found.append((start, start + len(needle), wanted))
                start = folded.find(needle, start + len(needle))
        spans: list[tuple[int, int]] = []
        for cluster in self._clusters(sorted(found, key=lambda item: item[0])):
            spans.extend(self._words_to_mark(text, cluster))
        return _merge(sorted(set(spans)))

    def snippet(
        self, text: str, terms: Iterable[str], phrases: Iterable[tuple[str, ...]] = ()
    ) -> str:
        """Safe HTML: a window of ``text`` around the marks, HTML-escaped, then ``<mark>``-ed.

        The text is escaped piece by piece *before* the tags are added, so user text such as
        ``<script>`` always comes out as ``&lt;script&gt;`` and only bare ``<mark>`` tags are HTML.
        """
        if not text:
            return ""
        spans = self.spans(text, terms, phrases)
        start = self._window_start(spans)
        end = min(len(text), start + self.SNIPPET_CHARS)
        start = max(0, min(start, end - self.SNIPPET_CHARS))
        pieces, cursor = [], start
        for span_start, span_end in spans:
            if span_start < cursor or span_end > end:
                continue
            pieces.append(_escape(text[cursor:span_start]))
            pieces.append(f"<mark>{_escape(text[span_start:span_end])}</mark>")
            cursor = span_end
        pieces.append(_escape(text[cursor:end]))
        prefix = "…" if start > 0 else ""
        suffix = "…" if end < len(text) else ""
        return (prefix + "".join(pieces) + suffix).strip()

    def _window_start(self, spans: list[tuple[int, int]]) -> int:
        """Just before the place where the most marks fit into one snippet."""
        if not spans:
            return 0
        reach = self.SNIPPET_CHARS - self.SNIPPET_LEAD
        best = max(
            range(len(spans)),
            key=lambda i: (sum(1 for _, e in spans[i:] if e <= spans[i][0] + reach), -i),
        )
        return max(0, spans[best][0] - self.SNIPPET_LEAD)

    def _needles(
        self, terms: set[str], phrases: Iterable[tuple[str, ...]]
    ) -> Iterator[tuple[str, frozenset[str] | None]]:
        """(text to find, terms a word there must hold, or None for a phrase's words)."""
        for term in terms:
            for needle in (term, *self.synonyms.get(term, ())):
                yield needle, frozenset({term})
        for phrase in phrases:
            yield "".join(phrase), None

    def _clusters(
        self, found: list[tuple[int, int, frozenset[str] | None]]
    ) -> Iterator[list[tuple[int, int, frozenset[str] | None]]]:
        """Occurrences close enough to be segmented as one fragment (one jieba pass each)."""
        cluster: list[tuple[int, int, frozenset[str] | None]] = []
        for occurrence in found:
            if cluster and occurrence[0] - max(e for _, e, _ in cluster) > 2 * self.MARGIN:
                yield cluster
                cluster = []
            cluster.append(occurrence)
        if cluster:
            yield cluster

    def _words_to_mark(
        self, text: str, cluster: list[tuple[int, int, frozenset[str] | None]]
    ) -> Iterator[tuple[int, int]]:
        """Whole words over the occurrences of one cluster that hold what each occurrence wants.

        The fragment segmented reaches out to the ends of the runs of CJK characters around the
        cluster (at most :data:`RUN_REACH` characters), so each run is segmented whole, as the
        indexer saw it, and its words come from the tokenizer's memory when it recurs.
        """
        base = _run_start(text, cluster[0][0], self.RUN_REACH)
        fragment = text[base : _run_end(text, max(e for _, e, _ in cluster), self.RUN_REACH)]
        for word, offset, _ in self.tokenizer.words(fragment):
            word_start, word_end = base + offset, base + offset + len(word)
            for start, end, wanted in cluster:
                if word_end <= start or word_start >= end:
                    continue
                if wanted is None or wanted & self.tokens(word):
                    yield word_start, word_end
                    break

    def tokens(self, word: str) -> frozenset[str]:
        """Every index token of a whole word: itself, its sub-words, their synonyms."""
        found = self._tokens.get(word)
        if found is None:
            if len(self._tokens) > LIMITS.highlight_words:
                self._tokens.clear()
            found = frozenset(t.text for t in self.analyzer(word, mode="index"))
            self._tokens[word] = found
        return found


def _run_start(text: str, index: int, reach: int) -> int:
    """Where the run of CJK characters holding ``text[index]`` starts (at most ``reach`` back)."""
    stop = max(0, index - reach)
    while index > stop and CJK_CHAR.match(text, index - 1):
        index -= 1
    return index


def _run_end(text: str, index: int, reach: int) -> int:
    """Where the run of CJK characters reaching ``text[index - 1]`` ends (at most ``reach`` on)."""
    stop = min(len(text), index + reach)
    while index < stop and CJK_CHAR.match(text, index):
        index += 1
    return index


def _escape(text: str) -> str:
    return html.escape(_SPACE.sub(" ", text), quote=True)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
