"""Amending a running campaign (issue: the 2025 campaign as it really ran): a deadline moved for one subtree, told
once, then followed by every notice, counted at a real SMTP server; refusals change nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pendulum

from entrypoints.api import create_api
from models import clock
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, tree_csv
from tests.sinks import mailbox, smtp_sink, text_of
from tests.test_api import call, serving

AMEND_AT = "2026-11-28T09:00:00+07:00"  # day 6 of the campaign launched on 23 November
AMEND = [
    "campaign", "amend", KEY, "--milestone", "grassroots_review", "--deadline", "2026-12-15", "--unit", "CS-0",
    "--document", "1076-CV/ĐU", "--reason", "Lùi hạn sau hội nghị Ban Chấp hành",
]  # fmt: skip
SUBTREE = ("cs-0", "cs-0-b00", "cs-0-b01")
OUTSIDE = ("cs-1", "cs-1-b00", "cs-1-b01")


def sweep_days(kiemdiem, first: pendulum.Date, last: pendulum.Date) -> None:  # type: ignore[no-untyped-def]
    day = first
    while day <= last:
        for hour in ("07:30", "12:00"):
            ran = kiemdiem("campaign", "sweep", "--at", f"{day.isoformat()}T{hour}:00+07:00")
            assert ran.exit_code == 0, ran.stderr
        day = day.add(days=1)


def test_a_deadline_moved_for_one_subtree_is_told_once_and_followed(kiemdiem, snapshot, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree_csv(smtp.port, 2, 2))).exit_code == 0
        assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT).exit_code == 0
        sweep_days(kiemdiem, pendulum.date(2026, 11, 23), pendulum.date(2026, 11, 28))
        time.sleep(0.3)
        before_change = len(smtp.messages)
        amended = kiemdiem(*AMEND, "--at", AMEND_AT, "--format", "json")
        assert amended.exit_code == 0, amended.stderr
        assert json.loads(amended.stdout) == {
            "campaign": KEY,
            "milestone": "grassroots_review",
            "unit": "CS-0",
            "old_deadline": "2026-12-10",
            "new_deadline": "2026-12-15",
            "units": 3,
            "overdue_now": 0,
        }
        # CS-0-B00 submits between the old and the new deadline; an outside branch on the same day is late.
        submit = ["status", "submit", "--campaign", KEY, "--milestone", "grassroots_review", "--format", "json"]
        sweep_days(kiemdiem, pendulum.date(2026, 11, 29), pendulum.date(2026, 12, 12))
        between = kiemdiem(*submit, "--unit", "CS-0-B00", "--at", "2026-12-12T13:00:00+07:00")
        outside = kiemdiem(*submit, "--unit", "CS-1-B00", "--at", "2026-12-12T13:00:00+07:00")
        assert json.loads(between.stdout)["on_time"] is True and json.loads(outside.stdout)["on_time"] is False
        sweep_days(kiemdiem, pendulum.date(2026, 12, 13), pendulum.date(2026, 12, 16))
        time.sleep(0.3)
    after = [m for m in smtp.messages[before_change:]]
    changed = [m for m in after if "1076-CV/ĐU" in text_of(m)]
    assert sorted(mailbox(m) for m in changed) == sorted(SUBTREE)  # exactly one change notice per unit concerned
    for unit in SUBTREE:
        mine = [text_of(m) for m in after if mailbox(m) == unit and "1076-CV/ĐU" not in text_of(m)]
        assert not any("10/12/2026" in t for t in mine), (unit, mine)  # nothing for the old date afterwards
        ladder = [t for t in mine if "15/12/2026" in t]
        wanted = ["Còn 7 ngày", "Còn 3 ngày", "Còn 1 ngày", "là hạn cuối"]  # T-7, T-3, T-1, the day itself
        if unit == "cs-0-b00":  # submitted on 12/12: its ladder stops there
            wanted = ["Còn 7 ngày", "Còn 3 ngày"]
        assert [w for w in wanted if any(w in t for t in ladder)] == wanted, (unit, ladder)
    for unit in OUTSIDE:  # the old date holds: reminded and overdue against 10/12, never told of a change
        mine = [text_of(m) for m in after if mailbox(m) == unit]
        assert any("quá hạn" in t and "10/12/2026" in t for t in mine) and not any("15/12/2026" in t for t in mine)
    shown = json.loads(kiemdiem("progress", "--campaign", KEY, "--root", "CS-0", "--format", "json").stdout)
    assert [(a["document"], a["old_deadline"], a["new_deadline"], a["unit"]) for a in shown["amendments"]] == [
        ("1076-CV/ĐU", "2026-12-10", "2026-12-15", "CS-0")
    ]
    outside = json.loads(kiemdiem("progress", "--campaign", KEY, "--root", "CS-1", "--format", "json").stdout)
    assert outside["amendments"] == []
    acts = [r for r in snapshot()["audit_log"] if r[3] == "campaign.amend"]
    assert [(r[6], r[7], r[8], r[9]) for r in acts] == [
        ("grassroots_review", "2026-12-10", "2026-12-15", "Lùi hạn sau hội nghị Ban Chấp hành")
    ]
    details = acts[0][10] if isinstance(acts[0][10], dict) else json.loads(acts[0][10])
    assert details["document"] == "1076-CV/ĐU" and details["unit"] == "CS-0"


def test_refused_amendments_change_nothing(kiemdiem, env, snapshot, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree_csv(9, 2, 2))).exit_code == 0
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT).exit_code == 0
    token = kiemdiem("tokens", "issue", "CS-0").stdout.strip()
    before = snapshot()
    cases = {
        "earlier without --yes": (["--deadline", "2026-12-05"], "[confirm_earlier]"),
        "no document": (["--document", " "], "[required]"),
        "unknown milestone": (["--milestone", "nope"], "[unknown_milestone]"),
        "unit outside": (["--unit", "NOPE"], "[not_in_campaign]"),
        "not a date": (["--deadline", "15/12/2026"], "--deadline"),
    }
    for name, (changes, rule) in cases.items():
        args = list(AMEND)
        for option, value in zip(changes[::2], changes[1::2], strict=True):
            args[args.index(option) + 1] = value
        ran = kiemdiem(*args, "--at", AMEND_AT)
        assert ran.exit_code == 2 and rule in ran.stderr and "Traceback" not in ran.stderr, (name, ran.stderr)
    earlier = kiemdiem(*AMEND[:6], "2026-11-27", *AMEND[7:], "--at", AMEND_AT)
    assert earlier.exit_code == 2 and "3 units, 3 of which become overdue at once" in earlier.stderr
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    clock.set_now(clock.parse_instant(AMEND_AT))
    body = {"milestone": "grassroots_review", "deadline": "2026-12-15", "document": "1076-CV/ĐU", "reason": "x"}
    with serving(create_api(app)) as url:
        assert call(url, token, "POST", f"/api/campaigns/{KEY}/amendments", body).status_code == 403
    assert snapshot() == before
    closed = kiemdiem("campaign", "close", KEY, "--at", AMEND_AT)
    assert closed.exit_code == 0
    after_close = snapshot()
    refused = kiemdiem(*AMEND, "--at", AMEND_AT)
    assert refused.exit_code == 2 and "[campaign_closed]" in refused.stderr
    assert snapshot() == after_close


def test_a_nested_plan_may_set_earlier_dates_never_later(kiemdiem, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree_csv(9, 2, 2))).exit_code == 0
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT).exit_code == 0
    nested = CONFIG.replace(f"key: {KEY}", "key: cs0-2026").replace("root: HU-R", "root: CS-0")
    later = nested.replace("deadline: 2026-12-10", "deadline: 2026-12-12")
    ran = kiemdiem("campaign", "launch", write(tmp_path / "n.yaml", later), "--at", LAUNCH_AT)
    assert ran.exit_code == 2 and "[later_than_plan_above]" in ran.stderr and "2026-12-10" in ran.stderr
    earlier = nested.replace("deadline: 2026-12-10", "deadline: 2026-12-07").replace("2026-12-25", "2026-12-20")
    assert kiemdiem("campaign", "launch", write(tmp_path / "e.yaml", earlier), "--at", LAUNCH_AT).exit_code == 0
    moved = ["campaign", "amend", "cs0-2026", "--milestone", "grassroots_review", "--document", "5-CV/ĐU"]
    too_late = kiemdiem(*moved, "--deadline", "2026-12-11", "--reason", "x", "--at", AMEND_AT)
    assert too_late.exit_code == 2 and "[later_than_plan_above]" in too_late.stderr
    fine = kiemdiem(*moved, "--deadline", "2026-12-09", "--reason", "x", "--at", AMEND_AT)
    assert fine.exit_code == 0, fine.stderr


def test_a_whole_campaign_amendment_leaves_the_units_on_a_track_of_their_own(kiemdiem, tmp_path: Path) -> None:
    track = (
        "tracks:\n  - {name: dac_thu, title: Diện đặc thù, units: [CS-1], deadlines: {grassroots_review: 2027-01-15}}\n"
    )
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree_csv(9, 2, 2))).exit_code == 0
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG + track), "--at", LAUNCH_AT).exit_code == 0
    whole = [a for a in AMEND if a not in ("--unit", "CS-0")]
    amended = kiemdiem(*whole, "--at", AMEND_AT, "--format", "json")
    assert amended.exit_code == 0, amended.stderr
    assert json.loads(amended.stdout)["units"] == 3  # CS-0 and its two branches; CS-1's subtree keeps 15/01
    progress = json.loads(kiemdiem("progress", "--campaign", KEY, "--format", "json", "--at", AMEND_AT).stdout)
    assert {row["deadline"][:10] for row in progress["tracks"]["dac_thu"]["levels"]} == {"2027-01-15"}


def test_the_board_report_lists_the_amendments(kiemdiem, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree_csv(9, 2, 2))).exit_code == 0
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT).exit_code == 0
    assert kiemdiem(*AMEND, "--at", AMEND_AT).exit_code == 0
    out = tmp_path / "bc.xlsx"
    ran = kiemdiem("report", "--campaign", KEY, "--out", out, "--at", "2026-11-29T09:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    sheet = load_workbook(out)["Điều chỉnh hạn"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    found = next(r for r in rows if "1076-CV/ĐU" in r)
    assert "CS-0 và cấp dưới" in found and 3 in found and "Lùi hạn sau hội nghị Ban Chấp hành" in found
