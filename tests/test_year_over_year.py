"""This year beside last year (issue 16, item 2): two campaigns on one tree, where 3 units were added and 2 left
between the years; each year's figures on the same day of its campaign (day 26 after the launch), matched by unit
code, computed here in plain Python from the rows this test made, against `progress --format json`, the table and
the board report's sheet "Năm trước"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from tests.conftest import write

TREE_2025 = """code,parent,name,level,members,contacts
T,,Tỉnh ủy T,province,0,
X1,T,Đảng ủy xã 1,commune,0,
X2,T,Đảng ủy xã 2,commune,0,
G1,X1,Chi bộ cơ sở 1,grassroots,10,
G2,X1,Chi bộ cơ sở 2,grassroots,10,
G3,X1,Chi bộ cơ sở 3,grassroots,10,
G4,X2,Chi bộ cơ sở 4,grassroots,10,
G5,X2,Chi bộ cơ sở 5,grassroots,10,
G9,X2,Chi bộ cơ sở 9,grassroots,10,
"""
# 2026: G6, G7 and G8 added; G4 and G5 left for another province.
TREE_2026 = """code,parent,name,level,members,contacts
G6,X1,Chi bộ cơ sở 6,grassroots,10,
G7,X1,Chi bộ cơ sở 7,grassroots,10,
G8,X2,Chi bộ cơ sở 8,grassroots,10,
T2,,Tỉnh ủy T2,province,0,
G4,T2,Chi bộ cơ sở 4,grassroots,10,
G5,T2,Chi bộ cơ sở 5,grassroots,10,
"""
CONFIG_2025 = """key: y-2025
title: "Kiểm điểm năm 2025"
year: 2025
plan_number: 8-KH/TU
root: T
launch: 2025-11-20
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2025-12-15}
  - {key: commune_review, levels: [commune], deadline: 2025-12-31, after_children: grassroots_review}
