"""Launching a campaign: its milestones, an assignment per unit and milestone, a plan notice per unit below the
root (the issuing committee wrote the plan: it is not sent its own plan).

Set-based: the rows a launch writes per unit (322,000 units nationally) are written by one INSERT … SELECT from the
tree per milestone and one for the plan notices, never loaded into Python; the checks and the summary read only
counts and the units they name. Rows are inserted in tree order (depth, then code), as people read the tree."""

from __future__ import annotations

from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import JSON, ColumnElement, String, and_, case, cast, func, insert, literal, null, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from models.amend import check_launch_within_plans_above
from models.audit import audit
from models.base import UTCDateTime
from models.campaign_config import CampaignConfig, MilestoneConfig
from models.enums import AssignmentStatus, CampaignStatus, NoticeKind, NoticeStatus
from models.errors import InputError, Problem, capped, fail
from models.launch_tracks import LaunchTracks, launch_tracks
from models.outbox_keys import around_unit
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry
from models.validation_messages import shown


class LaunchSummary(BaseModel):
    campaign: str
    root: str
    units: int
    assignments: dict[str, int]
    notices: int
    units_per_level: dict[str, int]
    empty_milestones: list[str]
    # Units on each track of their own (diện riêng), by track name.
    tracks: dict[str, int] = {}


def in_subtree(path: str, dialect: str, scan: bool = False) -> ColumnElement[bool]:
    """Units whose path starts with `path` (the unit and its subtree), as a range of paths (`/1/5/` ≤ path < `/1/50`)
    that the path index serves; bytewise on PostgreSQL (COLLATE "C", with an index to match) whatever the database's
    collation. Paths are ids and slashes, so the range holds exactly the paths with that prefix. `scan`: on SQLite,
    not through the index (`+path`), for a subtree that is most of the tree: reading the table in its order costs a
    third less than reaching each row from the index."""
    column: ColumnElement[str] = OrgUnit.__table__.c.path
    if dialect == "postgresql":
        column = column.collate("C")
    elif scan and dialect == "sqlite":
        column = UnaryExpression(column, operator=custom_op("+"), type_=String())
    return and_(column >= path, column < path[:-1] + chr(ord(path[-1]) + 1))


def _most_of_the_tree(session: Session, root: OrgUnit, dialect: str) -> bool:
    """Whether the campaign's subtree holds most units of the tree (both counts read from the indexes)."""
    if dialect != "sqlite":
        return False  # PostgreSQL's planner knows from its statistics
    below = session.scalar(select(func.count()).where(in_subtree(root.path, dialect))) or 0
    return 2 * below > (session.scalar(select(func.count()).select_from(OrgUnit)) or 0)


def applies_to(milestone: MilestoneConfig, root: OrgUnit) -> ColumnElement[bool]:
    """The units of the campaign's subtree that get the milestone: its scope, then its levels."""
    parts: list[ColumnElement[bool]] = []
    if milestone.scope == "root":
        parts.append(OrgUnit.id == root.id)
    if milestone.scope == "below_root":
        parts.append(OrgUnit.id != root.id)
    if milestone.levels is not None:
        parts.append(OrgUnit.level.in_(milestone.levels))
    return and_(true(), *parts)


