"""What the use cases return: read schemas, kept apart from the input schemas (STYLE: write and read schemas)."""

from __future__ import annotations

from pydantic import BaseModel

from models.tables import Assignment


class AssignmentView(BaseModel):
    """An assignment as the command line, the API and the dashboard show it."""

    campaign: str
    unit: str
    milestone: str
    status: str
    due_before: str
    submitted_at: str | None
    on_time: bool | None

    @classmethod
    def of(cls, assignment: Assignment, campaign: str, unit: str, milestone: str) -> AssignmentView:
        return cls(
            campaign=campaign,
            unit=unit,
            milestone=milestone,
            status=assignment.status,
            due_before=assignment.due_before.isoformat(),
            submitted_at=assignment.submitted_at.isoformat() if assignment.submitted_at else None,
            on_time=assignment.on_time,
        )


class NoticeView(BaseModel):
    key: str
    kind: str
    days: int
    status: str
    deliver_after: str


class UnitPage(BaseModel):
    """A unit's page: its assignments and notices, never its contact addresses."""

    unit: str
    name: str
    level: str
    assignments: list[AssignmentView]
    notices: list[NoticeView]


class RatingRow(BaseModel):
    """One unit of a deciding level's group: its self-rating and the decision on it."""

    unit: str
    name: str
    self_rating: str | None
    decision: str | None
    decided_at: str | None
    version: int


class RatingGroupView(BaseModel):
    """The units a level decides (its direct children in the campaign), and the quota over them."""

    campaign: str
    decider: str
    excellent: int
    good: int
    excellent_pct_of_good: float
    units: list[RatingRow]
