"""indexer/extract: notices written in the layouts real notices use, each yielding exactly its figures.

The notices are built by ``notices.py`` (Word with merged cells, a web page with three header
rows, aligned plain text) or committed (a PDF printed by LibreOffice); their figures are the
real central ones.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import docx
import pytest

from indexer.extract import Scope
from indexer.extract import extract
from kb.errors import InvalidInput
from kb.errors import UnsupportedFile
from kb.vocab import Kind
from kb.vocab import Level
from kb.vocab import Status
from tests.indexer.extract import notices

DATA = Path(__file__).parent / "data"


def figures(found) -> list[tuple]:
    return [
        (r.record.region, r.record.grade, r.record.item, format(r.record.value, "f"))
        for r in found.rows
    ]


def test_a_word_notice_yields_every_figure_of_its_table_with_the_merged_row_split(tmp_path):
    found = extract(notices.meeting_docx(tmp_path))

    assert [(g, i, v) for _, g, i, v in figures(found)] == notices.EXPECTED_MEETING
    assert found.problems == ()
    first = found.rows[0].record
    assert first.name == "会议费综合定额标准（一类会议·住宿费）"
    assert (first.kind, first.level, first.region, first.domain, first.category) == (
        Kind.EXPENDITURE,
        Level.CENTRAL,
        "全国",
        "机关运行",
        "会议费",
    )
    assert (first.unit, first.status, first.effective_from) == (
        "元/人·天",
        Status.DRAFT,
        dt.date(2016, 7, 1),
    )
    assert first.basis == "《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条"
    assert first.source == "《中央和国家机关会议费管理办法》（财行〔2016〕214号）"
    assert first.conditions == "综合定额标准是会议费开支的上限，各单位应在综合定额标准以内结算报销"
    assert (found.rows[0].table, found.rows[0].row, found.rows[0].column) == (1, 2, 2)


def test_merged_headers_give_region_grade_and_item_and_the_unit_comes_from_the_caption(tmp_path):
    found = extract(notices.travel_2014_docx(tmp_path))

    expected = []
    for region, *values in notices.TRAVEL_2014:
        place = {"北京": "北京市", "天津": "天津市", "上海": "上海市", "江苏": "江苏省"}.get(
            region, "西藏自治区"
        )
        for grade, value in zip(("部级", "司局级", "其他人员"), values, strict=False):
            expected.append((place, grade, f"住宿费·{grade}", value))
        expected.append((place, None, "伙食补助费", values[3]))
    assert figures(found) == expected
    assert {r.record.unit for r in found.rows} == {"元"}
    assert found.rows[0].record.conditions == "部级（普通套间）"
    assert found.rows[0].record.basis == "《中央和国家机关差旅费管理办法》（财行〔2013〕531号）附件"
    assert found.rows[0].record.effective_from == dt.date(2014, 1, 1)


def test_a_pdf_table_with_merged_cells_reads_like_the_word_one():
    found = extract(DATA / "差旅住宿费标准表2014.pdf")

    assert len(found.rows) == 20
    shanghai = {(r.record.grade, r.record.value) for r in found.rows if r.record.region == "上海市"}
    assert shanghai == {("部级", D(800)), ("司局级", D(500)), ("其他人员", D(350)), (None, D(100))}
    assert found.rows[-1].record.item == "伙食补助费"
    assert found.rows[-1].record.value == D(120)
    assert "伙食补助费按出差自然（日历）天数计算" in found.rows[-1].record.conditions


def test_a_web_page_with_three_header_rows_and_blank_high_season_cells(tmp_path):
    found = extract(notices.travel_2016_html(tmp_path, address="https://example.gov.cn/497.htm"))

    assert len(found.rows) == 7 * 3 + 4 * 3  # every city's rates, and the high season of four
    rates = {(r.record.region, r.record.item): r.record.value for r in found.rows}
    assert rates[("上海市", "住宿费·司局级")] == D(600)
    assert rates[("大连市", "旺季上浮价·其他人员")] == D(420)
    assert rates[("海南省", "旺季上浮价·部级")] == D(1040)
    assert ("上海市", "旺季上浮价·部级") not in rates
    dalian = next(r.record for r in found.rows if r.record.item == "旺季上浮价·部级")
    assert dalian.conditions == "旺季期间：7-9月；上浮比例：20%；旺季上浮价为旺季期间住宿费的上限"
    haikou = next(r.record for r in found.rows if r.record.region == "海南省")
    assert "表列“海南（海口）”" in haikou.conditions
    assert {r.record.unit for r in found.rows} == {"元/人·天"}  # from 元/人.天
    assert {r.record.source for r in found.rows} == {"https://example.gov.cn/497.htm"}
    assert (
        dalian.basis
        == "《关于调整中央和国家机关差旅住宿费标准等有关问题的通知》（财行〔2015〕497号）附件"
    )
    assert dalian.effective_from == dt.date(2016, 1, 1)


def test_ranges_in_aligned_text_and_a_cell_of_words_is_listed_not_guessed(tmp_path):
    found = extract(notices.expert_txt(tmp_path))

    assert [
        (r.record.grade, r.record.value, r.record.value_max, r.record.unit) for r in found.rows
    ] == [
        ("高级专业技术职称人员", D(1500), D(2400), "元/人·天"),
        ("其他专业人员", D(900), D(1500), "元/人·天"),
    ]
    assert [str(p) for p in found.problems] == [
        "表1第4行第2列：“可按上述标准上浮50%”不是可读取的数值（会议、现场访谈（元/人天）），"
        "未提取，请人工核对"
    ]
    assert found.rows[0].record.conditions == "以上标准为税后金额"


def test_notes_under_a_table_go_to_the_rows_they_name(tmp_path):
    found = extract(notices.training_docx(tmp_path))

    assert found.problems == ()  # the table announced by 如下： follows its unit line
    by_item = {r.record.item: r.record for r in found.rows}
    assert {i: r.value for i, r in by_item.items() if i.endswith("合计")} == {
        "一类培训·合计": D(760),
        "三类培训·合计": D(550),
    }
    assert (
        by_item["一类培训·住宿费"].conditions
        == "一类培训是指参训人员主要为省部级及相应人员的培训项目"
    )
    assert (
        by_item["三类培训·伙食费"].conditions
        == "三类培训是指参训人员主要为处级及以下人员的培训项目"
    )
    assert by_item["一类培训·合计"].name == "培训费综合定额标准（一类培训·合计）"
    assert (
        by_item["一类培训·合计"].basis
        == "《中央和国家机关培训费管理办法》（财行〔2016〕540号）第九条"
    )


def test_what_the_notice_does_not_say_comes_from_the_scope(tmp_path):
    found = extract(
        notices.expert_txt(tmp_path),
        Scope(
            level=Level.CITY,
            region="上海市",
            domain="科研",
            category="专家咨询费",
            source="https://x.test/a",
        ),
    )

    record = found.rows[0].record
    assert (record.level, record.region, record.domain, record.category, record.source) == (
        Level.CITY,
        "上海市",
        "科研",
        "专家咨询费",
        "https://x.test/a",
    )


def test_a_notice_without_a_table_of_standards_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInput) as error:
        extract(notices.no_table_txt(tmp_path))

    assert error.value.message == (
        "在 无表格通知.txt 中没有找到标准表：共有 0 个表格，其中没有一个含可读取的标准数值"
        "（如 760、1500—2400、500元/人·天）"
    )


def test_other_files_are_refused(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    with pytest.raises(UnsupportedFile):
        extract(path)


def test_a_pdf_table_without_ruling_lines_is_found_by_its_alignment():
    found = extract(DATA / "差旅住宿费标准表2014-无框线.pdf")

    ruled = extract(DATA / "差旅住宿费标准表2014.pdf")
    assert figures(found) == figures(ruled)
    assert {r.record.item for r in found.rows} == {
        "住宿费·部级",
        "住宿费·司局级",
        "住宿费·其他人员",
        "伙食补助费",
    }


def test_a_table_with_the_unit_inside_grades_across_and_items_down(tmp_path):
    page = tmp_path / "会议费.html"
    page.write_text(
        """<html><body><p>会议费综合定额标准</p><table>
