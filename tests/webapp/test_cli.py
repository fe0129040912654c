"""Every ``kb`` command through click's CliRunner, against a fresh instance."""

import csv
import json
import os
import pty
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine
from sqlalchemy import inspect

from indexer.ingest import iter_files
from tests.conftest import CORPUS
from tests.indexer.extract import notices
from webapp.cli import cli

STANDARDS = CORPUS / "standards" / "real-standards.csv"


@pytest.fixture
def kb(settings, monkeypatch):
    """Run ``kb`` with the test instance's settings; returns the click result."""
    monkeypatch.setenv("KB_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("KB_SECRET_KEY", settings.secret_key)
    monkeypatch.setenv("KB_DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def run(*args, code=0):
        result = runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return run


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_chinese_help_with_an_example(kb, command):
    output = kb(command, "--help").output
    assert "示例：kb" in output


def test_init_is_idempotent(kb, settings):
    kb("init")
    output = kb("init").output

    engine = create_engine(settings.database_url)
    assert {"standard", "standard_version", "document", "clause"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()
    assert "0 个标准版本" in output


def test_ingest_reports_per_file_and_reingest_changes_nothing(kb):
    first = kb("ingest", CORPUS).output
    again = kb("ingest", CORPUS).output

    assert "real-standards.csv：新增 174，更新 49，未变 0" in first  # 49 codes have history
    assert "real-standards.csv：新增 0，更新 0，未变 223" in again
    assert "qingpu-2024-cost-budget-performance-plan.txt：新增 1" in first


def test_a_bad_row_rejects_the_file_naming_row_and_column_and_changes_nothing(kb, tmp_path):
    with STANDARDS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:3])
        writer.writerow(rows[3] | {"value": "七百六"})
    kb("ingest", bad, code=1)
    output = kb("ingest", bad, code=1).output

    assert "拒绝" in output
    assert "第5行 “标准值”列" in output
    assert json.loads(kb("search", "会议费", "--json").output)["total"] == 0


def test_export_then_reimport_changes_nothing(kb, tmp_path):
    kb("ingest", CORPUS)
    for suffix in (".csv", ".xlsx", ".json"):
        exported = tmp_path / f"all{suffix}"
        assert "已导出 255 条标准" in kb("export", exported).output
        output = kb("ingest", exported).output
        assert "新增 0，更新 0，未变 255" in output, output


def test_export_writes_chinese_labels_as_the_interchange_file_does(kb, tmp_path):
    from kb.files.tables import read_table
    from kb.vocab import Kind
    from kb.vocab import Level
    from kb.vocab import Status

    kb("ingest", CORPUS)
    exported = tmp_path / "all.csv"
    kb("export", exported)

    rows = [cells for _, cells in read_table(exported).rows]
    assert {r["标准类型"] for r in rows} == {k.label for k in Kind}
    assert {r["层级"] for r in rows} <= {level.label for level in Level}
    assert {r["状态"] for r in rows} <= {status.label for status in Status}
    assert {r["已核实"] for r in rows} <= {"是", "否", ""}


def test_search_from_the_terminal_highlights_whole_words(kb):
    kb("ingest", CORPUS)

    output = kb("search", "双监控").output

    assert "【双监控】" in output
    assert "四.8" in output or "青浦区2024年度全面推开成本预算绩效管理工作方案" in output


def test_search_json_has_the_api_shape(kb):
    kb("ingest", CORPUS)

    body = json.loads(kb("search", "会议费", "--kind", "expenditure", "--json").output)

    assert set(body) >= {"total", "page", "per_page", "results", "facets"}
    hit = body["results"][0]
    assert hit["type"] == "standard" and hit["kind"] == "expenditure"
    assert hit["value"] and hit["unit"]


def test_search_on_a_date(kb):
    kb("ingest", CORPUS)

    body = json.loads(kb("search", "差旅住宿费", "上海", "--on", "2015-06-01", "--json").output)

    assert {"RS-CL-007", "RS-CL-008", "RS-CL-009"} <= {h["code"] for h in body["results"]}


def test_bad_options_are_clear_errors(kb):
    assert "日期应为 YYYY-MM-DD" in kb("search", "x", "--on", "2015-13-01", code=2).output
    assert "不是有效的标准类型" in kb("search", "x", "--kind", "bogus", code=2).output


def test_reindex_rebuilds_from_the_database(kb, settings):
    kb("ingest", CORPUS)
    output = kb("reindex").output

    assert "索引已重建" in output
    assert json.loads(kb("search", "双监控", "--json").output)["total"] > 0


def test_search_cite_prints_the_same_text_as_the_api(kb, client):
    kb("ingest", CORPUS)

    body = json.loads(
        kb("search", "会议费", "一类会议", "--kind", "expenditure", "--cite", "--json").output
    )

    for hit in body["results"]:
        api = client.get(f"/api/v1/cite/{hit['code']}").get_json()
        assert hit["citation"] == api["text"]


def test_verify_a_text_file(kb, tmp_path):
    kb("ingest", CORPUS)
    opinion = tmp_path / "意见.txt"
    opinion.write_text(
        "按《青浦区2024年度全面推开成本预算绩效管理工作方案》(青财督[2024]58号)第四部分第8条执行。",
        encoding="utf-8",
    )

    body = json.loads(kb("verify", opinion, "--json").output)

    assert [r["status"] for r in body["results"]] == ["in_force"]
    assert "[现行有效]" in kb("verify", opinion).output


def test_compare_exports_xlsx(kb, tmp_path):
    from kb.files.tables import read_table

    kb("ingest", CORPUS)
    output = tmp_path / "对比.xlsx"

    text = kb("compare", "QP-CQ-0011", "QP-CQ-0017", "-o", output).output

    assert "中位 24.60" in text
    assert [cells["折算值"] for _, cells in read_table(output).rows][:2] == ["24.00", "25.20"]


def test_org_user_and_token_commands(kb, client):
    kb("org", "add", "青浦区财政局", "--region", "青浦区")
    added = kb("user", "add", "审核员", "--role", "reviewer", "--org", "青浦区财政局").output
    password = added.strip().splitlines()[-1].split("：", 1)[1]
    assert len(password) >= 12

    created = kb("token", "create", "审核员").output
    secret = created.strip().splitlines()[-1]
    assert secret.startswith("kb_") and " " not in secret
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/audit", headers=headers).status_code == 403

    token_id = created.split("#", 1)[1].split("，", 1)[0]
    kb("token", "revoke", token_id)
    assert client.get("/api/v1/audit", headers=headers).status_code == 401
    assert "吊销" in kb("token", "revoke", token_id, code=1).output


def test_user_add_refuses_an_unknown_organisation(kb):
    output = kb(
        "user",
        "add",
        "张三",
        "--role",
        "editor",
        "--org",
        "不存在的单位",
        "--password",
        "long-enough-1",
        code=1,
    ).output
    assert "不存在的单位" in output


def test_ingest_of_an_empty_standards_file_is_an_error(kb, tmp_path):
    empty = tmp_path / "标准.csv"
    empty.write_text("\ufeff", encoding="utf-8")

    result = kb("ingest", empty, code=1)

    assert "标准.csv 中没有标准：文件是空的" in result.output


def test_help_and_errors_are_in_chinese(kb, tmp_path):
    help_text = kb("search", "--help").output
    missing = kb("check", tmp_path / "无此文件.xlsx", code=2).output
    bad_page = kb("search", "会议费", "--page", "0", code=2).output

    assert help_text.startswith("用法：")
    assert "选项：" in help_text and "显示本帮助并退出。" in help_text
    assert "[默认：1；不小于 1]" in help_text and "[默认：10；1–100]" in help_text
    for english in ("Usage", "Options", "Show this message", "default", "TEXT", "INTEGER"):
        assert english not in help_text
    assert "错误：" in missing and "不存在" in missing and "运行“" in missing
    assert "Error" not in missing and "Invalid value" not in missing
    assert "'--page' 的值无效" in bad_page


def test_search_shows_the_best_of_each_type_in_sections(kb):
    kb("ingest", CORPUS)

    output = kb("search", "水质生态维护", "--cite").output

    assert "== 标准 16 条（另有 11 条，加 --type 查看） ==" in output
    clauses = output.split("== 条款 1 条 ==")[1]
    assert "一类事" in clauses.split("==")[0]
    assert "引用：《2024年上海市普陀区全面实施预算绩效管理情况的说明》" in clauses


def test_a_lookup_key_is_printed_once_on_the_last_line_and_revoked_by_name(kb):
    kb("init")
    kb("org", "add", "青浦区财政局", "--region", "青浦区")
    kb(
        "user",
        "add",
        "张三",
        "--role",
        "viewer",
        "--org",
        "青浦区财政局",
        "--password",
        "pw-123456789",
    )

    created = kb("key", "create", "张三").output.strip().splitlines()
    revoked = kb("key", "revoke", "张三").output
    again = kb("key", "revoke", "张三", code=1).output

    assert created[-1].startswith("kbl_") and len(created[-1]) == 36
    assert "张三 的查询密钥已吊销" in revoked
    assert "错误：账号“张三”没有有效的查询密钥" in again


def test_search_lines_mark_examples_and_replaced_standards_and_name_the_document(kb):
    kb("ingest", CORPUS)

    replaced = kb(
        "search", "RS-CL-007", "--on", "2015-06-01"
    ).output  # the 2014 rate, since replaced
    example = kb("search", "QP-CQ-0001", "--type", "standard").output
    clauses = kb("search", "双监控", "--type", "clause").output

    assert "中央和国家机关差旅住宿费标准（上海市·部级，2014版）【已被修订】" in replaced
    assert "已被修订" not in kb("search", "RS-CL-007").output  # today's 2016 rate
    assert "青浦区公共绿地一级养护成本定额【示例，不得作为依据】" in example
    assert "   出自《青浦区2024年度全面推开成本预算绩效管理工作方案》" in clauses


def test_compare_lines_mark_examples_and_replaced_standards(kb):
    kb("ingest", CORPUS)

    lines = kb("compare", "QP-CQ-0001", "QP-CQ-0101").output.splitlines()

    assert lines[0].startswith("QP-CQ-0001 第1版 青浦区【示例，不得作为依据】：")
    assert lines[1].startswith("QP-CQ-0101 第1版 青浦区【示例，不得作为依据】【已被修订】：")


def test_status_and_follow_show_and_close_the_lag(kb, settings):
    from kb import standards
    from kb.db import atomic
    from kb.db import close_database
    from kb.db import open_database
    from tests.factories import make_standard

    kb("init")
    factory = open_database(settings)
    with factory() as session, atomic(session):
        standards.write(session, make_standard(code="QP-CQ-0001"))
    close_database(factory)

    behind = json.loads(kb("status", "--json").output)
    followed = kb("follow", "--once").output
    caught_up = json.loads(kb("status", "--json").output)

    assert (behind["applied"], behind["latest"], behind["lag"]) == (0, 1, 1)
    assert "索引已跟进" in followed and "已是最新" in kb("follow", "--once").output
    assert (caught_up["applied"], caught_up["lag"]) == (1, 0)
    assert "落后 0 条" in kb("status").output


def test_reindex_names_a_record_it_had_to_skip(kb, settings):
    from decimal import Decimal

    from kb import standards
    from kb.db import close_database
    from kb.db import open_database
    from tests.factories import make_standard

    kb("init")
    factory = open_database(settings)
    with factory() as session:
        standards.write(session, make_standard(code="QP-CQ-0001"))
        standards.write(session, make_standard(code="QP-CQ-0002"))
        standards.find(session, "QP-CQ-0002").versions[0].value = Decimal("1e30")
        session.commit()
    close_database(factory)

    result = kb("reindex")

    assert "1 条记录无法编入索引，已跳过" in result.output
    assert "标准 QP-CQ-0002 无法编入索引" in result.output


def test_extract_writes_draft_rows_that_ingest_takes_whole(kb, tmp_path):
    notice = notices.meeting_docx(tmp_path)
    rows = tmp_path / "会议费.csv"

    output = kb("extract", notice, "-o", rows).output
    ingested = kb("ingest", rows).output

    assert "找到 1 个表格，其中 1 个标准表；提取 16 条（草案）" in output
    assert "会议费.csv：新增 16，更新 0，未变 0" in ingested
    with rows.open(encoding="utf-8-sig") as file:
        table = list(csv.DictReader(file))
    assert [(r["等级"], r["事项"], r["标准值"]) for r in table] == notices.EXPECTED_MEETING
    assert {r["状态"] for r in table} == {"草案"}
    found = json.loads(kb("search", "一类会议 住宿费", "--json").output)
    assert found["results"][0]["status"] == "draft"


def test_extract_lists_cells_it_cannot_read_with_their_position(kb, tmp_path):
    output = kb("extract", notices.expert_txt(tmp_path)).output

    assert (
        "表1第2行第2列  专家咨询费标准（高级专业技术职称人员·会议、现场访谈）：1500—2400 元/人·天"
        in output
    )
    assert "需要人工核对 1 处：" in output
    assert "表1第4行第2列：“可按上述标准上浮50%”不是可读取的数值" in output


def test_extract_as_json_and_to_xlsx(kb, tmp_path):
    rows = tmp_path / "差旅.xlsx"

    body = json.loads(
        kb("extract", notices.travel_2016_html(tmp_path), "-o", rows, "--json").output
    )

    assert body["notice"]["doc_number"] == "财行〔2015〕497号"
    assert len(body["rows"]) == 33
    shanghai = [r for r in body["rows"] if r["region"] == "上海市" and r["grade"] == "司局级"]
    assert [(r["value"], r["unit"], r["row"], r["column"]) for r in shanghai] == [
        ("600", "元/人·天", 7, 4)
    ]
    assert rows.exists()
    assert "新增 33" in kb("ingest", rows).output


def test_extract_refuses_a_notice_without_a_table_of_standards(kb, tmp_path):
    result = kb("extract", notices.no_table_txt(tmp_path), code=1)

    assert "没有找到标准表" in result.output


def test_extract_writes_only_csv_or_xlsx(kb, tmp_path):
    result = kb("extract", notices.expert_txt(tmp_path), "-o", tmp_path / "rows.json", code=2)

    assert "输出文件须为 .csv 或 .xlsx" in result.output


def test_reindex_quiet_and_off_a_terminal_prints_no_progress(kb, settings):
    kb("ingest", CORPUS)

    for args in (("reindex",), ("reindex", "--quiet")):
        result = kb(*args)
        assert result.output.splitlines()[-1].startswith("索引已重建")
        assert "条/s" not in result.output and "it/s" not in result.output


def run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run ``kb`` with a pseudo-terminal as its output; what the terminal showed."""
    controller, terminal = pty.openpty()
    shown: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                return
            if not chunk:
                return
            shown.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    command = [sys.executable, "-c", "from webapp.cli import cli; cli()", *args]
    subprocess.run(command, stdout=terminal, stderr=terminal, env=env, timeout=300, check=True)
    os.close(terminal)
    reader.join(timeout=10)
    os.close(controller)
    return b"".join(shown).decode("utf-8", "replace")


def test_reindex_on_a_terminal_shows_count_rate_and_time_left(kb, settings):
    kb("ingest", CORPUS)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env |= {
        "KB_INSTANCE_DIR": str(settings.instance_dir),
        "KB_SECRET_KEY": settings.secret_key,
        "KB_DATABASE_URL": settings.database_url,
    }

    shown = run_on_a_terminal(["reindex"], env)
    quiet = run_on_a_terminal(["reindex", "--quiet"], env)

    assert "编入索引" in shown and "条/s" in shown and "<" in shown
    assert "编入索引" not in quiet and "索引已重建" in quiet


def test_ingest_on_a_terminal_shows_files_rate_and_time_left(settings):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env |= {
        "KB_INSTANCE_DIR": str(settings.instance_dir),
        "KB_SECRET_KEY": settings.secret_key,
        "KB_DATABASE_URL": settings.database_url,
    }
    files = sum(1 for _ in iter_files([CORPUS]))

    shown = run_on_a_terminal(["ingest", str(CORPUS)], env)
    quiet = run_on_a_terminal(["ingest", "--quiet", str(CORPUS)], env)

    assert "导入文件" in shown and f"/{files} " in shown and "条/s" in shown and "<" in shown
    assert "编入索引" in shown  # the index update that follows is shown too
    assert "合计：新增" in shown
    assert "导入文件" not in quiet and "合计：新增 0" in quiet


def test_ingest_off_a_terminal_prints_only_its_report(kb):
    output = kb("ingest", CORPUS).output

    assert "导入文件" not in output and "条/s" not in output
    assert output.splitlines()[-1].startswith("合计：新增")
