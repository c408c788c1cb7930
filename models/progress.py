"""Progress per milestone and level, and results per subject, for a campaign's whole tree or one subtree (SPEC §7).

`overdue` = not submitted and past the deadline; `pending` = not submitted and not yet due; percentages are of
those evaluated (results) or of the units that must report (progress: exempt units do not count), one decimal.
"""

from __future__ import annotations

import json
from typing import Any

import pendulum
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Integer, Select, Text, and_, cast, exists, func, select
from sqlalchemy.orm import Session, aliased

from models.campaign_config import new_member_reference_date
from models.changes import AmendmentRow, amendments
from models.decisions import rated_by_decision, rated_by_self
from models.enums import DONE_STATUSES, NoticeStatus
from models.level_progress import LevelProgress as LevelProgress
from models.level_progress import TrackProgress, level_progress, pct
from models.levels import level_rank
from models.lookup import campaign_by_key, unit_by_code
from models.reports import RATINGS
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry, Report, ReportLine

DONE = tuple(s.value for s in DONE_STATUSES)
SUBJECTS = ("organization", "member", "leadership_collective", "leader")
GRASSROOTS = "grassroots"
BRANCH_TYPES = ("dang_bo_bo_phan", "chi_bo_truc_thuoc")
ORGANIZATION_TYPES = ("dang_bo_co_so", "chi_bo_co_so", *BRANCH_TYPES, "upper_committee")


class SubjectResults(BaseModel):
    total: int = 0
    evaluated: int = 0
    excellent: int = 0
    good: int = 0
    completed: int = 0
    not_completed: int = 0
    good_or_above_pct: float = 0.0
    # Not rated, per reason (exempt, suspended, new, other); members: how many of the total are probationary.
    not_evaluated: dict[str, int] = {}
    probationary: int = 0


class MemberTotalNote(BaseModel):
    unit: str
    reported: int
    tree: int
    reason: str


class Progress(BaseModel):
    campaign: str
    at: str
    root: str
    levels: list[LevelProgress]
    results: dict[str, SubjectResults]
    # Units that no notice can reach, per level: reported, never silently skipped.
    no_contact: dict[str, int] = {}
    # Units of the subtree added after the launch: not in the campaign's denominators (the tree as launched).
    added_after_launch: dict[str, int] = {}
    # Notices to the subtree that need a person: `failed` (every retry refused) and `uncertain` (the deliverer
    # stopped while sending: may not have arrived). Only the states present are listed.
    notices: dict[str, int] = {}
    # Organizations per type (dang_bo_co_so, chi_bo_co_so, dang_bo_bo_phan, chi_bo_truc_thuoc, upper_committee),
    # each once with its current rating (the level above's decision, else its self-rating).
    organizations_by_type: dict[str, SubjectResults] = {}
    # Reports whose member total differs from the tree's, with the reason the unit gave: for the level above.
    member_total_notes: list[MemberTotalNote] = []
    # The units on a track of their own, per track (`levels` above counts every unit, each against its own date).
    tracks: dict[str, TrackProgress] = {}
    # Members admitted less than 6 months before this date are not rated (`not_evaluated.new`).
    new_member_reference_date: str = ""
    # Deadlines amended while the campaign runs that touch this view (models.changes).
    amendments: list[AmendmentRow] = []


def progress(
    session: Session, campaign_key: str, root_code: str | None, now: pendulum.DateTime, levels: tuple[str, ...]
) -> Progress:
    campaign = campaign_by_key(session, campaign_key)
    root = session.get(OrgUnit, campaign.root_unit_id)
    if root_code is not None:
        root = unit_by_code(session, root_code, field="root")
    assert root is not None
    organizations = organization_results(session, campaign, root, levels)
    every_level, tracks = level_progress(session, campaign, root, now, levels)
    return Progress(
        campaign=campaign.key,
        at=now.isoformat(),
        root=root.code,
        levels=every_level,
        tracks=tracks,
        new_member_reference_date=new_member_reference_date(campaign.config, campaign.year).isoformat(),
        results={**_results(session, campaign, root), "organization": organizations.pop("headline")},
        organizations_by_type=organizations,
        member_total_notes=_member_total_notes(session, campaign, root),
        no_contact=_no_contact(session, root),
        added_after_launch=_added_after_launch(session, campaign, root),
        notices=_notices_needing_attention(session, campaign, root),
        amendments=amendments(session, campaign, root),
    )


