"""What the dashboard does beyond the API's use cases (service.status, which it calls for every change of an
assignment): checking a right before a form is even read, the board's reminder to the overdue units of a subtree,
the files the board and the units download (the board report, the offline form), and next year's campaign config
written from a closed one (service.next_year, as `kiemdiem campaign launch --from` writes it)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pendulum
from sqlalchemy.exc import IntegrityError

from models.dashboard_remind import Reminded, remind_overdue
from models.lookup import campaign_by_key, unit_by_code
from models.next_year import NextYear
from models.status import find_assignment
from models.tables import OrgUnit
from service.access import Actor
from service.bootstrap import App

logger = logging.getLogger("kiemdiem.dashboard")
REPORT_FORMATS = {"xlsx", "pdf"}


def require_submit(app: App, actor: Actor, key: str, unit: str, milestone: str) -> None:
    """Refuse (Forbidden) before a submitted form is read when the actor may not submit for this unit."""
    with app.unit_of_work() as session:
        assignment = find_assignment(session, key, unit, milestone)
        target = session.get(OrgUnit, assignment.unit_id)
        assert target is not None
        actor.require_submit(target)


def remind(app: App, actor: Actor, key: str, root: str | None, now: pendulum.DateTime) -> Reminded:
    """The board reminds the overdue units of a subtree now: once per unit, milestone and day, audited."""
    actor.require_admin("gửi nhắc việc", "send reminders")
    for attempt in range(2):
        try:
            with app.unit_of_work() as session:
                campaign = campaign_by_key(session, key)
                unit = (
                    unit_by_code(session, root, field="root") if root else session.get(OrgUnit, campaign.root_unit_id)
                )
                assert unit is not None
                return remind_overdue(session, campaign, unit, now, actor.name)
        except IntegrityError:  # the same reminder written at the same moment elsewhere: read again, add none twice
            if attempt:
                raise
    raise AssertionError("unreachable")


def deliver_now(app: App, key: str, now: pendulum.DateTime) -> None:
    """Deliver what is due now (the board's reminders among it), as a sweep's delivery does; for a background task."""
    from service.sweeps import deliver

    try:
        counts = deliver(app, key, now, app.sender)
        logger.info("dashboard delivery for %s: %s", key, dict(counts))
    except Exception as error:  # the next sweep delivers what this one could not
        logger.warning("dashboard delivery for %s failed: %s", key, type(error).__name__)


def board_report(app: App, actor: Actor, key: str, root: str | None, fmt: str, now: pendulum.DateTime) -> bytes:
    """The board's report of a subtree as XLSX or PDF bytes (the board only)."""
    from service.board_report import write_board_report

    actor.require_admin("tải báo cáo của ban tổ chức", "download the board's report")
    assert fmt in REPORT_FORMATS
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"report.{fmt}"
        write_board_report(app, key, root, out, now)
        return out.read_bytes()


def offline_form(app: App, actor: Actor, key: str, unit: str, milestone: str, now: pendulum.DateTime) -> bytes:
    """The unit's signed XLSX form for one milestone: for the unit itself and the board."""
    from service.status import write_form

    require_submit(app, actor, key, unit, milestone)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "form.xlsx"
        write_form(app, key, unit, milestone, out, now)
        return out.read_bytes()


def next_year(app: App, actor: Actor, key: str, year: int) -> NextYear:
    """Next year's config from the closed campaign `key` (the board only): nothing is launched or stored."""
    from service.next_year import from_last_year

    actor.require_admin("lập đợt năm sau", "write next year's campaign")
    return from_last_year(app, key, year)
