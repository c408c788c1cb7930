"""Launching a campaign: its milestones, an assignment per unit and milestone, a plan notice per unit below the
root (the issuing committee wrote the plan: it is not sent its own plan)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from models.amend import check_launch_within_plans_above
from models.audit import audit
from models.campaign_config import CampaignConfig, MilestoneConfig, TrackConfig
from models.enums import AssignmentStatus, CampaignStatus, NoticeKind, NoticeStatus
from models.errors import InputError, Problem, capped, fail
from models.outbox_keys import notice_key
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry
from models.tracks import track_deadline, units_on_tracks
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


def subtree(session: Session, root: OrgUnit) -> list[OrgUnit]:
    """The root and every unit below it, top-down."""
    query = select(OrgUnit).where(OrgUnit.path.startswith(root.path, autoescape=True))
    return list(session.scalars(query.order_by(OrgUnit.depth, OrgUnit.code)))


def applies_to(milestone: MilestoneConfig, unit: OrgUnit, root: OrgUnit) -> bool:
    if milestone.scope == "root" and unit.id != root.id:
        return False
    if milestone.scope == "below_root" and unit.id == root.id:
        return False
    return milestone.levels is None or unit.level in milestone.levels


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
    units = subtree(session, root)
    on_track, track_problems = units_on_tracks(session, config, root, units)
    problems = [*working_group_problems(session, config, root), *track_problems]
    if problems:
        raise InputError(capped(problems))
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
        rows = [
            _assignment_row(config, campaign, milestone, spec, unit, on_track.get(unit.id), now)
            for unit in units
            if applies_to(spec, unit, root)
        ]
        if rows:
            session.execute(insert(Assignment), rows)
        assignments[spec.key] = len(rows)
    # The issuing committee is not sent its own plan; every unit below it is, with its deadlines.
    notices = [_plan_notice(campaign, config, unit, now) for unit in units if unit.id != root.id]
    if notices:
        session.execute(insert(OutboxEntry), notices)
    audit(
        session,
        at=now,
        actor=actor,
        action="campaign.launch",
        campaign_id=campaign.id,
        entity="campaign",
        entity_key=config.key,
        to_state=campaign.status,
        details={"units": len(units), "assignments": assignments, "tracks": _per_track(on_track)},
    )
    session.flush()
    return LaunchSummary(
        campaign=config.key,
        root=root.code,
        units=len(units),
        assignments=assignments,
        notices=len(notices),
        units_per_level=dict(Counter(u.level for u in units)),
        empty_milestones=[key for key, count in assignments.items() if count == 0],
        tracks=_per_track(on_track),
    )


def _per_track(on_track: dict[int, TrackConfig]) -> dict[str, int]:
    return dict(Counter(track.name for track in on_track.values()))


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


def _assignment_row(
    config: CampaignConfig,
    campaign: Campaign,
    milestone: Milestone,
    spec: MilestoneConfig,
    unit: OrgUnit,
    track: TrackConfig | None,
    now: pendulum.DateTime,
) -> dict[str, Any]:
    """A unit on a track records it, and follows the track's deadline where the track gives the milestone one."""
    done = spec.complete_at_launch
    own = track_deadline(track, spec.key)
    return {
        "campaign_id": campaign.id,
        "milestone_id": milestone.id,
        "unit_id": unit.id,
        "status": (AssignmentStatus.SUBMITTED if done else AssignmentStatus.PENDING).value,
        "due_before": milestone.due_before if own is None else config.due_before(own),
        "track": track.name if track is not None else None,
        "submitted_at": now if done else None,
        "on_time": True if done else None,
        "updated_at": now,
    }


def _plan_notice(campaign: Campaign, config: CampaignConfig, unit: OrgUnit, now: pendulum.DateTime) -> dict[str, Any]:
    launch_day = pendulum.date(config.launch.year, config.launch.month, config.launch.day)
    send_at = config.reminders.send_at
    scheduled = pendulum.datetime(
        launch_day.year, launch_day.month, launch_day.day, send_at.hour, send_at.minute, tz=config.timezone
    ).in_timezone("UTC")
    return {
        "key": notice_key(config.key, unit.code, None, NoticeKind.PLAN_ISSUED.value, launch_day.isoformat()),
        "campaign_id": campaign.id,
        "unit_id": unit.id,
        "milestone_id": None,
        "assignment_id": None,
        "kind": NoticeKind.PLAN_ISSUED.value,
        "days": 0,
        "recipients": [unit.code],
        "status": NoticeStatus.PENDING.value,
        "created_at": now,
        "deliver_after": max(scheduled, now),
        "attempts": 0,
        "details": {},
    }
