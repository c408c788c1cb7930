"""The API's request bodies (write schemas: unknown fields refused)."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.reports import FreeText, Rating, ReportIn

UnitCode = Annotated[str, Field(min_length=1, max_length=64)]


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: ReportIn | None = None
    # The board only: the unit submits before its children have (the reason is kept in the audit log).
    override_reason: Annotated[FreeText, Field(min_length=3)] | None = None


class DecideIn(BaseModel):
    """The level above's ratings of its units; `override_reason` allows up to 25% excellent of good."""

    model_config = ConfigDict(extra="forbid")
    ratings: dict[UnitCode, Rating] = Field(min_length=1, max_length=10_000)
    override_reason: Annotated[FreeText, Field(min_length=3)] | None = None
    reason: FreeText | None = None


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["in_progress", "returned", "exempt", "accepted", "pending"]
    reason: FreeText | None = None
    until: dt.date | None = None
    override: bool = False
    meeting_date: dt.date | None = None


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: dt.date
    reason: Annotated[FreeText, Field(min_length=1)]


class AmendIn(BaseModel):
    """A deadline moved while the campaign runs, by a numbered document, with its reason."""

    model_config = ConfigDict(extra="forbid")
    milestone: Annotated[str, Field(min_length=1, max_length=64)]
    deadline: dt.date
    document: Annotated[FreeText, Field(min_length=1, max_length=100)]
    reason: Annotated[FreeText, Field(min_length=1)]
    unit: UnitCode | None = None
    confirm: bool = False
