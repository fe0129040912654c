"""The SQLite FTS5 reference: an FTS5 index over the same jieba tokens as ours, built from kb.

    .venv/bin/python bench/fts5.py --instance bench/out/instance-10000
    .venv/bin/python bench/fts5.py --instance DIR --out DIR/fts5.sqlite3 --procs 1

Issue 16 compares our build and our search with "a SQLite FTS5 index over the same jieba tokens,
built in the same run". This builds it from an instance that ``kb ingest`` filled (the database
only is read; the Whoosh index is not used), in the same phases as ``kb reindex``:

1. *read* (this process): every standard with its versions and every document with its clauses,
   as the plain rows our rebuild reads (``kb.standards.iter_standard_rows`` /
   ``kb.documents.iter_document_rows``, with the collector off, as ours), turned into index docs
   by ``indexer.schema.standard_docs`` / ``document_docs`` — the very records, fields and
   ``content`` text (title twice, the extra fields, the body) our Whoosh index holds;
2. *analysis* (``--procs`` forked processes, 2 by default: both cores, as our rebuild's two
   sub-writers): each ``content`` through ``indexer.analysis.chinese_analyzer`` in index mode —
   whole jieba words, their sub-words and the synonyms, lowercased — the token texts joined by
   single spaces;
3. *write* (this process): one transaction into a fresh file, renamed into place at the end: a
   contentless FTS5 table ``search(content)`` over the token texts, and a plain table
   ``records`` (same rowid) with what filters, facets and a hit need (type, kind, level, region,
   domain, category, status, the in-force window, title, body, url …).

FTS5 tokenizes the space-joined tokens with ``unicode61`` plus ``.`` as a token character
(decimals such as ``18.5`` stay whole): every CJK character is a token character to unicode61,
so a multi-character jieba word (``绿化养护``) stays one FTS5 token; :func:`check_tokens` verifies
that on the built file (through the ``fts5vocab`` table) and the build fails otherwise.

Prints one JSON object: records, seconds per phase, wall and CPU seconds (this process and the
analysis processes), peak RSS, file size and the load average before and after.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Keep bench/ last on the path, so no script here can shadow a standard-library module.
if str(HERE) in sys.path:
    sys.path.remove(str(HERE))
sys.path.append(str(HERE))

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sqlite3  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from typing import Any  # noqa: E402

#: FTS5's tokenizer over the space-joined jieba tokens: CJK runs are token characters already.
TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '.'"
#: Columns of ``records``, besides the rowid: what a filter, a facet or a hit needs.
COLUMNS = (
    "uid", "type", "code", "version", "is_current", "kind", "level", "region", "domain",
    "category", "grade", "status", "effective_from", "effective_to", "title", "body", "url",
    "unit", "value",
)  # fmt: skip
#: Facets counted per search; ``records`` holds each as a small integer code too
#: (``facet_<name>``, 0 for none, values in ``facet_values``): counting codes is cheaper
#: than counting strings.
FACETS = ("type", "kind", "level", "region", "domain", "category")
#: Contents sent to an analysis process at a time.
BATCH = 256

_analyzer: Any = None


def _init_analysis(settings: Any) -> None:
    """In each analysis process: the lexicon (jieba's dictionary and ours) and the analyzer."""
    global _analyzer
    from indexer.analysis import chinese_analyzer
    from indexer.dictionary import load_lexicon

    _analyzer = chinese_analyzer(load_lexicon(settings))


def analyse(contents: list[str]) -> tuple[list[str], float]:
    """The index-mode tokens of each content, joined by spaces; and the CPU seconds taken."""
    started = time.process_time()
    analyzer = _analyzer
    joined = [" ".join(t.text for t in analyzer(text, mode="index")) for text in contents]
    return joined, time.process_time() - started


def read_records(settings: Any) -> Iterator[dict[str, Any]]:
    """Every index doc our Whoosh index holds, from the database, as ``indexer.schema`` makes them."""
    from indexer.collector import paused
    from indexer.schema import CLAUSE_COLUMNS
    from indexer.schema import DOCUMENT_COLUMNS
    from indexer.schema import VERSION_COLUMNS
    from indexer.schema import document_docs
    from indexer.schema import standard_docs
    from kb import documents
    from kb import standards
    from kb.db import close_database
    from kb.db import open_database

    factory = open_database(settings)
    try:
        with factory() as session, paused():
            for standard in standards.iter_standard_rows(session, VERSION_COLUMNS):
                try:
                    docs = standard_docs(standard)
                except (ValueError, TypeError, ArithmeticError, KeyError):
                    continue  # what our rebuild skips and reports, skipped here too
                yield from docs
            rows = documents.iter_document_rows(session, DOCUMENT_COLUMNS, CLAUSE_COLUMNS)
            for document in rows:
                yield from document_docs(document)
    finally:
        close_database(factory)


def _row(doc: dict[str, Any], codes: dict[str, dict[str, int]]) -> tuple[Any, ...]:
    values = dict(doc)
    values["is_current"] = int(bool(doc.get("is_current", False)))
    row = [values.get(name) for name in COLUMNS]
    for name in FACETS:
        value = doc.get(name)
        known = codes[name]
        row.append(0 if value is None else known.setdefault(value, len(known) + 1))
    return tuple(row)


def create(connection: sqlite3.Connection) -> None:
    columns = ", ".join([*COLUMNS, *(f"facet_{name} INTEGER" for name in FACETS)])
    connection.executescript(
        f"""
        CREATE TABLE records (rowid INTEGER PRIMARY KEY, {columns});
        CREATE TABLE facet_values (facet TEXT, code INTEGER, value TEXT);
        CREATE VIRTUAL TABLE search USING fts5(content, content='', tokenize="{TOKENIZE}");
        """
    )


def build(settings: Any, out: Path, procs: int = 2) -> dict[str, Any]:
    """Build the FTS5 file ``out`` from the database of ``settings`` (a ``kb.config.Settings``);
    returns the figures."""
    load_before = round(os.getloadavg()[0], 2)
    wall_started = time.perf_counter()
    cpu_started = time.process_time()
    partial = out.with_name(out.name + ".building")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    create(connection)
    marks = ", ".join("?" * (len(COLUMNS) + len(FACETS)))
    insert_record = f"INSERT INTO records VALUES (?, {marks})"
    codes: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    insert_text = "INSERT INTO search (rowid, content) VALUES (?, ?)"
    times = {"read": 0.0, "wait for analysis": 0.0, "write": 0.0}
    analysis_cpu = 0.0
    counts: dict[str, int] = {}
    rowid = 0

    docs = read_records(settings)

    def next_batch() -> list[dict[str, Any]]:
        """The next BATCH records; the time spent reading them is counted as *read*."""
        started = time.perf_counter()
        batch = [doc for _, doc in zip(range(BATCH), docs, strict=False)]
        times["read"] += time.perf_counter() - started
        return batch

    def write(batch: list[dict[str, Any]], joined: list[str]) -> None:
        nonlocal rowid
        started = time.perf_counter()
        records, texts = [], []
        for doc, tokens in zip(batch, joined, strict=True):
            rowid += 1
            counts[doc["type"]] = counts.get(doc["type"], 0) + 1
            records.append((rowid, *_row(doc, codes)))
            texts.append((rowid, tokens))
        connection.executemany(insert_record, records)
        connection.executemany(insert_text, texts)
        times["write"] += time.perf_counter() - started

    connection.execute("BEGIN")
    if procs > 1:
        # A bounded window of batches in flight: this process reads and writes while the
        # analysis processes segment, and never holds more than a few batches.
        pool = multiprocessing.get_context("fork").Pool(procs, _init_analysis, (settings,))
        in_flight: collections.deque[tuple[list[dict[str, Any]], Any]] = collections.deque()
        try:
            while True:
                while len(in_flight) < 3 * procs:
                    batch = next_batch()
                    if not batch:
                        break
                    in_flight.append(
                        (batch, pool.apply_async(analyse, ([d["content"] for d in batch],)))
                    )
                if not in_flight:
                    break
                batch, pending = in_flight.popleft()
                started = time.perf_counter()
                joined, cpu = pending.get()
                times["wait for analysis"] += time.perf_counter() - started
                analysis_cpu += cpu
                write(batch, joined)
        finally:
            pool.close()
            pool.join()
    else:
        _init_analysis(settings)
        while batch := next_batch():
            started = time.perf_counter()
            joined, cpu = analyse([d["content"] for d in batch])
            times["analysis (in this process)"] = times.get("analysis (in this process)", 0.0) + (
                time.perf_counter() - started
            )
            analysis_cpu += cpu
            write(batch, joined)
    started = time.perf_counter()
    connection.executemany(
        "INSERT INTO facet_values VALUES (?, ?, ?)",
        [(name, code, value) for name, known in codes.items() for value, code in known.items()],
    )
    for name in ("type", "kind", "level", "region"):
        connection.execute(f"CREATE INDEX records_{name} ON records ({name})")
    connection.execute("COMMIT")
    times["write"] += time.perf_counter() - started
    tokens = check_tokens(connection)
    connection.close()
    os.replace(partial, out)
    wall = time.perf_counter() - wall_started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "records": rowid,
        "counts": counts,
        "procs": procs,
        "seconds": round(wall, 2),
        "phases_s": {k: round(v, 2) for k, v in times.items()},
        "cpu_s_this_process": round(time.process_time() - cpu_started, 2),
        "cpu_s_analysis": round(analysis_cpu, 2),
        "cpu_s_all": round(
            usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime, 2
        ),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "file_mb": round(out.stat().st_size / 2**20, 1),
        "tokens": tokens,
        "load_before_after": [load_before, round(os.getloadavg()[0], 2)],
    }


