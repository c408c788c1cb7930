"""Simulated units for `kiemdiem simulate`: who submits when, drawn from a seed, and the schedule of sweeps."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pendulum
from sqlalchemy import select

from models.calendar import local_instant
from models.campaign_config import CampaignConfig
from models.tables import OPEN_STATUSES, Assignment, Campaign, Milestone, OrgUnit
from service.bootstrap import App

# Shares of assignments done on time, late, never.
PROFILES: dict[str, tuple[float, float, float]] = {
    "realistic": (0.80, 0.15, 0.05),
    "all-on-time": (1.0, 0.0, 0.0),
    "all-late": (0.0, 1.0, 0.0),
    "silent": (0.0, 0.0, 1.0),
}


@dataclass(frozen=True, order=True)
class Submission:
    at: pendulum.DateTime
    unit: str
    milestone: str


def plan_submissions(app: App, key: str, seed: int, profile: str) -> list[Submission]:
    """When each simulated unit submits each open assignment: mostly in the last days before the deadline, in
    office hours; some late; a few never. A parent submits after the last of its children (of the milestone it
    waits on, and of its own milestone), and not at all when one of them never does."""
    on_time, late, _never = PROFILES[profile]
    rng = random.Random(seed)
    with app.unit_of_work() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.key == key))
        assert campaign is not None
        config = CampaignConfig.model_validate(campaign.config)
        rows = (
            session.execute(
                select(
                    OrgUnit.code,
                    OrgUnit.parent_id,
                    OrgUnit.id,
                    OrgUnit.depth,
                    Milestone.key,
                    Milestone.deadline,
                    Milestone.after_children,
                )
                .join(Assignment, Assignment.unit_id == OrgUnit.id)
                .join(Milestone, Milestone.id == Assignment.milestone_id)
                .where(Assignment.campaign_id == campaign.id, Assignment.status.in_([s.value for s in OPEN_STATUSES]))
                .order_by(OrgUnit.depth.desc(), OrgUnit.code, Milestone.position)
            )
            .tuples()
            .all()
        )
    latest_child: dict[tuple[int, str], pendulum.DateTime] = {}
    # Units with a child that never submits a milestone cannot submit it either (lower levels first).
    stuck: set[tuple[int, str]] = set()
    plan: list[Submission] = []
    for code, parent_id, unit_id, _depth, milestone, deadline, after in rows:
        draw = rng.random()
        if (unit_id, milestone) in stuck:
            draw = 1.0
        if draw >= on_time + late and parent_id is not None:
            stuck.add((parent_id, milestone))
        if draw < on_time:
            days_before = min(int(rng.expovariate(0.35)), max(0, (deadline - config.launch).days - 1))
            day = deadline - dt.timedelta(days=days_before)
        elif draw < on_time + late:
            day = deadline + dt.timedelta(days=1 + int(rng.expovariate(0.3)))
        else:
            continue
        at = local_instant(day, dt.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), config.timezone)
        for waited in (after, milestone):  # after the children: of the milestone waited on, and of this one
            if waited and (unit_id, waited) in latest_child:
                at = max(at, latest_child[(unit_id, waited)].add(hours=2))
        if parent_id is not None:
            latest_child[(parent_id, milestone)] = max(latest_child.get((parent_id, milestone), at), at)
        plan.append(Submission(at, code, milestone))
    return sorted(plan)


def sweep_slots(config: CampaignConfig, until: dt.date) -> list[pendulum.DateTime]:
    """When `serve` sweeps: every day at the send time, and hourly on deadline days outside quiet hours."""
    from models.calendar import in_quiet_hours

    deadlines = {m.deadline for m in config.milestones}
    slots = []
    day = config.launch
    while day <= until:
        daily = local_instant(day, config.reminders.send_at, config.timezone)
        slots.append(daily)
        if day in deadlines:
            for hour in range(24):
                extra = local_instant(day, dt.time(hour, config.reminders.send_at.minute), config.timezone)
                if extra > daily and not in_quiet_hours(extra, config.reminders.quiet_hours, config.timezone):
                    slots.append(extra)
        day += dt.timedelta(days=1)
    return slots
