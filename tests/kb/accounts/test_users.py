import datetime as dt

import pytest

from kb import accounts
from kb.accounts import audit
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from kb.models import LoginAttempt
from kb.vocab import Role
from tests.conftest import PASSWORD

T0 = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


def test_an_organisation_has_a_region_in_its_usual_name_and_an_optional_domain(session):
    organisation = accounts.add_organisation(
        session, " 青浦区绿化市容局 ", region="上海市青浦区", domain="城市运维"
    )
    town = accounts.add_organisation(session, "朱家角镇人民政府", region="朱家角镇", domain=" ")
    session.commit()

    assert (organisation.name, organisation.region, organisation.domain) == (
        "青浦区绿化市容局",
        "青浦区",
        "城市运维",
    )
    assert town.domain is None
    assert [o.name for o in accounts.list_organisations(session)] == [
        "朱家角镇人民政府",
        "青浦区绿化市容局",
    ]
    entry = audit.entries(session, action="organisation.create").entries[-1]
    assert audit.before_after(entry) == (
        None,
        {"name": "青浦区绿化市容局", "region": "青浦区", "domain": "城市运维"},
    )


def test_an_organisation_name_is_taken_once(session):
    accounts.add_organisation(session, "青浦区财政局", region="青浦区")

    with pytest.raises(Conflict, match="^机构“青浦区财政局”已存在$"):
        accounts.add_organisation(session, "青浦区财政局", region="青浦区")


def test_add_user_generates_a_password_when_none_is_given(session, cast):
    user, generated = accounts.add_user(
        session, "新编辑", role="编辑", organisation="朱家角镇人民政府"
    )
    session.commit()

    assert (user.role, user.organisation.name, user.active) == (
        Role.EDITOR,
        "朱家角镇人民政府",
        True,
    )
    assert len(generated) == 16
    assert user.password_hash.startswith("$argon2id$")
    assert generated not in user.password_hash
    assert accounts.authenticate(session, "新编辑", generated).id == user.id


def test_a_given_password_is_not_echoed_back(session, cast):
    user, generated = accounts.add_user(
        session,
        "新人",
        role=Role.VIEWER,
        organisation=cast.viewer.organisation,
        password="长长的密码-12345",
    )

    assert generated is None
    assert accounts.authenticate(session, "新人", "长长的密码-12345") is user


def test_the_production_hasher_is_argon2id():
    from argon2 import PasswordHasher
    from argon2 import Type

    assert PasswordHasher().type is Type.ID


@pytest.mark.parametrize(
    ("name", "changes", "error", "message"),
    [
        ("甲", {"password": "short"}, InvalidInput, "密码至少需要 8 个字符"),
        (
            "甲",
            {"role": "boss"},
            InvalidInput,
            "“boss”不是有效的角色，可选：查看者、编辑、审核人、管理员",
        ),
        ("甲", {"organisation": "不存在的机构"}, NotFound, "没有名为“不存在的机构”的机构"),
        (" ", {}, InvalidInput, "用户名不能为空"),
        ("审核员", {}, Conflict, "用户“审核员”已存在"),
    ],
)
def test_add_user_refuses(session, cast, name, changes, error, message):
    arguments = {"role": "viewer", "organisation": "青浦区财政局", "password": PASSWORD}
    arguments.update(changes)

    with pytest.raises(error) as refused:
        accounts.add_user(session, name, **arguments)
    assert refused.value.message == message


def test_only_an_admin_manages_accounts(session, cast):
    with pytest.raises(PermissionDenied):
        accounts.add_user(
            session, "某人", role="viewer", organisation="青浦区财政局", actor=cast.reviewer
        )
    user, _ = accounts.add_user(
        session, "某人", role="viewer", organisation="青浦区财政局", actor=cast.admin
    )
    session.commit()

    entry = audit.entries(session, action="user.create", actor="管理员").entries[0]
    assert (entry.target, audit.before_after(entry)) == (
        "某人",
        (None, {"name": "某人", "role": "viewer", "organisation": "青浦区财政局"}),
    )


def test_users_are_listed_by_name_and_by_organisation(session, cast):
    assert [u.name for u in accounts.list_users(session, organisation="青浦区财政局")] == [
        "审核员",
        "管理员",
    ]
    assert len(accounts.list_users(session)) == 5
    assert accounts.get_user(session, "朱编辑").organisation.region == "朱家角镇"
    with pytest.raises(NotFound):
        accounts.get_user(session, "无名氏")


def test_a_failed_login_is_stored_and_audited_although_it_raises(session, cast):
    with pytest.raises(Unauthorized, match="^用户名或密码不正确$"):
        accounts.authenticate(session, "朱编辑", "wrong-password", address="10.0.0.7")
    with pytest.raises(Unauthorized, match="^用户名或密码不正确$"):
        accounts.authenticate(session, "无名氏", "wrong-password", address="10.0.0.7")
    session.rollback()

    failures = audit.entries(session, action="login.failed").entries
    assert [(e.actor, e.target, e.address, e.detail) for e in failures] == [
        ("anonymous", "无名氏", "10.0.0.7", "用户不存在"),
        ("anonymous", "朱编辑", "10.0.0.7", "密码错误"),
    ]
    assert session.query(LoginAttempt).count() == 2


def test_a_successful_login_returns_the_user_with_role_and_organisation(session, cast):
    user = accounts.authenticate(session, " 朱编辑 ", PASSWORD, address="10.0.0.7")

    assert (user.name, user.role, user.organisation.name) == (
        "朱编辑",
        "editor",
        "朱家角镇人民政府",
    )