def launch_campaign(session: Session, config: CampaignConfig, now: pendulum.DateTime, actor: str) -> LaunchSummary:
    """Create everything a launch creates, in the caller's transaction (this only flushes)."""
    if session.scalar(select(Campaign.id).where(Campaign.key == config.key)) is not None:
        raise fail(
            "campaign_exists",
            f"đợt «{config.key}» đã được triển khai; dùng khóa khác cho đợt mới",
            f"campaign '{config.key}' is already launched; use another key for a new campaign",
            field="key",
        )
    root = session.scalar(select(OrgUnit).where(OrgUnit.code == config.root))
    if root is None:
        raise fail(
            "unknown_root",
            f"không có đơn vị «{config.root}»: hãy nhập cây tổ chức trước (kiemdiem units import)",
            f"no unit '{config.root}': import the org tree first (kiemdiem units import)",
            field="root",
        )
    dialect = session.get_bind().dialect.name
    tree = in_subtree(root.path, dialect, scan=_most_of_the_tree(session, root, dialect))
    tracks = launch_tracks(session, config, root, tree)
    problems = [*working_group_problems(session, config, root), *tracks.problems]
    if problems:
        raise InputError(capped(problems))
    units, per_level, per_track = _census(session, tree, tracks)
    campaign = Campaign(
        key=config.key,
        title=config.title,
        year=config.year,
        plan_number=config.plan_number,
        root_unit_id=root.id,
        timezone=config.timezone,
        launch_date=config.launch,
        launched_at=now,
        status=CampaignStatus.ACTIVE.value,
        config=config.model_dump(mode="json"),
    )
    session.add(campaign)
    session.flush()
    check_launch_within_plans_above(session, campaign, root, [(m.key, m.deadline) for m in config.milestones])
    assignments: dict[str, int] = {}
    for position, spec in enumerate(config.milestones):
        milestone = Milestone(
            campaign_id=campaign.id,
            key=spec.key,
            title=spec.title or spec.key,
            position=position,
            levels=spec.levels or [],
            scope=spec.scope,
            deadline=spec.deadline,
            due_before=config.due_before(spec.deadline),
            after_children=spec.after_children,
        )
        session.add(milestone)
        session.flush()
        rows = _assignments(config, campaign, milestone, spec, and_(tree, applies_to(spec, root)), tracks, now)
        assignments[spec.key] = _inserted(session, rows)
    # The issuing committee is not sent its own plan; every unit below it is, with its deadlines.
    notices = _inserted(session, _plan_notices(campaign, config, and_(tree, OrgUnit.id != root.id), dialect, now))
    audit(
        session,
        at=now,
        actor=actor,
        action="campaign.launch",
        campaign_id=campaign.id,
        entity="campaign",
        entity_key=config.key,
        to_state=campaign.status,
        details={"units": units, "assignments": assignments, "tracks": per_track},
    )
    session.flush()
    return LaunchSummary(
        campaign=config.key,
        root=root.code,
        units=units,
        assignments=assignments,
        notices=notices,
        units_per_level=per_level,
        empty_milestones=[key for key, count in assignments.items() if count == 0],
        tracks=per_track,
    )


def _census(
    session: Session, tree: ColumnElement[bool], tracks: LaunchTracks
) -> tuple[int, dict[str, int], dict[str, int]]:
    """The units of the campaign, per level and per track, each dict in the order of its first unit in tree order
    (depth, then code): grouped in SQL, then ordered by each group's first unit."""
    track = tracks.index()
    groups: list[Any] = [OrgUnit.level, OrgUnit.depth, *([] if track is None else [track])]
    query = (
        select(OrgUnit.level, null() if track is None else track, func.count())
        .where(tree)
        .group_by(*groups)
        .order_by(OrgUnit.depth, func.min(OrgUnit.code))
    )
    per_level: dict[str, int] = {}
    per_track: dict[str, int] = {}
    for level, index, count in session.execute(query).tuples():
        per_level[level] = per_level.get(level, 0) + count
        if index is not None:
            name = tracks.tracks[index].name
            per_track[name] = per_track.get(name, 0) + count
    return sum(per_level.values()), per_level, per_track


def _inserted(session: Session, statement: Any) -> int:
    return int(session.execute(statement.execution_options(preserve_rowcount=True)).rowcount)  # type: ignore[attr-defined]


