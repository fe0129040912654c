"""Time a budget check end to end: a synthetic budget sheet against a benchmark instance.

    .venv/bin/python bench/budget.py                                  # 10k lines vs instance-10000
    .venv/bin/python bench/budget.py --instance bench/out/instance-100000 --lines 10000
    .venv/bin/python bench/budget.py --instance bench/out/instance-100000 --browser

Writes a deterministic sheet of ``--lines`` lines drawn from ``bench/catalog.py`` (items,
units, grades, the districts and their 街镇, with unit prices around the catalog's range) as
.xlsx (a title row and a two-row merged header, as budget systems export) and as .csv, then,
in one process, as a server worker would see them:

1. *startup*: the database, the index and the jieba dictionary opened (a one-line check of an
   item the sheet does not hold), paid once per worker; the budget facts kept with the index
   (:mod:`indexer.budget_facts`) are loaded then too, once per searcher;
2. *first check* of the .xlsx, what the reviewer waits for (issue 16's "10,000-line budget
   check"), every phase timed: read, match (nothing of the sheet cached yet), verdicts and
   the result page (rows prepared and the template rendered, as ``webapp.pages.check`` does);
3. *report download*: the XLSX report written from the first check's results, as the page's
   download button gets it (``indexer.budget_check.check_upload`` remembers the check);
4. *repeat check* of the same .xlsx (a re-run with another standard picked, or a download
   that reaches another worker): read, match, verdicts;
5. the .csv twin, checked after these (warm);
6. the two requests a reviewer makes, through the Flask test client, after the index is
   released (so a fresh searcher, as after a new index commit): POST the sheet (the page),
   then POST it again with ``download=xlsx`` (answered from the page's check); then the
   page for another sheet of the same size (another seed: the same kinds of items, other
   places and prices), as a worker that has checked sheets before sees it;
7. with ``--browser``, the page of step 6 loaded in headless Chromium (Debian's package).

Each phase is timed in wall time and in this process's CPU time (the two differ on a shared
machine). The instance is only read: an index that is missing or stale is reported, never
rebuilt.
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
import base64  # noqa: E402
import csv  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import openpyxl  # noqa: E402
from catalog import CATEGORIES  # noqa: E402
from catalog import DISTRICTS  # noqa: E402

from indexer import search as search_module  # noqa: E402
from indexer import sync  # noqa: E402
from indexer.collector import paused as collector_paused  # noqa: E402
from indexer.matching import match_lines  # noqa: E402
from kb.budget.checking import check_lines  # noqa: E402
from kb.budget.lines import BudgetLine  # noqa: E402
from kb.budget.lines import CheckContext  # noqa: E402
from kb.budget.lines import CheckReport  # noqa: E402
from kb.budget.report import report_bytes  # noqa: E402
from kb.budget.sheet import read_sheet  # noqa: E402
from kb.config import Settings  # noqa: E402
from kb.db import open_database  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.db import close as close_app  # noqa: E402
from webapp.pages.check import groups  # noqa: E402
from webapp.pages.check import render_page  # noqa: E402

HEADER = ("序号", "事项", "类别", "数量", "计量单位", "单价", "合计", "地区", "等级")
SEED = 20250601
ON = dt.date(2025, 6, 1)
Times = dict[str, tuple[float, float]]


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


def timed(label: str, times: Times, run: Callable[[], Any]) -> Any:
    """Run and record (wall, CPU) seconds under ``label``."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    times[label] = (time.perf_counter() - started, time.process_time() - cpu)
    return result


