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
from typing import Literal

import pendulum
from pydantic import BaseModel
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from models.enums import AssignmentStatus, CampaignStatus
from models.level_progress import pct
from models.levels import level_rank
from models.progress import SUBJECTS
from models.tables import Assignment, Campaign, Milestone, OrgUnit
from models.year_over_year_results import DONE, Scope, flag, in_other
from models.year_over_year_results import Rated as Rated
from models.year_over_year_results import results as subject_results

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
    now_results = subject_results(session, campaign, (now, then), root, at, levels)
    then_results = subject_results(session, previous, (then, now), root, earlier, levels)
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
            flag(in_other(Assignment.unit_id, other)).label("both"),
            flag(exempt).label("exempt"),
            flag(submitted).label("submitted"),
            flag(and_(submitted, Assignment.on_time.is_(True))).label("on_time"),
            flag(and_(~exempt, ~submitted, Assignment.due_before <= at)).label("overdue"),
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
