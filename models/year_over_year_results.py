"""Results per subject for the year-over-year comparison (models.year_over_year): each year's view as it stood on
one instant, the latest version of each report submitted by then, counted as `models.progress` counts them now (the
topmost reports of the view; organizations once each, with the decision made by then, else the self-rating), split
between the units in both years' views and the others."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.enums import DONE_STATUSES
from models.level_progress import pct
from models.levels import level_rank
from models.progress import (
    BRANCH_TYPES,
    GRASSROOTS,
    SUBJECTS,
    SubjectResults,
    add_counts,
    counted_columns,
    organization_type,
    topmost_reports_only,
)
from models.reports import RATINGS
from models.tables import Assignment, Campaign, Milestone, OrgUnit, RatingDecision, Report, ReportLine

DONE = tuple(s.value for s in DONE_STATUSES)


class Rated(BaseModel):
    total: int = 0
    evaluated: int = 0
    good_or_above: int = 0
    good_or_above_pct: float = 0.0


@dataclass(frozen=True)
class Scope:
    """One year's side of the view: its campaign, and the path its units are under now ("": all of them)."""

    campaign_id: int
    path: str


def in_other(unit_id: Any, other: Scope) -> ColumnElement[bool]:
    """The unit is in the other year's side of the view too (matched by code: a unit keeps its row and code)."""
    assignment, unit = aliased(Assignment), aliased(OrgUnit)
    return exists().where(
        assignment.campaign_id == other.campaign_id,
        assignment.unit_id == unit_id,
        unit.id == assignment.unit_id,
        unit.path.startswith(other.path, autoescape=True),
    )


def flag(condition: ColumnElement[bool]) -> Any:
    return case((condition, 1), else_=0)


def _lines(side: Scope, other: Scope, at: pendulum.DateTime) -> Select[Any]:
    """Report lines (organizations' apart) of the latest version of each report submitted by `at`, of assignments
    done now: unit, parent, subject, milestone position, the unit's latest position, reasons, counts, `both`."""
    version = func.row_number().over(partition_by=Report.assignment_id, order_by=Report.version.desc())
    reports = (
        select(Report.id.label("id"), version.label("newest"))
        .join(Assignment, Assignment.id == Report.assignment_id)
        .where(Assignment.campaign_id == side.campaign_id, Assignment.status.in_(DONE), Report.submitted_at <= at)
        .subquery("reports")
    )
    return (
        select(
            Assignment.unit_id.label("unit_id"),
            OrgUnit.parent_id.label("parent_id"),
            ReportLine.subject.label("subject"),
            Milestone.position.label("position"),
            func.max(Milestone.position).over(partition_by=(Assignment.unit_id, ReportLine.subject)).label("latest"),
            cast(ReportLine.not_evaluated, Text).label("reasons"),
            flag(in_other(Assignment.unit_id, other)).label("both"),
            *(column.label(f"n{i}") for i, column in enumerate(counted_columns(ReportLine))),
        )
        .join(reports, and_(reports.c.id == ReportLine.report_id, reports.c.newest == 1))
        .join(Report, Report.id == ReportLine.report_id)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(OrgUnit.path.startswith(side.path, autoescape=True), ReportLine.subject != "organization")
    )


def results(
    session: Session,
    campaign: Campaign,
    sides: tuple[Scope, Scope],
    root: OrgUnit,
    at: pendulum.DateTime,
    levels: tuple[str, ...],
) -> dict[str, dict[bool, Rated]]:
    """Per subject, of the units in the other campaign too (True) and of the others (False): the topmost reports of
    the view as they stood on `at` (as `models.progress` counts them now), and the organizations' ratings."""
    rep = _lines(*sides, at).cte("rep")
    counts = [c for c in rep.c if c.name.startswith("n")]
    per_parent = (
        select(
            rep.c.subject,
            rep.c.parent_id,
            rep.c.both,
            rep.c.reasons,
            func.count().label("lines"),
            *(func.sum(c).label(c.name) for c in counts),
        )
        .where(rep.c.position == rep.c.latest)
        .group_by(rep.c.subject, rep.c.parent_id, rep.c.both, rep.c.reasons)
        .subquery("per_parent")
    )
    summed = [c for c in per_parent.c if c.name.startswith("n")]
    query = select(
        per_parent.c.subject,
        per_parent.c.both,
        per_parent.c.reasons,
        func.sum(per_parent.c.lines),
        *(func.sum(c) for c in summed),
    ).group_by(per_parent.c.subject, per_parent.c.both, per_parent.c.reasons)
    query = topmost_reports_only(session, root, query, rep, per_parent)
    found = {s: {True: SubjectResults(), False: SubjectResults()} for s in SUBJECTS}
    for subject, in_both, text, lines, *numbers in session.execute(query).tuples():
        reasons = (json.loads(text) if text else None) or {}
        side = bool(in_both)
        found[subject][side] = add_counts(found[subject][side], (*numbers, {r: n * lines for r, n in reasons.items()}))
    rated = {s: {side: _rated(r) for side, r in sides.items()} for s, sides in found.items()}
    rated["organization"] = _organizations(session, campaign, sides, root, at, levels)
    return rated


