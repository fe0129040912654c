"""bench/probe.py: one fixed piece of work, timed."""

from __future__ import annotations

from bench import probe


def test_the_work_is_the_same_every_time():
    assert probe.work(20_000) == probe.work(20_000)
    assert probe.work(20_000) != probe.work(40_000)


def test_measure_reports_the_least_of_its_rounds():
    figures = probe.measure(rounds=2, words=20_000)

    assert figures["rounds"] == 2
    assert 0 < figures["cpu_s"] <= figures["wall_s"] + 0.01
    assert figures["compressed_bytes"] == probe.work(20_000)
