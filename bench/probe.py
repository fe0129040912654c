"""How fast this machine runs one fixed piece of work right now, in CPU seconds.

    .venv/bin/python bench/probe.py            # one JSON line

On a shared virtual machine the same code can take 40 % more CPU seconds from one hour to the
next (session 6's runs A and B: the unchanged FTS5 build, 35.0 vs 49.7 s), because the host's
other tenants slow the core down, not because other processes of this machine take it. The load
average does not show that; a fixed piece of work timed beside every step does. The work is the
kind a rebuild and a search do: Python dictionaries and tuples, ``pickle``, ``zlib``, sorting.
Its figure is the least CPU time of a few rounds, so a round cut short by a neighbour weighs less.
"""

from __future__ import annotations

import json
import os
import pickle
import time
import zlib
from pathlib import Path

#: Rounds of the work; the least of them is reported.
ROUNDS = 5
#: Words in the work's text: 0.4–0.6 s of CPU a round on this machine (2026-12-07).
WORDS = 1_000_000


def work(words: int = WORDS) -> int:
    """The fixed piece of work: number the words of a generated text, count them, sort them,
    pickle and compress their postings; returns the compressed size (always the same)."""
    text = [f"词{(i * 7919) % 5003}" for i in range(words)]
    numbers: dict[str, int] = {}
    counts: dict[int, int] = {}
    for word in text:
        number = numbers.setdefault(word, len(numbers))
        counts[number] = counts.get(number, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    postings = [(number, tuple(range(count))) for number, count in ordered]
    return len(zlib.compress(pickle.dumps(postings, 2), 3))


def measure(rounds: int = ROUNDS, words: int = WORDS) -> dict[str, float | int]:
    """The work's least CPU and wall seconds over ``rounds`` rounds, with the load average."""
    cpu, wall = [], []
    for _ in range(rounds):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        size = work(words)
        cpu.append(time.process_time() - cpu_start)
        wall.append(time.perf_counter() - wall_start)
    return {
        "cpu_s": round(min(cpu), 3),
        "wall_s": round(min(wall), 3),
        "rounds": rounds,
        "compressed_bytes": size,
        "load": round(os.getloadavg()[0], 2),
    }


def steal_seconds() -> float:
    """CPU seconds the host has taken from this virtual machine's cores so far (``steal`` in
    /proc/stat): time its processes were ready to run and the hypervisor ran someone else."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    return int(fields[8]) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    print(json.dumps(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
