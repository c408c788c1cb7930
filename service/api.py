"""The HTTP API for status collection (FastAPI; OpenAPI at /docs). Thin: authenticate, authorize, call the same
service functions as the command line. One place maps errors to HTTP: JSON with a stable code, Vietnamese and
English, never a stack trace. (No `from __future__ import annotations` here: FastAPI reads the annotations.)"""

import datetime as dt
import logging
import unicodedata
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models import clock
from models.campaign_config import parse_campaign_config
from models.errors import InputError, Problem
from models.launch import launch_campaign
from models.lookup import campaign_by_key, unit_by_code
from models.progress import progress
from models.reports import MAX_TEXT, FreeText, ReportIn, parse_report, plain_text_ok
from models.status import find_assignment, submit
from models.tables import Assignment, Milestone, OrgUnit, OutboxEntry
from models.tokens import Caller, authenticate
from models.transitions import extend, set_state
from service.bootstrap import App
from service.numbers import vn_int
from service.status import assignment_view

logger = logging.getLogger("kiemdiem.api")

HTTP_WORDS = {
    400: ("nội dung yêu cầu không đọc được (cần JSON)", "invalid body"),
    404: ("không có địa chỉ này", "not found"),
    405: ("phương thức không được phép", "method not allowed"),
}
VALIDATION_VI = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không được phép",
    "int_type": "phải là số nguyên",
    "int_parsing": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "less_than_equal": "quá lớn",
    "greater_than_equal": "quá nhỏ",
    "string_too_long": "quá dài",
    "string_too_short": "không được để trống",
    "control_character": "có ký tự điều khiển",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "json_invalid": "không phải JSON hợp lệ",
}


MAX_BODY_BYTES = 1_000_000  # a report or a campaign config is a few kilobytes
MAX_PROBLEMS = 50  # problems listed in one answer; the rest are counted
MAX_MESSAGE = 1_000  # characters of one message
MAX_NAME = 200  # characters of a code or key in a path or a query
MAX_DEPTH = 20  # nesting of a campaign config
CONFLICT_RULES = ("concurrent_change", "already_closed")


class ApiError(Exception):
    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        self.status, self.code, self.vi, self.en = status, code, vi, en

    def body(self) -> dict[str, str]:
        return {"code": self.code, "vi": self.vi, "en": self.en}


def unauthorized() -> ApiError:
    """A new error each time: one shared instance, raised again and again, keeps every traceback it went through."""
    return ApiError(
        401,
        "unauthorized",
        "thiếu hoặc sai mã truy cập (Authorization: Bearer …)",
        "missing or invalid API token (Authorization: Bearer …)",
    )


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"nội dung yêu cầu vượt quá {vn_int(limit)} byte",
        f"the request body is over the {limit:,}-byte limit",
    )


