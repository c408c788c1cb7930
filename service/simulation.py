"""Simulated units for `kiemdiem simulate`: who submits when, drawn from a seed, and the schedule of sweeps.

History mode (`simulate --history`): two consecutive years on one tree, the second written from the first by
`campaign launch --from`. A unit late (or never done) with a milestone last year is late again with probability
`persistence`; the others are late with the probability that keeps the profile's share of late units the same in both
years. Units also mark their work in progress early (before the last `check_days` before the deadline) with one
probability if they will be on time and another if they will be late: the activity the risk rules look for."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from pathlib import Path

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
    kind: str = "submit"  # or "start": the unit marks the assignment in progress (history mode)


@dataclass(frozen=True)
class History:
    """The history mode's parameters (printed beside the back-test's figures)."""

    persistence: float = 0.6  # P(late this year | late or never done last year)
    start_on_time: float = 0.8  # P(a unit that will be on time marks its work in progress early)
    start_late: float = 0.3  # P(a unit that will be late does)
    check_days: int = 7  # "early": before this many days before the deadline (the risk list's default)

    def late_share(self, profile: str, late_last_year: bool) -> float:
        """P(late this year): `persistence` after a late year; else what keeps the profile's late share."""
        _on_time, late, never = PROFILES[profile]
        base = late + never
        if late_last_year:
            return self.persistence
        return min(1.0, max(0.0, base * (1 - self.persistence) / (1 - base))) if base < 1 else 1.0


def plan_submissions(
    app: App,
    key: str,
    seed: int,
    profile: str,
    history: History | None = None,
    late_before: set[tuple[str, str]] | None = None,
) -> list[Submission]:
    """When each simulated unit submits each open assignment: mostly in the last days before the deadline, in
    office hours; some late; a few never. A parent submits after the last of its children (of the milestone it
    waits on, and of its own milestone), and not at all when one of them never does. With `history`, a unit's
    lateness follows last year's (`late_before`: the (unit, milestone) late or never done; None: the first year,
    at the profile's share) and units mark their work in progress early (events of kind "start")."""
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
        if history is not None:  # late with this year's probability, split into late and never as the profile is
            late_now = (
                1 - on_time if late_before is None else history.late_share(profile, (code, milestone) in late_before)
            )
            draw = on_time + rng.random() * (1 - on_time) if rng.random() < late_now else rng.random() * on_time
        if (unit_id, milestone) in stuck:
            draw = 1.0
        if draw >= on_time + late and parent_id is not None:
            stuck.add((parent_id, milestone))
        start = _early_start(rng, history, config, deadline, draw < on_time) if history is not None else None
        if draw < on_time:
            days_before = min(int(rng.expovariate(0.35)), max(0, (deadline - config.launch).days - 1))
            day = deadline - dt.timedelta(days=days_before)
        elif draw < on_time + late:
            day = deadline + dt.timedelta(days=1 + int(rng.expovariate(0.3)))
        else:
            if start is not None:
                plan.append(Submission(start, code, milestone, "start"))
            continue
        at = local_instant(day, dt.time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), config.timezone)
        for waited in (after, milestone):  # after the children: of the milestone waited on, and of this one
            if waited and (unit_id, waited) in latest_child:
                at = max(at, latest_child[(unit_id, waited)].add(hours=2))
        if parent_id is not None:
            latest_child[(parent_id, milestone)] = max(latest_child.get((parent_id, milestone), at), at)
        plan.append(Submission(at, code, milestone))
        if start is not None and start < at:
            plan.append(Submission(start, code, milestone, "start"))
    return sorted(plan)


def _early_start(
    rng: random.Random, history: History, config: CampaignConfig, deadline: dt.date, on_time: bool
) -> pendulum.DateTime | None:
    """When the unit marks its work in progress, if it does so before the last `check_days` before the deadline."""
    if rng.random() >= (history.start_on_time if on_time else history.start_late):
        return None
    last = deadline - dt.timedelta(days=history.check_days + 1)
    if last <= config.launch:
        return None
    day = config.launch + dt.timedelta(days=rng.randint(1, (last - config.launch).days))
    return local_instant(day, dt.time(rng.randint(8, 16)), config.timezone)


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


