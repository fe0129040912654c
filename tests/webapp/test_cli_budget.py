"""``kb check`` (webapp/cli/budget.py) over the bundled corpus: the same defaults as the API."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.conftest import CORPUS
from webapp.cli import cli

SHEET = CORPUS / "budgets" / "sample-budget-qingpu.csv"


@pytest.fixture
def kb(corpus_instance, monkeypatch):
    """Run ``kb`` against the corpus instance; returns the click result."""
    monkeypatch.setenv("KB_INSTANCE_DIR", str(corpus_instance.instance_dir))
    monkeypatch.setenv("KB_SECRET_KEY", corpus_instance.secret_key)
    monkeypatch.setenv("KB_DATABASE_URL", corpus_instance.database_url)

    def run(*args, code=0):
        result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return run


def test_the_sheets_own_region_is_read_and_each_line_names_its_standard(kb):
    output = kb("check", SHEET, "--on", "2025-06-01").output.splitlines()

    assert output[0] == "项目地区：朱家角镇；核查日期：2025-06-01"
    assert output[1] == "说明：项目地区取自预算表表头：朱家角镇"
    first = next(line for line in output if line.startswith("第5行"))
    assert first.startswith(
        "第5行 会议费：[超标准] 对照中央和国家机关会议费综合定额（一类会议·综合定额合计）"
        "（RS-HY-004，第2版，2016-07-01起施行）：760 元/人·天；"
    )


def test_the_command_line_and_the_api_agree(kb, corpus_client):
    cli_report = json.loads(kb("check", SHEET, "--on", "2025-06-01", "--json").output)
    with SHEET.open("rb") as handle:
        api_report = corpus_client.post(
            "/api/v1/check", data={"file": (handle, SHEET.name), "on": "2025-06-01"}
        ).get_json()

    assert cli_report == api_report


def test_an_unknown_region_is_refused_with_suggestions(kb):
    result = kb("check", SHEET, "--region", "朱家角", code=1)

    assert "无法识别地区“朱家角”，是否指：朱家角镇" in result.output


def test_a_verdict_against_an_example_says_so_in_the_line_itself(kb):
    output = kb("check", SHEET, "--on", "2025-06-01").output.splitlines()

    greenery = next(line for line in output if line.startswith("第8行"))
    meeting = next(line for line in output if line.startswith("第5行"))
    assert "【示例，不得作为依据】]" in greenery.split("：", 1)[1].split(" ", 1)[0]
    assert "示例" not in meeting.split("：", 1)[1].split(" ", 1)[0]
