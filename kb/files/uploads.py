"""Check a file before any parser opens it: its size, its true type, zip bombs and XML entities.

:func:`check_upload` is called by every reader of user files (``kb.files.tables.read_table`` and
``indexer.loaders.load``), so a hostile file is refused with a clear Chinese message before
the XLSX reader, python-docx, pdfplumber or a decoder sees it:

- any file larger than :data:`MAX_FILE_BYTES`, or not a regular file;
- a file whose content is another known type than its extension says (a PDF named .xlsx, an
  .exe named .docx, a zip or a PNG named .csv): :class:`~kb.errors.UnsupportedFile`;
- .xlsx and .docx: not a zip, too many members, encrypted members or a compression method
  Office never writes, declared uncompressed sizes above :data:`MAX_UNZIPPED_BYTES` in total, or
  a member over :data:`RATIO_FLOOR_BYTES` compressed more than :data:`MAX_RATIO` to 1 (a zip
  bomb); any member declaring ``<!ENTITY`` (billion laughs, external entities), or ``<!DOCTYPE``
  outside embedded SVG/HTML, read streaming within the declared sizes; content types that
  are not those of the extension (a .docx named .xlsx);
- .pdf: no ``%PDF-`` header in the first KiB;
- text (.csv .json .txt .md .html .htm): NUL bytes in the first 8 KiB (binary) unless UTF-16
  with a byte order mark, or a beginning that decodes in no encoding the readers accept.

What only a parser sees is bounded by the readers with :func:`check_sheet_extent` (a sheet
naming row 1,000,000,000 or column XFD on every row expands into billions of empty cells).

Python's ``zipfile``, which python-docx reads through too, stops every member at its declared
size, so checking declared sizes bounds what the parsers will inflate. The parsers are
hardened as well: :mod:`kb.files.xlsx` reads workbook parts with defusedxml and expat (whose
amplification limit stops entity expansion) and python-docx parses with
``resolve_entities=False``; this module makes the refusal early, cheap and explained.
"""

from __future__ import annotations

import codecs
import re
import stat
import struct
import zipfile
import zlib
from pathlib import Path

from defusedxml import ElementTree as SafeElementTree

from kb.errors import InvalidInput
from kb.errors import UnsupportedFile

#: Largest file accepted, as the web app's request limit.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: Largest total of the declared uncompressed sizes of an .xlsx or .docx.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
#: Most members an .xlsx or .docx may hold.
MAX_MEMBERS = 10_000
#: Highest compression ratio of a member larger than :data:`RATIO_FLOOR_BYTES`.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
#: How much of the start of a file is read to tell its type and whether it is text.
SNIFF_BYTES = 8192

MIB = 1024 * 1024
OFFICE_SUFFIXES = (".xlsx", ".docx")
TEXT_SUFFIXES = (".csv", ".json", ".txt", ".md", ".html", ".htm")
PDF_SUFFIXES = (".pdf",)
KNOWN_SUFFIXES = OFFICE_SUFFIXES + TEXT_SUFFIXES + PDF_SUFFIXES

ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
#: Known beginnings of files, with what they are; ``strong`` ones never begin a text file.
_SIGNATURES: tuple[tuple[bytes, str, bool], ...] = (
    (ZIP_MAGIC, "zip 压缩包（或 .xlsx、.docx 文件）", True),
    (b"PK\x05\x06", "空的 zip 压缩包", True),
    (PDF_MAGIC, "PDF 文件", True),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "旧版 Office 文件（.doc、.xls）或加密的 Office 文件",
        True,
    ),
    (b"\x7fELF", "Linux 可执行程序", True),
    (b"\x89PNG\r\n\x1a\n", "PNG 图片", True),
    (b"GIF87a", "GIF 图片", True),
    (b"GIF89a", "GIF 图片", True),
    (b"Rar!\x1a\x07", "RAR 压缩包", True),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包", True),
    (b"\xff\xd8\xff", "JPEG 图片", False),
    (b"\x1f\x8b", "gzip 压缩包", False),
    (b"MZ", "Windows 可执行程序", False),
)
#: Main content types of the Office documents, by the markup family named in them.
_OFFICE_KINDS: dict[str, tuple[str, re.Pattern[bytes]]] = {
    ".xlsx": ("Excel 工作簿（.xlsx）", re.compile(rb"(spreadsheetml|ms-excel)\.[a-z.]*main\+xml")),
    ".docx": ("Word 文档（.docx）", re.compile(rb"(wordprocessingml|ms-word)\.[a-z.]*main\+xml")),
    ".pptx": (
        "PowerPoint 演示文稿",
        re.compile(rb"(presentationml|ms-powerpoint)\.[a-z.]*main\+xml"),
    ),
}
_CONTENT_TYPES = "[content_types].xml"
_OFFICE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Members that may carry a harmless ``<!DOCTYPE`` (embedded images and HTML); never an entity.
_DOCTYPE_ALLOWED = (".svg", ".htm", ".html", ".mht", ".mhtml", ".xhtml")
#: The declarations looked for, in every encoding an XML parser detects by itself.
_XML_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "cp037")
_ENTITY = tuple(dict.fromkeys("<!ENTITY".encode(e) for e in _XML_ENCODINGS))
_DOCTYPE = tuple(dict.fromkeys("<!DOCTYPE".encode(e) for e in _XML_ENCODINGS))
_OVERLAP = max(len(p) for p in _ENTITY + _DOCTYPE) - 1
_CHUNK = 256 * 1024
_DECLARED_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_-]+)", re.IGNORECASE)
# What zipfile may raise on a damaged archive: bad structure, bad deflate data, truncation.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
)


