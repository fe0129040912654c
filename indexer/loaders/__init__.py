"""Read policy documents from files: one loader per file type, chosen by the file's extension.

Each loader module has ``load(path) -> RawDocument``. They are imported on first use, so that
loading a .txt file never pays for importing pdfplumber or python-docx.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from kb.errors import UnsupportedFile
from kb.files.uploads import check_upload

#: File extension → the module that loads such files.
LOADERS: dict[str, str] = {
    ".txt": "indexer.loaders.plain",
    ".md": "indexer.loaders.plain",
    ".docx": "indexer.loaders.docx",
    ".pdf": "indexer.loaders.pdf",
    ".html": "indexer.loaders.html",
    ".htm": "indexer.loaders.html",
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(sorted(LOADERS))


@dataclass(frozen=True)
class RawDocument:
    """The text of a file as extracted, before repair; ``title_hint`` from the file's metadata."""

    text: str
    source_path: str
    title_hint: str | None = None


def load(path: Path) -> RawDocument:
    """The text of the policy document at ``path``.

    The file is checked first (:func:`kb.files.uploads.check_upload`): size, true type, zip bombs.

    :raises UnsupportedFile: the extension has no loader, or the content is of another type.
    :raises InvalidInput: the file cannot be decoded or parsed, or is refused as hostile.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in LOADERS:
        supported = "、".join(SUPPORTED_SUFFIXES)
        raise UnsupportedFile(
            f"不支持的文件类型：{path.name}（可读取：{supported}）",
            {"path": str(path), "suffix": suffix},
        )
    check_upload(path)
    return importlib.import_module(LOADERS[suffix]).load(path)
