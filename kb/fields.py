"""One description of a standard's fields: every other shape of a standard derives from it.

:data:`FIELDS` says, once, for each field of a standard version: its key, its Chinese label (the
interchange header), how its value is held, whether the file needs it, its length limit, its
vocabulary, its default, and what the search index keeps of it. From it come the interchange
columns (:mod:`kb.standards.interchange`), the fields a version carries (:data:`VERSION_FIELDS`),
the labels of comparisons and diffs, the search index's stored fields and facets
(:mod:`indexer.schema`) and the API's marshmallow fields (``webapp.api.schemas.standard_fields``).

Typed shapes stay written out where type checkers and readers need them
(:class:`~kb.records.StandardRecord`, the ``StandardVersion`` model, ``StandardFacts``,
``Candidate``, the comparison's ``Column``, ``SearchHit``): tests hold each to this description
(``tests/kb/test_fields.py``, ``tests/indexer/test_schema.py``), and their values are filled
through :func:`values_of`, so none of them restates how a field is read or converted.

Adding a field: a :class:`Field` here, the attribute on the record and the model (with an Alembic
migration); if the index keeps or searches it, the index's ``SCHEMA_VERSION`` (a test says so).
Code elsewhere only where the field has behaviour of its own (a rule in the interchange reader, a
place on a page). The interchange columns, the API's version, hit and input schemas, the edit form,
comparison rows, version diffs and the search text follow from the description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from operator import attrgetter
from typing import Any

from kb.vocab import Kind
from kb.vocab import LabelledEnum
from kb.vocab import Level
from kb.vocab import Status


class Need(StrEnum):
    """Whether the interchange file must fill a field in."""

    REQUIRED = "required"
    FOR_FIGURES = "for_figures"
    OPTIONAL = "optional"


class Type(StrEnum):
    """How a field's value is held (the Python type of :attr:`Field.python_type`)."""

    TEXT = "text"
    CHOICE = "choice"
    DECIMAL = "decimal"
    DATE = "date"
    FLAG = "flag"
    NUMBER = "number"


class Indexed(StrEnum):
    """What the search index keeps of a field, so that a hit can show it."""

    #: An exact value with a column: counted as a facet and filtered on.
    FACET = "facet"
    #: Stored with a column (sorted or read as numbers: the code, the version, dates).
    COLUMN = "column"
    #: Stored for display only.
    STORED = "stored"


_PYTHON_TYPES: dict[Type, type] = {
    Type.TEXT: str,
    Type.DECIMAL: Decimal,
    Type.DATE: dt.date,
    Type.FLAG: bool,
    Type.NUMBER: int,
}


