"""Assignment status changes that the deadline engine needs: a unit recording completion stops its notices."""

from __future__ import annotations

from typing import cast

import pendulum
from sqlalchemy import Table, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from models.audit import audit
from models.enums import CLOSED_STATUSES, AssignmentStatus, CampaignStatus
from models.errors import fail
from models.lookup import campaign_by_key, milestone_by_key, unit_by_code
from models.reports import ReportIn, check_for_unit
from models.states import check_transition
from models.tables import Assignment, Campaign, Milestone, OrgUnit, Report, ReportLine

# The submission's statements, built once (bound parameters): a request pays for running them, not for building them.
_FIND = (
    select(Assignment, OrgUnit)
    .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
    .join(Milestone, Milestone.id == Assignment.milestone_id)
    .join(Campaign, Campaign.id == Milestone.campaign_id)
    .where(
        Campaign.key == bindparam("campaign_key"),
        OrgUnit.code == bindparam("unit_code"),
        Milestone.key == bindparam("milestone_key"),
    )
)
_HOLD = (
    update(Assignment)
    .where(Assignment.id == bindparam("held_id"))
    .values(updated_at=Assignment.updated_at)
    .returning(Assignment)  # the row as the lock found it, read again in the same statement
)
_CAMPAIGN_STATUS = select(Campaign.status).where(Campaign.id == bindparam("campaign_id")).with_for_update(read=True)
_CHILDREN_MISSING = (
    select(OrgUnit.code)
    .join(Assignment, Assignment.unit_id == OrgUnit.id)
    .where(
        OrgUnit.parent_id == bindparam("unit_id"),
        Assignment.milestone_id == bindparam("milestone_id"),
        Assignment.status.not_in(CLOSED_STATUSES),
    )
    .order_by(OrgUnit.code)
)
_MISSING = (
    select(func.count())
    .select_from(OrgUnit)
    .join(Assignment, Assignment.unit_id == OrgUnit.id)
    .where(
        OrgUnit.parent_id == bindparam("unit_id"),
        Assignment.milestone_id == bindparam("milestone_id"),
        Assignment.status.not_in(CLOSED_STATUSES),
    )
    .scalar_subquery()
)
_MEMBERS = (
    select(func.coalesce(func.sum(OrgUnit.members), 0))
    .where(OrgUnit.path.startswith(bindparam("path_prefix"), escape="/"))
    .scalar_subquery()
)
_CHECKS = {  # (children first?, report?) → one statement counting what the submission's rules need
    (True, True): select(_MISSING, _MEMBERS),
    (True, False): select(_MISSING, literal(0)),
    (False, True): select(literal(0), _MEMBERS),
}
_REPORT = cast(Table, Report.__table__)
_OLD_VERSIONS = (
    update(_REPORT).where(_REPORT.c.assignment_id == bindparam("of_assignment")).values(current=False)
).returning(_REPORT.c.version)
_NEW_REPORT = insert(_REPORT).returning(_REPORT.c.id)
_NEW_LINES = insert(cast(Table, ReportLine.__table__))


def find_assignment(session: Session, campaign_key: str, unit_code: str, milestone_key: str) -> Assignment:
    return find_assignment_of_unit(session, campaign_key, unit_code, milestone_key)[0]


def find_assignment_of_unit(
    session: Session, campaign_key: str, unit_code: str, milestone_key: str
) -> tuple[Assignment, OrgUnit]:
    """The unit's assignment of the campaign's milestone, and the unit, read in one query (keep the unit while the
    session needs it: the session holds its objects weakly). When there is none, the lookups one by one say which
    of the three keys is unknown, or that the milestone does not apply to the unit."""
    keys = {"campaign_key": campaign_key, "unit_code": unit_code, "milestone_key": milestone_key}
    found = session.execute(_FIND, keys).tuples().first()
    if found is not None:
        return found
    campaign = campaign_by_key(session, campaign_key)
    unit_by_code(session, unit_code)
    milestone_by_key(session, campaign, milestone_key)
    raise fail(
        "not_assigned",
        f"mốc «{milestone_key}» không áp dụng cho đơn vị «{unit_code}»",
        f"milestone '{milestone_key}' does not apply to unit '{unit_code}'",
        field="unit",
    )


def hold(session: Session, assignment: Assignment) -> None:
    """Serialize changes to one assignment: take its row lock (on SQLite, the database's write lock), then read it
    again. Of two requests at once, the second waits, sees the first one's change and is judged on it, so a state
    changes once and a report gets one version per submission. Nothing changes in a closed campaign: its status is
    read under a share lock, so closing waits for a change under way and a change after it is refused."""
    session.execute(
        _HOLD, {"held_id": assignment.id}, execution_options={"synchronize_session": False, "populate_existing": True}
    ).all()
    refuse_if_closed(session.scalar(_CAMPAIGN_STATUS, {"campaign_id": assignment.campaign_id}))


