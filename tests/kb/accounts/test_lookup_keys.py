"""kb.accounts.lookup_keys: one live read-only key per user, hashed, revocable, audited."""

import hashlib

import pytest

from kb.accounts import audit
from kb.accounts import lookup_keys
from kb.errors import NotFound
from kb.errors import PermissionDenied
from kb.errors import Unauthorized


def test_a_key_is_shown_once_stored_as_its_sha256_and_audited(session, cast):
    key, secret = lookup_keys.create_key(session, "查看员", actor=cast.viewer, address="10.0.0.9")
    session.commit()

    assert secret.startswith("kbl_") and len(secret) == 36
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    entry = audit.entries(session, action="lookup_key.create").entries[0]
    assert (entry.actor, entry.target, entry.address) == ("查看员", "查看员", "10.0.0.9")
    assert secret not in (entry.after or "")
    assert lookup_keys.user_for_key(session, secret).name == "查看员"


def test_a_new_key_revokes_the_old_one(session, cast):
    _, first = lookup_keys.create_key(session, "审核员")
    _, second = lookup_keys.create_key(session, "审核员")
    session.commit()

    with pytest.raises(Unauthorized, match="已吊销"):
        lookup_keys.user_for_key(session, first)
    assert lookup_keys.user_for_key(session, second).name == "审核员"
    assert len(audit.entries(session, action="lookup_key.revoke").entries) == 1


def test_a_revoked_key_stops_working_and_its_refusal_is_audited(session, cast):
    _, secret = lookup_keys.create_key(session, "朱编辑")
    lookup_keys.revoke_key(session, "朱编辑", actor=cast.admin)
    session.commit()

    with pytest.raises(Unauthorized, match="查询密钥已吊销"):
        lookup_keys.user_for_key(session, secret)
    refused = audit.entries(session, action="lookup_key.refused").entries[0]
    assert refused.target == "朱编辑" and secret[:8] in refused.detail
    with pytest.raises(NotFound, match="没有有效的查询密钥"):
        lookup_keys.revoke_key(session, "朱编辑")
    with pytest.raises(Unauthorized, match="查询密钥无效"):
        lookup_keys.user_for_key(session, "kbl_guessed")


def test_only_the_user_or_an_admin_manages_a_key(session, cast):
    with pytest.raises(PermissionDenied):
        lookup_keys.create_key(session, "审核员", actor=cast.viewer)
    lookup_keys.create_key(session, "审核员", actor=cast.admin)
    with pytest.raises(PermissionDenied):
        lookup_keys.revoke_key(session, "审核员", actor=cast.zhujiajiao_editor)
