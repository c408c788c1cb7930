"""Service operations on a unit's status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy.orm import Session

from models.errors import fail
from models.reports import ReportIn, parse_report
from models.status import find_assignment, find_assignment_of_unit, submit
from models.tables import Assignment, OrgUnit
from service import faults
from service.access import Actor
from service.bootstrap import App
from service.documents import read_document
from service.views import AssignmentView

MAX_REPORT_BYTES = 1024 * 1024  # a report is a few hundred bytes


def read_report(path: Path) -> dict[str, Any]:
    data = read_document(path, MAX_REPORT_BYTES, field="report")
    if not isinstance(data, dict):
        raise fail(
            "invalid_report", "báo cáo phải là một bảng khóa: giá trị", "a report must be a mapping", field="report"
        )
    return data


@dataclass(frozen=True)
class StateChange:
    """A change asked of an assignment's state: `until` a new (grace) deadline, `meeting_date` the self-review
    meeting's day (with in_progress), `override` the admin accepting a parent before all its children."""

    state: str
    reason: str | None = None
    until: dt.date | None = None
    override: bool = False
    meeting_date: dt.date | None = None


def submit_status(
    app: App,
    actor: Actor,
    campaign: str,
    unit: str,
    milestone: str,
    now: pendulum.DateTime,
    report: ReportIn | None,
    override_reason: str | None = None,
) -> AssignmentView:
    """A unit records completion of a milestone, with its report; only the unit itself (or the admin). The board
    alone may let a unit submit before its children (`override_reason`) or grant the 25% quota in a report."""
    if override_reason is not None:
        actor.require_admin("cho nộp trước khi cấp dưới nộp xong", "let a unit submit before its children")
    if report is not None and report.quota_override is not None:
        actor.require_admin(
            "tự cho mình mức 25% xuất sắc: cấp trên quyết định", "grant itself the 25% quota: the level above decides"
        )
    with app.unit_of_work() as session:
        assignment, found = find_assignment_of_unit(session, campaign, unit, milestone)
        actor.require_submit(found)
        submit(session, assignment, now, actor.name, report, override_reason)
        faults.reach("submit.before-commit")
        return AssignmentView.of(assignment, campaign, unit, milestone)


def read_report_file(path: Path | None) -> ReportIn | None:
    return parse_report(read_report(path)) if path else None


def set_status(
    app: App,
    actor: Actor,
    campaign: str,
    unit: str,
    milestone: str,
    change: StateChange,
    now: pendulum.DateTime,
) -> AssignmentView:
    """Move an assignment along the chain, by the rules of service.access and models.transitions."""
    from models.transitions import set_state

    with app.unit_of_work() as session:
        assignment, found = find_assignment_of_unit(session, campaign, unit, milestone)
        actor.require_set_state(found, change.state, change.until, change.override)
        set_state(
            session,
            assignment,
            change.state,
            now,
            actor.name,
            change.reason,
            change.until,
            change.override,
            change.meeting_date,
        )
        return AssignmentView.of(assignment, campaign, unit, milestone)


def extend_deadline(
    app: App,
    actor: Actor,
    campaign: str,
    unit: str,
    milestone: str,
    until: dt.date,
    reason: str,
    now: pendulum.DateTime,
) -> AssignmentView:
    """The admin grants one unit a later deadline."""
    from models.transitions import extend

    actor.require_admin("gia hạn", "grant extensions")
    with app.unit_of_work() as session:
        assignment = extend(
            session, find_assignment(session, campaign, unit, milestone), until, now, actor.name, reason
        )
        return AssignmentView.of(assignment, campaign, unit, milestone)


def _unit(session: Session, assignment: Assignment) -> OrgUnit:
    found = session.get(OrgUnit, assignment.unit_id)
    assert found is not None
    return found


def import_form(app: App, actor: Actor, path: Path, now: pendulum.DateTime) -> AssignmentView:
    """A filled-in XLSX form, submitted for the unit and milestone it was made for (as its signature proves)."""
    from service.report_forms import read_form

    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}", field="FILE")
    meta, report = read_form(path.read_bytes(), path.name, _form_key(app))
    with app.unit_of_work() as session:
        assignment = find_assignment(session, meta["campaign"], meta["unit"], meta["milestone"])
        actor.require_submit(_unit(session, assignment))
        submit(session, assignment, now, actor.name, report)
        return AssignmentView.of(assignment, meta["campaign"], meta["unit"], meta["milestone"])


def write_form(app: App, campaign: str, unit: str, milestone: str, out: Path, now: pendulum.DateTime) -> Path:
    from models.lookup import campaign_by_key, unit_by_code
    from models.tables import OrgUnit
    from service.report_forms import write_template

    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        find_assignment(session, campaign, unit, milestone)
        root = session.get(OrgUnit, found.root_unit_id)
        target = unit_by_code(session, unit)
        assert root is not None
        unit_name, issuer, year = target.name, root.name, found.year
    write_template(out, _form_key(app), (campaign, unit, milestone), unit_name, issuer, year, now)
    return out


def _form_key(app: App) -> bytes:
    from service.secret_key import derive

    configured = app.settings.secret_key
    return derive(app.settings.home, "offline-form", configured.get_secret_value() if configured else None)
