"""The HTTP API for status collection (FastAPI; OpenAPI at /docs). Thin: authenticate, authorize, call the same
service functions as the command line. One place maps errors to HTTP: JSON with a stable code, Vietnamese and
English, never a stack trace. (No `from __future__ import annotations` here: FastAPI reads the annotations.)"""

import datetime as dt
import logging
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from models import clock
from models.campaign_config import parse_campaign_config
from models.errors import InputError
from models.launch import launch_campaign
from models.lookup import campaign_by_key, unit_by_code
from models.progress import progress
from models.reports import ReportIn, parse_report
from models.status import find_assignment, submit
from models.tables import Assignment, Milestone, OrgUnit, OutboxEntry
from models.tokens import Caller, authenticate
from models.transitions import extend, set_state
from service.bootstrap import App
from service.status import assignment_view

logger = logging.getLogger("kiemdiem.api")


class ApiError(Exception):
    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        self.status, self.code, self.vi, self.en = status, code, vi, en


UNAUTHORIZED = ApiError(
    401,
    "unauthorized",
    "thiếu hoặc sai mã truy cập (Authorization: Bearer …)",
    "missing or invalid API token (Authorization: Bearer …)",
)


def forbidden(what: str) -> ApiError:
    return ApiError(403, "forbidden", f"mã truy cập này không được phép {what[0]}", f"this token may not {what[1]}")


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    report: ReportIn | None = None


class StateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["in_progress", "returned", "exempt", "accepted", "pending"]
    reason: str | None = Field(default=None, max_length=2000)
    until: dt.date | None = None
    override: bool = False
    meeting_date: dt.date | None = None


class ExtendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: dt.date
    reason: str = Field(min_length=1, max_length=2000)