def late_assignments(app: App, key: str) -> set[tuple[str, str]]:
    """(unit code, milestone key) of the campaign's assignments not done on time: late, or never done (exempt
    units and the steps done by the launch itself apart)."""
    with app.unit_of_work() as session:
        rows = session.execute(
            select(OrgUnit.code, Milestone.key)
            .join(Assignment, Assignment.unit_id == OrgUnit.id)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .join(Campaign, Campaign.id == Assignment.campaign_id)
            .where(Campaign.key == key, Assignment.status != "exempt", Assignment.on_time.is_not(True))
        ).tuples()
        return set(rows)


def next_year_file(app: App, key: str, folder: Path) -> Path:
    """Next year's config written from the closed campaign `key` as `campaign launch --from` writes it, with a
    simulated plan number filled in; its path."""
    from service.next_year import from_last_year

    with app.unit_of_work() as session:
        year = session.scalar(select(Campaign.year).where(Campaign.key == key))
    assert year is not None
    plan = from_last_year(app, key, year + 1)
    text = re.sub(r'^plan_number: "".*$', f"plan_number: MP-{year + 1}/KH", plan.yaml(), flags=re.MULTILINE)
    path = folder / f"{plan.key}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def check_instants(config: CampaignConfig, history: History) -> dict[str, pendulum.DateTime]:
    """Per milestone, when the risk list is read for the back-test: `check_days` before the deadline at the send
    time (the sweep that sends the early notices). Milestones whose instant falls before the first day after the
    launch are left out: nobody could have started yet."""
    found = {}
    for milestone in config.milestones:
        day = milestone.deadline - dt.timedelta(days=history.check_days)
        if day > config.launch:
            found[milestone.key] = local_instant(day, config.reminders.send_at, config.timezone)
    return found


@dataclass(frozen=True)
class Score:
    """One rule against what happened: how many it marked, how many of them were late, how many late it missed."""

    rule: str
    marked: int
    hits: int
    late: int

    @property
    def precision(self) -> float:
        return self.hits / self.marked if self.marked else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.late if self.late else 0.0


def backtest(
    levels: dict[tuple[str, str], str | None], late_before: set[tuple[str, str]], late_now: set[tuple[str, str]]
) -> list[Score]:
    """The risk levels read at each check (`levels`: every assignment open then, its level or None) against what
    happened (`late_now`), beside the naive rule "late last year" (`late_before`) on the same assignments."""
    population = set(levels)
    late = population & late_now

    def score(rule: str, marked: set[tuple[str, str]]) -> Score:
        return Score(rule, len(marked), len(marked & late), len(late))

    return [
        score("high", {a for a, level in levels.items() if level == "high"}),
        score("high+medium", {a for a, level in levels.items() if level in ("high", "medium")}),
        score("any reason", {a for a, level in levels.items() if level is not None}),
        score("late last year (naive)", population & late_before),
    ]


def risk_levels(
    app: App, key: str, milestone: str, now: pendulum.DateTime, from_days: int
) -> dict[tuple[str, str], str | None]:
    """Every assignment of `milestone` open on `now` (on the milestone's own date: a track's units apart), with the
    risk level models.risk gives it then (None: no reason)."""
    from service.risk import assessed

    with app.unit_of_work() as session:
        campaign = session.scalar(select(Campaign).where(Campaign.key == key))
        assert campaign is not None
        root = session.get(OrgUnit, campaign.root_unit_id)
        assert root is not None
        local = now.in_timezone(campaign.timezone)
        today = dt.date(local.year, local.month, local.day)
        graded = {
            (a.facts.unit, a.facts.milestone): a.level.value
            for a in assessed(session, campaign, root.path, today, from_days)
            if a.facts.milestone == milestone
        }
        open_now = session.execute(
            select(OrgUnit.code, Milestone.key)
            .join(Assignment, Assignment.unit_id == OrgUnit.id)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .where(
                Assignment.campaign_id == campaign.id,
                Milestone.key == milestone,
                Assignment.due_before == Milestone.due_before,
                Assignment.status.in_([s.value for s in OPEN_STATUSES]),
            )
        ).tuples()
        return {pair: graded.get(pair) for pair in open_now}


def daily_slots(config: CampaignConfig, until: dt.date) -> list[pendulum.DateTime]:
    """One sweep a day at the send time (the benchmark's shorter schedule: no hourly sweeps on deadline days)."""
    days = (until - config.launch).days + 1
    return [
        local_instant(config.launch + dt.timedelta(days=n), config.reminders.send_at, config.timezone)
        for n in range(days)
    ]
