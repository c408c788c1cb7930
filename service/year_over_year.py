"""This year beside last year (issue 16, item 2) as a service operation, and as lines people read.

`compare(app, "cuchi-2026", "X1")` → the subtree's figures on the same day of each campaign (day N after the
launch), matched by unit code, the units new and gone apart; None when there is no last year's campaign (the
config's `previous:`, else the closed campaign of the same root and the year before). The rules are in
models.year_over_year."""

from __future__ import annotations

import pendulum

from models import clock
from models.lookup import campaign_by_key, unit_by_code
from models.tables import OrgUnit
from models.year_over_year import (
    Figures,
    LevelComparison,
    Rated,
    SubjectComparison,
    YearOverYearView,
    previous_campaign,
)
from models.year_over_year import compare as compare_years
from service.access import Actor
from service.bootstrap import App
from service.numbers import vn_int

__all__ = ["Figures", "LevelComparison", "Rated", "SubjectComparison", "YearOverYearView", "compare", "lines"]


def compare(
    app: App,
    campaign_key: str,
    subtree: str | None = None,
    at: pendulum.DateTime | None = None,
    actor: Actor | None = None,
) -> YearOverYearView | None:
    """The campaign's subtree (default: its root) on `at` (default: now) beside last year's on the same day of its
    campaign; with `actor`, only a subtree it may read."""
    now = at if at is not None else clock.now()
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, campaign_key)
        if subtree is None and actor is not None and not actor.admin:
            subtree = actor.unit_code
        root = (
            unit_by_code(session, subtree, field="root")
            if subtree is not None
            else session.get(OrgUnit, campaign.root_unit_id)
        )
        assert root is not None
        if actor is not None:
            actor.require_read(root)
        found = previous_campaign(session, campaign)
        if found is None:
            return None
        previous, found_by = found
        return compare_years(session, campaign, previous, found_by, root, now, app.settings.levels)


FOUND_BY = {
    "config": ("theo trường previous của cấu hình", "from the config's previous:"),
    "same_root": ("đợt đã đóng cùng đơn vị ban hành, năm trước", "the closed campaign of the same root, year before"),
}


def lines(view: YearOverYearView | None) -> list[str]:
    """The comparison as table lines for `progress`: one line per milestone and level, one per subject."""
    if view is None:
        return ["Năm trước / last year: không có đợt năm trước để so sánh / no last year's campaign to compare"]
    vi, en = FOUND_BY[view.found_by]
    head = [
        f"Năm trước / last year: {view.previous} ({vi} / {en}), lúc / at {view.previous_at}: "
        f"{view.basis['vi']} / {view.basis['en']}",
        f"So sánh {vn_int(view.units.both)} đơn vị có ở cả hai năm / comparing the {vn_int(view.units.both)} units "
        f"in both years; đơn vị mới / new {vn_int(view.units.new)}, không còn / gone {vn_int(view.units.gone)} "
        "(tính riêng / counted apart)",
        f"{'milestone':<20} {'level':<11} {'submitted % now/then':>21} {'on time % now/then':>19} "
        f"{'overdue now/then':>17} {'new: submitted':>15} {'gone: submitted':>16}",
    ]
    rows = []
    for r in view.levels:
        now, then = r.this_year, r.last_year
        rows.append(
            f"{r.milestone:<20} {r.level:<11} {_pair(now.submitted_pct, then.submitted_pct):>21} "
            f"{_pair(now.on_time_pct, then.on_time_pct):>19} "
            f"{vn_int(now.overdue) + ' / ' + vn_int(then.overdue):>17} "
            f"{vn_int(r.new.submitted) + '/' + vn_int(r.new.units):>15} "
            f"{vn_int(r.gone.submitted) + '/' + vn_int(r.gone.units):>16}"
        )
    for s in view.results:
        rows.append(
            f"{s.subject}: tốt trở lên / good or above {s.this_year.good_or_above_pct:.1f}% "
            f"(năm trước / last year {s.last_year.good_or_above_pct:.1f}%); "
            f"đơn vị mới / new {s.new.good_or_above_pct:.1f}% of {vn_int(s.new.evaluated)}, "
            f"không còn / gone {s.gone.good_or_above_pct:.1f}% of {vn_int(s.gone.evaluated)}"
        )
    return head + rows


def _pair(now: float, then: float) -> str:
    return f"{now:.1f} / {then:.1f}"