@dataclass(frozen=True)
class Field:
    """One field of a standard version, described once."""

    name: str
    #: The Chinese label: the interchange header and the name in every message and table.
    label: str
    type: Type = Type.TEXT
    need: Need = Need.OPTIONAL
    #: A hint for people filling the field in (the file's column guide, the edit form).
    note: str = ""
    #: Longest text accepted, as the database column holds it; None: the cell limit only.
    max_length: int | None = None
    #: The vocabulary of a :attr:`Type.CHOICE` field.
    choices: type[LabelledEnum] | None = None
    #: The value of a version that leaves the field empty.
    default: Any = None
    #: A column of the interchange file (the version number is not: the database counts it).
    in_file: bool = True
    #: Names the standard or the version (code, version) rather than saying anything.
    identity: bool = False
    #: Moves with the version's life (publish, supersede, repeal) rather than with its content.
    lifecycle: bool = False
    #: What the search index keeps of it; None: nothing but the searched text.
    indexed: Indexed | None = None

    @property
    def key(self) -> str:
        """The field's key, as the interchange file and the API name it."""
        return self.name

    @property
    def header(self) -> str:
        """The Chinese header of the interchange column."""
        return self.label

    @property
    def python_type(self) -> type:
        """The type of a filled value (an enum for a choice)."""
        if self.type is Type.CHOICE:
            assert self.choices is not None
            return self.choices
        return _PYTHON_TYPES[self.type]

    @property
    def always(self) -> bool:
        """Whether every stored version has a value (required, identity, or defaulted)."""
        return self.identity or self.need is Need.REQUIRED or self.default is not None

    @property
    def long_text(self) -> bool:
        """Free text without a length of its own (a text area, not a line, in a form)."""
        return self.type is Type.TEXT and self.max_length is None

    def typed(self, value: Any) -> Any:
        """``value`` as this field holds it: a vocabulary member for a choice stored as its key,
        a bool for a flag, the default for nothing; other values unchanged."""
        if value is None:
            return self.default
        if self.type is Type.CHOICE:
            assert self.choices is not None
            return self.choices(value)
        if self.type is Type.FLAG:
            return bool(value)
        return value

    def json_value(self, value: Any) -> Any:
        """``value`` as JSON holds it: a choice's key, a decimal's exact digits, an ISO date."""
        if value is None:
            return None
        typed = self.typed(value)
        if self.type is Type.CHOICE:
            return typed.value
        if self.type is Type.DECIMAL:
            return format(typed, "f")
        if self.type is Type.DATE:
            return typed.isoformat()
        return typed


#: Every field of a standard version, in interchange order (``version`` is not in the file).
FIELDS: tuple[Field, ...] = (
    Field(
        "code",
        "标准编号",
        note="不填则自动编号；同一编号再次导入且内容有变化时生成新版本",
        max_length=64,
        identity=True,
        indexed=Indexed.COLUMN,
    ),
    Field("version", "版本", Type.NUMBER, in_file=False, identity=True, indexed=Indexed.COLUMN),
    Field("name", "标准名称", need=Need.REQUIRED, max_length=500),
    Field(
        "kind",
        "标准类型",
        Type.CHOICE,
        Need.REQUIRED,
        "公共服务标准、成本定额标准、财政支出标准（或英文键）",
        choices=Kind,
        indexed=Indexed.FACET,
    ),
    Field(
        "level",
        "层级",
        Type.CHOICE,
        Need.REQUIRED,
        "中央、省级、市级、区级、镇级（或英文键）",
        choices=Level,
        indexed=Indexed.FACET,
    ),
    Field("region", "地区", need=Need.REQUIRED, max_length=100, indexed=Indexed.FACET),
    Field("domain", "领域", need=Need.REQUIRED, max_length=100, indexed=Indexed.FACET),
    Field("category", "类别", max_length=100, indexed=Indexed.FACET),
    Field("item", "事项", max_length=300),
    Field("grade", "等级", max_length=100, indexed=Indexed.FACET),
    Field(
        "unit",
        "计量单位",
        need=Need.FOR_FIGURES,
        note="如 元/平方米·年",
        max_length=100,
        indexed=Indexed.STORED,
    ),
    Field(
        "value",
        "标准值",
        Type.DECIMAL,
        Need.FOR_FIGURES,
        "十进制数，按所填位数原样保存；区间时为下限",
        indexed=Indexed.STORED,
    ),
    Field(
        "value_max",
        "上限",
        Type.DECIMAL,
        note="标准为区间时填写上限，不得小于标准值",
        indexed=Indexed.STORED,
    ),
    Field(
        "components",
        "成本构成",
        note="人工费:12.3;材料费:4.1（金额）或 人工费:60%;材料费:25%（比例）",
    ),
    Field("conditions", "适用条件"),
    Field("service_level", "服务标准"),
    Field("issuer", "制定部门", max_length=200),
    Field("basis", "依据", note="《标题》（文号）条款，多个以“；”分隔"),
    Field(
        "effective_from",
        "生效日期",
        Type.DATE,
        note="2024-05-09、2024/5/9、2024.5.9 或 2024年5月9日",
        lifecycle=True,
        indexed=Indexed.COLUMN,
    ),
    Field(
        "effective_to",
        "失效日期",
        Type.DATE,
        note="不得早于生效日期",
        lifecycle=True,
        indexed=Indexed.COLUMN,
    ),
    Field(
        "status",
        "状态",
        Type.CHOICE,
        note="草案、征求意见、现行有效、已被修订、已废止；默认现行有效",
        choices=Status,
        default=Status.IN_FORCE,
        lifecycle=True,
        indexed=Indexed.FACET,
    ),
    Field("notes", "备注"),
    Field("source", "来源", note="数值出处：网址以“ ; ”分隔，或文件名"),
    # An extension of DESIGN §4: 否 marks a figure read only from a copy (a repost), shown 未核实.
    Field(
        "verified",
        "已核实",
        Type.FLAG,
        note="是/否：数值是否已按发文机关发布的原件核对；否则显示“未核实”；空为未说明",
    ),
    # An extension of DESIGN §4: marks invented demonstration figures.
    Field(
        "illustrative",
        "示例数据",
        Type.FLAG,
        note="是/否：是否为虚构的演示数据；空为否",
        default=False,
        indexed=Indexed.STORED,
    ),
)

