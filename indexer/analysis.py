"""Chinese analysis for Whoosh: a mode-aware jieba tokenizer, synonyms, the analyzer.

How a text becomes tokens (``mode="index"``):

* The text is cut into runs: CJK runs go to jieba (its dictionary plus ours, no HMM), other runs
  give Latin/digit words (``GB``, ``7714``, decimals such as ``18.50`` kept whole and written
  ``18.5``). Whitespace, punctuation and symbols (，。《》〔〕·/%≥) are dropped. Full-width
  letters and digits count as their ASCII forms; offsets always refer to the original text.
* Each jieba word (the *whole word*) takes as many ordinal positions as it has *leaves*: the word
  is split again, without using itself, into the best jieba route, recursively down to pieces of
  one or two characters (成本预算绩效管理 → 成本/预算/绩效/管理). Every piece gets the position
  of its first leaf and its own character span; the whole word gets the position of its first
  leaf. Sub-words that straddle two leaves (旅费 in 差 | 旅费 … 差旅, the overlapping words jieba's
  search mode yields) are added at the position of the leaf where they start.

So a query for a sub-word (绩效) finds the whole word, and a quoted phrase is matched on leaves:
"预算绩效管理" (预算/绩效/管理) matches inside 成本预算绩效管理, and "绿化养护作业" matches
绿化养护 | 作业 because 绿化养护 spans the two leaves 绿化 养护. Without HMM, an unknown name is
cut into single characters the same way in documents and queries.

``mode="query"`` yields only the whole words with consecutive positions (no sub-word explosion);
``mode="phrase"`` yields only the leaves, which is what a quoted phrase is matched on.
Highlighting (:mod:`indexer.highlight`) marks the whole word around any match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from math import log
from typing import Any

import jieba
from whoosh.analysis import Analyzer
from whoosh.analysis import CompositeAnalyzer
from whoosh.analysis import Filter
from whoosh.analysis import LowercaseFilter
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from indexer.dictionary import Lexicon
from indexer.dictionary import install
from indexer.engine.cache import LIMITS

#: Bump when tokenisation changes in a way that makes existing indexes wrong.
ANALYSIS_VERSION = 1

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_CJK}]+)|(\d+(?:\.\d+)+|[^\W_{_CJK}]+)")
CJK_CHAR = re.compile(rf"[{_CJK}]")
_DECIMAL = re.compile(r"^\d+\.\d+$")
#: Full-width ASCII variants and the ideographic space, folded without changing any offset.
_WIDTH_FOLD = {0xFF01 + i: 0x21 + i for i in range(0x5E)} | {0x3000: 0x20}
#: The characters whose folding can change what :data:`_RUNS` finds: those that are, or fold
#: to, a word character or a point (full-width letters, digits, ．, ＿). The others (full-width
#: punctuation, the ideographic space) separate runs folded or not, and are in none: a text
#: without any of these is not folded (Chinese texts have full-width commas, rarely these).
_WIDE = re.compile(
    "["
    + "".join(
        re.escape(chr(key))
        for key, folded in sorted(_WIDTH_FOLD.items())
        if re.match(r"[\w.]", chr(key)) or re.match(r"[\w.]", chr(folded))
    )
    + "]"
)
#: The same, also lowercasing ASCII letters: how needles are looked for in a text.
FOLD = (
    _WIDTH_FOLD
    | {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    | {0xFF21 + i: 0x61 + i for i in range(26)}
)

#: The sub-words of one word: (start, end, leaf position, is a leaf), and its number of leaves.
WordTree = tuple[tuple[tuple[int, int, int, bool], ...], int]


def is_cjk(text: str) -> bool:
    """Whether ``text`` contains a CJK ideograph."""
    return CJK_CHAR.search(text) is not None


class JiebaTokenizer(Tokenizer):
    """jieba segmentation with ordinal positions, character offsets and sub-word leaves.

    Honours Whoosh's ``mode``: ``"index"`` (default) emits whole words and their sub-words,
    ``"query"`` whole words only, ``"phrase"`` leaves only. Tokens carry ``subword`` (False for a
    whole word) so that highlighting can always mark whole words.
    """

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._trees: dict[str, WordTree] = {}
        self._routes: dict[str, list[str]] = {}
        self._indexed: dict[str, tuple[tuple[tuple[bytes, int], ...], int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Whoosh pickles the schema into the index; the cache is not worth keeping there.
        return {"lexicon": self.lexicon}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lexicon = state["lexicon"]
        self._trees = {}
        self._routes = {}
        self._indexed = {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JiebaTokenizer) and other.lexicon == self.lexicon

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        install(self.lexicon)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        pos = start_pos
        for word, start, is_word in self.words(value):
            tree, leaves = self.tree(word) if is_word else ((), 1)
            if mode == "phrase" and tree:
                parts = [(s, e, p) for s, e, p, leaf in tree if leaf]
            elif mode in ("query", "phrase"):
                parts = [(0, len(word), 0)]
            else:
                parts = [(0, len(word), 0), *((s, e, p) for s, e, p, _ in tree)]
            for sub_start, sub_end, sub_pos in parts:
                token.text = _normalise(word[sub_start:sub_end])
                token.subword = (sub_end - sub_start) != len(word)
                if keeporiginal:
                    token.original = token.text
                token.pos = pos + sub_pos
                token.startchar = start_char + start + sub_start
                token.endchar = start_char + start + sub_end
                yield token
            pos += 1 if mode == "query" else leaves

    def words(self, text: str) -> Iterator[tuple[str, int, bool]]:
        """Whole words of ``text`` as (word, start offset, is a jieba word); no punctuation."""
        for match in runs(text):
            start = match.start()
            if match.group(1) is None:
                yield match.group(2), start, False
                continue
            for word in self.route(match.group(1)):
                yield word, start, True
                start += len(word)

    def route(self, run: str) -> list[str]:
        """jieba's words for a run of CJK characters; remembered, since texts repeat phrases."""
        found = self._routes.get(run)
        if found is None:
            if len(self._routes) > LIMITS.tokenizer_routes:
                self._routes.clear()
            found = self._routes[run] = _route(run)
        return found

    def tree(self, word: str) -> WordTree:
        """The sub-words of ``word`` with their leaf positions, and its number of leaves."""
        found = self._trees.get(word)
        if found is None:
            if len(self._trees) > LIMITS.tokenizer_trees:
                self._trees.clear()
            found = self._trees[word] = _tree(word)
        return found

    def indexed_word(
        self, word: str, is_word: bool, synonyms: Mapping[str, tuple[str, ...]]
    ) -> tuple[tuple[tuple[bytes, int], ...], int]:
        """What ``chinese_analyzer`` yields for one whole word in index mode, remembered: each
        token's UTF-8 text and its position relative to the word's first leaf (after lowercasing
        and synonyms, as :class:`SynonymFilter` drops repeats at one position), and the word's
        number of leaves."""
        found = self._indexed.get(word)
        if found is None:
            if len(self._indexed) > LIMITS.tokenizer_trees:
                self._indexed.clear()
            tree, leaves = self.tree(word) if is_word else ((), 1)
            tokens: list[tuple[bytes, int]] = []
            seen: set[str] = set()
            last = None
            for start, end, pos in [(0, len(word), 0), *((s, e, p) for s, e, p, _ in tree)]:
                text = _normalise(word[start:end]).lower()
                if pos != last:
                    seen.clear()
                    last = pos
                if text in seen:
                    continue
                seen.add(text)
                tokens.append((text.encode("utf-8"), pos))
                for other in synonyms.get(text, ()):
                    if other not in seen:
                        seen.add(other)
                        tokens.append((other.encode("utf-8"), pos))
            found = self._indexed[word] = (tuple(tokens), leaves)
        return found


