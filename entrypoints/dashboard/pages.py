"""The pages people read: sign-in, the campaigns, a campaign's subtree (drill-down), search, a unit; and the files
(board report, offline form). Each calls one service function with the session's actor and the clock's "now"."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from entrypoints.dashboard.charts import burnup_chart
from entrypoints.dashboard.web import HEADERS, LANG_COOKIE, Kiemdiem, Web, render
from entrypoints.dashboard.words import LANGUAGES
from models import clock
from models.errors import InputError, fail
from service import dashboard_actions, dashboard_views
from service.dashboard_auth import COOKIE, SESSION_HOURS, sign_in

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(target: str | None) -> str:
    """Only a path of this site to go back to (never `//elsewhere` or `https://…`)."""
    return target if target and target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def signed_in(request: Request, app: Kiemdiem, token: str, target: str = "/") -> Response:
    cookie = sign_in(app, token, clock.now())
    if cookie is None:
        return render(request, "signin.html", None, status=401, failed=True)
    answer = RedirectResponse(_local(target), status_code=303, headers=HEADERS)
    secure = (app.settings.public_url or "").startswith("https://")
    answer.set_cookie(
        COOKIE, cookie, max_age=SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=secure, path="/"
    )
    return answer


@router.get("/signin")
def signin_page(request: Request, app: Kiemdiem, token: str | None = None) -> Response:
    """The sign-in link (`kiemdiem tokens issue CODE --link`) lands here: the token is exchanged for a session
    cookie and the browser moves on at once, so the token does not stay in the address bar or the history."""
    if token:
        return signed_in(request, app, token)
    return render(request, "signin.html", None, failed=False)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    answer = RedirectResponse(_local(next), status_code=303, headers=HEADERS)
    if code in LANGUAGES:
        answer.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return answer


@router.get("/")
def home(request: Request, web: Web, app: Kiemdiem) -> Response:
    campaigns = dashboard_views.campaign_list(app, web.actor)
    if len(campaigns) == 1:
        return RedirectResponse(f"/campaigns/{quote(campaigns[0].key)}", status_code=303, headers=HEADERS)
    return render(request, "campaigns.html", web, campaigns=campaigns)


@router.get("/campaigns/{key}")
def campaign(
    request: Request,
    key: str,
    web: Web,
    app: Kiemdiem,
    root: str | None = None,
    reminded: int | None = None,
    already: int | None = None,
) -> Response:
    """A campaign for one subtree: the reader's own by default, a unit below it with ?root=CODE (drill-down)."""
    page = dashboard_views.campaign_page(app, web.actor, key, root, clock.now())
    chart = burnup_chart(page.burnup, page.start, page.today)
    return render(request, "campaign.html", web, page=page, chart=chart, reminded=reminded, already=already)


@router.get("/campaigns/{key}/search")
def search(request: Request, key: str, web: Web, app: Kiemdiem, q: str = "") -> Response:
    found = dashboard_views.search(app, web.actor, key, q[:100])
    return render(request, "search.html", web, key=key, q=q[:100], found=found)


@router.get("/campaigns/{key}/units/{code}")
def unit(request: Request, key: str, code: str, web: Web, app: Kiemdiem, done: str | None = None) -> Response:
    page = dashboard_views.unit_detail(app, web.actor, key, code, clock.now())
    return render(request, "unit.html", web, page=page, done=done, errors={}, posted={}, failed=None)


@router.get("/campaigns/{key}/report.{fmt}")
def board_report(key: str, fmt: str, web: Web, app: Kiemdiem, root: str | None = None) -> Response:
    if fmt not in dashboard_actions.REPORT_FORMATS:
        return Response(status_code=404)
    data = dashboard_actions.board_report(app, web.actor, key, root, fmt, clock.now())
    name = f"{key}-{root or 'all'}.{fmt}".replace('"', "")
    media = XLSX if fmt == "xlsx" else "application/pdf"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/campaigns/{key}/units/{code}/milestones/{milestone}/form.xlsx")
def offline_form(key: str, code: str, milestone: str, web: Web, app: Kiemdiem) -> Response:
    data = dashboard_actions.offline_form(app, web.actor, key, code, milestone, clock.now())
    name = f"{key}-{code}-{milestone}.xlsx".replace('"', "")
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _year(text: str | None, default: int) -> int:
    if not text:
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise fail("invalid_year", "cần một năm, ví dụ 2027", "a year is needed, e.g. 2027", field="year") from None


@router.get("/campaigns/{key}/next-year")
def next_year(request: Request, key: str, web: Web, app: Kiemdiem, year: str | None = None) -> Response:
    """The board's "launch next year's campaign from this one": the config written for the chosen year, with the
    deadlines on a day off flagged and the units gone or moved listed, to download and launch (nothing launched)."""
    campaigns = {c.key: c for c in dashboard_views.campaign_list(app, web.actor)}
    found = campaigns.get(key)
    chosen = None
    try:
        chosen = _year(year, (found.year + 1) if found else 0)
        plan = dashboard_actions.next_year(app, web.actor, key, chosen)
    except InputError as error:
        if error.problems and error.problems[0].rule.startswith("unknown_"):
            raise
        return render(
            request,
            "next_year.html",
            web,
            status=422,
            key=key,
            campaign=found,
            year=year or chosen,
            plan=None,
            problems=error.problems,
        )
    return render(request, "next_year.html", web, key=key, campaign=found, year=chosen, plan=plan, problems=[])


@router.get("/campaigns/{key}/next-year.yaml")
def next_year_file(key: str, web: Web, app: Kiemdiem, year: str | None = None) -> Response:
    plan = dashboard_actions.next_year(app, web.actor, key, _year(year, 0))
    name = f"{plan.key}.yaml".replace('"', "")
    return Response(
        plan.yaml().encode(),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **HEADERS},
    )
