"""HTTP load on the search API and the search page under gunicorn, on 127.0.0.1 only.

    .venv/bin/python bench/http_load.py --instance bench/out/instance-100000
    .venv/bin/python bench/http_load.py --instance bench/out/instance-10000 --duration 10
    .venv/bin/python bench/http_load.py --instance bench/out/instance-10000 --repeated 20
    .venv/bin/python bench/http_load.py --instance bench/out/instance-100000 --client wrk

Starts ``gunicorn -w 2 -k sync webapp.wsgi:app`` (no access log) on a free port of 127.0.0.1
with ``KB_INSTANCE_DIR`` pointing at a prepared instance (``bench/run.py`` leaves one per size),
warms both workers up, then for each target (``/api/v1/search?…`` and the page ``/?…``) and each
concurrency runs a closed loop with that many requests in flight (one connection per request,
as sync workers close them) over reviewer queries from ``bench/queries.py``: first a warm-up
with the 300 standard queries, then the timed runs through a pool of distinct other queries, so
that the workers' answer caches cannot serve them. ``--repeated N`` times N warm-up queries sent
over and over instead: the answer caches serve them, so the run measures the HTTP path and the
web layer alone. Each run stops after ``--duration`` seconds or ``--max-requests`` requests,
whichever comes first; gunicorn is stopped at the end. Prints a Markdown table and writes
``bench/out/http-results.json``.

The load generator shares the 2 cores with the server, so it is made cheap: one thread, raw
sockets and ``epoll``, a socket closed as soon as its response is whole (about 0.2 ms of CPU
per request, against about 0.5 ms for the thread-per-connection ``http.client`` loop it
replaces). ``--client wrk`` drives the same runs with Debian's ``wrk`` as a cross-check. Each
run reports CPU per request of the server (master and workers, from /proc) and of the client,
and the shares of the machine taken by server, client and every other process: on a shared
machine the last one says how far to trust the run.
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
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import select  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any  # noqa: E402

from queries import distinct_queries  # noqa: E402
from queries import reviewer_queries  # noqa: E402
from run import percentile  # noqa: E402

OUT = HERE / "out"
HOST = "127.0.0.1"
TARGETS = {"api": "/api/v1/search?{}", "page": "/?{}"}
REQUEST_TIMEOUT = 60.0


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

    def __init__(self, instance: Path, workers: int, port: int, *, preload: bool = False) -> None:
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
                *(["--preload"] if preload else []),
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

    def worker_pss_mb(self) -> list[float]:
        """Proportional set size of each worker: shared pages counted once across processes."""
        found = []
        for pid in self.worker_pids():
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            for line in rollup.splitlines():
                if line.startswith("Pss:"):
                    found.append(round(int(line.split()[1]) / 1024, 1))
        return sorted(found)

    def server_pss_mb(self) -> float:
        """Proportional set size of the master and its workers together: what the server
        costs the machine, pages shared between them (mapped arrays, preloaded code) counted
        once (issue 16)."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            total += sum(
                int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")
            )
        return round(total / 1024, 1)

    def worker_pids(self) -> list[int]:
        found = []
        for status in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = status.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[1] == str(self.process.pid):
                found.append(int(status.parent.name))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its live workers so far, from /proc."""
        total = 0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class _Exchange:
    """One request in flight on its own connection, and the bytes received so far."""

    __slots__ = ("sock", "chunks", "received", "expected", "begun")

    def __init__(self, sock: socket.socket, begun: float) -> None:
        self.sock = sock
        self.chunks: list[bytes] = []
        self.received = 0
        #: Head plus body length once the head has arrived with a Content-Length (-1: none).
        self.expected: int | None = None
        self.begun = begun

    def complete(self, chunk: bytes) -> bool:
        """Add ``chunk``; True once the head and ``Content-Length`` bytes of body are in."""
        self.chunks.append(chunk)
        self.received += len(chunk)
        if self.expected is None:
            data = b"".join(self.chunks)
            end = data.find(b"\r\n\r\n")
            if end < 0:
                return False
            match = _CONTENT_LENGTH.search(data, 0, end + 2)
            self.expected = end + 4 + int(match.group(1)) if match else -1
        return 0 <= self.expected <= self.received


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]+)[ \t]*\r\n", re.IGNORECASE)


def request_bytes(port: int, path: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: kb-bench\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    ).encode("ascii")


def response_status(data: bytes) -> int | str:
    """The status of a complete response read to EOF, or why it is not one (an error name)."""
    head, separator, body = data.partition(b"\r\n\r\n")
    if not separator:
        return "IncompleteHead" if data else "EmptyResponse"
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return "BadStatusLine"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length" and int(value) != len(body):
            return "IncompleteBody"
    return int(parts[1])


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used so far, from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def load(
    port: int,
    paths: list[str],
    concurrency: int,
    duration: float,
    limit: int,
    start: int = 0,
    server: Server | None = None,
) -> dict[str, Any]:
    """A closed loop of ``concurrency`` requests in flight until ``duration`` s or ``limit`` sent.

    Request ``n`` asks for ``paths[(start + n) % len(paths)]``. One thread drives every
    connection through ``epoll`` (one connection per request, as gunicorn's sync workers
    close them): the client spends as little CPU as it can, so that
    what it takes from the 2 cores the server shares with it stays small; that share is
    measured and reported as ``client_cpu_share``.
    """
    requests = [request_bytes(port, path) for path in paths]
    poller = select.epoll()
    in_flight: dict[int, _Exchange] = {}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    issued = 0
    address = (HOST, port)
    started = time.perf_counter()
    deadline = started + duration
    cpu_before = time.process_time()
    server_before = server.cpu_seconds() if server else 0.0
    machine_before = machine_busy_seconds()

    def issue() -> None:
        """Send the next request on a new connection, unless the run is over."""
        nonlocal issued
        while issued < limit and time.perf_counter() < deadline:
            request = requests[(start + issued) % len(requests)]
            issued += 1
            begun = time.perf_counter()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                # On the loopback the handshake completes within connect(), and a request of
                # a few hundred bytes fits the empty send buffer: both return at once.
                sock.settimeout(REQUEST_TIMEOUT)
                sock.connect(address)
                sock.sendall(request)
                sock.setblocking(False)
            except OSError as error:
                sock.close()
                errors[type(error).__name__] += 1
                continue
            fd = sock.fileno()
            in_flight[fd] = _Exchange(sock, begun)
            poller.register(fd, select.EPOLLIN)
            return

    def finish(fd: int, outcome: int | str) -> None:
        exchange = in_flight.pop(fd)
        exchange.sock.close()  # also leaves the epoll set
        if isinstance(outcome, int):
            statuses[outcome] += 1
            latencies.append((time.perf_counter() - exchange.begun) * 1000)
        else:
            errors[outcome] += 1
        issue()

    for _ in range(concurrency):
        issue()
    while in_flight:
        for fd, _events in poller.poll(1.0):
            exchange = in_flight[fd]
            try:
                chunk = exchange.sock.recv(65_536)
            except BlockingIOError:
                continue
            except OSError as error:
                finish(fd, type(error).__name__)
                continue
            # Close as soon as the response is whole, as a browser does: gunicorn's sync
            # worker lingers after its response until the client has closed its end.
            if not chunk or exchange.complete(chunk):
                finish(fd, response_status(b"".join(exchange.chunks)))
        if time.perf_counter() - started > duration + REQUEST_TIMEOUT:
            for fd in list(in_flight):
                in_flight.pop(fd).sock.close()
                errors["TimeoutError"] += 1
    poller.close()
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - cpu_before
    server_cpu = server.cpu_seconds() - server_before if server else float("nan")
    machine = machine_busy_seconds() - machine_before
    cores = os.cpu_count() or 1
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    return {
        "client": "python",
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests": len(latencies) + sum(errors.values()),
        "ok_2xx": ok,
        "non_2xx": sum(statuses.values()) - ok,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": dict(errors),
        "requests_per_s": round(ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        # Shares of the machine's CPU capacity (cores × seconds) over the run.
        "client_cpu_share": round(client_cpu / (elapsed * cores), 3),
        "server_cpu_share": round(server_cpu / (elapsed * cores), 3),
        "other_cpu_share": round((machine - client_cpu - server_cpu) / (elapsed * cores), 3),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(latencies)), 3),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(latencies)), 3),
    }


WRK_SCRIPT = """\
-- Feeds wrk the request paths of a file, one a line, in turn from an offset; prints the run's
-- figures as one JSON line.
local paths = {}
local next_index = 0

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  next_index = tonumber(args[2])
end