#: Field key → its description.
FIELD: dict[str, Field] = {field.name: field for field in FIELDS}
#: Field key → Chinese label, for every field (the version number's too).
LABELS: dict[str, str] = {field.name: field.label for field in FIELDS}
#: The columns of the interchange file, in file order.
FILE_FIELDS: tuple[Field, ...] = tuple(field for field in FIELDS if field.in_file)
#: What a version says, in interchange order: every field but the code and the version number.
VERSION_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if not field.identity)
#: Fields that move with a version's life rather than with what it says.
LIFECYCLE_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS if field.lifecycle)
#: Fields the search index keeps for its hits, in field order.
INDEXED_FIELDS: tuple[Field, ...] = tuple(field for field in FIELDS if field.indexed)
#: Fields counted as facets and filtered on, in field order.
FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.indexed is Indexed.FACET)

#: The text a search matches beside the name, in this order: what a reviewer types to find a
#: standard (its code, words of its place in the catalogue, labels, figures, issuer).
KEYWORD_FIELDS: tuple[str, ...] = (
    *("code", "category", "grade", "region", "domain", "kind", "level"),
    *("value", "value_max", "unit", "issuer"),
)
#: The stored text snippets are cut from, in the order a reader wants it (what, then how much).
BODY_FIELDS: tuple[str, ...] = (
    *("item", "service_level", "conditions", "components", "basis", "notes"),
)


def described(shape: type) -> tuple[str, ...]:
    """The fields of a dataclass or named tuple that are standard fields, in its own order."""
    if is_dataclass(shape):
        names: Iterable[str] = (f.name for f in dataclass_fields(shape))
    else:
        names = getattr(shape, "_fields", ())
    return tuple(name for name in names if name in FIELD)


def values_of(source: object, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of ``source`` (a version, a record, a row of facts), each as its field
    holds it (:meth:`Field.typed`)."""
    return reader(names)(source)


@lru_cache(maxsize=64)
def reader(names: tuple[str, ...]) -> Callable[[object], dict[str, Any]]:
    """:func:`values_of` for these names, prepared once: budget matching builds tens of thousands
    of candidates, so the attributes are read at once and only choices and flags converted."""
    get = attrgetter(*names)
    plain = (Type.TEXT, Type.DECIMAL, Type.DATE, Type.NUMBER)
    converted = tuple(
        (name, field.typed)
        for name, field in ((name, FIELD[name]) for name in names)
        if field.type not in plain or field.default is not None
    )

    def read(source: object) -> dict[str, Any]:
        found = get(source)
        values = dict(zip(names, found if len(names) > 1 else (found,), strict=True))
        for name, convert in converted:
            values[name] = convert(values[name])
        return values

    return read
