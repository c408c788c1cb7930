"""`kiemdiem campaign launch`: the config's rules, the assignments and notices it creates, and its refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, text

from tests.conftest import EXAMPLES, ROOT, Shared, shared_database, table_rows, write

CONFIG = """
key: cuchi-2026
title: "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-CUCHI
timezone: Asia/Ho_Chi_Minh
launch: 2026-11-23
milestones:
  - key: grassroots_review
    levels: [branch, grassroots]
    deadline: 2026-12-10
  - key: district_review
    levels: [district]
    deadline: 2026-12-25
    after_children: grassroots_review
reminders:
  before_days: [7, 3, 1]
  send_at: "07:30"
  quiet_hours: ["21:00", "07:00"]
  overdue_days: [1, 3, 7]
  escalate_after_days: 2
  skip_non_working_days: false
"""
AT = "2026-11-23T08:00:00+07:00"


@pytest.fixture
def district(kiemdiem) -> None:
    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def refusing(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """The district imported once per database for the configs that are refused: each test shows that its own
    refusals changed nothing, so they may share it."""
    with shared_database(request, tmp_path_factory) as shared:
        assert shared.kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
        yield shared


def config_file(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(CONFIG)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return write(tmp_path / "campaign.yaml", yaml.safe_dump(data, allow_unicode=True))


def rows(env: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(env["KIEMDIEM_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]
    finally:
        engine.dispose()


def test_the_config_of_spec_section_7_launches_as_written(kiemdiem, district, env, tmp_path: Path) -> None:
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    assert ran.stdout.strip() == "cuchi-2026"
    per_milestone = dict(
        rows(
            env, "SELECT m.key, count(a.id) FROM milestone m JOIN assignment a ON a.milestone_id = m.id GROUP BY m.key"
        )
    )
    assert per_milestone == {"grassroots_review": 269, "district_review": 1}
    # every unit below the root is sent the plan; the issuing committee (the root) is not sent its own
    assert rows(env, "SELECT count(*), count(DISTINCT key), min(kind), max(kind) FROM outbox") == [
        (269, 269, "plan_issued", "plan_issued")
    ]
    assert rows(env, "SELECT count(*) FROM outbox o JOIN org_unit u ON u.id = o.unit_id WHERE u.code = 'HU-CUCHI'") == [
        (0,)
    ]
    assert rows(env, "SELECT DISTINCT status FROM assignment") == [("pending",)]
    assert rows(env, "SELECT action, actor FROM audit_log WHERE action = 'campaign.launch'")[0][0] == "campaign.launch"


def test_deadline_is_the_end_of_the_local_day(kiemdiem, district, env, tmp_path: Path) -> None:
    kiemdiem("campaign", "launch", config_file(tmp_path), "--at", AT)
    due = dict(rows(env, "SELECT key, due_before FROM milestone"))
    # 10 December ends at 24:00 in Hanoi, which is 17:00 UTC on 10 December.
    assert str(due["grassroots_review"]).startswith("2026-12-10 17:00:00")


def test_plan_notice_waits_for_send_time_on_launch_day(kiemdiem, district, env, tmp_path: Path) -> None:
    kiemdiem("campaign", "launch", config_file(tmp_path), "--at", "2026-11-23T06:00:00+07:00")
    # 07:30 in Hanoi is 00:30 UTC.
    assert {str(r[0])[:19] for r in rows(env, "SELECT DISTINCT deliver_after FROM outbox")} == {"2026-11-23 00:30:00"}


def test_campaign_covers_only_the_subtree_of_its_root(kiemdiem, district, env, tmp_path: Path) -> None:
    config = config_file(tmp_path, root="XA-ANNHONTAY", key="annhontay-2026")
    ran = kiemdiem("campaign", "launch", config, "--at", AT, "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    summary = json.loads(ran.stdout)
    branches = rows(
        env, "SELECT count(*) FROM org_unit WHERE parent_id = (SELECT id FROM org_unit WHERE code = 'XA-ANNHONTAY')"
    )[0][0]
    assert summary["units"] == branches + 1
    assert summary["assignments"] == {"grassroots_review": branches + 1, "district_review": 0}
    assert summary["empty_milestones"] == ["district_review"]


def test_launching_twice_is_refused(kiemdiem, district, snapshot, tmp_path: Path) -> None:
    path = config_file(tmp_path)
    assert kiemdiem("campaign", "launch", path, "--at", AT).exit_code == 0
    before = snapshot()
    ran = kiemdiem("campaign", "launch", path, "--at", AT)
    assert ran.exit_code == 2 and "[campaign_exists]" in ran.stderr and "already launched" in ran.stderr
    assert snapshot() == before


def milestones(**override: Any) -> list[dict[str, Any]]:
    data = yaml.safe_load(CONFIG)["milestones"]
    for index_key, value in override.items():
        index, key = index_key.split("__")
        data[int(index[1:])][key] = value
    return data


BAD_CONFIGS = [
    pytest.param(
        {"milestones": milestones(m1__deadline="2026-12-05")},
        "milestones[1].deadline",
        "deadline_order",
        "2026-12-05",
        id="parent-due-before-children",
    ),
    pytest.param(
        {"milestones": milestones(m0__deadline="2026-11-20")},
        "milestones[0].deadline",
        "deadline_before_launch",
        "2026-11-20",
        id="deadline-before-launch",
    ),
    pytest.param(
        {"milestones": milestones(m0__levels=["branch", "ward"])},
        "milestones[0].levels[1]",
        "unknown_level",
        "ward",
        id="unknown-level",
    ),
    pytest.param({"root": "HU-NOWHERE"}, "root", "unknown_root", "HU-NOWHERE", id="unknown-root"),
    pytest.param(
        {"timezone": "Asia/Saigon_Nowhere"},
        "timezone",
        "unknown_timezone",
        "Asia/Saigon_Nowhere",
        id="unknown-timezone",
    ),
    pytest.param({"milestones": []}, "milestones", "no_milestones", "at least one", id="empty-milestones"),
    pytest.param(
        {"milestones": milestones(m1__after_children="nothing")},
        "milestones[1].after_children",
        "unknown_milestone",
        "nothing",
        id="unknown-dependency",
    ),
    pytest.param({"launch": "23/11/2026"}, "launch", "date_from_datetime_parsing", "23/11/2026", id="bad-date"),
    pytest.param({"title": None}, "title", "missing", "Field required", id="missing-title"),
    pytest.param({"remindres": {"before_days": [3]}}, "remindres", "unknown_field", "`reminders`", id="misspelled"),
    pytest.param(
        {"reminders": {"before_days": [100000000]}},
        "reminders.before_days[0]",
        "less_than_equal",
        "366",
        id="before-days-huge",
    ),
    pytest.param({"year": True}, "year", "int_type", "integer", id="true-is-not-a-year"),
    pytest.param(
        {"milestones": list(reversed(milestones()))},
        "milestones[0].after_children",
        "milestone_order",
        "listed before",
        id="dependency-listed-later",
    ),
    pytest.param(
        {"working_groups": [{"name": "tct-1", "units": ["XA-ANPHU", "XA-NOWHERE"]}]},
        "working_groups[0].units[1]",
        "unknown_unit",
        "XA-NOWHERE",
        id="working-group-unknown-unit",
    ),
    pytest.param(
        {"root": "XA-ANNHONTAY", "working_groups": [{"name": "tct-1", "units": ["XA-ANNHONTAY", "XA-ANPHU"]}]},
        "working_groups[0].units[1]",
        "outside_campaign",
        "XA-ANPHU",
        id="working-group-unit-outside-the-campaign",
    ),
    pytest.param(
        {"routing": {"escalaton": ["secretary"]}},
        "routing.escalaton",
        "unknown_notice_kind",
        "`escalation`",
        id="routing-unknown-kind",
    ),
]


@pytest.mark.parametrize(("changes", "field", "rule", "detail"), BAD_CONFIGS)
def test_bad_config_is_refused_and_nothing_changes(
    refusing: Shared, tmp_path: Path, changes: dict[str, Any], field: str, rule: str, detail: str
) -> None:
    before = table_rows(refusing.url)
    ran = refusing.kiemdiem("campaign", "launch", config_file(tmp_path, **changes), "--at", AT)
    assert ran.exit_code == 2, ran.stdout
    assert f"field {field} [{rule}]" in ran.stderr
    assert f"cột/trường {field} [{rule}]" in ran.stderr
    assert detail in ran.stderr
    assert "Traceback" not in ran.stderr
    assert table_rows(refusing.url) == before


def test_config_that_is_not_yaml(refusing: Shared, tmp_path: Path) -> None:
    before = table_rows(refusing.url)
    ran = refusing.kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", "key: [unclosed\n"))
    assert ran.exit_code == 2 and "[invalid_yaml]" in ran.stderr
    assert table_rows(refusing.url) == before


@pytest.mark.parametrize(
    ("template", "tree", "at"),
    [  # the seed district's 2020 campaign (the layout before July 2025) and the present-day province
        ("campaign.example.yaml", "district.csv", "2020-11-23T08:00:00+07:00"),
        ("campaign.province.yaml", "province.csv", AT),
    ],
)
def test_shipped_templates_launch_on_their_example_trees(kiemdiem, env, template: str, tree: str, at: str) -> None:
    assert kiemdiem("units", "import", EXAMPLES / tree).exit_code == 0
    ran = kiemdiem("campaign", "launch", ROOT / "deploy" / template, "--at", at, "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["empty_milestones"] == []
    assert summary["notices"] == summary["units"] - 1  # all but the issuing committee
    # The plan-issued step is done by the launch; every other step waits for its units.
    assert rows(
        env,
        "SELECT m.key, a.status FROM assignment a JOIN milestone m ON m.id = a.milestone_id "
        "WHERE a.status <> 'pending'",
    ) == [("plan_issued", "submitted")]


def test_a_secret_in_a_refused_config_is_never_printed(refusing: Shared, tmp_path: Path) -> None:
    secret = "mailtos://bantochuc:MatKhau123@smtp.example.vn"
    cases = {
        "admin_contacts [list_type]": {"admin_contacts": secret},
        "admin_contacts[0] [invalid_contact]": {"admin_contacts": [secret.replace("mailtos", "nosuch")]},
        "working_groups[0].contacts [list_type]": {
            "working_groups": [{"name": "tct-1", "units": ["XA-ANPHU"], "contacts": secret}]
        },
        "timezone [unknown_timezone]": {"timezone": secret},
    }
    before = table_rows(refusing.url)
    for named, changes in cases.items():
        for output in ("table", "json"):
            config = config_file(tmp_path, **changes)
            ran = refusing.kiemdiem("campaign", "launch", config, "--at", AT, "--format", output)
            assert ran.exit_code == 2, ran.stdout
            field, rule = named.split()
            assert field in ran.stderr and rule.strip("[]") in ran.stderr, ran.stderr
            assert "MatKhau123" not in ran.stdout + ran.stderr
    assert table_rows(refusing.url) == before


def test_a_working_group_of_the_campaign_launches(kiemdiem, district, env, tmp_path: Path) -> None:
    group = {"name": "tct-1", "units": ["XA-ANPHU"], "contacts": ["secretary=mailto://tct1@cuchi.example.vn"]}
    ran = kiemdiem("campaign", "launch", config_file(tmp_path, working_groups=[group]), "--at", AT)
    assert ran.exit_code == 0, ran.stderr
    assert rows(env, "SELECT key FROM campaign") == [("cuchi-2026",)]
