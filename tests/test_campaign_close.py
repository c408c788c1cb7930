"""Closing a campaign (SPEC §7 `campaign close` / `reopen`): a closed campaign sends nothing, counted at a real SMTP
server, refuses every change with the database unchanged, and is reopened only by an audited admin act."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.conftest import write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, mailboxes, received, tree_csv
from tests.sinks import smtp_sink

SUBMIT = ["status", "submit", "--campaign", KEY, "--unit", "CS-0-B00", "--milestone", "grassroots_review"]


def test_a_closed_campaign_sends_nothing_and_changes_nothing_until_reopened(kiemdiem, snapshot, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        tree = tree_csv(smtp.port, grassroots=1, branches=3)
        assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree)).exit_code == 0
        launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT)
        assert launched.exit_code == 0, launched.stderr
        closed = kiemdiem("campaign", "close", KEY, "--at", "2026-11-24T09:00:00+07:00", "--format", "json")
        assert closed.exit_code == 0 and json.loads(closed.stdout) == {
            "campaign": KEY,
            "status": "closed",
            "changed": True,
        }
        before = snapshot()
        swept = kiemdiem("campaign", "sweep", "--campaign", KEY, "--at", "2026-12-03T07:30:00+07:00")
        every = kiemdiem("campaign", "sweep", "--at", "2026-12-11T07:30:00+07:00")
        time.sleep(0.3)
        assert (swept.exit_code, every.exit_code) == (0, 0) and "closed" in swept.stderr
        assert smtp.messages == []  # not the plan, not a reminder, not an overdue notice
        refused = kiemdiem(*SUBMIT, "--at", "2026-12-03T10:00:00+07:00")
        assert refused.exit_code == 2 and "[campaign_closed]" in refused.stderr and "Traceback" not in refused.stderr
        state = ["status", "set", "--campaign", KEY, "--unit", "CS-0", "--milestone", "grassroots_review"]
        assert kiemdiem(*state, "--state", "exempt", "--reason", "x").exit_code == 2
        assert snapshot() == before
        no_reason = kiemdiem("campaign", "reopen", KEY, "--reason", " ")
        assert no_reason.exit_code == 2 and "[reason_required]" in no_reason.stderr
        reopened = kiemdiem("campaign", "reopen", KEY, "--reason", "Công văn 12-CV/BTC", "--format", "json")
        assert reopened.exit_code == 0 and json.loads(reopened.stdout)["status"] == "active"
        again = kiemdiem(*SUBMIT, "--at", "2026-12-03T10:00:00+07:00")
        assert again.exit_code == 0, again.stderr
        delivered = kiemdiem("campaign", "sweep", "--campaign", KEY, "--at", "2026-12-03T10:30:00+07:00")
        assert delivered.exit_code == 0, delivered.stderr
        time.sleep(0.3)
        assert set(received(smtp)) == mailboxes(tree)
    acts = [row for row in snapshot()["audit_log"] if "campaign.close" in row or "campaign.reopen" in row]
    assert [(r[3], r[7], r[8]) for r in sorted(acts)] == [
        ("campaign.close", "active", "closed"),
        ("campaign.reopen", "closed", "active"),
    ]
    assert any("Công văn 12-CV/BTC" in row for row in acts)


def test_a_campaign_closes_itself_after_its_last_deadline_and_grace(kiemdiem, snapshot, tmp_path: Path) -> None:
    """The last deadline is 25/12 (due before 26/12 00:00 local); with `close_after_days: 5` the first sweep from
    31/12 00:00 local closes it, once, as the system's audited act; a reopening by the board holds."""
    with smtp_sink() as smtp:
        tree = tree_csv(smtp.port, grassroots=1, branches=2)
        assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree)).exit_code == 0
        config = write(tmp_path / "c.yaml", CONFIG + "close_after_days: 5\n")
        assert kiemdiem("campaign", "launch", config, "--at", LAUNCH_AT).exit_code == 0
        early = kiemdiem("campaign", "sweep", "--at", "2026-12-30T23:59:00+07:00", "--format", "json")
        assert early.exit_code == 0 and "auto_closed" not in json.loads(early.stdout)
        swept = kiemdiem("campaign", "sweep", "--at", "2026-12-31T00:00:00+07:00", "--format", "json")
        assert swept.exit_code == 0 and json.loads(swept.stdout)["auto_closed"] == [KEY]
        time.sleep(0.3)
        sent = len(smtp.messages)
        refused = kiemdiem(*SUBMIT, "--at", "2026-12-31T10:00:00+07:00")
        assert refused.exit_code == 2 and "[campaign_closed]" in refused.stderr
        reopened = kiemdiem("campaign", "reopen", KEY, "--reason", "Bổ sung hồ sơ", "--at", "2027-01-02T09:00:00+07:00")
        assert reopened.exit_code == 0, reopened.stderr
        later = kiemdiem("campaign", "sweep", "--at", "2027-01-03T07:30:00+07:00", "--format", "json")
        assert later.exit_code == 0 and "auto_closed" not in json.loads(later.stdout)
        time.sleep(0.3)
        assert len(smtp.messages) >= sent  # swept again: the reopened campaign is active
    acts = [(r[2], r[3]) for r in snapshot()["audit_log"] if r[3] in ("campaign.close", "campaign.reopen")]
    assert [(actor.split(":")[0] if actor != "system:auto-close" else actor, act) for actor, act in acts] == [
        ("system:auto-close", "campaign.close"),
        ("cli", "campaign.reopen"),
    ]
