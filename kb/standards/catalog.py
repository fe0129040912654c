"""分层次、分领域、分类别: counts of standards by level → region and by domain → category → item."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb import regions
from kb.models import StandardVersion
from kb.vocab import Level


@dataclass
class Node:
    """One branch of the catalogue: its name, how many standards it holds, its sub-branches."""

    name: str
    count: int = 0
    children: dict[str, Node] = field(default_factory=dict)
    #: Standards filed on this node itself (a region that has its own standards), not below it.
    own: int = 0
    #: What the node stands for: ``level``, ``region``, ``group`` (a heading), ``domain`` …
    kind: str = ""

    def add(self, path: tuple[str, ...], count: int, kinds: tuple[str, ...] = ()) -> None:
        self.count += count
        if not path:
            self.own += count
            return
        head, *rest = path
        child = self.children.setdefault(head, Node(head, kind=kinds[0] if kinds else ""))
        child.add(tuple(rest), count, kinds[1:])

    def sorted_children(self) -> list[Node]:
        return sorted(self.children.values(), key=lambda n: (-n.count, n.name))


@dataclass(frozen=True)
class Catalogue:
    by_level: Node
    by_domain: Node


def latest_versions():  # noqa: ANN201 - a SQLAlchemy subquery
    """Each standard's latest version number, as a subquery."""
    return (
        select(StandardVersion.standard_id, func.max(StandardVersion.version).label("latest"))
        .group_by(StandardVersion.standard_id)
        .subquery()
    )


def catalogue(session: Session) -> Catalogue:
    """Counts over each standard's latest version."""
    latest = latest_versions()
    rows = session.execute(
        select(
            StandardVersion.level,
            StandardVersion.region,
            StandardVersion.domain,
            StandardVersion.category,
            StandardVersion.item,
            func.count(),
        )
        .join(
            latest,
            (StandardVersion.standard_id == latest.c.standard_id)
            & (StandardVersion.version == latest.c.latest),
        )
        .group_by(
            StandardVersion.level,
            StandardVersion.region,
            StandardVersion.domain,
            StandardVersion.category,
            StandardVersion.item,
        )
    ).all()
    by_level, by_domain = Node("全部"), Node("全部")
    order = {level.value: index for index, level in enumerate(Level)}
    level_counts: Counter[str] = Counter()
    for level, region, domain, category, item, count in rows:
        level_counts[level] += count
        path, kinds = region_path(level, region)
        by_level.add((level, *path), count, ("level", *kinds))
        by_domain.add((domain, category or "（未分类）", item or "（未填事项）"), count)
    by_level.children = dict(sorted(by_level.children.items(), key=lambda kv: order.get(kv[0], 99)))
    return Catalogue(by_level, by_domain)


def region_path(level: str, region: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Where a standard of ``level`` for ``region`` sits below its level, and what each step is.

    Places nest as they do in government: a town under its district (镇级 → 青浦区 → 朱家角镇).
    Below 中央 and 省级, standards written for particular places (the 差旅住宿费 table per
    province) are grouped by the places' own level, a province holding its cities
    (中央 → 省级地区 → 广东省 → 深圳市; 中央 → 市级地区 → 上海市), apart from the nationwide ones.
    An unknown place (全国（中央和国家机关）) stays directly below its level.
    """
    if not regions.is_known(region):
        return (region,), ("region",)
    chain = [p for p in reversed(regions.region_chain(region)) if p.name != regions.NATIONAL]
    standard_level = Level(level)
    if standard_level in (Level.CENTRAL, Level.PROVINCE):
        places = [p for p in chain if _rank(p.level) > _rank(standard_level)]
        if not places:
            return (region,), ("region",)
        # A municipality (上海市) is a city directly below 全国: no province holds it.
        group = f"{Level(places[0].level).label}地区"
        return (group, *(p.name for p in places)), ("group", *("region" for _ in places))
    # Districts and towns: a town under its district; the city above them is left out.
    names = tuple(p.name for p in chain if _rank(p.level) >= _rank(Level.DISTRICT)) or (region,)
    return names, tuple("region" for _ in names)


def _rank(level: Level | str) -> int:
    return list(Level).index(Level(level))


@dataclass(frozen=True)
class Choices:
    """The values a form may offer: every category, item and region the latest versions use."""

    categories: tuple[str, ...]
    items: tuple[str, ...]
    regions: tuple[str, ...]


def choices(session: Session) -> Choices:
    """Distinct categories, items and regions of each standard's latest version, sorted."""
    latest = latest_versions()
    rows = session.execute(
        select(StandardVersion.category, StandardVersion.item, StandardVersion.region)
        .join(
            latest,
            (StandardVersion.standard_id == latest.c.standard_id)
            & (StandardVersion.version == latest.c.latest),
        )
        .distinct()
    ).all()

    def distinct(position: int) -> tuple[str, ...]:
        return tuple(sorted({row[position] for row in rows if row[position]}))

    return Choices(distinct(0), distinct(1), distinct(2))
