"""The dashboard's snapshots: the figures of a large subtree's campaign page (progress per level, burn-up, overdue and
at-risk lists, results, children) as of one instant, kept in a table so that the national tree's page is read, not
recomputed, on every load; and what tells whether a snapshot is still exact: a marker of everything that changes
figures (audit log, outbox, delivery attempts) and the next local midnight (days overdue and deadlines move then).

Every change of an assignment, a report, a decision, a deadline or the tree writes an audit entry in its own
transaction (models.audit); notices are outbox rows and their delivery attempts. The marker reads the newest ids and
how many rows the audit log's last ids hold (an entry whose id was taken before a later one's but committed after
it still changes the marker), and the outbox entries being sent, failed or uncertain. Each part reads an index."""

from __future__ import annotations

from typing import Any

import pendulum
from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint, and_, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UTCDateTime
from models.enums import NoticeStatus
from models.tables import AuditEntry, DeliveryAttempt, OrgUnit, OutboxEntry

AUDIT_TAIL = 1000  # the last audit ids counted, for entries committed out of id order
# A notice moves pending → sending → sent or failed (uncertain if the deliverer stopped): every move changes the
# count of one of these states (pending and sent are the many; sending, failed and uncertain are few).
IN_FLIGHT = tuple(s.value for s in (NoticeStatus.SENDING, NoticeStatus.FAILED, NoticeStatus.UNCERTAIN))


class DashboardSnapshot(Base):
    """One campaign × one subtree's page figures as of `as_of` (None: being computed for the first time)."""

    __tablename__ = "dashboard_snapshot"
    __table_args__ = (UniqueConstraint("campaign_id", "root_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"))
    as_of: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    # The next local midnight after `as_of`: deadlines pass and days overdue grow then, without any write.
    good_until: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    # changes_marker() read just before the figures were: another value now means something changed since.
    changes: Mapped[str] = mapped_column(String(255))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    seconds: Mapped[float] = mapped_column(Float)  # how long computing them took
    # A reader recomputing them since then (a lease: the others keep reading these figures meanwhile).
    refreshing_since: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)


def changes_marker(session: Session) -> str:
    """A text that changes whenever anything the dashboard's figures depend on is written (one round trip)."""
    top = select(func.coalesce(func.max(AuditEntry.id), 0)).scalar_subquery()
    tail = select(func.count()).where(AuditEntry.id > top - AUDIT_TAIL).scalar_subquery()
    outbox = select(func.coalesce(func.max(OutboxEntry.id), 0)).scalar_subquery()
    attempts = select(func.coalesce(func.max(DeliveryAttempt.id), 0)).scalar_subquery()
    audit_top, audit_tail, outbox_top, attempt_top = session.execute(select(top, tail, outbox, attempts)).one()
    states = session.execute(
        select(OutboxEntry.status, func.count())
        .where(OutboxEntry.status.in_(IN_FLIGHT))
        .group_by(OutboxEntry.status)
        .order_by(OutboxEntry.status)
    ).tuples()
    waiting = ",".join(f"{state}={count}" for state, count in states)
    return f"a{audit_top}/{audit_tail} o{outbox_top} d{attempt_top} {waiting}"[:255]


def subtree_has(session: Session, root: OrgUnit, units: int) -> bool:
    """Whether `root`'s subtree (root included) holds at least `units` units; reads no more than that many."""
    within = select(OrgUnit.id).where(OrgUnit.path.startswith(root.path, autoescape=True)).limit(units).subquery()
    return (session.scalar(select(func.count()).select_from(within)) or 0) >= units


def snapshot_of(session: Session, campaign_id: int, unit_id: int) -> DashboardSnapshot | None:
    return session.scalar(
        select(DashboardSnapshot).where(
            DashboardSnapshot.campaign_id == campaign_id, DashboardSnapshot.root_unit_id == unit_id
        )
    )


def create_claimed(session: Session, campaign_id: int, unit_id: int, now: pendulum.DateTime) -> None:
    """The subtree's first snapshot row, empty and claimed by the caller (an IntegrityError: another reader's is)."""
    session.execute(
        insert(DashboardSnapshot).values(
            campaign_id=campaign_id,
            root_unit_id=unit_id,
            as_of=None,
            good_until=None,
            changes="",
            figures={},
            seconds=0.0,
            refreshing_since=now,
        )
    )


def create(
    session: Session,
    campaign_id: int,
    unit_id: int,
    figures: dict[str, Any],
    as_of: pendulum.DateTime,
    good_until: pendulum.DateTime,
    changes: str,
    seconds: float,
) -> None:
    """The subtree's first snapshot, from figures just computed (an IntegrityError: another reader's is there)."""
    session.execute(
        insert(DashboardSnapshot).values(
            campaign_id=campaign_id,
            root_unit_id=unit_id,
            as_of=as_of,
            good_until=good_until,
            changes=changes,
            figures=figures,
            seconds=seconds,
            refreshing_since=None,
        )
    )


def claim(
    session: Session,
    snapshot_id: int,
    seen: pendulum.DateTime | None,
    now: pendulum.DateTime,
    lease_from: pendulum.DateTime,
) -> bool:
    """Take the right to recompute a snapshot the caller read as of `seen` (None: never computed): still that one
    (nobody has stored newer figures meanwhile), and nobody holds it or its holder started before `lease_from`."""
    same = DashboardSnapshot.as_of.is_(None) if seen is None else DashboardSnapshot.as_of == seen
    taken = session.execute(
        update(DashboardSnapshot)
        .where(
            DashboardSnapshot.id == snapshot_id,
            same,
            or_(DashboardSnapshot.refreshing_since.is_(None), DashboardSnapshot.refreshing_since < lease_from),
        )
        .values(refreshing_since=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(taken, "rowcount", 0))


def store(
    session: Session,
    campaign_id: int,
    unit_id: int,
    figures: dict[str, Any],
    as_of: pendulum.DateTime,
    good_until: pendulum.DateTime,
    changes: str,
    seconds: float,
) -> None:
    """Write recomputed figures and release the lease."""
    session.execute(
        update(DashboardSnapshot)
        .where(and_(DashboardSnapshot.campaign_id == campaign_id, DashboardSnapshot.root_unit_id == unit_id))
        .values(
            figures=figures,
            as_of=as_of,
            good_until=good_until,
            changes=changes,
            seconds=seconds,
            refreshing_since=None,
        )
        .execution_options(synchronize_session=False)
    )


def release(session: Session, campaign_id: int, unit_id: int) -> None:
    """Give the lease back without new figures (computing them failed): the next reader tries again."""
    session.execute(
        update(DashboardSnapshot)
        .where(DashboardSnapshot.campaign_id == campaign_id, DashboardSnapshot.root_unit_id == unit_id)
        .values(refreshing_since=None)
        .execution_options(synchronize_session=False)
    )
