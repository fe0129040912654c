"""indexer/extract/texttables.py: tables drawn with box characters or aligned with spaces."""

from __future__ import annotations

from indexer.extract.texttables import text_blocks


def texts(block) -> list[list[str]]:
    return [[cell.text for cell in row] for row in block]


def test_a_box_table_with_a_merged_group_header_and_cells_merged_down():
    lines = """差旅住宿费标准表
┌──────┬────────────────────────┬────────┐
│ 省份 │       住宿费标准       │伙食补助│
│      ├──────┬────────┬────────┤  费标准│
│      │ 部级 │ 司局级 │其他人员│        │
├──────┼──────┼────────┼────────┼────────┤
│ 北京 │ 800  │  500   │  350   │  100   │
└──────┴──────┴────────┴────────┴────────┘
注：单位为元。""".split("\n")

    title, table, note = text_blocks(lines)

    assert (title, note) == ("差旅住宿费标准表", "注：单位为元。")
    assert texts(table) == [
        ["省份", "住宿费标准", "住宿费标准", "住宿费标准", "伙食补助费标准"],
        ["省份", "部级", "司局级", "其他人员", "伙食补助费标准"],
        ["北京", "800", "500", "350", "100"],
    ]
    assert table[0][1].origin == table[0][3].origin  # one cell across three columns
    assert table[0][0].origin == table[1][0].origin  # one cell down two rows


def test_aligned_columns_with_a_group_header_centred_over_its_columns():
    lines = [
        "地区        住宿费标准                    伙食补助费",
        "            部级      司局级    其他人员",
        "北京        1100      650       500       100",
        "",
        "上海        1100      600       500       100",
        "以上为调整后的标准。",
    ]

    table, after = text_blocks(lines)

    assert texts(table) == [
        ["地区", "住宿费标准", "", "", "伙食补助费"],
        ["", "部级", "司局级", "其他人员", ""],
        ["北京", "1100", "650", "500", "100"],
        ["上海", "1100", "600", "500", "100"],
    ]
    assert after == "以上为调整后的标准。"


def test_prose_with_wide_spaces_is_no_table():
    lines = ["一、  总则", "二、  适用范围", "本办法自印发之日起施行。"]

    assert text_blocks(lines) == ["一、  总则", "二、  适用范围", "本办法自印发之日起施行。"]
