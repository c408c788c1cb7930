"""The level above decides its organizations' ratings (SPEC §5): the quota over the whole group, never per
report; self-ratings beside decisions; only the level above (or the board) decides; a re-rating counts once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.api import create_api
from models import clock
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import Shared, shared_database, table_rows, write
from tests.test_api import call, serving

# A commune committee deciding ten grassroots organizations (each a chi bộ cơ sở of 10 members), beside another
# commune whose units are not its business.
GROUP = [f"CS-{n:02d}" for n in range(1, 11)]
TREE = "code,parent,name,level,members,contacts\nT,,Tỉnh ủy,province,0,\nX1,T,Đảng ủy xã 1,commune,0,\n"
TREE += "X2,T,Đảng ủy xã 2,commune,0,\nCS-X2,X2,Chi bộ cơ sở X2,grassroots,10,\n"
TREE += "".join(f"{code},X1,Chi bộ cơ sở {code},grassroots,10,\n" for code in GROUP)
CONFIG = """key: d-2026
title: "Kiểm điểm 2026"
year: 2026
plan_number: 9-KH/TU
root: T
launch: 2026-11-23
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2026-12-15}
  - {key: commune_review, levels: [commune], deadline: 2026-12-31, after_children: grassroots_review}
"""
AT = "2026-12-10T09:00:00+07:00"


def self_report(rating: str) -> dict[str, Any]:
    members = {"total": 10, "evaluated": 10, "good": 10}
    return {"subjects": {"member": members, "organization": {"total": 1, "evaluated": 1, rating: 1}}}


def launch(kiemdiem, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE), "--at", AT).exit_code == 0
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    # Every organization rates itself excellent: a self-assessment may propose it (the "inf%" refusal).
    for code in [*GROUP, "CS-X2"]:
        path = write(tmp_path / f"{code}.yaml", yaml.safe_dump(self_report("excellent")))
        ran = kiemdiem(
            "status", "submit", "--campaign", "d-2026", "--unit", code, "--milestone", "grassroots_review",
            "--report", path, "--at", AT,
        )  # fmt: skip
        assert ran.exit_code == 0, ran.stderr


@pytest.fixture
def launched(kiemdiem, tmp_path: Path) -> None:
    launch(kiemdiem, tmp_path)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def launched_to_read(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """`launch` once per database, for the tests that only read it (or are refused, showing nothing changed)."""
    with shared_database(request, tmp_path_factory) as shared:
        launch(shared.kiemdiem, tmp_path_factory.mktemp("launched"))
        yield shared


def decide(kiemdiem, tmp_path: Path, ratings: dict[str, str], *extra: str):  # type: ignore[no-untyped-def]
    path = write(tmp_path / "ratings.yaml", yaml.safe_dump(ratings))
    return kiemdiem(
        "status", "decide", "--campaign", "d-2026", "--decider", "X1", "--ratings", path, "--at", AT, *extra
    )


def organizations(kiemdiem, root: str = "X1") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ran = kiemdiem("progress", "--campaign", "d-2026", "--root", root, "--format", "json", "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)["results"]["organization"]  # type: ignore[no-any-return]


def ratings_of(excellent: int, good: int) -> dict[str, str]:
    levels = ["excellent"] * excellent + ["good"] * good
    return {code: (levels[i] if i < len(levels) else "completed") for i, code in enumerate(GROUP)}


def test_self_ratings_show_until_the_level_above_decides(launched_to_read: Shared) -> None:
    found = organizations(launched_to_read.kiemdiem)
    assert (found["total"], found["evaluated"], found["excellent"]) == (10, 10, 10)


def test_the_quota_is_checked_across_the_group_the_level_above_decides(
    kiemdiem, launched, snapshot, tmp_path: Path
) -> None:
    before = snapshot()
    over = decide(kiemdiem, tmp_path, ratings_of(excellent=2, good=7))  # 2 of 7 good: 28.6%
    assert over.exit_code == 2 and "[excellent_quota]" in over.stderr
    assert "2 excellent against 7 good, over the 20% quota (at most 1 excellent)" in over.stderr
    over_25 = decide(kiemdiem, tmp_path, ratings_of(excellent=2, good=7), "--override-reason", "Tiêu biểu")
    assert over_25.exit_code == 2 and "over the 25% quota" in over_25.stderr
    assert snapshot() == before
    within = decide(kiemdiem, tmp_path, ratings_of(excellent=1, good=8))
    assert within.exit_code == 0, within.stderr
    found = organizations(kiemdiem)  # the decision replaces the ten self-ratings of excellent
    assert (found["evaluated"], found["excellent"], found["good"], found["completed"]) == (10, 1, 8, 1)
    assert found["good_or_above_pct"] == 90.0


def test_the_deciding_level_may_allow_25_percent_with_a_reason(kiemdiem, launched, tmp_path: Path) -> None:
    ratings = ratings_of(excellent=2, good=8)  # 25%
    assert decide(kiemdiem, tmp_path, ratings).exit_code == 2
    ran = decide(kiemdiem, tmp_path, ratings, "--override-reason", "Đơn vị tiêu biểu xuất sắc", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    view = json.loads(ran.stdout)
    assert (view["excellent"], view["good"], view["excellent_pct_of_good"]) == (2, 8, 25.0)
    assert {row["unit"]: row["self_rating"] for row in view["units"]} == dict.fromkeys(GROUP, "excellent")
    # The group keeps its 25% for a later re-rating of one of its units.
    again = kiemdiem(
        "status", "decide", "--campaign", "d-2026", "--decider", "X1", "--unit", "CS-10", "--rating", "good",
        "--at", AT,
    )  # fmt: skip
    assert again.exit_code == 0, again.stderr


def test_fifteen_good_and_five_excellent_is_over_either_cap(kiemdiem, tmp_path: Path) -> None:
    """REAL-PLANS-2025.md: whatever "the number rated good" means, 5 excellent beside 15 good is over 20% and 25%."""
    units = [f"G{n:02d}" for n in range(20)]
    tree = "code,parent,name,level,members,contacts\nX,,Đảng ủy xã,commune,0,\n"
    tree += "".join(f"{c},X,Chi bộ {c},grassroots,10,\n" for c in units)
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree), "--at", AT).exit_code == 0
    config = CONFIG.replace("root: T", "root: X")
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", config), "--at", AT).exit_code == 0
    for code in units:
        path = write(tmp_path / f"{code}.yaml", yaml.safe_dump(self_report("good")))
        ran = kiemdiem(
            "status", "submit", "--campaign", "d-2026", "--unit", code, "--milestone", "grassroots_review",
            "--report", path, "--at", AT,
        )  # fmt: skip
        assert ran.exit_code == 0, ran.stderr
    ratings = {code: ("excellent" if i < 5 else "good") for i, code in enumerate(units)}
    path = write(tmp_path / "r.yaml", yaml.safe_dump(ratings))
    for extra in ((), ("--override-reason", "Đơn vị tiêu biểu")):
        ran = kiemdiem("status", "decide", "--campaign", "d-2026", "--decider", "X", "--ratings", path, *extra)
        assert ran.exit_code == 2 and "5 excellent against 15 good" in ran.stderr


def test_a_rerating_counts_once_and_is_audited(kiemdiem, launched, env, tmp_path: Path) -> None:
    assert decide(kiemdiem, tmp_path, ratings_of(excellent=1, good=8)).exit_code == 0
    rerated = kiemdiem(
        "status", "decide", "--campaign", "d-2026", "--decider", "X1", "--unit", "CS-01", "--rating",
        "not_completed", "--reason", "Vi phạm bị kỷ luật", "--at", AT,
    )  # fmt: skip
    assert rerated.exit_code == 0, rerated.stderr
    found = organizations(kiemdiem)
    assert (found["evaluated"], found["excellent"], found["good"], found["not_completed"]) == (10, 0, 8, 1)
    from tests.conftest import table_rows

    audit = [r for r in table_rows(env["KIEMDIEM_DATABASE_URL"])["audit_log"] if str(r[3]).startswith("rating.")]
    assert [(r[3], r[7], r[8]) for r in audit if r[6] == "CS-01"] == [
        ("rating.decide", None, "excellent"),
        ("rating.rerate", "excellent", "not_completed"),
    ]


def test_errors_name_the_unit_and_change_nothing(launched_to_read: Shared, tmp_path: Path) -> None:
    before = table_rows(launched_to_read.url)
    ratings = {"CS-01": "splendid", "CS-X2": "good", "NOPE": "good"}
    ran = decide(launched_to_read.kiemdiem, tmp_path, ratings, "--format", "json")
    assert ran.exit_code == 2
    problems = {(p["field"], p["rule"]) for p in json.loads(ran.stderr)["errors"]}
    assert problems == {
        ("ratings.CS-01", "unknown_rating"),
        ("ratings.CS-X2", "not_in_group"),
        ("ratings.NOPE", "not_in_group"),
    }
    assert table_rows(launched_to_read.url) == before


def test_only_the_level_above_decides_over_http(kiemdiem, launched, env, snapshot) -> None:
    tokens = {code: kiemdiem("tokens", "issue", code).stdout.strip() for code in ("X1", "X2", "CS-01")}
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    clock.set_now(clock.parse_instant(AT))
    body = {"ratings": ratings_of(excellent=1, good=8)}
    path = "/api/campaigns/d-2026/units/X1/ratings"
    before = snapshot()
    with serving(create_api(app)) as url:
        own = call(url, tokens["CS-01"], "POST", path, body)  # a unit deciding its own group's ratings
        sibling = call(url, tokens["X2"], "POST", path, body)
        self_decided = call(url, tokens["CS-01"], "POST", "/api/campaigns/d-2026/units/CS-01/ratings", body)
        assert (own.status_code, sibling.status_code) == (403, 403), own.text
        assert self_decided.status_code in (400, 422) and "not_in_group" in self_decided.text
        assert snapshot() == before
        decided = call(url, tokens["X1"], "POST", path, body)
        assert decided.status_code == 200, decided.text
        assert decided.json()["units"][0]["decision"] == "excellent"
        seen = call(url, tokens["CS-01"], "GET", path)
        assert seen.status_code == 403  # a unit reads its own subtree, not its parent's group


def test_the_unit_is_told_of_its_rating_and_of_a_rerating_at_a_real_smtp_server(kiemdiem, tmp_path: Path) -> None:
    from tests.sinks import smtp_sink

    with smtp_sink() as smtp:
        mail = f"mailto://127.0.0.1:{smtp.port}?from=kd@example.vn&to=cs-01@example.vn&secure=no"
        tree = TREE.replace(
            "CS-01,X1,Chi bộ cơ sở CS-01,grassroots,10,", f"CS-01,X1,Chi bộ cơ sở CS-01,grassroots,10,{mail}"
        )
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree), "--at", AT).exit_code == 0
        config = write(tmp_path / "c.yaml", CONFIG)
        assert kiemdiem("campaign", "launch", config, "--at", "2026-12-10T08:00:00+07:00").exit_code == 0
        path = write(tmp_path / "r.yaml", yaml.safe_dump(self_report("good")))
        submit = ["status", "submit", "--campaign", "d-2026", "--milestone", "grassroots_review", "--report", path]
        assert kiemdiem(*submit, "--unit", "CS-01", "--at", AT).exit_code == 0
        one = ["status", "decide", "--campaign", "d-2026", "--decider", "X1", "--unit", "CS-01", "--at", AT]
        assert kiemdiem(*one, "--rating", "good").exit_code == 0
        assert kiemdiem(*one, "--rating", "good").exit_code == 0  # the same decision again: nothing new to tell
        rerated = kiemdiem(*one, "--rating", "completed", "--reason", "Đảng viên bị kỷ luật sau công bố")
        assert rerated.exit_code == 0, rerated.stderr
        assert kiemdiem("campaign", "sweep", "--at", "2026-12-10T10:00:00+07:00").exit_code == 0
        import time

        time.sleep(0.3)
        texts = [" ".join(str(m.get_body(preferencelist=("plain",)).get_content()).split()) for m in smtp.messages]
    told = [t for t in texts if "xếp loại" in t.lower() and "Đảng ủy xã 1" in t]
    assert len(told) == 1  # both decisions in one digest, each entry once
    assert told[0].count("đã quyết định xếp loại") == 1 and told[0].count("đã xếp loại lại") == 1
    assert "từ “Hoàn thành tốt nhiệm vụ” thành Hoàn thành nhiệm vụ" in told[0]
    assert "Đảng viên bị kỷ luật sau công bố" in told[0]


LINE_TREE = """code,parent,name,level,members,contacts
X,,Đảng ủy xã,commune,0,
G,X,Đảng bộ cơ sở G,grassroots,0,
P,G,Đảng bộ bộ phận P,partial,0,
B1,P,Chi bộ 1,branch,10,
B2,P,Chi bộ 2,branch,10,
B3,G,Chi bộ 3,branch,10,
"""
LINE_CONFIG = """key: m-2026
title: "Kiểm điểm 2026"
year: 2026
plan_number: 1-KH/ĐU
root: X
launch: 2026-11-23
milestones:
  - {key: grassroots_review, levels: [branch, partial, grassroots], deadline: 2026-12-15}