function request()
  local path = paths[(next_index % #paths) + 1]
  next_index = next_index + 1
  return wrk.format("GET", path, { ["Connection"] = "close" })
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def load_wrk(
    port: int,
    paths: list[str],
    concurrency: int,
    duration: float,
    start: int = 0,
    server: Server | None = None,
) -> dict[str, Any]:
    """The same closed loop driven by ``wrk`` (Debian's ``wrk`` package), one thread.

    wrk stops by time only (no request limit); its latency starts when the request is written,
    after connecting; it counts non-2xx/3xx answers as ``status`` errors.
    """
    script, listing = OUT / "wrk-paths.lua", OUT / "wrk-paths.txt"
    script.write_text(WRK_SCRIPT)
    listing.write_text("".join(f"{path}\n" for path in paths))
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = server.cpu_seconds() if server else 0.0
    machine_before = machine_busy_seconds()
    started = time.perf_counter()
    command = ["wrk", "-t", "1", "-c", str(concurrency), "-d", f"{max(1, round(duration))}s"]
    command += ["--timeout", f"{REQUEST_TIMEOUT:.0f}s", "-s", str(script)]
    command += [f"http://{HOST}:{port}", "--", str(listing), str(start % len(paths))]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = (children.ru_utime + children.ru_stime) - (
        children_before.ru_utime + children_before.ru_stime
    )
    server_cpu = server.cpu_seconds() - server_before if server else float("nan")
    machine = machine_busy_seconds() - machine_before
    cores = os.cpu_count() or 1
    figures = json.loads(output.strip().splitlines()[-1])
    seconds = figures["duration_us"] / 1e6
    errors = {k: figures[k] for k in ("connect", "read", "write", "timeout") if figures[k]}
    answered = figures["requests"]
    ok = answered - figures["status"]
    return {
        "client": "wrk",
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "requests": answered + sum(errors.values()),
        "ok_2xx": ok,  # 2xx and 3xx: wrk does not tell them apart
        "non_2xx": figures["status"],
        "statuses": {},
        "errors": errors,
        "requests_per_s": round(ok / seconds, 1),
        "p50_ms": round(figures["p50"] / 1000, 1),
        "p95_ms": round(figures["p95"] / 1000, 1),
        "p99_ms": round(figures["p99"] / 1000, 1),
        "max_ms": round(figures["max"] / 1000, 1),
        "client_cpu_share": round(client_cpu / (elapsed * cores), 3),
        "server_cpu_share": round(server_cpu / (elapsed * cores), 3),
        "other_cpu_share": round((machine - client_cpu - server_cpu) / (elapsed * cores), 3),
        "client_cpu_ms_per_request": round(1000 * client_cpu / max(1, answered), 3),
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, answered), 3),
    }


