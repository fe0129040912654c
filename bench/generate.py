"""Generate a deterministic synthetic corpus for the benchmark: standards CSVs and policy texts.

    .venv/bin/python bench/generate.py --standards 100000 --documents 2000 --out bench/out/corpus-100k

Writes ``OUT/standards/standards-NN.csv`` (interchange format, key headers, at most
``--rows-per-file`` rows each), ``OUT/standards/standards-99-revisions.csv`` (a second version of
every superseded standard, which re-importing turns into version 2), ``OUT/documents/*.txt``
(policy texts with a 文号 and 一、/（一）/1. or 第X条 clauses, some hard-wrapped like the seeds)
and ``OUT/.manifest.json``. Every standard is marked ``illustrative`` = 是 with source
``基准测试合成数据``. The same arguments always give byte-identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Keep bench/ last on the path, so no script here can shadow a standard-library module.
if str(HERE) in sys.path:
    sys.path.remove(str(HERE))
sys.path.append(str(HERE))

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from dataclasses import replace  # noqa: E402
from decimal import ROUND_HALF_UP  # noqa: E402
from decimal import Decimal  # noqa: E402

from catalog import CATEGORIES  # noqa: E402
from catalog import CENTRAL  # noqa: E402
from catalog import CITY  # noqa: E402
from catalog import DISTRICTS  # noqa: E402
from catalog import KIND_SUFFIX  # noqa: E402
from catalog import PROVINCES  # noqa: E402
from catalog import TOWNS  # noqa: E402
from catalog import Category  # noqa: E402
from catalog import Item  # noqa: E402

from kb.records import StandardRecord  # noqa: E402
from kb.standards.interchange import write_standards  # noqa: E402
from kb.vocab import Kind  # noqa: E402
from kb.vocab import Level  # noqa: E402
from kb.vocab import Status  # noqa: E402

#: Hidden, so that `kb ingest OUT` does not take it for a standards file.
MANIFEST = ".manifest.json"
SOURCE = "基准测试合成数据"
NOTE = "基准测试合成数据，仅用于性能测试，非真实标准。"
DEFAULT_SEED = 20240509
_LEVEL_WEIGHT = {"central": 3, "province": 2, "city": 10, "district": 40, "town": 45}
_KIND_WEIGHT = {"public_service": 30, "cost_quota": 45, "expenditure": 25}
_GRADE_FACTOR = (Decimal("1"), Decimal("0.82"), Decimal("0.66"), Decimal("0.55"))
_KIND_PREFIX = {"public_service": "PS", "cost_quota": "CQ", "expenditure": "EX"}
_CENTRAL_DISTRICTS = ("黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区")
_CONDITION_EXTRAS = (
    "不含新建、改造工程及大中修",
    "按实际作业面积或数量计量，年度内据实结算",
    "服务期内服务范围发生重大调整的，按程序另行核定",
    "与政府购买服务合同约定的服务范围和质量要求一致",
    "定额包含人工、材料、机械、管理费及税金，不另行计取",
    "采用政府采购方式确定服务单位的，以中标价为准但不得超过本标准",
    "跨年度项目按服务月份分摊，预算评审时核对工作量清单",
    "夜间、节假日作业不另行增加费用",
)


# -- documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocPlan:
    """What one synthetic policy document is about and how it is identified."""

    number: int
    district: str
    category: Category
    year: int
    doc_number: str
    issuer: str
    title: str
    template: (
        str  # "plan" (cover notice + 一、 1.), "measures" (第X章 第X条), "notice" (一、（一）)
    )
    issued_on: dt.date


_AGENCY_DOC_SUFFIX = {"财": ("督", "预", "发", "规"), "机管": ("", "发"), "发改": ("", "投")}
_PARTS = (
    "主要目标",
    "工作原则",
    "重点任务",
    "全面推进成本预算绩效分析工作",
    "加强标准体系建设",
    "规范预算编制和评审",
    "强化绩效运行监控",
    "强化结果应用",
    "职责分工",
    "实施步骤",
    "组织保障",
    "工作要求",
)
_ITEMS = (
    "梳理确定实施目录",
    "组织开展成本效益分析",
    "形成成本定额标准",
    "规范预算编制",
    "加强事前绩效评估",
    "做好绩效运行监控",
    "强化评价结果应用",
    "健全标准动态管理机制",
    "加强信息化支撑",
    "开展培训宣传",
    "推进一类事分析",
    "加强第三方机构管理",
    "严格预算执行",
    "完善服务质量考核",
    "推动标准共建共享",
)
_SENTENCES = (
    "各部门要按照“深度融合、突出重点、分类实施”的原则，有序推动{category}项目成本预算绩效分析，加强重点领域成本管控。",
    "{issuer}会同相关部门梳理{category}领域经常性项目，形成重点项目目录，并于{year}年{month}月底前报区政府确定。",
    "对{item}等通用性强的典型项目，按照“一类事”开展分析，形成公共服务标准、成本定额标准和财政支出标准。",
    "成本定额标准应当明确计量单位、成本构成和适用条件，人工费、材料费、机械费、管理费和税费等构成要素应当有据可查。",
    "预算编制环节严格执行已发布的成本定额标准和财政支出标准，严禁超标准、超范围安排支出。",
    "财政部门在预算评审中将成本定额标准作为重要依据，对标准执行情况开展事前绩效评估和跟踪监控。",
    "建立健全绩效运行“双监控”机制，对{item}项目的预算执行进度和绩效目标实现程度进行动态监控。",
    "标准实行动态管理，原则上每{n}年评估一次，市场价格、服务内容或技术规范发生较大变化时及时修订。",
    "{district}各镇人民政府、街道办事处参照执行，结合本地实际细化{category}服务内容和质量要求。",
    "加强成本效益分析结果应用，将分析结论与预算安排、政策调整和管理改进挂钩，推动降本增效。",
    "{category}服务质量考核结果与经费拨付挂钩，考核不合格的按合同约定扣减费用并限期整改。",
    "{item}作业单位应当建立作业台账，按月报送作业量和质量检查记录，接受行业主管部门和财政部门监督检查。",
    "各部门在编报{next_year}年预算时，应当同步提交成本测算说明，列明定额依据、工作量和单价。",
    "强化第三方机构管理，规范预算评审和财政评价工作程序，提升评审质量和效率。",
    "探索建立跨部门、跨层级的标准共建共享共用机制，推进标准库信息系统建设，实现分层次、分领域、分类别查询。",
    "{item}一级、二级、三级养护（服务）标准分别对应不同的成本定额，预算单位应当根据实际服务等级选用。",
    "成本预算绩效分析报告应当包括项目基本情况、成本构成分析、效益分析、标准建议和结论等内容。",
    "对同类项目开展横向比较，分析不同街镇、不同部门之间单位成本的差异原因，提出优化建议。",
    "绩效目标设置应当与成本指标相衔接，成本指标原则上采用单位成本或总成本控制数。",
    "对未按规定开展成本预算绩效分析的项目，财政部门原则上不予安排新增预算。",
    "各单位应当于每年{month}月底前完成上一年度绩效自评，并将自评结果与成本执行情况一并报送。",
    "相关标准在区政府门户网站和标准库系统同步公布，便于部门、街镇查询使用。",
)


def plan_documents(rng: random.Random, count: int) -> list[DocPlan]:
    """Identity and subject of every document, decided before any text is written."""
    plans: list[DocPlan] = []
    used: set[str] = set()
    districts = list(DISTRICTS)
    for number in range(1, count + 1):
        district = rng.choice(districts)
        abbr = DISTRICTS[district][0]
        category = rng.choice(CATEGORIES)
        finance = rng.random() < 0.45
        agency, agency_abbr = (
            ("财政局", "财") if finance else (category.agency, category.agency_abbr)
        )
        year = rng.randint(2019, 2025)
        while True:
            suffix = rng.choice(_AGENCY_DOC_SUFFIX.get(agency_abbr, ("", "发")))
            doc_number = f"{abbr}{agency_abbr}{suffix}〔{year}〕{rng.randint(1, 160)}号"
            if doc_number not in used:
                used.add(doc_number)
                break
        issuer = f"{district}{agency}"
        template = rng.choices(("plan", "measures", "notice"), weights=(45, 25, 30))[0]
        topic = category.name
        if template == "plan":
            title = rng.choice(
                (
                    f"{district}{year}年度{topic}成本预算绩效管理工作方案",
                    f"{district}{topic}一类事成本预算绩效分析实施方案",
                    f"{district}{topic}成本定额标准体系建设工作方案",
                )
            )
        elif template == "measures":
            title = rng.choice(
                (
                    f"{district}{topic}经费管理办法",
                    f"{district}{topic}成本定额标准管理办法（试行）",
                    f"{district}{topic}项目预算评审管理办法",
                )
            )
        else:
            title = rng.choice(
                (
                    f"{issuer}关于开展{year}年度{topic}项目成本预算绩效分析工作的通知",
                    f"{issuer}关于做好{year + 1}年{topic}预算编制工作的通知",
                    f"{issuer}关于加强{topic}成本定额标准执行管理的通知",
                )
            )
        issued_on = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        plans.append(
            DocPlan(
                number, district, category, year, doc_number, issuer, title, template, issued_on
            )
        )
    return plans


def document_text(rng: random.Random, plan: DocPlan) -> str:
    """The text of one policy document, 2–6 KB, sometimes hard-wrapped like a PDF extraction."""
    target_chars = rng.randint(700, 1900)
    item = rng.choice(plan.category.items).name

    def sentences(low: int, high: int) -> str:
        picked = rng.sample(_SENTENCES, rng.randint(low, high))
        return "".join(
            s.format(
                category=plan.category.name,
                issuer=plan.issuer,
                district=plan.district,
                item=item,
                year=plan.year,
                next_year=plan.year + 1,
                month=rng.randint(3, 11),
                n=rng.choice((2, 3, 5)),
            )
            for s in picked
        )

    date_line = f"{plan.issued_on.year}年{plan.issued_on.month}月{plan.issued_on.day}日"
    lines: list[str] = []
    if plan.template == "plan":
        lines += [
            f"上海市{plan.issuer}文件",
            plan.doc_number,
            f"{plan.issuer}关于印发《{plan.title}》的通知",
            "各镇人民政府、街道办事处，区委、区政府各部、委、办、局：",
            f"《{plan.title}》已经区政府同意，现印发给你们，请认真按照执行。",
            plan.issuer,
            f"{date_line}印发",
            plan.title,
            f"为深入贯彻落实全面实施预算绩效管理有关要求，推进{plan.category.name}领域成本预算绩效管理改革，制定本方案。",
        ]
        size, part, item_no = sum(map(len, lines)), 0, 0
        while size < target_chars and part < 10:
            part += 1
            heading = f"{_cn(part)}、{rng.choice(_PARTS)}"
            lines.append(heading)
            size += len(heading)
            for _ in range(rng.randint(1, 3)):
                item_no += 1
                text = f"{item_no}.{rng.choice(_ITEMS)}。{sentences(1, 3)}"
                lines.append(text)
                size += len(text)
    elif plan.template == "measures":
        lines += [plan.doc_number, plan.title]
        size, chapter, article = sum(map(len, lines)), 0, 0
        while size < target_chars and chapter < 8:
            chapter += 1
            heading = f"第{_cn(chapter)}章　{'总则' if chapter == 1 else rng.choice(_PARTS)}"
            lines.append(heading)
            size += len(heading)
            for _ in range(rng.randint(2, 4)):
                article += 1
                text = f"第{_cn(article)}条　{sentences(1, 2)}"
                lines.append(text)
                size += len(text)
        article += 1
        lines.append(f"第{_cn(article)}条　本办法自{date_line}起施行。")
    else:
        lines += [
            plan.title,
            plan.doc_number,
            "各镇人民政府、街道办事处，区各有关部门：",
            f"为加强{plan.category.name}项目预算管理，提高财政资金使用效益，现就有关事项通知如下：",
        ]
        size, part = sum(map(len, lines)), 0
        while size < target_chars and part < 8:
            part += 1
            heading = f"{_cn(part)}、{rng.choice(_PARTS)}"
            lines.append(heading)
            size += len(heading)
            for sub in range(1, rng.randint(2, 4)):
                text = f"（{_cn(sub)}）{rng.choice(_ITEMS)}。{sentences(1, 3)}"
                lines.append(text)
                size += len(text)
        lines += ["特此通知。", plan.issuer, date_line]
    if rng.random() < 0.3:
        return _hard_wrap(rng, lines)
    return "\n\n".join(lines) + "\n"


def _hard_wrap(rng: random.Random, lines: list[str]) -> str:
    """Wrap long paragraphs at a fixed width, as text copied out of a PDF arrives."""
    width = rng.randint(22, 30)
    gap = rng.choice(("\n", "\n\n"))
    out: list[str] = []
    for line in lines:
        out.extend(line[i : i + width] for i in range(0, len(line), width))
    return gap.join(out) + "\n"


def _cn(number: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (enough for clause labels)."""
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return f"{'' if tens == 1 else digits[tens]}十{digits[ones] if ones else ''}"


