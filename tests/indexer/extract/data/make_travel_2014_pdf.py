"""How ``差旅住宿费标准表2014.pdf`` and ``…-无框线.pdf`` were made (tests only read them).

The 2014 table of 财行〔2013〕531号 附件 (five rows, real figures) is written as a sheet with
merged header cells and ruled borders, then printed to PDF by LibreOffice (only its
spreadsheet part is installed on the build machine):

    python tests/indexer/extract/data/make_travel_2014_pdf.py /tmp/out
    soffice --headless --convert-to pdf --outdir /tmp/out /tmp/out/travel2014.xlsx

The version without ruling lines is the same sheet with every border removed before printing
(``python … /tmp/out --no-borders``): its table is found from the text's alignment alone.
"""

import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.styles import Border
from openpyxl.styles import Side

LINES = [
    "财政部关于印发《中央和国家机关差旅费管理办法》的通知",
    "财行〔2013〕531号",
    "第二十五条 本办法自2014年1月1日起施行。",
    "附件",
    "中央和国家机关差旅住宿费和伙食补助费标准表",
    "单位：元",
]
ROWS = [
    ("北京", "800", "500", "350", "100"),
    ("天津", "800", "450", "320", "100"),
    ("上海", "800", "500", "350", "100"),
    ("江苏", "800", "490", "340", "100"),
    ("西藏", "800", "500", "350", "120"),
]


def main(folder: Path, borders: bool = True) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    thin = Side(style="thin")
    for number, line in enumerate(LINES, 1):
        sheet.cell(number, 1, line)
    top = len(LINES) + 1
    sheet.cell(top, 1, "省份")
    sheet.merge_cells(start_row=top, start_column=1, end_row=top + 1, end_column=1)
    sheet.cell(top, 2, "住宿费标准")
    sheet.merge_cells(start_row=top, start_column=2, end_row=top, end_column=4)
    sheet.cell(top, 5, "伙食补助费标准")
    sheet.merge_cells(start_row=top, start_column=5, end_row=top + 1, end_column=5)
    for column, text in enumerate(
        ("部级（普通套间）", "司局级（单间或标准间）", "其他人员（单间或标准间）"), 2
    ):
        sheet.cell(top + 1, column, text)
    for number, row in enumerate(ROWS, top + 2):
        for column, value in enumerate(row, 1):
            sheet.cell(number, column, value)
    for row in range(top, top + 2 + len(ROWS)):
        for column in range(1, 6):
            if borders:
                sheet.cell(row, column).border = Border(
                    left=thin, right=thin, top=thin, bottom=thin
                )
            sheet.cell(row, column).alignment = Alignment(
                horizontal="center", vertical="center", wrap_text=True
            )
    sheet.cell(top + 2 + len(ROWS), 1, "注：伙食补助费按出差自然（日历）天数计算。")
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    for row in (top, top + 1):
        sheet.row_dimensions[row].height = 36
    for letter, width in zip("ABCDE", (10, 16, 22, 22, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    book.save(folder / "travel2014.xlsx")


if __name__ == "__main__":
    main(Path(sys.argv[1]), borders="--no-borders" not in sys.argv)