"""


def test_the_decider_is_the_grassroots_committee_by_the_management_line(kiemdiem, env, tmp_path: Path) -> None:
    """A branch under a đảng bộ bộ phận is decided by the grassroots committee (the intermediate committee only
    proposes); an organization is decided after every unit it decides."""
    env["KIEMDIEM_LEVELS"] = "province,district,commune,bloc,grassroots,partial,branch"
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", LINE_TREE), "--at", AT).exit_code == 0
    assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", LINE_CONFIG), "--at", AT).exit_code == 0
    for code, members in (("B1", 10), ("B2", 10), ("B3", 10), ("P", 20), ("G", 30)):  # lower levels first
        report = {"subjects": {"member": {"total": members, "evaluated": members, "good": members}}}
        path = write(tmp_path / f"{code}.yaml", yaml.safe_dump({**report, "self_rating": "good"}))
        ran = kiemdiem(
            "status", "submit", "--campaign", "m-2026", "--unit", code, "--milestone", "grassroots_review",
            "--report", path, "--at", AT,
        )  # fmt: skip
        assert ran.exit_code == 0, ran.stderr

    def decide_as(decider: str, ratings: dict[str, str]):  # type: ignore[no-untyped-def]
        path = write(tmp_path / f"{decider}-r.yaml", yaml.safe_dump(ratings))
        return kiemdiem("status", "decide", "--campaign", "m-2026", "--decider", decider, "--ratings", path)

    by_p = decide_as("P", {"B1": "good"})
    assert by_p.exit_code == 2 and "[not_in_group]" in by_p.stderr  # the intermediate committee only proposes
    early = decide_as("X", {"G": "good"})
    assert early.exit_code == 2 and "[group_not_decided]" in early.stderr and "B1, B2, B3, P" in early.stderr
    group = json.loads(
        kiemdiem("status", "ratings", "--campaign", "m-2026", "--decider", "G", "--format", "json").stdout
    )
    assert [row["unit"] for row in group["units"]] == ["B1", "B2", "B3", "P"]
    assert decide_as("G", {"B1": "good", "B2": "good", "B3": "completed", "P": "good"}).exit_code == 0
    assert decide_as("X", {"G": "good"}).exit_code == 0


def test_the_board_report_lists_the_reclassifications(kiemdiem, launched, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    assert decide(kiemdiem, tmp_path, ratings_of(excellent=1, good=8)).exit_code == 0
    again = kiemdiem(
        "status", "decide", "--campaign", "d-2026", "--decider", "X1", "--unit", "CS-02", "--rating", "completed",
        "--reason", "Kỷ luật sau công bố", "--at", AT,
    )  # fmt: skip
    assert again.exit_code == 0, again.stderr
    out = tmp_path / "bc.xlsx"
    assert kiemdiem("report", "--campaign", "d-2026", "--out", out, "--at", AT).exit_code == 0
    rows = [[c.value for c in row] for row in load_workbook(out)["Xếp loại lại"].iter_rows()]
    found = [r for r in rows if "CS-02" in r]
    assert len(found) == 1 and "Hoàn thành tốt nhiệm vụ" in found[0] and "Hoàn thành nhiệm vụ" in found[0]
    assert "Kỷ luật sau công bố" in found[0]
