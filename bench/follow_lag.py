"""Two nodes over one database: writes per second on one, time until visible on the other.

    .venv/bin/python bench/follow_lag.py [--standards 2000] [--writes 40] [--interval 1.0]

Builds a fresh database (SQLite in a temporary folder, or ``KB_DATABASE_URL``) with
``--standards`` quotas, indexes two instance folders over it, and starts ``kb follow`` for the
second. Then it writes on the first as the API does (a revision, then its publication, each
committed and followed by ``indexer.sync.update`` on the first node's index) and after each
publication polls the second node's search until the new value shows. Prints writes per second
on the first node (each with its own index update) and the time until visible on the second
(p50 / p95 / max). Bounded: every wait stops after 30 s. Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer import search as search_module  # noqa: E402
from indexer import sync  # noqa: E402
from indexer.search import SearchQuery  # noqa: E402
from kb import accounts  # noqa: E402
from kb import standards  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.db import atomic  # noqa: E402
from kb.db import open_database  # noqa: E402
from kb.records import StandardRecord  # noqa: E402
from kb.standards import workflow  # noqa: E402
from kb.vocab import Kind  # noqa: E402
from kb.vocab import Level  # noqa: E402
from kb.vocab import Status  # noqa: E402


def record(n: int) -> StandardRecord:
    return StandardRecord(
        code=f"ZJJ-CQ-{n:05d}",
        name=f"朱家角镇第{n}号河道养护成本定额",
        kind=Kind.COST_QUOTA,
        level=Level.TOWN,
        region="朱家角镇",
        domain="城市运维",
        category="河道养护",
        unit="元/平方米·年",
        value=Decimal("10.00"),
        effective_from=dt.date(2024, 1, 1),
        status=Status.IN_FORCE,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standards", type=int, default=2000)
    parser.add_argument("--writes", type=int, default=40)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kb-follow-"))
    url = os.environ.get("KB_DATABASE_URL")
    first = Settings.for_instance(root / "node-a", database_url=url, secret_key="bench")
    second = Settings.for_instance(
        root / "node-b", database_url=first.database_url, secret_key="bench"
    )
    sessions = open_database(first)
    with sessions() as session:
        with atomic(session):
            for n in range(args.standards):
                standards.write(session, record(n))
            accounts.add_organisation(session, "青浦区财政局", region="青浦区")
            accounts.add_organisation(session, "朱家角镇人民政府", region="朱家角镇")
            reviewer = accounts.add_user(
                session, "审核员", role="reviewer", organisation="青浦区财政局", password="x" * 12
            )[0]
            editor = accounts.add_user(
                session, "编辑", role="editor", organisation="朱家角镇人民政府", password="x" * 12
            )[0]
        for node in (first, second):
            sync.rebuild(node, session)
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        KB_INSTANCE_DIR=str(second.instance_dir),
        KB_DATABASE_URL=second.database_url,
        KB_SECRET_KEY="bench",
    )
    follower = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from webapp.cli import cli; cli()",
            "follow",
            "--interval",
            str(args.interval),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    write_seconds, visible_seconds = [], []
    try:
        with sessions() as session:
            for n in range(args.writes):
                code, value = f"ZJJ-CQ-{n:05d}", f"{20 + n}.00"
                started = time.perf_counter()
                with atomic(session):
                    workflow.revise(session, code, {"value": value}, base_version=1, actor=editor)
                sync.update(first, session, standard_codes=[code])
                with atomic(session):
                    workflow.transition(
                        session,
                        code,
                        to="in_force",
                        effective_from=dt.date(2025, 1, 1),
                        actor=reviewer,
                    )
                sync.update(first, session, standard_codes=[code])
                written = time.perf_counter()
                write_seconds.append((written - started) / 2)
                while time.perf_counter() - written < 30:
                    page = search_module.search(second, SearchQuery(q=code))
                    if page.results and page.results[0].value == value:
                        break
                    time.sleep(0.01)
                visible_seconds.append(time.perf_counter() - written)
    finally:
        follower.terminate()
        follower.wait(timeout=30)
    lags = sorted(visible_seconds)
    print(
        f"database: {first.database_url.split(':')[0]}, {args.standards} standards, "
        f"follower interval {args.interval} s, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"writes on node A (each with its index update): {1 / statistics.mean(write_seconds):.1f}/s"
    )
    print(
        f"visible on node B after a publication: p50 {statistics.median(lags):.2f} s, "
        f"p95 {lags[int(0.95 * (len(lags) - 1))]:.2f} s, max {lags[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
