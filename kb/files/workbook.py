"""XLSX workbooks written straight as their XML parts, for large reports.

A budget check's report holds about 230,000 cells for a 10,000-line sheet. XlsxWriter spends
10–15 µs on each (a cell object stored, then its XML built attribute by attribute, escaped and
zipped): about 2 s of the check. Here a row is appended as ready values with a style each and
its XML is one formatted string per cell: the same report in a fifth of the time (bench/README,
"Budget check at scale"). What it writes is what the report needs and no more: text (shared
strings, never a formula, a number or a link, whatever it starts with), numbers with a number
format, bold and coloured fonts, solid fills, a frozen header row, an autofilter and column
widths. Workbooks with other needs are written by XlsxWriter (:mod:`kb.files.xlsx`).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape
from xml.sax.saxutils import quoteattr

from kb.files.cells import storable_text

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: zlib level of the parts: level 1 is three times faster than the default 6 on report XML,
#: for a file about a fifth larger.
COMPRESSION_LEVEL = 1
#: Excel's limit on the characters of a cell.
MAX_CELL_TEXT = 32_767


@dataclass(frozen=True)
class Style:
    """How a cell looks: a bold font, its colour and a solid fill (``RRGGBB``), a number format,
    vertical centring."""

    bold: bool = False
    font_color: str | None = None
    fill: str | None = None
    num_format: str | None = None
    vcenter: bool = False


#: A cell: its value (``None`` leaves it empty; ``str`` is text; ``int`` and ``Decimal`` are
#: numbers) and the number of its style (:meth:`Workbook.style`).
Cell = tuple[str | int | Decimal | None, int]


def column_letters(index: int) -> str:
    """The letters of a 0-based column: 0 → ``A``, 27 → ``AB``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class Sheet:
    """One worksheet, filled row by row from the top (:meth:`append`)."""

    def __init__(self, workbook: Workbook, name: str) -> None:
        self.workbook = workbook
        self.name = name
        self.widths: list[tuple[int, int, float]] = []
        self.frozen_rows = 0
        self.filtered = False
        self._rows: list[str] = []
        self._columns = 0
        self._letters: list[str] = []

    def set_width(self, first: int, last: int, width: float) -> None:
        """Columns ``first``–``last`` (0-based) ``width`` characters wide."""
        self.widths.append((first, last, width))

    def freeze_rows(self, count: int) -> None:
        """Keep the first ``count`` rows in view while scrolling."""
        self.frozen_rows = count

    def autofilter(self) -> None:
        """Filter buttons on the first row, over every row and column written."""
        self.filtered = True

    def append(self, cells: Sequence[Cell]) -> None:
        """The next row: its cells from column A."""
        number = len(self._rows) + 1
        letters = self._letters
        while len(letters) < len(cells):
            letters.append(column_letters(len(letters)))
        self._columns = max(self._columns, len(cells))
        strings = self.workbook.strings
        parts = [f'<row r="{number}">']
        for column, (value, style) in enumerate(cells):
            kind = type(value)
            if value is None or value == "":
                continue
            ref = f"{letters[column]}{number}"
            styled = f' s="{style}"' if style else ""
            if kind is str:
                text = storable_text(value)[:MAX_CELL_TEXT]  # type: ignore[index]
                index = strings.get(text)
                if index is None:
                    index = strings[text] = len(strings)
                self.workbook.string_uses += 1
                parts.append(f'<c r="{ref}"{styled} t="s"><v>{index}</v></c>')
            elif kind is int or kind is Decimal:
                # 16 significant digits, as many as Excel keeps in a number cell.
                parts.append(f'<c r="{ref}"{styled}><v>{format(value, ".16G")}</v></c>')
            else:
                raise TypeError(f"a cell holds text or a number, not {kind.__name__}")
        parts.append("</row>")
        self._rows.append("".join(parts))

    def xml(self) -> str:
        """The worksheet's XML part."""
        rows, columns = len(self._rows), max(self._columns, 1)
        last = f"{column_letters(columns - 1)}{max(rows, 1)}"
        view = '<sheetView workbookViewId="0">'
        if self.frozen_rows:
            top = f"A{self.frozen_rows + 1}"
            view += (
                f'<pane ySplit="{self.frozen_rows}" topLeftCell="{top}" activePane="bottomLeft"'
                ' state="frozen"/><selection pane="bottomLeft"/>'
            )
        view += "</sheetView>"
        cols = "".join(
            f'<col min="{first + 1}" max="{last_column + 1}" width="{_stored_width(width)}"'
            ' customWidth="1"/>'
            for first, last_column, width in self.widths
        )
        return "".join(
            (
                _XML,
                f'<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">',
                f'<dimension ref="A1:{last}"/>',
                f"<sheetViews>{view}</sheetViews>",
                '<sheetFormatPr defaultRowHeight="15"/>',
                f"<cols>{cols}</cols>" if cols else "",
                "<sheetData>",
                *self._rows,
                "</sheetData>",
                f'<autoFilter ref="{self.filter_range}"/>' if self.filtered else "",
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3"'
                ' footer="0.3"/>',
                "</worksheet>",
            )
        )

    @property
    def filter_range(self) -> str:
        """``A1:R4``: every row and column written."""
        return f"A1:{column_letters(max(self._columns, 1) - 1)}{max(len(self._rows), 1)}"