def markdown(label: str, runs: list[dict[str, Any]]) -> str:
    cores = os.cpu_count() or 1
    lines = [
        f"HTTP, gunicorn 2 sync workers, {label}:",
        "",
        "| target | concurrency | requests | req/s (2xx) | p50 ms | p95 ms | p99 ms | non-2xx "
        "| errors | server CPU ms/req | client CPU ms/req "
        f"| CPU of {cores} cores: server / client / other processes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        errors = sum(run["errors"].values())
        lines.append(
            f"| {run['target']} | {run['concurrency']} | {run['requests']:,} | "
            f"{run['requests_per_s']:,.1f} | {run['p50_ms']:,.1f} | {run['p95_ms']:,.1f} | "
            f"{run['p99_ms']:,.1f} | {run['non_2xx']} | {errors} | "
            f"{run['server_cpu_ms_per_request']:.2f} | {run['client_cpu_ms_per_request']:.3f} | "
            f"{run['server_cpu_share']:.0%} / {run['client_cpu_share']:.1%} / "
            f"{run['other_cpu_share']:.0%} |"
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
    parser.add_argument(
        "--repeated",
        type=int,
        default=0,
        metavar="N",
        help="time N warm-up queries sent over and over instead (answered from the workers' "
        "answer caches: measures the HTTP path and the web layer, not search)",
    )
    parser.add_argument("--preload", action="store_true", help="start gunicorn with --preload")
    parser.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="python",
        help="load generator of the timed runs: this script's epoll loop, or wrk "
        "(apt-get install wrk) as a cross-check in C",
    )
    args = parser.parse_args(argv)
    if args.client == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk)")
    if (
        not (args.instance / "kb.sqlite3").exists()
        or not (args.instance / "index" / "CURRENT").exists()
    ):
        parser.error(f"{args.instance} is not a prepared instance (run bench/run.py first)")
    OUT.mkdir(exist_ok=True)
    warm_queries = reviewer_queries()
    # Timed runs send queries the workers have not answered yet (each keeps an answer cache),
    # continuing through one pool across runs.
    if args.repeated:
        # Each worker keeps its own answer cache: send the few queries often enough in the
        # warm-up that both workers have answered every one of them.
        pool = warm_queries[: args.repeated]
        warm_queries = pool * 10
    else:
        pool = distinct_queries(args.pool, seed=11, exclude=warm_queries)
    cursor = 0
    port = args.port or free_port()
    server = Server(args.instance, args.workers, port, preload=args.preload)
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
                if args.client == "wrk":
                    result = load_wrk(port, paths, concurrency, args.duration, cursor, server)
                else:
                    result = load(
                        port, paths, concurrency, args.duration, args.max_requests, cursor, server
                    )
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
        worker_pss = server.worker_pss_mb()
        server_pss = server.server_pss_mb()
    finally:
        server.stop()
    label = args.instance.name + (f"-repeated{args.repeated}" if args.repeated else "")
    label += "-preload" if args.preload else ""
    label += "-wrk" if args.client == "wrk" else ""
    print(
        markdown(
            f"{label}, worker RSS / PSS after the runs {worker_rss} / {worker_pss} MB, "
            f"master + workers PSS {server_pss} MB",
            runs,
        )
    )
    results_path = OUT / "http-results.json"
    stored = json.loads(results_path.read_text()) if results_path.exists() else {}
    stored[label] = {
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "workers": args.workers,
        "duration_per_run_s": args.duration,
        "max_requests_per_run": args.max_requests,
        "warmup_queries": len(warm_queries),
        "pool": len(pool),
        "repeated": args.repeated,
        "client": args.client,
        "preload": args.preload,
        "worker_rss_mb": worker_rss,
        "worker_pss_mb": worker_pss,
        "server_pss_mb": server_pss,
        "ready_s": round(ready, 1),
        "load_average_after": round(os.getloadavg()[0], 2),
        "code": code_fingerprint(),
        "runs": runs,
    }
    results_path.write_text(json.dumps(stored, ensure_ascii=False, indent=1))
    print(f"\nresults: {results_path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
