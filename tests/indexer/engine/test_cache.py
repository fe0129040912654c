"""indexer/engine/cache.py: one set of limits; the cache keeps the most recently used within them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from indexer.engine.cache import LIMITS
from indexer.engine.cache import SizedCache
from indexer.engine.cache import _malloc_trim
from indexer.engine.cache import release_free_memory


def test_the_oldest_values_go_first_when_the_total_size_passes_the_limit():
    cache = SizedCache(5)
    cache.put("a", "A", 2)
    cache.put("b", "B", 2)
    assert cache.get("a") == "A"  # now "b" is the least recently used

    cache.put("c", "C", 2)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")
    assert cache.held == 4 and len(cache) == 2


def test_one_value_larger_than_the_limit_is_kept_alone():
    cache = SizedCache(3)
    cache.put("small", 1)
    cache.put("big", list(range(10)), 10)

    assert cache.get("small") is None and cache.get("big") == list(range(10))


def test_remember_makes_a_value_once():
    cache = SizedCache(10)
    made = []

    def make():
        made.append(1)
        return frozenset({1, 2})

    first = cache.remember("k", make, len)
    second = cache.remember("k", make, len)

    assert first is second and made == [1] and cache.held == 2


def test_drop_forgets_the_chosen_keys_and_their_size():
    cache = SizedCache(10)
    cache.put(("seg-1", "x"), "x", 3)
    cache.put(("seg-2", "y"), "y", 4)

    cache.drop(lambda key: key[0] == "seg-1")

    assert cache.get(("seg-1", "x")) is None and cache.held == 4


def test_the_limits_are_one_frozen_object_of_positive_bounds():
    with pytest.raises(dataclasses.FrozenInstanceError):
        LIMITS.answers = 1  # type: ignore[misc]
    assert all(getattr(LIMITS, f.name) > 0 for f in dataclasses.fields(LIMITS))


@pytest.mark.skipif(_malloc_trim() is None, reason="glibc's malloc_trim only")
def test_release_free_memory_returns_freed_heap_pages_to_the_system():
    arrays = [np.ones(12_500) for _ in range(400)]  # 100 kB each: glibc's heap, not mmap
    last = arrays.pop()  # in use at the heap's top: glibc alone trims nothing below it
    arrays.clear()
    before = _anonymous_kb()

    release_free_memory()

    assert before - _anonymous_kb() > 20_000, (before, _anonymous_kb())
    assert last.sum() == 12_500


def _anonymous_kb() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("RssAnon")).split()[1])
