"""A server's memory counted like with like: its processes, and the page cache of its data files.

PSS alone does not compare two servers that read their data differently. A page of a file a
process *maps* is in that process's PSS (divided among the processes that map it); a page it
reads with ``pread`` is in the page cache and in no process's PSS. Our workers read the index
files with ``pread``, the FTS5 app maps its SQLite file, so PSS flatters ours.

The honest count, for either server:

1. before the server starts, its data files leave the page cache (``fdatasync``, then
   ``posix_fadvise(POSIX_FADV_DONTNEED)``; :func:`evict` says what stayed resident);
2. after the load, the PSS of master + workers **excluding** the mappings of those files
   (:func:`processes_memory`), plus the resident pages of those files (:func:`resident_bytes`,
   ``mincore``), whoever brought them in: the server's reads, the kernel's read-ahead, its
   mappings. Each shared page is counted once: PSS divides a page among the processes that
   map it, and a file's resident page is counted once however many processes map or read it.

The data files are every regular file under the given paths (the instance: database, index
generations, jieba's cache; the FTS5 file), the same set for both servers: a file a server
does not read has no resident pages after the eviction, so the union costs nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PAGE = mmap.PAGESIZE
MB = 1024 * 1024

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [
    ctypes.c_void_p,
    ctypes.c_size_t,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_int,
    ctypes.c_long,
]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p]
_MAP_FAILED = ctypes.c_void_p(-1).value


def data_files(paths: Iterable[Path]) -> list[Path]:
    """Every regular file under ``paths`` (a path that is a file is itself), sorted, once."""
    found: set[Path] = set()
    for path in paths:
        path = Path(path).resolve()
        if path.is_file():
            found.add(path)
        elif path.is_dir():
            found.update(p for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return sorted(found)


def resident_bytes(path: Path) -> int:
    """Bytes of ``path`` in the page cache now (``mincore`` over a mapping that touches no
    page; the mapping is gone when this returns)."""
    size = os.path.getsize(path)
    if size == 0:
        return 0
    fd = os.open(path, os.O_RDONLY)
    try:
        address = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if address in (None, _MAP_FAILED):
            error = ctypes.get_errno()
            raise OSError(error, f"mmap: {os.strerror(error)}", str(path))
        try:
            pages = (size + PAGE - 1) // PAGE
            vector = ctypes.create_string_buffer(pages)
            if _libc.mincore(address, size, vector) != 0:
                error = ctypes.get_errno()
                raise OSError(error, f"mincore: {os.strerror(error)}", str(path))
            resident = sum(byte & 1 for byte in vector.raw)
        finally:
            _libc.munmap(address, size)
    finally:
        os.close(fd)
    # The last page counts whole, as the kernel keeps it whole.
    return resident * PAGE


def evict(files: Iterable[Path]) -> int:
    """Drop ``files`` from the page cache; the bytes still resident afterwards (pages a
    process maps, or that the file system cannot drop, stay)."""
    left = 0
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fdatasync(fd)  # dirty pages are not dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        left += resident_bytes(path)
    return left


@dataclass(frozen=True)
class ProcessesMemory:
    """PSS of a group of processes in bytes: all of it, and the part that maps data files."""

    pss: int
    data_mapped_pss: int
    per_process: dict[int, tuple[int, int]]

    @property
    def own(self) -> int:
        """PSS without the mappings of the data files."""
        return self.pss - self.data_mapped_pss


def _file_keys(files: Iterable[Path]) -> set[tuple[int, int, int]]:
    keys = set()
    for path in files:
        stat = os.stat(path)
        keys.add((os.major(stat.st_dev), os.minor(stat.st_dev), stat.st_ino))
    return keys


def processes_memory(pids: Iterable[int], files: Iterable[Path]) -> ProcessesMemory:
    """Sum of PSS over ``pids`` (``/proc/<pid>/smaps``), and of the PSS of the mappings of
    ``files`` among it (matched by device and inode, so a renamed or deleted file still
    counts). A process that has exited is skipped."""
    keys = _file_keys(files)
    total = mapped = 0
    per_process: dict[int, tuple[int, int]] = {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps").read_text()
        except OSError:
            continue
        pss = pss_data = 0
        in_data = False
        for line in text.splitlines():
            head = line.split(maxsplit=5)
            if len(head) >= 5 and "-" in head[0] and ":" in head[3]:
                major, minor = (int(part, 16) for part in head[3].split(":"))
                in_data = (major, minor, int(head[4])) in keys
            elif line.startswith("Pss:"):
                kb = int(line.split()[1]) * 1024
                pss += kb
                if in_data:
                    pss_data += kb
        per_process[pid] = (pss, pss_data)
        total += pss
        mapped += pss_data
    return ProcessesMemory(total, mapped, per_process)


def like_with_like(pids: list[int], files: list[Path]) -> dict[str, float]:
    """The figures, in MB: PSS as before, the processes' own PSS (without the data files'
    mappings), the data files' resident pages, and the honest total (own + resident)."""
    processes = processes_memory(pids, files)
    resident = sum(resident_bytes(path) for path in files)
    return {
        "pss_total_mb": round(processes.pss / MB, 1),
        "own_pss_mb": round(processes.own / MB, 1),
        "data_mapped_pss_mb": round(processes.data_mapped_pss / MB, 1),
        "data_resident_mb": round(resident / MB, 1),
        "honest_total_mb": round((processes.own + resident) / MB, 1),
    }


def resident_by_file(files: Iterable[Path], root: Path | None = None) -> dict[str, float]:
    """Resident MB of each file with any page in the cache (for finding what a server keeps)."""
    found = {}
    for path in files:
        size = resident_bytes(path)
        if size:
            name = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
            found[name] = round(size / MB, 2)
    return found
