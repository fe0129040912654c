import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from kb import accounts
from kb import standards
from kb.accounts import audit
from kb.db import atomic
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.standards import lifecycle
from kb.standards import workflow
from kb.standards.workflow import REJECTED
from kb.vocab import Level
from kb.vocab import Outcome
from kb.vocab import Status
from tests.factories import make_standard

CODE = "ZJJ-CQ-0001"


def town_quota(**overrides):
    values = {
        "code": CODE,
        "name": "朱家角镇公共绿地一级养护成本定额",
        "level": Level.TOWN,
        "region": "朱家角镇",
        "effective_from": dt.date(2024, 1, 1),
    }
    values.update(overrides)
    return make_standard(**values)


@pytest.fixture
def published(session, cast):
    """朱家角镇's quota, version 1, in force since 2024-01-01 (imported by the reviewer)."""
    with atomic(session):
        workflow.import_records(session, [town_quota()], actor=cast.reviewer, source="朱家角.xlsx")
    return standards.get(session, CODE)


def lifecycle_of(session, code=CODE):
    session.expire_all()
    return [
        (v.version, v.status, v.effective_from, v.effective_to)
        for v in standards.find(session, code).versions
    ]


# -- the acceptance story ----------------------------------------------------------------------


def test_a_town_revises_its_quota_and_the_district_publishes_it(session):
    with atomic(session):
        accounts.add_organisation(session, "青浦区财政局", region="青浦区")
        admin, _ = accounts.add_user(
            session, "管理员", role="admin", organisation="青浦区财政局", password="管理员的密码-1"
        )
    with atomic(session):
        accounts.add_organisation(session, "朱家角镇人民政府", region="朱家角镇", actor=admin)
        accounts.add_organisation(session, "练塘镇人民政府", region="练塘镇", actor=admin)
        users = {
            name: accounts.add_user(
                session, name, role=role, organisation=org, actor=admin, password="密码-123456"
            )[0]
            for name, role, org in (
                ("审核员", "reviewer", "青浦区财政局"),
                ("朱编辑", "editor", "朱家角镇人民政府"),
                ("练编辑", "editor", "练塘镇人民政府"),
                ("查看员", "viewer", "朱家角镇人民政府"),
            )
        }
    with atomic(session):
        workflow.import_records(
            session, [town_quota()], actor=users["审核员"], source="朱家角.xlsx"
        )

    with atomic(session):
        draft = workflow.revise(
            session,
            CODE,
            {"value": "19.20", "notes": "2025年人工费上涨"},
            base_version=1,
            actor=users["朱编辑"],
            reason="年度调整",
            address="10.1.1.5",
        )
    with pytest.raises(PermissionDenied, match="练塘镇人民政府的编辑只能起草和修订练塘镇的标准"):
        with atomic(session):
            workflow.revise(session, CODE, {"value": "1"}, base_version=2, actor=users["练编辑"])
    with pytest.raises(PermissionDenied, match="查看者"):
        with atomic(session):
            workflow.revise(session, CODE, {"value": "1"}, base_version=2, actor=users["查看员"])
    with atomic(session):
        workflow.transition(
            session,
            CODE,
            to="in_force",
            actor=users["审核员"],
            effective_from=dt.date(2025, 3, 1),
            version=draft.version,
            reason="经区财政局审核",
        )

    assert standards.get(session, CODE, on=dt.date(2025, 2, 28)).value == Decimal("18.50")
    assert standards.get(session, CODE, on=dt.date(2025, 3, 1)).value == Decimal("19.20")
    assert lifecycle_of(session) == [
        (1, "superseded", dt.date(2024, 1, 1), dt.date(2025, 2, 28)),
        (2, "in_force", dt.date(2025, 3, 1), None),
    ]
    steps = [
        (e.actor, e.action, e.target, audit.before_after(e))
        for e in reversed(audit.entries(session, action="standard.").entries)
    ]
    assert steps == [
        (
            "审核员",
            "standard.import",
            CODE,
            (
                None,
                {
                    "version": 1,
                    "status": "in_force",
                    "name": "朱家角镇公共绿地一级养护成本定额",
                    "kind": "cost_quota",
                    "level": "town",
                    "region": "朱家角镇",
                    "domain": "城市运维",
                    "category": "绿化养护",
                    "item": "公共绿地养护",
                    "grade": "一级",
                    "unit": "元/平方米·年",
                    "value": "18.50",
                    "effective_from": "2024-01-01",
                    "illustrative": "否",
                },
            ),
        ),
        (
            "朱编辑",
            "standard.revise",
            CODE,
            (
                {
                    "version": 1,
                    "status": "in_force",
                    "value": "18.50",
                    "effective_from": "2024-01-01",
                    "notes": None,
                },
                {
                    "version": 2,
                    "status": "draft",
                    "value": "19.20",
                    "effective_from": None,
                    "notes": "2025年人工费上涨",
                },
            ),
        ),
        (
            "审核员",
            "standard.transition",
            CODE,
            (
                {"version": 2, "status": "draft", "effective_from": None},
                {"version": 2, "status": "in_force", "effective_from": "2025-03-01"},
            ),
        ),
        (
            "审核员",
            "standard.transition",
            CODE,
            (
                {"version": 1, "status": "in_force", "effective_to": None},
                {"version": 1, "status": "superseded", "effective_to": "2025-02-28"},
            ),
        ),
    ]
    assert [e.action for e in audit.entries(session, actor="管理员").entries] == [
        "user.create",
        "user.create",
        "user.create",
        "user.create",
        "organisation.create",
        "organisation.create",
    ]


