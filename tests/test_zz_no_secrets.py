"""No secret in any log line or command output of the whole suite (this file runs last: pytest goes by name)."""

from __future__ import annotations

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
milestones: [{key: grassroots_review, levels: [grassroots], deadline: 2026-12-10}]
delivery: {max_attempts: 1}
admin_contacts: ["json://admin:Hunter2Secret@127.0.0.1:1/admin"]
"""
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", config), "--at", "2026-11-23T08:00:00+07:00")
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    result = sweep(app, "s-2026", pendulum.datetime(2026, 12, 3, 7, 30, tz="Asia/Ho_Chi_Minh"), AppriseSender())
    assert result["campaigns"]["s-2026"]["delivered"]["failed"] >= 2  # the channels refused: errors were logged
    for args in (
        ("outbox", "--campaign", "s-2026"),
        ("outbox", "--campaign", "s-2026", "--format", "json"),
        ("units", "tree", "--format", "json"),
        ("notify", "test", "CS-1"),
    ):
        kiemdiem(*args)
    assert any("127.0.0.1" in line for line in CAPTURED)  # the capture did see the failures
    leaks = [line for line in CAPTURED for secret in SECRETS if secret in line]
    assert leaks == []
