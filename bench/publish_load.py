"""Load while an editor and a reviewer publish: readers and writers at once, under gunicorn.

    .venv/bin/python bench/publish_load.py [--duration 60] [--concurrency 32]

Builds a fresh instance with the bundled corpus, an editor (朱家角镇) and a reviewer (青浦区财政局)
with API tokens, starts ``gunicorn -w 2 webapp.wsgi:app`` on 127.0.0.1, then for ``--duration``
seconds runs ``--concurrency`` reader threads over search API calls, search pages and standard
pages while one writer thread drafts and publishes a new version of a quota every few seconds.
After each publish it measures how long until a search in the workers returns the new value.
Reports requests/s, p95, errors, publishes and the slowest visibility; then checks that every
published version is readable. Loopback only; bounded in time; stops by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE = "QP-CQ-0006"  # 朱家角镇公共绿地二级养护成本定额 (illustrative)
READS = [
    "/api/v1/search?q=公共绿地&region=朱家角镇",
    "/api/v1/search?q=会议费&kind=expenditure",
    "/?q=道路保洁&level=town",
    "/?q=双监控",
    f"/standards/{CODE}",
    "/standards/RS-HY-004",
    "/api/v1/standards/QP-CQ-0011",
]


def prepare(instance: Path) -> dict[str, str]:
    """A corpus instance with an editor and a reviewer; returns their tokens."""
    env = {**os.environ, "KB_INSTANCE_DIR": str(instance)}

    def run(*args: str) -> str:
        command = [str(BIN / "kb"), *args]
        return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout

    run("init")
    run("ingest", str(REPO / "corpus"))
    run("org", "add", "青浦区财政局", "--region", "青浦区")
    run("org", "add", "朱家角镇人民政府", "--region", "朱家角镇")
    run(
        "user",
        "add",
        "审核员",
        "--role",
        "reviewer",
        "--org",
        "青浦区财政局",
        "--password",
        "bench-pass-1",
    )
    run(
        "user",
        "add",
        "朱编辑",
        "--role",
        "editor",
        "--org",
        "朱家角镇人民政府",
        "--password",
        "bench-pass-2",
    )
    return {
        "reviewer": run("token", "create", "审核员").strip().splitlines()[-1],
        "editor": run("token", "create", "朱编辑").strip().splitlines()[-1],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, path: str, *, method: str = "GET", body: dict | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + urllib.parse.quote(path, safe="/?=&:"), data=data, method=method
    )
    request.add_header("Content-Type", "application/json")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def reader(base: str, stop: float, latencies: list, statuses: list) -> None:
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            status, _, _ = call(base, random.choice(READS))
        except OSError as error:
            status = f"error: {error}"
        latencies.append(time.perf_counter() - started)
        statuses.append(status)


def writer(base: str, tokens: dict[str, str], stop: float, published: list, lags: list) -> None:
    editor = {"Authorization": f"Bearer {tokens['editor']}"}
    reviewer = {"Authorization": f"Bearer {tokens['reviewer']}"}
    day = dt.date(2030, 1, 1)
    while time.monotonic() < stop - 5:
        _, _, head = call(base, f"/api/v1/standards/{CODE}")
        current = json.loads(call(base, f"/api/v1/standards/{CODE}")[1])
        value = f"{float(current['value']) + 0.01:.2f}"
        status, body, _ = call(
            base,
            f"/api/v1/standards/{CODE}",
            method="PUT",
            body={"value": value, "reason": "压测修订"},
            headers={**editor, "If-Match": head["ETag"]},
        )
        if status != 200:
            published.append(("draft failed", status, body[:200]))
            continue
        version = json.loads(body)["version"]
        day += dt.timedelta(days=1)
        status, body, _ = call(
            base,
            f"/api/v1/standards/{CODE}/status",
            method="POST",
            body={"status": "in_force", "effective_from": day.isoformat(), "version": version},
            headers=reviewer,
        )
        published.append((version, status, value, day.isoformat()))
        started = time.perf_counter()
        while time.perf_counter() - started < 30:
            hits = json.loads(call(base, f"/api/v1/search?q=公共绿地&region=朱家角镇&on={day}")[1])[
                "results"
            ]
            if any(h["code"] == CODE and h["value"] == value for h in hits):
                break
            time.sleep(0.1)
        lags.append(time.perf_counter() - started)
        time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        tokens = prepare(instance)
        port = free_port()
        env = {**os.environ, "KB_INSTANCE_DIR": str(instance)}
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "webapp.wsgi:app",
            ],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if call(base, "/api/v1/search?q=会议费")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.2)
            stop = time.monotonic() + args.duration
            latencies: list[float] = []
            statuses: list = []
            published: list = []
            lags: list[float] = []
            threads = [
                threading.Thread(target=reader, args=(base, stop, latencies, statuses))
                for _ in range(args.concurrency)
            ]
            threads.append(
                threading.Thread(target=writer, args=(base, tokens, stop, published, lags))
            )
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            final = json.loads(call(base, f"/api/v1/standards/{CODE}/versions")[1])
            versions = {v["version"]: v["standard"] for v in final["versions"]}
            lost = [
                p
                for p in published
                if not isinstance(p[0], int)
                or p[1] != 200
                or versions.get(p[0], {}).get("value") != p[2]
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    ordered = sorted(latencies)
    errors = [s for s in statuses if s != 200]
    result = {
        "duration_s": round(elapsed, 1),
        "concurrency": args.concurrency,
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(ordered[int(len(ordered) * 0.95)] * 1000, 1),
        "errors": len(errors),
        "error_kinds": sorted({str(e) for e in errors})[:5],
        "publishes": len(published),
        "lost_or_failed_publishes": lost,
        "visible_within_s_max": round(max(lags), 2) if lags else None,
        "visible_within_s_median": round(sorted(lags)[len(lags) // 2], 2) if lags else None,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = REPO / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "publish-load.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
