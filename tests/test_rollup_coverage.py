"""Whose report covers what (issue: numbers a board can sign): a grassroots organization's report covers its
branches, so a member is counted once whoever reports; a unit submits after its own children; a report's member
total agrees with the tree, or says why; a unit cannot grant itself the 25%."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import yaml

from entrypoints.api import create_api
from models import clock
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import write
from tests.test_api import call, serving

# Two đảng bộ cơ sở with branches, a chi bộ cơ sở without, and a đảng bộ bộ phận (a level the settings add) with
# branches of its own.
LEVELS = "province,district,commune,bloc,grassroots,partial,branch"
TREE = """code,parent,name,level,members,contacts
X,,Đảng ủy xã,commune,0,
G1,X,Đảng bộ cơ sở 1,grassroots,2,
G1-B1,G1,Chi bộ 1.1,branch,39,
G1-B2,G1,Chi bộ 1.2,branch,58,
G2,X,Đảng bộ cơ sở 2,grassroots,0,
G2-P,G2,Đảng bộ bộ phận 2,partial,0,
G2-P-B1,G2-P,Chi bộ 2.1,branch,21,
G2-P-B2,G2-P,Chi bộ 2.2,branch,17,
G3,X,Chi bộ cơ sở 3,grassroots,44,
"""
MEMBERS = {"G1": 99, "G1-B1": 39, "G1-B2": 58, "G2": 38, "G2-P": 38, "G2-P-B1": 21, "G2-P-B2": 17, "G3": 44}
CONFIG = """key: r-2026
title: "Kiểm điểm 2026"
year: 2026
plan_number: 3-KH/ĐU
root: X
launch: 2026-11-23
milestones:
  - {key: grassroots_review, levels: [branch, partial, grassroots], deadline: 2026-12-10}
