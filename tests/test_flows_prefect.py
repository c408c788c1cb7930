"""Flows on Prefect's real embedded server: one server for the whole session (PREFECT-NOTES.md)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLES, ROOT, write

pytestmark = pytest.mark.prefect

# A short campaign on a small tree (a district, three grassroots, six branches under two of them): one daily sweep
# from 01/12 to the day after the last deadline, and quiet hours from 09:00 leave one hourly sweep (08:30) on each
# deadline day, so a run is 6 sweeps (flow runs) instead of 35 over 270 units; the grassroots deadline is two days
# before the last sweep, so the silent profile still escalates.
SHORT = """
key: ngan-2026
title: "Đợt ngắn"
year: 2026
plan_number: 1-KH/HU
root: HU
launch: 2026-12-01
reminders: {quiet_hours: ["09:00", "07:00"]}
milestones:
  - key: grassroots_review
    levels: [branch, grassroots]
    deadline: 2026-12-02
  - key: district_review
    levels: [district]
    deadline: 2026-12-03
    after_children: grassroots_review
"""
SMALL_TREE = "\n".join(
    [
        "code,parent,name,level,members,contacts",
        "HU,,Huyện ủy,district,0,mailto://hu@example.vn",
        *(f"X{g},HU,Đảng bộ xã {g},grassroots,0,mailto://x{g}@example.vn" for g in range(1, 4)),
        *(
            f"X{g}-AP{b},X{g},Chi bộ ấp {b} xã {g},branch,20,mailto://x{g}-ap{b}@example.vn"
            for g in range(1, 3)
            for b in range(1, 4)
        ),
    ]
)


def flow_runs(name: str) -> list[str]:
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async def read() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[name])))
            return [run.state_name for run in runs]

    return asyncio.run(read())


def launched(kiemdiem) -> None:  # type: ignore[no-untyped-def]
    """The example district imported and its campaign launched, each step checked."""
    imported = kiemdiem("units", "import", EXAMPLES / "district.csv")
    assert imported.exit_code == 0, imported.stderr
    assert "imported 270 units: 270 new" in imported.stdout
    ran = kiemdiem("campaign", "launch", ROOT / "deploy" / "campaign.example.yaml", "--at", "2020-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout == "cuchi-2020\n"
    assert "launched for 270 units under HU-CUCHI; 269 plan notices queued" in ran.stderr


def test_launch_flow_runs_as_a_prefect_flow_run(prefect_server, kiemdiem, env) -> None:
    from flows.launch import launch

    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
    state = launch(str(ROOT / "deploy" / "campaign.example.yaml"), "2020-11-23T08:00:00+07:00", return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["campaign"] == "cuchi-2020" and summary["notices"] == 269
    assert "Completed" in flow_runs("launch")


def test_sweep_flow_runs_one_task_per_batch_and_matches_the_direct_sweep(prefect_server, kiemdiem, env) -> None:
    from flows.sweep import sweep as sweep_flow
    from notifications.senders import CaptureSender, install_sender

    launched(kiemdiem)
    sink = CaptureSender()
    install_sender(sink)
    try:
        result = sweep_flow("cuchi-2020", "2020-11-25T07:30:00+07:00")
    finally:
        install_sender(None)
    # the units' own plans are due 28/11: the 50 grassroots organizations (never a branch) get their T-3 reminder
    assert result["campaigns"]["cuchi-2020"]["decided"] == {"reminder": 50}
    # 269 plan notices (none to the root, which issued the plan) and the reminders, as one digest per unit
    reminders = result["campaigns"]["cuchi-2020"]["decided"]["reminder"]
    assert result["campaigns"]["cuchi-2020"]["delivered"] == {"messages": 269, "sent": 269 + reminders}
    assert len(sink.messages) == 269
    # the same sweep again, now as a plain command: nothing new
    again = kiemdiem("campaign", "sweep", "--at", "2020-11-25T07:30:00+07:00", "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["campaigns"]["cuchi-2020"]["decided"] == {}


@pytest.mark.parametrize(("profile", "expect_escalations"), [("all-on-time", False), ("silent", True)])
def test_simulate_runs_a_whole_campaign(
    prefect_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str, expect_escalations: bool
) -> None:
    from entrypoints.cli import app

    monkeypatch.setenv("KIEMDIEM_HOME", str(tmp_path))
    monkeypatch.delenv("KIEMDIEM_DATABASE_URL", raising=False)
    config = write(tmp_path / "short.yaml", SHORT)
    ran = CliRunner().invoke(
        app,
        [
            "simulate",
            str(config),
            "--units",
            str(write(tmp_path / "tree.csv", SMALL_TREE)),
            "--profile",
            profile,
            "--seed",
            "7",
            "--format",
            "json",
        ],
    )
    assert ran.exit_code == 0, ran.output
    result = json.loads(ran.stdout[ran.stdout.index("{\n") :])
    levels = {(r["milestone"], r["level"]): r for r in result["progress"]["levels"]}
    if expect_escalations:
        assert result["notices"]["escalation"] > 0 and levels[("grassroots_review", "branch")]["submitted"] == 0
    else:
        assert "escalation" not in result["notices"] and "overdue" not in result["notices"]
        assert levels[("grassroots_review", "grassroots")]["completion_pct"] == 100.0
        assert levels[("district_review", "district")]["on_time"] == 1
    assert "01/12" in ran.stdout and "Tổng kết / summary" in ran.stdout
    assert (tmp_path / "simulations" / "ngan-2026.db").is_file()
    assert "KIEMDIEM_DATABASE_URL" not in __import__("os").environ
    assert "Completed" in flow_runs("simulate")


def test_serve_registers_a_scheduled_sweep_per_campaign(prefect_server, kiemdiem, env) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from prefect import get_client
    from prefect.settings import PREFECT_API_URL

    launched(kiemdiem)
    process = subprocess.Popen(
        [sys.executable, "-c", "from entrypoints.cli import main; main()", "serve"],
        cwd=ROOT,
        env={**os.environ, **env, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "KIEMDIEM_API_PORT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )

    async def deployment() -> object:
        async with get_client() as client:
            try:
                return await client.read_deployment_by_name("sweep/sweep-cuchi-2020")
            except Exception:
                return None

    try:
        found = None
        for _ in range(120):
            found = asyncio.run(deployment())
            if found is not None or process.poll() is not None:
                break
            time.sleep(0.5)
        assert found is not None, process.stderr.read() if process.poll() is not None else "no deployment"
        crons = sorted((s.schedule.cron, s.schedule.timezone) for s in found.schedules)
        hourly = ",".join(str(hour) for hour in range(24) if hour != 7)  # the daily 07:30 sweep covers 07:30
        days = ["23 11", "28 11", "10 12", "25 12", "15 1"]
        assert crons == sorted(
            [("30 7 * * *", "Asia/Ho_Chi_Minh")] + [(f"30 {hourly} {day} *", "Asia/Ho_Chi_Minh") for day in days]
        )
        assert found.parameters == {"campaign": "cuchi-2020"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
