"""Our app and the FTS5 reference app under the same HTTP load, one after the other.

    .venv/bin/python bench/fts5.py --instance bench/out/instance-10000      # the FTS5 file first
    .venv/bin/python bench/compare.py --instance bench/out/instance-10000
    .venv/bin/python bench/compare.py --instance DIR --duration 20 --rounds 2 --json out.json

For each app — ours (``webapp.wsgi:app``) and the reference (``bench.fts5_app:create_app()``,
over ``INSTANCE/fts5.sqlite3``) — with gunicorn's sync workers on 127.0.0.1, as
``bench/http_load.py`` runs ours:

1. *first search in a new worker*: gunicorn with one worker; once it answers a request that
   does not search (``/static/favicon.svg``, ``/health``), one search with a query no process
   has seen, timed: what the first reviewer after a worker (re)start waits. Then a few more
   new queries, to show the second and later ones;
2. *load*: gunicorn with ``--workers`` (2) workers; the 300 reviewer queries of
   ``bench/queries.py`` once as warm-up (both workers), then a closed loop at ``--concurrency``
   (8) through a pool of *distinct* other queries (no answer cache can serve them: every
   request is a query never seen before) for ``--duration`` seconds: requests/s, p50/p95/p99,
   server CPU per request;
3. *memory after load*, like with like (``bench/pagecache.py``): the data files (every file
   of the instance — database, index, jieba's cache — and the FTS5 file) leave the page cache
   before the load server starts; after the run, the PSS of master + workers without the
   mappings of those files, plus the data files' resident pages, each page counted once. The
   plain PSS sum (what earlier runs reported) and RSS beside it, and which data files stay
   resident.

Both apps get exactly the same requests. ``--rounds 2`` runs ours, the reference, ours, the
reference, so that a change of the machine's load shows. Prints a Markdown table (load average
beside each run) and, with ``--json``, writes the figures.
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
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import pagecache  # noqa: E402
from http_load import HOST  # noqa: E402
from http_load import Server  # noqa: E402
from http_load import free_port  # noqa: E402
from http_load import get  # noqa: E402
from http_load import load  # noqa: E402
from queries import distinct_queries  # noqa: E402
from queries import reviewer_queries  # noqa: E402

SEARCH = "/api/v1/search?{}"
#: Queries timed after the first one in a new worker.
FOLLOWING = 5


@dataclass(frozen=True)
class App:
    """A WSGI app to serve: its name, gunicorn's app spec, its environment, a path that does
    not search."""

    name: str
    spec: str
    env: dict[str, str]
    ready_path: str


def apps(instance: Path, fts5_file: Path) -> list[App]:
    base = {"KB_INSTANCE_DIR": str(instance.resolve())}
    return [
        App("ours", "webapp.wsgi:app", base, "/static/favicon.svg"),
        App(
            "FTS5 app",
            "bench.fts5_app:create_app()",
            base | {"KB_FTS5_FILE": str(fts5_file.resolve())},
            "/health",
        ),
    ]


class AppServer(Server):
    """gunicorn with N sync workers for any app (``http_load.Server`` runs ours only)."""

    def __init__(self, app: App, workers: int, port: int, log: Path) -> None:  # noqa: D107
        self.port = port
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            raise SystemExit(f"gunicorn not found next to {sys.executable}: pip install gunicorn")
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        command = [
            str(gunicorn), "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"{HOST}:{port}", "--timeout", "120", "--backlog", "2048",
            "--log-level", "warning", app.spec,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=HERE.parent,
            env=dict(os.environ, **app.env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def memory_mb(self) -> dict[str, float]:
        """PSS and RSS of the master and its workers, summed, in MB."""
        pss = rss = master = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                    if pid == self.process.pid:
                        master = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        return {
            "pss_total_mb": round(pss / 1024, 1),
            "rss_total_mb": round(rss / 1024, 1),
            "master_pss_mb": round(master / 1024, 1),
        }


def timed_get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    status, _ = get(port, path)
    return status, round((time.perf_counter() - started) * 1000, 1)


def first_search(app: App, queries: list[Any], out: Path) -> dict[str, Any]:
    """One worker; once it answers without searching, the first search and a few more."""
    port = free_port()
    server = AppServer(app, 1, port, out / f"gunicorn-{app.name.replace(' ', '-')}-first.log")
    try:
        ready = server.wait_ready(app.ready_path)
        timings = [timed_get(port, SEARCH.format(q.query_string())) for q in queries]
    finally:
        server.stop()
    statuses = sorted({status for status, _ in timings})
    return {
        "ready_s": round(ready, 2),
        "first_ms": timings[0][1],
        "following_ms": [ms for _, ms in timings[1:]],
        "statuses": statuses,
    }


def under_load(
    app: App, workers: int, warm: list[str], pool: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """Warm-up, then the timed closed loop over never-seen queries, then memory."""
    port = free_port()
    files = pagecache.data_files([args.instance, args.fts5_file])
    left = pagecache.evict(files)
    server = AppServer(app, workers, port, args.out / f"gunicorn-{app.name.replace(' ', '-')}.log")
    try:
        ready = server.wait_ready(app.ready_path)
        warmed = load(port, warm, 2 * workers, args.warmup, len(warm))
        load_before = round(os.getloadavg()[0], 2)
        result = load(port, pool, args.concurrency, args.duration, args.max_requests, 0, server)
        result["load_before_after"] = [load_before, round(os.getloadavg()[0], 2)]
        result["warmup"] = {k: warmed[k] for k in ("requests", "ok_2xx", "p50_ms", "p95_ms")}
        result["ready_s"] = round(ready, 2)
        result.update(server.memory_mb())
        result["worker_pss_mb"] = server.worker_pss_mb()
        result["memory"] = pagecache.like_with_like(
            [server.process.pid, *server.worker_pids()], files
        )
        result["memory"]["resident_after_eviction_mb"] = round(left / pagecache.MB, 1)
        result["memory"]["resident_by_file_mb"] = pagecache.resident_by_file(
            files, args.instance.resolve()
        )
    finally:
        server.stop()
    return result


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """Every app, ``args.rounds`` times in turn: first search, then load and memory."""
    warm_queries = reviewer_queries()
    pool_queries = distinct_queries(args.pool, seed=11, exclude=warm_queries)
    first_queries = distinct_queries(1 + FOLLOWING, seed=13, exclude=warm_queries + pool_queries)
    warm = [SEARCH.format(q.query_string()) for q in warm_queries]
    pool = [SEARCH.format(q.query_string()) for q in pool_queries]
    runs: list[dict[str, Any]] = []
    for round_number in range(args.rounds):
        for app in apps(args.instance, args.fts5_file):
            if args.apps and app.name not in args.apps:
                continue
            load_at_start = round(os.getloadavg()[0], 2)
            first = None
            if not args.skip_first:
                print(f"[{time.strftime('%H:%M:%S')}] {app.name}: first search …", file=sys.stderr)
                first = first_search(app, first_queries, args.out)
            print(f"[{time.strftime('%H:%M:%S')}] {app.name}: load …", file=sys.stderr)
            loaded = under_load(app, args.workers, warm, pool, args)
            runs.append(
                {"app": app.name, "round": round_number + 1, "load_at_start": load_at_start}
                | {"first_search": first, "load": loaded}
            )
            memory = loaded["memory"]
            print(
                f"  first search {first['first_ms'] if first else '–'} ms; "
                f"{loaded['requests_per_s']} req/s, "
                f"p50/p95/p99 {loaded['p50_ms']}/{loaded['p95_ms']}/{loaded['p99_ms']} ms, "
                f"CPU {loaded['server_cpu_ms_per_request']} ms/req; PSS {loaded['pss_total_mb']} "
                f"MB; own PSS {memory['own_pss_mb']} + data files resident "
                f"{memory['data_resident_mb']} = {memory['honest_total_mb']} MB; "
                f"errors {loaded['errors']}, non-2xx {loaded['non_2xx']}",
                file=sys.stderr,
            )
    return {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "instance": str(args.instance),
        "workers": args.workers,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "runs": runs,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        f"gunicorn, {result['workers']} sync workers, concurrency {result['concurrency']}, "
        f"never-seen queries ({result['instance']}):",
        "",
        "| app | round | first search in a new worker (ms) | next ones (ms) | req/s | "
        "p50 / p95 / p99 (ms) | non-2xx / errors | server CPU ms/req | PSS total after load "
        "(MB) | like with like: own PSS + data files resident = total (MB) | RSS total (MB) | "
        "load average |",
        "|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for run in result["runs"]:
        first, loaded = run["first_search"], run["load"]
        memory = loaded["memory"]
        lines.append(
            f"| {run['app']} | {run['round']} | {first['first_ms'] if first else '–'} | "
            f"{' / '.join(f'{ms:.0f}' for ms in first['following_ms']) if first else '–'} | "
            f"{loaded['requests_per_s']:,.1f} | {loaded['p50_ms']:.1f} / {loaded['p95_ms']:.1f} / "
            f"{loaded['p99_ms']:.1f} | {loaded['non_2xx']} / {sum(loaded['errors'].values())} | "
            f"{loaded['server_cpu_ms_per_request']:.2f} | {loaded['pss_total_mb']:,.0f} | "
            f"{memory['own_pss_mb']:,.0f} + {memory['data_resident_mb']:,.0f} = "
            f"{memory['honest_total_mb']:,.0f} | "
            f"{loaded['rss_total_mb']:,.0f} | {run['load_at_start']} → "
            f"{loaded['load_before_after'][1]} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True, help="an instance with an index")
    parser.add_argument("--fts5-file", type=Path, help="default: INSTANCE/fts5.sqlite3")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of timed load")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds at most")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--pool", type=int, default=20_000, help="distinct timed queries")
    parser.add_argument("--rounds", type=int, default=1, help="alternate the apps this often")
    parser.add_argument("--apps", nargs="+", choices=["ours", "FTS5 app"], help="default: both")
    parser.add_argument("--skip-first", action="store_true", help="no first-search step")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="gunicorn logs")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    args.fts5_file = args.fts5_file or args.instance / "fts5.sqlite3"
    if not args.fts5_file.exists():
        parser.error(f"{args.fts5_file}: no FTS5 file (run bench/fts5.py first)")
    if not (args.instance / "index" / "CURRENT").exists():
        parser.error(f"{args.instance}: no index (kb reindex first)")
    args.out.mkdir(parents=True, exist_ok=True)
    result = compare(args)
    print(markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
