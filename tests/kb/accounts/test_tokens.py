import datetime as dt
import hashlib

import pytest

from kb import accounts
from kb.accounts import audit
from kb.accounts import tokens
from kb.errors import Conflict
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.errors import TooManyAttempts
from kb.errors import Unauthorized
from kb.models import ApiToken
from kb.models import LoginAttempt


def test_a_token_is_shown_once_and_stored_as_its_sha256(session, cast):
    token, secret = tokens.create_token(session, "审核员", actor=cast.admin, address="10.0.0.1")
    session.commit()

    assert secret.startswith("kb_") and len(secret) == 46
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:8]
    assert (token.user.name, token.revoked_at, token.last_used_at) == ("审核员", None, None)
    entry = audit.entries(session, action="token.create").entries[0]
    assert (entry.actor, entry.target, entry.address) == ("管理员", "审核员", "10.0.0.1")
    assert audit.before_after(entry) == (
        None,
        {"id": token.id, "user": "审核员", "prefix": token.prefix},
    )
    assert secret not in (entry.after or "")


def test_a_token_carries_its_users_role_and_organisation(session, cast):
    token, secret = tokens.create_token(session, "朱编辑")
    session.commit()
    now = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)

    user = tokens.user_for_token(session, f" {secret} ", now=now)

    assert (user.name, user.role, user.organisation.region) == ("朱编辑", "editor", "朱家角镇")
    assert token.last_used_at.replace(tzinfo=dt.UTC) == now


def test_a_revoked_token_stops_working_and_cannot_be_revoked_twice(session, cast):
    token, secret = tokens.create_token(session, "朱编辑", actor=cast.zhujiajiao_editor)
    tokens.revoke_token(session, token.id, actor=cast.zhujiajiao_editor)
    session.commit()

    with pytest.raises(Unauthorized, match="^API 令牌已吊销$"):
        tokens.user_for_token(session, secret, address="10.0.0.9")
    with pytest.raises(Conflict, match=f"^令牌 {token.id} 已于 .* 吊销$"):
        tokens.revoke_token(session, token.id)
    refused = audit.entries(session, action="login.failed").entries[0]
    assert (refused.target, refused.address, refused.detail) == (
        "朱编辑",
        "10.0.0.9",
        f"API 令牌已吊销（{secret[:8]}…）",
    )
    assert [e.action for e in audit.entries(session, action="token.").entries] == [
        "token.revoke",
        "token.create",
    ]


@pytest.mark.parametrize(
    ("secret", "message"),
    [("", "缺少 API 令牌"), ("kb_not-a-real-token", "API 令牌无效")],
)
def test_an_unknown_or_missing_token_is_refused(session, cast, secret, message):
    with pytest.raises(Unauthorized, match=f"^{message}$"):
        tokens.user_for_token(session, secret)


def test_the_token_of_a_deactivated_account_is_refused(session, cast):
    _, secret = tokens.create_token(session, "查看员")
    accounts.deactivate(session, "查看员")
    session.commit()

    with pytest.raises(Unauthorized, match="^账号已停用$"):
        tokens.user_for_token(session, secret)
    with pytest.raises(Conflict):
        tokens.create_token(session, "查看员")


def test_only_the_owner_or_an_admin_manages_a_token(session, cast):
    token, _ = tokens.create_token(session, "朱编辑")

    with pytest.raises(PermissionDenied):
        tokens.create_token(session, "朱编辑", actor=cast.liantang_editor)
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(session, token.id, actor=cast.reviewer)
    with pytest.raises(NotFound):
        tokens.revoke_token(session, 999)


def test_tokens_are_listed_newest_first(session, cast):
    first, _ = tokens.create_token(session, "朱编辑")
    tokens.create_token(session, "审核员")
    second, _ = tokens.create_token(session, "朱编辑")

    assert [t.id for t in tokens.list_tokens(session, user_name="朱编辑")] == [second.id, first.id]
    assert session.query(ApiToken).count() == 3


def test_bad_tokens_are_throttled_per_address_and_audited_in_aggregate(session, cast):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    refused = []
    for second in range(200):
        try:
            tokens.user_for_token(
                session,
                f"kb_junk{second}",
                address="10.0.0.66",
                now=start + dt.timedelta(seconds=second),
            )
        except (Unauthorized, TooManyAttempts) as error:
            refused.append(type(error).__name__)

    assert refused == ["Unauthorized"] * 10 + ["TooManyAttempts"] * 190
    logged = audit.entries(session, action="login.").entries
    assert [e.action for e in reversed(logged)] == ["login.failed", "login.blocked"]
    assert session.query(LoginAttempt).count() == 10

    # another address is not held up, nor is a good token from the throttled one
    with pytest.raises(Unauthorized):
        tokens.user_for_token(session, "kb_other", address="10.0.0.7", now=start)
    _, secret = tokens.create_token(session, "朱编辑")
    assert tokens.user_for_token(session, secret, address="10.0.0.66").name == "朱编辑"


def test_the_throttle_lifts_after_the_window(session, cast):
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    for second in range(10):
        with pytest.raises(Unauthorized):
            tokens.user_for_token(
                session, "kb_junk", address="a", now=start + dt.timedelta(seconds=second)
            )
    with pytest.raises(TooManyAttempts) as waiting:
        tokens.user_for_token(session, "kb_junk", address="a", now=start + dt.timedelta(minutes=5))
    assert waiting.value.retry_after == 600
    with pytest.raises(Unauthorized):
        tokens.user_for_token(session, "kb_junk", address="a", now=start + dt.timedelta(minutes=16))
