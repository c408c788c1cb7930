"""The web dashboard (issue 11): server-rendered pages (FastAPI + Jinja2, autoescaped) over the service layer, for
the board and for each unit, Vietnamese first. Served by `kiemdiem serve` beside the API and by `kiemdiem
dashboard` alone. No script, no font and no chart library is fetched from anywhere: the page's style sheet is a
file of this package and the charts are drawn on the server. (No `from __future__ import annotations` here:
FastAPI reads the annotations.)"""

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from entrypoints.api.limits import BodyLimit
from entrypoints.dashboard import actions, pages
from entrypoints.dashboard.forms import MAX_FORM_BYTES
from entrypoints.dashboard.web import error_page, install_handlers
from service.bootstrap import App

STATIC = Path(__file__).parent / "static"


def create_dashboard(app: App) -> FastAPI:
    dashboard = FastAPI(title="kiemdiem dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    dashboard.state.kiemdiem = app
    dashboard.add_middleware(BodyLimit, limit=MAX_FORM_BYTES)
    install_handlers(dashboard)

    @dashboard.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        if error.status_code == 404:
            return error_page(request, 404, "không có trang này", "no such page")
        return error_page(request, error.status_code, "yêu cầu không hợp lệ", "invalid request")

    dashboard.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages, actions):
        dashboard.include_router(module.router, include_in_schema=False)
    return dashboard