def index_positions(analyzer: Analyzer, text: str) -> dict[bytes, list[int]] | None:
    """Each word ``analyzer`` finds in ``text`` in index mode (UTF-8) with its positions, in
    token order — what Whoosh's ``Positions`` format collects from the analyzer's tokens — or
    ``None`` when ``analyzer`` is not :func:`chinese_analyzer`'s.

    The same result as running the analyzer, without a token object per word: a rebuild
    analyses every text, and the whole words repeat (``tests/indexer/test_direct.py``)."""
    parts = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else ()
    kinds = [type(part) for part in parts]
    if kinds != [JiebaTokenizer, LowercaseFilter, SynonymFilter]:
        return None
    tokenizer, synonyms = parts[0], parts[2].synonyms
    install(tokenizer.lexicon)
    positions: dict[bytes, list[int]] = {}
    indexed = tokenizer.indexed_word
    base = 0
    for word, _, is_word in tokenizer.words(text):
        tokens, leaves = indexed(word, is_word, synonyms)
        for token, pos in tokens:
            found = positions.get(token)
            if found is None:
                positions[token] = [base + pos]
            else:
                found.append(base + pos)
        base += leaves
    return positions


def runs(text: str) -> Iterator[re.Match[str]]:
    """The runs of ``text`` words are made of, full width folded: group 1 a run of CJK
    characters (for jieba to cut), else group 2 a number or a word of letters and digits."""
    return _RUNS.finditer(_folded(text))


def run_texts(text: str) -> list[tuple[str, str]]:
    """:func:`runs` as texts: per run, the run of CJK characters and ``""``, or ``""`` and the
    number or word."""
    return _RUNS.findall(_folded(text))


def _folded(text: str) -> str:
    return text.translate(_WIDTH_FOLD) if _WIDE.search(text) else text


