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


def test_towns_sit_under_their_district_and_places_under_central_by_their_own_level(session):
    for code, level, region in (
        ("T1", Level.TOWN, "朱家角镇"),
        ("T2", Level.TOWN, "练塘镇"),
        ("T3", Level.TOWN, "桃浦镇"),
        ("D1", Level.DISTRICT, "青浦区"),
        ("C1", Level.CENTRAL, "全国（中央和国家机关）"),
        ("C2", Level.CENTRAL, "上海市"),
        ("C3", Level.CENTRAL, "深圳市"),
        ("C4", Level.CENTRAL, "四川省"),
    ):
        standards.write(session, make_standard(code=code, level=level, region=region))
    session.commit()

    tree = catalogue(session).by_level.children

    def shape(node):
        return {c.name: (c.count, c.own, shape(c)) for c in node.children.values()}

    assert shape(tree["town"]) == {
        "青浦区": (2, 0, {"朱家角镇": (1, 1, {}), "练塘镇": (1, 1, {})}),
        "普陀区": (1, 0, {"桃浦镇": (1, 1, {})}),
    }
    assert shape(tree["district"]) == {"青浦区": (1, 1, {})}
    assert shape(tree["central"]) == {
        "全国（中央和国家机关）": (1, 1, {}),
        "市级地区": (1, 0, {"上海市": (1, 1, {})}),
        "省级地区": (2, 0, {"广东省": (1, 0, {"深圳市": (1, 1, {})}), "四川省": (1, 1, {})}),
    }
