"""The benchmark's reviewer-like queries: 1–4 words, two thirds with filters, some finding nothing.

Drawn from :mod:`catalog` with a fixed seed, so every run and both benchmarks (in-process and
HTTP) send exactly the same queries.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import urlencode

from catalog import ABSENT_WORDS
from catalog import CATEGORIES
from catalog import CITY
from catalog import DISTRICTS
from catalog import POLICY_WORDS
from catalog import TOWNS

KINDS = ("public_service", "cost_quota", "expenditure")
LEVELS = ("central", "province", "city", "district", "town")
#: Words reviewers type on their own: short and common, so they match many records.
COMMON_WORDS = ("保洁", "养护", "维护", "运维", "定额", "培训", "收运", "服务标准", "成本定额")
_KIND_WORD = {"public_service": "服务标准", "cost_quota": "成本定额", "expenditure": "支出标准"}


@dataclass(frozen=True)
class BenchQuery:
    """One query: its text and filters (API parameter names and values)."""

    q: str
    filters: dict[str, str] = field(default_factory=dict)
    #: True when built from words the corpus never contains.
    absent: bool = False

    @property
    def words(self) -> int:
        return len(self.q.split())

    def params(self) -> dict[str, str]:
        return {"q": self.q, **self.filters}

    def query_string(self) -> str:
        return urlencode(self.params())


def reviewer_queries(count: int = 300, seed: int = 7) -> list[BenchQuery]:
    """``count`` queries; about 10% made of absent words, two thirds with one or two filters."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        if rng.random() < 0.10:
            words = rng.sample(ABSENT_WORDS, rng.choice((1, 1, 2)))
            queries.append(BenchQuery(" ".join(words), _filters(rng), absent=True))
            continue
        text = _text(rng, rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0])
        queries.append(BenchQuery(text, _filters(rng)))
    return queries


def distinct_queries(
    count: int, seed: int, exclude: list[BenchQuery] | tuple[BenchQuery, ...] = ()
) -> list[BenchQuery]:
    """``count`` queries that differ from each other and from ``exclude`` (text and filters).

    The search keeps a per-process answer cache, so a query sent twice measures the cache;
    timed passes use queries it has not seen.
    """
    seen = {_key(q) for q in exclude}
    found: list[BenchQuery] = []
    batch = 0
    while len(found) < count and batch < 1000:
        for query in reviewer_queries(count, seed * 1000 + batch):
            if _key(query) not in seen:
                seen.add(_key(query))
                found.append(query)
                if len(found) == count:
                    break
        batch += 1
    return found


def _key(query: BenchQuery) -> tuple[str, tuple[tuple[str, str], ...]]:
    return query.q, tuple(sorted(query.filters.items()))


def _text(rng: random.Random, words: int) -> str:
    category = rng.choice(CATEGORIES)
    item = rng.choice(category.items).name
    grade = rng.choice(category.grades)
    kind_word = _KIND_WORD[rng.choice(category.kinds)]
    region = _region(rng)
    if words == 1:
        return rng.choice(
            (category.name, item, item, rng.choice(POLICY_WORDS), rng.choice(COMMON_WORDS), region)
        )
    if words == 2:
        return rng.choice(
            (
                f"{item} {grade}",
                f"{region} {category.name}",
                f"{category.name} {kind_word}",
                f"{region} {item}",
                f"{item} {rng.choice(POLICY_WORDS)}",
            )
        )
    if words == 3:
        return rng.choice((f"{region} {item} {grade}", f"{category.name} {grade} {kind_word}"))
    return f"{region} {item} {grade} {kind_word}"


def _region(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(list(DISTRICTS))
    if roll < 0.9:
        return rng.choice(list(TOWNS))
    return CITY


def _filters(rng: random.Random) -> dict[str, str]:
    if rng.random() >= 2 / 3:
        return {}
    names = rng.sample(("kind", "level", "region", "on"), rng.choice((1, 1, 2)))
    found = {}
    for name in names:
        if name == "kind":
            found["kind"] = rng.choice(KINDS)
        elif name == "level":
            found["level"] = rng.choices(LEVELS, weights=(10, 5, 20, 35, 30))[0]
        elif name == "region":
            found["region"] = _region(rng)
        else:
            day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(7 * 365))
            found["on"] = day.isoformat()
    return found
