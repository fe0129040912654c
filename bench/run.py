"""The benchmark: generate, ingest, rebuild and search at each corpus size; one subprocess per phase.

    .venv/bin/python bench/run.py                      # 10k and 100k standards
    .venv/bin/python bench/run.py --quick              # 10k only
    .venv/bin/python bench/run.py --sizes 100000 --profile

For each size N (with N/50 policy documents, at least 20):

* generate: ``bench/generate.py`` into ``bench/out/corpus-<N>`` (reused when its manifest matches);
* ingest: ``kb init`` then ``indexer.ingest.ingest`` — the ``kb ingest`` path — into a fresh
  SQLite instance ``bench/out/instance-<N>``. Ingest writes the database file by file, then
  updates the (empty) index with every record it added (``sync.update``); the time is split
  into the database part and that index part;
* rebuild: ``indexer.sync.rebuild``, a full rebuild from the database;
* search: ``indexer.search.search`` in-process with reviewer queries (``bench/queries.py``; hits
  come with snippets and facets, exactly as the API returns them): a warm-up pass of 300 queries
  with every cache empty, then the timed pass over 300 *other* queries (search keeps a
  per-process answer cache; a query seen before would measure that cache), then the
  last 100 timed queries once more in shuffled order, which measures the answer cache.

Each phase runs in its own process so that peak RSS (``ru_maxrss``) is per phase. Prints Markdown
tables and writes ``bench/out/results.json`` (sizes not run this time are kept from earlier runs).
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
import datetime as dt  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

OUT = HERE / "out"
DEFAULT_SIZES = (10_000, 100_000)
QUERY_COUNT = 300
REPEATED = 100
TARGETS = {"rebuild_seconds_100k": 180, "search_p95_ms_100k": 50}


# -- helpers shared by the phases -------------------------------------------------------------


def documents_for(size: int) -> int:
    """Policy documents generated alongside ``size`` standards (2,000 at 100k)."""
    return max(20, size // 50)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def percentile(values: list[float], fraction: float) -> float:
    """``numpy.percentile`` (linear interpolation between closest ranks); NaN for no values."""
    return float(np.percentile(values, fraction * 100)) if values else float("nan")


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "n": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 0.50), 2),
        "p95_ms": round(percentile(latencies_ms, 0.95), 2),
        "p99_ms": round(percentile(latencies_ms, 0.99), 2),
        "mean_ms": round(sum(latencies_ms) / len(latencies_ms), 2) if latencies_ms else None,
        "max_ms": round(max(latencies_ms), 2) if latencies_ms else None,
    }


def _settings(instance: Path):  # noqa: ANN202 - kb is imported lazily, inside the phases
    from kb.config import Settings

    return Settings.for_instance(instance)


# -- phases (each runs in a child process) ----------------------------------------------------


def phase_generate(size: int, corpus: Path, **_: Any) -> dict[str, Any]:
    from generate import DEFAULT_SEED
    from generate import generate

    manifest = generate(corpus, size, documents_for(size), DEFAULT_SEED, 20_000)
    return {"seconds": manifest["seconds"], "manifest": manifest}


def phase_ingest(corpus: Path, instance: Path, **_: Any) -> dict[str, Any]:
    from indexer import sync
    from indexer.ingest import ingest
    from kb.db import open_database

    settings = _settings(instance)
    factory = open_database(settings)
    with factory() as session:  # `kb init`: an empty database and an empty index
        sync.ensure_index(settings, session)
    index_seconds: list[float] = []
    update = sync.update

    def timed_update(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return update(*args, **kwargs)
        finally:
            index_seconds.append(time.perf_counter() - started)

    sync.update = timed_update  # ingest calls sync.update once, at the end
    error = None
    rejected: list[str] = []
    started = time.perf_counter()
    with factory() as session:
        try:
            report = ingest(settings, session, [corpus])
            rejected = [f.path for f in report.files if f.rejected or f.skipped]
        except Exception as exc:  # noqa: BLE001 - a failure is a result; files already committed stay
            error = f"{type(exc).__name__}: {exc}"[:600]
    seconds = time.perf_counter() - started
    index_part = sum(index_seconds)
    standard_rows, documents = _database_counts(factory)
    db_seconds = seconds - index_part
    return {
        "seconds": round(seconds, 2),
        "db_seconds": round(db_seconds, 2),
        "index_seconds": round(index_part, 2),
        "error": error,
        "standard_rows": standard_rows,
        "documents": documents,
        "rejected_files": rejected,
        "standard_rows_per_s_db": round(standard_rows / db_seconds, 1),
        "standard_rows_per_s_total": round(standard_rows / seconds, 1),
        "database_bytes": sum(p.stat().st_size for p in instance.glob("kb.sqlite3*")),
    }


def _database_counts(factory: Any) -> tuple[int, int]:
    """Standard versions and documents in the database."""
    from sqlalchemy import func
    from sqlalchemy import select

    from kb.models import Document
    from kb.models import StandardVersion

    with factory() as session:
        versions = session.scalar(select(func.count(StandardVersion.id))) or 0
        documents = session.scalar(select(func.count(Document.id))) or 0
    return versions, documents


def phase_rebuild(instance: Path, **_: Any) -> dict[str, Any]:
    from indexer import sync
    from kb.db import open_database

    settings = _settings(instance)
    factory = open_database(settings)
    started = time.perf_counter()
    with factory() as session:
        stats = sync.rebuild(settings, session)
    seconds = time.perf_counter() - started
    records = stats.standards + stats.clauses + stats.documents
    generation = Path(settings.index_dir) / stats.generation.split()[0]
    return {
        "seconds": round(seconds, 2),
        "index_docs": records,
        "standards": stats.standards,
        "clauses": stats.clauses,
        "documents": stats.documents,
        "index_docs_per_s": round(records / seconds, 1),
        "standards_per_s": round(stats.standards / seconds, 1),
        "index_bytes": folder_bytes(generation),
        "segments": len(list(generation.glob("*.seg"))),
    }


def phase_search(instance: Path, profile: bool = False, **_: Any) -> dict[str, Any]:
    from queries import distinct_queries

    from indexer.search import SearchQuery
    from indexer.search import search

    settings = _settings(instance)
    # One stream of distinct queries: the first 300 warm up, the next 300 are timed.
    stream = distinct_queries(2 * QUERY_COUNT, seed=7)
    warm_queries, bench_queries = stream[:QUERY_COUNT], stream[QUERY_COUNT:]
    warm_prepared = [_search_query(SearchQuery, q.params()) for q in warm_queries]
    prepared = [_search_query(SearchQuery, q.params()) for q in bench_queries]

    started = time.perf_counter()
    search(settings, SearchQuery(q="绿化养护"))  # opens the searcher
    open_ms = (time.perf_counter() - started) * 1000
    rss_after_open = peak_rss_mb()

    cpu_ms: dict[int, float] = {}

    def one_pass(queries: list[Any], order: Iterable[int]) -> dict[int, tuple[float, Any]]:
        timings = {}
        for index in order:
            cpu = time.process_time()
            begun = time.perf_counter()
            page = search(settings, queries[index])
            timings[index] = ((time.perf_counter() - begun) * 1000, page)
            cpu_ms[index] = (time.process_time() - cpu) * 1000
        return timings

    # Warm-up: a first pass over other queries, with every cache of the searcher still empty.
    warm = one_pass(warm_prepared, range(len(warm_prepared)))
    # Timed: queries the process has not answered yet (the answer cache cannot serve them).
    timed = one_pass(prepared, range(len(prepared)))
    timed_cpu = dict(cpu_ms)
    # Repeat: the last REPEATED timed queries again, shuffled: what the per-process answer
    # cache (if any, and if it holds that many) makes of a query asked before.
    order = list(range(len(prepared)))[-REPEATED:]
    random.Random(1).shuffle(order)
    repeat = one_pass(prepared, order)

    rows = []
    for index, query in enumerate(bench_queries):
        ms, page = timed[index]
        rows.append(
            {
                "q": query.q,
                "filters": query.filters,
                "words": query.words,
                "absent": query.absent,
                "ms": round(ms, 3),
                "cpu_ms": round(timed_cpu[index], 3),
                "repeat_ms": round(repeat[index][0], 3) if index in repeat else None,
                "total": page.total,
                "relaxed": page.relaxed,
                "results": len(page.results),
                "marked": any("<mark>" in hit.snippet for hit in page.results),
                "facets": sorted(page.facets),
            }
        )

    def group(name: str, keep: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        kept = [r for r in rows if keep(r)]
        cpu = summary([r["cpu_ms"] for r in kept])
        return {
            "group": name,
            **summary([r["ms"] for r in kept]),
            "cpu_p50_ms": cpu["p50_ms"],
            "cpu_p95_ms": cpu["p95_ms"],
        }

    groups = [
        group("all", lambda r: True),
        group("hit", lambda r: r["total"] > 0),
        group("no hit", lambda r: r["total"] == 0),
        group("relaxed (OR fallback)", lambda r: r["relaxed"]),
        group("with filters", lambda r: bool(r["filters"])),
        group("no filters", lambda r: not r["filters"]),
        *(
            group(f"{n} word{'s' if n > 1 else ''}", lambda r, n=n: r["words"] == n)
            for n in (1, 2, 3, 4)
        ),
        group("< 1,000 matches", lambda r: 0 < r["total"] < 1000),
        group("1,000–9,999 matches", lambda r: 1000 <= r["total"] < 10_000),
        group("≥ 10,000 matches", lambda r: r["total"] >= 10_000),
    ]
    hits = [r for r in rows if r["total"] > 0]
    result: dict[str, Any] = {
        "queries": len(rows),
        "open_first_search_ms": round(open_ms, 1),
        "rss_after_open_mb": rss_after_open,
        "warmup": summary([ms for ms, _ in warm.values()]),
        "warmup_no_hit": summary([ms for ms, page in warm.values() if page.total == 0]),
        "repeat": summary([r["repeat_ms"] for r in rows if r["repeat_ms"] is not None]),
        "groups": groups,
        "hit_share": round(len(hits) / len(rows), 3),
        "with_filters_share": round(sum(1 for r in rows if r["filters"]) / len(rows), 3),
        "hits_with_mark_share": round(sum(r["marked"] for r in hits) / max(1, len(hits)), 3),
        "slowest": sorted(rows, key=lambda r: -r["ms"])[:10],
        "rows": rows,
    }
    if profile:
        fresh = distinct_queries(QUERY_COUNT, seed=9, exclude=warm_queries + bench_queries)
        fresh_prepared = [_search_query(SearchQuery, q.params()) for q in fresh]
        result["profile"] = _profile(
            lambda: one_pass(fresh_prepared, range(len(fresh_prepared))), instance
        )
    return result


def _search_query(factory: Any, params: dict[str, str]) -> Any:
    values: dict[str, Any] = dict(params)
    if "on" in values:
        values["on"] = dt.date.fromisoformat(values["on"])
    return factory(**values)


def _profile(run: Callable[[], Any], instance: Path) -> str:
    """Profile one more timed pass; the top functions go to ``bench/out/profile-*.txt``."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    path = OUT / f"profile-search-{instance.name.removeprefix('instance-')}.txt"
    path.write_text(text.getvalue(), encoding="utf-8")
    return str(path)


