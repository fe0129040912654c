"""HTTP load on the search API and the search page under gunicorn, on 127.0.0.1 only.

    .venv/bin/python bench/http_load.py --instance bench/out/instance-100000
    .venv/bin/python bench/http_load.py --instance bench/out/instance-10000 --duration 10

Starts ``gunicorn -w 2 -k sync webapp.wsgi:app`` on a free port of 127.0.0.1 with
``KB_INSTANCE_DIR`` pointing at a prepared instance (``bench/run.py`` leaves one per size), warms
both workers up, then for each target (``/api/v1/search?…`` and the page ``/?…``) and each
concurrency runs a closed loop of threads (``http.client``, one connection per request, as sync
workers close them) over reviewer queries from ``bench/queries.py``: first a warm-up with the
300 standard queries, then the timed runs through a pool of distinct other queries, so that the
workers' answer caches cannot serve them. Each run stops after
``--duration`` seconds or ``--max-requests`` requests, whichever comes first; gunicorn is stopped
at the end. Prints a Markdown table and writes ``bench/out/http-results.json``.

The load generator is Python on the same 2-core machine: it takes CPU from the server. Its own
CPU time is reported (``client CPU``) so that its share can be judged.
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
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

from queries import distinct_queries  # noqa: E402
from queries import reviewer_queries  # noqa: E402

OUT = HERE / "out"
HOST = "127.0.0.1"
TARGETS = {"api": "/api/v1/search?{}", "page": "/?{}"}
REQUEST_TIMEOUT = 60.0


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str) -> tuple[int, int]:
    """One GET on a fresh connection: (status, body bytes)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        connection.close()


