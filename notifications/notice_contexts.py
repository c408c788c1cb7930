"""What a notice says, gathered from the database (notifications.messages renders it)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.calendar import deadline_day
from models.campaign_config import CampaignConfig
from models.enums import OPEN_STATUSES, NoticeKind
from models.sweep_context import SweepContext
from models.tables import Assignment, Milestone, OrgUnit, OutboxEntry
from notifications.messages import Deadline, NoticeContext

WORKING_GROUP = "working_group:"


def notice_contexts(
    session: Session,
    campaign: SweepContext,
    entries: list[OutboxEntry],
    units: dict[int, OrgUnit],
    by_code: dict[str, OrgUnit],
    public_url: str | None,
) -> dict[int, NoticeContext]:
    """What each entry's message says: its task (the milestone's action phrase) and deadline in force, the unit's
    own deadlines for a plan notice, the sender and contact, whom an escalation addresses, how late a catch-up is."""
    config = campaign.config
    milestones = {m.id: m for m in session.scalars(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    actions = {m.key: m.action for m in config.milestones}
    due = dict(
        session.execute(
            select(Assignment.id, Assignment.due_before).where(
                Assignment.id.in_([e.assignment_id for e in entries if e.assignment_id])
            )
        )
        .tuples()
        .all()
    )
    plans = _deadlines(session, config, milestones, [e.unit_id for e in entries if e.kind == NoticeKind.PLAN_ISSUED])
    sender, contact = _signature(session, campaign, config)
    groups = {g.name: g.title or g.name for g in config.working_groups}
    found = {}
    for entry in entries:
        milestone = milestones.get(entry.milestone_id) if entry.milestone_id else None
        unit = units[entry.unit_id]
        deadline = (
            deadline_day(due[entry.assignment_id], config.timezone)
            if entry.assignment_id in due
            else milestone.deadline
            if milestone
            else None
        )
        if "deadline" in entry.details:  # a decision's own deadline, not the milestone's
            deadline = dt.date.fromisoformat(entry.details["deadline"])
        late = _days_past(entry, deadline, config.timezone) if entry.kind == NoticeKind.CATCH_UP else None
        found[entry.id] = NoticeContext(
            kind=entry.kind,
            days=entry.days,
            campaign_title=campaign.title,
            plan_number=campaign.plan_number,
            unit_name=unit.name,
            unit_code=unit.code,
            milestone_title=milestone.title if milestone else None,
            deadline=deadline,
            missing_children=tuple(entry.details.get("missing_children", entry.details.get("waiting", []))),
            waiting=int(entry.details.get("count", 0)),
            replaces=tuple(entry.details.get("replaces", [])),
            reason=str(entry.details.get("reason", "")),
            link=f"{public_url.rstrip('/')}/campaigns/{campaign.key}/units/{unit.code}" if public_url else None,
            action=actions.get(milestone.key) if milestone else None,
            sender=sender,
            contact=contact,
            deadlines=plans.get(entry.unit_id, ()),
            to=_addressees(entry, unit, by_code, groups),
            late_days=late,
            document=str(entry.details.get("document", "")),
            old_deadline=dt.date.fromisoformat(entry.details["old"]) if "old" in entry.details else None,
            rating=str(entry.details.get("rating") or ""),
            previous_rating=str(entry.details.get("previous") or ""),
            decider=str(entry.details.get("decider") or ""),
        )
    return found


def _days_past(entry: OutboxEntry, deadline: dt.date | None, tz: str) -> int | None:
    """Where the task stood when the notice was decided: local days past the deadline (negative: days left)."""
    if deadline is None:
        return None
    decided = pendulum.instance(entry.created_at).in_timezone(tz)
    return (dt.date(decided.year, decided.month, decided.day) - deadline).days


def _signature(session: Session, campaign: SweepContext, config: CampaignConfig) -> tuple[str, str | None]:
    """Who signs the notices: the organizer of the config, else the issuing unit; and whom to ask."""
    if config.organizer is not None:
        return config.organizer.name, config.organizer.contact
    root = session.get(OrgUnit, campaign.root_id)
    return (root.name if root is not None else ""), None


def _deadlines(
    session: Session, config: CampaignConfig, milestones: dict[int, Milestone], unit_ids: list[int]
) -> dict[int, tuple[Deadline, ...]]:
    """The open assignments of the units receiving the plan, in milestone order: the deadlines they must meet."""
    if not unit_ids:
        return {}
    actions = {m.key: m.action for m in config.milestones}
    rows = session.execute(
        select(Assignment.unit_id, Assignment.milestone_id, Assignment.due_before).where(
            Assignment.unit_id.in_(unit_ids),
            Assignment.milestone_id.in_(list(milestones)),
            Assignment.status.in_([s.value for s in OPEN_STATUSES]),
        )
    ).tuples()
    found: dict[int, list[tuple[int, Deadline]]] = defaultdict(list)
    for unit_id, milestone_id, due_before in rows:
        milestone = milestones[milestone_id]
        day = deadline_day(due_before, config.timezone)
        found[unit_id].append((milestone.position, Deadline(actions.get(milestone.key), milestone.title, day)))
    return {unit_id: tuple(d for _, d in sorted(mine, key=lambda p: p[0])) for unit_id, mine in found.items()}


def _addressees(
    entry: OutboxEntry, unit: OrgUnit, by_code: dict[str, OrgUnit], groups: dict[str, str]
) -> tuple[str, ...]:
    """The recipients other than the unit itself, by name: whom an escalation addresses, whom a catch-up copies."""
    names = []
    for recipient in entry.recipients:
        if recipient.startswith(WORKING_GROUP):
            name = recipient.removeprefix(WORKING_GROUP)
            names.append(groups.get(name, name))
        elif recipient in by_code and recipient != unit.code:
            names.append(f"{by_code[recipient].name} ({recipient})")
    return tuple(names)