def _stored_width(width: float) -> float:
    """A width in characters as Excel stores it (Calibri 11: 7-pixel digits, 5 pixels of
    padding), as XlsxWriter writes it."""
    return int((width * 7 + 5) / 7 * 256) / 256


class Workbook:
    """A workbook of :class:`Sheet` s and their styles, as the bytes of an .xlsx file."""

    def __init__(self) -> None:
        self.sheets: list[Sheet] = []
        self.strings: dict[str, int] = {}
        self.string_uses = 0
        self._styles: dict[Style, int] = {Style(): 0}

    def style(self, style: Style) -> int:
        """The number of ``style`` for the cells of :meth:`Sheet.append`."""
        found = self._styles.get(style)
        if found is None:
            found = self._styles[style] = len(self._styles)
        return found

    def add_sheet(self, name: str) -> Sheet:
        """A new worksheet, after the others."""
        sheet = Sheet(self, name)
        self.sheets.append(sheet)
        return sheet

    def bytes(self) -> bytes:
        """The .xlsx file."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(
            buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL
        ) as archive:
            archive.writestr("[Content_Types].xml", self._content_types())
            archive.writestr("_rels/.rels", _ROOT_RELS)
            archive.writestr("xl/workbook.xml", self._workbook())
            archive.writestr("xl/_rels/workbook.xml.rels", self._workbook_rels())
            archive.writestr("xl/styles.xml", self._styles_xml())
            archive.writestr("xl/sharedStrings.xml", self._shared_strings())
            for number, sheet in enumerate(self.sheets, start=1):
                archive.writestr(f"xl/worksheets/sheet{number}.xml", sheet.xml())
        return buffer.getvalue()

    def _content_types(self) -> str:
        base = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_SHEET_TYPE}"/>'
            for n in range(1, len(self.sheets) + 1)
        )
        return (
            f'{_XML}<Types xmlns="{_TYPES_NS}">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{base}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{base}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{base}.sharedStrings+xml"/>'
            f"{sheets}</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{n}" r:id="rId{n}"/>'
            for n, sheet in enumerate(self.sheets, start=1)
        )
        filters = "".join(
            '<definedName name="_xlnm._FilterDatabase" localSheetId="{}" hidden="1">{}</definedName>'.format(
                n, escape(f"'{sheet.name}'!{_absolute(sheet.filter_range)}")
            )
            for n, sheet in enumerate(self.sheets)
            if sheet.filtered
        )
        return (
            f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            "<bookViews><workbookView/></bookViews>"
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{filters}</definedNames>" if filters else "")
            + "</workbook>"
        )

    def _workbook_rels(self) -> str:
        kind = f"{_REL_NS}/"
        count = len(self.sheets)
        rels = [
            f'<Relationship Id="rId{n}" Type="{kind}worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, count + 1)
        ]
        rels.append(f'<Relationship Id="rId{count + 1}" Type="{kind}styles" Target="styles.xml"/>')
        rels.append(
            f'<Relationship Id="rId{count + 2}" Type="{kind}sharedStrings"'
            ' Target="sharedStrings.xml"/>'
        )
        return f'{_XML}<Relationships xmlns="{_PACKAGE_NS}">{"".join(rels)}</Relationships>'

    def _shared_strings(self) -> str:
        items = "".join(map(_string_item, self.strings))
        return (
            f'{_XML}<sst xmlns="{_MAIN_NS}" count="{self.string_uses}"'
            f' uniqueCount="{len(self.strings)}">{items}</sst>'
        )

    def _styles_xml(self) -> str:
        formats: dict[str, int] = {}
        fonts = ['<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>']
        fills = ['<fill><patternFill patternType="none"/></fill>']
        fills.append('<fill><patternFill patternType="gray125"/></fill>')
        xfs = []
        for style in self._styles:
            number = 0
            if style.num_format:
                number = formats.setdefault(style.num_format, 164 + len(formats))
            font = 0
            if style.bold or style.font_color:
                color = f'<color rgb="FF{style.font_color}"/>' if style.font_color else ""
                fonts.append(
                    f'<font>{"<b/>" if style.bold else ""}<sz val="11"/>{color}'
                    '<name val="Calibri"/><family val="2"/></font>'
                )
                font = len(fonts) - 1
            fill = 0
            if style.fill:
                fills.append(
                    f'<fill><patternFill patternType="solid"><fgColor rgb="FF{style.fill}"/>'
                    '<bgColor indexed="64"/></patternFill></fill>'
                )
                fill = len(fills) - 1
            applied = (
                (' applyNumberFormat="1"' if number else "")
                + (' applyFont="1"' if font else "")
                + (' applyFill="1"' if fill else "")
            )
            if style.vcenter:
                applied += ' applyAlignment="1"'
            head = f'<xf numFmtId="{number}" fontId="{font}" fillId="{fill}" borderId="0" xfId="0"'
            body = '><alignment vertical="center"/></xf>' if style.vcenter else "/>"
            xfs.append(f"{head}{applied}{body}")
        number_formats = "".join(
            f'<numFmt numFmtId="{n}" formatCode={quoteattr(code)}/>' for code, n in formats.items()
        )
        return (
            f'{_XML}<styleSheet xmlns="{_MAIN_NS}">'
            + (f'<numFmts count="{len(formats)}">{number_formats}</numFmts>' if formats else "")
            + f'<fonts count="{len(fonts)}">{"".join(fonts)}</fonts>'
            + f'<fills count="{len(fills)}">{"".join(fills)}</fills>'
            + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            "</borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            "</cellStyleXfs>"
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _string_item(text: str) -> str:
    escaped = escape(text)
    if "_x" in escaped:  # text that reads as an escaped character (_x000D_) stays as written
        escaped = _ESCAPE_LIKE.sub(r"_x005F\g<0>", escaped)
    if text != text.strip():
        return f'<si><t xml:space="preserve">{escaped}</t></si>'
    return f"<si><t>{escaped}</t></si>"


def _absolute(reference: str) -> str:
    """``A1:R4`` → ``$A$1:$R$4``."""
    return ":".join(
        "$"
        + "".join(c for c in part if c.isalpha())
        + "$"
        + "".join(c for c in part if c.isdigit())
        for part in reference.split(":")
    )


_ESCAPE_LIKE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_ROOT_RELS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
