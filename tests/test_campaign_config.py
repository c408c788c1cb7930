"""The campaign config's own rules, without a database: unknown keys, bounds, strict numbers, contact URLs that
are checked and never quoted back, milestones in dependency order, YAML aliases."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest
import yaml

from models.campaign_config import parse_campaign_config
from models.errors import InputError, Problem
from models.validation_messages import field_path, shown
from tests.conftest import CAPTURED, SECRETS
from tests.test_campaign_launch import CONFIG

LEVELS = ("province", "district", "commune", "bloc", "grassroots", "branch")
SECRET = "MatKhau123"
MAIL = f"mailtos://bantochuc:{SECRET}@smtp.example.vn/?to=btc@example.vn"
GROUP = {"name": "to-cong-tac-1", "units": ["XA-ANPHU"], "contacts": ["mailto://tct1@cuchi.example.vn"]}


def base(**changes: Any) -> dict[str, Any]:
    data = yaml.safe_load(CONFIG)
    data.update(copy.deepcopy(changes))
    return data


def refused(raw: Any) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        parse_campaign_config(raw, LEVELS)
    return caught.value.problems


def one(raw: Any) -> Problem:
    problems = refused(raw)
    assert len(problems) == 1, problems
    return problems[0]


def text_of(problems: list[Problem]) -> str:
    """Everything a person could be shown: the rendered lines and the JSON of --format json and the API."""
    return "\n".join(p.render() for p in problems) + json.dumps([p.as_dict() for p in problems], ensure_ascii=False)


def test_the_spec_config_is_accepted() -> None:
    config = parse_campaign_config(base(), LEVELS)
    assert config.reminders.before_days == [1, 3, 7]
    assert str(config.reminders.send_at) == "07:30:00"


def test_the_api_form_with_dates_as_text_is_accepted() -> None:
    raw = json.loads(json.dumps(base(), default=str))
    assert parse_campaign_config(raw, LEVELS).launch.isoformat() == "2026-11-23"


# ---- unknown keys, at every level, with the nearest valid name ----------------------------------------------


def misspelled(where: str, wrong: str) -> dict[str, Any]:
    data = base(working_groups=[GROUP], delivery={"max_attempts": 3})
    target = {
        "": data,
        "reminders": data["reminders"],
        "milestones[1]": data["milestones"][1],
        "delivery": data["delivery"],
        "working_groups[0]": data["working_groups"][0],
    }[where]
    target[wrong] = target.get(wrong, 1)
    return data


@pytest.mark.parametrize(
    ("where", "wrong", "field", "nearest"),
    [
        ("", "remindres", "remindres", "reminders"),
        ("", "timezon", "timezon", "timezone"),
        ("", "admin_contact", "admin_contact", "admin_contacts"),
        ("reminders", "before_day", "reminders.before_day", "before_days"),
        ("reminders", "quiet_hour", "reminders.quiet_hour", "quiet_hours"),
        ("milestones[1]", "after_child", "milestones[1].after_child", "after_children"),
        ("delivery", "max_attempt", "delivery.max_attempt", "max_attempts"),
        ("working_groups[0]", "contact", "working_groups[0].contact", "contacts"),
    ],
)
def test_a_misspelled_key_is_refused_with_the_nearest_name(where: str, wrong: str, field: str, nearest: str) -> None:
    problem = one(misspelled(where, wrong))
    assert (problem.rule, problem.field) == ("unknown_field", field)
    assert f"did you mean `{nearest}`?" in problem.en and f"«{nearest}»" in problem.vi


def test_an_unknown_key_with_nothing_near_lists_the_fields() -> None:
    problem = one(base(reminders={"zzzz": 1}))
    assert problem.field == "reminders.zzzz" and "before_days" in problem.en and "send_at" in problem.en


def test_keys_yaml_did_not_read_as_text_are_refused() -> None:
    problems = refused(yaml.safe_load(CONFIG + "2026: x\nyes: 1\n"))
    assert [p.rule for p in problems] == ["invalid_key", "invalid_key"]
    assert "put the key in quotes" in problems[0].en


# ---- secrets: a contact URL is never quoted back -------------------------------------------------------------

SECRET_CASES = [
    pytest.param({"admin_contacts": MAIL}, "admin_contacts", "list_type", id="admin-contacts-a-string"),
    pytest.param({"admin_contacts": [{"url": MAIL}]}, "admin_contacts[0]", "string_type", id="admin-contact-a-map"),
    pytest.param({"admin_contacts": [f"nosuch://a:{SECRET}@h"]}, "admin_contacts[0]", "invalid_contact", id="scheme"),
    pytest.param({"admin_contacts": [f"a:{SECRET}@smtp.example"]}, "admin_contacts[0]", "invalid_contact", id="bare"),
    pytest.param({"admin_contacts": [f"mailtos://a:{SECRET}@"]}, "admin_contacts[0]", "invalid_contact", id="no-host"),
    pytest.param({"admin_contacts": [MAIL + " x"]}, "admin_contacts[0]", "invalid_contact", id="space"),
    pytest.param({"admin_contacts": [MAIL + "x" * 3000]}, "admin_contacts[0]", "string_too_long", id="long"),
    pytest.param({"admin_contacts": [MAIL] * 60}, "admin_contacts", "too_long", id="too-many"),
    pytest.param(
        {"working_groups": [{**GROUP, "contacts": MAIL}]}, "working_groups[0].contacts", "list_type", id="wg-a-string"
    ),
    pytest.param(
        {"working_groups": [{**GROUP, "contacts": [f"secretary=nosuch://x:{SECRET}@h"]}]},
        "working_groups[0].contacts[0]",
        "invalid_contact",
        id="wg-tagged-bad-scheme",
    ),
    pytest.param({"timezone": MAIL[:60]}, "timezone", "unknown_timezone", id="timezone-a-url"),
    pytest.param({"timezone": SECRET}, "timezone", "unknown_timezone", id="timezone-a-word"),
    pytest.param({"timezone": MAIL}, "timezone", "string_too_long", id="timezone-too-long"),
    pytest.param({"plan_number": ["x", MAIL]}, "plan_number", "string_type", id="nested-elsewhere"),
    pytest.param({"title": MAIL}, None, None, id="a-url-as-title-is-fine"),
    pytest.param({"routing": {MAIL: ["secretary"]}}, "routing.…", "unknown_notice_kind", id="routing-key"),
    pytest.param({"routing": {"escalation": [MAIL]}}, "routing.escalation[0]", "string_pattern_mismatch", id="tag"),
    pytest.param({MAIL: 1}, "…", "unknown_field", id="unknown-key-a-url"),
    pytest.param({"launch": MAIL}, "launch", "date_from_datetime_parsing", id="date"),
]


@pytest.mark.parametrize(("changes", "field", "rule"), SECRET_CASES)
def test_no_message_quotes_a_secret(changes: dict[str, Any], field: str | None, rule: str | None) -> None:
    logged = len(CAPTURED)
    raw = base(**changes)
    if rule is None:
        assert SECRET in parse_campaign_config(raw, LEVELS).title
        return
    problems = refused(raw)
    assert (field, rule) in [(p.field, p.rule) for p in problems], problems
    assert not any(secret in text_of(problems) for secret in SECRETS), text_of(problems)
    assert not [line for line in CAPTURED[logged:] if SECRET in line]  # Apprise logs URLs it cannot parse


def test_a_refused_contact_is_shown_redacted() -> None:
    problem = one(base(admin_contacts=["mailto://a@b.vn", f"nosuch://adm:{SECRET}@h/x"]))
    assert problem.field == "admin_contacts[1]" and "shown redacted: nosuch://***" in problem.en
    problems = refused(base(admin_contacts=[f"adm:{SECRET}@smtp.example.vn", f"mailtos://adm:{SECRET}@"]))
    assert ["shown redacted: ***" in problems[0].en, "mailtos://***@" in problems[1].en] == [True, True]


@pytest.mark.parametrize(
    "contact",
    [
        "mailto://bantochuc@cuchi.example.vn",
        MAIL,
        "secretary,office=mailto://a@b.vn",
        "json://127.0.0.1:9/admin",
        "tgram://123456:TokenBiMat987/4242",
        "zalo://TOKEN1234@1234567",
    ],
)
def test_apprise_urls_are_accepted(contact: str) -> None:
    config = parse_campaign_config(
        base(admin_contacts=[contact], working_groups=[{**GROUP, "contacts": [contact]}]), LEVELS
    )
    assert config.admin_contacts == [contact]


# ---- numbers: strict and bounded -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "changes", "field", "rule"),
    [
        ("reminders", {"before_days": [100000000]}, "reminders.before_days[0]", "less_than_equal"),
        ("reminders", {"before_days": [7, 0]}, "reminders.before_days[1]", "greater_than_equal"),
        ("reminders", {"before_days": [True]}, "reminders.before_days[0]", "int_type"),
        ("reminders", {"before_days": [7.0]}, "reminders.before_days[0]", "int_type"),
        ("reminders", {"before_days": ["7"]}, "reminders.before_days[0]", "int_type"),
        ("reminders", {"before_days": list(range(1, 400))}, "reminders.before_days", "too_long"),
        ("reminders", {"overdue_days": [10**300]}, "reminders.overdue_days[0]", "less_than_equal"),
        ("reminders", {"overdue_days": [-1]}, "reminders.overdue_days[0]", "greater_than_equal"),
        ("reminders", {"escalate_after_days": 100000}, "reminders.escalate_after_days", "less_than_equal"),
        ("reminders", {"escalate_after_days": True}, "reminders.escalate_after_days", "int_type"),
        ("reminders", {"catch_up_after_hours": 2**63}, "reminders.catch_up_after_hours", "less_than_equal"),
        ("reminders", {"skip_non_working_days": 1}, "reminders.skip_non_working_days", "bool_type"),
        ("reminders", {"send_at": 450}, "reminders.send_at", "time_not_text"),
        ("reminders", {"send_at": "07:30+07:00"}, "reminders.send_at", "time_with_offset"),
        ("reminders", {"quiet_hours": [1260, 420]}, "reminders.quiet_hours[0]", "time_not_text"),
        ("delivery", {"backoff_minutes": 10**12}, "delivery.backoff_minutes", "less_than_equal"),
        ("delivery", {"max_attempts": True}, "delivery.max_attempts", "int_type"),
        ("", {"year": True}, "year", "int_type"),
        ("", {"year": "2026"}, "year", "int_type"),
    ],
)
def test_numbers_are_strict_and_bounded(section: str, changes: dict[str, Any], field: str, rule: str) -> None:
    raw = base()
    (raw.setdefault(section, {}) if section else raw).update(changes)
    problems = refused(raw)
    assert (field, rule) in [(p.field, p.rule) for p in problems], problems


def test_an_unquoted_time_says_to_quote_it() -> None:
    """YAML 1.1 reads 21:00 as the number 1260 (base 60), which pydantic would take as 00:21:00."""
    problem = one(yaml.safe_load(CONFIG.replace('["21:00", "07:00"]', "[21:00, 07:00]")))
    assert (problem.field, problem.rule) == ("reminders.quiet_hours[0]", "time_not_text")
    assert '"21:00"' in problem.en and '"21:00"' in problem.vi


def test_a_huge_number_is_not_quoted() -> None:
    problem = one(base(reminders={"overdue_days": [10**300]}))
    assert "1000000" not in problem.render()


# ---- milestones, dates, timezone, routing, working groups ----------------------------------------------------


def steps(*rows: tuple[str, str, str | None]) -> list[dict[str, Any]]:
    return [
        {"key": key, "deadline": deadline, **({"after_children": after} if after else {})}
        for key, deadline, after in rows
    ]


@pytest.mark.parametrize(
    ("milestones", "field", "rule"),
    [
        (
            steps(("district_review", "2026-12-25", "grassroots_review"), ("grassroots_review", "2026-12-10", None)),
            "milestones[0].after_children",
            "milestone_order",
        ),
        (
            steps(("a", "2026-12-10", "b"), ("b", "2026-12-10", "a")),
            "milestones[0].after_children",
            "milestone_order",
        ),
        (
            steps(("grassroots_review", "2026-12-20", None), ("district_review", "2026-12-15", "grassroots_review")),
            "milestones[1].deadline",
            "deadline_order",
        ),
        (steps(("a", "2026-12-10", "a")), "milestones[0].after_children", "unknown_milestone"),
        (steps(("a", "2030-01-01", None)), "milestones[0].deadline", "deadline_too_late"),
        (steps(("a", "2026-12-10", None), ("a", "2026-12-11", None)), "milestones[1].key", "duplicate_milestone"),
        (
            [{"key": "a", "deadline": "2026-12-10", "levels": ["branch", "ward"]}],
            "milestones[0].levels[1]",
            "unknown_level",
        ),
        (
            [{"key": "a", "deadline": "2026-12-10", "after_children": "x" * 100}],
            "milestones[0].after_children",
            "string_pattern_mismatch",
        ),
        (
            [{"key": "a", "deadline": "2026-12-10", "complete_at_launch": 1}],
            "milestones[0].complete_at_launch",
            "bool_type",
        ),
        ([{"key": "a", "deadline": "2026-12-10"}] * 101, "milestones", "too_long"),
    ],
)
def test_milestones_in_order(milestones: list[dict[str, Any]], field: str, rule: str) -> None:
    problems = refused(base(milestones=json.loads(json.dumps(milestones))))
    assert (field, rule) in [(p.field, p.rule) for p in problems], problems


def test_a_chain_of_dependencies_in_order_is_accepted() -> None:
    chain = steps(("a", "2026-12-10", None), ("b", "2026-12-10", "a"), ("c", "2026-12-31", "b"))
    assert [m.key for m in parse_campaign_config(base(milestones=chain), LEVELS).milestones] == ["a", "b", "c"]


def test_a_launch_far_from_the_year_is_refused() -> None:
    problems = refused(base(launch="9999-12-31"))
    assert ("launch", "launch_outside_year") in [(p.field, p.rule) for p in problems]


def test_an_unknown_timezone_is_named_with_the_nearest_zone() -> None:
    problem = one(base(timezone="Asia/Ho_Chi_Minhh"))
    assert "'Asia/Ho_Chi_Minhh'" in problem.en and "did you mean Asia/Ho_Chi_Minh?" in problem.en


def test_routing_names_notice_kinds_and_tags() -> None:
    problem = one(base(routing={"escalaton": ["secretary"]}))
    assert (problem.field, problem.rule) == ("routing.escalaton", "unknown_notice_kind")
    assert "did you mean `escalation`?" in problem.en
    accepted = base(routing={"escalation": ["secretary"], "reminder": ["office"], "deadline_changed": ["office"]})
    assert parse_campaign_config(accepted, LEVELS).routing["reminder"] == ["office"]
    problem = one(base(routing={"escalation": ["secretary,office"]}))
    assert (problem.field, problem.rule) == ("routing.escalation[0]", "string_pattern_mismatch")


def test_working_groups_need_distinct_names_and_units() -> None:
    problem = one(base(working_groups=[GROUP, copy.deepcopy(GROUP)]))
    assert (problem.field, problem.rule) == ("working_groups[1].name", "duplicate_working_group")
    problem = one(base(working_groups=[{**GROUP, "units": []}]))
    assert (problem.field, problem.rule) == ("working_groups[0].units", "too_short")


# ---- shape: aliases, size, many problems ---------------------------------------------------------------------

BOMB = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    raw = yaml.safe_load(BOMB + CONFIG.replace("milestones:\n", "steps:\n") + "milestones: *i\n")
    started = time.monotonic()
    problem = one(raw)
    assert problem.rule == "yaml_alias" and problem.field and time.monotonic() - started < 1


def test_a_shared_anchor_is_refused_too() -> None:
    text = CONFIG.replace("levels: [branch, grassroots]", "levels: &lv [branch, grassroots]").replace(
        "levels: [district]", "levels: *lv"
    )
    problem = one(yaml.safe_load(text))
    assert (problem.rule, problem.field) == ("yaml_alias", "milestones[1].levels")


def test_a_config_of_too_many_values_is_refused() -> None:
    problem = one(base(milestones=[{"key": f"m{i}", "deadline": "2026-12-10"} for i in range(40_000)]))
    assert problem.rule == "too_large"


def test_problems_are_capped() -> None:
    problems = refused(base(reminders={"before_days": ["x"] * 300}))
    assert len(problems) == 51 and problems[-1].rule == "more_problems" and "250" in problems[-1].en


def test_not_a_mapping() -> None:
    assert one(["a", "list"]).rule == "not_a_mapping"


# ---- the message helpers -------------------------------------------------------------------------------------


def test_field_paths_show_plain_names_only() -> None:
    assert field_path(("milestones", 2, "deadline")) == "milestones[2].deadline"
    assert field_path(("routing", MAIL)) == "routing.…"
    assert field_path(("x\ny",)) == "…"


@pytest.mark.parametrize(
    ("loc", "given", "quoted"),
    [
        (("launch",), "23/11/2026", "'23/11/2026'"),
        (("year",), True, "True"),
        (("year",), 10**30, ""),
        (("title",), "x" * 65, ""),
        (("timezone",), MAIL[:40], ""),
        (("timezone",), "a@b", ""),
        (("admin_contacts", 0), "plain", ""),
        (("working_groups", 0, "contacts"), "plain", ""),
        (("title",), "a\x1bb", ""),
        (("levels",), ["x"], ""),
    ],
)
def test_what_is_quoted_back(loc: tuple[int | str, ...], given: Any, quoted: str) -> None:
    assert shown(loc, given) == quoted


@pytest.mark.parametrize("given", [10**5000, -(10**5000), 2**80, 10**24], ids=["10^5000", "-10^5000", "2^80", "10^24"])
def test_a_huge_integer_is_not_quoted_back(given: int) -> None:
    """Python's repr() refuses an integer of more than 4,300 digits (ValueError): such a number is left out."""
    assert shown(("year",), given) == ""


def test_a_huge_integer_in_a_config_is_refused_without_quoting_it() -> None:
    problem = one(base(year=10**5000))
    assert (problem.field, problem.rule) == ("year", "less_than_equal")
    assert "0000" not in problem.render()
