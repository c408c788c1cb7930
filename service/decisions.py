"""The level above decides its units' ratings (quyết định xếp loại), and reads its group: self-ratings beside
decisions. The decider (models.deciders: the committee above by the management line) acts with its token, or the
board does."""

from __future__ import annotations

import pendulum

from models.deciders import decider_of
from models.decisions import GroupRow, decide, group
from models.errors import fail
from models.lookup import campaign_by_key, unit_by_code
from service.access import Actor, Forbidden
from service.bootstrap import App
from service.views import RatingGroupView, RatingRow


def decide_ratings(
    app: App,
    actor: Actor,
    campaign: str,
    decider: str,
    ratings: dict[str, str],
    now: pendulum.DateTime,
    override_reason: str | None = None,
    reason: str | None = None,
) -> RatingGroupView:
    """Decide (or decide again) some units' ratings, all or nothing; the quota is checked over the whole group."""
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        deciding = unit_by_code(session, decider, field="decider")
        if not (actor.admin or actor.unit_id == deciding.id):
            raise Forbidden("quyết định xếp loại thay cấp trên", "decide ratings for another level")
        levels = app.settings.levels
        rows = decide(session, found, deciding, ratings, now, actor.name, levels, override_reason, reason)
        return _view(campaign, decider, rows)


def decide_unit(
    app: App,
    actor: Actor,
    campaign: str,
    unit: str,
    rating: str,
    now: pendulum.DateTime,
    override_reason: str | None = None,
    reason: str | None = None,
) -> RatingGroupView:
    """One unit's rating, decided by its decider (the dashboard's form on the unit's page)."""
    with app.unit_of_work() as session:
        parent = decider_of(session, unit_by_code(session, unit), app.settings.levels)
        if parent is None:
            raise fail(
                "no_level_above",
                f"«{unit}» là đơn vị cao nhất: không có cấp trên quyết định xếp loại trong đợt",
                f"'{unit}' is the top unit: no level above decides its rating in this campaign",
                field="unit",
            )
        decider = parent.code
    return decide_ratings(app, actor, campaign, decider, {unit: rating}, now, override_reason, reason)


def rating_group(app: App, actor: Actor, campaign: str, decider: str) -> RatingGroupView:
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        deciding = unit_by_code(session, decider, field="decider")
        actor.require_read(deciding)
        return _view(campaign, decider, group(session, found, deciding, app.settings.levels))


def rating_rows(rows: list[GroupRow]) -> list[RatingRow]:
    return [
        RatingRow(
            unit=r.code,
            name=r.name,
            self_rating=r.self_rating,
            decision=r.decision,
            decided_at=r.decided_at.isoformat() if r.decided_at else None,
            version=r.version,
        )
        for r in rows
    ]


def _view(campaign: str, decider: str, rows: list[GroupRow]) -> RatingGroupView:
    excellent = sum(1 for r in rows if r.decision == "excellent")
    good = sum(1 for r in rows if r.decision == "good")
    return RatingGroupView(
        campaign=campaign,
        decider=decider,
        excellent=excellent,
        good=good,
        excellent_pct_of_good=round(100.0 * excellent / good, 1) if good else 0.0,
        units=rating_rows(rows),
    )