def test_two_revisions_of_the_same_version_give_one_version_and_one_conflict(
    session, cast, published
):
    with atomic(session):
        workflow.revise(
            session, CODE, {"value": "19"}, base_version=1, actor=cast.zhujiajiao_editor
        )

    with pytest.raises(Conflict) as stale:
        with atomic(session):
            workflow.revise(
                session, CODE, {"value": "20"}, base_version=1, actor=cast.zhujiajiao_editor
            )

    assert stale.value.message == "标准 ZJJ-CQ-0001 已更新到第2版，您编辑的是第1版，请刷新后重试"
    assert stale.value.details == {"code": CODE, "latest_version": 2, "base_version": 1}
    assert [v.value for v in standards.find(session, CODE).versions] == [
        Decimal("18.50"),
        Decimal("19"),
    ]


def race(session, monkeypatch, module, name, rival) -> tuple[dict[str, str], threading.Thread]:
    """Run ``rival(other_session)`` in a thread once this thread reaches ``module.name``.

    On PostgreSQL the rival waits for this thread's row lock (``SELECT … FOR UPDATE``) and goes
    on when this transaction ends; SQLite has no row locks, so the rival commits first.
    Returns the outcomes ("done" or the Conflict message, the rival's under "rival") and the
    rival's thread, to be joined once this side is done.
    """
    outcomes: dict[str, str] = {}
    original = getattr(module, name)

    def run_rival():
        with Session(session.get_bind(), expire_on_commit=False) as other:
            outcomes["rival"] = outcome_of(other, rival)

    thread = threading.Thread(target=run_rival)

    def start_rival_first(*args):
        if threading.current_thread() is threading.main_thread() and not thread.is_alive():
            thread.start()
            thread.join(timeout=1)
        return original(*args)

    monkeypatch.setattr(module, name, start_rival_first)
    return outcomes, thread


def outcome_of(session, act) -> str:
    try:
        with atomic(session):
            act(session)
    except Conflict as conflict:
        return conflict.message
    return "done"


def test_concurrent_revisions_of_one_version_give_one_version_and_one_conflict(
    session, cast, published, monkeypatch
):
    def revise_to(value):
        def act(s):
            editor = accounts.get_user(s, "朱编辑")
            workflow.revise(s, CODE, {"value": value}, base_version=1, actor=editor)

        return act

    outcomes, rival = race(session, monkeypatch, workflow, "revised_record", revise_to("19"))
    outcomes["this"] = outcome_of(session, revise_to("20"))
    rival.join()

    assert sorted([outcomes["this"], outcomes["rival"]]) == [
        "done",
        "标准 ZJJ-CQ-0001 已更新到第2版，您编辑的是第1版，请刷新后重试",
    ]
    session.expire_all()
    winner = "19" if outcomes["rival"] == "done" else "20"
    assert [v.value for v in standards.find(session, CODE).versions] == [
        Decimal("18.50"),
        Decimal(winner),
    ]