"""
AT = "2026-12-05T09:00:00+07:00"


def counts(total: int, rng: random.Random) -> dict[str, Any]:
    skipped = rng.randint(0, min(3, total))
    evaluated = total - skipped
    good = evaluated * 7 // 10
    excellent = good // 5
    return {
        "total": total,
        "evaluated": evaluated,
        "excellent": excellent,
        "good": good,
        "completed": evaluated - good - excellent,
        "not_evaluated": {"suspended": skipped},
        "probationary": total // 10,
    }


def submit(kiemdiem, tmp_path: Path, unit: str, report: dict[str, Any] | None, *extra: str):  # type: ignore[no-untyped-def]
    args = ["status", "submit", "--campaign", "r-2026", "--unit", unit, "--milestone", "grassroots_review"]
    if report is not None:
        args += ["--report", str(write(tmp_path / f"{unit}.yaml", yaml.safe_dump(report, allow_unicode=True)))]
    return kiemdiem(*args, "--at", AT, *extra)


def launch(kiemdiem, env: dict[str, str], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env["KIEMDIEM_LEVELS"] = LEVELS  # the command line runs with this test's env
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE), "--at", AT).exit_code == 0
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr


def progress(kiemdiem, root: str = "X") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ran = kiemdiem("progress", "--campaign", "r-2026", "--root", root, "--format", "json", "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)  # type: ignore[no-any-return]


def test_every_level_reports_and_each_member_is_counted_once(kiemdiem, env, tmp_path: Path) -> None:
    launch(kiemdiem, env, tmp_path)
    rng = random.Random(9)
    sent: dict[str, dict[str, Any]] = {}
    for unit in ("G1-B1", "G1-B2", "G2-P-B1", "G2-P-B2", "G2-P", "G1", "G2", "G3"):  # children before parents
        sent[unit] = counts(MEMBERS[unit], rng)
        ran = submit(kiemdiem, tmp_path, unit, {"subjects": {"member": sent[unit]}, "self_rating": "good"})
        assert ran.exit_code == 0, ran.stderr
        if unit == "G1-B2":  # with only branches in, the commune sees what they reported
            partial = progress(kiemdiem)["results"]["member"]
            assert partial["total"] == 39 + 58
    # The grassroots organizations' reports cover their subtrees: the commune counts those three, nothing else.
    covering = ("G1", "G2", "G3")
    members = progress(kiemdiem)["results"]["member"]
    for field in ("total", "evaluated", "excellent", "good", "completed", "probationary"):
        assert members[field] == sum(sent[u][field] for u in covering), field
    assert members["total"] == sum(int(line.split(",")[4]) for line in TREE.splitlines()[1:])
    assert members["not_evaluated"]["suspended"] == sum(sent[u]["not_evaluated"]["suspended"] for u in covering)
    # One grassroots organization's own view counts its own report, not its branches' as well.
    assert progress(kiemdiem, "G2")["results"]["member"]["total"] == 38
    # Organizations once each, by type; the commune's headline is its three grassroots organizations.
    found = progress(kiemdiem)
    assert (found["results"]["organization"]["total"], found["results"]["organization"]["good"]) == (3, 3)
    by_type = {kind: (r["total"], r["good"]) for kind, r in found["organizations_by_type"].items()}
    assert by_type == {
        "dang_bo_co_so": (2, 2),
        "chi_bo_co_so": (1, 1),
        "dang_bo_bo_phan": (1, 1),
        "chi_bo_truc_thuoc": (4, 4),
        "upper_committee": (0, 0),
    }


def test_a_grassroots_organization_cannot_submit_before_its_branches(kiemdiem, env, snapshot, tmp_path: Path) -> None:
    launch(kiemdiem, env, tmp_path)
    assert submit(kiemdiem, tmp_path, "G1-B1", None).exit_code == 0
    before = snapshot()
    early = submit(kiemdiem, tmp_path, "G1", None)
    assert early.exit_code == 2 and "[children_missing]" in early.stderr and "G1-B2" in early.stderr
    assert "G1-B1" not in early.stderr and "Traceback" not in early.stderr
    assert snapshot() == before
    no_reason = submit(kiemdiem, tmp_path, "G1", None, "--override")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    # The board may let it through, with the reason kept in the audit log.
    allowed = submit(kiemdiem, tmp_path, "G1", None, "--override", "--reason", "Chi bộ 1.2 đang sáp nhập")
    assert allowed.exit_code == 0, allowed.stderr
    audit = [r for r in snapshot()["audit_log"] if r[3] == "assignment.submit" and r[9]]
    assert [r[9] for r in audit] == ["Chi bộ 1.2 đang sáp nhập"]
    level = next(r for r in progress(kiemdiem)["levels"] if r["level"] == "grassroots")
    assert level["submitted"] == 1


def test_a_member_total_that_disagrees_with_the_tree(kiemdiem, env, snapshot, tmp_path: Path) -> None:
    launch(kiemdiem, env, tmp_path)
    wrong = {"total": 500, "evaluated": 500, "good": 500}  # G1-B2 has 58 members
    before = snapshot()
    refused = submit(kiemdiem, tmp_path, "G1-B2", {"subjects": {"member": wrong}})
    assert refused.exit_code == 2 and "[member_total_mismatch]" in refused.stderr
    assert "500" in refused.stderr and "(58)" in refused.stderr
    assert snapshot() == before
    reason = "Danh sách chưa cập nhật 442 đảng viên chuyển đến"
    kept = submit(kiemdiem, tmp_path, "G1-B2", {"subjects": {"member": wrong}, "member_total_reason": reason})
    assert kept.exit_code == 0, kept.stderr
    notes = progress(kiemdiem)["member_total_notes"]
    assert notes == [{"unit": "G1-B2", "reported": 500, "tree": 58, "reason": reason}]


def test_a_unit_cannot_grant_itself_the_25_percent(kiemdiem, env, snapshot, tmp_path: Path) -> None:
    launch(kiemdiem, env, tmp_path)
    token = kiemdiem("tokens", "issue", "G3").stdout.strip()
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    clock.set_now(clock.parse_instant(AT))
    # 8 excellent of 35 good: 22.9%, over 20%, within the 25% only the level above may grant.
    report = {"subjects": {"member": {"total": 44, "evaluated": 44, "excellent": 8, "good": 35, "completed": 1}}}
    path = "/api/campaigns/r-2026/units/G3/milestones/grassroots_review/submit"
    before = snapshot()
    with serving(create_api(app)) as url:
        plain = call(url, token, "POST", path, {"report": report})
        assert plain.status_code in (400, 422) and "excellent_quota" in plain.text
        own = call(url, token, "POST", path, {"report": {**report, "quota_override": {"reason": "Tiêu biểu"}}})
        assert own.status_code == 403 and "25%" in own.text
        early = call(url, token, "POST", path, {"report": report, "override_reason": "Tự cho phép"})
        assert early.status_code == 403
    assert snapshot() == before
    granted = submit(kiemdiem, tmp_path, "G3", {**report, "quota_override": {"reason": "Tiêu biểu"}})
    assert granted.exit_code == 0, granted.stderr  # the board, at its command line