# -- standards -------------------------------------------------------------------------------


def make_standard(
    rng: random.Random, serial: int, docs: dict[str, list[DocPlan]]
) -> StandardRecord:
    """One synthetic standard; ``serial`` makes its code unique; ``docs`` by category name."""
    category = rng.choice(CATEGORIES)
    kind = _weighted(rng, category.kinds, _KIND_WEIGHT)
    level = _weighted(rng, category.levels, _LEVEL_WEIGHT)
    region, issuer, factor = _place(rng, level, category)
    item = rng.choice(category.items)
    grade_index = rng.randrange(len(category.grades))
    grade = category.grades[grade_index]
    name = f"{_region_label(region)}{item.name}{grade}{rng.choice(KIND_SUFFIX[kind])}"
    if rng.random() < 0.3:
        name += f"（{rng.randint(2019, 2025)}年版）"

    unit = value = value_max = components = None
    if kind != "public_service":
        unit = item.unit
        value = _figure(rng, item, _GRADE_FACTOR[grade_index] * factor)
        if rng.random() < 0.12:
            value_max = _quantize(value * Decimal(str(round(rng.uniform(1.1, 1.35), 3))), value)
        if kind == "cost_quota" and category.components and rng.random() < 0.9:
            components = _components(rng, category.components, value)

    a, b, c = (
        rng.randint(85, 99) - 3 * grade_index,
        max(1, rng.randint(2, 12) - grade_index),
        rng.randint(2, 9) + grade_index,
    )
    service_level = rng.choice(category.service).format(a=a, b=b, c=c, grade=grade)
    conditions = f"适用于{_region_label(region)}{rng.choice(category.scope)}；" + "；".join(
        rng.sample(_CONDITION_EXTRAS, rng.randint(1, 2))
    )
    basis = None
    pool = docs.get(category.name) or docs.get("")
    if pool and rng.random() < 0.7:
        cited = [rng.choice(pool) for _ in range(1 if rng.random() < 0.85 else 2)]
        basis = "；".join(
            f"《{d.title}》（{d.doc_number}）第{_cn(rng.randint(1, 5))}部分第{rng.randint(1, 12)}条"
            for d in cited
        )

    effective_from: dt.date | None = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(8 * 365))
    effective_to = None
    roll = rng.random()
    if roll < 0.025:
        status = Status.SUPERSEDED
    elif roll < 0.03:
        status = Status.REPEALED
    elif roll < 0.05:
        status = Status.DRAFT
        effective_from = dt.date(2026, rng.randint(1, 12), 1)
    elif roll < 0.07:
        status = Status.CONSULTATION
        effective_from = dt.date(2026, rng.randint(1, 12), 1)
    else:
        status = Status.IN_FORCE
    if status in (Status.SUPERSEDED, Status.REPEALED) or (
        status is Status.IN_FORCE and rng.random() < 0.05
    ):
        effective_to = effective_from + dt.timedelta(days=rng.choice((365, 730, 1095)) - 1)
    elif status is Status.IN_FORCE and rng.random() < 0.08:
        effective_from = None

    return StandardRecord(
        code=f"BM-{_KIND_PREFIX[kind]}-{serial:06d}",
        name=name,
        kind=Kind(kind),
        level=Level(level),
        region=region,
        domain=category.domain,
        category=category.name,
        item=item.name,
        grade=grade,
        unit=unit,
        value=value,
        value_max=value_max,
        components=components,
        conditions=conditions,
        service_level=service_level,
        issuer=issuer,
        basis=basis,
        effective_from=effective_from,
        effective_to=effective_to,
        status=status,
        notes=NOTE,
        source=SOURCE,
        illustrative=True,
    )