def check_upload(path: Path, *, suffix: str | None = None) -> None:
    """Refuse ``path`` unless it is safe to hand to the reader of its type.

    ``suffix`` (".xlsx" …) is the type the file claims, by default its extension.

    :raises UnsupportedFile: an unknown extension, or content of another known type.
    :raises InvalidInput: too large, damaged, a zip bomb, XML entities, or undecodable text.
    """
    path = Path(path)
    suffix = (suffix or path.suffix).lower()
    if suffix not in KNOWN_SUFFIXES:
        raise UnsupportedFile(
            f"不支持的文件类型“{suffix or '（无扩展名）'}”（{path.name}）",
            {"file": path.name, "suffix": suffix},
        )
    head = _read_head(path)
    if suffix in OFFICE_SUFFIXES:
        _check_office(path, suffix, head)
    elif suffix in PDF_SUFFIXES:
        _check_pdf(path, suffix, head)
    else:
        _check_text(path, suffix, head)


def _read_head(path: Path) -> bytes:
    """The first :data:`SNIFF_BYTES` of a regular file no larger than :data:`MAX_FILE_BYTES`."""
    try:
        info = path.stat()  # before opening: opening a FIFO or a device could block or never end
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{path.name} 不是普通文件，无法读取", {"file": path.name})
        if info.st_size > MAX_FILE_BYTES:
            raise InvalidInput(
                f"文件 {path.name} 有 {info.st_size / MIB:.1f} MiB，"
                f"超过上限 {MAX_FILE_BYTES // MIB} MiB",
                {"file": path.name, "size": info.st_size, "limit": MAX_FILE_BYTES},
            )
        with path.open("rb") as stream:
            return stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise InvalidInput(
            f"无法读取文件 {path.name}：{exc.strerror or exc}", {"file": path.name}
        ) from exc


def _identify(head: bytes, *, strong_only: bool = False) -> str | None:
    """What a file beginning with ``head`` is, when it is a known type."""
    for magic, kind, strong in _SIGNATURES:
        if head.startswith(magic) and (strong or not strong_only):
            return kind
    return None


def _mismatch(path: Path, suffix: str, kind: str) -> UnsupportedFile:
    return UnsupportedFile(
        f"文件内容与扩展名 {suffix} 不符：{path.name} 实际是{kind}",
        {"file": path.name, "suffix": suffix, "actual": kind},
    )


def _damaged(path: Path, suffix: str, reason: str | None = None) -> InvalidInput:
    return InvalidInput(
        f"无法读取文件 {path.name}：文件已损坏或不是 {suffix} 格式",
        {"file": path.name, "reason": reason},
    )


# -- .xlsx and .docx ---------------------------------------------------------------------------


def _check_office(path: Path, suffix: str, head: bytes) -> None:
    if not head.startswith(ZIP_MAGIC):
        kind = _identify(head)
        raise _mismatch(path, suffix, kind) if kind else _damaged(path, suffix)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_members(path, members)
            for member in members:
                _scan_member(path, suffix, archive, member)
            _check_content_types(path, suffix, archive, members)
    except _ZIP_ERRORS as exc:
        raise _damaged(path, suffix, str(exc)) from exc


