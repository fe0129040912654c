"""A rebuild's positional postings as arrays (issue 16): whole words numbered, expanded into
their tokens and encoded with array operations.

A segment process (:mod:`indexer.direct`, :mod:`indexer.segment_writer`) analyses each text of
a positional field into the numbers of its whole words (:func:`index_text`; a
:class:`WordTable` remembers each whole word's tokens, positions and leaves, and each CJK run's
words). When the segment is written, :func:`stream_postings` expands all of the field's whole
words into tokens at their positions, sorts them by word, and encodes every posting's positions
as :meth:`whoosh.formats.Positions.encode` does (the inverse of
:func:`indexer.engine.segments._positions`); :func:`indexer.block_writer.write_postings`
hands them to Whoosh's codec a block at a time. ``tests/indexer/test_direct.py`` checks that
the words are the analyzer's and the files Whoosh's writer's, byte for byte.
"""

from __future__ import annotations

import dataclasses
from array import array
from collections.abc import Mapping

import numpy as np
from whoosh.analysis import Analyzer
from whoosh.analysis import CompositeAnalyzer
from whoosh.analysis import LowercaseFilter
from whoosh.formats import Positions

from indexer.analysis import JiebaTokenizer
from indexer.analysis import SynonymFilter
from indexer.analysis import run_texts as _runs
from indexer.dictionary import install
from indexer.engine.cache import LIMITS
from indexer.engine.segments import PostingArrays

#: One word's postings: per document its number, the weight, the encoded value and the field
#: length as Whoosh's reader would give it back (0 for none).
Postings = list[tuple[int, float, bytes, int]]


class WordTable:
    """Numbers for the whole words and the tokens a rebuild's segment process meets (see
    :func:`index_text`): per whole word, its tokens (token numbers, positions relative to its
    first leaf, as :meth:`JiebaTokenizer.indexed_word` gives them) and its number of leaves,
    kept as flat lists that become arrays when the segment is written."""

    def __init__(self) -> None:
        #: Each token's UTF-8 text, by token number, and the numbers by text.
        self.tokens: list[bytes] = []
        self.token_numbers: dict[bytes, int] = {}
        #: The whole words' numbers by text.
        self.words: dict[str, int] = {}
        #: Whole word ``w``'s tokens are ``word_tokens[word_starts[w]:word_starts[w + 1]]``, at
        #: ``word_places[...]`` relative to its first leaf; it takes ``word_leaves[w]`` positions.
        self.word_starts: list[int] = [0]
        self.word_tokens: list[int] = []
        self.word_places: list[int] = []
        self.word_leaves: list[int] = []
        #: Each whole word's number of tokens.
        self.word_sizes: list[int] = []
        #: The whole words' numbers of CJK runs met and their number of tokens (bounded as the
        #: tokenizer's routes).
        self.runs: dict[str, tuple[list[int], int]] = {}

    def add(self, word: str, indexed: tuple[tuple[tuple[bytes, int], ...], int]) -> int:
        """Number the whole ``word`` whose index-mode tokens and leaves are ``indexed``."""
        tokens, leaves = indexed
        numbers = self.token_numbers
        for text, place in tokens:
            number = numbers.get(text)
            if number is None:
                number = numbers[text] = len(self.tokens)
                self.tokens.append(text)
            self.word_tokens.append(number)
            self.word_places.append(place)
        self.word_starts.append(len(self.word_tokens))
        self.word_leaves.append(leaves)
        self.word_sizes.append(len(tokens))
        number = self.words[word] = len(self.word_leaves) - 1
        return number


