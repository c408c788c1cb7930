"""The set-based sweep (issue 15, item 4) writes exactly the notices the deadline rules decide unit by unit, in
small batches of whole subtrees and single units, on SQLite and PostgreSQL: the province example with tracks,
exempt and submitted units, a working group, escalations to the parent, catch-ups after a long gap, and units whose
codes need escaping in JSON; a second sweep at the same instant adds nothing.

The reference below decides each open assignment on its own with models.schedule.decide, and builds each outbox
row's key, recipients and details in Python.

The tree is the province example cut down (small_province: 72 of its 1,883 units, each shape of subtree under each
kept committee), swept in batches of at most 6 units: each of the 367 combinations of (sweep, milestone, kind, days,
status, recipients, working group, details, missing children, level, track, awkward code) that the whole province
gives in the reference's rows, it gives too (checked when the tree was cut), in a tenth of the time."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from models.campaign_config import CampaignConfig, parse_campaign_config
from models.enums import NoticeKind
from models.outbox_keys import notice_key
from models.schedule import decide
from models.tables import Assignment, Milestone, OrgUnit, OutboxEntry
from service.access import Actor
from service.bootstrap import App, build_app
from service.campaigns import launch_config
from service.settings import Settings
from service.sweeps import batches, context, sweep_one
from service.units import import_tree
from tests.test_launch_rows import NOW, ODD_CODES, TRACKS, province_config, tree_with_odd_codes

GROUP = {"name": "tct-1", "units": ["PH-DONGHOI", ODD_CODES[0]], "contacts": ["json://127.0.0.1:9/tct"]}
SWEEPS = [  # the plan step's reminders; its escalations; the reviews' reminders; everything late, a month unswept
    "2026-11-27T08:00:00+07:00",
    "2026-12-04T08:00:00+07:00",
    "2026-12-08T08:00:00+07:00",
    "2027-01-20T09:00:00+07:00",
]
# The committees kept under the province: those the tracks, the working group and the exempt and submitted units
# name, a commune on no unit's track (PH-BADON), and (below) the grassroots organization directly under the province.
KEPT = ("PH-DONGHOI", "PH-DONGTHUAN", "PH-DONGSON", "PH-BADON", "DU-QUANSUTINH", "DU-CONGANTINH")
BATCH_UNITS = 6  # a kept committee's subtree is larger: it is swept alone, its grassroots organizations in batches


def small_province(folder: Path) -> Path:
    """The province example (with its awkward codes) cut down: the province; the committees KEPT, each with its first
    two grassroots organizations, its first with branches and its first without, and the awkward codes, all with
    their branches; and the units directly under the province that have none below them."""
    with tree_with_odd_codes(folder).open(encoding="utf-8") as source:
        header, *rows = list(csv.reader(source))
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent, *_rest in rows:
        children[parent].append(code)
    (root,) = children[""]
    keep = {root, *(code for code in children[root] if not children[code])}
    for committee in KEPT:
        plain = [c for c in children[committee] if c not in ODD_CODES]
        with_branches = [c for c in plain if children[c]][:1]
        without = [c for c in plain if not children[c]][:1]
        kept = {committee, *plain[:2], *with_branches, *without, *(c for c in children[committee] if c in ODD_CODES)}
        keep |= kept | {branch for unit in kept - {committee} for branch in children[unit]}
    path = folder / "small.csv"
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows([header, *(row for row in rows if row[0] in keep)])
    return path


def app_with_small_tree(url: str, folder: Path) -> App:
    app = build_app(Settings(home=folder / "home", database_url=url))
    import_tree(app, small_province(folder), NOW, "test", allow_many_roots=False)
    return app


def state(app: App) -> list[dict[str, Any]]:
    """Every open assignment with what the rules and the rows need of it, before a sweep."""
    parent = aliased(OrgUnit)
    with app.unit_of_work() as session:
        rows = session.execute(
            select(Assignment, Milestone.key, Milestone.after_children, OrgUnit.code, OrgUnit.path, parent.code)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
            .outerjoin(parent, parent.id == OrgUnit.parent_id)
            .where(Assignment.status.in_(["pending", "in_progress", "returned"]))
        ).all()
        paths = dict(session.execute(select(OrgUnit.code, OrgUnit.path)).tuples().all())
    return [
        {
            "assignment": a.id,
            "milestone": key,
            "after_children": after,
            "code": code,
            "path": path,
            "parent": parent_code,
            "due_before": a.due_before,
            "mark": a.notified_through,
            "group_paths": [paths[c] for c in GROUP["units"]],
        }
        for a, key, after, code, path, parent_code in rows
    ]


def reference(config: CampaignConfig, launched: pendulum.DateTime, open_: list[dict[str, Any]], now: Any) -> Any:
    """The outbox rows and watermarks the rules decide for each open assignment on its own."""
    rows, marks = {}, {}
    for a in open_:
        decision = decide(a["due_before"], a["mark"], config.reminders, config.timezone, launched, now)
        marks[a["assignment"]] = decision.watermark
        groups = [f"working_group:{GROUP['name']}" for p in a["group_paths"] if a["path"].startswith(p)]
        for notice in decision.notices:
            if notice.kind == NoticeKind.ESCALATION:
                recipients = [a["parent"] or "", *groups]
            elif notice.escalate:
                recipients = [a["code"], *([a["parent"]] if a["parent"] else []), *groups]
            else:
                recipients = [a["code"]]
            key = notice_key(config.key, a["code"], a["milestone"], notice.kind.value, notice.occurrence)
            details = {"replaces": list(notice.replaces)} if notice.replaces else {}
            rows[key] = (
                a["assignment"],
                notice.kind.value,
                notice.days,
                recipients,
                "skipped" if notice.skipped else "pending",
                notice.deliver_after,
                details,
                bool(a["after_children"]) and not notice.skipped,
            )
    return rows, marks


def swept(app: App, before: set[int]) -> tuple[dict[str, Any], dict[int, Any]]:
    with app.unit_of_work() as session:
        new = session.scalars(select(OutboxEntry).where(OutboxEntry.id.not_in(before))).all()
        rows = {
            o.key: (
                o.assignment_id,
                o.kind,
                o.days,
                o.recipients,
                o.status,
                o.deliver_after,
                {k: v for k, v in o.details.items() if k != "missing_children"},
                "missing_children" in o.details,
            )
            for o in new
        }
        marks = dict(session.execute(select(Assignment.id, Assignment.notified_through)).tuples().all())
    return rows, marks


def outbox_ids(app: App) -> set[int]:
    with app.unit_of_work() as session:
        return set(session.scalars(select(OutboxEntry.id)))


def test_a_sweep_in_small_batches_writes_what_the_rules_decide_unit_by_unit(database_url: str, tmp_path: Path) -> None:
    app = app_with_small_tree(database_url, tmp_path)
    config = parse_campaign_config(province_config(tracks=TRACKS, working_groups=[GROUP]), app.settings.levels)
    launch_config(app, Actor.operator("test"), config, NOW)
    with app.unit_of_work() as session:  # a few units exempt, a few done: neither is reminded
        for status, codes in {"exempt": ["PH-DONGSON", ODD_CODES[2]], "submitted": ["PH-DONGTHUAN"]}.items():
            units = select(OrgUnit.id).where(OrgUnit.code.in_(codes))
            session.execute(update(Assignment).where(Assignment.unit_id.in_(units)).values(status=status))
    campaign = context(app, config.key)
    planned = batches(app, campaign, max_units=BATCH_UNITS)
    assert any(b.singles for b in planned) and any(b.prefixes for b in planned) and len(planned) > 10
    kinds: set[str] = set()
    for at in SWEEPS:
        now = pendulum.parse(at).in_timezone("UTC")  # type: ignore[union-attr]
        open_ = state(app)
        want_rows, want_marks = reference(config, campaign.launched_at, open_, now)
        before = outbox_ids(app)
        for batch in planned:
            sweep_one(app, campaign, batch, now)
        rows, marks = swept(app, before)
        assert rows == want_rows, at
        assert {a: marks[a] for a in want_marks} == want_marks, at
        kinds |= {row[1] for row in rows.values()}
        after = outbox_ids(app)
        for batch in planned:  # again at the same instant: nothing new
            sweep_one(app, campaign, batch, now)
        assert outbox_ids(app) == after
    assert {"reminder", "overdue", "escalation", "catch_up"} <= kinds


def test_missing_children_are_listed_in_a_parents_notice(database_url: str, tmp_path: Path) -> None:
    """A commune's review waits on its grassroots organizations: its notice names those still open, as the
    per-unit rule does (every child with an open grassroots_review assignment)."""
    app = app_with_small_tree(database_url, tmp_path)
    config = parse_campaign_config(province_config(), app.settings.levels)
    launch_config(app, Actor.operator("test"), config, NOW)
    campaign = context(app, config.key)
    now = pendulum.parse("2026-12-24T08:00:00+07:00").in_timezone("UTC")  # type: ignore[union-attr]
    for batch in batches(app, campaign, max_units=BATCH_UNITS):  # parents and children in different batches
        sweep_one(app, campaign, batch, now)
    with app.unit_of_work() as session:
        open_children: dict[str, list[str]] = defaultdict(list)
        child, parent = aliased(OrgUnit), aliased(OrgUnit)
        for parent_code, code in session.execute(
            select(parent.code, child.code)
            .join(child, child.parent_id == parent.id)
            .join(Assignment, Assignment.unit_id == child.id)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .where(Milestone.key == "grassroots_review", Assignment.status == "pending")
        ).tuples():
            open_children[parent_code].append(code)
        notices = session.execute(
            select(OrgUnit.code, OutboxEntry.details)
            .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
            .join(Milestone, Milestone.id == OutboxEntry.milestone_id)
            .where(Milestone.key == "commune_review", OutboxEntry.status == "pending")
        ).all()
    # every committee kept but the army's, whose track (in the shipped template) moves its deadline to 15 January
    assert sorted(code for code, _details in notices) == sorted(set(KEPT) - {"DU-QUANSUTINH"})
    for code, details in notices:
        assert details["missing_children"] and sorted(details["missing_children"]) == sorted(open_children[code]), code