"""
DEADLINES = {"grassroots_review": dt.date(2025, 12, 15), "commune_review": dt.date(2025, 12, 31)}
LEVEL = {"grassroots_review": "grassroots", "commune_review": "commune"}
TZ = dt.timezone(dt.timedelta(hours=7))
# What each unit submitted for grassroots_review: when (local), its members (excellent, good, completed, not
# completed) and its self-rating. Units not listed never submitted.
SUBMITTED: dict[int, dict[str, tuple[dt.datetime, tuple[int, int, int, int], str]]] = {
    2025: {
        "G1": (dt.datetime(2025, 12, 10, 9, tzinfo=TZ), (1, 5, 3, 1), "excellent"),
        "G2": (dt.datetime(2025, 12, 20, 9, tzinfo=TZ), (0, 9, 1, 0), "good"),  # late, after the day compared
        "G4": (dt.datetime(2025, 12, 12, 9, tzinfo=TZ), (0, 8, 2, 0), "good"),
        "G5": (dt.datetime(2025, 12, 14, 9, tzinfo=TZ), (1, 5, 4, 0), "completed"),
    },
    2026: {
        "G1": (dt.datetime(2026, 12, 14, 9, tzinfo=TZ), (1, 8, 1, 0), "good"),
        "G2": (dt.datetime(2026, 12, 10, 9, tzinfo=TZ), (0, 5, 5, 0), "completed"),
        "G6": (dt.datetime(2026, 12, 11, 9, tzinfo=TZ), (0, 6, 4, 0), "good"),
        "G7": (dt.datetime(2026, 12, 16, 8, tzinfo=TZ), (1, 9, 0, 0), "good"),  # late, before the day compared
    },
}
UNITS = {
    2025: {"X1": "commune", "X2": "commune", **{g: "grassroots" for g in ("G1", "G2", "G3", "G4", "G5", "G9")}},
    2026: {"X1": "commune", "X2": "commune", **{g: "grassroots" for g in ("G1", "G2", "G3", "G6", "G7", "G8", "G9")}},
}
PARENT = {"G1": "X1", "G2": "X1", "G3": "X1", "G6": "X1", "G7": "X1", "X1": "T", "X2": "T"}
AT = "2026-12-16T09:00:00+07:00"  # day 26 after the launch on 20 November; last year: 16/12/2025 09:00


def report(members: tuple[int, int, int, int], rating: str) -> dict[str, Any]:
    excellent, good, completed, not_completed = members
    counts = dict(excellent=excellent, good=good, completed=completed, not_completed=not_completed)
    return {"subjects": {"member": {"total": 10, "evaluated": 10, **counts}}, "self_rating": rating}


def pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def expected(root: str) -> dict[str, Any]:
    """The comparison from the rows above, by the rules the README states, in plain Python."""
    at = {2026: dt.datetime(2026, 12, 16, 9, tzinfo=TZ), 2025: dt.datetime(2025, 12, 16, 9, tzinfo=TZ)}

    def under(code: str) -> bool:
        return root == "T" or code == root or PARENT.get(code) == root

    units = {year: {u for u in UNITS[year] if under(u)} for year in UNITS}
    both = units[2025] & units[2026]

    def figures(year: int, milestone: str, chosen: set[str]) -> dict[str, Any]:
        deadline = DEADLINES[milestone].replace(year=year)
        assigned = [u for u in chosen if UNITS[year][u] == LEVEL[milestone]]
        done = SUBMITTED[year] if milestone == "grassroots_review" else {}
        submitted = [u for u in assigned if u in done and done[u][0] <= at[year]]
        on_time = [u for u in submitted if done[u][0].date() <= deadline]
        past = at[year].date() > deadline
        overdue = [u for u in assigned if u not in submitted and past]
        n = len(assigned)
        return dict(
            units=n, submitted=len(submitted), on_time=len(on_time), overdue=len(overdue),
            submitted_pct=pct(len(submitted), n), on_time_pct=pct(len(on_time), n),
        )  # fmt: skip

    def members(year: int, chosen: set[str]) -> float:
        rows = [SUBMITTED[year][u] for u in chosen if u in SUBMITTED[year] and SUBMITTED[year][u][0] <= at[year]]
        return pct(sum(r[1][0] + r[1][1] for r in rows), sum(sum(r[1]) for r in rows))

    def organizations(year: int, chosen: set[str]) -> tuple[int, float]:
        grassroots = [u for u in chosen if UNITS[year][u] == "grassroots"]
        rated = [
            SUBMITTED[year][u][2] for u in grassroots if u in SUBMITTED[year] and SUBMITTED[year][u][0] <= at[year]
        ]
        return len(grassroots), pct(sum(r in ("excellent", "good") for r in rated), len(rated))

    sides = {"this_year": (2026, both), "last_year": (2025, both)}
    sides |= {"new": (2026, units[2026] - units[2025]), "gone": (2025, units[2025] - units[2026])}
    levels = [
        {"milestone": m, "level": LEVEL[m], **{side: figures(y, m, chosen) for side, (y, chosen) in sides.items()}}
        for m in DEADLINES
        if any(UNITS[2026][u] == LEVEL[m] for u in units[2026])
    ]
    return {
        "units": {
            "both": len(both),
            "new": sorted(units[2026] - units[2025]),
            "gone": sorted(units[2025] - units[2026]),
        },
        "levels": levels,
        "member": {side: members(y, chosen) for side, (y, chosen) in sides.items()},
        "organization": {side: organizations(y, chosen) for side, (y, chosen) in sides.items()},
    }


def two_years(kiemdiem, tmp_path: Path, previous: bool = True) -> None:
    def ok(*args: object) -> str:
        ran = kiemdiem(*args)
        assert ran.exit_code == 0, ran.stderr
        return str(ran.stdout)

    def submit(campaign: str, year: int) -> None:
        for unit, (when, figures, rating) in SUBMITTED[year].items():
            path = write(tmp_path / f"{unit}-{year}.yaml", yaml.safe_dump(report(figures, rating)))
            ok("status", "submit", "--campaign", campaign, "--unit", unit, "--milestone", "grassroots_review",
               "--report", path, "--at", when.isoformat())  # fmt: skip

    ok("units", "import", write(tmp_path / "t25.csv", TREE_2025), "--at", "2025-11-01T08:00:00+07:00")
    ok("campaign", "launch", write(tmp_path / "c25.yaml", CONFIG_2025), "--at", "2025-11-20T08:00:00+07:00")
    submit("y-2025", 2025)
    ok("campaign", "close", "y-2025", "--at", "2026-02-01T08:00:00+07:00")
    ok("units", "import", write(tmp_path / "t26.csv", TREE_2026), "--many-roots", "--at", "2026-10-01T08:00:00+07:00")
    ok("campaign", "launch", "--from", "y-2025", "--year", "2026", "--out", tmp_path / "c26.yaml")
    written = (tmp_path / "c26.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(written)["previous"] == "y-2025"
    written = written.replace('plan_number: ""', "plan_number: 9-KH/TU")
    write(tmp_path / "c26.yaml", written if previous else written.replace("previous: y-2025", ""))
    ok("campaign", "launch", tmp_path / "c26.yaml", "--at", "2026-11-20T08:00:00+07:00")
    submit("y-2026", 2026)


def progress_json(kiemdiem, root: str) -> dict[str, Any]:
    ran = kiemdiem("progress", "--campaign", "y-2026", "--root", root, "--format", "json", "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    return dict(json.loads(ran.stdout))


def test_this_year_beside_last_year_on_the_same_day_matched_by_code(kiemdiem, tmp_path: Path) -> None:
    two_years(kiemdiem, tmp_path)
    for root in ("T", "X1"):
        shown = progress_json(kiemdiem, root)["year_over_year"]
        want = expected(root)
        assert (shown["previous"], shown["found_by"], shown["day"]) == ("y-2025", "config", 26)
        assert shown["previous_at"] == "2025-12-16T09:00:00+07:00"
        units = shown["units"]
        assert (units["both"], units["new_codes"], units["gone_codes"]) == (
            want["units"]["both"], want["units"]["new"], want["units"]["gone"]
        )  # fmt: skip
        assert [{k: r[k] for k in want["levels"][0]} for r in shown["levels"]] == want["levels"]
        results = {s["subject"]: s for s in shown["results"]}
        for side in ("this_year", "last_year", "new", "gone"):
            assert results["member"][side]["good_or_above_pct"] == want["member"][side], (root, side)
            total, share = want["organization"][side]
            organization = results["organization"][side]
            assert (organization["total"], organization["good_or_above_pct"]) == (total, share), (root, side)
    whole = expected("T")
    assert whole["levels"][0]["gone"]["units"] == 2 and whole["units"]["new"] == ["G6", "G7", "G8"]
    assert whole["levels"][0]["this_year"]["submitted_pct"] == 50.0  # 2 of G1, G2, G3, G9
    assert whole["levels"][0]["last_year"]["submitted_pct"] == 25.0  # G2 was late last year: after 16/12

    table = kiemdiem("progress", "--campaign", "y-2026", "--at", AT)
    assert table.exit_code == 0, table.stderr
    assert "Năm trước / last year: y-2025 (theo trường previous của cấu hình" in table.stdout
    assert "cùng ngày thứ 26 sau ngày triển khai / the same day 26 after the launch" in table.stdout
    compared = "grassroots_review grassroots 50.0 / 25.0 50.0 / 25.0 2 / 3 2/3 2/2"  # now / then; new, gone apart
    assert compared in [" ".join(line.split()) for line in table.stdout.splitlines()]
    assert "member: tốt trở lên / good or above 70.0% (năm trước / last year 60.0%)" in table.stdout

    out = tmp_path / "board.xlsx"
    ran = kiemdiem("report", "--campaign", "y-2026", "--out", out, "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    sheet = load_workbook(out)["Năm trước"]
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    first = next(i for i, row in enumerate(rows) if row and row[0] == "Mốc") + 2  # the header, then (1) (2) …
    grassroots = rows[first]
    level = whole["levels"][0]
    now, then, new, gone = (level[s] for s in ("this_year", "last_year", "new", "gone"))
    assert grassroots[2:] == [
        now["units"], now["submitted"], now["submitted_pct"] / 100, then["submitted"], then["submitted_pct"] / 100,
        now["on_time_pct"] / 100, then["on_time_pct"] / 100, now["overdue"], then["overdue"],
        new["units"], new["submitted"], gone["units"], gone["submitted"],
    ]  # fmt: skip
    rows = [list(row) for row in load_workbook(out)["Năm trước - kết quả"].iter_rows(values_only=True)]
    member = next(row for row in rows if row and row[0] == "Đảng viên")
    assert member[2:9:2] == [whole["member"][s] / 100 for s in ("this_year", "last_year", "new", "gone")]
    organization = next(row for row in rows if row and row[0] == "Tổ chức đảng")
    assert organization[2:9:2] == [whole["organization"][s][1] / 100 for s in ("this_year", "last_year", "new", "gone")]


def test_without_previous_the_closed_campaign_of_the_same_root_a_year_before(kiemdiem, tmp_path: Path) -> None:
    two_years(kiemdiem, tmp_path, previous=False)
    shown = progress_json(kiemdiem, "T")["year_over_year"]
    assert (shown["previous"], shown["found_by"]) == ("y-2025", "same_root")
    assert shown["levels"][0]["last_year"] == expected("T")["levels"][0]["last_year"]
    table = kiemdiem("progress", "--campaign", "y-2026", "--at", AT)
    assert "y-2025 (đợt đã đóng cùng đơn vị ban hành, năm trước / the closed campaign of the same root" in table.stdout
    ran = kiemdiem("progress", "--campaign", "y-2025", "--format", "json", "--at", "2025-12-16T09:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["year_over_year"] is None  # nothing before 2025
    table = kiemdiem("progress", "--campaign", "y-2025", "--at", "2025-12-16T09:00:00+07:00")
    assert "không có đợt năm trước để so sánh / no last year's campaign to compare" in table.stdout
