"""同类项目对比: standards side by side, values normalised to one unit, with robust statistics.

Statistics are over the lower bound (``value``) of each standard, converted to the common unit
(:func:`kb.units.common_unit`); a range keeps its upper bound alongside. Standards whose unit does
not convert, or that have no figure, are shown apart with the reason, never silently dropped.

Outliers use the modified z-score of Iglewicz and Hoaglin, which rests on the median and the
median absolute deviation (MAD) and so is not dragged by the outlier itself:
``M = 0.6745 × (x − median) / MAD``, an outlier when ``|M| > 3.5``. When more than half the
values are equal the MAD is 0 and the mean absolute deviation stands in
(``M = (x − median) / (1.253314 × MeanAD)``). With fewer than four values nothing is called an
outlier. Everything is computed in ``Decimal``: the mean is rounded half up to the larger of two
places and the most places any normalised value has; the max/min ratio to two places.

Which versions to compare (named, filtered, or like for like) is chosen in
:mod:`kb.standards.comparables`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import localcontext

from kb.errors import InvalidInput
from kb.fields import FIELD
from kb.fields import FIELDS
from kb.fields import LABELS
from kb.fields import described
from kb.fields import values_of
from kb.files.cells import field_text
from kb.models import Standard
from kb.models import StandardVersion
from kb.units import Incomparable
from kb.units import common_unit
from kb.units import convert
from kb.units import is_exact
from kb.vocab import Level
from kb.vocab import Status

#: The rows: every field of a standard version (:data:`kb.fields.FIELDS`), labelled by :data:`LABELS`.
ROW_FIELDS: tuple[str, ...] = tuple(field.name for field in FIELDS)

_OUTLIER_SCORE = Decimal("3.5")
_MAD_CONSTANT = Decimal("0.6745")
_MEAN_AD_CONSTANT = Decimal("1.253314")
_MIN_FOR_OUTLIERS = 4
_PRECISION = 60


@dataclass(frozen=True)
class Column:
    """One standard version as compared: the fields a reader scans first."""

    code: str
    version: int
    name: str
    region: str
    level: Level
    grade: str | None
    value: Decimal | None
    value_max: Decimal | None
    unit: str | None
    status: Status
    effective_from: dt.date | None
    effective_to: dt.date | None
    illustrative: bool
    #: The 事项 without its grade (一类会议·住宿费 → 住宿费): what is compared like with like.
    item: str = ""


@dataclass(frozen=True)
class Row:
    """One field across every column, as text, and whether the columns disagree on it."""

    field: str
    label: str
    values: tuple[str | None, ...]
    differs: bool


@dataclass(frozen=True)
class Normalised:
    """A column's figure in the target unit, or ``None`` with the reason in Chinese."""

    value: Decimal | None
    value_max: Decimal | None = None
    exact: bool = True
    reason: str | None = None
    outlier: bool = False


@dataclass(frozen=True)
class Stats:
    """Statistics over the normalised lower bounds; ``outliers`` are column indexes."""

    count: int
    minimum: Decimal
    median: Decimal
    mean: Decimal
    maximum: Decimal
    spread: Decimal
    ratio: Decimal | None
    outliers: tuple[int, ...]


@dataclass(frozen=True)
class Group:
    """Columns that compare like with like: one 事项 in one unit, its grades side by side."""

    item: str
    unit: str | None
    columns: tuple[int, ...]
    stats: Stats | None


@dataclass(frozen=True)
class Comparison:
    """Standards aligned field by field, with normalised figures and their statistics.

    When the set mixes 事项 or units (住宿费, 伙食费 and their 合计 under one category), no
    statistic is taken over all of them (``stats`` is ``None``): each like-for-like group has
    its own, and ``warning`` says so.
    """

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    target_unit: str | None
    normalised: tuple[Normalised, ...]
    stats: Stats | None
    groups: tuple[Group, ...] = ()
    warning: str | None = None

    @property
    def apart(self) -> tuple[int, ...]:
        """Indexes of the columns left out of the statistics (their ``reason`` says why)."""
        return tuple(i for i, n in enumerate(self.normalised) if n.value is None)


