"""The states and kinds the tables store, as enums: plain Python, no SQLAlchemy, so rules can use them without the
ORM (models.schedule, models.states). models.tables re-exports them for the code that imports them from there."""

from __future__ import annotations

import enum


class AssignmentStatus(enum.StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    EXEMPT = "exempt"


CLOSED_STATUSES = (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED, AssignmentStatus.EXEMPT)
# Submitted or accepted: the unit's report counts.
DONE_STATUSES = (AssignmentStatus.SUBMITTED, AssignmentStatus.ACCEPTED)
OPEN_STATUSES = (AssignmentStatus.PENDING, AssignmentStatus.IN_PROGRESS, AssignmentStatus.RETURNED)


class CampaignStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"  # results frozen: no sweep, no notice, no change to any assignment until reopened


class NoticeKind(enum.StrEnum):
    PLAN_ISSUED = "plan_issued"
    REMINDER = "reminder"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    CATCH_UP = "catch_up"
    RETURNED = "returned"  # the level above sent the unit's submission back for correction
    DEADLINE_CHANGED = "deadline_changed"  # an amendment moved the deadline: the new date, the document, the reason
    RATING_DECIDED = "rating_decided"  # the level above decided (or re-decided) the unit's rating
    DECISION_DUE = "decision_due"  # to a decider: units reported and waiting for its decision, before its deadline
    DECISION_OVERDUE = "decision_overdue"  # past the decision deadline: to the decider and the level above it
    AT_RISK = "at_risk"  # to the parent of a unit forecast to be late (models.risk): once per unit and deadline


class NoticeStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    # The deliverer stopped while sending: a channel may or may not have it. Never resent by itself; the admin is
    # told and may resend (`kiemdiem outbox resend --uncertain`).
    UNCERTAIN = "uncertain"


class AttemptStatus(enum.StrEnum):
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # The deliverer stopped between sending and recording: it may have arrived; never sent again (at most once).
    UNCERTAIN = "uncertain"
    # An uncertain attempt the admin chose to send again (`outbox resend --uncertain`): no longer counts as done.
    REQUEUED = "requeued"