PHASES: dict[str, Callable[..., dict[str, Any]]] = {
    "generate": phase_generate,
    "ingest": phase_ingest,
    "rebuild": phase_rebuild,
    "search": phase_search,
}


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)
    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    result = PHASES[args.phase](
        size=args.size, corpus=args.corpus, instance=args.instance, profile=args.profile
    )
    result["phase_wall_seconds"] = round(time.perf_counter() - started, 2)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = round(
        usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime, 2
    )
    result["peak_rss_mb"] = peak_rss_mb()
    # The machine may be shared: a load average well above 1 means the figures are inflated.
    result["load_before_after"] = [load_before, round(os.getloadavg()[0], 2)]
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return 0


# -- the parent: run phases, print tables ------------------------------------------------------


def run_phase(name: str, size: int, corpus: Path, instance: Path, profile: bool) -> dict[str, Any]:
    result_file = OUT / f".phase-{name}-{size}.json"
    result_file.unlink(missing_ok=True)
    command = [
        sys.executable, str(Path(__file__).resolve()), "_phase", name,
        "--size", str(size), "--corpus", str(corpus), "--instance", str(instance),
        "--result", str(result_file),
    ]  # fmt: skip
    if profile:
        command.append("--profile")
    print(
        f"[{time.strftime('%H:%M:%S')}] {size:,} standards: {name} …", file=sys.stderr, flush=True
    )
    started = time.perf_counter()
    completed = subprocess.run(command, check=False, cwd=HERE.parent)
    if completed.returncode != 0 or not result_file.exists():
        print(f"{name} failed with exit code {completed.returncode}", file=sys.stderr)
        return {"failed": True, "returncode": completed.returncode, "peak_rss_mb": None}
    result = json.loads(result_file.read_text())
    result_file.unlink()
    print(
        f"[{time.strftime('%H:%M:%S')}] {size:,} standards: {name} done in "
        f"{time.perf_counter() - started:.1f} s, CPU {result['cpu_seconds']} s, "
        f"peak RSS {result['peak_rss_mb']} MB, load {result['load_before_after']}",
        file=sys.stderr,
        flush=True,
    )
    return result


