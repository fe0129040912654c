"""分层次、分领域、分类别: counts of standards by level → region and by domain → category → item."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.models import StandardVersion
from kb.vocab import Level


@dataclass
class Node:
    """One branch of the catalogue: its name, how many standards it holds, its sub-branches."""

    name: str
    count: int = 0
    children: dict[str, Node] = field(default_factory=dict)

    def add(self, path: tuple[str, ...], count: int) -> None:
        self.count += count
        if path:
            head, *rest = path
            self.children.setdefault(head, Node(head)).add(tuple(rest), count)

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
        by_level.add((level, region), count)
        by_domain.add((domain, category or "（未分类）", item or "（未填事项）"), count)
    by_level.children = dict(sorted(by_level.children.items(), key=lambda kv: order.get(kv[0], 99)))
    return Catalogue(by_level, by_domain)