def _results(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, SubjectResults]:
    """Whose report covers what: a unit's report covers its subtree, so each subject counts the topmost reports of
    the view (a grassroots organization's report, not its branches' as well); a unit's reports for several
    milestones count once, the latest milestone's. (Organizations are counted by `organization_results`.)

    All in the database, one pass over the view's report lines (`rep`): each unit's latest milestone's (a window),
    summed per parent (whether a line is covered depends on its parent only: the parent or one of its ancestors in
    the view reported the subject), the parents whose chain up `parent_id` meets no reporting unit with units below
    (one anti-join per level, as deep as the tree goes) kept, and summed per subject and set of reasons."""
    rep = _reporting_lines(campaign, root).cte("rep")
    counts = [c for c in rep.c if c.name.startswith("n")]
    per_parent = (
        select(
            rep.c.subject,
            rep.c.parent_id,
            rep.c.reasons,
            func.count().label("lines"),
            *(func.sum(c).label(c.name) for c in counts),
        )
        .where(rep.c.position == rep.c.latest)
        .group_by(rep.c.subject, rep.c.parent_id, rep.c.reasons)
        .subquery("per_parent")
    )
    summed = [c for c in per_parent.c if c.name.startswith("n")]
    query = select(
        per_parent.c.subject, per_parent.c.reasons, func.sum(per_parent.c.lines), *(func.sum(c) for c in summed)
    ).group_by(per_parent.c.subject, per_parent.c.reasons)
    query = topmost_reports_only(session, root, query, rep, per_parent)
    found = {subject: SubjectResults() for subject in SUBJECTS}
    parsed: dict[str | None, dict[str, int]] = {}
    for subject, text, lines, *numbers in session.execute(query).tuples():
        if text not in parsed:
            parsed[text] = (json.loads(text) if text else None) or {}
        found[subject] = add_counts(found[subject], (*numbers, {r: n * lines for r, n in parsed[text].items()}))
    return found


def counted_columns(line: Any) -> tuple[Any, ...]:
    """The count columns of a report line (or of an alias of its table), in the order `add_counts` takes them."""
    return (
        line.total,
        line.evaluated,
        line.excellent,
        line.good,
        line.completed,
        line.not_completed,
        func.coalesce(line.probationary, 0),
    )


def _reporting_lines(campaign: Campaign, root: OrgUnit) -> Select[Any]:
    """Every current report line of a submitted assignment in the view, but organizations': its unit and the unit's
    parent, subject, milestone position, counts (`n0`…) and not-evaluated reasons as JSON text."""
    return (
        select(
            Assignment.unit_id.label("unit_id"),
            OrgUnit.parent_id.label("parent_id"),
            ReportLine.subject.label("subject"),
            Milestone.position.label("position"),
            func.max(Milestone.position).over(partition_by=(Assignment.unit_id, ReportLine.subject)).label("latest"),
            cast(ReportLine.not_evaluated, Text).label("reasons"),
            *(column.label(f"n{i}") for i, column in enumerate(counted_columns(ReportLine))),
        )
        .join(Report, Report.id == ReportLine.report_id)
        .join(Assignment, Assignment.id == Report.assignment_id)
        .join(Milestone, Milestone.id == Assignment.milestone_id)
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Assignment.campaign_id == campaign.id,
            Report.current.is_(True),
            Assignment.status.in_(DONE),
            OrgUnit.path.startswith(root.path, autoescape=True),
            ReportLine.subject != "organization",
        )
    )


def topmost_reports_only(session: Session, root: OrgUnit, query: Select[Any], rep: Any, per_parent: Any) -> Select[Any]:
    """`query` over `per_parent` (report lines grouped by their unit's parent) kept to the topmost report of each
    part of the view: a line counts unless a unit above it, up to the view's root, reported the same subject."""
    child = aliased(OrgUnit)
    reporters = (
        select(rep.c.unit_id, rep.c.subject)
        .distinct()
        .where(exists().where(child.parent_id == rep.c.unit_id))
        .cte("reporters")
    )
    above: Any = per_parent.c.parent_id
    for _ in range(view_depth(session, root)):
        ancestor, step = aliased(reporters), aliased(OrgUnit)
        query = query.where(~exists().where(ancestor.c.unit_id == above, ancestor.c.subject == per_parent.c.subject))
        query = query.outerjoin(step, step.id == above)
        above = step.parent_id
    return query


