"""bench/scale.py reads the figures bench/budget.py prints."""

from __future__ import annotations

from bench import scale

BUDGET_OUTPUT = """\
10000 lines in all of 上海市 against instance-10000
startup (once per worker):
  wall: startup 0.56 s; total 0.56 s, 17737 lines/s
  cpu: startup 0.17 s; total 0.17 s, 58621 lines/s
  verdicts: {'within': 2429, 'over': 6859}, broken rows: 0
first check, xlsx:
  wall: read 1.97 s, match 6.12 s, verdicts 1.80 s, page 0.96 s; total 10.85 s, 922 lines/s
  cpu: read 0.66 s, match 1.95 s, verdicts 0.57 s, page 0.31 s; total 3.49 s, 2865 lines/s
report download, from the first check:
  wall: report 5.75 s; total 5.75 s, 1739 lines/s
  cpu: report 1.87 s; total 1.87 s, 5348 lines/s
requests (fresh searcher):
  wall: startup 0.36 s, page request 11.96 s, download request 8.83 s; total 20.79 s, 481 lines/s
  cpu: startup 0.12 s, page request 3.92 s, download request 3.12 s; total 7.04 s, 1420 lines/s
"""


def test_budget_figures_per_section_with_phases():
    figures = scale.budget_figures(BUDGET_OUTPUT)
    assert list(figures) == [
        "startup (once per worker)",
        "first check, xlsx",
        "report download, from the first check",
        "requests (fresh searcher)",
    ]
    assert figures["first check, xlsx"]["wall"] == 10.85
    assert figures["first check, xlsx"]["cpu"] == 3.49
    assert figures["first check, xlsx"]["cpu_phases"] == {
        "read": 0.66,
        "match": 1.95,
        "verdicts": 0.57,
        "page": 0.31,
    }
    assert figures["report download, from the first check"]["cpu"] == 1.87
    assert figures["requests (fresh searcher)"]["wall_phases"]["page request"] == 11.96


def test_the_budget_row_shows_the_check_the_report_on_download_and_the_requests():
    budget = {"ok": True, "figures": scale.budget_figures(BUDGET_OUTPUT)}
    budget |= {"load_before_after": [1.2, 2.3], "log": "budget.log"}
    results = {"size": 10000, "started_at": "2026-12-07", "code": "abc", "budget": budget}

    row = next(line for line in scale.markdown(results).splitlines() if "budget check" in line)

    assert row == (
        "| 10,000-line budget check against 10,000 standards | first check 10.8 s (CPU 3.5 s);"
        " its XLSX report on download 5.8 s (CPU 1.9 s); page request on a fresh searcher"
        " 12.0 s (CPU 3.9 s), download request 8.8 s (CPU 3.1 s) | ≤ 5 s | 1.2 → 2.3 |"
    )


def test_budget_figures_of_a_failed_run_are_empty():
    assert scale.budget_figures("Traceback (most recent call last):\n  File x\nKeyError: 1\n") == {}


def test_each_row_shows_the_machine_speed_before_its_step_and_the_host_share():
    step = {"ok": True, "returncode": 0, "seconds": 61.0, "cpu_seconds": 90.5, "log": "x.log"}
    step |= {"load_before_after": [0.5, 2.1], "other_cpu_share": 0.01, "steal_share": 0.03}
    results = {"size": 100000, "started_at": "2026-12-07", "code": "abc"}
    results |= {"reindex": step | {"probe": {"cpu_s": 0.412}}, "probe_end": {"cpu_s": 0.6}}

    table = scale.markdown(results)

    row = next(line for line in table.splitlines() if "`kb reindex`" in line)
    assert row.endswith("| 0.5 → 2.1; others 1% of the CPU, the host 3%; probe 0.41 s |")
    assert "reindex 0.41, end 0.60 s." in table