<tr><td colspan="4">单位：元/人·天</td></tr>
<tr><th>项目</th><th>一类会议</th><th>二类会议</th><th>三类会议</th></tr>
<tr><td>住宿费</td><td>500元</td><td>400元</td><td>340元</td></tr>
<tr><td>伙食费</td><td>１５０</td><td>150</td><td>—</td></tr>
<tr><td>合计</td><td>７６０</td><td>650</td><td>按实际</td></tr>
</table></body></html>""",
        encoding="utf-8",
    )

    found = extract(page, Scope(level=Level.CENTRAL, region="全国"))

    assert [(r.record.grade, r.record.item, r.record.value, r.record.unit) for r in found.rows] == [
        ("一类会议", "住宿费·一类会议", D(500), "元/人·天"),
        ("二类会议", "住宿费·二类会议", D(400), "元/人·天"),
        ("三类会议", "住宿费·三类会议", D(340), "元/人·天"),
        ("一类会议", "伙食费·一类会议", D(150), "元/人·天"),
        ("二类会议", "伙食费·二类会议", D(150), "元/人·天"),
        ("一类会议", "合计·一类会议", D(760), "元/人·天"),
        ("二类会议", "合计·二类会议", D(650), "元/人·天"),
    ]
    assert [(p.row, p.column) for p in found.problems] == [(5, 4)]


def test_city_rows_under_a_province_and_text_columns_after_the_figures(tmp_path):
    page = tmp_path / "明细表.html"
    page.write_text(
        """<html><body><p>财政部关于印发《中央和国家机关工作人员赴地方差旅住宿费标准明细表》的通知</p>
