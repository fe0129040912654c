import datetime as dt
from decimal import Decimal

import pytest

from kb.accounts import audit
from kb.accounts.audit import AuditAction
from kb.errors import InvalidInput
from kb.files.tables import read_table

UTC = dt.UTC


@pytest.fixture
def log(session, monkeypatch):
    """Four entries over two Beijing days (2025-03-01 and 2025-03-02)."""
    moments = iter(
        [
            dt.datetime(2025, 2, 28, 17, 0, tzinfo=UTC),  # 2025-03-01 01:00 北京时间
            dt.datetime(2025, 3, 1, 2, 0, tzinfo=UTC),
            dt.datetime(2025, 3, 1, 16, 30, tzinfo=UTC),  # 2025-03-02 00:30 北京时间
            dt.datetime(2025, 3, 2, 3, 0, tzinfo=UTC),
        ]
    )
    monkeypatch.setattr(audit, "utcnow", lambda: next(moments))
    audit.record(session, actor="朱编辑", action="standard.create", target="ZJJ-CQ-0001")
    audit.record(session, actor="朱编辑", action="standard.revise", target="ZJJ-CQ-0001")
    audit.record(session, actor="审核员", action="standard.transition", target="ZJJ-CQ-0001")
    audit.record(session, actor="管理员", action="user.create", target="朱编辑")
    session.commit()


def test_record_keeps_who_what_before_after_and_where(session):
    entry = audit.record(
        session,
        actor="审核员",
        action=AuditAction.STANDARD_REVISE,
        target="QP-CQ-0012",
        before={"value": Decimal("18.50"), "effective_from": dt.date(2024, 5, 9)},
        after={"value": Decimal("19.20"), "effective_from": None},
        address="10.0.0.7",
        detail="年度调整",
    )
    session.commit()

    assert (entry.actor, entry.action, entry.target, entry.address, entry.detail) == (
        "审核员",
        "standard.revise",
        "QP-CQ-0012",
        "10.0.0.7",
        "年度调整",
    )
    assert entry.before == '{"value": "18.50", "effective_from": "2024-05-09"}'
    assert audit.before_after(entry) == (
        {"value": "18.50", "effective_from": "2024-05-09"},
        {"value": "19.20", "effective_from": None},
    )


def test_an_unknown_action_is_a_programming_error(session):
    with pytest.raises(ValueError):
        audit.record(session, actor="system", action="standard.delete")


@pytest.mark.usefixtures("log")
@pytest.mark.parametrize(
    ("filters", "expected_actions"),
    [
        ({}, ["user.create", "standard.transition", "standard.revise", "standard.create"]),
        ({"actor": "朱编辑"}, ["standard.revise", "standard.create"]),
        ({"action": "standard."}, ["standard.transition", "standard.revise", "standard.create"]),
        ({"action": "standard.revise"}, ["standard.revise"]),
        ({"target": "朱编辑"}, ["user.create"]),
        ({"since": dt.date(2025, 3, 2)}, ["user.create", "standard.transition"]),
        ({"until": dt.date(2025, 3, 1)}, ["standard.revise", "standard.create"]),
        (
            {
                "since": dt.datetime(2025, 3, 1, 2, 0, tzinfo=UTC),
                "until": dt.datetime(2025, 3, 1, 16, 30),
            },
            ["standard.transition", "standard.revise"],
        ),
    ],
)
def test_entries_are_filtered_and_newest_first(session, filters, expected_actions):
    page = audit.entries(session, **filters)

    assert [e.action for e in page.entries] == expected_actions
    assert page.total == len(expected_actions)


@pytest.mark.usefixtures("log")
def test_entries_come_in_pages(session):
    second = audit.entries(session, page=2, per_page=3)

    assert (second.total, second.page, second.per_page) == (4, 2, 3)
    assert [e.action for e in second.entries] == ["standard.create"]


@pytest.mark.parametrize(("page", "per_page"), [(0, 10), (1, 0), (1, 501)])
def test_bad_paging_is_refused(session, page, per_page):
    with pytest.raises(InvalidInput):
        audit.entries(session, page=page, per_page=per_page)


@pytest.mark.usefixtures("log")
def test_export_rows_show_beijing_time_and_chinese_action_names(session):
    headers, rows = audit.export_rows(audit.iter_entries(session, actor="管理员"))

    assert headers == [
        "时间（北京时间）",
        "操作人",
        "操作",
        "对象",
        "修改前",
        "修改后",
        "来源地址",
        "说明",
    ]
    assert rows == [
        {
            "时间（北京时间）": "2025-03-02 11:00:00",
            "操作人": "管理员",
            "操作": "新建账号",
            "对象": "朱编辑",
            "修改前": "",
            "修改后": "",
            "来源地址": "",
            "说明": "",
        }
    ]


@pytest.mark.usefixtures("log")
def test_export_writes_a_file_of_the_matching_entries(session, tmp_path):
    count = audit.export(session, tmp_path / "audit.csv", action="standard.")

    table = read_table(tmp_path / "audit.csv")
    assert count == 3
    assert [cells["操作"] for _, cells in table.rows] == [
        "变更标准状态",
        "修订标准",
        "新建标准草案",
    ]


def test_the_log_is_append_only(session):
    entry = audit.record(session, actor="system", action="user.create", target="某人")
    session.commit()

    entry.detail = "改写"
    with pytest.raises(RuntimeError, match="只能追加"):
        session.flush()
    session.rollback()

    session.delete(entry)
    with pytest.raises(RuntimeError, match="只能追加"):
        session.flush()


def test_every_action_has_a_chinese_label():
    assert all(action.label and action.label != action.value for action in AuditAction)
    assert audit.action_label("standard.import") == "导入标准"
    assert audit.action_label("legacy.thing") == "legacy.thing"