def view_depth(session: Session, root: OrgUnit) -> int:
    """How many levels the deepest unit of the tree is below `root` (an upper bound for the view's ancestors)."""
    deepest = session.scalar(select(func.max(OrgUnit.depth))) or 0
    return max(deepest - root.depth, 0)


def add_counts(total: SubjectResults, counts: tuple[Any, ...]) -> SubjectResults:
    count, evaluated, excellent, good, completed, not_completed, probationary, reasons = counts
    not_evaluated = dict(total.not_evaluated)
    for reason, n in (reasons or {}).items():
        not_evaluated[reason] = not_evaluated.get(reason, 0) + int(n)
    return _with_pct(
        SubjectResults(
            total=total.total + count,
            evaluated=total.evaluated + evaluated,
            excellent=total.excellent + excellent,
            good=total.good + good,
            completed=total.completed + completed,
            not_completed=total.not_completed + not_completed,
            probationary=total.probationary + (probationary or 0),
            not_evaluated=not_evaluated,
        )
    )


def _with_pct(results: SubjectResults) -> SubjectResults:
    return results.model_copy(update={"good_or_above_pct": pct(results.excellent + results.good, results.evaluated)})


def organization_types(session: Session, campaign: Campaign, root: OrgUnit, levels: tuple[str, ...]) -> dict[int, str]:
    """Each unit below `root` in the campaign, by its type (loại hình): đảng bộ cơ sở, chi bộ cơ sở (grassroots with
    or without units below), đảng bộ bộ phận, chi bộ trực thuộc (a unit below grassroots with or without units of
    its own below: a level for đảng bộ bộ phận is added in settings), or a committee above grassroots."""
    child = aliased(OrgUnit)
    has_children = exists().where(child.parent_id == OrgUnit.id)
    query = select(OrgUnit.id, OrgUnit.level, has_children).where(
        OrgUnit.path.startswith(root.path, autoescape=True),
        OrgUnit.id != root.id,
        OrgUnit.id.in_(select(Assignment.unit_id).where(Assignment.campaign_id == campaign.id)),
    )
    grassroots = level_rank(levels, GRASSROOTS)
    return {
        unit_id: organization_type(level_rank(levels, level) - grassroots, bool(parent))
        for unit_id, level, parent in session.execute(query).tuples()
    }


def organization_type(below_grassroots: int, has_children: bool) -> str:
    """`below_grassroots`: how many levels under grassroots (0: grassroots itself, < 0: above it)."""
    if below_grassroots == 0:
        return "dang_bo_co_so" if has_children else "chi_bo_co_so"
    if below_grassroots > 0:
        return "dang_bo_bo_phan" if has_children else "chi_bo_truc_thuoc"
    return "upper_committee"


def organization_results(
    session: Session, campaign: Campaign, root: OrgUnit, levels: tuple[str, ...]
) -> dict[str, SubjectResults]:
    """Organizations below `root` per type, each counted once with its current rating: the level above's decision,
    else its own self-rating. `headline`: the grassroots organizations for a committee above them (SPEC §1,
    "50/50 grassroots organizations evaluated"), the branches for a grassroots organization."""
    by_type: dict[str, dict[str, int]] = {t: dict.fromkeys(("total", *RATINGS), 0) for t in ORGANIZATION_TYPES}
    grassroots = level_rank(levels, GRASSROOTS)
    for level, parent, rating, units in _organization_counts(session, campaign, root):
        kind = organization_type(level_rank(levels, level) - grassroots, bool(parent))
        by_type[kind]["total"] += units
        if rating is not None:
            by_type[kind][rating] += units
    found = {kind: _rated(counts) for kind, counts in by_type.items()}
    above = level_rank(levels, root.level) < level_rank(levels, GRASSROOTS)
    headline = ("dang_bo_co_so", "chi_bo_co_so") if above else BRANCH_TYPES
    found["headline"] = _rated({k: sum(by_type[t][k] for t in headline) for k in ("total", *RATINGS)})
    return found


