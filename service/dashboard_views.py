"""What the dashboard's pages show, as typed views, each read in one transaction and only for an actor that may
read it (service.access): the campaigns a reader takes part in, a campaign's page for a subtree (its figures from
service.dashboard_figures, computed now or read from the subtree's snapshot, and how fresh they are), search, and a
unit's page (assignments, reports, audit trail, notices, and what this reader may do there)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import select

from models.changes import AmendmentRow, amendments
from models.dashboard_activity import AuditRow, NoticeRow, audit_trail, current_reports, notices_for
from models.dashboard_tree import NodeFigures, ancestors, campaigns_for, search_units
from models.deciders import decider_of
from models.decisions import group
from models.lookup import campaign_by_key, unit_by_code
from models.progress import Progress
from models.tables import Assignment, Campaign, Milestone, OrgUnit
from service.access import Actor
from service.bootstrap import App
from service.dashboard_figures import BurnUp as BurnUp
from service.dashboard_figures import CampaignFigures, OverdueItem
from service.dashboard_snapshot import Freshness, figures_for
from service.decisions import rating_rows
from service.views import RatingRow


class CampaignRef(BaseModel):
    key: str
    title: str
    year: int
    plan_number: str
    status: str
    timezone: str


class UnitRef(BaseModel):
    code: str
    name: str
    level: str


class CampaignPage(BaseModel):
    campaign: CampaignRef
    root: UnitRef
    trail: list[UnitRef]
    figures: CampaignFigures
    freshness: Freshness
    admin: bool
    start: dt.date
    today: dt.date

    # The figures' parts, as the templates read them.
    @property
    def progress(self) -> Progress:
        return self.figures.progress

    @property
    def burnup(self) -> list[BurnUp]:
        return self.figures.burnup

    @property
    def overdue_total(self) -> int:
        return self.figures.overdue_total

    @property
    def overdue(self) -> list[OverdueItem]:
        return self.figures.overdue

    @property
    def children(self) -> list[NodeFigures]:
        return self.figures.children


def _ref(campaign: Campaign) -> CampaignRef:
    return CampaignRef(
        key=campaign.key,
        title=campaign.title,
        year=campaign.year,
        plan_number=campaign.plan_number,
        status=campaign.status,
        timezone=campaign.timezone,
    )


def _unit(unit: OrgUnit) -> UnitRef:
    return UnitRef(code=unit.code, name=unit.name, level=unit.level)


def campaign_list(app: App, actor: Actor) -> list[CampaignRef]:
    with app.unit_of_work() as session:
        own = None if actor.admin else session.get(OrgUnit, actor.unit_id)
        return [_ref(c) for c in campaigns_for(session, own)]


def _root_for(session: Any, actor: Actor, campaign: Campaign, code: str | None) -> OrgUnit:
    """The subtree shown: `code` if given, else the reader's own unit, else (the board) the campaign's root."""
    if code:
        unit = unit_by_code(session, code, field="root")
    elif actor.unit_id is not None:
        unit = session.get(OrgUnit, actor.unit_id)
    else:
        unit = session.get(OrgUnit, campaign.root_unit_id)
    assert unit is not None
    actor.require_read(unit)
    return unit


def campaign_page(app: App, actor: Actor, key: str, root: str | None, now: pendulum.DateTime) -> CampaignPage:
    """A campaign for one subtree: its figures computed now, or a large subtree's read from its snapshot
    (service.dashboard_snapshot), with how fresh they are."""
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        unit = _root_for(session, actor, campaign, root)
        trail = [_unit(u) for u in ancestors(session, unit, None if actor.admin else actor.path)]
    figures, freshness = figures_for(app, actor, campaign, unit, now)
    return CampaignPage(
        campaign=_ref(campaign),
        root=_unit(unit),
        trail=trail,
        figures=figures,
        freshness=freshness,
        admin=actor.admin,
        start=campaign.launch_date,
        today=pendulum.instance(figures.at).in_timezone(campaign.timezone).date(),
    )


def search(app: App, actor: Actor, key: str, text: str) -> list[UnitRef]:
    """Units of the reader's subtree whose code or name holds `text`."""
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        within = actor.path if not actor.admin else session.get(OrgUnit, campaign.root_unit_id).path  # type: ignore[union-attr]
        assert within is not None
        return [_unit(u) for u in search_units(session, campaign.id, within, text.strip())] if text.strip() else []