def _normalise(text: str) -> str:
    if _DECIMAL.match(text):
        text = text.rstrip("0").rstrip(".")
    return text


def _route(run: str, *, without_whole: bool = False) -> list[str]:
    """jieba's best route through a CJK ``run`` (no HMM); optionally never the whole run itself.

    What ``jieba.dt.get_DAG`` and ``jieba.dt.calc`` find (the same sums in the same order, ties
    to the longer word), in one pass from the run's end: each position's candidate words are
    looked up and scored at once, without the graph as a dictionary of lists."""
    dt = jieba.dt
    dt.check_initialized()
    freq, total = dt.FREQ, log(dt.total)
    size = len(run)
    scores = [0.0] * (size + 1)  # the best route's score from each position on
    nexts = [0] * (size + 1)  # and the last character of its first word
    for idx in range(size - 1, -1, -1):
        best, best_end, end = 0.0, -1, idx
        fragment = run[idx]
        while end < size:
            count = freq.get(fragment)
            if count is None:
                break
            if count and not (without_whole and idx == 0 and end == size - 1):
                score = log(count) - total + scores[end + 1]
                if best_end < 0 or score >= best:  # max() of (score, end): ties to the longer
                    best, best_end = score, end
            end += 1
            fragment = run[idx : end + 1]
        if best_end < 0:  # no word starts here: the character alone
            best, best_end = log(freq.get(run[idx]) or 1) - total + scores[idx + 1], idx
        scores[idx], nexts[idx] = best, best_end
    words, index = [], 0
    while index < size:
        end = nexts[index] + 1
        words.append(run[index:end])
        index = end
    return words


def _tree(word: str) -> WordTree:
    if len(word) <= 2:
        return (), 1
    nodes: list[tuple[int, int, int, bool]] = []
    leaf_of_char: list[int] = []
    offset = leaves = 0
    for piece in _route(word, without_whole=True):
        sub_nodes, sub_leaves = _tree(piece)
        nodes.append((offset, offset + len(piece), leaves, not sub_nodes))
        nodes.extend((offset + s, offset + e, leaves + p, leaf) for s, e, p, leaf in sub_nodes)
        leaf_of_char.extend(_leaf_of_char(len(piece), sub_nodes, leaves))
        offset += len(piece)
        leaves += sub_leaves
    known = {(s, e) for s, e, _, _ in nodes}
    nodes.extend(_straddling(word, known, leaf_of_char))
    return tuple(sorted(nodes, key=lambda n: (n[2], n[0], n[1]))), leaves


def _leaf_of_char(
    size: int, sub_nodes: tuple[tuple[int, int, int, bool], ...], base: int
) -> list[int]:
    """For each character of a piece, the position of the leaf holding it."""
    positions = [base] * size
    for start, end, pos, leaf in sub_nodes:
        if leaf:
            positions[start:end] = [base + pos] * (end - start)
    return positions


def _straddling(
    word: str, known: set[tuple[int, int]], leaf_of_char: list[int]
) -> Iterator[tuple[int, int, int, bool]]:
    """Dictionary words of two or three characters inside ``word`` that are not yet nodes."""
    freq = jieba.dt.FREQ
    for size in (2, 3):
        if len(word) <= size:
            continue
        for start in range(len(word) - size + 1):
            end = start + size
            if (start, end) not in known and freq.get(word[start:end]):
                yield start, end, leaf_of_char[start], False


class SynonymFilter(Filter):
    """Adds every synonym of a token at the token's position and character span.

    Expansion happens at index time, not query time: a query stays one term per word (the cost
    of a Whoosh query grows with each posting list walked in Python), a word and its synonym
    share one document frequency so neither is scored as rarer, and highlighting finds the
    document's own word because the synonym token carries its span. The price is a rebuild when
    ``synonyms.txt`` changes, which :func:`indexer.sync.ensure_index` detects by its hash.
    Queries (``mode="query"`` or ``"phrase"``) pass through unchanged.
    """

    def __init__(self, synonyms: Mapping[str, tuple[str, ...]]) -> None:
        self.synonyms = dict(synonyms)

    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:
        synonyms = self.synonyms
        seen: set[str] = set()
        last_pos = None
        for token in tokens:
            if token.mode not in ("index", ""):
                yield token
                continue
            if token.pos != last_pos:
                seen.clear()
                last_pos = token.pos
            if token.text in seen:
                continue
            seen.add(token.text)
            yield token
            others = synonyms.get(token.text)
            if not others:
                continue
            original = token.text
            for other in others:
                if other not in seen:
                    seen.add(other)
                    token.text = other
                    yield token
            token.text = original


def chinese_analyzer(lexicon: Lexicon) -> Analyzer:
    """The one analyzer of every scored text field: jieba, lowercase, synonyms."""
    return JiebaTokenizer(lexicon) | LowercaseFilter() | SynonymFilter(lexicon.synonyms)
