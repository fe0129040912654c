from decimal import Decimal

from kb.standards.components import Component
from kb.standards.components import split_components


def test_amounts_get_their_share_of_the_total():
    assert split_components("人工费:12;材料费:4;管理费:4") == [
        Component("人工费", Decimal("12"), Decimal("60.0")),
        Component("材料费", Decimal("4"), Decimal("20.0")),
        Component("管理费", Decimal("4"), Decimal("20.0")),
    ]


def test_shares_are_read_as_percent():
    assert split_components("人工费:60%;材料费:25%") == [
        Component("人工费", None, Decimal("60")),
        Component("材料费", None, Decimal("25")),
    ]


def test_nothing_to_split():
    assert split_components(None) == []
    assert split_components("") == []
