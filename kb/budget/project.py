"""The project's region: the same default everywhere, unknown places refused with suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from kb.budget.lines import DEFAULT_REGION
from kb.budget.lines import BrokenRow
from kb.budget.lines import BudgetLine
from kb.budget.lines import CheckContext
from kb.errors import InvalidInput
from kb.regions import NATIONAL
from kb.regions import is_known
from kb.regions import normalise_region
from kb.regions import suggest_regions


def resolve_context(
    context: CheckContext, sheet_region: str | None = None
) -> tuple[CheckContext, tuple[str, ...]]:
    """The context with its region settled, and a note on where the region came from.

    The same default everywhere (page, API, command line): the region asked for, else the one
    the sheet's title rows name, else :data:`~kb.budget.lines.DEFAULT_REGION`.

    :raises InvalidInput: a region that is no place known here, with suggestions.
    """
    if context.region:
        region, note = known_region(context.region), None
    elif sheet_region:
        region, note = known_region(sheet_region), f"项目地区取自预算表表头：{sheet_region}"
    else:
        region = DEFAULT_REGION
        note = f"未指定项目地区，预算表表头也未写明，按{DEFAULT_REGION}核查（可指定地区）"
    return replace(context, region=region), (note,) if note else ()


def known_region(text: str, *, field: str = "region") -> str:
    """A region as known here (青浦 → 青浦区), or an error that suggests the places meant.

    :raises InvalidInput: no place of that name is known (火星; 朱家角 → 朱家角镇?).
    """
    name = normalise_region(text)
    if is_known(name) or name == NATIONAL:
        return name
    suggestions = suggest_regions(text)
    hint = (
        f"，是否指：{'、'.join(suggestions)}"
        if suggestions
        else "，请填写上海市、区或街镇名称，如 青浦区、朱家角镇"
    )
    raise InvalidInput(f"无法识别地区“{text}”{hint}", {field: text, "suggestions": suggestions})


def screen_regions(
    lines: Sequence[BudgetLine],
) -> tuple[tuple[BudgetLine, ...], tuple[BrokenRow, ...]]:
    """Lines whose own 地区 is known here (normalised), and the others as broken rows."""
    kept: list[BudgetLine] = []
    broken: list[BrokenRow] = []
    for line in lines:
        if not line.region:
            kept.append(line)
            continue
        try:
            region = known_region(line.region)
        except InvalidInput as error:
            broken.append(BrokenRow(line.row, error.message, line.cells))
            continue
        kept.append(line if region == line.region else replace(line, region=region))
    return tuple(kept), tuple(broken)
