"""The columns of a budget sheet: which field each header names, and its money scale.

Headers are matched in Chinese or as the key, brackets and spaces aside: ``单价（元/人·天）`` is
the unit price, ``金额（万元）`` an amount in 万元.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from kb.budget.figures import MONEY_SCALES

#: Known columns: field → header spellings (the key itself is accepted too, in any case).
HEADERS: dict[str, tuple[str, ...]] = {
    "item": (
        *("事项", "项目名称", "项目", "名称", "费用名称", "支出事项", "预算事项", "明细事项"),
        *("支出项目", "费用项目", "项目内容", "内容", "经济分类", "支出内容"),
    ),
    "category": ("类别", "费用类别", "支出类别", "分类", "费用类型", "项目类别"),
    "quantity": ("数量", "工作量", "工程量"),
    "unit": ("计量单位", "单位", "数量单位"),
    "unit_price": ("单价", "标准单价", "预算单价", "测算单价"),
    "amount": (
        *("金额", "合计", "预算金额", "小计", "总价", "预算数", "申报金额", "总额"),
        *("金额合计", "预算合计", "测算金额", "申报数"),
    ),
    "region": ("地区", "区域", "实施地区", "所属地区", "街镇", "实施地点"),
    "grade": ("等级", "标准等级", "档次", "级别", "类型等级"),
    "persons": ("人数", "参会人数", "参训人数", "人员数"),
    "days": ("天数", "会期", "会期天数", "培训天数"),
}
#: Headers that are known but not read: they help find the header row.
IGNORED_HEADERS = ("序号", "备注", "说明", "编号", "行次")
NUMBER_FIELDS = ("quantity", "unit_price", "amount", "persons", "days")
MONEY_FIELDS = ("unit_price", "amount")
_FIELD_BY_NAME: dict[str, str] = {
    name: key for key, names in HEADERS.items() for name in (key, *names)
}
_BRACKET = re.compile(r"[（(]([^（）()]*)[）)]")


@dataclass(frozen=True)
class Column:
    """One column of the sheet: its title for the report, its field and its money scale."""

    index: int
    title: str
    field: str | None
    scale: Decimal | None = None
    #: What a price column's header says its prices are per: 单价（元/人·天） → 人·天.
    per: str | None = None


def field_of(header: str) -> tuple[str | None, Decimal | None]:
    """The field a header names and the money scale it states: ``金额（万元）`` → amount, 10000."""
    text = unicodedata.normalize("NFKC", header or "")
    text = "".join(text.split())
    scale = None
    for inside in _BRACKET.findall(text):
        scale = scale or _scale_of(inside)
    name = header_name(text)
    return _FIELD_BY_NAME.get(name) or _FIELD_BY_NAME.get(name.lower()), scale


def per_of(header: str) -> str | None:
    """What a header's bracketed price unit is per: ``单价（元/平方米·月）`` → ``平方米·月``."""
    text = "".join(unicodedata.normalize("NFKC", header or "").split())
    for inside in _BRACKET.findall(text):
        money, slash, per = inside.partition("/")
        if slash and per and money in MONEY_SCALES:
            return per
    return None


def header_name(text: str) -> str:
    """A header without brackets or spaces: ``单价（元/人·天）`` → ``单价``."""
    bare = _BRACKET.sub("", unicodedata.normalize("NFKC", text or ""))
    return "".join(bare.split()).rstrip(":：")


def _scale_of(text: str) -> Decimal | None:
    for name, scale in MONEY_SCALES.items():
        if text.startswith(name):
            return scale
    return None


def label(field: str) -> str:
    """A field's Chinese name, as the message about a cell names its column."""
    return HEADERS[field][0]
