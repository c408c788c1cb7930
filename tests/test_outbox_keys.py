"""One outbox key: `notice_key` (Python) and `notice_key_sql` (the sweep's INSERT … SELECT) give the same key for
the same assignment and notice, on SQLite and PostgreSQL."""

from __future__ import annotations

import pendulum
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.campaign_config import CampaignConfig
from models.db import make_engine, upgrade
from models.enums import NoticeKind
from models.launch import launch_campaign
from models.outbox_keys import notice_key, notice_key_sql
from models.schedule import decide
from models.sweep import sweep_batch
from models.sweep_batches import Batch
from models.sweep_context import SweepContext
from models.tables import Assignment, Campaign, Milestone, OrgUnit, OutboxEntry

TZ = "Asia/Ho_Chi_Minh"


def test_the_key_reads_as_before() -> None:
    assert (
        notice_key("cuchi-2020", "XA-TANTHONGHOI", "grassroots_review", NoticeKind.REMINDER, "7@2020-12-10")
        == "cuchi-2020|XA-TANTHONGHOI|grassroots_review|reminder|7@2020-12-10"
    )
    assert (
        notice_key("cuchi-2020", "HU-A", None, "plan_issued", "2020-11-23")
        == "cuchi-2020|HU-A|-|plan_issued|2020-11-23"
    )


@pytest.mark.parametrize("milestone", ["grassroots_review", None])
@pytest.mark.parametrize("code", ["CS-1", "XÃ-Tân'Thông", "a|b", "100%_x"])
def test_sql_and_python_build_the_same_key(database_url: str, code: str, milestone: str | None) -> None:
    engine = make_engine(database_url)
    try:
        expression, values = notice_key_sql("u.code", "t-2026", milestone, NoticeKind.OVERDUE, "3@2026-12-10")
        with engine.connect() as connection:
            built = connection.execute(
                text(f"SELECT {expression} FROM (SELECT :code AS code) u"), {**values, "code": code}
            )
            assert built.scalar_one() == notice_key("t-2026", code, milestone, "overdue", "3@2026-12-10")
    finally:
        engine.dispose()


def test_the_sweep_writes_the_keys_notice_key_gives(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    launched = pendulum.datetime(2026, 11, 23, 8, tz=TZ)
    now = pendulum.datetime(2026, 12, 11, 7, 30, tz=TZ)  # the first overdue notice of the 10 December deadline
    config = CampaignConfig.model_validate(
        {
            "key": "t-2026",
            "title": "Kiểm điểm năm 2026",
            "year": 2026,
            "plan_number": "45-KH/HU",
            "root": "HU-A",
            "launch": "2026-11-23",
            "milestones": [{"key": "grassroots_review", "levels": ["grassroots"], "deadline": "2026-12-10"}],
        }
    )
    try:
        with Session(engine) as session:
            root = _unit(session, "HU-A", "district", None, launched)
            for code in ("CS-1", "CS-2"):
                _unit(session, code, "grassroots", root, launched)
            launch_campaign(session, config, launched, actor="test")
            campaign = session.scalars(select(Campaign)).one()
            sweep_batch(session, SweepContext.load(session, campaign.key), Batch(prefixes=(root.path,), units=3), now)
            milestone = session.scalars(select(Milestone)).one()
            decision = decide(milestone.due_before, None, config.reminders, TZ, launched, now)
            codes = session.scalars(select(OrgUnit.code).join(Assignment, Assignment.unit_id == OrgUnit.id)).all()
            expected = {
                notice_key(campaign.key, code, milestone.key, notice.kind, notice.occurrence)
                for notice in decision.notices
                for code in codes
            }
            written = set(session.scalars(select(OutboxEntry.key).where(OutboxEntry.assignment_id.is_not(None))))
            assert len(codes) == 2 and decision.notices and written == expected
    finally:
        engine.dispose()


def _unit(session: Session, code: str, level: str, parent: OrgUnit | None, now: pendulum.DateTime) -> OrgUnit:
    unit = OrgUnit(
        code=code,
        name=code,
        level=level,
        parent_id=parent.id if parent else None,
        members=1,
        contacts=[],
        path="",
        depth=0 if parent is None else parent.depth + 1,
        updated_at=now,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    session.flush()
    return unit
