"""A field's postings written as Whoosh's postings writer writes them, for all of a segment's
words at once (issue 16): the blocks' document gaps, weights and length statistics and the
words' term infos computed with array operations, each block pickled and compressed as the
postings writer's ``_write_block`` does, a chunk of words' blocks written to the postings file
at once and their term infos added to the term index at once. :mod:`indexer.segment_writer`
hands it every field of a rebuild's segment; ``tests/indexer/test_direct.py`` checks that the
files are those Whoosh's writer writes, byte for byte.
"""

from __future__ import annotations

import zlib
from hashlib import md5
from pickle import dumps
from struct import Struct
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import md5_hash
from whoosh.system import pack_ushort
from whoosh.util.numeric import _length_byte_cache

from indexer.postings import Made

#: Postings turned into Python objects at a time when written (bounds a process's memory).
_CHUNK = 1 << 18
#: A term info as :meth:`whoosh.codec.whoosh3.W3TermInfo.to_bytes` packs it for postings
#: written to the postings file (``"!BfIBBfII"``, then the offset and length, ``"!q"``, ``"!i"``).
_TERM_INFO = np.dtype(
    [
        ("inlined", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)
#: :func:`whoosh.util.numeric.length_to_byte`'s table, and the length from which it gives 255.
_LENGTH_TABLE = np.frombuffer(_length_byte_cache, dtype=np.int32).astype(np.int64)
_LENGTH_TOP = 106374
_pack_int = Struct("!i").pack
_pack_lengths = Struct("!ii").pack


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """:func:`whoosh.util.numeric.length_to_byte` of every length (non-negative integers)."""
    found = np.searchsorted(_LENGTH_TABLE, lengths, side="left")
    return np.where(lengths >= _LENGTH_TOP, 255, found).astype(np.int64)


def write_postings(fields: Any, name: str, field: Any, made: Made) -> None:
    """A field's postings through the codec's field writer, each word's blocks as the postings
    writer's ``_write_block`` and ``finish_postings`` and the field writer's ``start_term`` and
    ``finish_term`` would write them (the same pickled tuple, compression, header and term
    info): each block's document gaps, weights and length statistics, and each word's term
    info, computed for all blocks and words at once; a chunk of words' blocks written to the
    postings file at once, and their term infos added to the term index at once
    (:func:`add_terms`)."""
    fields.start_field(name, field)
    writer = fields._postwriter
    if not made.words:
        fields.finish_field()
        return
    if writer._inlinelimit > 1:  # Whoosh's default codec inlines no postings in its terms
        raise RuntimeError("a codec that inlines postings: write them through add_term_postings")
    fixed = field.format.fixed_value_size()
    if fixed is not None and fixed > 0:
        raise RuntimeError("a format with fixed-size values: write them through add_term_postings")
    with_values = fixed is None  # else no values (size 0: the block's values are None)
    limit, level = writer._blocklimit, writer._compression
    postfile = writer._postfile
    field_id = pack_ushort(fields._fieldid)
    starts = made.starts
    word_count = len(made.words)
    per_word = (np.diff(starts) + limit - 1) // limit
    word_of_block = np.repeat(np.arange(word_count), per_word)
    blocks = starts[:-1][word_of_block] + limit * (
        np.arange(int(per_word.sum())) - (np.cumsum(per_word) - per_word)[word_of_block]
    )
    docs = made.docs.astype(np.int64)
    gaps = docs.copy()
    gaps[1:] -= docs[:-1]
    gaps[blocks] = docs[blocks]  # a block's first document is written whole
    stored = made.weights.astype(np.float32).astype(np.float64)  # as array("f") gives them
    if not np.isfinite(stored).all():
        raise ValueError("a posting's weight beyond what Whoosh's postings store")
    low = np.minimum.reduceat(stored, blocks).tolist()
    high = np.maximum.reduceat(stored, blocks).tolist()
    heaviest = np.maximum.reduceat(made.weights, blocks)
    lengths = made.lengths.astype(np.int64)
    present = lengths > 0
    none = int(lengths.max(initial=0)) + 1
    shortest = np.minimum.reduceat(np.where(present, lengths, none), blocks)
    longest = np.maximum.reduceat(lengths, blocks)
    short_bytes = np.where(shortest == none, 0, length_bytes(shortest)).tolist()
    long_bytes = length_bytes(np.maximum(longest, 0)).tolist()
    heavy_list = [max(0, heavy) for heavy in heaviest.tolist()]
    # Each word's term info (W3TermInfo.add_block over its blocks, then to_bytes).
    info = np.zeros(word_count, dtype=_TERM_INFO)
    word_starts = starts.tolist()
    firsts = starts[:-1]
    if np.array_equal(stored, np.floor(stored)) and float(np.abs(stored).sum()) < 2.0**53:
        info["weight"] = np.add.reduceat(stored, firsts)  # whole numbers: exact in any order
    else:  # as W3TermInfo adds them: each block's sum, one block after another
        stored_all = stored.tolist()
        totals = []
        for first, finish in zip(word_starts, word_starts[1:], strict=False):
            total = 0
            for start in range(first, finish, limit):
                total += sum(stored_all[start : min(start + limit, finish)])
            totals.append(total)
        info["weight"] = totals
    info["df"] = np.diff(starts)
    word_short = np.minimum.reduceat(np.where(present, lengths, none), firsts)
    info["minlength"] = np.where(word_short == none, 0, length_bytes(word_short))
    info["maxlength"] = length_bytes(np.maximum(np.maximum.reduceat(lengths, firsts), 0))
    info["maxweight"] = np.maximum(np.maximum.reduceat(made.weights, firsts), 0)
    info["minid"] = made.docs[firsts]
    info["maxid"] = made.docs[starts[1:] - 1]
    word_offsets = np.zeros(word_count, dtype=np.int64)
    word_ends = np.zeros(word_count, dtype=np.int64)
    # Words a chunk of about _CHUNK postings at a time become Python lists and bytes objects.
    cuts = np.searchsorted(starts, np.arange(_CHUNK, int(starts[-1]), _CHUNK), side="right")
    chunks = np.unique(np.concatenate(([0], cuts, [word_count]))).tolist()
    compress, block, at = zlib.compress, 0, postfile.tell()
    for chunk_first, chunk_end in zip(chunks, chunks[1:], strict=False):
        base, top = word_starts[chunk_first], word_starts[chunk_end]
        gap_list = gaps[base:top].tolist()
        stored_list = stored[base:top].tolist()
        docs_list = made.docs[base:top].tolist()
        values = made.values(base, top) if with_values else None
        pieces = []
        offsets, ends = [], []
        for number in range(chunk_first, chunk_end):
            first, finish = word_starts[number] - base, word_starts[number + 1] - base
            offsets.append(at)
            pieces.append(WHOOSH3_HEADER_MAGIC)
            at += len(WHOOSH3_HEADER_MAGIC)
            for start in range(first, finish, limit):
                end = min(start + limit, finish)
                if low[block] == high[block]:
                    mini = None if low[block] == 1.0 else stored_list[start]
                else:
                    mini = tuple(stored_list[start:end])
                data = compress(
                    dumps(
                        (
                            tuple(gap_list[start:end]),
                            mini,
                            tuple(values[start:end]) if values is not None else None,
                        ),
                        2,
                    ),
                    level,
                )
                head = dumps(
                    (
                        end - start,
                        docs_list[end - 1],
                        heavy_list[block],
                        level,
                        short_bytes[block],
                        long_bytes[block],
                    ),
                    2,
                )
                size = len(head) + len(data)
                pieces.append(_pack_int(-size if end == finish else size))
                pieces.append(head)
                pieces.append(data)
                at += 4 + size
                block += 1
            ends.append(at)
        postfile.write(b"".join(pieces))
        word_offsets[chunk_first:chunk_end] = offsets
        word_ends[chunk_first:chunk_end] = ends
    info["offset"] = word_offsets
    info["length"] = word_ends - word_offsets
    packed = info.tobytes()
    size = _TERM_INFO.itemsize
    add_terms(
        fields._tindex,
        [field_id + word for word in made.words],
        [packed[i : i + size] for i in range(0, len(packed), size)],
    )
    fields.finish_field()


def add_terms(tindex: OrderedHashWriter, keys: list[bytes], values: list[bytes]) -> None:
    """:meth:`whoosh.filedb.filetables.OrderedHashWriter.add` of every key and value in turn,
    the records written to the file at once (the same bytes, positions and hash buckets)."""
    dbfile, buckets, index = tindex.dbfile, tindex.buckets, tindex.index
    if tindex.hashfn is not md5_hash:
        raise RuntimeError("a term index with another hash: add its terms one by one")
    last = tindex.lastkey
    at = dbfile.tell()
    pieces = []
    for key, value in zip(keys, values, strict=True):
        if key <= last:
            raise ValueError(f"Keys must increase: {last!r}..{key!r}")
        index.append(at)
        pieces.append(_pack_lengths(len(key), len(value)))
        pieces.append(key)
        pieces.append(value)
        # md5_hash: the digest's last four bytes, read as a big-endian number
        h = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
        buckets[h & 255].append((h, at))
        at += 8 + len(key) + len(value)
        last = key
    dbfile.write(b"".join(pieces))
    tindex.lastkey = last