def index_text(analyzer: Analyzer, text: str, table: WordTable) -> tuple[list[int], int] | None:
    """The whole words ``analyzer`` finds in ``text`` in index mode, as numbers of ``table``
    (which learns the new ones), and the text's number of tokens (its field length); ``None``
    when ``analyzer`` is not :func:`chinese_analyzer`'s.

    Expanding each number into its tokens at its leaf position (one position after another's
    leaves) gives what :func:`indexer.analysis.index_positions` gives, without a Python step per
    token (``tests/indexer/test_direct.py``). A run of CJK characters is numbered once per
    table: texts repeat their phrases."""
    parts = analyzer.items if isinstance(analyzer, CompositeAnalyzer) else ()
    if [type(part) for part in parts] != [JiebaTokenizer, LowercaseFilter, SynonymFilter]:
        return None
    tokenizer, synonyms = parts[0], parts[2].synonyms
    install(tokenizer.lexicon)
    known, runs, sizes = table.words.get, table.runs, table.word_sizes
    found: list[int] = []
    length = 0
    for run, other in _runs(text):  # a run of CJK characters, or else a word
        if run:
            numbers = runs.get(run)
            if numbers is None:
                if len(runs) > LIMITS.tokenizer_routes:
                    runs.clear()
                numbers = [
                    _number(table, tokenizer, word, True, synonyms) for word in tokenizer.route(run)
                ]
                runs[run] = numbers = (numbers, sum([sizes[number] for number in numbers]))
            found.extend(numbers[0])
            length += numbers[1]
        else:
            number = known(other)
            if number is None:
                number = _number(table, tokenizer, other, False, synonyms)
            found.append(number)
            length += sizes[number]
    return found, length


def _number(
    table: WordTable,
    tokenizer: JiebaTokenizer,
    word: str,
    is_word: bool,
    synonyms: Mapping[str, tuple[str, ...]],
) -> int:
    number = table.words.get(word)
    if number is None:
        number = table.add(word, tokenizer.indexed_word(word, is_word, synonyms))
    return number


class Stream:
    """One analysed field's whole words in a segment, document after document: the words'
    numbers, and per document its number, how many words it has and its field length as
    Whoosh's reader gives it back."""

    def __init__(self, table: WordTable) -> None:
        self.table = table
        self.words = array("i")
        self.docs = array("i")
        self.sizes = array("i")
        self.lengths = array("i")

    def add(self, docnum: int, words: list[int], length: int) -> None:
        self.words.extend(words)
        self.docs.append(docnum)
        self.sizes.append(len(words))
        self.lengths.append(length)


@dataclasses.dataclass
class Made:
    """An analysed field's postings in word order (words in byte order, each word's postings in
    document order): ``words[i]``'s postings are rows ``starts[i]:starts[i + 1]``. Kept as
    arrays: they become Python objects a chunk of words at a time when written."""

    words: list[bytes]
    starts: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    lengths: np.ndarray
    #: Each posting's value string (its encoded positions) back to back, and where each
    #: starts (and the last ends).
    value_bytes: np.ndarray
    value_starts: np.ndarray
    #: Each posting's number of positions, and all positions in posting order.
    counts: np.ndarray
    places: np.ndarray

    def arrays(self) -> PostingArrays:
        """The postings as the search arrays take them
        (:func:`indexer.engine.segments.write_segment_arrays`)."""
        return PostingArrays(
            words=self.words,
            starts=self.starts,
            docs=self.docs,
            weights=self.weights.astype(np.float32),
            counts=self.counts,
            places=self.places,
        )

    def values(self, begin: int, end: int) -> list[bytes]:
        """The value strings of postings ``begin:end``."""
        bounds = self.value_starts[begin : end + 1]
        data = self.value_bytes[bounds[0] : bounds[-1]].tobytes()
        at = (bounds - bounds[0]).tolist()
        return [data[a:b] for a, b in zip(at, at[1:], strict=False)]

    def by_word(self) -> dict[bytes, Postings]:
        """The postings as :func:`indexer.segment_writer.write_segment` keeps them per word."""
        docs, weights, lengths = self.docs.tolist(), self.weights.tolist(), self.lengths.tolist()
        values = self.values(0, len(docs))
        starts = self.starts.tolist()
        return {
            word: list(zip(docs[a:b], weights[a:b], values[a:b], lengths[a:b], strict=True))
            for word, a, b in zip(self.words, starts, starts[1:], strict=False)
        }


