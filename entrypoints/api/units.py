"""Routes of one unit: its page."""

from typing import Any

from fastapi import APIRouter

from entrypoints.api.deps import Kiemdiem, Who
from service.unit_pages import unit_page as page

router = APIRouter()


@router.get("/api/campaigns/{campaign}/units/{unit}")
def unit_page(campaign: str, unit: str, who: Who, app: Kiemdiem) -> dict[str, Any]:
    """A unit's assignments and notices (no contact addresses)."""
    return page(app, who, campaign, unit).model_dump()
