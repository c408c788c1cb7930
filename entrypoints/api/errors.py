"""One place that maps errors to HTTP: JSON `{code, vi, en}` with a stable code, Vietnamese and English, at most
MAX_PROBLEMS problems listed, never a stack trace."""

import logging
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from models.errors import InputError, Problem
from service.access import Forbidden
from service.numbers import vn_int

logger = logging.getLogger("kiemdiem.api")

HTTP_WORDS = {
    400: ("nội dung yêu cầu không đọc được (cần JSON)", "invalid body"),
    404: ("không có địa chỉ này", "not found"),
    405: ("phương thức không được phép", "method not allowed"),
}
VALIDATION_VI = {
    "not_a_reason_to_exclude": "nghỉ ốm, nghỉ thai sản không phải lý do để không đánh giá: đảng viên vẫn được xếp "
    "loại theo công việc thực tế đã làm",
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


MAX_PROBLEMS = 50  # problems listed in one answer; the rest are counted
MAX_MESSAGE = 1_000  # characters of one message
CONFLICT_RULES = ("concurrent_change", "already_closed", "campaign_closed")


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


def status_of(error: InputError) -> int:
    rule = error.problems[0].rule if error.problems else ""
    if rule.startswith("unknown_"):
        return 404
    return 409 if rule in CONFLICT_RULES else 422


def problems_answer(status: int, first: dict[str, Any], problems: list[dict[str, Any]]) -> JSONResponse:
    """{code, vi, en} of the first problem, then at most MAX_PROBLEMS problems and the count of the others."""
    shown = [{k: short(v) for k, v in p.items()} for p in problems[:MAX_PROBLEMS]]
    body: dict[str, Any] = {k: short(v) for k, v in first.items()} | {"errors": shown}
    if len(problems) > MAX_PROBLEMS:
        body["more_errors"] = len(problems) - MAX_PROBLEMS
    return JSONResponse(body, status_code=status)


def short(value: Any) -> Any:
    """A message of at most MAX_MESSAGE characters that can be written as UTF-8 (a lone surrogate in a field name,
    from a JSON "\\ud800", would otherwise turn a 422 into a 500)."""
    if not isinstance(value, str):
        return value
    if len(value) > MAX_MESSAGE:
        value = value[: MAX_MESSAGE - 1] + "…"
    return value.encode("utf-8", "replace").decode("utf-8")


# Fields of the request bodies, named by the domain: shown as JSON pointers into the body (`until` → `/until`).
BODY_FIELDS = frozenset({"state", "reason", "until", "override", "meeting_date", "report"})


def in_api_words(problem: Problem) -> Problem:
    if problem.field in BODY_FIELDS:
        return replace(problem, field="/" + problem.field)
    return problem


def install_handlers(api: FastAPI) -> None:
    @api.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status)

    @api.exception_handler(HTTPException)
    async def _http_error(_request: Request, error: HTTPException) -> JSONResponse:
        vi, en = HTTP_WORDS.get(error.status_code, ("yêu cầu không hợp lệ", "invalid request"))
        code = en.replace(" ", "_") if error.status_code in HTTP_WORDS else f"http_{error.status_code}"
        return JSONResponse({"code": code, "vi": vi, "en": en}, status_code=error.status_code, headers=error.headers)

    @api.exception_handler(Forbidden)
    async def _forbidden(_request: Request, error: Forbidden) -> JSONResponse:
        body = {"code": "forbidden", "vi": f"mã truy cập này {error.vi}", "en": f"this token {error.en}"}
        return JSONResponse(body, status_code=403)

    @api.exception_handler(InputError)
    async def _input_error(_request: Request, error: InputError) -> JSONResponse:
        problems = [in_api_words(p).as_dict() for p in error.problems]
        first = problems[0] if problems else {"rule": "invalid", "vi": "dữ liệu không hợp lệ", "en": "invalid input"}
        summary = {"code": first["rule"], "vi": first["vi"], "en": first["en"]}
        return problems_answer(status_of(error), summary, problems)

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
        return problems_answer(422, summary, problems)

    @api.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        logger.error("API error: %s: %s", type(error).__name__, error)
        return JSONResponse({"code": "internal", "vi": "lỗi hệ thống", "en": "internal error"}, status_code=500)
