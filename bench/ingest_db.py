"""The database part of ``kb ingest`` (parse + database writes, no index), timed on a corpus.

    PYTHONPATH=. .venv/bin/python bench/ingest_db.py CORPUS --instance DIR [--profile OUT.prof]

Creates a fresh SQLite database in ``DIR`` (emptied first), then loads every file under
``CORPUS`` without the index update at the end, and prints one JSON line: wall and CPU seconds,
the rows per second, the machine's load average before and after, what was added, updated and
left unchanged. By default each file goes through :func:`indexer.ingest.ingest_file` in this
process, one transaction per file, with the seconds per standards file: the way ``kb ingest``
loaded files until session 6, and what older trees can be timed with. With ``--processes N`` the
files go through :func:`indexer.ingest.load_files`, as ``kb ingest`` loads them now (commit
groups, parsing in ``N`` forked processes ahead of the writes; 0: in this process; no per-file
seconds). With ``--again`` the corpus is ingested a second time into the same database (every
record unchanged) and timed as well.

The code measured is whatever ``kb``/``indexer`` the interpreter imports: put an older tree
first on ``PYTHONPATH`` to time it (before/after comparisons alternate the two in one session).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    """CPU seconds of this process and its finished children, user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ingest_once(
    settings: Any, factory: Any, corpus: Path, processes: int | None = None
) -> dict[str, Any]:
    """Every file of ``corpus`` through :func:`indexer.ingest.ingest_file` (or, with
    ``processes``, :func:`indexer.ingest.load_files`); timings and counts."""
    from indexer.ingest import IngestReport
    from indexer.ingest import ingest_file
    from indexer.ingest import iter_files

    report = IngestReport()
    per_file: dict[str, float] = {}
    load_before = os.getloadavg()
    cpu_started, wall_started = _cpu(), time.perf_counter()
    with factory() as session:
        if processes is not None:
            from indexer.ingest import load_files

            report = load_files(session, [corpus], processes=processes)
        for path in iter_files([corpus]) if processes is None else ():
            started = time.perf_counter()
            report.files.append(ingest_file(session, path, report))
            if path.suffix.lower() in (".csv", ".xlsx", ".json"):
                per_file[path.name] = round(time.perf_counter() - started, 2)
    wall = time.perf_counter() - wall_started
    cpu = _cpu() - cpu_started
    rows = report.total("added") + report.total("updated") + report.total("unchanged")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "files": len(report.files),
        "rejected": [f.path for f in report.files if f.rejected],
        "added": report.total("added"),
        "updated": report.total("updated"),
        "unchanged": report.total("unchanged"),
        "records_per_cpu_s": round(rows / cpu, 1) if cpu else None,
        "standard_files_s": per_file,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--instance", type=Path, required=True, help="emptied, then used")
    parser.add_argument("--again", action="store_true", help="ingest a second time (unchanged)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the first ingest here")
    parser.add_argument(
        "--processes", type=int, help="through load_files, parsing in N forked processes"
    )
    parser.add_argument("--label", default="", help="a name for this run in the output")
    args = parser.parse_args()

    from kb.config import Settings
    from kb.db import open_database

    shutil.rmtree(args.instance, ignore_errors=True)
    settings = Settings.for_instance(args.instance)
    factory = open_database(settings)
    import kb

    result: dict[str, Any] = {"label": args.label, "code": str(Path(kb.__file__).parent.parent)}
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    result["first"] = ingest_once(settings, factory, args.corpus, args.processes)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if args.again:
        result["again"] = ingest_once(settings, factory, args.corpus, args.processes)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
