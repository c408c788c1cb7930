"""This year beside last year (issue 16, item 2): the same subtree, each year as it stood on the same day of its
campaign, matched by unit code, with the units new this year and the units gone since last year counted apart.

- **Last year's campaign**: the config's `previous: KEY` (written by `campaign launch --from`), else the closed
  campaign of the same root and the year before (the latest launched, if several). None: nothing to compare.
- **The same day**: day N after the launch date (local), at the same local time of day: this year's instant `at`
  is N days after this year's launch, last year's is N days after last year's launch. (`launch --from` moves the
  launch and every deadline by a year keeping month and day, so the offset to each deadline is the same too.)
- **As it stood**: an assignment counts as submitted on that instant if it is done now (submitted or accepted) and
  was submitted by then; on time likewise; overdue if not submitted by then and past its deadline; an exempt unit
  counts in neither year's denominator; a report returned for correction counts as not submitted. Results per
  subject are of the latest version of each report submitted by then (the topmost reports of the view, as
  `models.progress` counts them); organizations of the decision made by then, else the self-rating.
- **Matched by unit code**: the units of the view in both campaigns are compared (`this_year`, `last_year`); units
  new this year (`new`, this year's figures) and units gone (`gone`, last year's figures) are apart, so each year's
  whole is both + apart. A unit keeps its row and code across tree re-imports; last year's units are placed in the
  subtree by where they sit now (the tree keeps no history of parents).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, Text, and_, case, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.enums import DONE_STATUSES, AssignmentStatus, CampaignStatus
from models.level_progress import pct
from models.levels import level_rank
from models.progress import (
    BRANCH_TYPES,
    GRASSROOTS,
    SUBJECTS,
    SubjectResults,
    _add,
    _counted,
    _type,
    _view_depth,
)
from models.reports import RATINGS
from models.tables import Assignment, Campaign, Milestone, OrgUnit, RatingDecision, Report, ReportLine

DONE = tuple(s.value for s in DONE_STATUSES)
EXEMPT = AssignmentStatus.EXEMPT.value
Side = Literal["this_year", "last_year", "new", "gone"]
BASIS_VI = "cùng ngày thứ {day} sau ngày triển khai"
BASIS_EN = "the same day {day} after the launch"


class Figures(BaseModel):
    """Progress of some units of one milestone and level on one instant. `units` must report (exempt not
    counted); percentages of `units`, one decimal."""

    units: int = 0
    submitted: int = 0
    on_time: int = 0
    overdue: int = 0
    submitted_pct: float = 0.0
    on_time_pct: float = 0.0


class LevelComparison(BaseModel):
    milestone: str
    level: str
    this_year: Figures  # the units in both campaigns, this year
    last_year: Figures  # the same units, last year
    new: Figures  # units new this year, this year
    gone: Figures  # units gone since last year, last year


class Rated(BaseModel):
    total: int = 0
    evaluated: int = 0
    good_or_above: int = 0
    good_or_above_pct: float = 0.0


class SubjectComparison(BaseModel):
    subject: str
    this_year: Rated
    last_year: Rated
    new: Rated
    gone: Rated


class UnitsMatched(BaseModel):
    both: int
    new: int
    gone: int
    new_codes: list[str]  # at most 50 of each, by code
    gone_codes: list[str]


class YearOverYearView(BaseModel):
    campaign: str
    previous: str
    # How last year's campaign was found: `config` (its `previous:`), `same_root` (closed, same root, year - 1).
    found_by: Literal["config", "same_root"]
    root: str
    at: str
    previous_at: str
    day: int  # days after the launch date, local
    basis: dict[str, str]  # the rule, in Vietnamese and English
    units: UnitsMatched
    levels: list[LevelComparison]
    results: list[SubjectComparison]


def previous_campaign(session: Session, campaign: Campaign) -> tuple[Campaign, Literal["config", "same_root"]] | None:
    """Last year's campaign: the config's `previous`, else the closed one of the same root and the year before."""
    named = (campaign.config or {}).get("previous")
    if named:
        found = session.scalar(select(Campaign).where(Campaign.key == str(named), Campaign.id != campaign.id))
        if found is not None:
            return found, "config"
    same_root = session.scalar(
        select(Campaign)
        .where(
            Campaign.root_unit_id == campaign.root_unit_id,
            Campaign.year == campaign.year - 1,
            Campaign.status == CampaignStatus.CLOSED.value,
        )
        .order_by(Campaign.launched_at.desc(), Campaign.id.desc())
        .limit(1)
    )
    return (same_root, "same_root") if same_root is not None else None


def same_day(campaign: Campaign, previous: Campaign, at: pendulum.DateTime) -> tuple[int, pendulum.DateTime]:
    """Day N after this campaign's launch date (local) for `at`, and the instant N days after last year's launch
    date at the same local time of day."""
    local = at.in_timezone(campaign.timezone)
    day = (dt.date(local.year, local.month, local.day) - campaign.launch_date).days
    then = previous.launch_date + dt.timedelta(days=day)
    earlier = pendulum.datetime(
        then.year, then.month, then.day, local.hour, local.minute, local.second, tz=previous.timezone
    )
    return day, earlier.in_timezone("UTC")


def compare(
    session: Session,
    campaign: Campaign,
    previous: Campaign,
    found_by: Literal["config", "same_root"],
    root: OrgUnit,
    at: pendulum.DateTime,
    levels: tuple[str, ...],
) -> YearOverYearView:
    day, earlier = same_day(campaign, previous, at)
    now, then = Scope(campaign.id, root.path), Scope(previous.id, _last_years_path(session, previous, root))
    this_units, last_units = _units(now), _units(then)
    now_rows = _figures(session, now, then, at)
    then_rows = _figures(session, then, now, earlier)
    rows: dict[tuple[str, str], dict[Side, Figures]] = {}
    order: dict[tuple[str, str], tuple[int, int, int]] = {}
    for year, found in ((0, now_rows), (1, then_rows)):
        for key, level, position, both, counts in found:
            side: Side = ("this_year" if both else "new") if year == 0 else ("last_year" if both else "gone")
            rows.setdefault((key, level), {})[side] = counts
            order.setdefault((key, level), (year, position, level_rank(levels, level)))
    compared = [
        LevelComparison(milestone=key, level=level, **{s: rows[(key, level)].get(s, Figures()) for s in _SIDES})
        for key, level in sorted(rows, key=lambda k: (*order[k], k))
    ]
    now_results = _results(session, campaign, (now, then), root, at, levels)
    then_results = _results(session, previous, (then, now), root, earlier, levels)
    results = [
        SubjectComparison(
            subject=subject,
            this_year=now_results[subject][True],
            last_year=then_results[subject][True],
            new=now_results[subject][False],
            gone=then_results[subject][False],
        )
        for subject in SUBJECTS
        if any(r.total for r in (*now_results[subject].values(), *then_results[subject].values()))
    ]
    return YearOverYearView(
        campaign=campaign.key,
        previous=previous.key,
        found_by=found_by,
        root=root.code,
        at=at.isoformat(),
        previous_at=earlier.in_timezone(previous.timezone).isoformat(),
        day=day,
        basis={"vi": BASIS_VI.format(day=day), "en": BASIS_EN.format(day=day)},
        units=_matched(session, this_units, last_units),
        levels=compared,
        results=results,
    )


_SIDES: tuple[Side, ...] = ("this_year", "last_year", "new", "gone")


@dataclass(frozen=True)
class Scope:
    """One year's side of the view: its campaign, and the path its units are under now ("": all of them)."""

    campaign_id: int
    path: str


