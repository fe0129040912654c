import pytest

from kb.accounts.permissions import Action
from kb.accounts.permissions import can
from kb.accounts.permissions import can_edit
from kb.accounts.permissions import can_review
from kb.accounts.permissions import require
from kb.accounts.permissions import require_actor
from kb.accounts.permissions import scope_text
from kb.errors import PermissionDenied
from kb.models import Organisation
from kb.models import User
from kb.vocab import Role
from tests.factories import make_standard

BUREAU = Organisation(name="青浦区财政局", region="青浦区")
ZHUJIAJIAO = Organisation(name="朱家角镇人民政府", region="朱家角镇")
GREENING = Organisation(name="青浦区绿化市容局", region="青浦区", domain="城市运维")


def user(role: str, organisation: Organisation, *, active: bool = True) -> User:
    return User(name="某人", role=Role(role), organisation=organisation, active=active)


TOWN_QUOTA = make_standard(region="朱家角镇")
DISTRICT_QUOTA = make_standard(region="青浦区")
OTHER_TOWN_QUOTA = make_standard(region="练塘镇")
EDUCATION_QUOTA = make_standard(region="青浦区", domain="教育")


@pytest.mark.parametrize(
    ("role", "organisation", "action", "target", "expected"),
    [
        ("viewer", ZHUJIAJIAO, Action.READ, None, True),
        ("viewer", ZHUJIAJIAO, Action.DRAFT, TOWN_QUOTA, False),
        ("editor", ZHUJIAJIAO, Action.DRAFT, TOWN_QUOTA, True),
        ("editor", ZHUJIAJIAO, Action.DRAFT, OTHER_TOWN_QUOTA, False),
        ("editor", ZHUJIAJIAO, Action.DRAFT, DISTRICT_QUOTA, False),
        ("editor", ZHUJIAJIAO, Action.REVIEW, TOWN_QUOTA, False),
        ("editor", ZHUJIAJIAO, Action.IMPORT, TOWN_QUOTA, False),
        ("editor", BUREAU, Action.DRAFT, TOWN_QUOTA, True),
        ("editor", GREENING, Action.DRAFT, DISTRICT_QUOTA, True),
        ("editor", GREENING, Action.DRAFT, EDUCATION_QUOTA, False),
        ("reviewer", BUREAU, Action.REVIEW, TOWN_QUOTA, True),
        ("reviewer", BUREAU, Action.REVIEW, make_standard(region="普陀区"), False),
        ("reviewer", BUREAU, Action.IMPORT, OTHER_TOWN_QUOTA, True),
        ("reviewer", BUREAU, Action.DRAFT, TOWN_QUOTA, False),
        ("reviewer", BUREAU, Action.ADMIN, None, False),
        ("admin", BUREAU, Action.ADMIN, None, True),
        ("admin", BUREAU, Action.READ, None, True),
        ("admin", BUREAU, Action.REVIEW, TOWN_QUOTA, False),
        ("editor", ZHUJIAJIAO, Action.DRAFT, None, True),
    ],
)
def test_what_each_role_may_do(role, organisation, action, target, expected):
    assert can(user(role, organisation), action, target) is expected


def test_regions_are_compared_by_their_usual_name():
    assert can_edit(user("editor", BUREAU), make_standard(region="上海市青浦区")) is True


def test_can_edit_and_can_review_name_the_two_standard_actions():
    editor, reviewer = user("editor", ZHUJIAJIAO), user("reviewer", BUREAU)

    assert (can_edit(editor, TOWN_QUOTA), can_review(editor, TOWN_QUOTA)) == (True, False)
    assert (can_edit(reviewer, TOWN_QUOTA), can_review(reviewer, TOWN_QUOTA)) == (False, True)


def test_a_refusal_names_the_organisation_the_role_and_the_scope():
    editor = User(
        name="练编辑",
        role=Role.EDITOR,
        organisation=Organisation(name="练塘镇人民政府", region="练塘镇"),
        active=True,
    )

    with pytest.raises(PermissionDenied) as refused:
        require(editor, Action.DRAFT, TOWN_QUOTA)

    assert refused.value.message == (
        "练塘镇人民政府的编辑只能起草和修订练塘镇的标准，该标准属于朱家角镇、城市运维领域"
    )
    assert refused.value.details == {
        "user": "练编辑",
        "role": "editor",
        "organisation": "练塘镇人民政府",
        "action": "draft",
    }
    assert refused.value.code == "forbidden"


def test_a_role_without_the_action_is_told_so():
    viewer = User(name="查看员", role=Role.VIEWER, organisation=ZHUJIAJIAO, active=True)

    with pytest.raises(
        PermissionDenied, match="^朱家角镇人民政府的查看者“查看员”无权起草和修订标准$"
    ):
        require(viewer, "draft", TOWN_QUOTA)


def test_a_deactivated_account_may_do_nothing():
    with pytest.raises(PermissionDenied, match="已停用"):
        require(user("admin", BUREAU, active=False), Action.READ)


@pytest.mark.parametrize(
    ("organisation", "expected"),
    [
        (BUREAU, "青浦区及所辖街镇"),
        (ZHUJIAJIAO, "朱家角镇"),
        (GREENING, "青浦区及所辖街镇、城市运维领域"),
    ],
)
def test_scope_text(organisation, expected):
    assert scope_text(organisation) == expected


def test_the_command_line_is_trusted_and_a_user_is_checked():
    require_actor("system", Action.ADMIN)

    with pytest.raises(PermissionDenied):
        require_actor(user("viewer", BUREAU), Action.ADMIN)
