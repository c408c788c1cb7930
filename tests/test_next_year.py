"""Next year's campaign from last year's (issue 16, item 1): every date one year later, a deadline on a Sunday or a
public holiday flagged (not moved), the plan number blank and refused by launch until filled, the units that left
the tree or changed parent listed; a campaign not closed is refused, nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from models.campaign_config import CampaignConfig
from models.next_year import UnitChange, moved_year, next_key, next_year
from tests.conftest import write

TREE_2025 = """code,parent,name,level,members,contacts
T,,Tỉnh ủy T,province,0,
X1,T,Đảng ủy xã 1,commune,0,
X2,T,Đảng ủy xã 2,commune,0,
G1,X1,Chi bộ cơ sở 1,grassroots,10,
G2,X1,Chi bộ cơ sở 2,grassroots,10,
G3,X2,Chi bộ cơ sở 3,grassroots,10,
G4,X2,Chi bộ cơ sở 4,grassroots,10,
"""
# Re-imported in 2026: G3 moved under a new commune X3; G4 left for another province (no longer under T).
TREE_2026 = """code,parent,name,level,members,contacts
X3,T,Đảng ủy xã 3,commune,0,
G3,X3,Chi bộ cơ sở 3,grassroots,10,
T2,,Tỉnh ủy T2,province,0,
G4,T2,Chi bộ cơ sở 4,grassroots,10,
"""
CONFIG_2025 = """key: t-2025
title: "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2025"
year: 2025
plan_number: 8-KH/TU
root: T
launch: 2025-11-20
organizer: {name: "Ban Tổ chức Tỉnh ủy T", contact: "đồng chí A, 0283 123 4567"}
admin_contacts: ["mailto://bantochuc:MatKhau123@example.vn"]
reminders: {before_days: [5, 1], escalate_after_days: 3}
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2025-12-13}
  - key: commune_review
    levels: [commune]
    deadline: 2025-12-31
    after_children: grassroots_review
    decision_deadline: 2026-01-01
tracks:
  - {name: special, title: "Diện riêng", units: [G2], deadlines: {grassroots_review: 2026-01-15}}