def test_a_rejection_and_a_publication_at_once_leave_one_of_them(
    session, cast, published, monkeypatch
):
    with atomic(session):
        workflow.revise(
            session, CODE, {"value": "19"}, base_version=1, actor=cast.zhujiajiao_editor
        )

    def reject(s):
        reviewer = accounts.get_user(s, "审核员")
        workflow.transition(s, CODE, to=REJECTED, actor=reviewer, reason="依据不足", version=2)

    def publish(s):
        workflow.transition(s, CODE, to="in_force", actor=cast.reviewer, version=2)

    outcomes, rival = race(session, monkeypatch, lifecycle, "require", reject)
    outcomes["this"] = outcome_of(session, publish)
    rival.join()

    session.expire_all()
    version = standards.get(session, CODE, version=2)
    if outcomes["rival"] == "done":  # SQLite: the rejection committed first
        assert outcomes["this"] == "标准 ZJJ-CQ-0001 第2版刚被他人修改，请刷新后重试"
        assert (version.status, version.review_note) == ("draft", "依据不足")
    else:  # PostgreSQL: the rejection waited for the publication's lock
        assert outcomes == {
            "this": "done",
            "rival": "标准 ZJJ-CQ-0001 的最新版本（第2版）为“现行有效”，没有待审核的草案",
        }
        assert (version.status, version.review_note) == ("in_force", None)


# -- drafting ----------------------------------------------------------------------------------


def test_create_draft_assigns_a_code_and_remembers_the_organisation(session, cast):
    with atomic(session):
        draft = workflow.create_draft(
            session,
            town_quota(code=None, status=Status.IN_FORCE),
            actor=cast.zhujiajiao_editor,
            reason="新增",
        )

    assert (draft.code, draft.version, draft.status) == ("CQ-000001", 1, "draft")
    assert (draft.created_by, draft.change_reason) == ("朱编辑", "新增")
    assert draft.organisation.name == "朱家角镇人民政府"
    assert audit.entries(session, action="standard.create").entries[0].target == "CQ-000001"


def test_create_draft_refuses_an_existing_code(session, cast, published):
    with pytest.raises(Conflict, match="^标准编号 ZJJ-CQ-0001 已存在，请在该标准上修订$"):
        workflow.create_draft(session, town_quota(), actor=cast.zhujiajiao_editor)


def test_create_draft_checks_the_record_as_an_import_would(session, cast):
    with pytest.raises(InvalidInput) as invalid:
        workflow.create_draft(
            session, town_quota(value=None, unit=None), actor=cast.zhujiajiao_editor
        )

    assert invalid.value.details == {
        "unit": "成本定额标准必须填写计量单位",
        "value": "成本定额标准必须填写标准值",
    }
    assert invalid.value.message == (
        "有 2 处需要修改：计量单位：成本定额标准必须填写计量单位；标准值：成本定额标准必须填写标准值"
    )


def test_an_editor_drafts_only_in_its_scope(session, cast):
    with pytest.raises(PermissionDenied):
        workflow.create_draft(session, town_quota(region="练塘镇"), actor=cast.zhujiajiao_editor)