def lock_campaign(session: Session, campaign_id: int) -> None:
    """The campaign's row lock (on SQLite, the database's write lock), then its status read again: changes that
    count over the whole campaign (decisions against a group's quota, amendments) go one at a time, and none once it
    is closed."""
    session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id)
        .values(status=Campaign.status)
        .execution_options(synchronize_session=False)
    )
    refuse_if_closed(session.scalar(select(Campaign.status).where(Campaign.id == campaign_id)))


def refuse_if_closed(status: str | None) -> None:
    if status == CampaignStatus.CLOSED:
        raise fail(
            "campaign_closed",
            "đợt đã kết thúc, kết quả đã chốt: không thay đổi được "
            "(ban tổ chức có thể mở lại: kiemdiem campaign reopen)",
            "the campaign is closed and its results frozen: nothing can change (the board may reopen it: "
            "kiemdiem campaign reopen)",
            field="campaign",
        )


def require_children_done(session: Session, unit_id: int, milestone_id: int, field: str) -> None:
    """Lower levels first (cấp dưới trước, cấp trên sau): every child of the unit assigned `milestone_id` has
    submitted it, been accepted or been exempted."""
    missing = list(session.scalars(_CHILDREN_MISSING, {"unit_id": unit_id, "milestone_id": milestone_id}))
    if missing:
        shown = ", ".join(missing[:20]) + (f" … (+{len(missing) - 20})" if len(missing) > 20 else "")
        raise fail(
            "children_missing",
            f"cấp dưới trước, cấp trên sau: còn {len(missing)} đơn vị trực thuộc chưa nộp ({shown}); "
            "ban tổ chức có thể cho phép với --override --reason",
            f"lower levels first: {len(missing)} subordinate units have not submitted ({shown}); the board "
            "may allow it with --override --reason",
            field=field,
        )


def submission_checks(session: Session, assignment: Assignment, unit: OrgUnit, children: bool, report: bool) -> int:
    """Lower levels first (when `children`), and the subtree's member count (when `report`), in one statement: the
    member count (0 without `report`); the children still missing are named by require_children_done."""
    if not (children or report):
        return 0
    missing, members = session.execute(
        _CHECKS[(children, report)],
        {
            "unit_id": unit.id,
            "milestone_id": assignment.milestone_id,
            "path_prefix": unit.path.replace("/", "//").replace("%", "/%").replace("_", "/_"),
        },
    ).one()
    if missing:
        require_children_done(session, unit.id, assignment.milestone_id, "unit")
    return int(members or 0)


def submit(
    session: Session,
    assignment: Assignment,
    now: pendulum.DateTime,
    actor: str,
    report: ReportIn | None,
    override_reason: str | None = None,
) -> Assignment:
    """Record completion at `now`: on time when `now` is before the end of the local deadline day. A unit submits
    after its children assigned the same milestone, unless the board overrides with a reason (kept in the audit);
    its report is checked against its level (who decides the quota) and its subtree's member count."""
    hold(session, assignment)
    previous = assignment.status
    submitted = check_transition(previous, AssignmentStatus.SUBMITTED, field="state").value
    unit = session.get(OrgUnit, assignment.unit_id)
    assert unit is not None
    members = submission_checks(session, assignment, unit, children=not override_reason, report=report is not None)
    if report is not None:
        check_for_unit(report, unit.level, members)
        store_report(session, assignment, report, now)
    assignment.status = submitted  # changed after the checks and the report: one UPDATE of the row, at the flush
    assignment.submitted_at = now
    assignment.on_time = now < assignment.due_before
    assignment.updated_at = now
    audit(
        session,
        at=now,
        actor=actor,
        action="assignment.submit",
        campaign_id=assignment.campaign_id,
        entity="assignment",
        entity_key=str(assignment.id),
        from_state=previous,
        to_state=assignment.status,
        reason=override_reason,
        details={"on_time": assignment.on_time, "override": bool(override_reason)},
    )
    session.flush()
    return assignment


def store_report(session: Session, assignment: Assignment, report: ReportIn, now: pendulum.DateTime) -> int:
    """A new current version of the assignment's report, its id; earlier versions stay, no longer current. Plain
    SQL in the session's transaction (the rows are not needed as objects)."""
    previous = session.execute(_OLD_VERSIONS, {"of_assignment": assignment.id}).all()
    report_id: int = session.execute(
        _NEW_REPORT,
        {
            "assignment_id": assignment.id,
            "version": len(previous) + 1,
            "submitted_at": now,
            "current": True,
            "payload": report.model_dump(mode="json"),
            "self_rating": report.own_rating(),
            "member_total_reason": report.member_total_reason,
        },
    ).scalar_one()
    session.execute(
        _NEW_LINES,
        [
            {
                "report_id": report_id,
                "subject": subject,
                "total": counts.total,
                "evaluated": counts.evaluated,
                "excellent": counts.excellent,
                "good": counts.good,
                "completed": counts.completed,
                "not_completed": counts.not_completed,
                "not_evaluated": counts.not_evaluated.model_dump(),
                "probationary": counts.probationary,
            }
            for subject, counts in report.subjects.items()
        ],
    )
    return report_id
