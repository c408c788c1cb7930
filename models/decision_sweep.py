"""The decision step on its own dates (issue: the 2025 campaign as it really ran): a milestone may give the level
that decides its units' ratings a `decision_deadline`. Each sweep tells every decider with units waiting (reported,
not yet decided) how many and which, on the reminder days before that deadline and on the day itself, and escalates
to the decider's own decider on the overdue days from `escalate_after_days`. One notice per decider and day, under
a key that names the day: a second sweep, or a second worker, adds nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.campaign_config import MilestoneConfig
from models.deciders import GRASSROOTS
from models.enums import DONE_STATUSES, NoticeKind, NoticeStatus
from models.levels import level_rank
from models.outbox_keys import insert_new_notices, notice_key
from models.sweep_context import SweepContext
from models.tables import Assignment, Milestone, OrgUnit, RatingDecision

SHOWN = 50  # units named in one notice; the count says the rest


def sweep_decisions(
    session: Session, campaign: SweepContext, now: pendulum.DateTime, levels: tuple[str, ...]
) -> Counter[str]:
    """Decide the decision-step notices due today; returns how many were new, per kind."""
    local = now.in_timezone(campaign.timezone)
    today = dt.date(local.year, local.month, local.day)
    policy = campaign.config.reminders
    created: Counter[str] = Counter()
    for spec in campaign.config.milestones:
        if spec.decision_deadline is None:
            continue
        left = (spec.decision_deadline - today).days
        if left in policy.before_days or left == 0:
            kind, days = NoticeKind.DECISION_DUE, left
        elif -left >= max(1, policy.escalate_after_days) and (-left in policy.overdue_days or -left % 7 == 0):
            kind, days = NoticeKind.DECISION_OVERDUE, -left
        else:
            continue
        created[kind.value] += _notify(session, campaign, spec, kind, days, today, now, levels)
    return created


def _notify(
    session: Session,
    campaign: SweepContext,
    spec: MilestoneConfig,
    kind: NoticeKind,
    days: int,
    today: dt.date,
    now: pendulum.DateTime,
    levels: tuple[str, ...],
) -> int:
    assert spec.decision_deadline is not None
    waiting = _waiting(session, campaign, spec.key)
    if not waiting:
        return 0
    deciders = _deciders(session, campaign, waiting, levels)
    by_decider: dict[int, list[str]] = defaultdict(list)
    for unit_id, code, _parent, _path, _level in waiting:
        if unit_id in deciders:
            by_decider[deciders[unit_id]].append(code)
    units = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(list(by_decider))))}
    milestone_id = session.scalar(
        select(Milestone.id).where(Milestone.campaign_id == campaign.id, Milestone.key == spec.key)
    )
    rows = []
    for decider_id, codes in sorted(by_decider.items()):
        decider = units[decider_id]
        recipients = [decider.code]
        if kind == NoticeKind.DECISION_OVERDUE and decider.parent_id is not None:
            above = session.get(OrgUnit, decider.parent_id)
            recipients += [above.code] if above is not None else []
        rows.append(
            {
                "key": notice_key(campaign.key, decider.code, spec.key, kind.value, f"{days}@{today.isoformat()}"),
                "campaign_id": campaign.id,
                "unit_id": decider.id,
                "milestone_id": milestone_id,
                "assignment_id": None,
                "kind": kind.value,
                "days": days,
                "recipients": recipients,
                "status": NoticeStatus.PENDING.value,
                "created_at": now,
                "deliver_after": now,
                "attempts": 0,
                "details": {
                    "waiting": sorted(codes)[:SHOWN],
                    "count": len(codes),
                    "deadline": spec.decision_deadline.isoformat(),
                },
            }
        )
    return insert_new_notices(session, rows)


def _waiting(session: Session, campaign: SweepContext, milestone: str) -> list[tuple[int, str, int | None, str, str]]:
    """Units that reported the milestone and have no decision yet."""
    decided = select(RatingDecision.unit_id).where(
        RatingDecision.campaign_id == campaign.id, RatingDecision.current.is_(True)
    )
    query = (
        select(OrgUnit.id, OrgUnit.code, OrgUnit.parent_id, OrgUnit.path, OrgUnit.level)
        .join(Assignment, Assignment.unit_id == OrgUnit.id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Milestone.key == milestone,
            Assignment.status.in_([s.value for s in DONE_STATUSES]),
            OrgUnit.id.not_in(decided),
            OrgUnit.id != campaign.root_id,
        )
    )
    return list(session.execute(query).tuples())


def _deciders(
    session: Session,
    campaign: SweepContext,
    waiting: list[tuple[int, str, int | None, str, str]],
    levels: tuple[str, ...],
) -> dict[int, int]:
    """unit id → its decider's id, by models.deciders' rule, for many units at once."""
    below = level_rank(levels, GRASSROOTS)
    ancestors = {
        int(p)
        for _, _, _, path, level in waiting
        if level_rank(levels, level) > below
        for p in path.strip("/").split("/")
    }
    grassroots = set(
        session.scalars(select(OrgUnit.id).where(OrgUnit.id.in_(list(ancestors)), OrgUnit.level == GRASSROOTS))
    )
    found = {}
    for unit_id, _code, parent_id, path, level in waiting:
        decider = parent_id
        if level_rank(levels, level) > below:
            above = [int(p) for p in path.strip("/").split("/")[:-1] if int(p) in grassroots]
            decider = above[-1] if above else parent_id
        if decider is not None:
            found[unit_id] = decider
    return found
