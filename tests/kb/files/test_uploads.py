"""kb/uploads.py: hostile files get a clear error before any parser opens them.

Every hostile file is real and built here in ``tmp_path``: a zip bomb (200 MiB of zeros
compressed into a few hundred KiB, written streaming so nothing large touches the disk),
billion laughs inside an .xlsx and a .docx, files lying about their type. Good files of
each kind still load. The end of the file sends the same files through the web app.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest
from bs4 import BeautifulSoup
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from indexer.loaders import load
from kb.accounts import tokens
from kb.db import atomic
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.files import tables as tabular
from kb.files import uploads
from kb.files import xlsx
from kb.files.tables import read_table
from kb.files.uploads import check_upload
from tests.indexer.test_loaders import minimal_pdf

MIB = 1024 * 1024
STANDARD_ROWS = [
    ["code", "name", "kind", "level", "region", "domain", "unit", "value"],
    [
        "QP-T-1",
        "青浦区测试定额",
        "成本定额标准",
        "区级",
        "青浦区",
        "城市运维",
        "元/平方米·年",
        "12.50",
    ],
]

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n'
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>\n"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>"
)


# -- builders ----------------------------------------------------------------------------------


def good_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    for row in STANDARD_ROWS:
        workbook.active.append(row)
    workbook.save(path)
    return path


def good_docx(path: Path) -> Path:
    document = docx.Document()
    document.add_paragraph("青浦区2024年度工作方案")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "事项"
    table.rows[0].cells[1].text = "定额"
    document.save(str(path))
    return path


def replace_member(path: Path, name: str, data: bytes | str) -> Path:
    """Rewrite the zip at ``path`` with member ``name`` replaced by ``data``."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            target.writestr(info.filename, data if info.filename == name else content)
    return path


def add_zeros(path: Path, name: str, mib: int, *, members: int = 1) -> Path:
    """Append ``members`` members of ``mib`` MiB of zeros each, compressed, written streaming."""
    zeros = bytes(MIB)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for index in range(members):
            member = name.format(index)
            with archive.open(member, "w", force_zip64=True) as stream:
                for _ in range(mib):
                    stream.write(zeros)
    return path


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def exe_bytes() -> bytes:
    """The start of a Windows program: DOS header, stub, PE signature."""
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")
    header += bytes(64 - len(header))
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21This program cannot be run in DOS mode.\r\r\n$"
    body = bytes(header) + stub
    return body + bytes(0x80 - len(body)) + b"PE\x00\x00" + bytes(512)


@pytest.fixture
def bomb_xlsx(tmp_path: Path) -> Path:
    """A valid workbook with one more member: 200 MiB of zeros, under 1 MiB compressed."""
    path = good_xlsx(tmp_path / "炸弹.xlsx")
    return add_zeros(path, "xl/media/zeros{}.bin", 200)


@pytest.fixture
def bomb_docx(tmp_path: Path) -> Path:
    path = good_docx(tmp_path / "炸弹.docx")
    return add_zeros(path, "word/media/zeros{}.bin", 200)


@pytest.fixture
def laughs_xlsx(tmp_path: Path) -> Path:
    return replace_member(
        good_xlsx(tmp_path / "笑.xlsx"), "xl/worksheets/sheet1.xml", BILLION_LAUGHS
    )


