"""The FTS5 reference app: ``/api/v1/search`` over the file ``bench/fts5.py`` builds.

    KB_INSTANCE_DIR=DIR gunicorn -w 2 -k sync 'bench.fts5_app:create_app()'

What a straightforward engineer would serve from that file with Flask, to compare memory and
latency with ours (``bench/compare.py`` runs both under the same load):

* the query text through our analyzer in query mode (jieba with our dictionary, whole words,
  lowercased), each word a quoted FTS5 term, all required; when nothing matches and there are
  several words, any of them (``relaxed``), as our search does;
* filters ``type``, ``kind``, ``level``, ``region``, ``domain``, ``category``, ``status`` as
  equality on the ``records`` columns; standards are current versions only, or with ``on=D``
  those in force on D (the window rule of ``indexer.schema.in_force_window``, not "the latest
  such version per standard");
* the top ``per_page`` (10) by ``bm25``, with title, url, code, kind, region, value and unit,
  and a snippet: the stored body cut around the first query word, escaped, words in ``<mark>``;
* facet counts over type, kind, level, region, domain and category of all matches: one query
  returns every match's bm25, rowid and facet values (a ``GROUP BY`` over six columns sorts, and
  took twice as long), counted with ``Counter``; the top hits picked with a heap;
* errors as ``{"error": {"code", "message", "details"}}`` with status 400.

Each worker opens the file read-only on its first request (``mmap_size`` 1 GiB, so the pages
of the file are the page cache's, shared by the workers). ``KB_FTS5_FILE`` names the file
(default ``$KB_INSTANCE_DIR/fts5.sqlite3``); the lexicon is the instance's, loaded as the app
is built, as ``webapp/wsgi.py`` does. ``/health`` answers without touching the index.
"""

from __future__ import annotations

import datetime as dt
import heapq
import html
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from flask import Flask
from flask import jsonify
from flask import request

from indexer.analysis import chinese_analyzer
from indexer.dictionary import load_lexicon
from kb.config import Settings

FACETS = ("type", "kind", "level", "region", "domain", "category")
FILTERS = ("type", "kind", "level", "region", "domain", "category", "status")
PUBLISHED = ("in_force", "superseded", "repealed")
SNIPPET_CHARS = 120
MAX_PER_PAGE = 100


class BadRequest(Exception):
    """A parameter that cannot be used: answered with 400 and the error envelope."""

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


def create_app(settings: Settings | None = None, path: Path | None = None) -> Flask:
    """The app over ``path`` (``KB_FTS5_FILE``) with the lexicon of ``settings`` (from the
    environment: ``KB_INSTANCE_DIR``)."""
    settings = settings or Settings.from_env()
    path = path or Path(
        os.environ.get("KB_FTS5_FILE") or Path(settings.instance_dir) / "fts5.sqlite3"
    )
    if not path.exists():
        raise SystemExit(f"{path}: no FTS5 file (run bench/fts5.py first)")
    analyzer = chinese_analyzer(load_lexicon(settings))
    app = Flask(__name__)
    state: dict[str, Any] = {}

    def connection() -> sqlite3.Connection:
        # Opened in the worker, never in a master that forks.
        if state.get("pid") != os.getpid():
            opened = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            opened.execute("PRAGMA mmap_size = 1073741824")
            labels: dict[str, dict[int, str]] = {name: {} for name in FACETS}
            for facet, code, value in opened.execute("SELECT * FROM facet_values"):
                labels[facet][code] = value
            state.update(pid=os.getpid(), connection=opened, labels=labels)
        return state["connection"], state["labels"]

    @app.errorhandler(BadRequest)
    def bad_request(error: BadRequest) -> Any:
        body = {"error": {"code": "invalid", "message": str(error), "details": error.details}}
        return jsonify(body), 400

    @app.get("/health")
    def health() -> Any:
        return jsonify({"ok": True})

    @app.get("/api/v1/search")
    def search_route() -> Any:
        words = query_words(analyzer, request.args.get("q", ""))
        db, labels = connection()
        return jsonify(search(db, labels, words, request.args))

    return app


def query_words(analyzer: Any, text: str) -> list[str]:
    """The query's whole words, each once, in order."""
    return list(dict.fromkeys(t.text for t in analyzer(text, mode="query")))


