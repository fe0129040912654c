"""Who may do what: the rules of roles and organisations, as pure functions of a user and a target.

- ``viewer`` reads; every active account reads.
- ``editor`` drafts and revises standards within its organisation's scope.
- ``reviewer`` (a finance bureau) consults, publishes, rejects, supersedes, repeals and imports
  standards within its organisation's scope. Imports write published figures directly, so they
  are a reviewer's act, not an editor's.
- ``admin`` manages organisations, accounts and tokens; it does not touch standards.

An organisation's scope is its region, with the region's 街镇 for a district (and everything in
Shanghai for 上海市, see :func:`kb.regions.region_scope`), and its domain if it has one.

Who sees what: published and consultation versions are public; a draft (rejected or not) is
seen only by signed-in accounts of an organisation whose scope holds it (its editors, viewers
and reviewers) and by admins (:func:`may_see`).
"""

from __future__ import annotations

from typing import Protocol

from kb.errors import PermissionDenied
from kb.models import Organisation
from kb.models import User
from kb.regions import DISTRICT_TOWNS
from kb.regions import normalise_region
from kb.regions import region_scope
from kb.vocab import LabelledEnum
from kb.vocab import Role
from kb.vocab import Status


class Action(LabelledEnum):
    """What a user asks to do; the label is a verb phrase (“无权起草和修订标准”)."""

    READ = ("read", "查阅")
    DRAFT = ("draft", "起草和修订")
    REVIEW = ("review", "审核和发布")
    IMPORT = ("import", "导入")
    ADMIN = ("admin", "管理机构、账号和令牌")

    @property
    def phrase(self) -> str:
        """The label with its object: 起草和修订标准, 管理机构、账号和令牌."""
        return self.label if self is Action.ADMIN else f"{self.label}标准"

    @classmethod
    def title(cls) -> str:
        return "操作"


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.READ}),
    Role.EDITOR: frozenset({Action.READ, Action.DRAFT}),
    Role.REVIEWER: frozenset({Action.READ, Action.REVIEW, Action.IMPORT}),
    Role.ADMIN: frozenset({Action.READ, Action.ADMIN}),
}
#: Actions on a standard, allowed only within the organisation's scope.
SCOPED: frozenset[Action] = frozenset({Action.DRAFT, Action.REVIEW, Action.IMPORT})


class Scoped(Protocol):
    """Anything with a region and a domain: a StandardVersion or a StandardRecord."""

    region: str
    domain: str


class Versioned(Scoped, Protocol):
    """A standard version: its region, domain and status."""

    status: str


#: Statuses anyone may read, signed in or not: everything but a draft.
PUBLIC_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s is not Status.DRAFT)


def may_see(user: User | None, version: Versioned) -> bool:
    """Whether ``user`` (``None``: anonymous) may read ``version``: anyone a published or
    consultation version; a draft only an active account whose organisation's scope holds it,
    or an admin."""
    if Status(version.status) in PUBLIC_STATUSES:
        return True
    if user is None or not user.active:
        return False
    return Role(user.role) is Role.ADMIN or in_scope(user.organisation, version)


def draft_scope(user: User | None) -> tuple[frozenset[str], str | None] | None:
    """The regions and domain whose drafts ``user`` may read; ``None`` when every draft (an
    admin); raises for anonymous users, who may read none.

    :raises PermissionDenied: ``user`` is ``None`` or inactive.
    """
    if user is None or not user.active:
        raise PermissionDenied("草案仅对登录的本单位、审核人和管理员可见", {"status": "draft"})
    if Role(user.role) is Role.ADMIN:
        return None
    organisation = user.organisation
    return region_scope(organisation.region), organisation.domain


def in_scope(organisation: Organisation, target: Scoped) -> bool:
    """Whether ``target`` lies within the organisation's region (with its 街镇) and domain."""
    if organisation.domain and target.domain != organisation.domain:
        return False
    return normalise_region(target.region) in region_scope(organisation.region)


def refusal(user: User, action: Action | str, target: Scoped | None = None) -> str | None:
    """Why ``user`` may not do ``action`` (to ``target``), in Chinese; ``None`` when allowed.

    Without a target, a scoped action is judged by the role alone (to show a button, say).
    """
    action = Action(action)
    role = Role(user.role)
    organisation = user.organisation
    if not user.active:
        return f"账号“{user.name}”已停用"
    if action not in ALLOWED[role]:
        return f"{organisation.name}的{role.label}“{user.name}”无权{action.phrase}"
    if action in SCOPED and target is not None and not in_scope(organisation, target):
        return (
            f"{organisation.name}的{role.label}只能{action.label}{scope_text(organisation)}的标准，"
            f"该标准属于{target.region}、{target.domain}领域"
        )
    return None


def scope_text(organisation: Organisation) -> str:
    """The organisation's scope in words: ``青浦区及所辖街镇``, ``朱家角镇、城市运维领域``."""
    region = normalise_region(organisation.region)
    text = f"{region}及所辖街镇" if region in DISTRICT_TOWNS else region
    return f"{text}、{organisation.domain}领域" if organisation.domain else text


def can(user: User, action: Action | str, target: Scoped | None = None) -> bool:
    """Whether ``user`` may do ``action`` (to ``target``)."""
    return refusal(user, action, target) is None


def can_edit(user: User, target: Scoped) -> bool:
    """Whether ``user`` may draft a new version of ``target``."""
    return can(user, Action.DRAFT, target)


def can_review(user: User, target: Scoped) -> bool:
    """Whether ``user`` may publish, reject, supersede or repeal ``target``."""
    return can(user, Action.REVIEW, target)


def require(user: User, action: Action | str, target: Scoped | None = None) -> None:
    """Check that ``user`` may do ``action`` (to ``target``).

    :raises PermissionDenied: with a Chinese message naming the role and the organisation.
    """
    reason = refusal(user, action, target)
    if reason is not None:
        raise PermissionDenied(
            reason,
            {
                "user": user.name,
                "role": Role(user.role).value,
                "organisation": user.organisation.name,
                "action": Action(action).value,
            },
        )


def require_actor(actor: User | str, action: Action | str, target: Scoped | None = None) -> None:
    """Like :func:`require` for a user; a name (``system``: the command line) is trusted."""
    if isinstance(actor, User):
        require(actor, action, target)