def _rated(results: SubjectResults) -> Rated:
    good = results.excellent + results.good
    return Rated(
        total=results.total,
        evaluated=results.evaluated,
        good_or_above=good,
        good_or_above_pct=pct(good, results.evaluated),
    )


def _organizations(
    session: Session,
    campaign: Campaign,
    sides: tuple[Scope, Scope],
    root: OrgUnit,
    at: pendulum.DateTime,
    levels: tuple[str, ...],
) -> dict[bool, Rated]:
    """The organizations the headline counts (grassroots organizations for a committee above them, branches for a
    grassroots organization), each once with its rating on `at`: the level above's decision made by then, else its
    latest self-rating submitted by then."""
    above = level_rank(levels, root.level) < level_rank(levels, GRASSROOTS)
    headline = ("dang_bo_co_so", "chi_bo_co_so") if above else BRANCH_TYPES
    decision = func.row_number().over(
        partition_by=RatingDecision.unit_id, order_by=(RatingDecision.version.desc(), RatingDecision.id.desc())
    )
    decided = (
        select(RatingDecision.unit_id.label("unit_id"), RatingDecision.rating.label("rating"), decision.label("n"))
        .where(RatingDecision.campaign_id == campaign.id, RatingDecision.decided_at <= at)
        .subquery("decided")
    )
    newest = func.row_number().over(
        partition_by=Assignment.unit_id, order_by=(Report.submitted_at.desc(), Report.id.desc())
    )
    own = (
        select(Assignment.unit_id.label("unit_id"), Report.self_rating.label("rating"), newest.label("n"))
        .join(Report, Report.assignment_id == Assignment.id)
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status.in_(DONE),
            Report.submitted_at <= at,
            Report.self_rating.is_not(None),
        )
        .subquery("own")
    )
    child = aliased(OrgUnit)
    each = (
        select(
            OrgUnit.level.label("level"),
            flag(exists().where(child.parent_id == OrgUnit.id)).label("parent"),
            flag(in_other(OrgUnit.id, sides[1])).label("both"),
            func.coalesce(decided.c.rating, own.c.rating).label("rating"),
        )
        .outerjoin(decided, and_(decided.c.unit_id == OrgUnit.id, decided.c.n == 1))
        .outerjoin(own, and_(own.c.unit_id == OrgUnit.id, own.c.n == 1))
        .where(
            OrgUnit.path.startswith(sides[0].path, autoescape=True),
            OrgUnit.id != root.id,
            OrgUnit.id.in_(select(Assignment.unit_id).where(Assignment.campaign_id == campaign.id)),
        )
        .subquery("each")
    )
    query = select(each.c.level, each.c.parent, each.c.both, each.c.rating, func.count()).group_by(
        each.c.level, each.c.parent, each.c.both, each.c.rating
    )
    grassroots = level_rank(levels, GRASSROOTS)
    totals = {True: dict.fromkeys(("total", *RATINGS), 0), False: dict.fromkeys(("total", *RATINGS), 0)}
    for level, parent, in_both, rated, units in session.execute(query).tuples():
        if organization_type(level_rank(levels, level) - grassroots, bool(parent)) not in headline:
            continue
        side = totals[bool(in_both)]
        side["total"] += units
        if rated in side:
            side[rated] += units
    return {
        side: Rated(
            total=t["total"],
            evaluated=sum(t[r] for r in RATINGS),
            good_or_above=t["excellent"] + t["good"],
            good_or_above_pct=pct(t["excellent"] + t["good"], sum(t[r] for r in RATINGS)),
        )
        for side, t in totals.items()
    }