def revision_of(rng: random.Random, record: StandardRecord) -> StandardRecord:
    """The version that replaced a superseded one: in force the day after it ended."""
    assert record.effective_to is not None
    value = value_max = None
    if record.value is not None:
        rise = Decimal(str(round(rng.uniform(1.02, 1.08), 3)))
        value = _quantize(record.value * rise, record.value)
        if record.value_max is not None:
            value_max = _quantize(record.value_max * rise, record.value_max)
    components = record.components
    if components and value is not None and "%" not in components:
        components = None  # amounts no longer add up; the revision gives none
    return replace(
        record,
        value=value,
        value_max=value_max,
        components=components,
        effective_from=record.effective_to + dt.timedelta(days=1),
        effective_to=None,
        status=Status.IN_FORCE,
        notes=NOTE + "修订版。",
    )


def _weighted(rng: random.Random, choices: tuple[str, ...], weights: dict[str, int]) -> str:
    return rng.choices(choices, weights=[weights[c] for c in choices])[0]


def _place(rng: random.Random, level: str, category: Category) -> tuple[str, str, Decimal]:
    """Region, issuer and a price factor for a level."""
    if level == "central":
        return CENTRAL, rng.choice(("财政部", "国家机关事务管理局", "财政部等三部门")), Decimal("1")
    if level == "province":
        province = rng.choice(PROVINCES)
        return province, f"{province}财政厅", Decimal("0.95")
    if level == "city":
        return CITY, f"上海市{category.agency}", Decimal("1.05")
    if level == "district":
        district = rng.choice(list(DISTRICTS))
        factor = Decimal("1.1") if district in _CENTRAL_DISTRICTS else Decimal("0.97")
        return district, f"{district}{category.agency}", factor
    town = rng.choice(list(TOWNS))
    office = "办事处" if town.endswith("街道") else "人民政府"
    return town, f"{TOWNS[town]}{town}{office}", Decimal("0.9")


