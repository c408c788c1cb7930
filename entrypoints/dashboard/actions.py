"""The forms: sign in and out, a unit's report, the parent's accept / return, the board's extend / exempt and its
reminder to the overdue units of a subtree. Every form carries the session's CSRF token; every change goes through
the same service functions, and the same rights, as the API (service.status, service.access)."""

import datetime as dt
from urllib.parse import quote, urlencode

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from entrypoints.dashboard.forms import by_field, read_form, report_document
from entrypoints.dashboard.pages import signed_in
from entrypoints.dashboard.web import HEADERS, Kiemdiem, Web, check_csrf, render
from models import clock
from models.errors import InputError, fail
from models.reports import parse_report
from service import dashboard_actions, dashboard_views, decisions, status
from service.dashboard_auth import COOKIE

router = APIRouter()
UNIT = "/campaigns/{key}/units/{code}"
ASSIGNMENT = UNIT + "/milestones/{milestone}"


def _back(key: str, code: str, done: str) -> Response:
    target = f"/campaigns/{quote(key)}/units/{quote(code)}?{urlencode({'done': done})}"
    return RedirectResponse(target, status_code=303, headers=HEADERS)


def _again(request: Request, web: Web, app: Kiemdiem, key: str, code: str, milestone: str, **shown: object) -> Response:
    """The unit's page again, with the problems of what was posted next to its fields (422), nothing stored."""
    page = dashboard_views.unit_detail(app, web.actor, key, code, clock.now())
    return render(request, "unit.html", web, status=422, page=page, done=None, failed=milestone, **shown)


@router.post("/signin")
async def signin(request: Request, app: Kiemdiem) -> Response:
    fields = await read_form(request)
    return signed_in(request, app, fields.get("token", ""))


@router.post("/signout")
async def signout(request: Request, web: Web) -> Response:
    check_csrf(web, await read_form(request))
    answer = RedirectResponse("/signin", status_code=303, headers=HEADERS)
    answer.delete_cookie(COOKIE, path="/")
    return answer


@router.post(ASSIGNMENT + "/submit")
async def submit(request: Request, key: str, code: str, milestone: str, web: Web, app: Kiemdiem) -> Response:
    """The unit's report: refused (403) before it is read for anyone but the unit and the board; problems shown
    next to their fields with nothing stored; else submitted as `kiemdiem status submit` does."""
    fields = await read_form(request)
    check_csrf(web, fields)
    dashboard_actions.require_submit(app, web.actor, key, code, milestone)
    try:
        report = parse_report(report_document(fields))
        status.submit_status(app, web.actor, key, code, milestone, clock.now(), report)
    except InputError as error:
        return _again(request, web, app, key, code, milestone, errors=by_field(error.problems), posted=fields)
    return _back(key, code, "submitted")


@router.post(ASSIGNMENT + "/decide")
async def decide(request: Request, key: str, code: str, milestone: str, web: Web, app: Kiemdiem) -> Response:
    """The level above accepts the submission, or returns it for correction with a reason."""
    fields = await read_form(request)
    check_csrf(web, fields)
    state = {"accept": "accepted", "return": "returned"}.get(fields.get("action", ""), "")
    change = status.StateChange(state=state, reason=fields.get("reason", "").strip() or None)
    return _change(request, web, app, key, code, milestone, fields, change)


@router.post(UNIT + "/rating")
async def rating(request: Request, key: str, code: str, web: Web, app: Kiemdiem) -> Response:
    """The level above decides (or re-decides) the unit's rating; the quota is checked over its whole group."""
    fields = await read_form(request)
    check_csrf(web, fields)
    try:
        decisions.decide_unit(
            app,
            web.actor,
            key,
            code,
            fields.get("rating", ""),
            clock.now(),
            fields.get("override_reason", "").strip() or None,
            fields.get("reason", "").strip() or None,
        )
    except InputError as error:
        if error.problems and error.problems[0].rule.startswith("unknown_"):
            raise
        return _again(request, web, app, key, code, "rating", errors={"rating": error.problems}, posted=fields)
    return _back(key, code, "rated")


@router.post(ASSIGNMENT + "/exempt")
async def exempt(request: Request, key: str, code: str, milestone: str, web: Web, app: Kiemdiem) -> Response:
    fields = await read_form(request)
    check_csrf(web, fields)
    change = status.StateChange(state="exempt", reason=fields.get("reason", "").strip() or None)
    return _change(request, web, app, key, code, milestone, fields, change)


def _change(
    request: Request,
    web: Web,
    app: Kiemdiem,
    key: str,
    code: str,
    milestone: str,
    fields: dict[str, str],
    change: status.StateChange,
) -> Response:
    try:
        status.set_status(app, web.actor, key, code, milestone, change, clock.now())
    except InputError as error:
        if error.problems and error.problems[0].rule.startswith("unknown_"):
            raise
        return _again(request, web, app, key, code, milestone, errors=by_field(error.problems), posted=fields)
    return _back(key, code, change.state)


@router.post(ASSIGNMENT + "/extend")
async def extend(request: Request, key: str, code: str, milestone: str, web: Web, app: Kiemdiem) -> Response:
    """The board grants the unit a later deadline, with a reason."""
    fields = await read_form(request)
    check_csrf(web, fields)
    try:
        until = _date(fields.get("until", ""))
        status.extend_deadline(
            app, web.actor, key, code, milestone, until, fields.get("reason", "").strip(), clock.now()
        )
    except InputError as error:
        if error.problems and error.problems[0].rule.startswith("unknown_"):
            raise
        return _again(request, web, app, key, code, milestone, errors=by_field(error.problems), posted=fields)
    return _back(key, code, "extended")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise fail("invalid_date", "cần ngày dạng YYYY-MM-DD", "a date YYYY-MM-DD is needed", field="until") from None


@router.post("/campaigns/{key}/remind")
async def remind(request: Request, key: str, web: Web, app: Kiemdiem, background: BackgroundTasks) -> Response:
    """The board's reminder, now, to the overdue units of the subtree shown: written once, then delivered."""
    fields = await read_form(request)
    check_csrf(web, fields)
    root = fields.get("root") or None
    now = clock.now()
    result = dashboard_actions.remind(app, web.actor, key, root, now)
    if result.created:
        background.add_task(dashboard_actions.deliver_now, app, key, now)
    query = urlencode(
        {
            k: v
            for k, v in {"root": root, "reminded": result.created, "already": result.already}.items()
            if v is not None
        }
    )
    return RedirectResponse(f"/campaigns/{quote(key)}?{query}", status_code=303, headers=HEADERS)
