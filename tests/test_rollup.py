"""Roll-up on an uneven tree against totals computed here independently, with a returned-then-resubmitted unit
and a unit added after the launch."""

from __future__ import annotations

import json
import random
from pathlib import Path

import yaml

from tests.conftest import write

# Uneven: a grassroots committee with branches, a grassroots branch with none, a bloc committee beside the
# commune holding grassroots of its own, and one branch two levels deep under the commune.
TREE = """code,parent,name,level,members,contacts
T,,Tỉnh ủy,province,0,
X1,T,Đảng ủy xã 1,commune,0,
K1,T,Đảng ủy Khối,district,0,
G1,X1,Đảng bộ cơ sở 1,grassroots,0,
G1-B1,G1,Chi bộ 1,branch,30,
G1-B2,G1,Chi bộ 2,branch,25,
G2,X1,Chi bộ cơ sở 2,grassroots,18,
G3,K1,Chi bộ cơ sở 3,grassroots,40,
G4,K1,Đảng bộ cơ sở 4,grassroots,0,
G4-B1,G4,Chi bộ 4.1,branch,12,
"""
CONFIG = """key: u-2026
title: "Cây không đều"
year: 2026
plan_number: 7-KH/TU
root: T
launch: 2026-11-23
milestones:
  - {key: grassroots_review, levels: [branch, grassroots], deadline: 2026-12-15}
  - {key: above_review, levels: [commune, district], deadline: 2026-12-31, after_children: grassroots_review}
"""
REPORTERS = {"G1-B1": 30, "G1-B2": 25, "G2": 18, "G3": 40, "G4-B1": 12}  # who holds members reports them


def report(total: int, rng: random.Random) -> dict:  # type: ignore[type-arg]
    evaluated = total - rng.randint(0, 3)
    good = evaluated * 8 // 10
    excellent = good // 5
    completed = evaluated - good - excellent
    return {
        "subjects": {
            "member": {
                "total": total,
                "evaluated": evaluated,
                "excellent": excellent,
                "good": good,
                "completed": completed,
                "not_evaluated": {"exempt": total - evaluated},
            }
        }
    }


def test_rollup_matches_independent_totals(kiemdiem, tmp_path: Path) -> None:
    tree = write(tmp_path / "t.csv", TREE)
    assert kiemdiem("units", "import", tree, "--at", "2026-11-20T08:00:00+07:00").exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    assert launched.stdout == "u-2026\n"
    assert "launched for 10 units under T; 9 plan notices queued" in launched.stderr
    assert "grassroots_review: 7 " in launched.stderr and "above_review: 2 " in launched.stderr
    rng = random.Random(11)
    sent: dict[str, dict] = {}  # type: ignore[type-arg]
    for code, total in REPORTERS.items():
        sent[code] = report(total, rng)
        path = write(tmp_path / f"{code}.yaml", yaml.safe_dump(sent[code]))
        at = "2026-12-16T09:00:00+07:00" if code == "G3" else "2026-12-10T09:00:00+07:00"  # G3 is late
        ran = kiemdiem(
            "status",
            "submit",
            "--campaign",
            "u-2026",
            "--unit",
            code,
            "--milestone",
            "grassroots_review",
            "--report",
            path,
            "--at",
            at,
        )
        assert ran.exit_code == 0, ran.stderr
    # G2 is returned and resubmits different figures: only the second counts
    returned = kiemdiem(
        "status",
        "set",
        "--campaign",
        "u-2026",
        "--unit",
        "G2",
        "--milestone",
        "grassroots_review",
        "--state",
        "returned",
        "--reason",
        "Sai số liệu",
        "--until",
        "2026-12-20",
        "--at",
        "2026-12-17T09:00:00+07:00",
        "--format",
        "json",
    )
    assert returned.exit_code == 0, returned.stderr
    assert json.loads(returned.stdout)["status"] == "returned"
    assert json.loads(returned.stdout)["due_before"].startswith("2026-12-20T17:00:00")
    sent["G2"] = report(18, random.Random(99))
    resubmitted = kiemdiem(
        "status",
        "submit",
        "--campaign",
        "u-2026",
        "--unit",
        "G2",
        "--milestone",
        "grassroots_review",
        "--report",
        write(tmp_path / "G2b.yaml", yaml.safe_dump(sent["G2"])),
        "--at",
        "2026-12-18T09:00:00+07:00",
    )
    assert resubmitted.exit_code == 0, resubmitted.stderr
    assert resubmitted.stdout == "G2 · grassroots_review: submitted (đúng hạn / on time)\n"
    # a unit added after the launch is reported, not counted
    added = kiemdiem(
        "units",
        "import",
        write(tmp_path / "more.csv", "code,parent,name,level,members,contacts\nG5,X1,Chi bộ mới,grassroots,7,\n"),
        "--at",
        "2026-12-01T09:00:00+07:00",
    )
    assert added.exit_code == 0, added.stderr
    assert "imported 1 units: 1 new, 0 updated, 0 unchanged" in added.stdout

    def totals(codes: list[str]) -> dict[str, int]:
        lines = [sent[c]["subjects"]["member"] for c in codes]
        return {k: sum(line.get(k, 0) for line in lines) for k in ("total", "evaluated", "excellent", "good")}

    for root, codes in {"T": list(REPORTERS), "X1": ["G1-B1", "G1-B2", "G2"], "K1": ["G3", "G4-B1"]}.items():
        progress = json.loads(
            kiemdiem(
                "progress",
                "--campaign",
                "u-2026",
                "--root",
                root,
                "--format",
                "json",
                "--at",
                "2026-12-20T12:00:00+07:00",
            ).stdout
        )
        member = progress["results"]["member"]
        expected = totals(codes)
        assert {k: member[k] for k in expected} == expected, root
        assert member["good_or_above_pct"] == round(
            100 * (expected["excellent"] + expected["good"]) / expected["evaluated"], 1
        )
    whole = json.loads(
        kiemdiem("progress", "--campaign", "u-2026", "--format", "json", "--at", "2026-12-20T12:00:00+07:00").stdout
    )
    rows = {(r["milestone"], r["level"]): r for r in whole["levels"]}
    branch, grassroots = rows[("grassroots_review", "branch")], rows[("grassroots_review", "grassroots")]
    assert (branch["units"], branch["submitted"], branch["on_time"]) == (3, 3, 3)
    # G1 and G4 (committees with branches) did not submit; G3 was late; G2 was returned and resubmitted within
    # its grace deadline (20/12), so it is on time against that deadline
    assert (
        grassroots["units"],
        grassroots["submitted"],
        grassroots["on_time"],
        grassroots["late"],
        grassroots["overdue"],
    ) == (4, 2, 1, 1, 2)
    assert whole["added_after_launch"] == {"grassroots": 1}
