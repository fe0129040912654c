"""Controlled vocabularies with their Chinese labels; each parses either its key or its label."""

from __future__ import annotations

from enum import StrEnum

from kb.errors import InvalidInput


class LabelledEnum(StrEnum):
    """A ``StrEnum`` whose members carry a Chinese ``label`` and parse key or label."""

    label: str

    def __new__(cls, key: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, key)
        member._value_ = key
        member.label = label
        return member

    @classmethod
    def parse(cls, text: str) -> LabelledEnum:
        """The member whose key, label or alias is ``text`` (spaces ignored)."""
        wanted = "".join(str(text).split())
        found = cls._names().get(wanted)
        if found is not None:
            return found
        allowed = "、".join(m.label for m in cls)
        raise InvalidInput(f"“{text}”不是有效的{cls.title()}，可选：{allowed}")

    @classmethod
    def aliases(cls) -> dict[str, tuple[str, ...]]:
        return {}

    @classmethod
    def _names(cls) -> dict[str, LabelledEnum]:
        """Key, label and aliases → member, built once per class (imports parse every row)."""
        names = cls.__dict__.get("_names_cache")
        if names is None:
            names = {}
            for member in reversed(list(cls)):  # the first member wins, as a scan would find it
                for name in (member.value, member.label, *cls.aliases().get(member.value, ())):
                    names[name] = member
            type.__setattr__(cls, "_names_cache", names)
        return names

    @classmethod
    def title(cls) -> str:
        return cls.__name__


class Kind(LabelledEnum):
    PUBLIC_SERVICE = ("public_service", "公共服务标准")
    COST_QUOTA = ("cost_quota", "成本定额标准")
    EXPENDITURE = ("expenditure", "财政支出标准")

    @classmethod
    def title(cls) -> str:
        return "标准类型"

    @property
    def needs_value(self) -> bool:
        """Quotas and expenditure standards are figures; service standards are not."""
        return self is not Kind.PUBLIC_SERVICE


class Level(LabelledEnum):
    CENTRAL = ("central", "中央")
    PROVINCE = ("province", "省级")
    CITY = ("city", "市级")
    DISTRICT = ("district", "区级")
    TOWN = ("town", "镇级")

    @classmethod
    def aliases(cls) -> dict[str, tuple[str, ...]]:
        return {
            "central": ("国家", "国家级", "中央级"),
            "province": ("省", "省部级"),
            "city": ("市",),
            "district": ("区", "县级", "区县"),
            "town": ("镇", "街道", "镇级/街道", "街镇"),
        }

    @classmethod
    def title(cls) -> str:
        return "层级"


class Status(LabelledEnum):
    DRAFT = ("draft", "草案")
    CONSULTATION = ("consultation", "征求意见")
    IN_FORCE = ("in_force", "现行有效")
    SUPERSEDED = ("superseded", "已被修订")
    REPEALED = ("repealed", "已废止")

    @classmethod
    def title(cls) -> str:
        return "状态"

    @property
    def published(self) -> bool:
        """Published versions can be cited and can be in force on some date."""
        return self in (Status.IN_FORCE, Status.SUPERSEDED, Status.REPEALED)


class DocumentStatus(LabelledEnum):
    """A policy document's own status, as its issuer or a later document declared it."""

    IN_FORCE = ("in_force", "现行有效")
    AMENDED = ("amended", "已修订")
    REPLACED = ("replaced", "已被替代")
    REPEALED = ("repealed", "已废止")
    NOT_YET = ("not_yet", "尚未施行")

    @classmethod
    def aliases(cls) -> dict[str, tuple[str, ...]]:
        return {
            "in_force": ("有效", "现行"),
            "amended": ("已被修订", "部分修订"),
            "replaced": ("已替代", "已被取代", "已失效"),
            "repealed": ("废止", "已废除"),
            "not_yet": ("尚未生效", "未施行"),
        }

    @classmethod
    def title(cls) -> str:
        return "文件状态"

    @property
    def current(self) -> bool:
        """Whether a document in this status may still be cited as a basis (amended ones may)."""
        return self in (DocumentStatus.IN_FORCE, DocumentStatus.AMENDED)


class Role(LabelledEnum):
    """What an account may do; see :mod:`kb.accounts.permissions` for the rules."""

    VIEWER = ("viewer", "查看者")
    EDITOR = ("editor", "编辑")
    REVIEWER = ("reviewer", "审核人")
    ADMIN = ("admin", "管理员")

    @classmethod
    def title(cls) -> str:
        return "角色"


class DocType(LabelledEnum):
    NOTICE = ("notice", "通知")
    PLAN = ("plan", "方案")
    MEASURES = ("measures", "办法")
    GUIDE = ("guide", "指引")
    EXPLANATION = ("explanation", "说明")
    OTHER = ("other", "其他")

    @classmethod
    def title(cls) -> str:
        return "文件类型"


class Verdict(LabelledEnum):
    """What checking one budget line against its standard found."""

    WITHIN = ("within", "符合标准")
    OVER = ("over", "超标准")
    UNDER = ("under", "低于下限")
    NO_STANDARD = ("no_standard", "无适用标准")
    INCOMPARABLE = ("incomparable", "无法比较")

    @classmethod
    def title(cls) -> str:
        return "核查结论"


class Outcome(StrEnum):
    """What writing a record did to the knowledge base."""

    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
