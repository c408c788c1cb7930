"""The set-based launch (issue 15, item 4) writes exactly the rows the per-unit launch wrote: every assignment and
plan notice, in the same order, with the same tracks, deadlines and recipients, on SQLite and PostgreSQL.

The reference below is the previous launch's logic, unit by unit in Python over the ORM-loaded tree; the province
example gets three tracks (by units, by units and levels, by levels alone), the plan step done at launch, the root
and below-root scopes, and units whose codes need escaping in JSON (a quote, a backslash, Vietnamese letters) or
sort differently by case."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pendulum
import pytest
import yaml
from sqlalchemy import select

from models.campaign_config import CampaignConfig, parse_campaign_config
from models.errors import InputError
from models.outbox_keys import notice_key
from models.tables import Assignment, AuditEntry, Milestone, OrgUnit, OutboxEntry
from service.access import Actor
from service.bootstrap import App, build_app
from service.campaigns import launch_config
from service.settings import Settings
from service.units import import_tree
from tests.conftest import EXAMPLES, ROOT

NOW = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
ODD_CODES = ['CB-"q"\\x', "cb-ấp-đông", "Cb-B", "cB-a"]  # JSON escapes, non-ASCII, case-sensitive order
TRACKS = [
    {
        "name": "special_function",
        "title": "Quân sự",
        "units": ["DU-QUANSUTINH"],
        "deadlines": {"grassroots_review": "2027-01-10", "commune_review": "2027-01-15"},
    },
    {
        "name": "police_branches",
        "title": "Chi bộ Công an",
        "units": ["DU-CONGANTINH", "PH-DONGHOI"],
        "levels": ["branch"],
        "deadlines": {"grassroots_review": "2027-01-05"},
    },
    {"name": "communes", "title": "Xã", "levels": ["commune"], "deadlines": {"commune_review": "2027-01-12"}},
]


def tree_with_odd_codes(folder: Path) -> Path:
    """The province example, with a few units under Đồng Hới whose codes are awkward."""
    path = folder / "tree.csv"
    with (EXAMPLES / "province.csv").open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as target:
        rows = list(csv.reader(source))
        writer = csv.writer(target)
        writer.writerows(rows)
        parent = "PH-DONGHOI"
        for index, code in enumerate(ODD_CODES):
            writer.writerow([code, parent, f"Chi bộ {index}", "grassroots" if index < 2 else "branch", 10, ""])
            parent = ODD_CODES[0] if index == 1 else parent
    return path


def province_config(**changes: Any) -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "deploy" / "campaign.province.yaml").read_text(encoding="utf-8"))
    return {**raw, **changes}


def app_with_tree(url: str, folder: Path) -> App:
    app = build_app(Settings(home=folder / "home", database_url=url))
    import_tree(app, tree_with_odd_codes(folder), NOW, "test", allow_many_roots=False)
    return app


# The reference: the previous launch, unit by unit.


def reference(app: App, config: CampaignConfig) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    with app.unit_of_work() as session:
        root = session.scalars(select(OrgUnit).where(OrgUnit.code == config.root)).one()
        units = list(
            session.scalars(
                select(OrgUnit).where(OrgUnit.path.startswith(root.path)).order_by(OrgUnit.depth, OrgUnit.code)
            )
        )
        ids = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).tuples().all())
    listed = [{str(ids[code]) for code in track.units} for track in config.tracks]
    on_track = {}
    for unit in units:
        ancestors = set(unit.path.strip("/").split("/"))
        mine = [
            index
            for index, track in enumerate(config.tracks)
            if (not track.units or ancestors & listed[index]) and (track.levels is None or unit.level in track.levels)
        ]
        if mine:
            on_track[unit.code] = config.tracks[mine[0]]
    assignments = []
    for spec in config.milestones:
        for unit in units:
            if (spec.scope == "root" and unit.id != root.id) or (spec.scope == "below_root" and unit.id == root.id):
                continue
            if spec.levels is not None and unit.level not in spec.levels:
                continue
            track = on_track.get(unit.code)
            own = track.deadlines.get(spec.key) if track is not None else None
            done = spec.complete_at_launch
            assignments.append(
                (
                    spec.key,
                    unit.code,
                    "submitted" if done else "pending",
                    config.due_before(own or spec.deadline),
                    track.name if track is not None else None,
                    NOW if done else None,
                    True if done else None,
                    NOW,
                    None,
                    None,
                    None,
                )
            )
    day = config.launch
    scheduled = pendulum.datetime(day.year, day.month, day.day, 7, 30, tz=config.timezone)
    notices = [
        (
            notice_key(config.key, unit.code, None, "plan_issued", day.isoformat()),
            unit.code,
            None,
            None,
            "plan_issued",
            0,
            [unit.code],
            "pending",
            NOW,
            max(scheduled, NOW),
            0,
            {},
        )
        for unit in units
        if unit.id != root.id
    ]
    per_level = dict(Counter(u.level for u in units))
    tracks = dict(Counter(t.name for t in on_track.values()))
    summary = {"units": len(units), "units_per_level": list(per_level.items()), "tracks": list(tracks.items())}
    return assignments, notices, summary


def written(app: App) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[str, Any]]:
    """What the launch wrote, in insertion (id) order."""
    with app.unit_of_work() as session:
        codes = dict(session.execute(select(OrgUnit.id, OrgUnit.code)).tuples().all())
        keys = dict(session.execute(select(Milestone.id, Milestone.key)).tuples().all())
        assignments = [
            (
                keys[a.milestone_id],
                codes[a.unit_id],
                a.status,
                a.due_before,
                a.track,
                a.submitted_at,
                a.on_time,
                a.updated_at,
                a.started_at,
                a.accepted_at,
                a.notified_through,
            )
            for a in session.scalars(select(Assignment).order_by(Assignment.id))
        ]
        notices = [
            (
                o.key,
                codes[o.unit_id],
                o.milestone_id,
                o.assignment_id,
                o.kind,
                o.days,
                o.recipients,
                o.status,
                o.created_at,
                o.deliver_after,
                o.attempts,
                o.details,
            )
            for o in session.scalars(select(OutboxEntry).order_by(OutboxEntry.id))
        ]
        [details] = session.scalars(select(AuditEntry.details).where(AuditEntry.action == "campaign.launch"))
    return assignments, notices, details


def test_the_set_based_launch_writes_the_rows_of_the_per_unit_launch(database_url: str, tmp_path: Path) -> None:
    app = app_with_tree(database_url, tmp_path)
    config = parse_campaign_config(province_config(tracks=TRACKS), app.settings.levels)
    summary = launch_config(app, Actor.operator("test"), config, NOW)
    assignments, notices, details = written(app)
    want_assignments, want_notices, want = reference(app, config)
    assert assignments == want_assignments
    assert notices == want_notices
    assert summary.units == want["units"] == 1879 + len(ODD_CODES)
    assert list(summary.units_per_level.items()) == want["units_per_level"]
    assert list(summary.tracks.items()) == want["tracks"]
    assert {name for name, _ in want["tracks"]} == {t["name"] for t in TRACKS}  # every track holds units
    assert summary.notices == len(want_notices)
    assert summary.assignments == dict(Counter(row[0] for row in want_assignments)) | {
        key: 0 for key in summary.empty_milestones
    }
    assert details == {"units": summary.units, "assignments": summary.assignments, "tracks": summary.tracks}
    assert ['CB-"q"\\x'] in [row[6] for row in notices]


def test_a_launch_under_a_commune_writes_only_its_subtree(database_url: str, tmp_path: Path) -> None:
    """A campaign whose root is deep in the tree: its range of paths, and a neighbour whose path shares the digits
    (/1/5/ and /1/50/) left out."""
    app = app_with_tree(database_url, tmp_path)
    milestones = [
        {"key": "grassroots_review", "levels": ["grassroots", "branch"], "deadline": "2026-12-15"},
        {"key": "own", "scope": "root", "deadline": "2026-12-20"},
    ]
    odd = {"name": "odd", "title": "O", "units": [ODD_CODES[0]], "deadlines": {"grassroots_review": "2027-01-05"}}
    changes = {"key": "donghoi-2026", "root": "PH-DONGHOI", "milestones": milestones, "tracks": [odd]}
    config = parse_campaign_config(province_config(**changes), app.settings.levels)
    summary = launch_config(app, Actor.operator("test"), config, NOW)
    assignments, notices, _ = written(app)
    want_assignments, want_notices, want = reference(app, config)
    assert (assignments, notices) == (want_assignments, want_notices)
    assert summary.units == want["units"] and list(summary.tracks.items()) == want["tracks"] == [("odd", 3)]
    assert summary.assignments["own"] == 1 and len(notices) == summary.units - 1 > len(ODD_CODES)


def test_units_on_two_tracks_are_named_as_before_and_nothing_is_written(database_url: str, tmp_path: Path) -> None:
    """Four tracks, four pairs that overlap: each pair counted, its first three units in tree order, the pairs in
    the order of their first unit."""
    app = app_with_tree(database_url, tmp_path)
    tracks = [
        {"name": "a", "title": "A", "units": ["PH-DONGHOI"], "deadlines": {"grassroots_review": "2027-01-05"}},
        {"name": "b", "title": "B", "levels": ["branch"], "deadlines": {"grassroots_review": "2027-01-06"}},
        {"name": "c", "title": "C", "units": ["DU-CONGANTINH"], "deadlines": {"grassroots_review": "2027-01-07"}},
        {"name": "d", "title": "D", "levels": ["bloc", "grassroots"], "deadlines": {"grassroots_review": "2027-01-08"}},
    ]
    config = parse_campaign_config(province_config(tracks=tracks), app.settings.levels)
    with pytest.raises(InputError) as refused:
        launch_config(app, Actor.operator("test"), config, NOW)
    found = [(p.rule, p.field, p.en) for p in refused.value.problems]
    with app.unit_of_work() as session:
        expected = expected_two_tracks(session, config)
        assert session.scalar(select(Assignment.id).limit(1)) is None
        assert session.scalar(select(OutboxEntry.id).limit(1)) is None
    assert found == expected and len(found) == 4
    assert all(rule == "unit_in_two_tracks" for rule, _, _ in found)
    assert any("…" in en for _, _, en in found)


def expected_two_tracks(session: Any, config: CampaignConfig) -> list[tuple[str, str, str]]:
    root = session.scalars(select(OrgUnit).where(OrgUnit.code == config.root)).one()
    units = session.scalars(
        select(OrgUnit).where(OrgUnit.path.startswith(root.path)).order_by(OrgUnit.depth, OrgUnit.code)
    ).all()
    ids = dict(session.execute(select(OrgUnit.code, OrgUnit.id)).tuples().all())
    listed = [{str(ids[code]) for code in track.units} for track in config.tracks]
    both: dict[tuple[int, int], list[str]] = {}
    for unit in units:
        ancestors = set(unit.path.strip("/").split("/"))
        mine = [
            i
            for i, track in enumerate(config.tracks)
            if (not track.units or ancestors & listed[i]) and (track.levels is None or unit.level in track.levels)
        ]
        if len(mine) > 1:
            both.setdefault((mine[0], mine[1]), []).append(unit.code)
    found = []
    for (a, b), codes in both.items():
        example = ", ".join(codes[:3]) + (", …" if len(codes) > 3 else "")
        first, second = config.tracks[a].name, config.tracks[b].name
        en = f"{len(codes)} units are on both track '{first}' and track '{second}' ({example}): a unit is on one"
        found.append(("unit_in_two_tracks", f"tracks[{b}]", en + " track at most"))
    return found


def test_the_deadlines_of_a_track_are_local_midnights(database_url: str, tmp_path: Path) -> None:
    app = app_with_tree(database_url, tmp_path)
    config = parse_campaign_config(province_config(tracks=TRACKS[:1]), app.settings.levels)
    launch_config(app, Actor.operator("test"), config, NOW)
    with app.unit_of_work() as session:
        due = set(
            session.execute(
                select(Assignment.track, Assignment.due_before)
                .join(Milestone, Milestone.id == Assignment.milestone_id)
                .where(Milestone.key == "grassroots_review")
            ).tuples()
        )
    # 10 January 2027 ends at 17:00 UTC; everyone else's 15 December too
    assert due == {
        ("special_function", pendulum.datetime(2027, 1, 10, 17)),
        (None, pendulum.datetime(2026, 12, 15, 17)),
    }
    assert dt.date(2027, 1, 10) == config.tracks[0].deadlines["grassroots_review"]