def _check_members(path: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse zip bombs by what the central directory declares, before inflating anything."""
    details = {"file": path.name}
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(
            f"文件 {path.name} 内含 {len(members)} 个部件，超过上限 {MAX_MEMBERS}，已拒绝",
            details | {"members": len(members), "limit": MAX_MEMBERS},
        )
    total = 0
    for member in members:
        where = details | {"member": member.filename}
        if member.flag_bits & 0x1:
            raise InvalidInput(
                f"文件 {path.name} 已加密（{member.filename}），请解除密码保护后重试", where
            )
        if member.compress_type not in _OFFICE_COMPRESSION:
            raise InvalidInput(
                f"文件 {path.name} 中的 {member.filename} 使用了 Office 不会使用的压缩方式"
                f"（{member.compress_type}），已拒绝",
                where | {"compression": member.compress_type},
            )
        size = member.file_size
        if size > RATIO_FLOOR_BYTES and size > MAX_RATIO * max(member.compress_size, 1):
            ratio = size // max(member.compress_size, 1)
            raise InvalidInput(
                f"文件 {path.name} 中的 {member.filename} 压缩比异常（约 {ratio}:1，"
                f"上限 {MAX_RATIO}:1），疑似“压缩炸弹”，已拒绝",
                where | {"ratio": ratio, "limit": MAX_RATIO},
            )
        total += size
        if total > MAX_UNZIPPED_BYTES:
            raise InvalidInput(
                f"文件 {path.name} 解压后超过 {MAX_UNZIPPED_BYTES // MIB} MiB，"
                "疑似“压缩炸弹”，已拒绝",
                details | {"limit": MAX_UNZIPPED_BYTES},
            )


def _scan_member(
    path: Path, suffix: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo
) -> None:
    """Read a member streaming, within its declared size, looking for DTD declarations."""
    markers = _ENTITY
    if not member.filename.lower().endswith(_DOCTYPE_ALLOWED):
        markers = _ENTITY + _DOCTYPE
    tail = b""
    read = 0
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            if read > member.file_size:  # zipfile stops at the declared size; never rely on it
                raise _damaged(path, suffix, f"{member.filename} 超出声明的大小")
            window = (tail + chunk).upper()
            if any(marker in window for marker in markers):
                raise InvalidInput(
                    f"文件 {path.name} 中的 {member.filename} 含有 XML 文档类型或实体声明"
                    "（<!DOCTYPE、<!ENTITY），疑似 XML 实体攻击，已拒绝",
                    {"file": path.name, "member": member.filename},
                )
            tail = window[-_OVERLAP:]


def _check_content_types(
    path: Path, suffix: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> None:
    """The package's main part must be of the kind the extension names (.docx ≠ .xlsx)."""
    expected, pattern = _OFFICE_KINDS[suffix]
    listing = next((m for m in members if m.filename.lower() == _CONTENT_TYPES), None)
    if listing is None:
        raise _mismatch(path, suffix, "普通 zip 压缩包，不是 Office 文件")
    # Scanned above: no DTD, so neither entities nor external references can be in it.
    try:
        root = SafeElementTree.fromstring(archive.read(listing))
    except SafeElementTree.ParseError as exc:
        raise _damaged(path, suffix, f"{listing.filename}: {exc}") from exc
    types = (
        " ".join(
            element.get("ContentType", "") for element in root.iter() if element.get("ContentType")
        )
        .lower()
        .encode("ascii", "replace")
    )
    if pattern.search(types):
        return
    kind = next(
        (name for name, other in _OFFICE_KINDS.values() if other.search(types)),
        f"其他 Office 文件，不是{expected}",
    )
    raise _mismatch(path, suffix, kind)


# -- .pdf ------------------------------------------------------------------------------------


def _check_pdf(path: Path, suffix: str, head: bytes) -> None:
    # Readers accept junk before the header, as Acrobat does, within the first KiB.
    if PDF_MAGIC in head[:1024]:
        return
    kind = _identify(head)
    raise _mismatch(path, suffix, kind) if kind else _damaged(path, suffix)


# -- text ------------------------------------------------------------------------------------


def _check_text(path: Path, suffix: str, head: bytes) -> None:
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16:
        kind = _identify(head, strong_only=True)
        if kind is None and b"\x00" in head:
            kind = _identify(head) or "二进制文件，不是文本"
        if kind is not None:
            raise _mismatch(path, suffix, kind)
    complete = len(head) < SNIFF_BYTES
    for encoding in _text_encodings(head, suffix, utf16=utf16):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
        except (UnicodeDecodeError, LookupError):
            continue
        return
    raise InvalidInput(
        f"无法识别文件 {path.name} 的文字编码，请另存为 UTF-8 编码后重试",
        {"file": path.name},
    )


def _text_encodings(head: bytes, suffix: str, *, utf16: bool) -> list[str]:
    """The encodings the reader of ``suffix`` would try, in its order."""
    if utf16:
        return ["utf-16"]
    encodings = ["utf-8-sig", "gb18030"]
    declared = _DECLARED_CHARSET.search(head[:4096]) if suffix in (".html", ".htm") else None
    if declared:
        encodings.insert(0, declared.group(1).decode("ascii"))
    return encodings


# -- limits for the readers ------------------------------------------------------------------

#: Excel's last row; a reader fills a gap in the row numbers with empty rows, one by one.
MAX_SHEET_ROWS = 1_048_576
#: Most cells a sheet may spread over, counting the empty ones a reader pads each row with.
MAX_SHEET_CELLS = 5_000_000


def check_sheet_extent(path: Path, row: int, cells: int) -> None:
    """Refuse a sheet read so far to ``row`` over ``cells`` cells when it passes the limits.

    A few KiB of XML can name row 1,000,000,000 or cell XFD1 on every row, which a reader
    expands into rows and cells: the XLSX reader calls this from the sheet's XML first.
    """
    if row > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
        raise InvalidInput(
            f"Excel 文件 {path.name} 的工作表过大（超过 {MAX_SHEET_ROWS} 行或 "
            f"{MAX_SHEET_CELLS} 个单元格），请删去空行空列或拆分后重试",
            {"file": path.name, "row": row, "cells": cells},
        )
