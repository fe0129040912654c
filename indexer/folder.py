"""The index folder: which generation is current, its metadata, the writer lock, atomic files.

Layout of ``settings.index_dir``::

    CURRENT            "<generation> <serial>": the generation readers open, bumped on every commit
    gen-<stamp>/       a complete Whoosh index, with kbindex.json (signature, counts, changes applied)
    building-<stamp>/  a rebuild in progress (or killed: removed by the next writer)
    writer.lock        held by whichever process writes (:func:`writer_lock`)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from typing import BinaryIO

from kb.config import Settings
from kb.errors import Conflict

POINTER_FILE = "CURRENT"
META_FILE = "kbindex.json"
LOCK_FILE = "writer.lock"
#: How long a writer waits for another one (a rebuild of 100k records takes minutes).
LOCK_TIMEOUT = 900.0


def generation_token(settings: Settings) -> str | None:
    """The content of ``CURRENT``: changes whenever readers should refresh; ``None`` if no index."""
    try:
        return (Path(settings.index_dir) / POINTER_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None


@contextmanager
def writer_lock(settings: Settings, timeout: float | None = None) -> Iterator[None]:
    """Hold the index's writer lock, waiting up to ``timeout`` seconds.

    :raises Conflict: when another writer holds it for longer.
    """
    root = Path(settings.index_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a+b") as handle:
        deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise Conflict("检索索引正被另一个进程写入，请稍后再试", {"index": str(root)})
            time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(handle)


def _try_lock(handle: BinaryIO) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: BinaryIO) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def current_meta(settings: Settings) -> dict[str, Any] | None:
    token = generation_token(settings)
    if not token:
        return None
    path = Path(settings.index_dir) / parse_token(token)[0] / META_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8")) | {"generation": token}
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def parse_token(token: str) -> tuple[str, int]:
    parts = token.split()
    if not parts:
        return "", 0
    return parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def write_pointer(root: Path, name: str, serial: int) -> None:
    replace_file(root / POINTER_FILE, f"{name} {serial}\n")


def write_json(path: Path, data: dict[str, Any]) -> None:
    data = {k: v for k, v in data.items() if k != "generation"}
    replace_file(path, json.dumps(data, ensure_ascii=False, indent=2))


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a reader sees the old content or the new one."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def remove_killed_builds(root: Path) -> None:
    """Remove what killed writers left: half-built folders and temporary files (lock held)."""
    if not root.exists():
        return
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("building-"):
            shutil.rmtree(child, ignore_errors=True)
        elif child.name.startswith(".") and child.name.endswith(".tmp"):
            child.unlink(missing_ok=True)


def remove_old_generations(root: Path, *, keep: set[str]) -> None:
    """Remove generations other than ``keep``; on Windows a folder still open stays until later."""
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
