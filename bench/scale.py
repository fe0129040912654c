"""Every row of issue 16's table in one run, next to the SQLite FTS5 reference.

    .venv/bin/python bench/scale.py --size 10000 --corpus bench/out/corpus-10000 \\
        --instance bench/out/scale-10000 --fresh          # ingest from the corpus, then the rest
    cp -a /work/bench-data/instance-100000 DIR            # or an ingested instance (a copy:
    .venv/bin/python bench/scale.py --size 100000 --instance DIR   # it is written into)

Runs, each step a child process timed in wall and CPU seconds (its own and its children's,
from ``wait4``), with the machine's load average before and after, the share of the CPU other
processes and the host (``steal``) took meanwhile, and the machine's speed just before it
(``bench/probe.py``):

1. ``kb init`` and ``kb ingest CORPUS`` into a fresh ``--instance`` (only with ``--corpus``);
2. ``kb reindex --quiet``;
3. ``bench/fts5.py``: the FTS5 index over the same jieba tokens, from the same database, right
   after the reindex (the same run);
4. ``bench/compare.py``: our app and the FTS5 app under the same load — first search in a new
   worker, requests/s and p50/p95/p99 over never-seen queries, memory of master + workers
   (like with like: PSS without the data files' mappings + the data files' resident pages,
   the files evicted from the page cache before the server starts; and the plain PSS);
5. ``bench/budget.py --lines 10000``: the 10,000-line budget check against the instance (the
   check the reviewer waits for: read, match, verdicts, result page; the XLSX report apart,
   written on download from the check's results).

The commands are the checked-out ones (``kb`` through ``webapp.cli``), so the figures follow
whatever the branch does. Prints one Markdown table with the issue's rows, goals and the load
average beside each figure; ``--json`` keeps everything measured.
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
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from http_load import machine_busy_seconds  # noqa: E402
from probe import steal_seconds  # noqa: E402

KB = ["-c", "from webapp.cli import cli; cli()"]


def timed(command: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``command`` (``python`` + arguments) to the end; wall, CPU, peak RSS, load, output."""
    load_before = round(os.getloadavg()[0], 2)
    machine_before = machine_busy_seconds()
    steal_before = steal_seconds()
    started = time.perf_counter()
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, *command],
            cwd=HERE.parent,
            env=dict(os.environ, **env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    machine = machine_busy_seconds() - machine_before
    steal = steal_seconds() - steal_before
    cpu = usage.ru_utime + usage.ru_stime
    text = log.read_text(errors="replace")
    print(
        f"[{time.strftime('%H:%M:%S')}] {' '.join(command[-3:])}: {wall:.1f} s, "
        f"exit {process.returncode}",
        file=sys.stderr,
        flush=True,
    )
    return {
        "ok": process.returncode == 0,
        "returncode": process.returncode,
        "seconds": round(wall, 2),
        # ru_* of wait4 cover the child and every descendant it waited for.
        "cpu_seconds": round(cpu, 2),
        # What every other process took of the machine meanwhile: above ~0.3 the wall time
        # is the machine's, not the step's (a step measuring a server counts it as "other").
        "other_cpu_share": round((machine - cpu) / (wall * (os.cpu_count() or 1)), 2),
        # What the host took of this machine's cores meanwhile (see bench/probe.py).
        "steal_share": round(steal / (wall * (os.cpu_count() or 1)), 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "load_before_after": [load_before, round(os.getloadavg()[0], 2)],
        "log": str(log),
        "tail": text[-800:],
    }


def probe(env: dict[str, str]) -> dict[str, Any] | None:
    """The machine's speed now (``bench/probe.py`` in a child process), or ``None``."""
    done = subprocess.run(
        [sys.executable, str(HERE / "probe.py")],
        cwd=HERE.parent,
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
    )
    return last_json(done.stdout) if done.returncode == 0 else None


def last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


def budget_figures(text: str) -> dict[str, Any]:
    """The totals ``bench/budget.py`` prints per section: {section: {wall, cpu, phases}}."""
    found: dict[str, Any] = {}
    section = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            section = line[:-1]
            continue
        match = re.match(r"\s+(wall|cpu): (.*); total ([0-9.]+) s", line)
        if section and match:
            kind, phases, total = match.groups()
            entry = found.setdefault(section, {})
            entry[kind] = float(total)
            entry[f"{kind}_phases"] = {
                name.strip(): float(seconds)
                for name, seconds in re.findall(r"([^,]+?) ([0-9.]+) s(?:,|$)", phases)
            }
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    instance: Path = args.instance.resolve()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = {"KB_INSTANCE_DIR": str(instance), "PYTHONPATH": str(HERE.parent)}
    results: dict[str, Any] = {
        "size": args.size,
        "instance": str(instance),
        "started_at": dt.datetime.now().isoformat(timespec="seconds"),
        "code": _git_head(),
    }

    def step(name: str, command: list[str]) -> dict[str, Any]:
        """Time one step, with the machine's speed just before it (:func:`probe`)."""
        speed = probe(env)
        results[name] = timed(command, env, out / f"{name}.log")
        results[name]["probe"] = speed
        return results[name]

    if args.corpus:
        if instance.exists():
            if not args.fresh:
                raise SystemExit(f"{instance} exists: --fresh removes it before ingesting")
            shutil.rmtree(instance)
        results["init"] = timed([*KB, "init"], env, out / "init.log")
        step("ingest", [*KB, "ingest", str(args.corpus.resolve())])
    if not (instance / "kb.sqlite3").exists():
        raise SystemExit(f"{instance}: no database (give --corpus to ingest one)")
    if not args.skip_reindex:
        step("reindex", [*KB, "reindex", "--quiet"])
    fts5_file = out / "fts5.sqlite3"
    fts5 = step(
        "fts5", [str(HERE / "fts5.py"), "--instance", str(instance), "--out", str(fts5_file)]
    )
    fts5["figures"] = last_json(Path(fts5["log"]).read_text()) if fts5["ok"] else None
    if not args.skip_http:
        figures = out / "compare.json"
        compare = [str(HERE / "compare.py"), "--instance", str(instance)]
        compare += ["--fts5-file", str(fts5_file), "--out", str(out), "--json", str(figures)]
        compare += ["--duration", str(args.duration), "--rounds", str(args.rounds)]
        compared = step("compare", compare)
        if compared["ok"]:
            compared["figures"] = json.loads(figures.read_text())
    if not args.skip_budget:
        budget = [str(HERE / "budget.py"), "--instance", str(instance), "--lines", "10000"]
        budget += ["--out", str(out / "budget")]
        checked = step("budget", budget)
        checked["figures"] = budget_figures(Path(checked["log"]).read_text())
    results["probe_end"] = probe(env)
    results["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    return results


def _git_head() -> str:
    done = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=HERE.parent, capture_output=True, text=True
    )
    return done.stdout.strip()


def _load(step: dict[str, Any] | None) -> str:
    if not step:
        return "–"
    before, after = step["load_before_after"]
    text = f"{before} → {after}"
    if "other_cpu_share" in step:
        text += f"; others {step['other_cpu_share']:.0%} of the CPU"
    if "steal_share" in step:
        text += f", the host {step['steal_share']:.0%}"
    if step.get("probe"):
        text += f"; probe {step['probe']['cpu_s']:.2f} s"
    return text


def _s(step: dict[str, Any] | None) -> str:
    if not step:
        return "not run"
    if not step["ok"]:
        return f"failed (exit {step['returncode']}, see {Path(step['log']).name})"
    return f"{step['seconds']:,.1f} s (CPU {step['cpu_seconds']:,.1f} s)"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}×" if a and b else "–"


def markdown(results: dict[str, Any]) -> str:
    size = f"{results['size']:,}"
    ingest, reindex, fts5 = results.get("ingest"), results.get("reindex"), results.get("fts5")
    fts5_ok = fts5 and fts5["ok"]
    rows = [
        (f"`kb ingest` of {size} standards (parse + database + index)", _s(ingest), "< 2 min",
         _load(ingest)),
        (f"`kb reindex` at {size}", _s(reindex), "< 60 s", _load(reindex)),
    ]  # fmt: skip
    ours = None
    if ingest and reindex and ingest["ok"] and reindex["ok"]:
        ours = (
            ingest["seconds"] + reindex["seconds"],
            ingest["cpu_seconds"] + reindex["cpu_seconds"],
        )
        label = "ingest + reindex"
    elif reindex and reindex["ok"]:
        ours = reindex["seconds"], reindex["cpu_seconds"]
        label = "reindex (ingest not run)"
    if fts5_ok and ours:
        rows.append(
            (
                f"{label} vs the FTS5 index over the same jieba tokens, same run",
                f"{ours[0]:,.1f} vs {fts5['seconds']:,.1f} s ({_ratio(ours[0], fts5['seconds'])}); "
                f"CPU {ours[1]:,.1f} vs {fts5['cpu_seconds']:,.1f} s "
                f"({_ratio(ours[1], fts5['cpu_seconds'])})",
                "≤ 3×",
                _load(fts5),
            )
        )
    else:
        rows.append(("ingest + reindex vs the FTS5 index", _s(fts5), "≤ 3×", _load(fts5)))
    compare = (results.get("compare") or {}).get("figures")
    if compare:
        by_app: dict[str, list[dict[str, Any]]] = {}
        for run_ in compare["runs"]:
            by_app.setdefault(run_["app"], []).append(run_)
        mine, theirs = by_app.get("ours", []), by_app.get("FTS5 app", [])

        def each(runs: list[dict[str, Any]], get: Any, fmt: str = "{:,.0f}") -> str:
            return " / ".join("–" if get(r) is None else fmt.format(get(r)) for r in runs)

        def get_first(r: dict[str, Any]) -> float | None:
            return (r["first_search"] or {}).get("first_ms")

        def pss(r: dict[str, Any]) -> float:
            return r["load"]["pss_total_mb"]

        def p99(r: dict[str, Any]) -> float:
            return r["load"]["p99_ms"]

        loads = " / ".join(
            f"{r['load_at_start']} → {r['load']['load_before_after'][1]}" for r in compare["runs"]
        )

        def honest(r: dict[str, Any]) -> float:
            return r["load"]["memory"]["honest_total_mb"]

        def parts(r: dict[str, Any]) -> str:
            m = r["load"]["memory"]
            return f"{m['own_pss_mb']:,.0f} + {m['data_resident_mb']:,.0f}"

        if all("memory" in r["load"] for r in mine + theirs):
            rows.append(
                (
                    f"server memory after load at {size} (gunicorn master + 2 workers), vs the "
                    "FTS5 app, like with like: PSS without the data files' mappings + the data "
                    "files' resident pages (evicted before start)",
                    f"{each(mine, honest)} vs {each(theirs, honest)} MB "
                    f"({_ratio(honest(mine[0]), honest(theirs[0]))}); "
                    f"{' / '.join(parts(r) for r in mine)} vs "
                    f"{' / '.join(parts(r) for r in theirs)} MB",
                    "≤ 1.5×",
                    loads,
                )
            )
        rows += [
            (
                f"server memory after load at {size} (gunicorn master + 2 workers), plain PSS "
                "(not like with like: pages read with pread are in no process's PSS)",
                f"{each(mine, pss)} vs {each(theirs, pss)} MB "
                f"({_ratio(pss(mine[0]), pss(theirs[0]))})",
                "",
                loads,
            ),
            (
                f"first search in a new worker at {size} (vs the FTS5 app)",
                f"{each(mine, get_first)} ms (FTS5 app: {each(theirs, get_first)} ms)",
                "< 200 ms",
                loads,
            ),
            (
                f"queries never seen before at {size}, p99 (vs the FTS5 app)",
                f"{each(mine, p99)} ms (FTS5 app: {each(theirs, p99)} ms)",
                "≤ the FTS5 app's",
                loads,
            ),
            (
                f"… p95 and requests/s at concurrency {compare['concurrency']}, never-seen queries",
                f"{each(mine, lambda r: r['load']['p95_ms'], '{:.1f}')} ms, "
                f"{each(mine, lambda r: r['load']['requests_per_s'])} req/s (FTS5 app: "
                f"{each(theirs, lambda r: r['load']['p95_ms'], '{:.1f}')} ms, "
                f"{each(theirs, lambda r: r['load']['requests_per_s'])} req/s); server CPU "
                f"{each(mine, lambda r: r['load']['server_cpu_ms_per_request'], '{:.1f}')} vs "
                f"{each(theirs, lambda r: r['load']['server_cpu_ms_per_request'], '{:.1f}')} "
                "ms a request",
                "stay ahead",
                loads,
            ),
        ]
    else:
        rows.append(("server memory, first search, never-seen p99", _s(results.get("compare")),
                     "", _load(results.get("compare"))))  # fmt: skip
    budget = results.get("budget")
    figures = (budget or {}).get("figures") or {}
    check = figures.get("first check, xlsx")
    download = figures.get("report download, from the first check")
    requests = figures.get("requests (fresh searcher)")
    if budget and budget["ok"] and check:
        # the check the reviewer waits for: read, match, verdicts, result page
        text = f"first check {check['wall']:.1f} s (CPU {check['cpu']:.1f} s)"
        if download:
            text += f"; its XLSX report on download {download['wall']:.1f} s"
            text += f" (CPU {download['cpu']:.1f} s)"
        if requests:
            page = requests.get("wall_phases", {}).get("page request")
            page_cpu = requests.get("cpu_phases", {}).get("page request")
            if page is not None and page_cpu is not None:
                text += f"; page request on a fresh searcher {page:.1f} s (CPU {page_cpu:.1f} s)"
            fetch = requests.get("wall_phases", {}).get("download request")
            fetch_cpu = requests.get("cpu_phases", {}).get("download request")
            if fetch is not None and fetch_cpu is not None:
                text += f", download request {fetch:.1f} s (CPU {fetch_cpu:.1f} s)"
        rows.append((f"10,000-line budget check against {size} standards", text, "≤ 5 s",
                     _load(budget)))  # fmt: skip
    else:
        rows.append((f"10,000-line budget check against {size} standards", _s(budget), "≤ 5 s",
                     _load(budget)))  # fmt: skip
    lines = [
        f"Issue 16 at {size} standards ({results['started_at']}, {results['code']}):",
        "",
        "| | measured | goal | load average (before → after) |",
        "|---|---|---:|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    speeds = [
        f"{name} {results[name]['probe']['cpu_s']:.2f}"
        for name in ("ingest", "reindex", "fts5", "compare", "budget")
        if (results.get(name) or {}).get("probe")
    ]
    if results.get("probe_end"):
        speeds.append(f"end {results['probe_end']['cpu_s']:.2f}")
    if speeds:
        lines += [
            "",
            "Machine speed before each step (`bench/probe.py`: CPU seconds of one fixed piece "
            f"of work, lower is faster): {', '.join(speeds)} s. "
            "Figures of runs whose probes differ are not comparable; ratios within a run are.",
        ]
    if fts5_ok and fts5.get("figures"):
        f = fts5["figures"]
        phases = ", ".join(f"{k} {v:.1f} s" for k, v in f["phases_s"].items())
        lines += [
            "",
            f"FTS5 build: {f['records']:,} records, {f['procs']} analysis processes; {phases}; "
            f"analysis CPU {f['cpu_s_analysis']:.1f} s; file {f['file_mb']:.0f} MB; "
            f"{f['tokens']['terms']:,} terms, {f['tokens']['cjk_multi_char_terms']:,} of them "
            f"multi-character CJK (e.g. {'、'.join(f['tokens']['examples'])}).",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, help="standards in the corpus")
    parser.add_argument("--instance", type=Path, help="written into")
    parser.add_argument("--corpus", type=Path, help="ingest this corpus into a fresh instance")
    parser.add_argument("--fresh", action="store_true", help="remove --instance before ingest")
    parser.add_argument("--out", type=Path, help="logs and figures (default bench/out/scale-N)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of HTTP load")
    parser.add_argument("--rounds", type=int, default=1, help="HTTP: alternate the apps")
    parser.add_argument("--skip-reindex", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-budget", action="store_true")
    parser.add_argument("--json", type=Path, help="default: OUT/scale.json")
    parser.add_argument("--report", type=Path, help="only print the table of a scale.json")
    args = parser.parse_args(argv)
    if args.report:
        results = json.loads(args.report.read_text())
        if results.get("budget"):
            results["budget"]["figures"] = budget_figures(
                Path(results["budget"]["log"]).read_text()
            )
        print(markdown(results))
        return 0
    if not (args.size and args.instance):
        parser.error("--size and --instance are required")
    args.out = args.out or HERE / "out" / f"scale-{args.size}"
    results = run(args)
    (args.json or args.out / "scale.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1)
    )
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
