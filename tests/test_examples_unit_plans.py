"""The shipped examples: the plan step (unit_plans) reaches committees and grassroots organizations, never a branch
(a chi bộ trực thuộc follows its grassroots committee's plan); the present-day province has bloc committees under
their own level name."""

from __future__ import annotations

import csv
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import EXAMPLES, ROOT

EXAMPLES_AND_CONFIGS = [  # tree, config, levels with a plan step, launched at
    ("district.csv", "campaign.example.yaml", {"grassroots"}, "2020-11-23T08:00:00+07:00"),
    ("province.csv", "campaign.province.yaml", {"commune", "bloc", "grassroots"}, "2026-11-23T08:00:00+07:00"),
]


def plan_levels(url: str) -> Counter[str]:
    """Units with a unit_plans assignment, per level, read from the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT u.level, count(*) FROM assignment a JOIN milestone m ON m.id = a.milestone_id "
                    "JOIN org_unit u ON u.id = a.unit_id WHERE m.key = 'unit_plans' GROUP BY u.level"
                )
            )
            return Counter({level: count for level, count in found})
    finally:
        engine.dispose()


@pytest.mark.parametrize(("tree", "config", "levels", "at"), EXAMPLES_AND_CONFIGS)
def test_no_branch_is_asked_for_its_own_plan(kiemdiem, env, tree: str, config: str, levels: set[str], at: str) -> None:
    assert kiemdiem("units", "import", EXAMPLES / tree).exit_code == 0
    ran = kiemdiem("campaign", "launch", ROOT / "deploy" / config, "--at", at)
    assert ran.exit_code == 0, ran.stderr
    with (EXAMPLES / tree).open(encoding="utf-8") as handle:
        in_tree = Counter(row["level"] for row in csv.DictReader(handle))
    found = plan_levels(env["KIEMDIEM_DATABASE_URL"])
    assert found["branch"] == 0 and in_tree["branch"] > 0
    # every committee and grassroots organization below the root, and nothing else
    assert found == Counter({level: in_tree[level] for level in levels})


def test_the_present_day_province_has_communes_and_blocs_and_no_district() -> None:
    with (EXAMPLES / "province.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    levels = Counter(row["level"] for row in rows)
    assert levels["district"] == 0 and levels["commune"] > 0 and levels["bloc"] == 4
    root = next(row for row in rows if not row["parent"])
    assert (root["code"], root["name"], root["level"]) == ("TU-QUANGTRI", "Tỉnh ủy Quảng Trị", "province")
    assert not any("Quảng Bình" in row["name"] for row in rows)  # merged into Quảng Trị on 1 July 2025
    assert {row["parent"] for row in rows if row["level"] in ("commune", "bloc")} == {"TU-QUANGTRI"}
    names = {row["name"] for row in rows if row["level"] == "commune"}
    assert {"Đảng ủy phường Đồng Hới", "Đảng ủy xã Vĩnh Linh", "Đảng ủy đặc khu Cồn Cỏ"} <= names
