"""PDF files: the text layer of each page, pages separated by form feeds (no OCR).

A PDF can cost far more than its size: a 400 KB file may hold a stream inflating to 400 MB, and
a 4 KB one a page of 100,000 text operators that pdfplumber turns into as many objects (issue
12: 0.9–2.35 GB and up to two minutes). So the text is read in a child process with its memory
(address space, :data:`MAX_MEMORY_BYTES`) and CPU time (:data:`MAX_SECONDS`) capped by the
kernel, and a wall-clock timeout beside; a PDF over either limit is refused with a Chinese
message naming the file and the limit, and the calling process never grows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from indexer.loaders import RawDocument
from kb.errors import InvalidInput

MIB = 1024 * 1024
#: Most memory the reader of one PDF may map (its process's address space).
MAX_MEMORY_BYTES = 768 * MIB
#: Most CPU seconds for one PDF (a 200-page text PDF takes a few seconds).
MAX_SECONDS = 60
#: Extra wall-clock seconds allowed beyond the CPU limit (start-up, a busy machine).
_WALL_MARGIN = 30
_CHILD = "from indexer.loaders.pdf import read_in_child; read_in_child()"


def load(
    path: Path, *, memory_bytes: int = MAX_MEMORY_BYTES, seconds: int = MAX_SECONDS
) -> RawDocument:
    """The text of a .pdf file; a scanned PDF without a text layer gives empty text.

    :raises InvalidInput: the file is damaged, or reading it passes the memory or time limit.
    """
    path = Path(path)
    try:
        finished = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            timeout=seconds + _WALL_MARGIN,
            preexec_fn=_limits(memory_bytes, seconds),  # noqa: PLW1509 - no threads hold locks here
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise _too_costly(path, f"超过 {seconds} 秒仍未读完") from error
    answer = _answer(finished.stdout)
    if answer is None or "error" in answer:
        reason = (answer or {}).get("error")
        if reason == "damaged":
            raise InvalidInput(
                f"无法读取 PDF 文件 {path.name}：文件已损坏或不是 PDF 格式",
                {"path": str(path), "reason": answer.get("detail")},
            )
        if reason == "memory" or answer is None and finished.returncode != 0:
            limit = f"读取所需内存超过 {memory_bytes // MIB} MiB，或超过 {seconds} 秒 CPU 时间"
            raise _too_costly(path, limit)
        raise _too_costly(path, str(reason))
    title = answer.get("title")
    title_hint = title.strip() if isinstance(title, str) and title.strip() else None
    return RawDocument(
        text="\f".join(answer["pages"]), source_path=str(path), title_hint=title_hint
    )


def _too_costly(path: Path, why: str) -> InvalidInput:
    return InvalidInput(
        f"已拒绝 PDF 文件 {path.name}：{why}（疑似“PDF 炸弹”或内容异常庞大），"
        "请确认文件后另存为较小的 PDF 或提供文本版",
        {"path": str(path), "limit": why},
    )


def _answer(stdout: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(stdout.decode("utf-8")) if stdout else None
    except (UnicodeDecodeError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def _limits(memory_bytes: int, seconds: int) -> Any:
    """A function setting the child's limits before it runs (where the platform has them)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows: the wall-clock timeout remains
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))

    return apply


def read_in_child() -> None:
    """The child's side: read ``sys.argv[1]`` page by page and print the text as JSON."""
    try:
        answer = _read(Path(sys.argv[1]))
    except MemoryError:
        answer = {"error": "memory"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


def _read(path: Path) -> dict[str, Any]:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(path) as pdf:
            pages = []
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
                page.close()  # drop the page's objects before the next one is parsed
            title = pdf.metadata.get("Title")
    except (PdfminerException, PDFSyntaxError, PSException, ValueError, KeyError) as error:
        if _out_of_memory(error):
            return {"error": "memory"}
        return {"error": "damaged", "detail": str(error)[:500]}
    return {"pages": pages, "title": title if isinstance(title, str) else None}


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` wraps a MemoryError (pdfplumber wraps what pdfminer raises)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        todo += [current.__cause__, current.__context__]
        todo += [arg for arg in current.args if isinstance(arg, BaseException)]
    return False