def search(
    db: sqlite3.Connection, labels: dict[str, dict[int, str]], words: list[str], args: Any
) -> dict[str, Any]:
    """One page of hits with facet counts, as ``/api/v1/search`` answers it."""
    page = _int(args, "page", 1, 1, 10_000)
    per_page = _int(args, "per_page", 10, 1, MAX_PER_PAGE)
    where, params = filters(args)
    if not words:
        return {"total": 0, "results": [], "facets": {}, "relaxed": False}
    terms = ['"' + w.replace('"', '""') + '"' for w in words]
    relaxed = False
    found = matches(db, " ".join(terms), where, params)
    if not found and len(terms) > 1:
        relaxed = True
        found = matches(db, " OR ".join(terms), where, params)
    columns = list(zip(*found, strict=True)) or [()] * (2 + len(FACETS))
    facets = {}
    for index, name in enumerate(FACETS, start=2):
        counts = Counter(columns[index])
        counts.pop(0, None)
        facets[name] = {labels[name][code]: n for code, n in counts.most_common()}
    top = heapq.nsmallest(page * per_page, found)[(page - 1) * per_page :]
    shown = {
        row[0]: row[1:]
        for row in db.execute(
            "SELECT rowid, type, uid, title, body, url, code, kind, region, value, unit "
            f"FROM records WHERE rowid IN ({', '.join('?' * len(top))})",
            [rowid for _, rowid, *_ in top],
        )
    }
    results = []
    for _, rowid, *_ in top:
        kind_of, uid, title, body, url, code, kind, region, value, unit = shown[rowid]
        hit = {"type": kind_of, "id": uid, "title": title, "url": url}
        hit["snippet"] = snippet(body or "", words)
        if kind_of == "standard":
            hit.update(code=code, kind=kind, region=region, value=value, unit=unit)
        results.append(hit)
    return {"total": len(found), "results": results, "facets": facets, "relaxed": relaxed}


def matches(
    db: sqlite3.Connection, expression: str, where: str, params: list[Any]
) -> list[tuple[Any, ...]]:
    """Every match: (bm25, rowid, its facet codes …); facets are counted from these in C
    (``Counter`` over a column), the top hits picked with a heap."""
    columns = ", ".join(f"r.facet_{f}" for f in FACETS)
    return db.execute(
        f"SELECT bm25(search), search.rowid, {columns} FROM search "
        f"CROSS JOIN records r ON r.rowid = search.rowid WHERE search MATCH ? {where}",
        [expression, *params],
    ).fetchall()


def filters(args: Any) -> tuple[str, list[Any]]:
    """SQL conditions on ``records r`` for the request's filters, and their parameters."""
    where, params = [], []
    for name in FILTERS:
        value = args.get(name)
        if value:
            where.append(f"r.{name} = ?")
            params.append(value)
    on = args.get("on")
    if on:
        try:
            day = dt.date.fromisoformat(on).toordinal()
        except ValueError:
            raise BadRequest("日期格式应为 YYYY-MM-DD。", {"on": on}) from None
        where.append(
            "(r.type != 'standard' OR (r.status IN (?, ?, ?) AND r.effective_from <= ? AND "
            "(r.effective_to >= ? OR (r.effective_to = 0 AND r.status = 'in_force'))))"
        )
        params += [*PUBLISHED, day, day]
    else:
        where.append("(r.type != 'standard' OR r.is_current = 1)")
    return "".join(f" AND {w}" for w in where), params


def snippet(body: str, words: list[str]) -> str:
    """About SNIPPET_CHARS characters of ``body`` around its first query word, escaped, marked."""
    lowered = body.lower()
    found = [(lowered.find(w), w) for w in words if w and lowered.find(w) >= 0]
    start = max(0, min(found)[0] - SNIPPET_CHARS // 4) if found else 0
    piece = body[start : start + SNIPPET_CHARS]
    lowered = piece.lower()
    spans: list[tuple[int, int]] = []
    for word in sorted({w for _, w in found}, key=len, reverse=True):
        at = lowered.find(word)
        while at >= 0:
            if not any(s < at + len(word) and at < e for s, e in spans):
                spans.append((at, at + len(word)))
            at = lowered.find(word, at + len(word))
    out, last = [], 0
    for s, e in sorted(spans):
        out += [html.escape(piece[last:s]), "<mark>", html.escape(piece[s:e]), "</mark>"]
        last = e
    out.append(html.escape(piece[last:]))
    return "".join(out)


def _int(args: Any, name: str, default: int, low: int, high: int) -> int:
    text = args.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} 应为整数。", {name: text}) from None
    if not low <= value <= high:
        raise BadRequest(f"{name} 应在 {low} 到 {high} 之间。", {name: text})
    return value
