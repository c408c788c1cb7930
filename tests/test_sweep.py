"""The sweep on a real database: once-only outbox, catch-up, submissions, escalation, real delivery."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import select

from models.tables import OutboxEntry
from notifications.senders import AppriseSender, CaptureSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import EXAMPLES, ROOT, database_with_cli, write
from tests.sinks import http_sink, smtp_sink

TZ = "Asia/Ho_Chi_Minh"
CONFIG = """
key: t-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-A
launch: 2026-11-23
milestones:
  - key: grassroots_review
    title: "Hoàn thành kiểm điểm cấp cơ sở"
    levels: [branch, grassroots]
    deadline: 2026-12-10
  - key: district_review
    levels: [district]
    deadline: 2026-12-25
    after_children: grassroots_review
working_groups:
  - name: to-cong-tac-1
    units: [CS-1]
    contacts: [json://{hook}/wg]
"""
TREE = """code,parent,name,level,members,contacts
HU-A,,Huyện ủy A,district,0,json://{hook}/HU-A
CS-1,HU-A,Đảng bộ xã Một,grassroots,0,json://{hook}/CS-1
CS-1-CB1,CS-1,Chi bộ ấp 1,branch,30,json://{hook}/CS-1-CB1
CS-1-CB2,CS-1,Chi bộ ấp 2,branch,12,json://{hook}/CS-1-CB2
CS-2,HU-A,Chi bộ cơ sở Hai,grassroots,25,json://{hook}/CS-2
"""


def at(day: int, hour: int = 7, minute: int = 30, month: int = 12, year: int = 2026) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=TZ)


@pytest.fixture
def campaign(kiemdiem, env, tmp_path: Path):
    hook = "127.0.0.1:9"  # replaced per test where delivery matters
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE.format(hook=hook))).exit_code == 0
    ran = kiemdiem(
        "campaign", "launch", write(tmp_path / "c.yaml", CONFIG.format(hook=hook)), "--at", "2026-11-23T08:00:00+07:00"
    )
    assert ran.exit_code == 0, ran.stderr
    return build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))


def outbox(app) -> list[OutboxEntry]:
    with app.unit_of_work() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.key)))


def test_two_sweeps_at_the_same_instant_add_nothing(campaign) -> None:
    sink = CaptureSender()
    first = sweep(campaign, "t-2026", at(3), sink)
    assert first["campaigns"]["t-2026"]["decided"] == {"reminder": 4}
    rows = [(e.key, e.status) for e in outbox(campaign)]
    second = sweep(campaign, "t-2026", at(3), sink)
    assert second["campaigns"]["t-2026"]["decided"] == {}
    assert [(e.key, e.status) for e in outbox(campaign)] == rows
    assert "t-2026|CS-1-CB1|grassroots_review|reminder|7@2026-12-10" in {k for k, _ in rows}


def test_concurrent_sweeps_insert_each_notice_once(campaign, env) -> None:
    def one() -> dict:
        return sweep(
            build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"])), "t-2026", at(12, 9), CaptureSender()
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: one(), range(4)))
    keys = [e.key for e in outbox(campaign)]
    assert len(keys) == len(set(keys))
    assert Counter(e.kind for e in outbox(campaign) if e.status != "skipped") == {"plan_issued": 4, "catch_up": 4}
    assert any(r["campaigns"]["t-2026"]["decided"] for r in results)


def test_concurrent_sweep_processes(campaign, env) -> None:
    """Two `kiemdiem campaign sweep` processes at the same instant: each notice once."""
    cli = [
        sys.executable,
        "-c",
        "from entrypoints.cli import main; main()",
        "campaign",
        "sweep",
        "--at",
        "2026-12-03T07:30:00+07:00",
        "--format",
        "json",
    ]
    procs = [
        subprocess.Popen(
            cli,
            cwd=ROOT,
            env={**__import__("os").environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    reminders = [e for e in outbox(campaign) if e.kind == "reminder"]
    assert len(reminders) == 4 == len({e.key for e in reminders})


def test_three_days_down_gives_one_catch_up_per_open_assignment(campaign) -> None:
    sink = CaptureSender()
    for day in range(3, 10):  # up every morning until the reminder 1 day before
        sweep(campaign, "t-2026", at(day), sink)
    assert not any(e.kind == "catch_up" for e in outbox(campaign))
    sink.messages.clear()
    result = sweep(campaign, "t-2026", at(12, 9, 0), sink)  # down from 10/12 to 12/12 09:00
    decided = result["campaigns"]["t-2026"]["decided"]
    assert decided["catch_up"] == 4
    assert decided["skipped:due_today"] == decided["skipped:overdue"] == decided["skipped:escalation"] == 4
    per_unit = Counter(url for url, _title, _body in sink.messages)
    # one message to each unit, plus the parents and the working group told once per overdue child
    assert per_unit["json://127.0.0.1:9/CS-1-CB1"] == 1
    assert all(count <= 3 for count in per_unit.values())
    assert sum(1 for e in outbox(campaign) if e.kind == "catch_up") == 4


def test_submitting_stops_every_further_notice(campaign, kiemdiem) -> None:
    sink = CaptureSender()
    sweep(campaign, "t-2026", at(3), sink)
    ran = kiemdiem(
        "status",
        "submit",
        "--campaign",
        "t-2026",
        "--unit",
        "CS-2",
        "--milestone",
        "grassroots_review",
        "--at",
        "2026-12-04T10:00:00+07:00",
    )
    assert ran.exit_code == 0 and "on time" in ran.stdout
    for day in range(4, 32):
        sweep(campaign, "t-2026", at(day), sink)
    cs2 = [e for e in outbox(campaign) if e.key.startswith("t-2026|CS-2|grassroots_review")]
    assert [e.kind for e in cs2] == ["reminder"]
    assert any(e.kind == "overdue" for e in outbox(campaign) if e.key.startswith("t-2026|CS-1|grassroots"))


def test_submission_on_the_last_second_is_on_time_and_a_second_later_is_late(campaign, kiemdiem) -> None:
    args = ["status", "submit", "--campaign", "t-2026", "--milestone", "grassroots_review", "--format", "json"]
    on_time = kiemdiem(*args, "--unit", "CS-2", "--at", "2026-12-10T23:59:59+07:00")
    for branch in ("CS-1-CB1", "CS-1-CB2"):  # its branches first
        assert kiemdiem(*args, "--unit", branch, "--at", "2026-12-10T16:00:00Z").exit_code == 0
    late = kiemdiem(*args, "--unit", "CS-1", "--at", "2026-12-10T17:00:00Z")
    assert late.exit_code == 0, late.stderr
    assert json.loads(on_time.stdout)["on_time"] is True
    assert json.loads(late.stdout)["on_time"] is False
    again = kiemdiem(*args, "--unit", "CS-2")
    assert again.exit_code == 2 and "already_closed" in again.stderr


def test_escalation_reaches_the_parent_and_the_working_group_with_missing_children(campaign) -> None:
    sink = CaptureSender()
    for day in range(9, 13):
        sweep(campaign, "t-2026", at(day), sink)
    escalations = [e for e in outbox(campaign) if e.kind == "escalation"]
    assert {e.unit_id for e in escalations} and all(e.days == 2 for e in escalations)
    by_unit = {e.key.split("|")[1]: e.recipients for e in escalations}
    assert by_unit["CS-1-CB1"] == ["CS-1", "working_group:to-cong-tac-1"]
    assert by_unit["CS-2"] == ["HU-A"]
    titles = [(url, title) for url, title, _ in sink.messages if "Báo cáo cấp trên" in title]
    assert ("json://127.0.0.1:9/CS-1", titles[0][1]) in titles or any(u.endswith("/CS-1") for u, _ in titles)
    assert any(u.endswith("/wg") for u, _ in titles)
    # the district's milestone waits on its children: its notices name the ones still missing
    for day in range(18, 26):
        sweep(campaign, "t-2026", at(day), sink)
    district = [e for e in outbox(campaign) if e.key.startswith("t-2026|HU-A|district_review|reminder")]
    assert district and district[-1].details["missing_children"] == ["CS-1", "CS-2"]


def test_same_database_and_instant_give_the_same_outbox(tmp_path: Path) -> None:
    """Two SQLite databases built alike (once, not once per database kind: it never used the test's own)."""
    keys = []
    for run in range(2):
        (tmp_path / f"run{run}").mkdir()
        with database_with_cli("sqlite", tmp_path / f"run{run}") as database:
            kiemdiem = database.kiemdiem
            assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
            launch = ("campaign", "launch", ROOT / "deploy" / "campaign.example.yaml")
            assert kiemdiem(*launch, "--at", "2020-11-23T08:00:00+07:00").exit_code == 0
            app = build_app(Settings(database_url=database.url))
            for day in (25, 28):  # the example district's 2020 campaign
                sweep(app, None, at(day, month=11, year=2020), CaptureSender())
            sweep(app, None, at(12, year=2020), CaptureSender())
            keys.append([(e.key, e.status, e.deliver_after) for e in outbox(app)])
    assert keys[0] == keys[1] and len(keys[0]) > 1000


def test_real_delivery_to_a_webhook_and_an_smtp_server(kiemdiem, env, tmp_path: Path) -> None:
    with http_sink() as hook, smtp_sink() as smtp:
        mail = f"mailto://127.0.0.1:{smtp.port}?from=kiemdiem@example.vn&to=vanphong@example.vn&secure=no"
        tree = TREE.format(hook=hook.url).replace(f"json://{hook.url}/CS-2", mail)
        kiemdiem("units", "import", write(tmp_path / "t.csv", tree))
        kiemdiem(
            "campaign",
            "launch",
            write(tmp_path / "c.yaml", CONFIG.format(hook=hook.url)),
            "--at",
            "2026-11-23T08:00:00+07:00",
        )
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        result = sweep(app, "t-2026", at(3), AppriseSender())
        # 4 plan notices (none to the root, which issued the plan) + 4 reminders, as one message per channel: the
        # plan and the reminder travel together
        assert result["campaigns"]["t-2026"]["delivered"] == {"messages": 4, "sent": 8}
        (digest,) = smtp.messages
        assert digest["subject"] == "[45-KH/HU] Tổng hợp thông báo: 2 thông báo / 2 notices"
        text = digest.get_body().get_content()
        assert "Triển khai Kiểm điểm năm 2026" in text and "Nhắc việc: còn 7 ngày" in text
        paths = Counter(r["path"] for r in hook.received)
        assert paths == {"/CS-1": 1, "/CS-1-CB1": 1, "/CS-1-CB2": 1}
        reminder = next(r for r in hook.received if r["path"] == "/CS-1-CB1")["body"]
        assert "thứ Năm, ngày 10/12/2026" in reminder["message"]
        assert all(e.status in ("sent", "skipped") for e in outbox(app))
