"""Tracks (issue 14, item 2): units with deadlines of their own. The special-function bodies whose year does not end
in December finish by 15 January next year (Hướng dẫn 43-HD/BTCTW) while everyone else finishes by 31 December.

Must show, counted at a real SMTP server: on 1 January the track unit is neither overdue nor escalated while a unit
outside the track is both; the track unit is reminded before 15 January (T-3 on 12 January); it is on time when it
submits on 14 January; progress and the board report show the track apart."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook

from models.campaign_config import parse_campaign_config
from models.errors import InputError
from service.settings import Settings
from tests.conftest import ROOT, write
from tests.sinks import SmtpSink, smtp_sink

KEY = "tt-2026"
LAUNCH_AT = "2026-11-23T08:00:00+07:00"
TRACK_TITLE = "Cơ quan có năm công tác không kết thúc vào tháng 12"
CONFIG = f"""
key: {KEY}
title: "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
year: 2026
plan_number: 01-KH/TU
root: TU-X
launch: 2026-11-23
milestones:
  - key: grassroots_review
    title: "Hoàn thành kiểm điểm cấp cơ sở"
    levels: [grassroots]
    deadline: 2026-12-31
reminders:
  escalate_after_days: 1
tracks:
  - name: special
    title: "{TRACK_TITLE}"
    units: [DB-DT]
    deadlines: {{grassroots_review: 2027-01-15}}