def _last_years_path(session: Session, previous: Campaign, root: OrgUnit) -> str:
    """Where last year's units of the view are: under `root` now; all of last year's campaign when `root` is its
    root or above (the units gone from the tree are then last year's units no longer under it). Below last year's
    root, a unit that has left the subtree cannot be placed in it (the tree keeps no history of parents)."""
    top = session.get(OrgUnit, previous.root_unit_id)
    return "" if top is not None and top.path.startswith(root.path) else root.path


def _units(side: Scope) -> Select[tuple[int]]:
    """The units of the view that the campaign covers (any milestone)."""
    return (
        select(Assignment.unit_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(Assignment.campaign_id == side.campaign_id, OrgUnit.path.startswith(side.path, autoescape=True))
        .distinct()
    )


def _in_other(unit_id: Any, other: Scope) -> ColumnElement[bool]:
    """The unit is in the other year's side of the view too (matched by code: a unit keeps its row and code)."""
    assignment, unit = aliased(Assignment), aliased(OrgUnit)
    return exists().where(
        assignment.campaign_id == other.campaign_id,
        assignment.unit_id == unit_id,
        unit.id == assignment.unit_id,
        unit.path.startswith(other.path, autoescape=True),
    )


def _matched(session: Session, this_units: Select[tuple[int]], last_units: Select[tuple[int]]) -> UnitsMatched:
    this_year, last_year = this_units.subquery(), last_units.subquery()
    query = (
        select(OrgUnit.code, OrgUnit.id.in_(select(this_year.c.unit_id)), OrgUnit.id.in_(select(last_year.c.unit_id)))
        .where(OrgUnit.id.in_(select(this_year.c.unit_id).union(select(last_year.c.unit_id))))
        .order_by(OrgUnit.code)
    )
    both, new, gone = 0, [], []
    for code, now, then in session.execute(query).tuples():
        if now and then:
            both += 1
        elif now:
            new.append(code)
        else:
            gone.append(code)
    return UnitsMatched(both=both, new=len(new), gone=len(gone), new_codes=new[:50], gone_codes=gone[:50])


def _figures(
    session: Session, side: Scope, other: Scope, at: pendulum.DateTime
) -> list[tuple[str, str, int, bool, Figures]]:
    """Per milestone, level and whether the unit is in the other campaign too: the figures on `at`."""
    submitted = and_(Assignment.status.in_(DONE), Assignment.submitted_at <= at)
    exempt = Assignment.status == EXEMPT
    each = (
        select(
            Milestone.key.label("key"),
            Milestone.position.label("position"),
            OrgUnit.level.label("level"),
            _flag(_in_other(Assignment.unit_id, other)).label("both"),
            _flag(exempt).label("exempt"),
            _flag(submitted).label("submitted"),
            _flag(and_(submitted, Assignment.on_time.is_(True))).label("on_time"),
            _flag(and_(~exempt, ~submitted, Assignment.due_before <= at)).label("overdue"),
        )
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(Assignment.campaign_id == side.campaign_id, OrgUnit.path.startswith(side.path, autoescape=True))
        .subquery("each")
    )
    query = select(
        each.c.key,
        each.c.level,
        func.min(each.c.position),
        each.c.both,
        func.count(),
        *(func.sum(c) for c in (each.c.exempt, each.c.submitted, each.c.on_time, each.c.overdue)),
    ).group_by(each.c.key, each.c.level, each.c.both)
    found = []
    for key, level, position, in_both, units, exempted, done, on_time, overdue in session.execute(query).tuples():
        must = int(units) - int(exempted or 0)
        done, on_time = int(done or 0), int(on_time or 0)
        figures = Figures(
            units=must,
            submitted=done,
            on_time=on_time,
            overdue=int(overdue or 0),
            submitted_pct=pct(done, must),
            on_time_pct=pct(on_time, must),
        )
        found.append((key, level, int(position), bool(in_both), figures))
    return found


def _flag(condition: ColumnElement[bool]) -> Any:
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
            _flag(_in_other(Assignment.unit_id, other)).label("both"),
            *(column.label(f"n{i}") for i, column in enumerate(_counted(ReportLine))),
        )
        .join(reports, and_(reports.c.id == ReportLine.report_id, reports.c.newest == 1))
        .join(Report, Report.id == ReportLine.report_id)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(OrgUnit.path.startswith(side.path, autoescape=True), ReportLine.subject != "organization")
    )


def _results(
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
    child = aliased(OrgUnit)
    reporters = (
        select(rep.c.unit_id, rep.c.subject)
        .distinct()
        .where(exists().where(child.parent_id == rep.c.unit_id))
        .cte("reporters")
    )
    above: Any = per_parent.c.parent_id
    for _ in range(_view_depth(session, root)):
        ancestor, step = aliased(reporters), aliased(OrgUnit)
        query = query.where(~exists().where(ancestor.c.unit_id == above, ancestor.c.subject == per_parent.c.subject))
        query = query.outerjoin(step, step.id == above)
        above = step.parent_id
    found = {s: {True: SubjectResults(), False: SubjectResults()} for s in SUBJECTS}
    for subject, in_both, text, lines, *numbers in session.execute(query).tuples():
        reasons = (json.loads(text) if text else None) or {}
        side = bool(in_both)
        found[subject][side] = _add(found[subject][side], (*numbers, {r: n * lines for r, n in reasons.items()}))
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
            _flag(exists().where(child.parent_id == OrgUnit.id)).label("parent"),
            _flag(_in_other(OrgUnit.id, sides[1])).label("both"),
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
        if _type(level_rank(levels, level) - grassroots, bool(parent)) not in headline:
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
