"""Micro-benchmark of the index: analysis throughput, rebuild time, search p50/p95 (full answers).

Builds N synthetic standards (default 10,000; ~10 % with a superseded earlier version) through
kb into a fresh SQLite database, rebuilds the index with indexer.sync, then runs reviewer-like
queries (1–4 words, two thirds with filters, some with no hits, some with on=DATE) through
indexer.search, each returning facets and <mark> snippets. Prints the figures; asserts nothing.

    .venv/bin/python bench/index_micro.py [--standards 10000] [--queries 300] [--keep DIR]

With ``--keep DIR`` the instance stays, and a later run with the same DIR reuses its database.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This script needs nothing from bench/: take the folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from decimal import Decimal  # noqa: E402

from indexer import forking  # noqa: E402
from indexer import sync  # noqa: E402
from indexer.analysis import chinese_analyzer  # noqa: E402
from indexer.dictionary import load_lexicon  # noqa: E402
from indexer.schema import standard_docs  # noqa: E402
from indexer.search import SearchQuery  # noqa: E402
from indexer.search import search  # noqa: E402
from indexer.search import search_index  # noqa: E402
from kb import standards  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.db import create_schema  # noqa: E402
from kb.db import make_engine  # noqa: E402
from kb.db import make_session_factory  # noqa: E402
from kb.records import StandardRecord  # noqa: E402
from kb.vocab import Kind  # noqa: E402
from kb.vocab import Level  # noqa: E402
from kb.vocab import Status  # noqa: E402

REGIONS = {
    Level.DISTRICT: [
        "青浦区",
        "普陀区",
        "静安区",
        "杨浦区",
        "虹口区",
        "松江区",
        "闵行区",
        "浦东新区",
    ],
    Level.TOWN: ["朱家角镇", "练塘镇", "金泽镇", "赵巷镇", "桃浦镇", "夏阳街道", "长寿路街道"],
    Level.CITY: ["上海市"],
}
CATEGORIES = {
    "城市运维": ["绿化养护", "环卫保洁", "水质生态维护", "景观灯光维护", "公厕保洁", "河道养护"],
    "数字化": ["信息化运维", "数据中心运行维护", "软件开发"],
    "机关运行": ["会议费", "培训费", "差旅费", "物业管理"],
    "教育": ["校舍维修", "课后服务"],
    "卫生健康": ["家庭医生签约服务", "公共卫生服务"],
}
ITEMS = [
    "公共绿地养护",
    "道路保洁",
    "居住区绿地养护",
    "河道养护",
    "景观灯光设施维护",
    "湖泊水面保洁",
    "机房运维",
    "系统运行维护",
    "一类会议",
    "三类培训",
    "住宿费",
    "伙食补助费",
]
GRADES = ["一级", "二级", "三级", "一类", "二类", None]
UNITS = ["元/平方米·年", "元/公里·年", "元/座·年", "元/盏·年", "元/人·天", "元/项·年"]
PHRASES = [
    "含人工、材料、机械、管理费和税费",
    "不含新建及补植大苗",
    "按养护合同确认的面积计",
    "每日普扫2次，全天巡回保洁",
    "草坪覆盖率≥95%，每年修剪≥12次",
    "按实际发生核定",
    "超过上限须说明理由并经财政审核",
    "适用于区管道路及人行道",
    "结合事前绩效评估开展",
    "纳入双监控范围",
    "参照成本预算绩效分析结果确定",
    "执行期内动态调整",
]
QUERY_WORDS = [
    "绿化养护",
    "道路保洁",
    "会议费",
    "住宿费",
    "公厕",
    "河道",
    "运维",
    "一级养护",
    "成本定额",
    "景观灯光",
    "青浦区",
    "普陀区",
    "双监控",
    "人工",
    "合同",
    "二级",
    "信息化运维",
    "培训费",
    "保洁",
    "绿地",
    "预算",
    "不存在的词",
]


FILTER_VALUES = {
    "region": REGIONS[Level.DISTRICT] + REGIONS[Level.TOWN],
    "kind": [k.value for k in Kind],
    "category": [c for cs in CATEGORIES.values() for c in cs],
}


def synthetic_records(count: int, rng: random.Random) -> list[StandardRecord]:
    """``count`` standards; one in ten also gets an earlier, superseded version first."""
    records = []
    for number in range(count):
        domain = rng.choice(list(CATEGORIES))
        category = rng.choice(CATEGORIES[domain])
        level = rng.choice(list(REGIONS))
        region = rng.choice(REGIONS[level])
        kind = rng.choice(list(Kind))
        item = rng.choice(ITEMS)
        grade = rng.choice(GRADES)
        start = dt.date(2020 + rng.randrange(6), rng.randrange(1, 13), 1)
        base = dict(
            code=f"BN-{number:06d}",
            name=f"{region}{item}{grade or ''}{kind.label[:4]}",
            kind=kind,
            level=level,
            region=region,
            domain=domain,
            category=category,
            item=item,
            grade=grade,
            unit=None if kind is Kind.PUBLIC_SERVICE else rng.choice(UNITS),
            value=None if kind is Kind.PUBLIC_SERVICE else Decimal(rng.randrange(100, 90000)) / 100,
            conditions="；".join(rng.sample(PHRASES, 2)),
            service_level="；".join(rng.sample(PHRASES, 2)),
            effective_from=start,
        )
        if number % 10 == 0:
            records.append(
                StandardRecord(
                    **base | {"status": Status.SUPERSEDED, "effective_to": start},
                )
            )
            base["effective_from"] = start + dt.timedelta(days=1)
        records.append(StandardRecord(**base))
    return records


def synthetic_queries(count: int, rng: random.Random) -> list[SearchQuery]:
    queries = []
    for number in range(count):
        q = " ".join(rng.sample(QUERY_WORDS, rng.randint(1, 4)))
        filters: dict[str, object] = {}
        if number % 3:
            name = rng.choice(list(FILTER_VALUES))
            filters[name] = rng.choice(FILTER_VALUES[name])
        if number % 7 == 0:
            filters["on"] = dt.date(2021 + rng.randrange(5), 6, 1)
        queries.append(SearchQuery(q=q, **filters))  # type: ignore[arg-type]
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standards", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="instance folder to keep (default: temporary)")
    args = parser.parse_args()
    rng = random.Random(20240509)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    settings = Settings.for_instance(folder / "instance", secret_key="bench")
    engine = make_engine(settings)
    create_schema(engine)
    session = make_session_factory(engine)()
    try:
        run(settings, session, args, rng)
    finally:
        session.close()
        engine.dispose()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def run(settings: Settings, session, args: argparse.Namespace, rng: random.Random) -> None:
    started = time.perf_counter()
    records = synthetic_records(args.standards, rng)
    if standards.count(session):
        print(f"kb: reusing the {standards.count(session)} standards of {settings.instance_dir}")
    else:
        for record in records:
            standards.write(session, record)
        session.commit()
        print(
            f"kb: {len(records)} versions of {args.standards} standards written "
            f"in {time.perf_counter() - started:.1f} s"
        )

    analyzer = chinese_analyzer(load_lexicon(settings))
    texts = [
        d["content"]
        for s in list(standards.iter_standards(session))[:2000]
        for d in standard_docs(s)
    ]
    chars = sum(len(t) for t in texts)
    for mode in ("index", "query"):
        started = time.perf_counter()
        count = sum(1 for t in texts for _ in analyzer(t, positions=True, chars=True, mode=mode))
        seconds = time.perf_counter() - started
        print(
            f"analysis ({mode}): {chars / seconds / 1e6:.2f} M chars/s, "
            f"{count / len(texts):.0f} tokens per standard"
        )

    for label, threshold in (("one process", 10**9), ("2 processes", forking.PARALLEL_MIN_RECORDS)):
        forking.PARALLEL_MIN_RECORDS = threshold
        stats = sync.rebuild(settings, session)
        size = sum(p.stat().st_size for p in Path(settings.index_dir).rglob("*") if p.is_file())
        print(f"rebuild, {label}: {stats} (index folder {size / 1e6:.1f} MB)")

    started = time.perf_counter()
    search(settings, SearchQuery(q="绿化养护"))
    print(f"first search (opens the searcher): {(time.perf_counter() - started) * 1000:.0f} ms")
    first, second = synthetic_queries(args.queries, rng), synthetic_queries(args.queries, rng)
    passes = (
        ("new queries, fresh searcher", first),
        ("new queries, warm searcher", second),
        ("repeated queries (answer cache)", second),
    )
    for label, batch in passes:
        timings: dict[str, list[float]] = {"all": [], "AND": [], "relaxed to OR": [], "none": []}
        for query in batch:
            started = time.perf_counter()
            page = search(settings, query)
            elapsed = (time.perf_counter() - started) * 1000
            kind = "relaxed to OR" if page.relaxed else "AND" if page.total else "none"
            timings["all"].append(elapsed)
            timings[kind].append(elapsed)
        print(f"search, {label}:")
        for kind, values in timings.items():
            if values:
                print(
                    f"  {kind:>13}: {len(values):3d} queries, p50 {percentile(values, 0.5):6.1f} ms,"
                    f" p95 {percentile(values, 0.95):6.1f} ms, max {max(values):6.1f} ms"
                )
    search_index(settings).close()


if __name__ == "__main__":
    main()
