"""indexer/loaders: text out of .txt, .md, .docx, .pdf and .html files, and errors naming the file.

The PDF fixture is written by hand: a CID font (not embedded) whose ToUnicode map gives the
Chinese characters, which is how real Chinese PDFs carry their text layer.
"""

from __future__ import annotations

import codecs
import zlib

import docx
import pytest

from indexer.loaders import SUPPORTED_SUFFIXES
from indexer.loaders import RawDocument
from indexer.loaders import load
from indexer.loaders import pdf as pdf_loader
from indexer.structure import parse_document
from indexer.textfix import repair
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile

PLAN = "青浦区2024年度工作方案\n一、主要目标\n推动降本增效。"


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".docx", ".htm", ".html", ".md", ".pdf", ".txt")


def test_unknown_extension_is_unsupported(tmp_path):
    path = tmp_path / "预算表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")

    with pytest.raises(UnsupportedFile) as raised:
        load(path)

    assert raised.value.code == "unsupported_file"
    assert "预算表.xls" in raised.value.message
    assert "不支持" in raised.value.message


@pytest.mark.parametrize(
    "encoded",
    [
        PLAN.encode("utf-8"),
        codecs.BOM_UTF8 + PLAN.encode("utf-8"),
        PLAN.encode("gb18030"),
        PLAN.encode("gbk"),
        PLAN.encode("utf-16"),
    ],
    ids=["utf-8", "utf-8 with BOM", "gb18030", "gbk", "utf-16"],
)
def test_plain_text_in_any_common_encoding(tmp_path, encoded):
    path = tmp_path / "plan.txt"
    path.write_bytes(encoded)

    assert load(path) == RawDocument(text=PLAN, source_path=str(path), title_hint=None)


def test_undecodable_text_names_the_file(tmp_path):
    path = tmp_path / "坏文件.txt"
    path.write_bytes(b"\xff\xfa\x80\xff")

    with pytest.raises(InvalidInput) as raised:
        load(path)

    assert "坏文件.txt" in raised.value.message


def test_markdown_heading_marks_are_removed(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# 青浦区工作方案\n\n## 一、主要目标\n\n推动降本增效。\n", encoding="utf-8")

    raw = load(path)

    assert raw.title_hint == "青浦区工作方案"
    assert raw.text == "青浦区工作方案\n\n一、主要目标\n\n推动降本增效。\n"


def test_docx_paragraphs_and_table_cells_in_order(tmp_path):
    path = tmp_path / "plan.docx"
    document = docx.Document()
    document.core_properties.title = "青浦区工作方案"
    document.add_paragraph("青浦区 2024 年度工作方案")
    document.add_paragraph("一、主要目标")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "事项"
    table.cell(0, 1).text = "定额"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "公共绿地一级养护"
    document.add_paragraph("二、其他事项")
    document.save(str(path))

    raw = load(path)

    assert raw == RawDocument(
        text="青浦区 2024 年度工作方案\n一、主要目标\n事项\n定额\n公共绿地一级养护\n二、其他事项",
        source_path=str(path),
        title_hint="青浦区工作方案",
    )


@pytest.mark.parametrize("content", [b"not a zip file", b"PK\x03\x04broken"])
def test_broken_docx_names_the_file(tmp_path, content):
    path = tmp_path / "方案.docx"
    path.write_bytes(content)

    with pytest.raises(InvalidInput) as raised:
        load(path)

    assert "方案.docx" in raised.value.message


def test_pdf_pages_are_joined_with_form_feeds(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(
        minimal_pdf(
            [["青浦区工作方案", "一、主要目标", "推动降本"], ["- 2 -", "增效。"]],
            title="Qingpu plan",
        )
    )

    raw = load(path)

    assert raw == RawDocument(
        text="青浦区工作方案\n一、主要目标\n推动降本\f- 2 -\n增效。",
        source_path=str(path),
        title_hint="Qingpu plan",
    )
    assert repair(raw.text) == "青浦区工作方案\n一、主要目标\n推动降本增效。"


def test_broken_pdf_names_the_file(tmp_path):
    path = tmp_path / "方案.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not a PDF body\n")

    with pytest.raises(InvalidInput) as raised:
        load(path)

    assert "方案.pdf" in raised.value.message


def test_html_visible_text_one_block_per_line(tmp_path):
    path = tmp_path / "plan.html"
    page = (
        '<html><head><meta charset="gb2312"><title>青浦区工作方案</title>'
        "<style>p { color: red }</style></head><body>"
        "<nav>首页 | 政策文件</nav>"
        "<h1>青浦区 2024 年度工作方案</h1>"
        "<div>一、主要<b>目标</b><br>推动\n      降本增效。</div>"
        "<script>var x = 1;</script><!-- 注释 -->"
        "<table><tr><td>事项</td><td>18.5</td></tr></table>"
        "<p>二、其他事项</p></body></html>"
    )
    path.write_bytes(page.encode("gb18030"))

    raw = load(path)

    assert raw == RawDocument(
        text="青浦区 2024 年度工作方案\n一、主要目标\n推动 降本增效。\n事项\n18.5\n二、其他事项",
        source_path=str(path),
        title_hint="青浦区工作方案",
    )


def test_html_without_charset_falls_back_to_gb18030(tmp_path):
    path = tmp_path / "plan.htm"
    path.write_bytes("<p>一、主要目标</p><p>推动降本增效。</p>".encode("gbk"))

    assert load(path).text == "一、主要目标\n推动降本增效。"


def test_docx_loads_into_a_document_record(tmp_path):
    path = tmp_path / "measures.docx"
    document = docx.Document()
    for line in ["某区财政局关于印发《某区会议费管理办法》的通知", "某财发〔2024〕3号", "各单位："]:
        document.add_paragraph(line)
    for line in ["某区会议费管理办法", "第一条 为了规范会议费管理，制定本办法。"]:
        document.add_paragraph(line)
    document.add_paragraph("第二条 本办法自印发之日起施行。")
    document.save(str(path))

    raw = load(path)
    record = parse_document(raw.text, slug=path.stem, source_path=raw.source_path)

    assert (record.title, record.doc_number, record.issuer, record.doc_type) == (
        "某区会议费管理办法",
        "某财发〔2024〕3号",
        "某区财政局",
        "measures",
    )
    assert [c.path for c in record.clauses] == ["第一条", "第二条"]


def minimal_pdf(pages: list[list[str]], title: str) -> bytes:
    """A PDF showing ``pages`` of lines in a CID font mapped to Unicode by a ToUnicode CMap."""
    chars = sorted({ch for page in pages for line in page for ch in line})
    cid = {ch: i + 1 for i, ch in enumerate(chars)}
    bfchar = "\n".join(f"<{cid[ch]:04X}> <{ord(ch):04X}>" for ch in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(chars)} beginbfchar\n{bfchar}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    page_numbers = [7 + 2 * i for i in range(len(pages))]
    kids = " ".join(f"{n} 0 R" for n in page_numbers)
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Count {len(pages)} /Kids [{kids}] >>",
        3: "<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
        "/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
        4: "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /DW 1000 /FontDescriptor 6 0 R "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        5: _pdf_stream(cmap),
        6: "<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -120 1000 880] "
        "/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    }
    for number, lines in zip(page_numbers, pages, strict=True):
        shown = " ".join(
            f"1 0 0 1 72 {770 - 20 * n} Tm <{''.join(f'{cid[ch]:04X}' for ch in line)}> Tj"
            for n, line in enumerate(lines)
        )
        objects[number] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {number + 1} 0 R "
            "/Resources << /Font << /F1 3 0 R >> >> >>"
        )
        objects[number + 1] = _pdf_stream(f"BT /F1 12 Tf {shown} ET")
    info = max(objects) + 1
    objects[info] = f"<< /Title ({title}) >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n{objects[number]}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {info + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offsets[n]:010d} 00000 n \n" for n in range(1, info + 1)).encode()
    out += f"trailer\n<< /Size {info + 1} /Root 1 0 R /Info {info} 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _pdf_stream(content: str) -> str:
    return f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream"