<p>财行〔2016〕71号</p><p>单位：元/间·天</p><table>
<tr><th rowspan="2">序号</th><th rowspan="2">地区</th><th rowspan="2">城市（范围）</th>
<th colspan="3">住宿费标准</th><th rowspan="2">旺季期间</th><th colspan="3">旺季上浮价</th></tr>
<tr><th>部级</th><th>司局级</th><th>其他人员</th><th>部级</th><th>司局级</th><th>其他人员</th></tr>
<tr><td>1</td><td>北京</td><td>全市</td><td>1100</td><td>650</td><td>500</td><td></td><td></td><td></td><td></td></tr>
<tr><td>9</td><td>上海</td><td>全市</td><td>1100</td><td>600</td><td>500</td><td></td><td></td><td></td><td></td></tr>
<tr><td>12</td><td>黑龙江</td><td>哈尔滨市</td><td>800</td><td>450</td><td>350</td><td>7-9月</td>
<td>960</td><td>540</td><td>420</td></tr>
</table></body></html>""",
        encoding="utf-8",
    )

    found = extract(page)

    assert [(r.record.region, r.record.item, r.record.value) for r in found.rows][-4:] == [
        ("黑龙江省", "哈尔滨市·住宿费·其他人员", D(350)),
        ("黑龙江省", "哈尔滨市·旺季上浮价·部级", D(960)),
        ("黑龙江省", "哈尔滨市·旺季上浮价·司局级", D(540)),
        ("黑龙江省", "哈尔滨市·旺季上浮价·其他人员", D(420)),
    ]
    assert len(found.rows) == 12  # the 序号 column gives no figure
    assert found.rows[-1].record.conditions == "旺季期间：7-9月"
    assert {r.record.unit for r in found.rows} == {"元/间·天"}
    assert (
        found.rows[0].record.name
        == "中央和国家机关工作人员赴地方差旅住宿费标准（北京市·全市·住宿费·部级）"
    )


def test_a_repost_that_lost_its_table_says_so(tmp_path):
    path = tmp_path / "培训费转载.txt"
    path.write_text(
        "关于印发《中央和国家机关培训费管理办法》的通知\n财行〔2016〕540号\n"
        "第九条 培训费实行分类综合定额标准，各项费用之间可以调剂使用。综合定额标准如下：\n"
        "单位：元/人天\n注：一类培训是指参训人员主要为省部级及相应人员的培训项目。\n",
        encoding="utf-8",
    )

    with pytest.raises(InvalidInput) as error:
        extract(path)

    assert error.value.message.endswith(
        "；第九条写有“综合定额标准如下：”，其后却没有表格（转载常丢失表格），请找原件核对"
    )


def test_values_separated_by_tabs_and_a_contact_table_that_holds_no_standards(tmp_path):
    path = tmp_path / "会议费.txt"
    path.write_text(
        "会议费综合定额标准表\n单位：元/人·天\n"
        "会议类别\t住宿费\t伙食费\t其他费用\t合计\n"
        "一类会议\t500\t150\t110\t760\n"
        "二类会议\t400\t150\t100\t650\n"
        "\n联系人及电话\n"
        "联系人    联系电话\n"
        "张某      12345678\n"
        "李某      87654321\n",
        encoding="utf-8",
    )

    found = extract(path, Scope(level=Level.CENTRAL, region="全国"))

    assert [(r.record.item, r.record.value) for r in found.rows] == [
        ("一类会议·住宿费", D(500)),
        ("一类会议·伙食费", D(150)),
        ("一类会议·其他费用", D(110)),
        ("一类会议·合计", D(760)),
        ("二类会议·住宿费", D(400)),
        ("二类会议·伙食费", D(150)),
        ("二类会议·其他费用", D(100)),
        ("二类会议·合计", D(650)),
    ]
    assert (found.tables, found.standards_tables, found.problems) == (2, 1, ())


def test_title_unit_and_note_rows_inside_a_word_table_and_a_province_merged_down(tmp_path):
    document = docx.Document()
    document.add_paragraph("财政部关于调整中央和国家机关差旅住宿费标准等有关问题的通知")
    document.add_paragraph("财行〔2015〕497号")
    table = document.add_table(rows=6, cols=5)
    table.cell(0, 0).merge(table.cell(0, 4)).text = "附表：差旅住宿费标准调整表（节选）"
    table.cell(1, 4).text = "单位：元/人·天"
    for c, text in enumerate(("省份", "城市", "部级", "司局级", "其他人员")):
        table.cell(2, c).text = text
    table.cell(3, 0).merge(table.cell(4, 0)).text = "江苏"
    for c, text in enumerate(("南京", "900", "490", "380"), start=1):
        table.cell(3, c).text = text
    for c, text in enumerate(("其他市县", "—", "—", "—"), start=1):
        table.cell(4, c).text = text
    table.cell(5, 0).merge(table.cell(5, 4)).text = "说明：其他市县按财政部明细表执行。"
    path = tmp_path / "节选.docx"
    document.save(str(path))

    found = extract(path)

    assert [
        (r.row, r.column, r.record.region, r.record.item, r.record.value, r.record.unit)
        for r in found.rows
    ] == [
        (4, 3, "江苏省", "南京·部级", D(900), "元/人·天"),
        (4, 4, "江苏省", "南京·司局级", D(490), "元/人·天"),
        (4, 5, "江苏省", "南京·其他人员", D(380), "元/人·天"),
    ]
    assert found.rows[0].record.name == "差旅住宿费标准调整（江苏省·南京·部级）"
    assert found.problems == ()


def test_a_table_broken_across_pages_keeps_its_header(tmp_path):
    page = tmp_path / "分页.html"
    page.write_text(
        """<html><body><p>中央和国家机关差旅住宿费和伙食补助费标准表</p><p>单位：元</p>
