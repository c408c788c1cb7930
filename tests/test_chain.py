"""The upward chain: accept, return (notified, reminders resume), exempt, extend; all in the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import yaml
from sqlalchemy import create_engine, text

from notifications.senders import CaptureSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import write

CONFIG = """
key: c-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-A
launch: 2026-11-23
milestones:
  - {key: grassroots_review, title: "Kiểm điểm cấp cơ sở", levels: [grassroots], deadline: 2026-12-10}
  - {key: district_review, levels: [district], deadline: 2026-12-25, after_children: grassroots_review}
"""
TREE = """code,parent,name,level,members,contacts
HU-A,,Huyện ủy A,district,0,json://127.0.0.1:9/HU-A
CS-1,HU-A,Chi bộ Một,grassroots,20,json://127.0.0.1:9/CS-1
CS-2,HU-A,Chi bộ Hai,grassroots,10,json://127.0.0.1:9/CS-2
"""
REPORT = {"subjects": {"member": {"total": 20, "evaluated": 20, "excellent": 2, "good": 15, "completed": 3}}}
TZ = "Asia/Ho_Chi_Minh"


def setup(kiemdiem, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout == "c-2026\n"
    assert "launched for 3 units under HU-A; 2 plan notices queued" in ran.stderr


def state(kiemdiem, unit: str, milestone: str, new: str, *extra: str):  # type: ignore[no-untyped-def]
    return kiemdiem(
        "status",
        "set",
        "--campaign",
        "c-2026",
        "--unit",
        unit,
        "--milestone",
        milestone,
        "--state",
        new,
        "--format",
        "json",
        *extra,
    )


def submit(kiemdiem, tmp_path: Path, unit: str, at: str, report: dict | None = None):  # type: ignore[no-untyped-def]
    args = ["status", "submit", "--campaign", "c-2026", "--unit", unit, "--milestone", "grassroots_review", "--at", at]
    if report:
        args += ["--report", str(write(tmp_path / f"{unit}.yaml", yaml.safe_dump(report)))]
    return kiemdiem(*args)


def audit(env) -> list[tuple]:  # type: ignore[type-arg]
    engine = create_engine(env["KIEMDIEM_DATABASE_URL"])
    with engine.connect() as connection:
        rows = [
            tuple(r)
            for r in connection.execute(
                text(
                    "SELECT action, from_state, to_state, reason FROM audit_log WHERE entity = 'assignment' ORDER BY id"
                )
            )
        ]
    engine.dispose()
    return rows


def test_parent_is_accepted_only_after_its_children_unless_the_admin_overrides(kiemdiem, env, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    assert (
        kiemdiem(
            "status",
            "submit",
            "--campaign",
            "c-2026",
            "--unit",
            "HU-A",
            "--milestone",
            "district_review",
            "--at",
            "2026-12-20T09:00:00+07:00",
        ).exit_code
        == 0
    )
    submitted = submit(kiemdiem, tmp_path, "CS-1", "2026-12-05T09:00:00+07:00")
    assert submitted.exit_code == 0 and "on time" in submitted.stdout, submitted.stderr
    refused = state(kiemdiem, "HU-A", "district_review", "accepted")
    assert refused.exit_code == 2 and "children_missing" in refused.stderr and "1 subordinate units" in refused.stderr
    assert "CS-2" in refused.stderr
    no_reason = state(kiemdiem, "HU-A", "district_review", "accepted", "--override")
    assert no_reason.exit_code == 2 and "reason_required" in no_reason.stderr
    done = state(kiemdiem, "HU-A", "district_review", "accepted", "--override", "--reason", "CS-2 sáp nhập")
    assert done.exit_code == 0 and json.loads(done.stdout)["status"] == "accepted"
    assert ("assignment.accepted", "submitted", "accepted", "CS-2 sáp nhập") in audit(env)


def test_returned_is_notified_reminded_against_the_grace_deadline_and_counted_once(kiemdiem, env, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    assert submit(kiemdiem, tmp_path, "CS-1", "2026-12-05T09:00:00+07:00", REPORT).exit_code == 0
    before = json.loads(kiemdiem("progress", "--campaign", "c-2026", "--format", "json").stdout)["results"]["member"]
    assert before["evaluated"] == 20
    no_reason = state(kiemdiem, "CS-1", "grassroots_review", "returned")
    assert no_reason.exit_code == 2
    ran = state(
        kiemdiem,
        "CS-1",
        "grassroots_review",
        "returned",
        "--reason",
        "Số liệu chưa khớp",
        "--until",
        "2026-12-15",
        "--at",
        "2026-12-06T10:00:00+07:00",
    )
    assert ran.exit_code == 0, ran.stderr
    returned = json.loads(ran.stdout)
    assert returned["status"] == "returned" and returned["due_before"].startswith("2026-12-15T17:00:00")
    # a returned report does not count; the unit hears why, then is reminded against the grace deadline
    mid = json.loads(kiemdiem("progress", "--campaign", "c-2026", "--format", "json").stdout)["results"]["member"]
    assert mid["evaluated"] == 0
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender()
    for day in (7, 8, 12, 14):
        sweep(app, "c-2026", pendulum.datetime(2026, 12, day, 7, 30, tz=TZ), sink)
    to_cs1 = [f"{title}\n{body}" for url, title, body in sink.messages if url.endswith("/CS-1")]
    assert any("Trả lại để hoàn thiện" in t for t in to_cs1)  # with the plan notice, in one digest
    assert any("còn 3 ngày" in t for t in to_cs1) and any("còn 1 ngày" in t for t in to_cs1)
    assert any("thứ Ba, ngày 15/12/2026" in t for t in to_cs1)
    engine = create_engine(env["KIEMDIEM_DATABASE_URL"])
    with engine.connect() as connection:
        kinds = dict(
            connection.execute(text("SELECT kind, status FROM outbox WHERE key LIKE 'c-2026|CS-1|%returned%'"))
            .tuples()
            .all()
        )
    engine.dispose()
    assert kinds == {"returned": "sent"}
    # resubmitted within the grace deadline: on time against it, and counted once
    report = {"subjects": {"member": {**REPORT["subjects"]["member"], "excellent": 2, "good": 14, "completed": 4}}}
    again = submit(kiemdiem, tmp_path, "CS-1", "2026-12-14T09:00:00+07:00", report)
    assert again.exit_code == 0 and "on time" in again.stdout
    after = json.loads(kiemdiem("progress", "--campaign", "c-2026", "--format", "json").stdout)["results"]["member"]
    assert (after["evaluated"], after["excellent"], after["good"], after["completed"]) == (20, 2, 14, 4)


def test_exempt_units_get_no_notices_and_do_not_count_against_completion(kiemdiem, env, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    assert state(kiemdiem, "CS-2", "grassroots_review", "exempt").exit_code == 2  # a reason is required
    assert state(kiemdiem, "CS-2", "grassroots_review", "exempt", "--reason", "Giải thể").exit_code == 0
    submitted = submit(kiemdiem, tmp_path, "CS-1", "2026-12-05T09:00:00+07:00")
    assert submitted.exit_code == 0 and "on time" in submitted.stdout, submitted.stderr
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender()
    sweep(app, "c-2026", pendulum.datetime(2026, 12, 12, 7, 30, tz=TZ), sink)
    assert not any(url.endswith("/CS-2") and "Nhắc" in title for url, title, _ in sink.messages)
    row = next(
        r
        for r in json.loads(kiemdiem("progress", "--campaign", "c-2026", "--format", "json").stdout)["levels"]
        if r["level"] == "grassroots"
    )
    assert (row["units"], row["exempt"], row["submitted"], row["completion_pct"]) == (2, 1, 1, 100.0)


def test_extension_moves_one_units_notices(kiemdiem, env, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    ran = kiemdiem(
        "status",
        "extend",
        "--campaign",
        "c-2026",
        "--unit",
        "CS-2",
        "--milestone",
        "grassroots_review",
        "--until",
        "2026-12-20",
        "--reason",
        "Bão lụt",
        "--at",
        "2026-12-01T09:00:00+07:00",
    )
    assert ran.exit_code == 0, ran.stderr
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender()
    for day in (3, 11, 13):
        sweep(app, "c-2026", pendulum.datetime(2026, 12, day, 7, 30, tz=TZ), sink)
    cs2 = [title for url, title, _ in sink.messages if url.endswith("/CS-2")]
    cs1 = [title for url, title, _ in sink.messages if url.endswith("/CS-1")]
    assert any("còn 7 ngày" in t for t in cs2)  # 13/12 is 7 days before the extended 20/12
    assert not any("Quá hạn" in t or "Cập nhật" in t for t in cs2)
    assert any("Cập nhật tình hình" in t for t in cs1)  # CS-1 kept the 10/12 deadline: past it, and swept sparsely
    assert ("assignment.extend", "pending", "pending", "Bão lụt") in audit(env)


def test_invalid_transitions(kiemdiem, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    ran = state(kiemdiem, "CS-1", "grassroots_review", "accepted")
    assert ran.exit_code == 2 and '"transition"' in ran.stderr and "pending" in ran.stderr
    assert state(kiemdiem, "CS-1", "grassroots_review", "done").exit_code == 2
    late = kiemdiem(
        "status",
        "extend",
        "--campaign",
        "c-2026",
        "--unit",
        "CS-1",
        "--milestone",
        "grassroots_review",
        "--until",
        "2026-11-01",
        "--reason",
        "x",
        "--at",
        "2026-12-01T09:00:00+07:00",
    )
    assert late.exit_code == 2 and "[deadline_past]" in late.stderr


def test_in_progress_records_the_meeting_date(kiemdiem, env, tmp_path) -> None:
    setup(kiemdiem, tmp_path)
    ran = state(
        kiemdiem,
        "CS-1",
        "grassroots_review",
        "in_progress",
        "--meeting-date",
        "2026-12-02",
        "--at",
        "2026-12-01T09:00:00+07:00",
    )
    assert ran.exit_code == 0 and json.loads(ran.stdout)["status"] == "in_progress"
    engine = create_engine(env["KIEMDIEM_DATABASE_URL"])
    with engine.connect() as connection:
        details = connection.execute(
            text("SELECT details FROM audit_log WHERE action = 'assignment.in_progress'")
        ).scalar_one()
    engine.dispose()
    assert (json.loads(details) if isinstance(details, str) else details) == {"meeting_date": "2026-12-02"}
    bad = state(kiemdiem, "CS-1", "grassroots_review", "in_progress", "--meeting-date", "02/12/2026")
    assert bad.exit_code == 2 and "invalid_date" in bad.stderr