# -- PDF bombs: bounded memory and time per file -------------------------------------------------


def single_page_pdf(content: bytes, *, deflate: bool = False) -> bytes:
    """A one-page PDF in Helvetica whose page shows ``content`` (optionally Flate-compressed,
    streamed so that a huge inflated size costs the test little memory)."""
    if deflate:
        packer = zlib.compressobj(9)
        data = (
            b"".join(packer.compress(chunk) for chunk in content_chunks(content)) + packer.flush()
        )
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
    else:
        stream = b"<< /Length %d >>\nstream\n" % len(content) + content
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        4: stream + b"\nendstream",
        5: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 6\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, 6))
    out += b"trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


class Repeated(bytes):
    """``unit * times`` without holding it: content_chunks yields it a megabyte at a time."""

    def __new__(cls, unit: bytes, times: int):
        made = super().__new__(cls, unit)
        made.times = times
        return made


def content_chunks(content: bytes):
    if isinstance(content, Repeated):
        per_chunk = max(1, (1 << 20) // len(content))
        for start in range(0, content.times, per_chunk):
            yield bytes(content) * min(per_chunk, content.times - start)
    else:
        yield content


def test_a_pdf_inflating_past_the_memory_limit_is_refused(tmp_path):
    path = tmp_path / "炸弹.pdf"
    path.write_bytes(single_page_pdf(Repeated(b" " * 1024, 300 * 1024), deflate=True))
    assert path.stat().st_size < 1_000_000

    with pytest.raises(InvalidInput) as refused:
        pdf_loader.load(path, memory_bytes=200 * 1024 * 1024)

    assert "炸弹.pdf" in refused.value.message
    assert "200 MiB" in refused.value.message


def test_a_pdf_of_endless_text_operators_is_refused_in_time(tmp_path):
    path = tmp_path / "operators.pdf"
    content = b"BT /F1 1 Tf " + b"(a) Tj " * 2_000_000 + b"ET"
    path.write_bytes(single_page_pdf(content, deflate=True))
    assert path.stat().st_size < 100_000

    with pytest.raises(InvalidInput) as refused:
        pdf_loader.load(path, seconds=2)

    assert "operators.pdf" in refused.value.message


def test_an_ordinary_pdf_reads_within_the_default_limits(tmp_path):
    path = tmp_path / "ok.pdf"
    path.write_bytes(single_page_pdf(b"BT /F1 12 Tf 72 770 Td (Hello limits) Tj ET", deflate=True))
    assert load(path).text == "Hello limits"
