"""A new worker's first search, in a fresh process: the lexicon loaded first (as ``webapp.wsgi``
loads it in every server process), then, with ``--warm``, ``indexer.search.warm`` (as
``webapp.wsgi`` calls it since issue 16), then the first search and a second one. Wall and CPU
milliseconds, and the load average.

    .venv/bin/python bench/first_search.py bench/out/instance-100000
    .venv/bin/python bench/first_search.py bench/out/instance-100000 --warm

Run it alternately with two checkouts (``PYTHONPATH=<checkout>``) to compare code on one index.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def timed(run) -> tuple[float, float, object]:  # noqa: ANN001 - any callable
    wall, cpu = time.perf_counter(), time.process_time()
    found = run()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--warm", action="store_true", help="call indexer.search.warm first")
    parser.add_argument("--q", default="绿化养护 二级", help="the first query")
    args = parser.parse_args()

    from indexer.dictionary import load_lexicon
    from indexer.search import SearchQuery
    from indexer.search import search
    from kb.config import Settings

    settings = Settings.for_instance(args.instance)
    result = {"load_average": round(os.getloadavg()[0], 2)}
    result["lexicon_ms"], result["lexicon_cpu_ms"], _ = timed(lambda: load_lexicon(settings))
    if args.warm:
        from indexer.search import warm

        result["warm_ms"], result["warm_cpu_ms"], _ = timed(lambda: warm(settings))
    first = SearchQuery(q=args.q)
    result["first_ms"], result["first_cpu_ms"], page = timed(lambda: search(settings, first))
    second = SearchQuery(q="道路保洁", region="青浦区")
    result["second_ms"], result["second_cpu_ms"], _ = timed(lambda: search(settings, second))
    result["first_total"] = page.total
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}))


if __name__ == "__main__":
    main()
