"""Routes of a campaign as a whole: launch it, amend a deadline, read the progress of a subtree."""

from typing import Any

from fastapi import APIRouter

from entrypoints.api.deps import Kiemdiem, Who
from entrypoints.api.limits import text_problems
from entrypoints.api.schemas import AmendIn
from models import clock
from models.errors import InputError
from service.amend import Amendment, amend_deadline
from service.campaigns import launch_document
from service.progress_view import subtree_progress

router = APIRouter()


@router.post("/api/campaigns", status_code=201)
def launch(config: dict[str, Any], who: Who, app: Kiemdiem) -> dict[str, Any]:
    """Launch a campaign from its config (the admin only)."""
    who.require_admin("triển khai đợt", "launch a campaign")
    problems = text_problems(config)
    if problems:
        raise InputError(problems)
    return launch_document(app, who, config, clock.now()).model_dump()


@router.get("/api/campaigns/{campaign}/progress")
def campaign_progress(campaign: str, who: Who, app: Kiemdiem, root: str | None = None) -> dict[str, Any]:
    """Progress and results for a subtree the caller may read (a unit: its own subtree)."""
    return subtree_progress(app, who, campaign, root, clock.now()).model_dump()


@router.post("/api/campaigns/{campaign}/amendments", status_code=201)
def amend(campaign: str, body: AmendIn, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """Move a milestone's deadline for the campaign or one subtree (the admin only): audited, and one "deadline
    changed" notice to every unit still concerned. An earlier deadline needs `confirm: true`."""
    change = Amendment(body.milestone, body.deadline, body.document, body.reason, body.unit, body.confirm)
    return amend_deadline(app, who, campaign, change, clock.now()).model_dump()
