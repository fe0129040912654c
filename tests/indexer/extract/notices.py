"""Notices written for the extraction tests, in the layouts real notices use, with real figures.

The figures are those of the central notices (财行〔2016〕214号, 财行〔2013〕531号 附件,
财行〔2015〕497号 附件, 财行〔2016〕540号, 财科教〔2017〕128号) as the corpus records them;
the prose around the tables is written here, not copied. Each builder writes one file and
returns its path; ``EXPECTED_*`` hold the figures each notice must yield, literally.
"""

from __future__ import annotations

from pathlib import Path

import docx

MEETING_TITLE = "财政部 国家机关事务管理局 中共中央直属机关事务管理局关于印发《中央和国家机关会议费管理办法》的通知"

#: (grade, item, value) of the 会议费 table (财行〔2016〕214号 第十五条), 三、四类 one merged row.
EXPECTED_MEETING = [
    ("一类会议", "一类会议·住宿费", "500"),
    ("一类会议", "一类会议·伙食费", "150"),
    ("一类会议", "一类会议·其他费用", "110"),
    ("一类会议", "一类会议·合计", "760"),
    ("二类会议", "二类会议·住宿费", "400"),
    ("二类会议", "二类会议·伙食费", "150"),
    ("二类会议", "二类会议·其他费用", "100"),
    ("二类会议", "二类会议·合计", "650"),
    ("三类会议", "三类会议·住宿费", "340"),
    ("四类会议", "四类会议·住宿费", "340"),
    ("三类会议", "三类会议·伙食费", "130"),
    ("四类会议", "四类会议·伙食费", "130"),
    ("三类会议", "三类会议·其他费用", "80"),
    ("四类会议", "四类会议·其他费用", "80"),
    ("三类会议", "三类会议·合计", "550"),
    ("四类会议", "四类会议·合计", "550"),
]

#: The 2014 table (财行〔2013〕531号 附件): region, 部级, 司局级, 其他人员, 伙食补助费.
TRAVEL_2014 = [
    ("北京", "800", "500", "350", "100"),
    ("天津", "800", "450", "320", "100"),
    ("上海", "800", "500", "350", "100"),
    ("江苏", "800", "490", "340", "100"),
    ("西藏", "800", "500", "350", "120"),
]

#: The 2016 table (财行〔2015〕497号 附件): region as listed, three rates, then the high season.
TRAVEL_2016 = [
    ("北京", ("1100", "650", "500"), None),
    ("天津", ("800", "480", "380"), None),
    ("大连", ("800", "490", "350"), ("7-9月", ("960", "590", "420"), "20%")),
    ("上海", ("1100", "600", "500"), None),
    ("黑龙江（哈尔滨）", ("800", "450", "350"), ("7-9月", ("960", "540", "420"), "20%")),
    ("海南（海口）", ("800", "500", "350"), ("11-2月", ("1040", "650", "450"), "30%")),
    ("西藏（拉萨）", ("800", "500", "350"), ("6-9月", ("1200", "750", "530"), "50%")),
]


def meeting_docx(folder: Path) -> Path:
    """214号 as Word: caption with the unit above, one header row, 三、四类会议 in one row,
    a note paragraph under the table."""
    document = docx.Document()
    document.add_paragraph(MEETING_TITLE)
    document.add_paragraph("财行〔2016〕214号")
    document.add_paragraph("党中央有关部门，国务院各部委、各直属机构：")
    document.add_paragraph("现将《中央和国家机关会议费管理办法》印发给你们，请遵照执行。")
    document.add_paragraph("第十五条 会议费开支实行综合定额控制，各项费用之间可以调剂使用。")
    document.add_paragraph("会议费综合定额标准表")
    document.add_paragraph("单位：元/人天")
    rows = [
        ("会议类别", "住宿费", "伙食费", "其他费用", "合计"),
        ("一类会议", "500", "150", "110", "760"),
        ("二类会议", "400", "150", "100", "650"),
        ("三、四类会议", "340", "130", "80", "550"),
    ]
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.add_paragraph(
        "注：综合定额标准是会议费开支的上限，各单位应在综合定额标准以内结算报销。"
    )
    document.add_paragraph("第二十九条 本办法自2016年7月1日起施行。")
    path = folder / "会议费管理办法.docx"
    document.save(str(path))
    return path


def travel_2014_docx(folder: Path) -> Path:
    """531号 附件 as Word: title and 单位：元 above; 省份 and 伙食补助费标准 merged down two
    rows, 住宿费标准 merged across three; the grade headers carry bracketed room types."""
    document = docx.Document()
    document.add_paragraph("财政部关于印发《中央和国家机关差旅费管理办法》的通知")
    document.add_paragraph("财行〔2013〕531号")
    document.add_paragraph("第二十五条 本办法自2014年1月1日起施行。")
    document.add_paragraph("附件")
    document.add_paragraph("中央和国家机关差旅住宿费和伙食补助费标准表")
    document.add_paragraph("单位：元")
    table = document.add_table(rows=2 + len(TRAVEL_2014), cols=5)
    table.style = "Table Grid"
    table.cell(0, 0).merge(table.cell(1, 0)).text = "省份"
    table.cell(0, 1).merge(table.cell(0, 3)).text = "住宿费标准"
    table.cell(0, 4).merge(table.cell(1, 4)).text = "伙食补助费标准"
    for c, text in enumerate(
        ("部级（普通套间）", "司局级（单间或标准间）", "其他人员（单间或标准间）"), start=1
    ):
        table.cell(1, c).text = text
    for r, values in enumerate(TRAVEL_2014, start=2):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    path = folder / "差旅住宿费标准表.docx"
    document.save(str(path))
    return path


