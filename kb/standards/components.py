"""成本构成: the parts of a cost, as amounts or shares, read from their normalised text."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Component:
    """One part of a cost: ``amount`` in the standard's unit, or ``share`` in percent."""

    name: str
    amount: Decimal | None
    share: Decimal

    @property
    def is_share(self) -> bool:
        return self.amount is None


def split_components(text: str | None) -> list[Component]:
    """``人工费:12.3;材料费:4.1`` → amounts with their shares of the total; ``人工费:60%`` → shares."""
    pairs = [entry.split(":", 1) for entry in (text or "").split(";") if ":" in entry]
    if not pairs:
        return []
    if pairs[0][1].endswith("%"):
        return [Component(name, None, Decimal(figure.removesuffix("%"))) for name, figure in pairs]
    amounts = [(name, Decimal(figure)) for name, figure in pairs]
    total = sum((amount for _, amount in amounts), Decimal(0))
    return [
        Component(
            name, amount, (amount * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0)
        )
        for name, amount in amounts
    ]