@pytest.mark.parametrize(
    ("changes", "details"),
    [
        ({"value": "abc"}, {"value": "“abc”不是有效的数值"}),
        ({"标准值": "20", "上限": "10"}, {"value_max": "上限 10 小于标准值 20"}),
        (
            {"effective_from": "2024-02-30"},
            {"effective_from": "“2024-02-30”不是有效日期：没有这一天"},
        ),
        (
            {"kind": "其他"},
            {"kind": "“其他”不是有效的标准类型，可选：公共服务标准、成本定额标准、财政支出标准"},
        ),
        ({"name": ""}, {"name": "必填项不能为空"}),
        ({"colour": "red"}, {"colour": "没有这个字段"}),
        ({"code": "OTHER-1"}, {"code": "标准编号不能修改（ZJJ-CQ-0001）"}),
        (
            {"status": "repealed"},
            {"status": "状态不能直接修改，请通过审核流程变更（征求意见、发布、退回、废止）"},
        ),
    ],
)
def test_revise_checks_each_field_with_the_import_messages(
    session, cast, published, changes, details
):
    with pytest.raises(InvalidInput) as invalid:
        workflow.revise(session, CODE, changes, base_version=1, actor=cast.zhujiajiao_editor)

    assert invalid.value.details == details


def test_revise_accepts_typed_values_a_record_and_harmless_code_and_status(
    session, cast, published
):
    with atomic(session):
        second = workflow.revise(
            session,
            CODE,
            {"code": CODE, "status": "现行有效", "value": Decimal("19.00"), "illustrative": True},
            base_version=1,
            actor=cast.zhujiajiao_editor,
        )
    with atomic(session):
        third = workflow.revise(
            session,
            CODE,
            town_quota(value=Decimal("21"), effective_from=dt.date(2026, 1, 1)),
            base_version=2,
            actor=cast.zhujiajiao_editor,
        )

    assert (second.value, second.illustrative, second.effective_from) == (
        Decimal("19.00"),
        True,
        None,
    )
    assert (third.value, third.illustrative, third.effective_from) == (
        Decimal("21"),
        False,
        dt.date(2026, 1, 1),
    )


def test_a_revision_that_changes_nothing_is_refused(session, cast, published):
    with pytest.raises(InvalidInput, match="^标准 ZJJ-CQ-0001 没有任何修改$"):
        workflow.revise(
            session, CODE, {"value": "18.50"}, base_version=1, actor=cast.zhujiajiao_editor
        )


def test_an_editor_cannot_move_a_standard_out_of_its_scope(session, cast, published):
    with pytest.raises(PermissionDenied):
        workflow.revise(
            session, CODE, {"region": "练塘镇"}, base_version=1, actor=cast.zhujiajiao_editor
        )


def test_revising_an_unknown_standard(session, cast):
    with pytest.raises(NotFound):
        workflow.revise(session, "NOPE", {}, base_version=1, actor=cast.zhujiajiao_editor)


# -- transitions -------------------------------------------------------------------------------


@pytest.fixture
def drafted(session, cast, published):
    """Version 2, a draft of 19.20 by 朱家角镇's editor."""
    with atomic(session):
        return workflow.revise(
            session, CODE, {"value": "19.20"}, base_version=1, actor=cast.zhujiajiao_editor
        )


def test_consultation_then_publication(session, cast, drafted):
    with atomic(session):
        workflow.transition(session, CODE, to="征求意见", actor=cast.reviewer, version=2)
    with atomic(session):
        workflow.transition(
            session,
            CODE,
            to=Status.IN_FORCE,
            actor=cast.reviewer,
            effective_from=dt.date(2025, 7, 1),
        )

    assert lifecycle_of(session) == [
        (1, "superseded", dt.date(2024, 1, 1), dt.date(2025, 6, 30)),
        (2, "in_force", dt.date(2025, 7, 1), None),
    ]


def test_publication_defaults_to_today(session, cast, drafted):
    with atomic(session):
        published = workflow.transition(session, CODE, to="in_force", actor=cast.reviewer)

    assert published.effective_from == dt.date.today()