#: Above this, rows and positions are counted in 64 bits (:func:`stream_postings`).
_INT32_TOP = 2**31 - 1


def stream_postings(stream: Stream, boost: float) -> Made:
    """The postings of an analysed field, with array operations: each whole word becomes its
    tokens at its leaf position, the tokens are sorted by word (stably: documents and
    positions stay in order), and every posting's positions are encoded as
    :meth:`whoosh.formats.Positions.encode` encodes them."""
    table = stream.table
    numbers = np.frombuffer(stream.words, dtype=np.int32)
    sizes = np.frombuffer(stream.sizes, dtype=np.int32)
    # Rows and positions in 32 bits when the segment's tokens and leaves surely fit: the
    # arrays below are the segment's size, and half the memory touched is half the time.
    most = max(max(table.word_leaves, default=0), max(table.word_sizes, default=0))
    fits = most * len(numbers) < _INT32_TOP and len(table.word_tokens) < _INT32_TOP
    ix = np.int32 if fits else np.int64
    numbers, sizes = numbers.astype(ix, copy=False), sizes.astype(ix, copy=False)
    word_starts = np.asarray(table.word_starts, dtype=ix)
    leaves = np.asarray(table.word_leaves, dtype=ix)[numbers]
    # Each whole word's first leaf in its document: leaves counted from the document's start.
    before = np.cumsum(leaves, dtype=ix) - leaves
    firsts = np.cumsum(sizes, dtype=ix) - sizes
    base = before - np.repeat(before[firsts], sizes)
    # Each whole word's tokens, in order.
    tokens_of = word_starts[numbers + 1] - word_starts[numbers]
    total = int(tokens_of.sum(dtype=np.int64))
    first_token = np.cumsum(tokens_of, dtype=ix) - tokens_of
    rows = np.arange(total, dtype=ix) + np.repeat(word_starts[numbers] - first_token, tokens_of)
    token = np.asarray(table.word_tokens, dtype=ix)[rows]
    place = np.asarray(table.word_places, dtype=ix)[rows] + np.repeat(base, tokens_of)
    doc_row = np.repeat(np.repeat(np.arange(len(sizes), dtype=ix), sizes), tokens_of)
    # Words in byte order; a stable sort keeps each word's documents and positions in order.
    by_bytes = sorted(range(len(table.tokens)), key=table.tokens.__getitem__)
    rank = np.empty(len(by_bytes), dtype=np.int32)  # a narrower key sorts faster
    rank[by_bytes] = np.arange(len(by_bytes))
    key = rank[token]
    order = np.argsort(key, kind="stable")
    key, doc_row, place = key[order], doc_row[order], place[order]
    del token, rows, order
    new = np.ones(total, dtype=bool)
    new[1:] = (key[1:] != key[:-1]) | (doc_row[1:] != doc_row[:-1])
    posting_starts = np.flatnonzero(new)
    counts = np.diff(np.append(posting_starts, total))
    gaps = place.copy()
    gaps[1:] -= place[:-1]
    gaps[posting_starts] = place[posting_starts]
    posting_keys = key[posting_starts]
    posting_rows = doc_row[posting_starts]
    first = np.ones(len(posting_keys), dtype=bool)
    first[1:] = posting_keys[1:] != posting_keys[:-1]
    term_starts = np.flatnonzero(first)
    value_bytes, value_starts = _encoded_positions(counts, gaps, place, posting_starts)
    return Made(
        words=[table.tokens[by_bytes[k]] for k in posting_keys[term_starts].tolist()],
        starts=np.append(term_starts, len(posting_keys)),
        docs=np.frombuffer(stream.docs, dtype=np.int32)[posting_rows],
        weights=counts.astype(np.float64) * boost,
        lengths=np.frombuffer(stream.lengths, dtype=np.int32)[posting_rows],
        value_bytes=value_bytes,
        value_starts=value_starts,
        counts=counts,
        places=place,
    )


