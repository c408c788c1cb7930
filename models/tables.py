"""The tables: org units, campaigns, milestones, assignments, reports, the notification outbox, the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime

# The enums live in models.enums (no SQLAlchemy there); re-exported here for the code that imports them from here.
from models.enums import CLOSED_STATUSES as CLOSED_STATUSES
from models.enums import OPEN_STATUSES as OPEN_STATUSES
from models.enums import AssignmentStatus as AssignmentStatus
from models.enums import AttemptStatus as AttemptStatus
from models.enums import CampaignStatus as CampaignStatus
from models.enums import NoticeKind as NoticeKind
from models.enums import NoticeStatus as NoticeStatus


class OrgUnit(Base):
    """A node of the organization tree (tổ chức đảng). `path` holds the ids from the root, for subtree queries."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(32))
    members: Mapped[int] = mapped_column(Integer, default=0)
    contacts: Mapped[list[str]] = mapped_column(JSON, default=list)
    path: Mapped[str] = mapped_column(String(512), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    created_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id], lazy="raise")


class Campaign(Base):
    """One year's review campaign (đợt kiểm điểm) issued by one committee over the subtree of `root`."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(512))
    year: Mapped[int] = mapped_column(Integer)
    plan_number: Mapped[str] = mapped_column(String(64))
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    timezone: Mapped[str] = mapped_column(String(64))
    launch_date: Mapped[dt.date] = mapped_column(Date)
    launched_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.ACTIVE.value)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)

    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="campaign", order_by="Milestone.position", lazy="raise"
    )


class Milestone(Base):
    """A step with a deadline (mốc) for some levels of the campaign's tree."""

    __tablename__ = "milestone"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(Integer)
    levels: Mapped[list[str]] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(16))
    deadline: Mapped[dt.date] = mapped_column(Date)
    # The first instant that is late: local midnight after the deadline day, in UTC.
    due_before: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    after_children: Mapped[str | None] = mapped_column(String(64))

    campaign: Mapped[Campaign] = relationship(back_populates="milestones", lazy="raise")


class Assignment(Base):
    """One unit × one milestone (nhiệm vụ của đơn vị), with its status and timestamps."""

    __tablename__ = "assignment"
    __table_args__ = (
        UniqueConstraint("milestone_id", "unit_id"),
        Index("ix_assignment_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.PENDING.value)
    # Per-unit copy of the milestone's deadline, so an extension moves one unit only.
    due_before: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    started_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    on_time: Mapped[bool | None] = mapped_column()
    # Every notice point up to this instant has been decided; the next sweep looks only after it.
    notified_through: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    # The unit's track (diện riêng) of the campaign config, whose deadlines it follows; empty: the milestones' own.
    track: Mapped[str | None] = mapped_column(String(64))


class Report(Base):
    """A unit's results (báo cáo kết quả) for one assignment; each resubmission is a new version."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("assignment_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    current: Mapped[bool] = mapped_column(default=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The unit's rating of itself as an organization (tự đánh giá), for the level above's decision.
    self_rating: Mapped[str | None] = mapped_column(String(16))
    # Why the member total differs from the tree's count, shown to the level above.
    member_total_reason: Mapped[str | None] = mapped_column(Text)


class ReportLine(Base):
    """One subject's counts in a report, kept as columns so roll-ups are plain SQL sums."""

    __tablename__ = "report_line"
    __table_args__ = (UniqueConstraint("report_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(32))
    total: Mapped[int] = mapped_column(Integer)
    evaluated: Mapped[int] = mapped_column(Integer)
    excellent: Mapped[int] = mapped_column(Integer)
    good: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer)
    not_completed: Mapped[int] = mapped_column(Integer)
    not_evaluated: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    probationary: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RatingDecision(Base):
    """The level above's rating of a unit as an organization (quyết định xếp loại), beside the unit's own
    self-rating in its report. A re-rating (xếp loại lại) adds a version; the newest is current."""

    __tablename__ = "rating_decision"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "version"),
        Index("ix_rating_decision_group", "campaign_id", "decider_id", "current"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    # The deciding unit; its decisions form the group the quota is counted over.
    decider_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    rating: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(default=True)
    # The deciding level's 25% for an outstanding group, with its reason.
    quota_override: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))


class OutboxEntry(Base):
    """A notice decided once, under a unique key, then delivered. The key is what makes "never twice" hold."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    days: Mapped[int] = mapped_column(Integer, default=0)
    # Unit codes (and `working_group:NAME`) to address; URLs are looked up at delivery so none is copied here.
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.PENDING.value, index=True)
    created_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    deliver_after: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    sent_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Retries: not before this instant. Claims: when a deliverer took the entry (a stale claim is resolved).
    next_attempt_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    # The deliverer holding a `sending` entry (notifications.liveness tells whether it is still alive).
    claimed_by: Mapped[str | None] = mapped_column(String(32))


class DeliveryAttempt(Base):
    """One outbox entry × one channel × one try, written before the message goes out and completed after."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))  # fingerprint of the URL: names it, reveals nothing
    target: Mapped[str] = mapped_column(String(255))  # the URL redacted, for people
    message: Mapped[str] = mapped_column(String(64))  # one digest message may carry many entries
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    finished_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)


class ApiToken(Base):
    """An API token, stored as its SHA-256 only. `unit_id` empty: the admin; else the token acts for that unit."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, to name a token without revealing it
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    created_at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[pendulum.DateTime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who did what, when, from which state to which, and why. Written in the same transaction as the change."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[pendulum.DateTime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    entity: Mapped[str] = mapped_column(String(32))
    entity_key: Mapped[str] = mapped_column(String(255))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
