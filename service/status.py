"""Service operations on a unit's status."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pendulum

from models.errors import fail
from models.reports import parse_report
from models.status import find_assignment, submit
from models.tables import Assignment
from service import faults
from service.bootstrap import App


def read_report(path: Path) -> dict[str, Any]:
    from service.tree_files import load_plain_yaml

    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}", field="--report")
    unreadable = fail(
        "invalid_report",
        f"tệp báo cáo {path.name} không đọc được (cần YAML hoặc JSON, UTF-8, dưới 1 MB)",
        f"report file {path.name} cannot be read (YAML or JSON, UTF-8, under 1 MB)",
        field="--report",
    )
    if path.stat().st_size > 1_000_000:
        raise unreadable
    try:
        text = path.read_bytes().decode("utf-8-sig")
        data = (
            json.loads(text)
            if path.suffix.lower() == ".json"
            else load_plain_yaml(text, path.name, numbers_as_written=False)[0]
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise unreadable from None
    if not isinstance(data, dict):
        raise fail(
            "invalid_report", "báo cáo phải là một bảng khóa: giá trị", "a report must be a mapping", field="--report"
        )
    return data


def submit_status(
    app: App, campaign: str, unit: str, milestone: str, now: pendulum.DateTime, actor: str, report: Path | None
) -> dict[str, Any]:
    payload = parse_report(read_report(report)) if report else None
    with app.unit_of_work() as session:
        assignment = submit(session, find_assignment(session, campaign, unit, milestone), now, actor, payload)
        faults.reach("submit.before-commit")
        return {
            "campaign": campaign,
            "unit": unit,
            "milestone": milestone,
            "status": assignment.status,
            "submitted_at": now.isoformat(),
            "on_time": assignment.on_time,
        }


def set_status(
    app: App,
    campaign: str,
    unit: str,
    milestone: str,
    state: str,
    now: pendulum.DateTime,
    actor: str,
    reason: str | None,
    until: dt.date | None,
    override: bool,
    meeting_date: dt.date | None = None,
) -> dict[str, Any]:
    from models.transitions import set_state

    with app.unit_of_work() as session:
        assignment = set_state(
            session,
            find_assignment(session, campaign, unit, milestone),
            state,
            now,
            actor,
            reason,
            until,
            override,
            meeting_date,
        )
        return assignment_view(assignment, campaign, unit, milestone)


def extend_deadline(
    app: App,
    campaign: str,
    unit: str,
    milestone: str,
    until: dt.date,
    now: pendulum.DateTime,
    actor: str,
    reason: str,
) -> dict[str, Any]:
    from models.transitions import extend

    with app.unit_of_work() as session:
        assignment = extend(session, find_assignment(session, campaign, unit, milestone), until, now, actor, reason)
        return assignment_view(assignment, campaign, unit, milestone)


def import_form(app: App, path: Path, now: pendulum.DateTime, actor: str) -> dict[str, Any]:
    """A filled-in XLSX form, submitted for the unit and milestone it was made for (as its signature proves)."""
    from service.report_forms import read_form

    if not path.is_file():
        raise fail("file_not_found", f"không tìm thấy tệp {path}", f"file not found: {path}", field="FILE")
    meta, report = read_form(path.read_bytes(), path.name, _form_key(app))
    with app.unit_of_work() as session:
        assignment = find_assignment(session, meta["campaign"], meta["unit"], meta["milestone"])
        submit(session, assignment, now, actor, report)
        return {
            "campaign": meta["campaign"],
            "unit": meta["unit"],
            "milestone": meta["milestone"],
            "status": assignment.status,
            "on_time": assignment.on_time,
        }


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

    return derive(app.settings.home, "offline-form")


def assignment_view(assignment: Assignment, campaign: str, unit: str, milestone: str) -> dict[str, Any]:
    """An assignment as the command line and the API show it."""
    return {
        "campaign": campaign,
        "unit": unit,
        "milestone": milestone,
        "status": assignment.status,
        "due_before": assignment.due_before.isoformat(),
        "submitted_at": assignment.submitted_at.isoformat() if assignment.submitted_at else None,
        "on_time": assignment.on_time,
    }