@pytest.fixture
def laughs_docx(tmp_path: Path) -> Path:
    laughs = BILLION_LAUGHS.replace("worksheet", "w:document")
    return replace_member(good_docx(tmp_path / "笑.docx"), "word/document.xml", laughs)


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if the XLSX reader or python-docx is asked to open the file."""

    def refuse(*args, **kwargs):
        raise AssertionError("the parser must not see a refused file")

    monkeypatch.setattr(xlsx, "_grids", refuse)
    monkeypatch.setattr(docx, "Document", refuse)


# -- zip bombs ---------------------------------------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_before_the_reader_opens_it(bomb_xlsx, no_parser):
    assert bomb_xlsx.stat().st_size < 2 * MIB

    with pytest.raises(InvalidInput) as raised:
        read_table(bomb_xlsx)

    assert re.fullmatch(
        "文件 炸弹.xlsx 中的 xl/media/zeros0.bin 压缩比异常（约 [0-9]+:1，上限 100:1），"
        "疑似“压缩炸弹”，已拒绝",
        raised.value.message,
    )
    assert raised.value.details["member"] == "xl/media/zeros0.bin"


def test_a_zip_bomb_docx_is_refused_before_python_docx_opens_it(bomb_docx, no_parser):
    with pytest.raises(InvalidInput, match="疑似“压缩炸弹”"):
        load(bomb_docx)


def test_many_small_members_past_the_total_are_a_zip_bomb_too(tmp_path, no_parser):
    # 120 members of 1 MiB: none is over the ratio floor, the total is over 100 MiB.
    path = add_zeros(good_xlsx(tmp_path / "many.xlsx"), "xl/media/z{}.bin", 1, members=120)

    with pytest.raises(InvalidInput) as raised:
        read_table(path)

    assert raised.value.message == "文件 many.xlsx 解压后超过 100 MiB，疑似“压缩炸弹”，已拒绝"


def test_too_many_members_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_MEMBERS", 20)
    path = good_xlsx(tmp_path / "parts.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        for index in range(20):
            archive.writestr(f"xl/media/{index}.bin", b"")

    with pytest.raises(InvalidInput, match="超过上限 20"):
        check_upload(path)


def test_an_encrypted_member_is_refused(tmp_path):
    path = good_xlsx(tmp_path / "locked.xlsx")
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag of every entry of the central directory.
    offset = data.find(b"PK\x01\x02")
    while offset != -1:
        data[offset + 8] |= 0x1
        offset = data.find(b"PK\x01\x02", offset + 4)
    path.write_bytes(bytes(data))

    with pytest.raises(InvalidInput, match="已加密"):
        check_upload(path)


def test_a_compression_office_never_uses_is_refused(tmp_path):
    path = good_xlsx(tmp_path / "bz.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("xl/media/extra.bin", b"x" * 100)

    with pytest.raises(InvalidInput, match="Office 不会使用的压缩方式（12）"):
        check_upload(path)


def test_a_damaged_zip_names_the_file(tmp_path):
    path = tmp_path / "坏.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(100))

    with pytest.raises(InvalidInput, match="坏.docx：文件已损坏或不是 .docx 格式"):
        check_upload(path)


def test_a_member_whose_data_does_not_match_its_crc_is_damaged(tmp_path):
    path = good_xlsx(tmp_path / "crc.xlsx")
    data = bytearray(path.read_bytes())
    entry = data.find(b"PK\x01\x02")
    data[entry + 16] ^= 0xFF  # the first member's CRC-32 in the central directory
    path.write_bytes(bytes(data))

    with pytest.raises(InvalidInput, match="文件已损坏"):
        check_upload(path)


# -- XML entities ------------------------------------------------------------------------------


def test_billion_laughs_in_an_xlsx_is_refused(laughs_xlsx, no_parser):
    with pytest.raises(InvalidInput) as raised:
        read_table(laughs_xlsx)

    assert raised.value.message == (
        "文件 笑.xlsx 中的 xl/worksheets/sheet1.xml 含有 XML 文档类型或实体声明"
        "（<!DOCTYPE、<!ENTITY），疑似 XML 实体攻击，已拒绝"
    )


def test_billion_laughs_in_a_docx_is_refused(laughs_docx, no_parser):
    with pytest.raises(InvalidInput, match="word/document.xml 含有 XML 文档类型或实体声明"):
        load(laughs_docx)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_an_external_entity_is_refused_in_any_encoding(tmp_path, encoding):
    xml = EXTERNAL_ENTITY.replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    path = replace_member(
        good_docx(tmp_path / "xxe.docx"), "word/document.xml", xml.encode(encoding)
    )

    with pytest.raises(InvalidInput, match="疑似 XML 实体攻击"):
        check_upload(path)


def test_an_entity_split_across_read_chunks_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "_CHUNK", 7)
    path = replace_member(good_docx(tmp_path / "split.docx"), "word/document.xml", EXTERNAL_ENTITY)

    with pytest.raises(InvalidInput, match="疑似 XML 实体攻击"):
        check_upload(path)


def test_an_embedded_svg_may_have_a_doctype_but_no_entity(tmp_path):
    svg = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'
    path = good_docx(tmp_path / "logo.docx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/media/logo.svg", svg)
    check_upload(path)

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/media/bad.svg", svg.replace("<svg/>", '<!ENTITY a "b"><svg/>'))
    with pytest.raises(InvalidInput, match="word/media/bad.svg"):
        check_upload(path)


def test_without_the_scan_the_xlsx_reader_still_refuses_entities(laughs_xlsx, monkeypatch):
    # Our scan refuses entities first; the reader's own XML parsing (defusedxml, expat's
    # amplification limit) must not expand them either.
    monkeypatch.setattr(tabular, "check_upload", lambda path: None)

    with pytest.raises(InvalidInput, match="无法读取 Excel 文件 笑.xlsx"):
        read_table(laughs_xlsx)


# -- files that lie about their type -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "actual"),
    [
        ("报告.docx", exe_bytes(), "Windows 可执行程序"),
        ("标准.xlsx", minimal_pdf([["青浦"]], title="x"), "PDF 文件"),
        ("标准.csv", png_bytes(), "PNG 图片"),
        (
            "标准.csv",
            b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40),
            "zip 压缩包（或 .xlsx、.docx 文件）",
        ),
        ("标准.json", minimal_pdf([["青浦"]], title="x"), "PDF 文件"),
        ("方案.pdf", png_bytes(), "PNG 图片"),
        ("方案.txt", exe_bytes(), "Windows 可执行程序"),
        (
            "方案.docx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "旧版 Office 文件（.doc、.xls）或加密的 Office 文件",
        ),
        ("方案.md", b"\x00\x01\x02 some bytes", "二进制文件，不是文本"),
    ],
)
def test_content_of_another_type_than_the_extension_is_unsupported(tmp_path, name, content, actual):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(UnsupportedFile) as raised:
        check_upload(path)

    suffix = Path(name).suffix
    assert raised.value.message == f"文件内容与扩展名 {suffix} 不符：{name} 实际是{actual}"


def test_a_docx_named_xlsx_is_a_word_document(tmp_path):
    path = good_docx(tmp_path / "x.docx").rename(tmp_path / "标准.xlsx")

    with pytest.raises(UnsupportedFile, match="实际是Word 文档（.docx）"):
        read_table(path)


def test_an_xlsx_named_docx_is_an_excel_workbook(tmp_path):
    path = good_xlsx(tmp_path / "x.xlsx").rename(tmp_path / "方案.docx")

    with pytest.raises(UnsupportedFile, match="实际是Excel 工作簿（.xlsx）"):
        load(path)


def test_a_plain_zip_named_xlsx_is_not_an_office_file(tmp_path):
    path = tmp_path / "标准.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")

    with pytest.raises(UnsupportedFile, match="实际是普通 zip 压缩包，不是 Office 文件"):
        read_table(path)


def test_unknown_garbage_is_damaged_not_another_type(tmp_path):
    path = tmp_path / "方案.docx"
    path.write_bytes(b"not a zip file")

    with pytest.raises(InvalidInput, match="文件已损坏或不是 .docx 格式"):
        check_upload(path)


def test_the_claimed_suffix_can_be_given(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(png_bytes())

    with pytest.raises(UnsupportedFile, match="文件内容与扩展名 .csv 不符"):
        check_upload(path, suffix=".CSV")


def test_an_unknown_suffix_is_unsupported(tmp_path):
    path = tmp_path / "a.exe"
    path.write_bytes(exe_bytes())

    with pytest.raises(UnsupportedFile, match="不支持的文件类型“.exe”"):
        check_upload(path)


# -- size, text, special files -----------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as stream:
        stream.truncate(uploads.MAX_FILE_BYTES + 1)  # sparse: nothing is written

    with pytest.raises(InvalidInput) as raised:
        read_table(path)

    assert raised.value.message == "文件 big.csv 有 20.0 MiB，超过上限 20 MiB"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)

    with pytest.raises(InvalidInput, match="pipe.csv 不是普通文件"):
        read_table(path)


def test_undecodable_text_is_refused_with_its_name(tmp_path):
    path = tmp_path / "乱码.txt"
    path.write_bytes(b"\xff\xfa\x80\xff")

    with pytest.raises(InvalidInput, match="无法识别文件 乱码.txt 的文字编码"):
        check_upload(path)


def test_text_cut_inside_a_character_at_the_sniff_limit_is_fine(tmp_path):
    path = tmp_path / "长.txt"
    text = "青" * uploads.SNIFF_BYTES  # 3 bytes each: the sniffed head ends mid-character
    path.write_text(text, encoding="utf-8")

    check_upload(path)


def test_utf16_text_with_its_nul_bytes_is_text(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_bytes("青浦区工作方案".encode("utf-16"))

    check_upload(path)
    assert load(path).text == "青浦区工作方案"


def test_html_in_its_declared_charset_is_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes('<meta charset="latin-1"><p>café au lait</p>'.encode("latin-1"))

    check_upload(path)
    assert load(path).text == "café au lait"


# -- good files still load ---------------------------------------------------------------------


def test_good_files_of_each_kind_still_load(tmp_path):
    (tmp_path / "s.csv").write_text(
        "\n".join(",".join(row) for row in STANDARD_ROWS), encoding="utf-8-sig"
    )
    (tmp_path / "s.json").write_text(
        '[{"name": "青浦区测试定额", "value": 12.50}]', encoding="utf-8"
    )
    good_xlsx(tmp_path / "s.xlsx")
    good_docx(tmp_path / "p.docx")
    (tmp_path / "p.pdf").write_bytes(minimal_pdf([["青浦区工作方案"]], title="plan"))
    (tmp_path / "p.txt").write_text("青浦区工作方案", encoding="gb18030")
    (tmp_path / "p.md").write_text("# 青浦区工作方案", encoding="utf-8")
    (tmp_path / "p.html").write_text("<p>青浦区工作方案</p>", encoding="utf-8")

    assert read_table(tmp_path / "s.csv").rows[0][1]["name"] == "青浦区测试定额"
    assert read_table(tmp_path / "s.xlsx").rows[0][1]["name"] == "青浦区测试定额"
    assert read_table(tmp_path / "s.json").rows[0][1]["name"] == "青浦区测试定额"
    assert load(tmp_path / "p.docx").text == "青浦区2024年度工作方案\n事项\n定额"
    for name in ("p.pdf", "p.txt", "p.md", "p.html"):
        assert load(tmp_path / name).text == "青浦区工作方案", name


# -- bombs that only the reader can see --------------------------------------------------------

SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
    "{rows}</sheetData></worksheet>"
)


def test_a_row_number_far_down_is_refused_not_counted_to(tmp_path):
    rows = '<row r="999999999"><c r="A999999999" t="inlineStr"><is><t>x</t></is></c></row>'
    path = replace_member(
        good_xlsx(tmp_path / "far.xlsx"), "xl/worksheets/sheet1.xml", SHEET.format(rows=rows)
    )

    with pytest.raises(InvalidInput, match="far.xlsx 的工作表过大"):
        read_table(path)


def test_cells_in_the_last_column_of_every_row_are_refused(tmp_path):
    rows = "".join(f'<row r="{n}"><c r="XFD{n}"/></row>' for n in range(2, 400))
    path = replace_member(
        good_xlsx(tmp_path / "wide.xlsx"), "xl/worksheets/sheet1.xml", SHEET.format(rows=rows)
    )
    assert path.stat().st_size < 20_000

    with pytest.raises(InvalidInput, match="wide.xlsx 的工作表过大"):
        read_table(path)


def test_sparse_rows_keep_their_spreadsheet_numbers(tmp_path):
    rows = '<row r="7"><c r="B7" t="inlineStr"><is><t>x</t></is></c></row>'
    path = replace_member(
        good_xlsx(tmp_path / "sparse.xlsx"), "xl/worksheets/sheet1.xml", SHEET.format(rows=rows)
    )

    assert read_table(path).rows == ((7, {"名称": ""}),)


def test_deeply_nested_json_is_invalid_not_a_crash(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000, encoding="utf-8")

    with pytest.raises(InvalidInput, match="嵌套过深"):
        read_table(path)


def test_deeply_nested_html_is_invalid_not_a_crash(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<body>" + "<div>" * (sys.getrecursionlimit() * 2) + "x", encoding="utf-8")

    with pytest.raises(InvalidInput, match="标签嵌套过深"):
        load(path)


def docx_table(path: Path, rows: int, *, span: int = 1, merged: bool = False) -> Path:
    document = docx.Document()
    table = document.add_table(rows=rows, cols=1)
    table.rows[0].cells[0].text = "顶部"
    for index, tr in enumerate(table._tbl.tr_lst):
        properties = tr.tc_lst[0].get_or_add_tcPr()
        if span > 1:
            element = OxmlElement("w:gridSpan")
            element.set(qn("w:val"), str(span))
            properties.append(element)
        if merged:
            element = OxmlElement("w:vMerge")
            if index == 0:
                element.set(qn("w:val"), "restart")
            properties.append(element)
    document.save(str(path))
    return path


def test_a_huge_grid_span_in_a_docx_is_read_once(tmp_path):
    path = docx_table(tmp_path / "span.docx", 1, span=2**31 - 1)

    assert load(path).text.endswith("顶部")


def test_a_tall_vertical_merge_in_a_docx_is_read_once(tmp_path):
    # python-docx's row.cells walks a merge recursively: 3,000 rows overflowed the stack.
    path = docx_table(tmp_path / "merge.docx", 3000, merged=True)

    assert load(path).text.endswith("顶部")


# -- through the web app -----------------------------------------------------------------------


@pytest.fixture
def reviewer(session, cast):
    with atomic(session):
        _, secret = tokens.create_token(session, "审核员")
    return {"Authorization": f"Bearer {secret}"}


def post_file(client, url: str, name: str, content: bytes, *, headers=None, **fields):
    """POST ``content`` as the multipart field ``file``.

    The body is encoded in memory: given a dict, the test client spools a large body to a
    temporary file that nothing closes (a ResourceWarning under ``filterwarnings=error``).
    """
    upload = FileStorage(io.BytesIO(content), filename=name)
    boundary, body = encode_multipart({**fields, "file": upload})
    return client.post(
        url,
        headers=headers,
        data=body,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )


def import_file(client, headers, name: str, content: bytes):
    return post_file(client, "/api/v1/standards/import", name, content, headers=headers)


def assert_json_error(response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert message in body["error"]["message"]


def test_the_import_route_refuses_each_hostile_file(
    client, reviewer, bomb_xlsx, laughs_xlsx, tmp_path
):
    docx_as_xlsx = good_docx(tmp_path / "d.docx").read_bytes()
    cases = [
        ("bomb.xlsx", bomb_xlsx.read_bytes(), 400, "invalid_input", "疑似“压缩炸弹”"),
        ("laughs.xlsx", laughs_xlsx.read_bytes(), 400, "invalid_input", "疑似 XML 实体攻击"),
        ("exe.xlsx", exe_bytes(), 415, "unsupported_file", "实际是Windows 可执行程序"),
        ("pdf.xlsx", minimal_pdf([["x"]], title="x"), 415, "unsupported_file", "实际是PDF 文件"),
        ("word.xlsx", docx_as_xlsx, 415, "unsupported_file", "实际是Word 文档"),
        ("png.csv", png_bytes(), 415, "unsupported_file", "文件内容与扩展名 .csv 不符"),
        ("deep.json", b"[" * 100_000, 400, "invalid_input", "嵌套过深"),
    ]
    for name, content, status, code, message in cases:
        response = import_file(client, reviewer, name, content)
        assert_json_error(response, status, code, message)


def test_the_import_route_accepts_a_good_workbook(client, reviewer, tmp_path):
    response = import_file(client, reviewer, "s.xlsx", good_xlsx(tmp_path / "s.xlsx").read_bytes())

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["codes"] == ["QP-T-1"]


def test_an_upload_over_20_mib_is_413_in_the_json_shape(client, reviewer):
    response = import_file(client, reviewer, "big.csv", b"a" * (21 * MIB))

    assert_json_error(response, 413, "request_entity_too_large", "上传的文件太大")


def test_the_verify_page_refuses_a_zip_bomb_docx(client, bomb_docx):
    page = BeautifulSoup(client.get("/verify/").get_data(as_text=True), "html.parser")
    token = page.select_one('input[name="csrf_token"]')["value"]

    response = post_file(
        client, "/verify/", "方案.docx", bomb_docx.read_bytes(), csrf_token=token, text=""
    )

    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    assert "疑似“压缩炸弹”" in response.get_data(as_text=True)