def compare(versions: Sequence[StandardVersion]) -> Comparison:
    """Line ``versions`` up side by side, normalise their figures and describe them.

    Statistics are taken within each like-for-like group (:func:`like_groups`); over the whole
    set only when it is one group.
    """
    columns = tuple(_column(v) for v in versions)
    rows = tuple(_row(name, versions) for name in ROW_FIELDS)
    target = _target_unit(columns)
    normalised = [_normalise(c, target) for c in columns]
    marked: set[int] = set()
    groups = []
    for item, indexes in like_groups(columns, normalised).items():
        stats = _stats([normalised[i].value for i in indexes])
        if stats is not None:
            found = {indexes[i] for i in stats.outliers}
            marked |= found
            stats = replace(stats, outliers=tuple(sorted(found)))
        groups.append(Group(item, target, tuple(indexes), stats))
    normalised = [_mark(n, i in marked) for i, n in enumerate(normalised)]
    mixed = len(groups) > 1
    stats = None if mixed else (groups[0].stats if groups else None)
    warning = _mixed_warning(groups) if mixed else None
    return Comparison(columns, rows, target, tuple(normalised), stats, tuple(groups), warning)


def like_groups(
    columns: Sequence[Column], normalised: Sequence[Normalised]
) -> dict[str, list[int]]:
    """Indexes of the columns with a figure in the common unit, by 事项 without grade.

    Columns whose unit does not convert are already apart (their ``reason`` says why); the
    rest share one unit, so the 事项 alone tells like from unlike.
    """
    found: dict[str, list[int]] = {}
    for index, (column, figure) in enumerate(zip(columns, normalised, strict=True)):
        if figure.value is not None:
            found.setdefault(column.item, []).append(index)
    return found


def item_without_grade(item: str | None, grade: str | None, name: str) -> str:
    """The 事项 a standard prices, its grade taken out: ``一类会议·住宿费`` (一类会议) → ``住宿费``."""
    text = item or name
    if grade and grade in text and text != grade:
        text = text.replace(grade, "")
    return text.strip(" ·・-—_/（）()") or (item or name)


def _mixed_warning(groups: Sequence[Group]) -> str:
    named = "、".join(g.item for g in groups[:6])
    more = f"等 {len(groups)} 组" if len(groups) > 6 else f"共 {len(groups)} 组"
    return (
        f"所选标准包含不同事项：{named}，{more}。不同事项不宜合并统计，"
        "以下按事项分组统计，组内并列各等级。"
    )


def versions_over_time(standard: Standard) -> Comparison:
    """Every version of one standard, oldest first, compared like different standards."""
    return compare(list(standard.versions))


#: The standard fields a column carries as they are; its ``item`` is the 事项 without grade.
_COLUMN_FIELDS = tuple(name for name in described(Column) if name != "item")


def _column(version: StandardVersion) -> Column:
    item = item_without_grade(version.item, version.grade, version.name)
    return Column(**values_of(version, _COLUMN_FIELDS), item=item)


def _row(name: str, versions: Sequence[StandardVersion]) -> Row:
    values = tuple(_text(name, getattr(v, name)) for v in versions)
    return Row(name, LABELS[name], values, len(set(values)) > 1)


def _text(name: str, value: object) -> str | None:
    if value is None:
        return None
    return field_text(FIELD[name].typed(value) if name in FIELD else value)


def _target_unit(columns: Sequence[Column]) -> str | None:
    units = [c.unit for c in columns if c.unit and c.value is not None]
    try:
        return common_unit(units).text if units else None
    except InvalidInput:
        return None


