"""Routes of one unit: its page, and the ratings it decides for the units directly under it."""

from typing import Any

from fastapi import APIRouter

from entrypoints.api.deps import Kiemdiem, Who
from entrypoints.api.schemas import DecideIn
from models import clock
from service.decisions import decide_ratings, rating_group
from service.unit_pages import unit_page as page

router = APIRouter()


@router.get("/api/campaigns/{campaign}/units/{unit}")
def unit_page(campaign: str, unit: str, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """A unit's assignments and notices (no contact addresses)."""
    return page(app, who, campaign, unit).model_dump()


@router.get("/api/campaigns/{campaign}/units/{unit}/ratings")
def ratings(campaign: str, unit: str, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """The units this unit decides: each one's self-rating beside the decision."""
    return rating_group(app, who, campaign, unit).model_dump()


@router.post("/api/campaigns/{campaign}/units/{unit}/ratings")
def decide(campaign: str, unit: str, body: DecideIn, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """This unit (the level above) or the board decides ratings, all or nothing; the quota is checked over the
    whole group."""
    return decide_ratings(
        app, who, campaign, unit, dict(body.ratings), clock.now(), body.override_reason, body.reason
    ).model_dump()
