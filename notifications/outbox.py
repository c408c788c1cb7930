"""The outbox: what is due for delivery, who receives it, and the record of each attempt.

Delivery policy (at most once per channel): an entry is marked `sending` (attempt counted) and committed before
anything is sent; each channel that accepts it is recorded by fingerprint, so a retry sends only to the channels
that have not accepted it yet. An entry left in `sending` by a crash is never resent blindly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import pendulum
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.calendar import deadline_day, in_quiet_hours
from models.campaign_config import CampaignConfig
from models.tables import Assignment, Campaign, Milestone, NoticeStatus, OrgUnit, OutboxEntry
from notifications.messages import NoticeContext, render
from notifications.senders import fingerprint

WORKING_GROUP = "working_group:"


@dataclass(frozen=True)
class Outgoing:
    entry_id: int
    urls: tuple[str, ...]
    title: str
    body: str


def supersede(session: Session, campaign: Campaign, now: pendulum.DateTime) -> int:
    """Of several undelivered notices for one assignment, only the newest goes out; the older are skipped."""
    rows = (
        session.execute(
            select(OutboxEntry.id, OutboxEntry.assignment_id, OutboxEntry.kind)
            .where(
                OutboxEntry.campaign_id == campaign.id,
                OutboxEntry.status == NoticeStatus.PENDING.value,
                OutboxEntry.assignment_id.is_not(None),
                OutboxEntry.deliver_after <= now,
            )
            .order_by(OutboxEntry.deliver_after, OutboxEntry.id)
        )
        .tuples()
        .all()
    )
    newest: dict[tuple[int | None, bool], int] = {}
    older: list[int] = []
    for entry_id, assignment_id, kind in rows:
        stream = (assignment_id, kind == "escalation")
        if stream in newest:
            older.append(newest[stream])
        newest[stream] = entry_id
    if older:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(older))
            .values(status=NoticeStatus.SKIPPED.value, last_error="superseded by a newer notice")
        )
    return len(older)


def claim(session: Session, campaign: Campaign, now: pendulum.DateTime, limit: int) -> list[int]:
    """Mark up to `limit` deliverable entries as `sending` and count the attempt; nothing in quiet hours."""
    config = CampaignConfig.model_validate(campaign.config)
    if in_quiet_hours(now, config.reminders.quiet_hours, config.timezone):
        return []
    ids = list(
        session.scalars(
            select(OutboxEntry.id)
            .where(
                OutboxEntry.campaign_id == campaign.id,
                OutboxEntry.status == NoticeStatus.PENDING.value,
                OutboxEntry.deliver_after <= now,
            )
            .order_by(OutboxEntry.deliver_after, OutboxEntry.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(ids), OutboxEntry.status == NoticeStatus.PENDING.value)
            .values(status=NoticeStatus.SENDING.value, attempts=OutboxEntry.attempts + 1)
        )
    return ids


def prepare(session: Session, campaign: Campaign, entry_ids: list[int]) -> list[Outgoing]:
    """The message and the contact URLs of each claimed entry, less the channels that already accepted it."""
    config = CampaignConfig.model_validate(campaign.config)
    groups = {g.name: g.contacts for g in config.working_groups}
    entries = list(session.scalars(select(OutboxEntry).where(OutboxEntry.id.in_(entry_ids))))
    codes = {c for e in entries for c in e.recipients if not c.startswith(WORKING_GROUP)}
    units = {
        u.id: u
        for u in session.scalars(
            select(OrgUnit).where(OrgUnit.code.in_(codes) | OrgUnit.id.in_({e.unit_id for e in entries}))
        )
    }
    by_code = {u.code: u for u in units.values()}
    milestones = {m.id: m for m in session.scalars(select(Milestone).where(Milestone.campaign_id == campaign.id))}
    due = _assignment_deadlines(session, [e.assignment_id for e in entries if e.assignment_id], config.timezone)
    outgoing = []
    for entry in entries:
        urls: list[str] = []
        for recipient in entry.recipients:
            if recipient.startswith(WORKING_GROUP):
                urls.extend(groups.get(recipient.removeprefix(WORKING_GROUP), []))
            elif recipient in by_code:
                urls.extend(by_code[recipient].contacts)
        done = set(entry.details.get("delivered", []))
        urls = [u for u in dict.fromkeys(urls) if fingerprint(u) not in done]
        milestone = milestones.get(entry.milestone_id) if entry.milestone_id else None
        unit = units[entry.unit_id]
        title, body = render(
            NoticeContext(
                kind=entry.kind,
                days=entry.days,
                campaign_title=campaign.title,
                plan_number=campaign.plan_number,
                unit_name=unit.name,
                unit_code=unit.code,
                milestone_title=milestone.title if milestone else None,
                deadline=due.get(entry.assignment_id or 0) or (milestone.deadline if milestone else None),
                missing_children=tuple(entry.details.get("missing_children", [])),
                replaces=tuple(entry.details.get("replaces", [])),
            )
        )
        outgoing.append(Outgoing(entry.id, tuple(urls), title, body))
    return outgoing


def _assignment_deadlines(session: Session, ids: list[int], tz: str) -> dict[int, dt.date]:
    rows = session.execute(select(Assignment.id, Assignment.due_before).where(Assignment.id.in_(ids))).tuples()
    return {assignment_id: deadline_day(due_before, tz) for assignment_id, due_before in rows}


def record(
    session: Session,
    entry_id: int,
    accepted: list[str],
    errors: list[str],
    now: pendulum.DateTime,
    no_contacts: bool,
) -> None:
    """Write what one delivery attempt did: `sent` when every channel has accepted it, else `failed`."""
    entry = session.get(OutboxEntry, entry_id)
    assert entry is not None
    delivered = [*entry.details.get("delivered", []), *(fingerprint(u) for u in accepted)]
    entry.details = {**entry.details, "delivered": delivered}
    if no_contacts:
        entry.status, entry.last_error = NoticeStatus.FAILED.value, "no contact for this recipient"
    elif errors:
        entry.status, entry.last_error = NoticeStatus.FAILED.value, "; ".join(errors)[:1000]
    else:
        entry.status, entry.sent_at, entry.last_error = NoticeStatus.SENT.value, now, None


def missing_contacts(session: Session, campaign: Campaign) -> dict[str, list[str]]:
    """Units of the campaign's tree with no contact, per level: reported, never silently skipped."""
    root = session.get(OrgUnit, campaign.root_unit_id)
    assert root is not None
    found: dict[str, list[str]] = defaultdict(list)
    for unit in session.scalars(select(OrgUnit).where(OrgUnit.path.startswith(root.path, autoescape=True))):
        if not unit.contacts:
            found[unit.level].append(unit.code)
    return dict(found)
