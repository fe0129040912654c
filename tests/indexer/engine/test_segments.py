"""indexer/engine/segments.py: a segment's arrays are written once beside it, by one process or
two alike, restored when deleted and dropped with their segment."""

from __future__ import annotations

import shutil
from pathlib import Path

from indexer import sync
from indexer.engine.segments import write_arrays
from tests.factories import make_standard
from tests.indexer.engine.test_store import _build_two_segments


def test_write_arrays_restores_deleted_arrays_and_drops_merged_ones(index_settings, build):
    build(*(make_standard(code=f"QP-CQ-{n:04d}") for n in range(3)))
    generation = Path(index_settings.index_dir) / sync.generation_token(index_settings).split()[0]
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))
    [segment] = [p.name for p in (generation / "arrays").iterdir()]
    shutil.rmtree(generation / "arrays" / segment)
    (generation / "arrays" / "merged-away").mkdir()

    assert write_arrays(ix) == 1 and write_arrays(ix) == 0
    assert sorted(p.name for p in (generation / "arrays").iterdir()) == [segment]


def test_arrays_decoded_again_are_those_the_rebuild_wrote(index_settings, db, build, store, policy):
    _build_two_segments(index_settings, db, build, store, policy)
    generation = Path(index_settings.index_dir) / sync.generation_token(index_settings).split()[0]
    one = {p.name: (p / "arrays.bin").read_bytes() for p in (generation / "arrays").iterdir()}
    shutil.rmtree(generation / "arrays")
    ix = sync.open_generation(index_settings, sync.generation_token(index_settings))

    assert write_arrays(ix) == 2
    two = {p.name: (p / "arrays.bin").read_bytes() for p in (generation / "arrays").iterdir()}
    assert two == one and len(two) == 2