def _region_label(region: str) -> str:
    return "中央和国家机关" if region == CENTRAL else region


def _figure(rng: random.Random, item: Item, factor: Decimal) -> Decimal:
    raw = Decimal(str(round(rng.uniform(item.low, item.high), 4))) * factor
    if raw < 10:
        return raw.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if raw < 1000:
        return raw.quantize(Decimal(rng.choice(("0.1", "0.01", "1"))), ROUND_HALF_UP)
    if raw < 10000 or rng.random() < 0.5:
        return raw.quantize(Decimal("1"), ROUND_HALF_UP)
    return Decimal(int((raw / 10).quantize(Decimal("1"), ROUND_HALF_UP)) * 10)


def _quantize(number: Decimal, like: Decimal) -> Decimal:
    exponent = like.as_tuple().exponent
    step = Decimal(1).scaleb(exponent) if isinstance(exponent, int) and exponent < 0 else Decimal(1)
    return number.quantize(step, ROUND_HALF_UP)


def _components(rng: random.Random, names: tuple[str, ...], value: Decimal) -> str:
    """Amounts that add up to ``value`` exactly, or shares that add up to 100%."""
    count = rng.randint(3, len(names))
    picked = names[:count]
    weights = [rng.uniform(0.5, 3.0) for _ in picked]
    if names[0] == "人工费":
        weights[0] *= 3  # labour dominates service costs
    total = sum(weights)
    if rng.random() < 0.25:
        shares = [int(w / total * 100) for w in weights]
        shares[0] += 100 - sum(shares)
        return ";".join(f"{n}:{s}%" for n, s in zip(picked, shares, strict=True))
    amounts = [_quantize(value * Decimal(str(round(w / total, 4))), value) for w in weights[1:]]
    first = value - sum(amounts, Decimal(0))
    if first < 0:
        return ";".join(
            f"{n}:{int(w / total * 100)}%" for n, w in zip(picked, weights, strict=True)
        )
    return ";".join(f"{n}:{format(a, 'f')}" for n, a in zip(picked, [first, *amounts], strict=True))