"""
AT = "2026-10-01T08:00:00+07:00"


def launched_2025(kiemdiem, tmp_path: Path) -> None:
    assert (
        kiemdiem(
            "units", "import", write(tmp_path / "t25.csv", TREE_2025), "--at", "2025-11-01T08:00:00+07:00"
        ).exit_code
        == 0
    )
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c25.yaml", CONFIG_2025), "--at", "2025-11-20T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr


def test_a_closed_campaign_gives_next_years_config_for_the_board_to_fill_in(kiemdiem, tmp_path: Path) -> None:
    launched_2025(kiemdiem, tmp_path)
    assert kiemdiem("campaign", "close", "t-2025", "--at", "2026-02-01T08:00:00+07:00").exit_code == 0
    moved = kiemdiem("units", "import", write(tmp_path / "t26.csv", TREE_2026), "--many-roots", "--at", AT)
    assert moved.exit_code == 0, moved.stderr

    ran = kiemdiem("campaign", "launch", "--from", "t-2025", "--year", "2026", "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    written = yaml.safe_load(ran.stdout)
    assert written["key"] == "t-2026" and written["year"] == 2026 and written["plan_number"] == ""
    assert written["title"] == "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
    assert written["launch"] == dt.date(2026, 11, 20)
    deadlines = [(m["key"], m["deadline"], m.get("decision_deadline")) for m in written["milestones"]]
    assert deadlines == [
        ("grassroots_review", dt.date(2026, 12, 13), None),
        ("commune_review", dt.date(2026, 12, 31), dt.date(2027, 1, 1)),
    ]
    assert written["tracks"][0]["deadlines"] == {"grassroots_review": dt.date(2027, 1, 15)}
    assert written["reminders"]["before_days"] == [1, 5] and written["reminders"]["escalate_after_days"] == 3
    assert written["organizer"]["name"] == "Ban Tổ chức Tỉnh ủy T"
    assert written["milestones"][1]["after_children"] == "grassroots_review"
    assert "admin_contacts" not in written and "MatKhau123" not in ran.stdout + ran.stderr

    # Flagged, not moved: 13/12/2026 is a Sunday, 1/1/2027 New Year's Day; in the file beside the date and on stderr.
    lines = ran.stdout.splitlines()
    assert any(line.strip().startswith("deadline: 2026-12-13  # CẦN XÁC NHẬN") and "Sunday" in line for line in lines)
    assert any("decision_deadline: 2027-01-01  # CẦN XÁC NHẬN" in line and "holiday" in line for line in lines)
    assert not any("2026-12-31  #" in line or "2027-01-15  #" in line for line in lines)
    assert "milestones[0].deadline: Sunday 13/12/2026" in ran.stderr
    assert "milestones[1].decision_deadline: Friday 01/01/2027 is a public holiday" in ran.stderr
    assert "CHƯA triển khai" in ran.stderr and "NOT launched" in ran.stderr
    # The units that changed: listed on stderr and in the file.
    assert "G3: moved under a new parent, X3" in ran.stderr and "G4: no longer in the campaign's tree" in ran.stderr
    assert "#   G3: đã chuyển sang đơn vị cấp trên mới X3" in ran.stdout and "#   G4: không còn" in ran.stdout
    assert "G1" not in ran.stderr and "G2" not in ran.stderr
    assert kiemdiem("outbox", "--campaign", "t-2026").exit_code == 2  # nothing launched

    # Written to a file, never over one without --force; launch refuses it until the plan number is filled.
    out = tmp_path / "t-2026.yaml"
    assert kiemdiem("campaign", "launch", "--from", "t-2025", "--year", "2026", "--out", out, "--at", AT).exit_code == 0
    assert out.read_text(encoding="utf-8") == ran.stdout
    again = kiemdiem("campaign", "launch", "--from", "t-2025", "--year", "2026", "--out", out, "--at", AT)
    assert again.exit_code == 2 and "--force" in again.stderr
    refused = kiemdiem("campaign", "launch", out, "--at", AT)
    assert refused.exit_code == 2 and "plan_number" in refused.stderr
    out.write_text(out.read_text(encoding="utf-8").replace('plan_number: ""', "plan_number: 9-KH/TU"), "utf-8")
    launched = kiemdiem("campaign", "launch", out, "--at", "2026-11-20T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    assert launched.stdout.strip() == "t-2026"


def test_a_campaign_not_closed_is_refused_and_nothing_is_written(kiemdiem, snapshot, tmp_path: Path) -> None:
    launched_2025(kiemdiem, tmp_path)
    before = snapshot()
    out = tmp_path / "next.yaml"
    ran = kiemdiem("campaign", "launch", "--from", "t-2025", "--year", "2026", "--out", out, "--at", AT)
    assert ran.exit_code == 2 and "campaign_not_closed" in ran.stderr and "kiemdiem campaign close t-2025" in ran.stderr
    assert ran.stdout == "" and not out.exists() and snapshot() == before
    both = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG_2025), "--from", "t-2025", "--year", "2026")
    assert both.exit_code == 2 and "exactly one" in both.stderr
    assert kiemdiem("campaign", "launch", "--from", "t-2025").exit_code == 2  # no --year


def test_dates_keep_month_and_day_and_keys_take_the_new_year() -> None:
    assert moved_year(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert next_key("cuchi-2025", 2025, 2026) == "cuchi-2026" and next_key("cuchi", 2025, 2026) == "cuchi-2026"
    config = yaml.safe_load(CONFIG_2025)
    plan = next_year(CampaignConfig.model_validate(config), 2027, [UnitChange("G9", "removed")])
    assert plan.config["milestones"][0]["deadline"] == dt.date(2027, 12, 13)
    # 13/12/2027 is a Monday, 31/12/2027 a Friday; 1/1/2028 and 15/1/2028 are Saturdays
    assert [f.field for f in plan.flags] == ["milestones[1].decision_deadline", "tracks[0].deadlines.grassroots_review"]
    assert plan.contacts_left_out == 1 and "G9: no longer" in plan.yaml()
