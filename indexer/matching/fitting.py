"""The fits of many standards to one line's text, as numpy arrays, and the small helpers of ranking:
which units convert, which word sets make more than half of a text, the first few of each run.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import combinations

import numpy as np

from indexer.matching.text_fit import LineText
from indexer.matching.text_fit import TextFit
from indexer.matching.text_fit import TextFitter
from kb.budget.facts import StandardFacts
from kb.budget.figures import bare_unit
from kb.budget.figures import price_unit
from kb.errors import InvalidInput
from kb.units import Incomparable


class UnitTable(dict[str | None, bool]):
    """Standard unit → whether a line of ``unit`` converts to it, filled as asked."""

    def __init__(self, unit: str | None) -> None:
        super().__init__()
        self.unit = unit

    def __missing__(self, standard_unit: str | None) -> bool:
        found = self[standard_unit] = converts(self.unit, standard_unit)
        return found


class Fits:
    """The fits of many documents to one text, as arrays: computed once per distinct
    (事项, 类别, 等级), then per document only where its 名称 can change them."""

    def __init__(
        self,
        fitter: TextFitter,
        text: LineText,
        text_list: list[tuple[str, str, str]],
        texts: np.ndarray,
    ) -> None:
        distinct, self.which = np.unique(texts, return_inverse=True)
        self.plans = [fitter.plan(text, *text_list[i]) for i in distinct.tolist()]
        fixed = [plan.fixed or NO_FIT for plan in self.plans]
        self.tiers = np.array([fit.tier for fit in fixed], np.int64)[self.which]
        self.covers = np.array([fit.coverage for fit in fixed], np.float64)[self.which]
        self.residuals = np.array([fit.residual for fit in fixed], np.int64)[self.which]
        self.open = np.array([plan.fixed is None for plan in self.plans], bool)[self.which]
        self.named: dict[int, TextFit] = {}

    def name(self, docnums: np.ndarray, docs: Mapping[int, StandardFacts]) -> None:
        """Finish the fits that depend on the documents' 名称 (``docs``: their facts)."""
        positions = np.flatnonzero(self.open)
        plans = self.plans
        fits = [
            plans[which].fit(docs[docnum].name)
            for which, docnum in zip(
                self.which[positions].tolist(), docnums[positions].tolist(), strict=True
            )
        ]
        self.named = dict(zip(positions.tolist(), fits, strict=True))
        self.tiers[positions] = [fit.tier for fit in fits]
        self.covers[positions] = [fit.coverage for fit in fits]
        self.residuals[positions] = [fit.residual for fit in fits]

    def fit(self, position: int) -> TextFit:
        """The fit of the document at ``position`` of the arrays."""
        found = self.named.get(position) or self.plans[self.which[position]].fixed
        assert found is not None
        return found


NO_FIT = TextFit(-1, 0.0, 0, "")


def leading(regions: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """Of rows sorted by (region, group, …), the mask of the first ``count`` of each run."""
    size = len(regions)
    if not size:
        return np.zeros(0, bool)
    starts = np.flatnonzero(
        np.concatenate(([True], (regions[1:] != regions[:-1]) | (groups[1:] != groups[:-1])))
    )
    lengths = np.diff(np.append(starts, size))
    return np.arange(size) - np.repeat(starts, lengths) < count


def how(text: LineText, facts: StandardFacts, fit: TextFit) -> str:
    """How a standard's texts match the line's, in Chinese."""
    return fit.describe(text, facts.item, facts.category, facts.name)


def minimal_subsets(weights: list[int], half: float) -> list[tuple[int, ...]]:
    """The smallest sets of word positions whose weights add up to more than ``half``."""
    found: list[tuple[int, ...]] = []
    for size in range(1, len(weights) + 1):
        for chosen in combinations(range(len(weights)), size):
            enough = sum(weights[i] for i in chosen) > half
            if enough and not any(set(smaller) <= set(chosen) for smaller in found):
                found.append(chosen)
    return found


def converts(unit: str | None, standard_unit: str | None) -> bool:
    """Whether a line's unit price converts to the standard's unit (its qualifier aside)."""
    if not standard_unit:
        return False
    try:
        price_unit(unit, bare_unit(standard_unit)[0])
    except (Incomparable, InvalidInput):
        return False
    return True
