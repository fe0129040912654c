"""bench/pagecache.py counts a file's page cache and mapped pages once, on real files."""

from __future__ import annotations

import mmap
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import pagecache

PAGE = mmap.PAGESIZE
PAGES = 256

#: A process that maps the whole file, touches every page, says so, and waits.
MAPPER = """
import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    total = sum(m[i] for i in range(0, len(m), mmap.PAGESIZE))
    print("ready", total, flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(PAGES * PAGE))
    if pagecache.evict([path]) != 0:
        pytest.skip(f"{tmp_path}: the file system keeps its pages (tmpfs?)")
    return path


def fincore_bytes(path: Path) -> int:
    done = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[0])


def test_data_files_are_the_regular_files_under_the_paths_once(tmp_path: Path):
    (tmp_path / "index" / "gen").mkdir(parents=True)
    (tmp_path / "index" / "gen" / "arrays.bin").write_bytes(b"x")
    (tmp_path / "kb.sqlite3").write_bytes(b"y")
    found = pagecache.data_files([tmp_path, tmp_path / "kb.sqlite3"])
    assert found == sorted(
        [(tmp_path / "index" / "gen" / "arrays.bin").resolve(), (tmp_path / "kb.sqlite3").resolve()]
    )


def test_an_evicted_file_has_no_resident_pages_and_a_read_brings_some_back(data_file: Path):
    assert pagecache.resident_bytes(data_file) == 0
    with open(data_file, "rb") as f:
        os.pread(f.fileno(), 10 * PAGE, 0)
    resident = pagecache.resident_bytes(data_file)
    # At least what was read; read-ahead may add more, never the whole file beyond its size.
    assert 10 * PAGE <= resident <= PAGES * PAGE
    if shutil.which("fincore"):
        assert resident == fincore_bytes(data_file)
    assert pagecache.evict([data_file]) == 0


def test_pages_two_processes_map_are_counted_once(data_file: Path):
    mappers = [
        subprocess.Popen(
            [sys.executable, "-c", MAPPER, str(data_file)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for mapper in mappers:
            assert mapper.stdout.readline().startswith("ready")
        pids = [mapper.pid for mapper in mappers]
        memory = pagecache.processes_memory(pids, [data_file])
        size = PAGES * PAGE
        # Each page is in both mappings, half of it in each process's PSS: one file in all
        # (PSS is reported in whole kB per mapping, so allow a few kB of rounding).
        assert abs(memory.data_mapped_pss - size) <= 8 * 1024
        for pid in pids:
            pss, mapped = memory.per_process[pid]
            assert abs(mapped - size / 2) <= 4 * 1024
            assert pss > mapped  # the interpreter's own memory
        assert memory.own == memory.pss - memory.data_mapped_pss
        figures = pagecache.like_with_like(pids, [data_file])
        # The honest total adds the file's resident pages once, not its mappings as well.
        assert figures["data_resident_mb"] == round(size / pagecache.MB, 1)
        assert figures["honest_total_mb"] == pytest.approx(
            figures["own_pss_mb"] + figures["data_resident_mb"], abs=0.11
        )
        assert figures["pss_total_mb"] == pytest.approx(
            figures["own_pss_mb"] + figures["data_mapped_pss_mb"], abs=0.11
        )
    finally:
        for mapper in mappers:
            mapper.communicate("\n")


def test_a_mapped_page_stays_after_eviction_and_is_reported(data_file: Path):
    with open(data_file, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        m[0]
        assert pagecache.evict([data_file]) >= PAGE
        assert pagecache.processes_memory([os.getpid()], [data_file]).data_mapped_pss >= PAGE