def test_a_rejected_draft_keeps_the_reason_and_must_be_revised(session, cast, drafted):
    with pytest.raises(InvalidInput, match="^退回草案时必须说明理由$"):
        workflow.transition(session, CODE, to="退回", actor=cast.reviewer, reason=" ")
    with atomic(session):
        workflow.transition(session, CODE, to=REJECTED, actor=cast.reviewer, reason="缺少测算依据")

    rejected = standards.get(session, CODE, version=2)
    assert (rejected.status, rejected.review_note, rejected.rejected_by) == (
        "draft",
        "缺少测算依据",
        "审核员",
    )
    assert rejected.rejected_at is not None
    with pytest.raises(
        Conflict, match="^标准 ZJJ-CQ-0001 第2版已被退回（缺少测算依据），请修订后重新提交$"
    ):
        workflow.transition(session, CODE, to="in_force", actor=cast.reviewer)
    with atomic(session):
        workflow.revise(
            session, CODE, {"basis": "《测算报告》"}, base_version=2, actor=cast.zhujiajiao_editor
        )
    with atomic(session):
        workflow.transition(
            session, CODE, to="in_force", actor=cast.reviewer, effective_from=dt.date(2025, 3, 1)
        )
    assert lifecycle_of(session)[1:] == [
        (2, "draft", None, None),
        (3, "in_force", dt.date(2025, 3, 1), None),
    ]
    entry = audit.entries(session, action="standard.reject").entries[0]
    assert entry.detail == "退回：缺少测算依据"


def test_repeal_ends_the_standard_the_day_before_and_needs_a_reason(session, cast, published):
    with pytest.raises(InvalidInput, match="^废止标准时必须说明理由$"):
        workflow.transition(session, CODE, to="repealed", actor=cast.reviewer)
    with atomic(session):
        workflow.transition(
            session,
            CODE,
            to="已废止",
            actor=cast.reviewer,
            effective_from=dt.date(2026, 1, 1),
            reason="并入区级定额",
            version=1,
        )

    assert lifecycle_of(session) == [(1, "repealed", dt.date(2024, 1, 1), dt.date(2025, 12, 31))]
    assert standards.get(session, CODE, on=dt.date(2025, 12, 31)).version == 1
    with pytest.raises(NotFound, match="已失效"):
        standards.get(session, CODE, on=dt.date(2026, 1, 1))
    entry = audit.entries(session, action="standard.transition").entries[0]
    assert entry.detail == "已废止，2025-12-31 后不再适用；理由：并入区级定额"


def test_supersede_with_a_last_day(session, cast, published):
    with atomic(session):
        workflow.transition(
            session, CODE, to="superseded", actor=cast.reviewer, effective_to=dt.date(2025, 6, 30)
        )

    assert lifecycle_of(session) == [(1, "superseded", dt.date(2024, 1, 1), dt.date(2025, 6, 30))]


@pytest.mark.parametrize(
    ("to", "arguments", "error", "message"),
    [
        (
            "in_force",
            {},
            Conflict,
            "标准 ZJJ-CQ-0001 的最新版本（第1版）为“现行有效”，没有待审核的草案",
        ),
        ("consultation", {}, Conflict, "没有待审核的草案"),
        ("draft", {}, Conflict, "标准不能改回草案；如需修改，请在最新版本上修订"),
        (
            "superseded",
            {"version": 2},
            Conflict,
            "标准 ZJJ-CQ-0001 现行有效的是第1版，您审核的是第2版，请刷新后重试",
        ),
        (
            "repealed",
            {"effective_to": dt.date(2023, 1, 1), "reason": "x"},
            InvalidInput,
            "失效日期 2023-01-01 早于第1版的生效日期 2024-01-01",
        ),
        ("withdrawn", {}, InvalidInput, "“withdrawn”不是有效的状态"),
    ],
)
def test_transitions_the_state_does_not_allow(
    session, cast, published, to, arguments, error, message
):
    with pytest.raises(error) as refused:
        workflow.transition(session, CODE, to=to, actor=cast.reviewer, **arguments)

    assert message in refused.value.message


def test_publication_must_start_after_the_version_in_force(session, cast, drafted):
    with pytest.raises(
        InvalidInput, match="^生效日期 2024-01-01 须晚于现行第1版的生效日期 2024-01-01$"
    ):
        workflow.transition(
            session, CODE, to="in_force", actor=cast.reviewer, effective_from=dt.date(2024, 1, 1)
        )


