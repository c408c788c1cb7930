"""The figures of a campaign page for one subtree, computed now: progress per level (service.progress_view), the
burn-up of submissions, the longest-overdue units with their notices (service.overdue), the units at risk
(service.risk), last year's figures on the same day (service.year_over_year), the children to drill into. Each
part is an independent read in a transaction of its own; the slow ones run on threads while this one reads the
rest. service.dashboard_snapshot keeps them for large subtrees."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import select

from models.dashboard_activity import NoticeRow, notices_for, submissions_per_day
from models.dashboard_tree import NodeFigures, children_figures
from models.lookup import campaign_by_key, unit_by_code
from models.overdue import OverdueUnit
from models.progress import Progress
from models.risk import DEFAULT_FROM_DAYS
from models.tables import Campaign, Milestone
from models.year_over_year import YearOverYearView
from service.access import Actor
from service.bootstrap import App
from service.overdue import subtree_overdue_listed
from service.progress_view import subtree_progress
from service.risk import units_at_risk
from service.year_over_year import compare

OVERDUE_LISTED = 100
AT_RISK_LISTED = 100
_READERS = ThreadPoolExecutor(max_workers=5, thread_name_prefix="kiemdiem-dashboard")


class BurnUp(BaseModel):
    """One milestone's submissions, cumulative per local day, against the units that must report and the deadline."""

    milestone: str
    deadline: dt.date
    due: int
    days: list[tuple[dt.date, int]]


class OverdueItem(BaseModel):
    row: OverdueUnit
    notices: list[NoticeRow]


class RiskReason(BaseModel):
    kind: str
    vi: str
    en: str


class AtRiskItem(BaseModel):
    """An open assignment at risk of missing its deadline (service.risk), with each reason a fact to check."""

    unit: str
    name: str
    parent: str | None
    milestone: str
    deadline: dt.date
    days_left: int
    status: str
    level: str
    reasons: list[RiskReason]


class CampaignFigures(BaseModel):
    at: dt.datetime
    progress: Progress
    burnup: list[BurnUp]
    overdue_total: int
    overdue: list[OverdueItem]
    children: list[NodeFigures]
    at_risk_total: int = 0
    at_risk_levels: dict[str, int] = {}  # high / medium / low → how many
    at_risk_from_days: int = DEFAULT_FROM_DAYS
    at_risk: list[AtRiskItem] = []
    # Last year's campaign on the same day beside this year's (service.year_over_year); None: no last year's.
    last_year: YearOverYearView | None = None


def campaign_figures(app: App, actor: Actor, key: str, code: str, now: pendulum.DateTime) -> CampaignFigures:
    """The figures of `code`'s subtree at `now`, for an actor who may read it."""
    progress_later = _READERS.submit(subtree_progress, app, actor, key, code, now)
    overdue_later = _READERS.submit(subtree_overdue_listed, app, actor, key, code, now, OVERDUE_LISTED)
    risk_later = _READERS.submit(units_at_risk, app, actor, key, code, now, DEFAULT_FROM_DAYS)
    last_year_later = _READERS.submit(compare, app, key, code, now, actor)
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        unit = unit_by_code(session, code, field="root")
        children = children_figures(session, campaign.id, unit, now)
        per_day = submissions_per_day(session, campaign, unit)
        figures, overdue, risks = progress_later.result(), overdue_later.result(), risk_later.result()
        listed = overdue.rows  # the longest overdue first
        notices = notices_for(session, campaign.id, sorted({row.unit_code for row in listed}))
        burnup = _burnup(session, campaign, per_day, figures)
    levels: dict[str, int] = {}
    for unit_risk in risks.units:
        levels[unit_risk["level"]] = levels.get(unit_risk["level"], 0) + 1
    return CampaignFigures(
        at=now,
        progress=figures,
        burnup=burnup,
        overdue_total=overdue.total,
        overdue=[OverdueItem(row=row, notices=notices.get(row.unit_code, [])) for row in listed],
        children=children,
        at_risk_total=len(risks.units),
        at_risk_levels=levels,
        at_risk_from_days=risks.from_days,
        at_risk=[AtRiskItem.model_validate(item) for item in risks.units[:AT_RISK_LISTED]],
        last_year=last_year_later.result(),
    )


def _burnup(
    session: Any, campaign: Campaign, per_day: dict[str, dict[dt.date, int]], figures: Progress
) -> list[BurnUp]:
    milestones = session.scalars(
        select(Milestone).where(Milestone.campaign_id == campaign.id).order_by(Milestone.position)
    ).all()
    due: dict[str, int] = {}
    for row in figures.levels:
        due[row.milestone] = due.get(row.milestone, 0) + row.units - row.exempt
    found = []
    for milestone in milestones:
        if not due.get(milestone.key):
            continue
        running, days = 0, []
        for day, count in sorted(per_day.get(milestone.key, {}).items()):
            running += count
            days.append((day, running))
        found.append(BurnUp(milestone=milestone.key, deadline=milestone.deadline, due=due[milestone.key], days=days))
    return found
