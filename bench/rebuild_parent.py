"""The parent side of a rebuild, timed alone: read every record, make its index docs, pickle the
batches the segment processes would be sent (issue 16).

    PYTHONPATH=. .venv/bin/python bench/rebuild_parent.py --instance DIR [--rounds 3] [--profile OUT.prof]

Nothing is written: the records go through what :func:`indexer.sync._build` hands
:func:`indexer.direct.write_records` (``sync._made(sync._all_records(session))``), batched and
pickled as :func:`indexer.direct._in_processes` does, with the garbage collector as a rebuild
sets it (``indexer.collector.uncollected``, when the code measured has it, unless the environment says
``KB_BENCH_COLLECTOR=on``). Prints one JSON
line per round: CPU and wall seconds, records, index docs, pickled bytes, peak RSS and the load
average before and after. ``--digest`` also prints a digest of every index doc, to check that two
versions of the code make the same docs from the same database.

The code measured is whatever ``kb``/``indexer`` the interpreter imports: put an older tree first
on ``PYTHONPATH`` to time it (before/after comparisons alternate the two in one session).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pickle
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def one_round(factory: Any, digest: bool) -> dict[str, Any]:
    """Read, make and pickle every record once; timings and counts."""
    from indexer import direct
    from indexer import sync

    try:
        from indexer.collector import uncollected
    except ImportError:  # the code before it
        uncollected = None
    if uncollected is None or os.environ.get("KB_BENCH_COLLECTOR") == "on":
        uncollected = iter
    load_before = os.getloadavg()
    cpu_started, wall_started = _cpu(), time.perf_counter()
    records = docs = size = 0
    hashed = hashlib.sha256()
    with factory() as session:
        records_in = uncollected(sync._made(sync._all_records(session)))
        numbered = direct._counted(records_in, lambda: None, lambda: None)
        for batch, _ in direct._batches(numbered):
            data = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
            size += len(data)
            records += len(batch)
            for *_, made in batch:
                if isinstance(made, Exception):
                    continue
                docs += len(made)
                if digest:
                    for doc in made:
                        hashed.update(repr(sorted(doc.items())).encode("utf-8"))
    result = {
        "cpu_s": round(_cpu() - cpu_started, 2),
        "wall_s": round(time.perf_counter() - wall_started, 2),
        "records": records,
        "docs": docs,
        "pickled_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    if digest:
        result["digest"] = hashed.hexdigest()[:16]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True, help="read only")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the first round here")
    parser.add_argument("--digest", action="store_true", help="a digest of every index doc")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    import kb
    from kb.config import Settings
    from kb.db import open_database

    factory = open_database(Settings.for_instance(args.instance))
    for number in range(args.rounds):
        profiler = cProfile.Profile() if args.profile and number == 0 else None
        if profiler:
            profiler.enable()
        result = one_round(factory, args.digest)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        result = {"label": args.label, "code": str(Path(kb.__file__).parent.parent), **result}
        json.dump(result, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
