"""Time a budget check end to end: a synthetic budget sheet against a benchmark instance.

    .venv/bin/python bench/budget.py                                  # 10k lines vs instance-10000
    .venv/bin/python bench/budget.py --instance bench/out/instance-100000 --lines 10000

Writes a deterministic sheet of ``--lines`` lines drawn from ``bench/catalog.py`` (items,
units, grades, the districts and their 街镇, with unit prices around the catalog's range) as
.xlsx (a title row and a two-row merged header, as budget systems export) and as .csv, then
times each phase of :func:`indexer.budget_check.check_sheet` on each, and the report writer,
in wall time and in this process's CPU time (the two differ on a shared machine).
The instance is only read: an index that is missing or stale is reported, never rebuilt.
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
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import openpyxl  # noqa: E402
from catalog import CATEGORIES  # noqa: E402
from catalog import DISTRICTS  # noqa: E402

from indexer import sync  # noqa: E402
from indexer.matching import match_lines  # noqa: E402
from kb.budget import CheckContext  # noqa: E402
from kb.budget import check_lines  # noqa: E402
from kb.budget_report import report_bytes  # noqa: E402
from kb.budget_sheet import read_sheet  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.db import open_database  # noqa: E402

HEADER = ("序号", "事项", "类别", "数量", "计量单位", "单价", "合计", "地区", "等级")
SEED = 20250601


def sheet_rows(count: int, district: str | None = None, seed: int = SEED) -> list[list[Any]]:
    """``count`` budget lines: catalog items in random districts and 街镇 (of ``district``
    only, if given), unit prices from 60 % to 140 % of the catalog's range."""
    rng = random.Random(seed)
    chosen = {district: DISTRICTS[district]} if district else DISTRICTS
    places = [d for d in chosen] + [t for _, towns in chosen.values() for t in towns]
    rows = []
    for number in range(1, count + 1):
        category = rng.choice(CATEGORIES)
        item = rng.choice(category.items)
        unit = item.unit.split("/", 1)[1].removesuffix("·年") if "/" in item.unit else ""
        quantity = rng.choice((1, 2, 5, 10, 60, 120, 300, 1000, 5000, 20000))
        price = Decimal(str(round(rng.uniform(item.low * 0.6, item.high * 1.4), 2)))
        rows.append(
            [
                number,
                item.name,
                category.name,
                quantity,
                unit,
                price,
                price * quantity,
                rng.choice(places),
                rng.choice(category.grades) if rng.random() < 0.8 else None,
            ]
        )
    return rows


def write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("预算明细")
    sheet.append(["2025年度城市运维项目预算明细表（基准测试合成数据）"])
    sheet.append(["", "", "", "", "", "金额单位：元"])
    sheet.append([*HEADER[:5], "金额（元）", None, *HEADER[7:]])
    sheet.append([None] * 5 + ["单价", "合计"])
    for letter in "ABCDEHI":
        sheet.merged_cells.add(f"{letter}3:{letter}4")
    sheet.merged_cells.add("F3:G3")
    sheet.merged_cells.add("A1:I1")
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def write_csv(path: Path, rows: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["2025年度城市运维项目预算明细表（基准测试合成数据）"])
        writer.writerow([*HEADER[:5], "单价（元）", "合计（元）", *HEADER[7:]])
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def timed(label: str, times: dict[str, float], run: Callable[[], Any]) -> Any:
    """Run and record wall time under ``label`` and CPU time under ``label`` + " cpu"."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    times[label] = time.perf_counter() - started
    times[f"{label} cpu"] = time.process_time() - cpu
    return result


def check(settings: Settings, path: Path, context: CheckContext) -> dict[str, float]:
    """Time reading, matching, the rules and the XLSX report for one sheet file."""
    times: dict[str, float] = {}
    factory = open_database(settings)
    with factory() as session:
        sheet = timed("read", times, lambda: read_sheet(path))
        found = timed("match", times, lambda: match_lines(settings, session, sheet.lines, context))
        report = timed(
            "rules",
            times,
            lambda: check_lines(sheet.lines, lambda line: found[line.row], context),
        )
    factory.kw["bind"].dispose()
    timed("report", times, lambda: report_bytes(report, ".xlsx"))
    times["total"] = sum(v for k, v in times.items() if not k.endswith("cpu"))
    times["total cpu"] = sum(v for k, v in times.items() if k.endswith(" cpu"))
    counts = Counter(line.verdict.value for line in report.lines)
    print(f"  verdicts: {dict(counts)}, broken rows: {len(sheet.broken)}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=HERE / "out" / "instance-10000")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "budget")
    parser.add_argument(
        "--district", help="draw the lines' regions from this district and its 街镇 only"
    )
    args = parser.parse_args()
    settings = Settings.for_instance(args.instance)
    if not sync.is_current(settings):
        sys.exit(
            f"{args.instance}: no current index; build it first (bench/run.py), not rebuilt here"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    rows = sheet_rows(args.lines, args.district)
    stem = f"budget-{args.lines}" + (f"-{args.district}" if args.district else "")
    paths = {"xlsx": args.out / f"{stem}.xlsx", "csv": args.out / f"{stem}.csv"}
    write_xlsx(paths["xlsx"], rows)
    write_csv(paths["csv"], rows)
    context = CheckContext(region="上海市", on=dt.date(2025, 6, 1))
    where = args.district or "all of 上海市"
    print(f"{args.lines} lines in {where} against {args.instance.name}")
    for kind, path in paths.items():
        print(f"{kind}:")
        times = check(settings, path, context)
        for kind_of_time in ("wall", "cpu"):
            shown = {
                k: v for k, v in times.items() if k.endswith(" cpu") == (kind_of_time == "cpu")
            }
            phases = ", ".join(f"{k.removesuffix(' cpu')} {v:.2f} s" for k, v in shown.items())
            rate = args.lines / times["total" if kind_of_time == "wall" else "total cpu"]
            print(f"  {kind_of_time}: {phases}; {rate:.0f} lines/s")


if __name__ == "__main__":
    main()
