"""What the web layer costs per search request, outside the search engine, in one process.

    .venv/bin/python bench/http_overhead.py --instance bench/out/instance-10000
    .venv/bin/python bench/http_overhead.py --instance bench/out/instance-10000 --profile page

Builds the app as gunicorn does (``webapp.wsgi``: ``KB_INSTANCE_DIR`` → ``create_app()``) and
calls its WSGI callable directly, without a server or a test client, with the environ a server
would pass for ``GET /api/v1/search?…`` and ``GET /?…``. The queries are the 300 reviewer queries
of ``bench/queries.py``, sent once to fill the engine's per-process answer cache and then
replayed, so that ``indexer.search.search`` answers from that cache; the time spent inside it
(and inside ``suggest``, which the page calls for empty results) is measured and subtracted.
What is left is the web layer: argument parsing, serialising or rendering, headers, ETag.

Prints wall and CPU milliseconds per request with and without the engine, and with
``--profile api|page`` a cProfile listing of the replay.
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
import cProfile  # noqa: E402
import io  # noqa: E402
import os  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from queries import reviewer_queries  # noqa: E402

OUT = HERE / "out"
TARGETS = {"api": "/api/v1/search", "page": "/"}


class EngineClock:
    """Wraps the engine calls the web layer makes and adds up the time spent in them."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


def environ_for(path: str, query_string: str) -> dict[str, Any]:
    """The WSGI environ of a plain browser-less GET on 127.0.0.1, as gunicorn builds it."""
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query_string,
        "RAW_URI": f"{path}?{query_string}",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.0",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "bench",
        "HTTP_ACCEPT": "*/*",
        "HTTP_CONNECTION": "close",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app: Callable[..., Any], environ: dict[str, Any]) -> tuple[str, int]:
    """One request through the WSGI callable: (status line, body bytes)."""
    seen: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append(status)
        return lambda data: None

    environ = dict(environ, **{"wsgi.input": io.BytesIO(b"")})
    chunks = app(environ, start_response)
    try:
        size = sum(len(chunk) for chunk in chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return seen[0], size


def measure(
    app: Callable[..., Any], clock: EngineClock, environs: list[dict[str, Any]], rounds: int
) -> dict[str, float]:
    for environ in environs:  # fill the answer cache, open the searcher, compile templates
        status, _ = call(app, environ)
        if not status.startswith("200"):
            raise SystemExit(f"{environ['PATH_INFO']}?{environ['QUERY_STRING']}: {status}")
    clock.seconds = 0.0
    count = rounds * len(environs)
    cpu = time.process_time()
    wall = time.perf_counter()
    size = 0
    for _ in range(rounds):
        for environ in environs:
            size += call(app, environ)[1]
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    engine = clock.seconds
    return {
        "requests": count,
        "wall_ms": 1000 * wall / count,
        "cpu_ms": 1000 * cpu / count,
        "engine_ms": 1000 * engine / count,
        "outside_wall_ms": 1000 * (wall - engine) / count,
        "outside_cpu_ms": 1000 * (cpu - engine) / count,
        "body_kb": size / count / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=OUT / "instance-10000")
    parser.add_argument("--targets", default="api,page")
    parser.add_argument("--rounds", type=int, default=5, help="replays of the 300 queries")
    parser.add_argument("--profile", choices=sorted(TARGETS), help="cProfile one target's replay")
    parser.add_argument("--top", type=int, default=40, help="lines of the profile to print")
    args = parser.parse_args(argv)
    if not (args.instance / "index" / "CURRENT").exists():
        parser.error(f"{args.instance} is not a prepared instance (run bench/run.py first)")
    os.environ["KB_INSTANCE_DIR"] = str(args.instance.resolve())

    import webapp.api.search as api_search
    import webapp.pages.search as page_search
    from webapp.wsgi import app

    clock = EngineClock()
    api_search.search = clock.wrap(api_search.search)
    page_search.suggest = clock.wrap(page_search.suggest)
    queries = [q.query_string() for q in reviewer_queries()]
    print(f"{args.instance.name}, {len(queries)} queries replayed {args.rounds}× (answer cache)")
    print(
        "| target | ms/request wall | CPU | in search() | outside, wall | outside, CPU | body kB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for target in (t.strip() for t in args.targets.split(",")):
        environs = [environ_for(TARGETS[target], q) for q in queries]
        if args.profile == target:
            measure(app, clock, environs, 1)
            profile = cProfile.Profile()
            profile.enable()
            measure(app, clock, environs, args.rounds)
            profile.disable()
            listing = io.StringIO()
            pstats.Stats(profile, stream=listing).sort_stats("cumulative").print_stats(args.top)
            print(listing.getvalue(), file=sys.stderr)
            continue
        r = measure(app, clock, environs, args.rounds)
        print(
            f"| {target} | {r['wall_ms']:.2f} | {r['cpu_ms']:.2f} | {r['engine_ms']:.2f} | "
            f"{r['outside_wall_ms']:.2f} | {r['outside_cpu_ms']:.2f} | {r['body_kb']:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