class Server:
    """gunicorn with N sync workers for one instance; always stopped by :meth:`stop`."""

    def __init__(self, instance: Path, workers: int, port: int) -> None:
        self.port = port
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            raise SystemExit(f"gunicorn not found next to {sys.executable}: pip install gunicorn")
        env = dict(os.environ, KB_INSTANCE_DIR=str(instance.resolve()))
        self.log = open(OUT / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"{HOST}:{port}",
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "--log-level",
                "warning",
                "webapp.wsgi:app",
            ],  # fmt: skip
            cwd=HERE.parent,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, path: str, timeout: float = 180.0) -> float:
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited with {self.process.returncode}; see {self.log.name}"
                )
            try:
                status, _ = get(self.port, path)
                if status == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn not ready after {timeout:.0f} s; see {self.log.name}")

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (children of the master), from /proc."""
        found = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
            except OSError:
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                found.append(round(int(fields["VmRSS"].split()[0]) / 1024, 1))
        return sorted(found)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def load(
    port: int, paths: list[str], concurrency: int, duration: float, limit: int, start: int = 0
) -> dict[str, Any]:
    """A closed loop of ``concurrency`` threads until ``duration`` s or ``limit`` requests.

    Request ``n`` asks for ``paths[(start + n) % len(paths)]``.
    """
    counter = itertools.count()
    deadline = time.perf_counter() + duration
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    statuses: list[Counter[int]] = [Counter() for _ in range(concurrency)]
    errors: list[Counter[str]] = [Counter() for _ in range(concurrency)]

    def worker(slot: int) -> None:
        while time.perf_counter() < deadline:
            number = next(counter)
            if number >= limit:
                return
            path = paths[(start + number) % len(paths)]
            begun = time.perf_counter()
            try:
                status, _ = get(port, path)
            except Exception as error:  # noqa: BLE001 - every failure is counted, none ends the run
                errors[slot][type(error).__name__] += 1
                continue
            latencies[slot].append((time.perf_counter() - begun) * 1000)
            statuses[slot][status] += 1

    cpu_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + REQUEST_TIMEOUT + 5)
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    all_latencies = [ms for chunk in latencies for ms in chunk]
    status_counts: Counter[int] = sum(statuses, Counter())
    error_counts: Counter[str] = sum(errors, Counter())
    ok = sum(n for status, n in status_counts.items() if 200 <= status < 300)
    return {
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests": len(all_latencies) + sum(error_counts.values()),
        "ok_2xx": ok,
        "non_2xx": sum(status_counts.values()) - ok,
        "statuses": {str(k): v for k, v in sorted(status_counts.items())},
        "errors": dict(error_counts),
        "requests_per_s": round(ok / elapsed, 1),
        "p50_ms": round(percentile(all_latencies, 0.50), 1),
        "p95_ms": round(percentile(all_latencies, 0.95), 1),
        "p99_ms": round(percentile(all_latencies, 0.99), 1),
        "max_ms": round(max(all_latencies), 1) if all_latencies else None,
        "client_cpu_share": round(client_cpu / elapsed, 2),
    }


def markdown(label: str, runs: list[dict[str, Any]]) -> str:
    lines = [
        f"HTTP, gunicorn 2 sync workers, {label}:",
        "",
        "| target | concurrency | requests | req/s (2xx) | p50 ms | p95 ms | p99 ms | non-2xx | errors | client CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        errors = sum(run["errors"].values())
        lines.append(
            f"| {run['target']} | {run['concurrency']} | {run['requests']:,} | "
            f"{run['requests_per_s']:,.1f} | {run['p50_ms']:,.1f} | {run['p95_ms']:,.1f} | "
            f"{run['p99_ms']:,.1f} | {run['non_2xx']} | {errors} | {run['client_cpu_share']:.0%} |"
        )
    return "\n".join(lines)


def code_fingerprint() -> dict[str, str]:
    """Short hashes of the modules a search request runs through: the code changes between runs."""
    import hashlib

    files = ["indexer/search.py", "indexer/analysis.py", "webapp/api/search.py"]
    files.append("webapp/pages/search.py")
    return {
        name: hashlib.sha256((HERE.parent / name).read_bytes()).hexdigest()[:12]
        for name in files
        if (HERE.parent / name).exists()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=OUT / "instance-100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", default="8,32")
    parser.add_argument("--targets", default="api,page")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--warmup", type=float, default=120.0, help="seconds at most, per target")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per run")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument(
        "--pool", type=int, default=20_000, help="distinct queries the timed runs go through"
    )
    args = parser.parse_args(argv)
    if (
        not (args.instance / "kb.sqlite3").exists()
        or not (args.instance / "index" / "CURRENT").exists()
    ):
        parser.error(f"{args.instance} is not a prepared instance (run bench/run.py first)")
    OUT.mkdir(exist_ok=True)
    warm_queries = reviewer_queries()
    # Timed runs send queries the workers have not answered yet (each keeps an answer cache),
    # continuing through one pool across runs.
    pool = distinct_queries(args.pool, seed=11, exclude=warm_queries)
    cursor = 0
    port = args.port or free_port()
    server = Server(args.instance, args.workers, port)
    runs: list[dict[str, Any]] = []
    try:
        ready = server.wait_ready("/api/v1/search?q=%E7%BB%BF%E5%8C%96%E5%85%BB%E6%8A%A4")
        print(f"gunicorn ready on {HOST}:{port} after {ready:.1f} s", file=sys.stderr)
        targets = [t.strip() for t in args.targets.split(",")]
        for target in targets:
            warm_paths = [TARGETS[target].format(q.query_string()) for q in warm_queries]
            paths = [TARGETS[target].format(q.query_string()) for q in pool]
            # Warm-up: the warm-up queries once, through both workers (searchers opened,
            # filter and word caches filled); bounded in time like every run.
            warm = load(port, warm_paths, 2 * args.workers, args.warmup, len(warm_paths))
            print(f"warm-up {target}: {warm['requests']} requests, p50 {warm['p50_ms']} ms",
                  file=sys.stderr)  # fmt: skip
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                result = load(port, paths, concurrency, args.duration, args.max_requests, cursor)
                result["pool_start"] = cursor
                result["repeated_from_pool"] = max(0, cursor + result["requests"] - len(paths))
                cursor += result["requests"]
                result["target"] = target
                runs.append(result)
                print(
                    f"{target} c={concurrency}: {result['requests_per_s']} req/s, "
                    f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                    f"non-2xx {result['non_2xx']}, errors {result['errors']}",
                    file=sys.stderr,
                )
        worker_rss = server.worker_rss_mb()
    finally:
        server.stop()
    label = args.instance.name
    print(markdown(f"{label}, worker RSS after the runs {worker_rss} MB", runs))
    results_path = OUT / "http-results.json"
    stored = json.loads(results_path.read_text()) if results_path.exists() else {}
    stored[label] = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "workers": args.workers,
        "duration_per_run_s": args.duration,
        "max_requests_per_run": args.max_requests,
        "warmup_queries": len(warm_queries),
        "pool": len(pool),
        "worker_rss_mb": worker_rss,
        "load_average_after": round(os.getloadavg()[0], 2),
        "code": code_fingerprint(),
        "runs": runs,
    }
    results_path.write_text(json.dumps(stored, ensure_ascii=False, indent=1))
    print(f"\nresults: {results_path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