def run_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    corpus = OUT / f"corpus-{size}"
    instance = OUT / f"instance-{size}"
    results: dict[str, Any] = {"size": size, "documents": documents_for(size)}
    manifest = corpus / ".manifest.json"
    expected = {"standards": size, "documents": documents_for(size)}
    current = json.loads(manifest.read_text()) if manifest.exists() else {}
    if args.regenerate or any(current.get(k) != v for k, v in expected.items()):
        results["generate"] = run_phase("generate", size, corpus, instance, False)
    else:
        results["generate"] = {"reused": True, "manifest": current}
    if not args.skip_ingest or not (instance / "kb.sqlite3").exists():
        shutil.rmtree(instance, ignore_errors=True)
        results["ingest"] = run_phase("ingest", size, corpus, instance, False)
    if not args.skip_rebuild:
        results["rebuild"] = run_phase("rebuild", size, corpus, instance, False)
    results["search"] = run_phase("search", size, corpus, instance, args.profile)
    return results


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        text = f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text}{unit}"


def markdown(results: dict[str, dict[str, Any]]) -> str:
    sizes = sorted(results, key=int)
    data = [results[s] for s in sizes]

    def row(label: str, get: Callable[[dict[str, Any]], Any], unit: str = "") -> str:
        cells = []
        for d in data:
            try:
                cells.append(_fmt(get(d), unit))
            except (KeyError, TypeError):
                cells.append("–")
        return f"| {label} | " + " | ".join(cells) + " |"

    def grp(d: dict[str, Any], name: str) -> dict[str, Any]:
        return next(g for g in d["search"]["groups"] if g["group"] == name)

    header = "| | " + " | ".join(f"{int(s):,} standards" for s in sizes) + " |"
    lines = [
        header,
        "|---|" + "---:|" * len(sizes),
        row("policy documents / index docs", lambda d: f"{d['documents']:,} / {d['rebuild']['index_docs']:,}"),
        row("generate corpus (s)", lambda d: d["generate"].get("seconds", "reused")),
        row("ingest total (s)", lambda d: d["ingest"]["seconds"]),
        row("… database part (s)", lambda d: d["ingest"]["db_seconds"]),
        row("… index update at the end of ingest (s)", lambda d: d["ingest"]["index_seconds"]),
        row("ingest rows/s (database part)", lambda d: d["ingest"]["standard_rows_per_s_db"]),
        row("ingest rows/s (whole `kb ingest`)", lambda d: d["ingest"]["standard_rows_per_s_total"]),
        row("ingest CPU time (s)", lambda d: d["ingest"]["cpu_seconds"]),
        row("ingest peak RSS (MB)", lambda d: d["ingest"]["peak_rss_mb"]),
        row("database size (MB)", lambda d: d["ingest"]["database_bytes"] / 2**20),
        row("rebuild (s)", lambda d: d["rebuild"]["seconds"]),
        row("rebuild CPU time, all processes (s)", lambda d: d["rebuild"]["cpu_seconds"]),
        row("rebuild index docs/s", lambda d: d["rebuild"]["index_docs_per_s"]),
        row("rebuild standards/s", lambda d: d["rebuild"]["standards_per_s"]),
        row("rebuild peak RSS (MB)", lambda d: d["rebuild"]["peak_rss_mb"]),
        row("index size on disk (MB)", lambda d: d["rebuild"]["index_bytes"] / 2**20),
        row("first search incl. opening the searcher (ms)", lambda d: d["search"]["open_first_search_ms"]),
        row("search, cold caches (warm-up pass) p50 / p95 (ms)", lambda d: f"{d['search']['warmup']['p50_ms']:.1f} / {d['search']['warmup']['p95_ms']:.1f}"),
        row("**search p50 (ms)**", lambda d: grp(d, "all")["p50_ms"]),
        row("**search p95 (ms)**", lambda d: grp(d, "all")["p95_ms"]),
        row("**search p99 (ms)**", lambda d: grp(d, "all")["p99_ms"]),
        row("search p50 / p95 in CPU time (ms; robust to a busy machine)", lambda d: f"{grp(d, 'all')['cpu_p50_ms']:.1f} / {grp(d, 'all')['cpu_p95_ms']:.1f}"),
        row("search hit p50 / p95 (ms)", lambda d: f"{grp(d, 'hit')['p50_ms']:.1f} / {grp(d, 'hit')['p95_ms']:.1f}"),
        row("search no-hit p50 / p95 (ms)", lambda d: f"{grp(d, 'no hit')['p50_ms']:.1f} / {grp(d, 'no hit')['p95_ms']:.1f}"),
        row("search, repeated query (answer cache) p50 / p95 (ms)", lambda d: f"{d['search']['repeat']['p50_ms']:.2f} / {d['search']['repeat']['p95_ms']:.2f}"),
        row("search peak RSS (MB)", lambda d: d["search"]["peak_rss_mb"]),
        row("load average before / after search", lambda d: " / ".join(map(str, d["search"]["load_before_after"]))),
    ]  # fmt: skip
    lines += [
        "",
        "Search latency by group (timed pass: queries not seen before, caches warm; ms):",
        "",
    ]
    with_groups = [d for d in data if "groups" in d.get("search", {})]
    names = [g["group"] for g in with_groups[-1]["search"]["groups"]] if with_groups else []
    lines.append(
        "| group | " + " | ".join(f"{int(s):,}: n · p50 · p95 · p99" for s in sizes) + " |"
    )
    lines.append("|---|" + "---:|" * len(sizes))
    for name in names:
        cells = []
        for d in data:
            groups = d.get("search", {}).get("groups", [])
            g = next((g for g in groups if g["group"] == name), None)
            if g is None or not g["n"]:
                cells.append("–")
            else:
                cells.append(
                    f"{g['n']} · {g['p50_ms']:.1f} · {g['p95_ms']:.1f} · {g['p99_ms']:.1f}"
                )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def code_fingerprint() -> dict[str, str]:
    """Short hashes of the indexer modules measured: the code changes between runs."""
    import hashlib

    root = HERE.parent / "indexer"
    measured = ("analysis.py", "schema.py", "search.py", "sync.py", "ingest.py")
    files = [p for p in sorted(root.glob("*.py")) if p.name in measured]
    files += sorted((root / "engine").glob("*.py"))
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()[:12] for p in files
    }


