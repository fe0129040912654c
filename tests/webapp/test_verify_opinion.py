"""依据核查 of a whole review opinion: 17 citations in every bracket style, by title, by 文号 and
by clause, of real and illustrative standards and of documents (some replaced), checked through
``POST /api/v1/verify`` and ``kb verify`` on .txt and .docx. The expected statuses follow from
the data imported here: the bundled corpus and a documents file of two Shanghai notices."""

from __future__ import annotations

import json

import docx
import pytest
from click.testing import CliRunner

from indexer.ingest import ingest
from kb.config import Settings
from kb.db import close_database
from kb.db import open_database
from tests.conftest import CORPUS
from webapp import create_app
from webapp.cli import cli

SHANGHAI_NOTICES = (
    "文号,标题,办法名称,发文机关,施行日期,失效日期,状态,替代文件\n"
    "沪财行〔2014〕3号,上海市财政局关于印发《上海市市级机关会议费管理办法》的通知,"
    "上海市市级机关会议费管理办法,上海市财政局,2014-03-01,2024-04-30,已被替代,沪财行〔2024〕9号\n"
    "沪财行〔2024〕9号,上海市财政局关于印发《上海市市级机关会议费管理办法》的通知（2024年）,"
    "上海市市级机关会议费管理办法,上海市财政局,2024-05-01,,现行有效,\n"
)
PLAN = "青浦区2024年度全面推开成本预算绩效管理工作方案"
OPINION = (
    "评审意见：一、会议费按《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条核定；"
    "培训费原依据财行[2013]523号，现应执行《中央和国家机关培训费管理办法》。"
    "差旅费依照《财政部关于印发〈中央和国家机关差旅费管理办法〉的通知》(财行(2013)531号)，"
    "住宿费标准按财行【2015】497号调整。"
    f"二、按《{PLAN}》［青财督〔2024〕58号］第四部分第8条开展成本分析，"
    "另申报材料所引青财督〔2024〕58号第三部分第20条不存在。"
    "三、绿化养护按QP-CQ-0001核定，不应再引QP-CQ-0101；上海住宿费按RS-CL-007核定，"
    "培训综合定额不再适用RS-PX-021，会议综合定额见RS-HY-004。"
    "四、市级会议费原依据《上海市市级机关会议费管理办法》（沪财行〔2014〕3号），"
    "现依据沪财行（2024）9号第五条。"
    "五、所附《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）库中未收录，"
    "标准QP-XX-9999亦不存在；普陀区参照《上海市普陀区2024年度全面推开成本预算绩效管理工作方案》。"
)
EXPECTED = [
    ("《中央和国家机关会议费管理办法》（财行〔2016〕214号）第十五条", "in_force", False),
    ("财行[2013]523号", "repealed", False),
    ("《中央和国家机关培训费管理办法》", "in_force", False),
    (
        "《财政部关于印发〈中央和国家机关差旅费管理办法〉的通知》(财行(2013)531号)",
        "amended",
        False,
    ),
    ("财行【2015】497号", "in_force", False),
    (f"《{PLAN}》［青财督〔2024〕58号］第四部分第8条", "in_force", False),
    ("青财督〔2024〕58号第三部分第20条", "clause_not_found", False),
    ("QP-CQ-0001", "in_force", True),
    ("QP-CQ-0101", "superseded", True),
    ("RS-CL-007", "in_force", False),
    ("RS-PX-021", "superseded", False),
    ("RS-HY-004", "in_force", False),
    ("《上海市市级机关会议费管理办法》（沪财行〔2014〕3号）", "superseded", False),
    ("沪财行（2024）9号第五条", "in_force", False),
    ("《青浦区加强成本预算绩效管理的实施方案》（青府办发〔2023〕57号）", "unknown_document", False),
    ("QP-XX-9999", "unknown_standard", False),
    ("《上海市普陀区2024年度全面推开成本预算绩效管理工作方案》", "in_force", False),
]
DAY = "2025-06-01"


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("opinion")
    notices = folder / "shanghai-notices.csv"
    notices.write_text(SHANGHAI_NOTICES, encoding="utf-8")
    settings = Settings.for_instance(folder / "instance", secret_key="test-secret")
    factory = open_database(settings)
    with factory() as session:
        report = ingest(settings, session, [CORPUS, notices])
        session.commit()
    assert report.ok, [f.problems for f in report.files if f.rejected]
    close_database(factory)
    return settings


def _statuses(results):
    return [(r["found"]["raw"], r["status"], r["illustrative"]) for r in results]


def test_the_api_reports_every_citation_of_the_opinion(instance):
    client = create_app(instance).test_client()

    body = client.post("/api/v1/verify", json={"text": OPINION, "on": DAY}).get_json()

    assert _statuses(body["results"]) == EXPECTED
    by_raw = {r["found"]["raw"]: r for r in body["results"]}
    replaced = by_raw["《上海市市级机关会议费管理办法》（沪财行〔2014〕3号）"]
    assert replaced["successor_doc_number"] == "沪财行〔2024〕9号"
    assert "现行文件为《上海市市级机关会议费管理办法》（沪财行〔2024〕9号）" in replaced["message"]
    assert by_raw["财行[2013]523号"]["successor_doc_number"] == "财行〔2016〕540号"
    assert by_raw["《中央和国家机关培训费管理办法》"]["doc_number"] == "财行〔2016〕540号"
    assert by_raw["沪财行（2024）9号第五条"]["text_held"] is False
    assert "未收录全文，第五条未核对" in by_raw["沪财行（2024）9号第五条"]["message"]
    # Codes with a history: the version in force that day, or the lapsed one said so.
    assert (by_raw["RS-CL-007"]["version"], by_raw["RS-HY-004"]["version"]) == (2, 2)
    assert by_raw["RS-PX-021"]["message"] == (
        "中央和国家机关培训费综合定额（综合定额合计，2014版）（RS-PX-021，第1版）"
        "已于2016-12-31失效（已被修订）；库中没有后续版本，其依据《中央和国家机关培训费管理办法》"
        "（财行〔2013〕523号）已被《中央和国家机关培训费管理办法》（财行〔2016〕540号）替代"
    )
    assert by_raw["RS-PX-021"]["successor_doc_number"] == "财行〔2016〕540号"
    example = by_raw["QP-CQ-0001"]
    assert example["message"].startswith("示例，不得作为依据：")
    assert example["status_label"] == "现行有效（示例，不得作为依据）"


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
def test_kb_verify_reports_the_same_on_txt_and_docx(instance, tmp_path, monkeypatch, suffix):
    path = tmp_path / f"评审意见{suffix}"
    if suffix == ".txt":
        path.write_text(OPINION, encoding="utf-8")
    else:
        document = docx.Document()
        document.add_paragraph(OPINION)
        document.save(path)
    monkeypatch.setenv("KB_INSTANCE_DIR", str(instance.instance_dir))
    monkeypatch.setenv("KB_SECRET_KEY", instance.secret_key)
    monkeypatch.setenv("KB_DATABASE_URL", instance.database_url)
    runner = CliRunner()

    as_json = runner.invoke(cli, ["verify", str(path), "--on", DAY, "--json"])
    lines = runner.invoke(cli, ["verify", str(path), "--on", DAY]).output

    assert _statuses(json.loads(as_json.output)["results"]) == EXPECTED
    assert "8. [现行有效（示例，不得作为依据）] QP-CQ-0001" in lines
    assert "13. [已被替代] 《上海市市级机关会议费管理办法》（沪财行〔2014〕3号）" in lines