# -- main ------------------------------------------------------------------------------------


def generate(out: Path, standards: int, documents: int, seed: int, rows_per_file: int) -> dict:
    """Write the corpus under ``out`` (replacing what a previous run wrote there)."""
    started = time.perf_counter()
    doc_rng = random.Random(f"{seed}:documents")
    std_rng = random.Random(f"{seed}:standards")
    out.mkdir(parents=True, exist_ok=True)
    std_dir, doc_dir = out / "standards", out / "documents"
    for folder in (std_dir, doc_dir):
        folder.mkdir(exist_ok=True)
        for old in folder.iterdir():
            old.unlink()

    plans = plan_documents(doc_rng, documents)
    doc_bytes = 0
    for plan in plans:
        text = document_text(doc_rng, plan)
        path = doc_dir / f"bench-doc-{plan.number:05d}.txt"
        path.write_text(text, encoding="utf-8")
        doc_bytes += len(text.encode("utf-8"))

    by_category: dict[str, list[DocPlan]] = {"": plans}
    for plan in plans:
        by_category.setdefault(plan.category.name, []).append(plan)
    files, revisions, serial = 0, [], 0
    while serial < standards:
        chunk = []
        for _ in range(min(rows_per_file, standards - serial)):
            serial += 1
            record = make_standard(std_rng, serial, by_category)
            chunk.append(record)
            if record.status is Status.SUPERSEDED:
                revisions.append(revision_of(std_rng, record))
        files += 1
        write_standards(std_dir / f"standards-{files:02d}.csv", chunk, key_headers=True)
    for start in range(0, len(revisions), rows_per_file):
        name = f"standards-99-revisions{'' if start == 0 else f'-{start // rows_per_file}'}.csv"
        write_standards(std_dir / name, revisions[start : start + rows_per_file], key_headers=True)

    manifest = {
        "seed": seed,
        "standards": standards,
        "revisions": len(revisions),
        "documents": documents,
        "standard_files": files + (len(revisions) + rows_per_file - 1) // rows_per_file,
        "standards_bytes": sum(p.stat().st_size for p in std_dir.iterdir()),
        "documents_bytes": doc_bytes,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--standards", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "corpus-100k")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rows-per-file", type=int, default=20_000)
    args = parser.parse_args(argv)
    if not 1 <= args.rows_per_file <= 20_000:
        parser.error("--rows-per-file must be between 1 and 20000")
    manifest = generate(args.out, args.standards, args.documents, args.seed, args.rows_per_file)
    print(json.dumps(manifest, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
