"""Any table of the usual shape gives back exactly its figures, in HTML, Word and aligned text.

Tables are generated (hypothesis): grade rows, expense columns, an optional group header over
the columns, blanks and dashes, and the unit in a caption. The figures are random numbers of a
property test, not standards.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import docx
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from indexer.extract import Scope
from indexer.extract import extract
from kb.vocab import Level

GRADES = ["一类会议", "二类会议", "三类会议", "四类会议", "一级", "二级", "三级"]
ITEMS = ["住宿费", "伙食费", "其他费用", "合计", "场地费", "交通费", "资料费"]
SCOPE = Scope(level=Level.CENTRAL, region="全国", domain="机关运行", category="会议费")


@st.composite
def tables(draw):
    grades = draw(st.lists(st.sampled_from(GRADES), min_size=1, max_size=4, unique=True))
    items = draw(st.lists(st.sampled_from(ITEMS), min_size=1, max_size=5, unique=True))
    cells = {
        (grade, item): draw(
            st.one_of(
                st.integers(min_value=1, max_value=99999).map(str),
                st.builds(lambda a, b: f"{a}—{a + b}", st.integers(1, 5000), st.integers(1, 5000)),
                st.just(""),
                st.just("—"),
            )
        )
        for grade in grades
        for item in items
    }
    group = draw(st.sampled_from([None, "综合定额标准", "开支标准"]))
    return grades, items, cells, group


def expected(grades, items, cells):
    found = []
    for grade in grades:
        for item in items:
            text = cells[(grade, item)]
            if text and text != "—":
                low, _, high = text.partition("—")
                found.append((grade, item, Decimal(low), Decimal(high) if high else None))
    return found


def read_back(path):
    return [
        (r.record.grade, r.record.item.split("·")[-1], r.record.value, r.record.value_max)
        for r in extract(path, SCOPE).rows
    ]


def html_notice(folder, grades, items, cells, group):
    head = "<tr><th rowspan='2'>类别</th>" if group else "<tr><th>类别</th>"
    if group:
        head += f"<th colspan='{len(items)}'>{group}</th></tr><tr>"
    head += "".join(f"<th>{item}</th>" for item in items) + "</tr>"
    body = "".join(
        "<tr><td>"
        + grade
        + "</td>"
        + "".join(f"<td>{cells[(grade, i)]}</td>" for i in items)
        + "</tr>"
        for grade in grades
    )
    path = folder / "notice.html"
    path.write_text(
        f"<html><body><p>标准表</p><p>单位：元/人·天</p><table>{head}{body}</table></body></html>",
        encoding="utf-8",
    )
    return path


def docx_notice(folder, grades, items, cells, group):
    document = docx.Document()
    document.add_paragraph("标准表")
    document.add_paragraph("单位：元/人·天")
    top = 2 if group else 1
    table = document.add_table(rows=top + len(grades), cols=1 + len(items))
    if group:
        table.cell(0, 0).merge(table.cell(1, 0)).text = "类别"
        table.cell(0, 1).merge(table.cell(0, len(items))).text = group
    else:
        table.cell(0, 0).text = "类别"
    for c, item in enumerate(items, start=1):
        table.cell(top - 1, c).text = item
    for r, grade in enumerate(grades, start=top):
        table.cell(r, 0).text = grade
        for c, item in enumerate(items, start=1):
            table.cell(r, c).text = cells[(grade, item)]
    path = folder / "notice.docx"
    document.save(str(path))
    return path


def text_notice(folder, grades, items, cells, group):
    width = 14

    def line(first, rest):
        return first + "".join(pad(text, width) for text in rest)

    def pad(text, size):
        shown = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
        return text + " " * max(2, size - shown)

    lines = ["标准表", "单位：元/人·天"]
    if group:
        lines.append(pad("", 10) + group)
    lines.append(line(pad("类别", 10), items))
    for grade in grades:
        lines.append(line(pad(grade, 10), [cells[(grade, i)] or "—" for i in items]))
    path = folder / "notice.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_figure_comes_back_exactly(table):
    grades, items, cells, group = table
    figures = expected(grades, items, cells)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for write in (html_notice, docx_notice, text_notice):
            if not figures:
                continue
            assert read_back(write(folder, grades, items, cells, group)) == figures, write.__name__


PLACES = {
    "北京": "北京市",
    "上海": "上海市",
    "江苏": "江苏省",
    "西藏": "西藏自治区",
    "大连": "大连市",
}
RANKS = ["部级", "司局级", "其他人员"]


@st.composite
def travel_tables(draw):
    places = draw(st.lists(st.sampled_from(sorted(PLACES)), min_size=1, max_size=5, unique=True))
    meals = draw(st.booleans())
    serial = draw(st.booleans())
    figure = st.one_of(st.integers(min_value=100, max_value=2000).map(str), st.just(""))
    cells = {(p, r): draw(figure) for p in places for r in [*RANKS, "伙食补助费"]}
    return places, meals, serial, cells


def travel_expected(places, meals, cells):
    found = []
    for place in places:
        for rank in [*RANKS, *(["伙食补助费"] if meals else [])]:
            if cells[(place, rank)]:
                grade = None if rank == "伙食补助费" else rank
                found.append((PLACES[place], grade, Decimal(cells[(place, rank)])))
    return found


def travel_html(folder, places, meals, serial, cells):
    lead = "<th rowspan='2'>序号</th>" if serial else ""
    head = f"<tr>{lead}<th rowspan='2'>省份</th><th colspan='3'>住宿费标准</th>"
    head += "<th rowspan='2'>伙食补助费标准</th></tr>" if meals else "</tr>"
    head += "<tr>" + "".join(f"<th>{rank}</th>" for rank in RANKS) + "</tr>"
    body = ""
    for number, place in enumerate(places, start=1):
        ranks = [*RANKS, *(["伙食补助费"] if meals else [])]
        first = f"<td>{number}</td>" if serial else ""
        body += f"<tr>{first}<td>{place}</td>"
        body += "".join(f"<td>{cells[(place, r)]}</td>" for r in ranks) + "</tr>"
    path = folder / "travel.html"
    path.write_text(
        f"<html><body><p>差旅住宿费标准表</p><p>单位：元/人·天</p><table>{head}{body}</table>"
        "<p>注：表中为上限。</p></body></html>",
        encoding="utf-8",
    )
    return path


def travel_docx(folder, places, meals, serial, cells):
    document = docx.Document()
    document.add_paragraph("差旅住宿费标准表")
    document.add_paragraph("单位：元/人·天")
    shift = 1 if serial else 0
    ranks = [*RANKS, *(["伙食补助费"] if meals else [])]
    table = document.add_table(rows=2 + len(places), cols=1 + shift + len(ranks))
    if serial:
        table.cell(0, 0).merge(table.cell(1, 0)).text = "序号"
    table.cell(0, shift).merge(table.cell(1, shift)).text = "省份"
    table.cell(0, shift + 1).merge(table.cell(0, shift + 3)).text = "住宿费标准"
    if meals:
        table.cell(0, shift + 4).merge(table.cell(1, shift + 4)).text = "伙食补助费标准"
    for c, rank in enumerate(RANKS, start=shift + 1):
        table.cell(1, c).text = rank
    for r, place in enumerate(places, start=2):
        if serial:
            table.cell(r, 0).text = str(r - 1)
        table.cell(r, shift).text = place
        for c, rank in enumerate(ranks, start=shift + 1):
            table.cell(r, c).text = cells[(place, rank)]
    path = folder / "travel.docx"
    document.save(str(path))
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(travel_tables())
def test_every_rate_of_a_travel_table_comes_back_with_its_place_and_rank(table):
    places, meals, serial, cells = table
    figures = travel_expected(places, meals, cells)
    if not figures:
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        for write in (travel_html, travel_docx):
            found = extract(write(folder, places, meals, serial, cells), SCOPE)
            assert [
                (r.record.region, r.record.grade, r.record.value) for r in found.rows
            ] == figures
            assert {r.record.unit for r in found.rows} == {"元/人·天"}
