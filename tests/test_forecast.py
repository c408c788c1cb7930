"""Measured, not guessed (issue 16, item 4): `simulate --history` runs two consecutive years through Prefect, the
second written from the first, and back-tests the risk levels on it; the scoring and the persistence arithmetic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.simulation import History, backtest
from tests.conftest import write

TREE = "\n".join(
    [
        "code,parent,name,level,members,contacts",
        "H,,Huyện ủy H,district,0,mailto://h@example.vn",
        *(f"G{n:02},H,Chi bộ cơ sở {n},grassroots,10,mailto://g{n}@example.vn" for n in range(1, 31)),
    ]
)
# Each year runs from its launch to the day after its last deadline: 13 daily sweeps, and quiet hours from 09:00
# leave one hourly sweep (08:30) on each deadline day; 30 flow runs over both years instead of 94. The grassroots
# deadline is ten days after the launch, the least that leaves room to mark work in progress before the risk list
# is read (seven days before it, History.check_days).
CONFIG = """key: h-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 3-KH/HU
root: H
launch: 2026-11-20
reminders: {quiet_hours: ["09:00", "07:00"]}
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2026-11-30}
  - {key: district_review, levels: [district], deadline: 2026-12-01, after_children: grassroots_review}
"""


@pytest.mark.prefect
def test_history_mode_runs_two_years_and_back_tests_the_risk_levels(
    prefect_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from entrypoints.cli import app

    monkeypatch.setenv("KIEMDIEM_HOME", str(tmp_path))
    monkeypatch.delenv("KIEMDIEM_DATABASE_URL", raising=False)
    args = ["simulate", write(tmp_path / "c.yaml", CONFIG), "--units", write(tmp_path / "t.csv", TREE), "--history"]
    ran = CliRunner().invoke(app, [str(a) for a in [*args, "--persistence", "1", "--seed", "5", "--format", "json"]])
    assert ran.exit_code == 0, ran.output
    result = json.loads(ran.stdout[ran.stdout.index("{\n") :])
    assert [year["campaign"] for year in result["years"]] == ["h-2026", "h-2027"]
    assert result["parameters"]["persistence"] == 1.0 and result["assessed"] > 0
    scores = {s["rule"]: s for s in result["backtest"]}
    naive = scores["late last year (naive)"]
    assert naive["marked"] > 0 and naive["hits"] == naive["marked"]  # late every year when lateness persists
    assert scores["any reason"]["recall"] >= scores["high"]["recall"]
    assert "Kiểm chứng dự báo / back-test — h-2026 → h-2027" in ran.stdout
    assert "late again after a late year: 100%" in ran.stdout
    written = (tmp_path / "simulations" / "h-2027.yaml").read_text(encoding="utf-8")
    assert "previous: h-2026" in written and "plan_number: MP-2027/KH" in written
    refused = CliRunner().invoke(app, [str(a) for a in [*args, "--amend", "grassroots_review:2026-12-05"]])
    assert refused.exit_code == 2 and "--amend is not taken with --history" in refused.stderr


def test_the_late_share_stays_the_profiles_while_lateness_persists() -> None:
    history = History(persistence=0.6)
    late_again, late_after_on_time = history.late_share("realistic", True), history.late_share("realistic", False)
    assert late_again == 0.6 and round(late_after_on_time, 6) == 0.1
    assert round(0.2 * late_again + 0.8 * late_after_on_time, 6) == 0.2  # 15% late + 5% never, both years
    assert History(persistence=0.0).late_share("all-late", False) == 1.0


def test_precision_and_recall_of_each_rule_against_the_naive_one() -> None:
    levels = {("A", "m"): "high", ("B", "m"): "high", ("C", "m"): "medium", ("D", "m"): None, ("E", "m"): "low"}
    late_now = {("A", "m"), ("C", "m"), ("D", "m"), ("Z", "m")}  # Z was not open at the check: not counted
    scores = {s.rule: s for s in backtest(levels, {("A", "m"), ("D", "m"), ("E", "m")}, late_now)}
    assert (scores["high"].marked, scores["high"].hits, scores["high"].late) == (2, 1, 3)
    assert scores["high"].precision == 0.5 and round(scores["high"].recall, 4) == 0.3333
    assert (scores["high+medium"].hits, scores["any reason"].marked) == (2, 4)
    naive = scores["late last year (naive)"]
    assert (naive.marked, naive.hits, round(naive.precision, 4), round(naive.recall, 4)) == (3, 2, 0.6667, 0.6667)
