"""The API's request bodies (write schemas: unknown fields refused)."""

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.reports import FreeText, ReportIn


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: ReportIn | None = None


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