def check_tokens(connection: sqlite3.Connection) -> dict[str, Any]:
    """What FTS5 made of the joined tokens: distinct terms, and multi-character CJK ones.

    :raises SystemExit: when no CJK term of two characters or more is in the vocabulary (the
        tokenizer would have cut the jieba words apart, and the comparison would be void).
    """
    connection.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, search, row)")
    terms = connection.execute("SELECT count(*) FROM temp.vocab").fetchone()[0]
    multi = connection.execute(
        "SELECT count(*) FROM temp.vocab WHERE length(term) > 1 AND unicode(term) >= 13312"
    ).fetchone()[0]
    example = connection.execute(
        "SELECT term FROM temp.vocab WHERE length(term) >= 4 AND unicode(term) >= 13312 "
        "ORDER BY doc DESC LIMIT 3"
    ).fetchall()
    if terms and not multi:
        raise SystemExit("FTS5 split the jieba words: no multi-character CJK term in the index")
    return {"terms": terms, "cjk_multi_char_terms": multi, "examples": [e[0] for e in example]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True, help="an ingested kb instance")
    parser.add_argument("--out", type=Path, help="default: INSTANCE/fts5.sqlite3")
    parser.add_argument("--procs", type=int, default=2, help="analysis processes (1: in-process)")
    args = parser.parse_args(argv)
    if not (args.instance / "kb.sqlite3").exists():
        parser.error(f"{args.instance}: no kb.sqlite3 (run kb ingest first)")
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    from kb.config import Settings

    out = args.out or args.instance / "fts5.sqlite3"
    settings = Settings.for_instance(args.instance.resolve())
    print(json.dumps(build(settings, out, args.procs), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