def create_api(app: App) -> FastAPI:
    api = FastAPI(
        title="kiemdiem",
        version="0.1.0",
        description="Kiểm điểm, đánh giá, xếp loại chất lượng — status collection API",
    )

    @api.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"code": error.code, "vi": error.vi, "en": error.en}, status_code=error.status)

    @api.exception_handler(InputError)
    async def _input_error(_request: Request, error: InputError) -> JSONResponse:
        status = 404 if error.problems and error.problems[0].rule.startswith("unknown_") else 422
        first = error.problems[0]
        return JSONResponse(
            {"code": first.rule, "vi": first.vi, "en": first.en, "errors": [p.as_dict() for p in error.problems]},
            status_code=status,
        )

    @api.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "rule": e.get("type", "invalid"),
                "en": e.get("msg", ""),
                "vi": "dữ liệu không hợp lệ",
            }
            for e in error.errors()
        ]
        return JSONResponse(
            {"code": "invalid_request", "vi": "yêu cầu không hợp lệ", "en": "invalid request", "errors": problems},
            status_code=422,
        )

    @api.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.error("API error: %s: %s", type(error).__name__, error)
        return JSONResponse({"code": "internal", "vi": "lỗi hệ thống", "en": "internal error"}, status_code=500)

    def caller(authorization: Annotated[str | None, Header()] = None) -> Caller:
        if not authorization or not authorization.startswith("Bearer "):
            raise UNAUTHORIZED
        with app.unit_of_work() as session:
            found = authenticate(session, authorization.removeprefix("Bearer ").strip())
        if found is None:
            raise UNAUTHORIZED
        return found

    Who = Annotated[Caller, Depends(caller)]

    def in_subtree(who: Caller, unit: OrgUnit) -> bool:
        return who.admin or (who.path is not None and unit.path.startswith(who.path))

    @api.post("/api/campaigns", status_code=201)
    def launch(config: dict[str, Any], who: Who) -> dict[str, Any]:
        """Launch a campaign from its config (the admin only)."""
        if not who.admin:
            raise forbidden(("triển khai đợt", "launch a campaign"))
        parsed = parse_campaign_config(config, app.settings.levels)
        with app.unit_of_work() as session:
            return launch_campaign(session, parsed, clock.now(), "api:admin").model_dump()

    @api.post("/api/campaigns/{campaign}/units/{unit}/milestones/{milestone}/submit")
    def submit_status(campaign: str, unit: str, milestone: str, body: SubmitIn, who: Who) -> dict[str, Any]:
        """A unit records completion, with its report; only the unit itself (or the admin)."""
        report = parse_report(body.report.model_dump()) if body.report else None
        with app.unit_of_work() as session:
            assignment = find_assignment(session, campaign, unit, milestone)
            if not (who.admin or who.unit_id == assignment.unit_id):
                raise forbidden(("nộp báo cáo thay đơn vị khác", "submit for another unit"))
            submit(session, assignment, clock.now(), _actor(who), report)
            return assignment_view(assignment, campaign, unit, milestone)

    @api.post("/api/campaigns/{campaign}/units/{unit}/milestones/{milestone}/status")
    def change_status(campaign: str, unit: str, milestone: str, body: StateIn, who: Who) -> dict[str, Any]:
        """in_progress: the unit; accepted, returned: its parent (the level above) or the admin; exempt, pending
        and overrides: the admin."""
        with app.unit_of_work() as session:
            assignment = find_assignment(session, campaign, unit, milestone)
            target = session.get(OrgUnit, assignment.unit_id)
            assert target is not None
            allowed = (
                who.admin
                or (body.state == "in_progress" and who.unit_id == target.id and not body.until)
                or (body.state in ("accepted", "returned") and who.unit_id == target.parent_id and not body.override)
            )
            if not allowed:
                raise forbidden(("chuyển trạng thái này", "make this change"))
            set_state(
                session,
                assignment,
                body.state,
                clock.now(),
                _actor(who),
                body.reason,
                body.until,
                body.override,
                body.meeting_date,
            )
            return assignment_view(assignment, campaign, unit, milestone)

    @api.post("/api/campaigns/{campaign}/units/{unit}/milestones/{milestone}/extend")
    def extend_deadline(campaign: str, unit: str, milestone: str, body: ExtendIn, who: Who) -> dict[str, Any]:
        """The admin grants one unit a later deadline."""
        if not who.admin:
            raise forbidden(("gia hạn", "grant extensions"))
        with app.unit_of_work() as session:
            assignment = find_assignment(session, campaign, unit, milestone)
            extend(session, assignment, body.until, clock.now(), _actor(who), body.reason)
            return assignment_view(assignment, campaign, unit, milestone)

    @api.get("/api/campaigns/{campaign}/progress")
    def campaign_progress(campaign: str, who: Who, root: str | None = None) -> dict[str, Any]:
        """Progress and results for a subtree the caller may read (a unit: its own subtree)."""
        with app.unit_of_work() as session:
            campaign_by_key(session, campaign)
            code = root or (None if who.admin else who.unit_code)
            if code is not None and not in_subtree(who, unit_by_code(session, code, field="root")):
                raise forbidden(("xem cây của đơn vị khác", "read another unit's subtree"))
            return progress(session, campaign, code, clock.now(), app.settings.levels).model_dump()

    @api.get("/api/campaigns/{campaign}/units/{unit}")
    def unit_page(campaign: str, unit: str, who: Who) -> dict[str, Any]:
        """A unit's assignments and notices (no contact addresses)."""
        with app.unit_of_work() as session:
            found = campaign_by_key(session, campaign)
            target = unit_by_code(session, unit, field="unit")
            if not in_subtree(who, target):
                raise forbidden(("xem đơn vị khác", "read another unit"))
            rows = session.execute(
                select(Assignment, Milestone.key)
                .join(Milestone)
                .where(Assignment.campaign_id == found.id, Assignment.unit_id == target.id)
                .order_by(Milestone.position)
            )
            notices = session.scalars(
                select(OutboxEntry)
                .where(OutboxEntry.campaign_id == found.id, OutboxEntry.unit_id == target.id)
                .order_by(OutboxEntry.id)
            )
            return {
                "unit": target.code,
                "name": target.name,
                "level": target.level,
                "assignments": [assignment_view(a, campaign, unit, key) for a, key in rows.tuples()],
                "notices": [
                    {
                        "key": n.key,
                        "kind": n.kind,
                        "days": n.days,
                        "status": n.status,
                        "deliver_after": n.deliver_after.isoformat(),
                    }
                    for n in notices
                ],
            }

    return api


def _actor(who: Caller) -> str:
    return "api:admin" if who.admin else f"api:{who.unit_code}"