<table><tr><th>省份</th><th>部级</th><th>司局级</th><th>其他人员</th></tr>
<tr><td>北京</td><td>800</td><td>500</td><td>350</td></tr></table>
<p>—1—</p>
<table><tr><td>上海</td><td>800</td><td>500</td><td>350</td></tr></table>
</body></html>""",
        encoding="utf-8",
    )

    found = extract(page, Scope(level=Level.CENTRAL))

    assert [(r.table, r.record.region, r.record.grade, r.record.unit) for r in found.rows][-3:] == [
        (2, "上海市", "部级", "元"),
        (2, "上海市", "司局级", "元"),
        (2, "上海市", "其他人员", "元"),
    ]


def test_a_unit_column_gives_each_row_its_unit_and_limits_go_to_the_conditions(tmp_path):
    page = tmp_path / "讲课费.html"
    page.write_text(
        """<html><body><p>第十条 讲课费标准如下：</p><table>
<tr><th>讲课人员</th><th>计量单位</th><th>标准</th></tr>
<tr><td>副高级技术职称专业人员</td><td>元/学时</td><td>最高不超过500</td></tr>
<tr><td>正高级技术职称专业人员</td><td>元/学时</td><td>最高不超过1000</td></tr>
<tr><td>院士、全国知名专家</td><td>元/学时</td><td>一般不超过1500</td></tr>
</table></body></html>""",
        encoding="utf-8",
    )

    found = extract(page, Scope(level=Level.CENTRAL, region="全国"))

    assert [
        (r.record.grade, r.record.item, r.record.value, r.record.unit, r.record.conditions)
        for r in found.rows
    ] == [
        ("副高级技术职称专业人员", "副高级技术职称专业人员", D(500), "元/学时", "最高不超过"),
        ("正高级技术职称专业人员", "正高级技术职称专业人员", D(1000), "元/学时", "最高不超过"),
        ("院士、全国知名专家", "院士、全国知名专家", D(1500), "元/学时", "一般不超过"),
    ]
    assert found.rows[0].record.name == "讲课费标准（副高级技术职称专业人员）"
    assert found.rows[0].record.category == "培训费"


def test_a_row_numbering_the_columns_and_a_unit_in_the_stub_header(tmp_path):
    page = tmp_path / "会议费.html"
    page.write_text(
        """<html><body><p>会议费综合定额标准表</p><table>