class Bench:
    """One instance, one sheet, one process: the phases of the module docstring."""

    def __init__(self, settings: Settings, context: CheckContext) -> None:
        self.settings = settings
        self.context = context
        self.factory = open_database(settings)
        self.app = create_app(settings)
        self.app.config.update(TESTING=True)

    def startup(self) -> Times:
        times: Times = {}
        line = BudgetLine(row=1, item="差旅住宿费", quantity=Decimal(1), unit="人·天")
        with self.factory() as session:
            timed(
                "startup", times, lambda: match_lines(self.settings, session, [line], self.context)
            )
        return times

    def check(self, path: Path, *, page: bool = False) -> tuple[Times, CheckReport]:
        """Time reading, matching and the verdicts, and optionally the page, with the cycle
        collector held as the page and the API hold it."""
        with collector_paused():
            return self._check(path, page=page)

    def download(self, checked: CheckReport) -> Times:
        """Time the XLSX report written from a check's results (the page's download)."""
        times: Times = {}
        with collector_paused():
            timed("report", times, lambda: report_bytes(checked, ".xlsx"))
        return times

    def _check(self, path: Path, *, page: bool) -> tuple[Times, CheckReport]:
        times: Times = {}
        with self.factory() as session:
            sheet = timed("read", times, lambda: read_sheet(path))
            found = timed(
                "match",
                times,
                lambda: match_lines(self.settings, session, sheet.lines, self.context),
            )
            checked = timed(
                "verdicts",
                times,
                lambda: check_lines(
                    sheet.lines,
                    lambda line: found[line.row],
                    self.context,
                    broken=sheet.broken,
                    columns=sheet.columns,
                    source=sheet.source,
                    notes=sheet.notes,
                ),
            )
        if page:
            timed("page", times, lambda: self.render(checked, path))
        counts = Counter(line.verdict.value for line in checked.lines)
        print(f"  verdicts: {dict(counts)}, broken rows: {len(sheet.broken)}")
        return times, checked

    def render(self, report: CheckReport, path: Path) -> str:
        """The result page as ``webapp.pages.check`` renders it (the sheet carried along)."""
        data = base64_text(path.read_bytes())
        with self.app.test_request_context("/check/", method="POST"):
            return render_page(
                report=report,
                groups=groups(report, {}),
                form={"region": self.context.region, "on": self.context.on},
                sheet={"name": path.name, "data": data},
            )

    def requests(self, path: Path, other: Path) -> tuple[Times, str]:
        """The page and the download, as HTTP requests, against a fresh searcher; then the
        page for ``other``."""
        search_module.release(self.settings)
        times = self.startup()
        client = self.app.test_client()
        page = client.get("/check/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the check page"
        fields = {
            "csrf_token": token.group(1),
            "region": self.context.region,
            "on": self.context.on.isoformat(),
        }

        def post(sheet: Path = path, **extra: Any) -> Any:
            upload = {"file": (io.BytesIO(sheet.read_bytes()), sheet.name)}
            response = client.post("/check/", data={**fields, **upload, **extra})
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            return response

        html = timed("page request", times, post).get_data(as_text=True)
        report = timed("download request", times, lambda: post(download="xlsx"))
        timed("another sheet's page", times, lambda: post(other))
        print(f"  page {len(html) / 1e6:.1f} MB of HTML, report {len(report.data) / 1e6:.1f} MB")
        return times, html

    def close(self) -> None:
        close_app(self.app)
        self.factory.kw["bind"].dispose()


def base64_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def browser_load(html: str, out: Path) -> Times:
    """Load the page in headless Chromium from a file beside copies of the static files."""
    from playwright.sync_api import sync_playwright

    static = Path(__file__).resolve().parent.parent / "webapp" / "static"
    folder = out / "page"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(static, folder / "static")
    page_path = folder / "check.html"
    page_path.write_text(html.replace('"/static/', '"static/'), encoding="utf-8")
    times: Times = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page()

        def load() -> None:
            page.goto(page_path.as_uri(), wait_until="load", timeout=300_000)
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")

        timed("browser load", times, load)
        browser.close()
    return times


def show(title: str, times: Times, lines: int, total: tuple[str, ...] | None = None) -> None:
    """Print one line per kind of time, the phases and lines/s over ``total`` (all by default)."""
    print(f"{title}:")
    for index, kind in enumerate(("wall", "cpu")):
        phases = ", ".join(f"{k} {v[index]:.2f} s" for k, v in times.items())
        summed = sum(v[index] for k, v in times.items() if total is None or k in total)
        print(f"  {kind}: {phases}; total {summed:.2f} s, {lines / summed:.0f} lines/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=HERE / "out" / "instance-10000")
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "budget")
    parser.add_argument(
        "--district", help="draw the lines' regions from this district and its 街镇 only"
    )
    parser.add_argument("--browser", action="store_true", help="also load the page in Chromium")
    args = parser.parse_args()
    settings = Settings.for_instance(args.instance)
    if not sync.is_current(settings):
        sys.exit(
            f"{args.instance}: no current index; build it first (bench/run.py), not rebuilt here"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    rows = sheet_rows(args.lines, args.district)
    stem = f"budget-{args.lines}" + (f"-{args.district}" if args.district else "")
    xlsx, csv_path = args.out / f"{stem}.xlsx", args.out / f"{stem}.csv"
    other = args.out / f"{stem}-other.xlsx"
    write_xlsx(xlsx, rows)
    write_csv(csv_path, rows)
    write_xlsx(other, sheet_rows(args.lines, args.district, seed=SEED + 1))
    context = CheckContext(region="上海市", on=ON)
    where = args.district or "all of 上海市"
    print(f"{args.lines} lines in {where} against {args.instance.name}")
    bench = Bench(settings, context)
    try:
        show("startup (once per worker)", bench.startup(), args.lines)
        times, checked = bench.check(xlsx, page=True)
        show("first check, xlsx", times, args.lines)
        show("report download, from the first check", bench.download(checked), args.lines)
        del checked
        show("repeat check, xlsx", bench.check(xlsx)[0], args.lines)
        show("csv, after these", bench.check(csv_path)[0], args.lines)
        times, html = bench.requests(xlsx, other)
        show("requests (fresh searcher)", times, args.lines, ("page request", "download request"))
    finally:
        bench.close()
    if args.browser:
        show("browser", browser_load(html, args.out), args.lines)


if __name__ == "__main__":
    main()