def travel_2016_html(folder: Path, *, address: str | None = None) -> Path:
    """497号 附件 as a web page: three header rows, 序号, empty cells where a city has no high
    season, a unit line 金额单位：元/人.天 and a note under the table."""
    head = (
        "<tr><th rowspan='3'>序号</th><th rowspan='3'>地区（城市）</th>"
        "<th colspan='3' rowspan='2'>住宿费标准</th><th colspan='5'>淡旺季浮动标准建议</th></tr>"
        "<tr><th rowspan='2'>旺季期间</th><th colspan='3'>旺季上浮价</th>"
        "<th rowspan='2'>上浮比例</th></tr>"
        "<tr><th>部级</th><th>司局级</th><th>其他人员</th>"
        "<th>部级</th><th>司局级</th><th>其他人员</th></tr>"
    )
    body = ""
    for number, (region, rates, season) in enumerate(TRAVEL_2016, start=1):
        cells = [str(number), region, *rates]
        cells += [season[0], *season[1], season[2]] if season else [""] * 5
        body += "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
    canonical = f"<link rel='canonical' href='{address}'>" if address else ""
    page = f"""<!doctype html><html><head><meta charset="utf-8">{canonical}
<title>关于调整中央和国家机关差旅住宿费标准等有关问题的通知</title></head><body>
<nav>首页 &gt; 政策法规</nav>
<h1>财政部关于调整中央和国家机关差旅住宿费标准等有关问题的通知</h1>
<p>财行〔2015〕497号</p>
<p>一、调整后的住宿费标准详见附件，自2016年1月1日起执行。</p>
<p>附件</p><p>中央和国家机关工作人员赴地方差旅住宿费标准调整表</p>
<p>金额单位：元/人.天</p>
<table border="1">{head}{body}</table>
<p>注：旺季上浮价为旺季期间住宿费的上限。</p>
</body></html>"""
    path = folder / "差旅住宿费调整.html"
    path.write_text(page, encoding="utf-8")
    return path


EXPERT_TXT = """财政部关于印发《中央财政科研项目专家咨询费管理办法》的通知
财科教〔2017〕128号
第六条 专家咨询费标准如下：
人员类别                    会议、现场访谈（元/人天）
高级专业技术职称人员        1500—2400
其他专业人员                900-1500
院士、全国知名专家          可按上述标准上浮50%
注：以上标准为税后金额。
"""


def expert_txt(folder: Path) -> Path:
    """128号 as plain text: columns aligned with spaces, ranges with two kinds of dash, the unit
    in the header's brackets, and a cell of words where a figure would stand."""
    path = folder / "专家咨询费.txt"
    path.write_text(EXPERT_TXT, encoding="utf-8")
    return path


TRAINING_ROWS = [
    ("一类培训", "500", "150", "80", "30", "760"),
    ("三类培训", "340", "130", "50", "30", "550"),
]


def training_docx(folder: Path) -> Path:
    """540号 第九条 as Word, the source of the committed PDF: a table announced by 如下：, the
    unit line above it, and the notes on the classes below it."""
    document = docx.Document()
    document.add_paragraph(
        "财政部 中共中央组织部 国家公务员局关于印发《中央和国家机关培训费管理办法》的通知"
    )
    document.add_paragraph("财行〔2016〕540号")
    document.add_paragraph("第九条 培训费实行分类综合定额标准，综合定额标准如下：")
    document.add_paragraph("单位：元/人天")
    header = ("培训类别", "住宿费", "伙食费", "场地、资料、交通费", "其他费用", "合计")
    table = document.add_table(rows=1 + len(TRAINING_ROWS), cols=6)
    table.style = "Table Grid"
    for r, values in enumerate([header, *TRAINING_ROWS]):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.add_paragraph("注：一类培训是指参训人员主要为省部级及相应人员的培训项目。")
    document.add_paragraph("三类培训是指参训人员主要为处级及以下人员的培训项目。")
    document.add_paragraph("第三十一条 本办法自2017年1月1日起施行。")
    path = folder / "培训费管理办法.docx"
    document.save(str(path))
    return path


def no_table_txt(folder: Path) -> Path:
    path = folder / "无表格通知.txt"
    path.write_text(
        "关于做好2024年预算编制工作的通知\n一、各单位应当按时报送预算。\n二、本通知自印发之日起施行。\n",
        encoding="utf-8",
    )
    return path
