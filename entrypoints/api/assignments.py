"""Routes of one unit's assignment: submit, move along the chain, extend. Who may do what is service.access's."""

from typing import Any

from fastapi import APIRouter

from entrypoints.api.deps import Kiemdiem, Who
from entrypoints.api.schemas import ExtendIn, StateIn, SubmitIn
from models import clock
from models.reports import parse_report
from service import status

router = APIRouter()
ASSIGNMENT = "/api/campaigns/{campaign}/units/{unit}/milestones/{milestone}"


@router.post(f"{ASSIGNMENT}/submit")
def submit_status(campaign: str, unit: str, milestone: str, body: SubmitIn, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """A unit records completion, with its report; only the unit itself (or the admin)."""
    report = parse_report(body.report.model_dump()) if body.report else None
    return status.submit_status(
        app, who, campaign, unit, milestone, clock.now(), report, body.override_reason
    ).model_dump()


@router.post(f"{ASSIGNMENT}/status")
def change_status(campaign: str, unit: str, milestone: str, body: StateIn, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """in_progress: the unit; accepted, returned: its parent (the level above) or the admin; exempt, pending
    and overrides: the admin."""
    change = status.StateChange(**body.model_dump())
    return status.set_status(app, who, campaign, unit, milestone, change, clock.now()).model_dump()


@router.post(f"{ASSIGNMENT}/extend")
def extend_deadline(
    campaign: str, unit: str, milestone: str, body: ExtendIn, who: Who, app: Kiemdiem
) -> dict[str, Any]:
    """The admin grants one unit a later deadline."""
    return status.extend_deadline(
        app, who, campaign, unit, milestone, body.until, body.reason, clock.now()
    ).model_dump()