class AssignmentItem(BaseModel):
    milestone: str
    title: str
    deadline: dt.date
    extended: bool
    status: str
    submitted_at: dt.datetime | None
    on_time: bool | None
    report_version: int | None = None
    report: dict[str, Any] | None = None


class UnitDetail(BaseModel):
    campaign: CampaignRef
    unit: UnitRef
    members: int
    parent: UnitRef | None
    trail: list[UnitRef]
    children: int
    assignments: list[AssignmentItem]
    notices: list[NoticeRow]
    audit: list[AuditRow]
    may_submit: bool
    may_decide: bool  # accept or return: the parent
    may_rate: bool = False  # decide the rating: the decider by the management line
    admin: bool
    today: dt.date
    # The unit's rating as an organization: its self-rating beside the level above's decision (tự đánh giá →
    # quyết định); and, for a unit with units under it, the ratings it decides for them.
    rating: RatingRow | None = None
    group: list[RatingRow] = []
    # Deadlines amended while the campaign runs that concern this unit (the whole campaign's, or its subtree's).
    amendments: list[AmendmentRow] = []


def unit_detail(app: App, actor: Actor, key: str, code: str, now: pendulum.DateTime) -> UnitDetail:
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        unit = unit_by_code(session, code, field="unit")
        actor.require_read(unit)
        parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
        rows = session.execute(
            select(Assignment, Milestone)
            .join(Milestone, Milestone.id == Assignment.milestone_id)
            .where(Assignment.campaign_id == campaign.id, Assignment.unit_id == unit.id)
            .order_by(Milestone.position)
        ).tuples()
        items, ids = [], {}
        tracks = {t["name"]: t.get("deadlines", {}) for t in campaign.config.get("tracks", [])}
        for assignment, milestone in rows:
            own = tracks.get(assignment.track or "", {}).get(milestone.key)  # a track's date is not an extension
            ids[assignment.id] = milestone.key
            deadline = assignment.due_before.in_timezone(campaign.timezone).subtract(days=1).date()
            items.append(
                (
                    assignment.id,
                    AssignmentItem(
                        milestone=milestone.key,
                        title=milestone.title,
                        deadline=deadline,
                        extended=deadline != (dt.date.fromisoformat(own) if own else milestone.deadline),
                        status=assignment.status,
                        submitted_at=assignment.submitted_at,
                        on_time=assignment.on_time,
                    ),
                )
            )
        reports = current_reports(session, list(ids))
        for assignment_id, item in items:
            if assignment_id in reports:
                item.report_version, item.report = reports[assignment_id]
        children = len(session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == unit.id)).all())
        levels = app.settings.levels
        decider = decider_of(session, unit, levels)
        siblings = rating_rows(group(session, campaign, decider, levels)) if decider is not None else []
        return UnitDetail(
            campaign=_ref(campaign),
            unit=_unit(unit),
            members=unit.members,
            parent=_unit(parent) if parent else None,
            trail=[_unit(u) for u in ancestors(session, unit, None if actor.admin else actor.path)],
            children=children,
            assignments=[item for _, item in items],
            notices=notices_for(session, campaign.id, [unit.code]).get(unit.code, []),
            audit=audit_trail(session, campaign.id, ids),
            may_submit=actor.admin or actor.unit_id == unit.id,
            may_decide=actor.admin or (actor.unit_id is not None and actor.unit_id == unit.parent_id),
            may_rate=actor.admin or (decider is not None and actor.unit_id == decider.id),
            admin=actor.admin,
            today=now.in_timezone(campaign.timezone).date(),
            rating=next((row for row in siblings if row.unit == unit.code), None),
            group=rating_rows(group(session, campaign, unit, levels)) if children else [],
            amendments=amendments(session, campaign, unit),
        )