def test_five_failures_lock_for_a_delay_that_doubles(session, cast):
    for n in range(5):
        with pytest.raises(Unauthorized):
            accounts.authenticate(session, "朱编辑", "wrong", address="1.2.3.4", now=minutes(n))

    with pytest.raises(TooManyAttempts) as locked:
        accounts.authenticate(session, "朱编辑", PASSWORD, address="1.2.3.4", now=minutes(4.25))
    assert (locked.value.retry_after, locked.value.details) == (15, {"retry_after": 15})
    assert locked.value.message == "登录失败次数过多，请 15 秒后再试"

    with pytest.raises(Unauthorized):
        accounts.authenticate(session, "朱编辑", "wrong", address="1.2.3.4", now=minutes(5))
    assert accounts.retry_after(session, "朱编辑", "1.2.3.4", now=minutes(5)) == 60
    assert accounts.retry_after(session, "朱编辑", "9.9.9.9", now=minutes(5)) is None

    assert accounts.authenticate(session, "朱编辑", PASSWORD, address="1.2.3.4", now=minutes(6))
    assert accounts.retry_after(session, "朱编辑", "1.2.3.4", now=minutes(6)) is None
    assert [e.action for e in audit.entries(session, action="login.").entries[:2]] == [
        "login.failed",
        "login.blocked",
    ]


def test_failures_older_than_the_window_do_not_count(session, cast):
    for n in (0, 1, 2, 3, 20):
        with pytest.raises(Unauthorized):
            accounts.authenticate(session, "朱编辑", "wrong", address="1.2.3.4", now=minutes(n))

    assert accounts.retry_after(session, "朱编辑", "1.2.3.4", now=minutes(20.1)) is None


def test_a_deactivated_account_cannot_log_in(session, cast):
    accounts.deactivate(session, "查看员", actor=cast.admin, address="10.0.0.1")
    accounts.deactivate(session, "查看员", actor=cast.admin)
    session.commit()

    with pytest.raises(Unauthorized, match="^账号已停用$"):
        accounts.authenticate(session, "查看员", PASSWORD)
    assert [
        (e.target, e.address) for e in audit.entries(session, action="user.deactivate").entries
    ] == [("查看员", "10.0.0.1")]


def test_a_password_is_set_by_its_user_or_an_admin(session, cast):
    accounts.set_password(session, "朱编辑", "新的密码-456", actor=cast.zhujiajiao_editor)
    generated = accounts.set_password(session, "朱编辑", actor=cast.admin)
    with pytest.raises(PermissionDenied):
        accounts.set_password(session, "朱编辑", "别人的密码-789", actor=cast.liantang_editor)
    session.commit()

    assert accounts.authenticate(session, "朱编辑", generated).name == "朱编辑"
    assert audit.entries(session, action="user.password").total == 2


def test_a_hash_made_with_older_parameters_is_renewed_at_login(session, cast, monkeypatch):
    from argon2 import PasswordHasher

    old_hash = cast.viewer.password_hash
    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    )

    accounts.authenticate(session, "查看员", PASSWORD)

    assert cast.viewer.password_hash != old_hash
    assert accounts.HASHER.check_needs_rehash(cast.viewer.password_hash) is False


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u2060", "管理\u202e员"])
def test_invisible_or_reordered_names_are_refused(session, name):
    with pytest.raises(InvalidInput):
        accounts.add_organisation(session, name, region="青浦区")
    accounts.add_organisation(session, "青浦区绿化市容局", region="青浦区")
    with pytest.raises(InvalidInput):
        accounts.add_user(session, name, role="viewer", organisation="青浦区绿化市容局")


@pytest.mark.parametrize("typed", ["青浦", "上海市青浦区", "青浦区"])
def test_an_organisations_region_is_stored_under_its_canonical_name(session, typed):
    organisation = accounts.add_organisation(session, "青浦区财政局", region=typed)
    assert organisation.region == "青浦区"


def test_a_login_with_an_overlong_password_is_refused_without_hashing_it(session, cast):
    with pytest.raises(Unauthorized):
        accounts.authenticate(session, "朱编辑", "x" * 1_000_000)


def test_hammering_a_locked_account_adds_one_audit_entry(session, cast):
    for _ in range(5):
        with pytest.raises(Unauthorized):
            accounts.authenticate(session, "朱编辑", "wrong", address="1.2.3.4")
    for _ in range(50):
        with pytest.raises(TooManyAttempts):
            accounts.authenticate(session, "朱编辑", PASSWORD, address="1.2.3.4")

    assert audit.entries(session, action="login.blocked").total == 1
    assert audit.entries(session, action="login.failed").total == 5


def test_trying_name_after_name_from_one_address_is_stopped(session, cast):
    refused = []
    for n in range(130):
        try:
            accounts.authenticate(session, f"猜测{n}", "wrong", address="6.6.6.6")
        except (Unauthorized, TooManyAttempts) as error:
            refused.append(type(error).__name__)

    assert refused == ["Unauthorized"] * 100 + ["TooManyAttempts"] * 30
    assert session.query(LoginAttempt).count() == 100
    assert audit.entries(session, action="login.").total == 100
    # another address, and the accounts themselves, are not held up
    assert accounts.authenticate(session, "朱编辑", PASSWORD, address="1.2.3.4").name == "朱编辑"
