"""No secret in any log line or command output of the whole suite (this file runs last: pytest goes by name)."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum

from notifications.senders import AppriseSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import CAPTURED, SECRETS, write


def test_failing_channels_with_secrets_leave_none_in_logs_or_output(kiemdiem, env, tmp_path: Path) -> None:
    tree = (
        "code,parent,name,level,members,contacts\n"
        "HU-A,,Huyện ủy A,district,0,mailtos://bantochuc:S3cretPass@127.0.0.1:1?from=kd@example.vn&to=a@example.vn\n"
        "CS-1,HU-A,Chi bộ Một,grassroots,3,json://user:MatKhau123@127.0.0.1:1/hook "
        "tgram://123456:TokenBiMat987/4242\n"
    )
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree)).exit_code == 0
    config = """
key: s-2026
title: "Bí mật"
year: 2026
plan_number: 9-KH/HU
root: HU-A
launch: 2026-11-23
milestones: [{key: grassroots_review, levels: [district, grassroots], deadline: 2026-12-10}]
delivery: {max_attempts: 1}
admin_contacts: ["json://admin:Hunter2Secret@127.0.0.1:1/admin"]
"""
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", config), "--at", "2026-11-23T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    assert launched.stdout == "s-2026\n"
    # the issuing committee (HU-A) is not sent its own plan; its reminder tries its secret-holding channel instead
    assert "launched for 2 units under HU-A; 1 plan notice" in launched.stderr
    seen_before = len(CAPTURED)  # what this test captures starts here: earlier tests also log 127.0.0.1
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    result = sweep(app, "s-2026", pendulum.datetime(2026, 12, 3, 7, 30, tz="Asia/Ho_Chi_Minh"), AppriseSender())
    assert result["campaigns"]["s-2026"]["delivered"]["failed"] >= 2  # the channels refused: errors were logged
    # each command shows the entries, units and channels whose URLs hold the secrets (so each could leak them)
    table = kiemdiem("outbox", "--campaign", "s-2026")
    assert table.exit_code == 0, table.stderr
    assert "s-2026|CS-1|" in table.stdout and "failed" in table.stdout
    listed = kiemdiem("outbox", "--campaign", "s-2026", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {(row["unit"], row["kind"], row["status"]) for row in rows} == {
        ("HU-A", "reminder", "failed"),
        ("CS-1", "plan_issued", "failed"),
        ("CS-1", "reminder", "failed"),
    }
    tree_json = kiemdiem("units", "tree", "--format", "json")
    assert tree_json.exit_code == 0, tree_json.stderr
    assert [unit["code"] for unit in json.loads(tree_json.stdout)[0]["children"]] == ["CS-1"]
    tried = kiemdiem("notify", "test", "CS-1")
    assert tried.exit_code == 1, tried.stdout  # neither channel accepts the test message
    assert tried.stdout.count("LỖI / FAILED") == 2, tried.stdout
    assert "json://" in tried.stdout and "tgram://" in tried.stdout  # each target is named, redacted
    # the capture did see this test's failures (lines from earlier tests do not count)
    assert any("127.0.0.1" in line for line in CAPTURED[seen_before:])
    leaks = [line for line in CAPTURED for secret in SECRETS if secret in line]
    assert leaks == []