def environment() -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "whoosh": version("whoosh-reloaded"),
        "jieba": version("jieba"),
        "sqlalchemy": version("SQLAlchemy"),
    }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_phase"]:
        return child_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument("--quick", action="store_true", help="10,000 standards only")
    parser.add_argument("--profile", action="store_true", help="cProfile one extra search pass")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the corpus")
    parser.add_argument("--skip-ingest", action="store_true", help="reuse an ingested instance")
    parser.add_argument("--skip-rebuild", action="store_true", help="search the index as it is")
    args = parser.parse_args(argv)
    sizes = [10_000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "results.json"
    stored = json.loads(results_path.read_text()) if results_path.exists() else {}
    by_size: dict[str, Any] = stored.get("sizes", {})
    for size in sizes:
        previous = by_size.get(str(size), {})
        current = run_size(size, args)
        current["measured_at"] = dt.datetime.now().isoformat(timespec="seconds")
        current["code"] = code_fingerprint()
        # Keep what earlier runs measured when a phase was skipped this time.
        for phase in ("ingest", "rebuild"):
            if phase not in current and phase in previous:
                current[phase] = previous[phase] | {"from_earlier_run": True}
        by_size[str(size)] = current
        results_path.write_text(
            json.dumps({"environment": environment(), "targets": TARGETS, "sizes": by_size},
                       ensure_ascii=False, indent=1, default=str)
        )  # fmt: skip
    shown = {s: by_size[str(s)] for s in sizes}
    print(markdown({str(s): v for s, v in shown.items()}))
    print(f"\nresults: {results_path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