def _organization_counts(
    session: Session, campaign: Campaign, root: OrgUnit
) -> list[tuple[str, bool, str | None, int]]:
    """Units below `root` in the campaign counted per level, whether they have units below, and current rating (as
    `decisions` and `self_ratings` give it: the newest current decision, else the latest self-rating)."""
    within = OrgUnit.path.startswith(root.path, autoescape=True)
    child = aliased(OrgUnit)
    parents = select(child.parent_id).where(child.path.startswith(root.path, autoescape=True)).distinct().subquery()
    decided = rated_by_decision(campaign.id, root.path).subquery()
    own = rated_by_self(campaign.id, root.path).subquery()
    has_children = parents.c.parent_id.is_not(None)
    rating = func.coalesce(decided.c.rating, own.c.rating)
    query = (
        select(OrgUnit.level, has_children, rating, func.count())
        .outerjoin(parents, parents.c.parent_id == OrgUnit.id)
        .outerjoin(decided, and_(decided.c.unit_id == OrgUnit.id, decided.c.newest == 1))
        .outerjoin(own, and_(own.c.unit_id == OrgUnit.id, own.c.newest == 1))
        .where(
            within,
            OrgUnit.id != root.id,
            OrgUnit.id.in_(select(Assignment.unit_id).where(Assignment.campaign_id == campaign.id)),
        )
        .group_by(OrgUnit.level, has_children, rating)
    )
    return [(level, bool(parent), rating, units) for level, parent, rating, units in session.execute(query).tuples()]


def _rated(counts: dict[str, int]) -> SubjectResults:
    return _with_pct(
        SubjectResults(
            total=counts["total"],
            evaluated=sum(counts[r] for r in RATINGS),
            **{r: counts[r] for r in RATINGS},
        )
    )


def _no_contact(session: Session, root: OrgUnit) -> dict[str, int]:
    query = (
        select(OrgUnit.level, func.count())
        .where(
            OrgUnit.path.startswith(root.path, autoescape=True),
            func.json_array_length(OrgUnit.contacts, type_=Integer) == 0,
        )
        .group_by(OrgUnit.level)
    )
    return {level: count for level, count in session.execute(query).tuples()}


def _added_after_launch(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, int]:
    query = (
        select(OrgUnit.level, func.count())
        .where(OrgUnit.path.startswith(root.path, autoescape=True), OrgUnit.created_at > campaign.launched_at)
        .group_by(OrgUnit.level)
    )
    return {level: count for level, count in session.execute(query).tuples()}


def _notices_needing_attention(session: Session, campaign: Campaign, root: OrgUnit) -> dict[str, int]:
    states = (NoticeStatus.FAILED.value, NoticeStatus.UNCERTAIN.value)
    query = (
        select(OutboxEntry.status, func.count())
        .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
        .where(
            OutboxEntry.campaign_id == campaign.id,
            OutboxEntry.status.in_(states),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .group_by(OutboxEntry.status)
    )
    return {status: count for status, count in session.execute(query).tuples()}


def _member_total_notes(session: Session, campaign: Campaign, root: OrgUnit) -> list[MemberTotalNote]:
    child = aliased(OrgUnit)
    tree = (
        select(func.coalesce(func.sum(child.members), 0))
        .where(*_subtree_range(session, child.path, OrgUnit.path))
        .scalar_subquery()
    )
    query = (
        select(OrgUnit.code, ReportLine.total, tree, Report.member_total_reason)
        .join(Assignment, Assignment.unit_id == OrgUnit.id)
        .join(Report, Report.assignment_id == Assignment.id)
        .join(ReportLine, and_(ReportLine.report_id == Report.id, ReportLine.subject == "member"))
        .where(
            Assignment.campaign_id == campaign.id,
            Assignment.status.in_(DONE),
            Report.current.is_(True),
            Report.member_total_reason.is_not(None),
            OrgUnit.path.startswith(root.path, autoescape=True),
        )
        .order_by(OrgUnit.code)
    )
    return [
        MemberTotalNote(unit=code, reported=reported, tree=members, reason=reason or "")
        for code, reported, members, reason in session.execute(query).tuples()
    ]


def _subtree_range(session: Session, path: Any, top: Any) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """`path` is `top`'s or below it, as a range the path index serves: paths are digits and slashes, and '0' sorts
    right after '/', so `/1/7/…` lies from `/1/7/` up to `/1/70` (bytewise: PostgreSQL's "C" collation)."""
    if session.get_bind().dialect.name == "postgresql":
        path, top = path.collate("C"), top.collate("C")
    return path >= top, path < func.substr(top, 1, func.length(top) - 1) + "0"