def forbidden(what: tuple[str, str]) -> ApiError:
    return ApiError(403, "forbidden", f"mã truy cập này không được phép {what[0]}", f"this token may not {what[1]}")


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Pure ASGI, in front of everything: nothing reads a body before this. An /api/ request without a bearer token
    is answered 401 before its body is read; a declared Content-Length over `limit` is answered 413 at once; a body
    without one (chunked) is counted as it streams and cut at `limit`, so no more than `limit` bytes are held."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["path"].startswith("/api/") and not headers.get(b"authorization", b"").startswith(b"Bearer "):
            await _answer(send, unauthorized())
            return
        declared = headers.get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _answer(send, too_large(self.limit))
            return
        state = {"read": 0, "cut": False, "started": False}

        async def counted() -> Message:
            if state["cut"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > self.limit:
                    state["cut"] = True
                    raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            if state["cut"]:
                return  # whatever the app answers to a cut body, the client gets the 413
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not state["cut"]:
                raise
        if state["cut"] and not state["started"]:
            await _answer(send, too_large(self.limit))


async def _answer(send: Send, error: ApiError) -> None:
    """An answer sent before the app runs; the connection is closed after it, as its body was not read."""
    await JSONResponse(error.body(), status_code=error.status, headers={"connection": "close"})(
        {"type": "http"}, _nothing, send
    )


async def _nothing() -> Message:
    return {"type": "http.disconnect"}


def _plain(text: str) -> bool:
    return len(text) <= MAX_NAME and not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


def plain_names(request: Request) -> None:
    """Codes and keys in the path or the query never hold control characters (a NUL fails on PostgreSQL) and are
    short: refused here, before any lookup."""
    for name, value in request.path_params.items():
        if not _plain(str(value)):
            raise ApiError(
                404,
                "not_found",
                f"không có {name} như vậy (mã có ký tự điều khiển hoặc dài quá {MAX_NAME} ký tự)",
                f"no such {name} (the code holds control characters or is over {MAX_NAME} characters)",
            )
    for name, value in request.query_params.items():
        if not _plain(value):
            raise ApiError(
                422,
                "invalid_parameter",
                f"tham số {name}: có ký tự điều khiển hoặc dài quá {MAX_NAME} ký tự",
                f"parameter {name}: holds control characters or is over {MAX_NAME} characters",
            )


def text_problems(value: Any) -> list[Problem]:
    """Free text anywhere in a JSON document (a campaign config): at most MAX_TEXT characters, no control characters
    but tab and line breaks, at most MAX_DEPTH levels deep. Never repeats the text itself: it may hold a secret."""
    problems = []
    for where, depth, item in _walk(value):
        if depth > MAX_DEPTH:
            problems.append(_text_problem("too_deep", where, f"lồng quá {MAX_DEPTH} tầng", f"nested over {MAX_DEPTH}"))
            break
        if not isinstance(item, str):
            continue
        if len(item) > MAX_TEXT:
            problems.append(
                _text_problem(
                    "string_too_long",
                    where,
                    f"dài {vn_int(len(item))} ký tự, tối đa {vn_int(MAX_TEXT)}",
                    f"{len(item):,} characters long, at most {MAX_TEXT:,}",
                )
            )
        elif not plain_text_ok(item):
            problems.append(
                _text_problem("control_character", where, "có ký tự điều khiển", "holds control characters")
            )
    return problems


def _walk(value: Any) -> Iterator[tuple[str, int, Any]]:
    """Every key and value of a JSON document with its path and depth, without recursion."""
    stack: list[tuple[str, int, Any]] = [("", 0, value)]
    while stack:
        where, depth, item = stack.pop()
        yield where, depth, item
        if isinstance(item, dict):
            for key, inner in reversed(item.items()):
                name = key if _plain(str(key)) and len(str(key)) <= 64 else "…"  # a key is shown only when plain
                path = f"{where}.{name}" if where else name
                stack.append((path, depth + 1, inner))
                stack.append((f"{path} (khóa/key)", depth + 1, key))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", depth + 1, inner) for i, inner in reversed(list(enumerate(item))))


def _text_problem(rule: str, where: str, vi: str, en: str) -> Problem:
    return Problem(rule=rule, field=where or None, vi=f"{where or 'nội dung'}: {vi}", en=f"{where or 'body'}: {en}")


def _status(error: InputError) -> int:
    rule = error.problems[0].rule if error.problems else ""
    if rule.startswith("unknown_"):
        return 404
    return 409 if rule in CONFLICT_RULES else 422


def _problems_answer(status: int, first: dict[str, Any], problems: list[dict[str, Any]]) -> JSONResponse:
    """{code, vi, en} of the first problem, then at most MAX_PROBLEMS problems and the count of the others."""
    shown = [{k: _short(v) for k, v in p.items()} for p in problems[:MAX_PROBLEMS]]
    body: dict[str, Any] = {k: _short(v) for k, v in first.items()} | {"errors": shown}
    if len(problems) > MAX_PROBLEMS:
        body["more_errors"] = len(problems) - MAX_PROBLEMS
    return JSONResponse(body, status_code=status)


def _short(value: Any) -> Any:
    """A message of at most MAX_MESSAGE characters that can be written as UTF-8 (a lone surrogate in a field name,
    from a JSON "\\ud800", would otherwise turn a 422 into a 500)."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_MESSAGE:
        value = value[: MAX_MESSAGE - 1] + "…"
    return value.encode("utf-8", "replace").decode("utf-8")


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


def create_api(app: App, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    api = FastAPI(
        title="kiemdiem",
        version="0.1.0",
        description="Kiểm điểm, đánh giá, xếp loại chất lượng — status collection API",
        dependencies=[Depends(plain_names)],
    )
    api.add_middleware(BodyLimit, limit=max_body_bytes)

    @api.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @api.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        vi, en = HTTP_WORDS.get(error.status_code, ("yêu cầu không hợp lệ", "invalid request"))
        code = en.replace(" ", "_") if error.status_code in HTTP_WORDS else f"http_{error.status_code}"
        return JSONResponse({"code": code, "vi": vi, "en": en}, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(InputError)
    async def _input_error(_request: Request, error: InputError) -> JSONResponse:
        problems = [p.as_dict() for p in error.problems]
        first = problems[0] if problems else {"rule": "invalid", "vi": "dữ liệu không hợp lệ", "en": "invalid input"}
        return _problems_answer(_status(error), {"code": first["rule"], "vi": first["vi"], "en": first["en"]}, problems)

    @api.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ())),
                "rule": e.get("type", "invalid"),
                "en": e.get("msg", ""),
                "vi": VALIDATION_VI.get(e.get("type", ""), "dữ liệu không hợp lệ"),
            }
            for e in error.errors()
        ]
        first = problems[0] if problems else {"field": "", "vi": "", "en": ""}
        summary = {
            "code": "invalid_request",
            "vi": f"yêu cầu không hợp lệ: {first['field']}: {first['vi']}",
            "en": f"invalid request: {first['field']}: {first['en']}",
        }
        return _problems_answer(422, summary, problems)

    @api.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.error("API error: %s: %s", type(error).__name__, error)
        return JSONResponse({"code": "internal", "vi": "lỗi hệ thống", "en": "internal error"}, status_code=500)

    def caller(authorization: Annotated[str | None, Header()] = None) -> Caller:
        if not authorization or not authorization.startswith("Bearer "):
            raise unauthorized()
        with app.unit_of_work() as session:
            found = authenticate(session, authorization.removeprefix("Bearer ").strip())
        if found is None:
            raise unauthorized()
        return found

    Who = Annotated[Caller, Depends(caller)]

    def in_subtree(who: Caller, unit: OrgUnit) -> bool:
        return who.admin or (who.path is not None and unit.path.startswith(who.path))

    @api.post("/api/campaigns", status_code=201)
    def launch(config: dict[str, Any], who: Who) -> dict[str, Any]:
        """Launch a campaign from its config (the admin only)."""
        if not who.admin:
            raise forbidden(("triển khai đợt", "launch a campaign"))
        problems = text_problems(config)
        if problems:
            raise InputError(problems)
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