#: The pickle opcodes of :meth:`whoosh.formats.Positions.encode`'s list of gaps (protocol 2):
#: the list's head, a one-, two- or four-byte integer, one item's and several items' ends.
_LIST_HEAD = np.frombuffer(b"\x80\x02]q\x00", dtype=np.uint8)
_BININT1, _BININT2, _BININT = ord("K"), ord("M"), ord("J")
_MARK, _APPEND, _APPENDS, _STOP = ord("("), ord("a"), ord("e"), ord(".")
#: The opcode of a gap by its number of bytes with the opcode.
_OPCODES = np.zeros(6, dtype=np.uint8)
_OPCODES[[2, 3, 5]] = [_BININT1, _BININT2, _BININT]
#: Pickle writes a list's items in batches of this many, each between a mark and an appends.
_PICKLE_BATCH = 1000


def _encoded_positions(
    counts: np.ndarray, gaps: np.ndarray, places: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every posting's :meth:`whoosh.formats.Positions.encode` of its positions (``counts`` of
    them per posting, ``gaps`` between them in posting order), written with array operations:
    the count as a big-endian unsigned int, then the list of gaps as ``pickle.dumps(gaps, 2)``
    writes it; all values back to back, and where each starts (and the last ends). The rare
    posting with more gaps than pickle writes in one batch is encoded by Whoosh."""
    if len(gaps) and int(gaps.max()) >= 2**31:
        raise ValueError("word position beyond what Whoosh's Positions format encodes")
    # Offsets into the values in 32 bits when they surely fit (each item takes at most 5
    # bytes, each value's head and end 12): half the memory these gap-sized arrays touch.
    ix = np.int32 if 5 * len(gaps) + 12 * len(counts) < _INT32_TOP else np.int64
    item = np.full(len(gaps), 2, dtype=ix)  # a gap's bytes: its opcode and one, two or four
    item[gaps >= 256] = 3
    item[gaps >= 65536] = 5
    item_before = np.cumsum(item, dtype=ix) - item
    items = np.add.reduceat(item, starts, dtype=ix) if len(starts) else item
    head = (9 + (counts > 1)).astype(ix)
    size = head + items + 2
    offsets = np.cumsum(size, dtype=ix) - size
    buffer = np.zeros(int(size.sum(dtype=np.int64)), dtype=np.uint8)
    for byte in range(4):
        buffer[offsets + byte] = (counts >> (8 * (3 - byte))) & 255
    buffer[offsets[:, None] + 4 + np.arange(len(_LIST_HEAD), dtype=ix)] = _LIST_HEAD
    buffer[(offsets + 9)[counts > 1]] = _MARK
    at = np.repeat(offsets + head - item_before[starts], counts) + item_before
    buffer[at] = _OPCODES[item]
    buffer[at + 1] = gaps & 255
    wide = item > 2
    buffer[at[wide] + 2] = (gaps[wide] >> 8) & 255
    wide = item > 3
    buffer[at[wide] + 3] = (gaps[wide] >> 16) & 255
    buffer[at[wide] + 4] = (gaps[wide] >> 24) & 255
    ends = offsets + size
    buffer[ends - 2] = np.where(counts == 1, _APPEND, _APPENDS)
    buffer[ends - 1] = _STOP
    bounds = np.append(offsets, ends[-1] if len(ends) else 0)
    batches = np.flatnonzero(counts > _PICKLE_BATCH)
    if len(batches):
        data = buffer.tobytes()
        values = [data[a:b] for a, b in zip(offsets.tolist(), ends.tolist(), strict=True)]
        for row in batches.tolist():
            begin = int(starts[row])
            values[row] = Positions().encode(places[begin : begin + int(counts[row])].tolist())
        buffer = np.frombuffer(b"".join(values), dtype=np.uint8)
        bounds = np.concatenate(([0], np.cumsum([len(value) for value in values])))
    return buffer, bounds