<tr><th>会议类别（单位：元/人·天）</th><th>住宿费</th><th>伙食费</th><th>其他费用</th><th>合计</th></tr>
<tr><td>栏次</td><td>1</td><td>2</td><td>3</td><td>4</td></tr>
<tr><td>一类会议</td><td>500</td><td>150</td><td>110</td><td>760</td></tr>
</table></body></html>""",
        encoding="utf-8",
    )

    found = extract(page, Scope(level=Level.CENTRAL, region="全国"))

    assert [(r.row, r.record.item, r.record.value, r.record.unit) for r in found.rows] == [
        (3, "一类会议·住宿费", D(500), "元/人·天"),
        (3, "一类会议·伙食费", D(150), "元/人·天"),
        (3, "一类会议·其他费用", D(110), "元/人·天"),
        (3, "一类会议·合计", D(760), "元/人·天"),
    ]


def test_three_header_rows_aligned_with_spaces_in_a_text_file():
    found = extract(DATA / "差旅住宿费调整表2016.txt")

    assert [(r.row, r.column, r.record.region, r.record.item, r.record.value) for r in found.rows][
        3:9
    ] == [
        (5, 3, "大连市", "住宿费·部级", D(800)),
        (5, 4, "大连市", "住宿费·司局级", D(490)),
        (5, 5, "大连市", "住宿费·其他人员", D(350)),
        (5, 7, "大连市", "旺季上浮价·部级", D(960)),
        (5, 8, "大连市", "旺季上浮价·司局级", D(590)),
        (5, 9, "大连市", "旺季上浮价·其他人员", D(420)),
    ]
    assert len(found.rows) == 15
    haikou = found.rows[-1].record
    assert (haikou.region, haikou.grade, haikou.value, haikou.unit) == (
        "海南省",
        "其他人员",
        D(450),
        "元/人·天",
    )
    assert haikou.conditions == "旺季期间：11-2月；上浮比例：30%；表列“海南（海口）”"
    assert (
        haikou.basis
        == "《关于调整中央和国家机关差旅住宿费标准等有关问题的通知》（财行〔2015〕497号）附件"
    )