def test_a_stale_review_is_refused(session, cast, drafted):
    with pytest.raises(
        Conflict, match="^标准 ZJJ-CQ-0001 已更新到第2版，您审核的是第1版，请刷新后重试$"
    ):
        workflow.transition(session, CODE, to="in_force", actor=cast.reviewer, version=1)


@pytest.mark.parametrize("who", ["zhujiajiao_editor", "viewer", "admin"])
def test_only_a_reviewer_publishes(session, cast, drafted, who):
    with pytest.raises(PermissionDenied):
        workflow.transition(session, CODE, to="in_force", actor=getattr(cast, who))


def test_a_reviewer_of_another_district_cannot_publish(session, cast, drafted):
    with atomic(session):
        accounts.add_organisation(session, "普陀区财政局", region="普陀区")
        other, _ = accounts.add_user(
            session,
            "普陀审核员",
            role="reviewer",
            organisation="普陀区财政局",
            password="密码-123456",
        )

    with pytest.raises(
        PermissionDenied, match="普陀区财政局的审核人只能审核和发布普陀区及所辖街镇的标准"
    ):
        workflow.transition(session, CODE, to="in_force", actor=other)


def test_awaiting_review_lists_open_unrejected_latest_versions(session, cast, drafted):
    with atomic(session):
        workflow.create_draft(session, town_quota(code="ZJJ-CQ-0002"), actor=cast.zhujiajiao_editor)
        workflow.create_draft(
            session, town_quota(code="ZJJ-CQ-0003", name="另一条"), actor=cast.zhujiajiao_editor
        )
        workflow.transition(session, "ZJJ-CQ-0003", to=REJECTED, actor=cast.reviewer, reason="重复")

    assert [(v.code, v.version) for v in workflow.awaiting_review(session)] == [
        ("ZJJ-CQ-0001", 2),
        ("ZJJ-CQ-0002", 1),
    ]
    assert workflow.awaiting_review(session, reviewer=cast.zhujiajiao_editor) == []


# -- imports -----------------------------------------------------------------------------------


def test_imports_are_audited_per_changed_record(session, cast, published):
    with atomic(session):
        results = workflow.import_records(
            session,
            [town_quota(), town_quota(code="ZJJ-CQ-0009", value=Decimal("7"))],
            actor=cast.reviewer,
            source="第二批.csv",
            address="10.0.0.3",
        )
    with atomic(session):
        workflow.import_records(
            session, [town_quota(value=Decimal("18.80"))], actor="system", source="kb ingest"
        )

    assert [(r.code, r.version, r.outcome) for r in results] == [
        (CODE, 1, Outcome.UNCHANGED),
        ("ZJJ-CQ-0009", 1, Outcome.ADDED),
    ]
    latest = audit.entries(session, action="standard.import").entries
    assert [(e.actor, e.target, e.detail) for e in latest] == [
        ("system", CODE, "导入 kb ingest（第2版）"),
        ("审核员", "ZJJ-CQ-0009", "导入 第二批.csv（第1版）"),
        ("审核员", CODE, "导入 朱家角.xlsx（第1版）"),
    ]
    assert audit.before_after(latest[0]) == (
        {"version": 1, "status": "in_force", "value": "18.50"},
        {"version": 2, "status": "in_force", "value": "18.80"},
    )
    assert standards.get(session, "ZJJ-CQ-0009").organisation.name == "青浦区财政局"


@pytest.mark.parametrize("who", ["zhujiajiao_editor", "admin"])
def test_only_a_reviewer_imports(session, cast, who):
    with pytest.raises(PermissionDenied):
        workflow.import_records(session, [town_quota()], actor=getattr(cast, who), source="x.csv")


def test_an_import_outside_the_scope_writes_nothing(session, cast):
    records = [town_quota(), town_quota(code="PT-1", region="普陀区")]

    with pytest.raises(PermissionDenied):
        with atomic(session):
            workflow.import_records(session, records, actor=cast.reviewer, source="x.csv")
    assert standards.count(session) == 0


def test_parse_target():
    assert workflow.parse_target("驳回") == REJECTED
    assert workflow.parse_target("现行有效") is Status.IN_FORCE