def _assignments(
    config: CampaignConfig,
    campaign: Campaign,
    milestone: Milestone,
    spec: MilestoneConfig,
    units: ColumnElement[bool],
    tracks: LaunchTracks,
    now: pendulum.DateTime,
) -> Any:
    """One INSERT … SELECT: an assignment per unit the milestone applies to. A unit on a track records it, and
    follows the track's deadline where the track gives the milestone one."""
    done = spec.complete_at_launch
    index = tracks.index()
    source = select(OrgUnit.id, OrgUnit.depth, OrgUnit.code, (null() if index is None else index).label("t"))
    picked = source.where(units).subquery()
    due: ColumnElement[Any] = literal(milestone.due_before, UTCDateTime())
    track: ColumnElement[Any] = null()
    if tracks.tracks:
        own = [
            (picked.c.t == i, literal(config.due_before(t.deadlines[spec.key]), UTCDateTime()))
            for i, t in enumerate(tracks.tracks)
            if spec.key in t.deadlines
        ]
        due = case(*own, else_=due) if own else due
        track = case(*[(picked.c.t == i, literal(t.name)) for i, t in enumerate(tracks.tracks)], else_=None)
    rows = select(
        literal(campaign.id),
        literal(milestone.id),
        picked.c.id,
        literal((AssignmentStatus.SUBMITTED if done else AssignmentStatus.PENDING).value),
        due,
        track,
        literal(now, UTCDateTime()) if done else null(),
        literal(True) if done else null(),
        literal(now, UTCDateTime()),
    ).order_by(picked.c.depth, picked.c.code)
    columns = ["campaign_id", "milestone_id", "unit_id", "status", "due_before", "track", "submitted_at", "on_time"]
    return insert(Assignment).from_select([*columns, "updated_at"], rows)


def _plan_notices(
    campaign: Campaign, config: CampaignConfig, units: ColumnElement[bool], dialect: str, now: pendulum.DateTime
) -> Any:
    """One INSERT … SELECT: the plan-issued notice of each unit, under its outbox key, addressed to the unit, sent on
    the launch day at the sending time (or now, if that has passed)."""
    launch_day = pendulum.date(config.launch.year, config.launch.month, config.launch.day)
    send_at = config.reminders.send_at
    scheduled = pendulum.datetime(
        launch_day.year, launch_day.month, launch_day.day, send_at.hour, send_at.minute, tz=config.timezone
    ).in_timezone("UTC")
    before, after = around_unit(config.key, None, NoticeKind.PLAN_ISSUED.value, launch_day.isoformat())
    # A JSON array of the unit's code, escaped by the database's own JSON functions.
    recipients = func.json_build_array(OrgUnit.code) if dialect == "postgresql" else func.json_array(OrgUnit.code)
    details = cast(literal("{}"), JSON) if dialect == "postgresql" else literal("{}")
    rows = select(
        literal(before) + OrgUnit.code + literal(after),
        literal(campaign.id),
        OrgUnit.id,
        literal(NoticeKind.PLAN_ISSUED.value),
        literal(0),
        recipients,
        literal(NoticeStatus.PENDING.value),
        literal(now, UTCDateTime()),
        literal(max(scheduled, now), UTCDateTime()),
        literal(0),
        details,
    ).where(units)
    columns = ["key", "campaign_id", "unit_id", "kind", "days", "recipients", "status", "created_at"]
    return insert(OutboxEntry).from_select(
        [*columns, "deliver_after", "attempts", "details"], rows.order_by(OrgUnit.depth, OrgUnit.code)
    )


def working_group_problems(session: Session, config: CampaignConfig, root: OrgUnit) -> list[Problem]:
    """Each unit a working group watches is in the tree, under the campaign's root."""
    codes = sorted({code for group in config.working_groups for code in group.units})
    paths: dict[str, str] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        paths.update(session.execute(select(OrgUnit.code, OrgUnit.path).where(OrgUnit.code.in_(chunk))).tuples().all())
    problems = []
    for index, group in enumerate(config.working_groups):
        for position, code in enumerate(group.units):
            path, named = paths.get(code), shown((), code) or "…"
            if path is not None and path.startswith(root.path):
                continue
            vi, en = (
                (f"không có đơn vị {named} trong cây tổ chức", f"no unit {named} in the org tree")
                if path is None
                else (
                    f"đơn vị {named} không thuộc cây của {root.code}, phạm vi của đợt",
                    f"unit {named} is not under {root.code}, the campaign's root",
                )
            )
            problems.append(
                Problem(
                    rule="unknown_unit" if path is None else "outside_campaign",
                    field=f"working_groups[{index}].units[{position}]",
                    vi=vi,
                    en=en,
                )
            )
    return problems
