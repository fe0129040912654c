from decimal import Decimal

from kb import standards
from kb.standards.catalog import catalogue
from kb.vocab import Level
from tests.factories import make_standard


def test_catalogue_counts_each_standard_once_by_its_latest_version(session):
    standards.write(session, make_standard(code="A"))
    standards.write(session, make_standard(code="A", value=Decimal("20")))
    standards.write(session, make_standard(code="B", region="朱家角镇", level=Level.TOWN))
    standards.write(session, make_standard(code="C", category="道路保洁", item="道路保洁"))
    session.commit()

    tree = catalogue(session)

    assert tree.by_level.count == 3
    assert [(n.name, n.count) for n in tree.by_level.children.values()] == [
        ("district", 2),
        ("town", 1),
    ]
    domain = tree.by_domain.children["城市运维"]
    assert [(n.name, n.count) for n in domain.sorted_children()] == [
        ("绿化养护", 2),
        ("道路保洁", 1),
    ]