"""


def tree(port: int) -> str:
    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    return (
        "code,parent,name,level,members,contacts\n"
        f"TU-X,,Tỉnh ủy X,province,0,{mail('TU-X')}\n"
        f"XA-1,TU-X,Đảng ủy xã Một,commune,0,{mail('XA-1')}\n"
        f"CS-A,XA-1,Chi bộ ấp A,grassroots,12,{mail('CS-A')}\n"
        f"DB-DT,TU-X,Đảng bộ Trường Đại học X,grassroots,40,{mail('DB-DT')}\n"
    )


def words(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    return " ".join(f"{message['Subject']} {body}".split())


def mails(smtp: SmtpSink, since: int = 0) -> dict[str, list[str]]:
    """What each mailbox received, from the `since`-th message on."""
    found: dict[str, list[str]] = {}
    for message in smtp.messages[since:]:
        found.setdefault(str(message["To"]).split("@")[0].upper(), []).append(words(message))
    return found


def sweep(kiemdiem: Any, smtp: SmtpSink, at: str) -> dict[str, list[str]]:
    """One sweep at `at`, and what it delivered."""
    since = len(smtp.messages)
    ran = kiemdiem("campaign", "sweep", "--campaign", KEY, "--at", at)
    assert ran.exit_code == 0, ran.stderr
    time.sleep(0.3)
    return mails(smtp, since)


def progress(kiemdiem: Any, at: str) -> dict[str, Any]:
    ran = kiemdiem("progress", "--campaign", KEY, "--format", "json", "--at", at)
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def test_a_track_unit_follows_its_own_deadline(kiemdiem, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(smtp.port))).exit_code == 0
        launched = kiemdiem(
            "campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT, "--format", "json"
        )
        assert launched.exit_code == 0, launched.stderr
        assert json.loads(launched.stdout)["tracks"] == {"special": 1}
        plans = sweep(kiemdiem, smtp, "2026-11-23T09:00:00+07:00")
        assert "15/01/2027" in plans["DB-DT"][0] and "31/12/2026" in plans["CS-A"][0]  # each unit's own deadline
        for day in ("2026-12-24", "2026-12-28", "2026-12-30", "2026-12-31"):
            before = sweep(kiemdiem, smtp, f"{day}T07:30:00+07:00")
            assert "DB-DT" not in before and "TU-X" not in before  # nothing for the track unit in December
            assert list(before) == ["CS-A"]

        new_year = sweep(kiemdiem, smtp, "2027-01-01T07:30:00+07:00")
        # outside the track: overdue, and escalated to its commune committee
        assert len(new_year["CS-A"]) == 1 and "Quá hạn 1 ngày" in new_year["CS-A"][0]
        assert len(new_year["XA-1"]) == 1 and "Báo cáo cấp trên" in new_year["XA-1"][0]
        assert "Chi bộ ấp A" in new_year["XA-1"][0]
        # on the track: neither overdue nor escalated (to the province, its parent)
        assert "DB-DT" not in new_year and "TU-X" not in new_year
        at_new_year = progress(kiemdiem, "2027-01-01T09:00:00+07:00")
        [every] = at_new_year["levels"]
        assert (every["units"], every["overdue"], every["pending"], every["deadline"]) == (2, 1, 1, "2026-12-31")
        [special] = at_new_year["tracks"]["special"]["levels"]
        assert at_new_year["tracks"]["special"]["title"] == TRACK_TITLE
        assert (special["level"], special["units"], special["overdue"], special["pending"]) == ("grassroots", 1, 0, 1)
        assert special["deadline"] == "2027-01-15"

        week = sweep(kiemdiem, smtp, "2027-01-08T07:30:00+07:00")
        assert len(week["DB-DT"]) == 1 and "còn 7 ngày" in week["DB-DT"][0] and "15/01/2027" in week["DB-DT"][0]
        three = sweep(kiemdiem, smtp, "2027-01-12T07:30:00+07:00")
        assert len(three["DB-DT"]) == 1 and "Nhắc việc: còn 3 ngày" in three["DB-DT"][0]
        assert "15/01/2027" in three["DB-DT"][0] and "TU-X" not in three

        unit = ["--campaign", KEY, "--unit", "DB-DT", "--milestone", "grassroots_review"]
        submitted = kiemdiem("status", "submit", *unit, "--at", "2027-01-14T10:00:00+07:00", "--format", "json")
        assert submitted.exit_code == 0, submitted.stderr
        assert json.loads(submitted.stdout)["on_time"] is True
    outbox = kiemdiem("outbox", "--campaign", KEY, "--format", "json")
    kinds = {(row["unit"], row["kind"]) for row in json.loads(outbox.stdout) if row["status"] != "skipped"}
    assert ("DB-DT", "overdue") not in kinds and ("DB-DT", "escalation") not in kinds
    assert {("CS-A", "overdue"), ("CS-A", "escalation"), ("DB-DT", "reminder")} <= kinds
    after = progress(kiemdiem, "2027-01-14T11:00:00+07:00")
    [special] = after["tracks"]["special"]["levels"]
    assert (special["submitted"], special["on_time"], special["late"], special["completion_pct"]) == (1, 1, 0, 100.0)
    assert after["levels"][0]["on_time"] == 1 and after["levels"][0]["overdue"] == 1

    out = tmp_path / "r.xlsx"
    assert kiemdiem("report", "--campaign", KEY, "--out", out, "--at", "2027-01-14T11:00:00+07:00").exit_code == 0
    sheet = load_workbook(out)["Tiến độ diện 1"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert f"II.1. Tiến độ của diện riêng: {TRACK_TITLE}" in cells
    assert "special" not in cells  # named in Vietnamese, not by its key


BASE = CONFIG.split("tracks:")[0]


@pytest.mark.parametrize(
    ("tracks", "where"),
    [
        (
            "  - {name: s, title: T, units: [DB-DT], deadlines: {grassroots_reviw: 2027-01-15}}",
            "tracks[0].deadlines.grassroots_reviw [unknown_milestone]",
        ),
        (
            "  - {name: s, title: T, units: [DB-DT], deadlines: {grassroots_review: 2026-11-01}}",
            "tracks[0].deadlines.grassroots_review [deadline_before_launch]",
        ),
        (
            "  - {name: s, title: T, units: [DB-DT], deadlines: {grassroots_review: 2027-01-15}}\n"
            "  - {name: t, title: U, units: [CS-A, DB-DT], deadlines: {grassroots_review: 2027-01-10}}",
            "tracks[1].units[1] [unit_in_two_tracks]",
        ),
        (
            "  - {name: s, title: T, deadlines: {grassroots_review: 2027-01-15}}",
            "tracks[0].units [track_without_units]",
        ),
        (
            "  - {name: s, title: T, levels: [ward], deadlines: {grassroots_review: 2027-01-15}}",
            "tracks[0].levels[0] [unknown_level]",
        ),
        (
            "  - {name: s, title: T, tag: special, deadlines: {grassroots_review: 2027-01-15}}",
            "tracks[0].tag [unknown_field]",  # the tree has no tags column: units and levels pick a track's units
        ),
    ],
)
def test_a_wrong_track_is_refused_naming_the_field_and_the_rule(
    kiemdiem, snapshot, tmp_path: Path, tracks: str, where: str
) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(25))).exit_code == 0
    before = snapshot()
    refused = kiemdiem(
        "campaign", "launch", write(tmp_path / "c.yaml", f"{BASE}tracks:\n{tracks}\n"), "--at", LAUNCH_AT
    )
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr
    assert f"cột/trường {where}" in refused.stderr and f"field {where}" in refused.stderr
    assert snapshot() == before


@pytest.mark.parametrize(
    ("tracks", "where", "words"),
    [
        (
            "  - {name: s, title: T, units: [DB-XX], deadlines: {grassroots_review: 2027-01-15}}",
            "tracks[0].units[0] [unknown_unit]",
            ("không có đơn vị 'DB-XX' trong cây tổ chức", "no unit 'DB-XX' in the org tree"),
        ),
        (
            # XA-1's subtree holds CS-A, which the levels of the second track also pick
            "  - {name: s, title: T, units: [XA-1], deadlines: {grassroots_review: 2027-01-15}}\n"
            "  - {name: t, title: U, levels: [grassroots], deadlines: {grassroots_review: 2027-01-10}}",
            "tracks[1] [unit_in_two_tracks]",
            ("1 đơn vị thuộc cả diện «s» và diện «t» (CS-A)", "1 units are on both track 's' and track 't' (CS-A)"),
        ),
    ],
)
def test_a_track_is_checked_against_the_tree_at_launch(
    kiemdiem, snapshot, tmp_path: Path, tracks: str, where: str, words: tuple[str, str]
) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(25))).exit_code == 0
    before = snapshot()
    refused = kiemdiem(
        "campaign", "launch", write(tmp_path / "c.yaml", f"{BASE}tracks:\n{tracks}\n"), "--at", LAUNCH_AT
    )
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr
    assert f"cột/trường {where}" in refused.stderr and all(w in refused.stderr for w in words), refused.stderr
    assert snapshot() == before


def test_a_track_by_levels_and_a_subtree(kiemdiem, tmp_path: Path) -> None:
    """`levels` alone picks every unit of those levels; with `units`, those levels within the subtrees."""
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(25))).exit_code == 0
    tracks = "  - {name: s, title: T, units: [TU-X], levels: [grassroots], deadlines: {grassroots_review: 2027-01-15}}"
    launched = kiemdiem(
        "campaign", "launch", write(tmp_path / "c.yaml", f"{BASE}tracks:\n{tracks}\n"), "--at", LAUNCH_AT,
        "--format", "json",
    )  # fmt: skip
    assert launched.exit_code == 0, launched.stderr
    assert json.loads(launched.stdout)["tracks"] == {"s": 2}
    shown = progress(kiemdiem, "2027-01-01T09:00:00+07:00")
    assert shown["levels"][0]["overdue"] == 0 and shown["tracks"]["s"]["levels"][0]["pending"] == 2


def province_with_track(**deadlines: str) -> dict[str, Any]:
    """The present-day province example with its track, its deadlines replaced by these."""
    raw = yaml.safe_load((ROOT / "deploy" / "campaign.province.yaml").read_text(encoding="utf-8"))
    if deadlines:
        raw["tracks"] = [{**raw["tracks"][0], "deadlines": deadlines}]
    return raw  # type: ignore[no-any-return]


def test_the_province_example_track_and_lower_levels_first_within_a_track() -> None:
    levels = Settings(database_url="sqlite://").levels
    config = parse_campaign_config(province_with_track(), levels)
    assert [t.name for t in config.tracks] == ["special_function"]
    # the province's own review (31/12) may come before the track's committees (15/01): they are not on it
    assert config.milestone("province_review").deadline < config.tracks[0].deadlines["commune_review"]
    with pytest.raises(InputError) as refused:
        parse_campaign_config(province_with_track(grassroots_review="2027-01-15", commune_review="2027-01-10"), levels)
    [problem] = refused.value.problems
    assert (problem.rule, problem.field) == ("deadline_order", "tracks[0].deadlines.commune_review")
    assert "cấp dưới trước, cấp trên sau" in problem.vi and "lower levels first" in problem.en
