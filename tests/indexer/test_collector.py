"""indexer/collector.py: bulk work with the cyclic garbage collector off, left as it was."""

from __future__ import annotations

import gc

import pytest

from indexer import collector


@pytest.mark.parametrize("collecting", [True, False])
def test_items_are_made_without_the_collector_and_it_is_left_as_it_was(collecting):
    seen = []

    def records():
        for n in range(2):
            seen.append(gc.isenabled())
            yield n

    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert list(collector.uncollected(records())) == [0, 1]
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()

    assert (seen, after) == ([False, False], collecting)


@pytest.mark.parametrize("collecting", [True, False])
def test_a_paused_block_runs_without_the_collector_even_when_it_fails(collecting):
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        with pytest.raises(ValueError), collector.paused():
            inside = gc.isenabled()
            raise ValueError("中断")
        after = gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()

    assert (inside, after) == (False, collecting)
