"""What every dashboard route shares: the app, the session behind the cookie, the CSRF check, the language, pages
rendered with the security headers, and one place that turns errors into pages (401 sign in, 403, 404, 422)."""

import logging
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from entrypoints.dashboard.forms import FormTooLarge
from entrypoints.dashboard.words import LANGUAGES, environment
from models import clock
from models.errors import InputError
from service.access import Forbidden
from service.bootstrap import App
from service.dashboard_auth import COOKIE, WebSession, csrf_ok, session_of

logger = logging.getLogger("kiemdiem.dashboard")
LANG_COOKIE = "kiemdiem_lang"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class NotSignedIn(Exception):
    pass


class BadCsrf(Exception):
    pass


@lru_cache(maxsize=1)
def templates() -> Any:
    return environment()


def kiemdiem_app(request: Request) -> App:
    app: App = request.app.state.kiemdiem
    return app


Kiemdiem = Annotated[App, Depends(kiemdiem_app)]


def language(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGUAGES else "vi"


def current(request: Request, app: Kiemdiem) -> WebSession:
    web = session_of(app, request.cookies.get(COOKIE), clock.now())
    if web is None:
        raise NotSignedIn
    return web


Web = Annotated[WebSession, Depends(current)]


def check_csrf(web: WebSession, fields: dict[str, str]) -> None:
    if not csrf_ok(web, fields.get("csrf")):
        raise BadCsrf


def render(request: Request, name: str, web: WebSession | None, status: int = 200, **context: Any) -> HTMLResponse:
    html = (
        templates()
        .get_template(name)
        .render(
            lang=language(request),
            web=web,
            actor=web.actor if web else None,
            csrf=web.csrf if web else "",
            here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        )
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def error_page(request: Request, status: int, vi: str, en: str, web: WebSession | None = None) -> HTMLResponse:
    return render(request, "error.html", web, status=status, status_code=status, vi=vi, en=en)


def install_handlers(dashboard: FastAPI) -> None:
    @dashboard.exception_handler(NotSignedIn)
    async def _signin(request: Request, _error: NotSignedIn) -> Response:
        return render(request, "signin.html", None, status=401, failed=False)

    @dashboard.exception_handler(BadCsrf)
    async def _csrf(request: Request, _error: BadCsrf) -> Response:
        return error_page(
            request,
            403,
            "biểu mẫu thiếu hoặc sai mã chống giả mạo (CSRF): tải lại trang rồi gửi lại",
            "the form's anti-forgery (CSRF) token is missing or wrong: reload the page and send it again",
        )

    @dashboard.exception_handler(Forbidden)
    async def _forbidden(request: Request, error: Forbidden) -> Response:
        return error_page(request, 403, f"tài khoản này {error.vi}", f"this sign-in {error.en}")

    @dashboard.exception_handler(FormTooLarge)
    async def _large(request: Request, _error: FormTooLarge) -> Response:
        return error_page(request, 413, "biểu mẫu quá lớn", "the form is too large")

    @dashboard.exception_handler(InputError)
    async def _input(request: Request, error: InputError) -> Response:
        first = error.problems[0] if error.problems else None
        status = 404 if first and first.rule.startswith("unknown_") else 422
        vi = "; ".join(p.vi for p in error.problems[:5]) or "dữ liệu không hợp lệ"
        en = "; ".join(p.en for p in error.problems[:5]) or "invalid input"
        return error_page(request, status, vi, en)

    @dashboard.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        logger.error("dashboard error: %s: %s", type(error).__name__, error)
        return error_page(request, 500, "lỗi hệ thống", "internal error")