def _normalise(column: Column, target: str | None) -> Normalised:
    if column.value is None:
        return Normalised(None, reason="无标准值")
    if not column.unit:
        return Normalised(None, reason="未填计量单位")
    if target is None:
        return Normalised(None, reason=f"无法识别计量单位“{column.unit}”")
    try:
        value = convert(column.value, column.unit, target)
        upper = convert(column.value_max, column.unit, target) if column.value_max else None
    except (Incomparable, InvalidInput) as error:
        return Normalised(None, reason=error.message)
    exact = is_exact(column.value, column.unit, target) and (
        column.value_max is None or is_exact(column.value_max, column.unit, target)
    )
    return Normalised(value, upper, exact)


def _mark(normalised: Normalised, outlier: bool) -> Normalised:
    return replace(normalised, outlier=True) if outlier else normalised


def _stats(values: Sequence[Decimal | None]) -> Stats | None:
    present = [v for v in values if v is not None]
    if not present:
        return None
    # Enough digits that sums, halves and the mean of large exact figures are never rounded.
    with localcontext(prec=_PRECISION):
        low, high = min(present), max(present)
        places = max(2, *(_places(v) for v in present))
        mean = (sum(present, Decimal(0)) / len(present)).quantize(
            Decimal(1).scaleb(-places), ROUND_HALF_UP
        )
        ratio = (high / low).quantize(Decimal("0.01"), ROUND_HALF_UP) if low > 0 else None
        far = outlying(present)
        outliers = tuple(i for i, v in enumerate(values) if v is not None and v in far)
        return Stats(len(present), low, median(present), mean, high, high - low, ratio, outliers)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def median(values: Sequence[Decimal]) -> Decimal:
    """The median, exact: the mean of the two middle values when there is an even number."""
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2


def outlying(values: Sequence[Decimal]) -> set[Decimal]:
    """The values whose modified z-score exceeds 3.5 (see the module docstring); none below 4."""
    if len(values) < _MIN_FOR_OUTLIERS:
        return set()
    centre = median(values)
    deviations = [abs(v - centre) for v in values]
    mad = median(deviations)
    if mad:
        return {
            v
            for v, d in zip(values, deviations, strict=True)
            if _MAD_CONSTANT * d > _OUTLIER_SCORE * mad
        }
    mean_ad = sum(deviations, Decimal(0)) / len(deviations)
    if not mean_ad:
        return set()
    scale = _MEAN_AD_CONSTANT * mean_ad
    return {v for v, d in zip(values, deviations, strict=True) if d > _OUTLIER_SCORE * scale}


# -- export ----------------------------------------------------------------------------------

#: The export's columns: each compared field under its label, then the normalised figure.
EXPORT_HEADERS: tuple[str, ...] = (
    *(LABELS[name] for name in _COLUMN_FIELDS),
    *("折算单位", "折算值", "折算上限", "异常值", "说明"),
)


def comparison_rows(comparison: Comparison) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """A flat table for CSV/XLSX: one row per column compared, then one per statistic."""
    target = comparison.target_unit or ""
    rows = [
        _export_row(column, normalised, target)
        for column, normalised in zip(comparison.columns, comparison.normalised, strict=True)
    ]
    stats = comparison.stats
    if stats is not None:
        for label, value in (
            ("数量", Decimal(stats.count)),
            ("最小值", stats.minimum),
            ("中位数", stats.median),
            ("平均值", stats.mean),
            ("最大值", stats.maximum),
            ("极差", stats.spread),
            ("最大值/最小值", stats.ratio),
        ):
            row = {LABELS["name"]: f"统计：{label}", "折算单位": target, "折算值": _cell(value)}
            rows.append(row)
    return EXPORT_HEADERS, rows


def _export_row(column: Column, normalised: Normalised, target: str) -> dict[str, str]:
    cells = (
        *(getattr(column, name) for name in _COLUMN_FIELDS),
        *(target if normalised.value is not None else "", normalised.value, normalised.value_max),
        *("是" if normalised.outlier else "", normalised.reason),
    )
    return dict(zip(EXPORT_HEADERS, (_cell(c) for c in cells), strict=True))


def _cell(value: object) -> str:
    return _text("", value) or ""
