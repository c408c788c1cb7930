"""Where a campaign page's figures come from: computed for this load (a small subtree), or read from the subtree's
snapshot: a large subtree (by default 20,000 units and more: the national tree) and any subtree whose figures took
longer than `snapshot_after_seconds` (default 2 s) to compute (a province of the national campaign on SQLite).

The rule a board is told, on the page: the figures are "as of HH:MM:SS". A snapshot is exact while nothing that
changes figures has been written since (models.dashboard_snapshot.changes_marker) and no local midnight has passed;
the page then says so. Once something changed, the first reader after `snapshot_seconds` (default 60) starts the
recomputation on a thread of its own and, like every reader meanwhile, is shown the previous figures marked as being
updated; the next load after it finishes shows the new ones. So a submission shows within `snapshot_seconds` plus
one recomputation (about twice the raw SQL's time for the whole country: ~22 s on PostgreSQL on a loaded 2-core
machine, benchmarks/bench_dashboard.py) of the previous snapshot.
One reader at a time recomputes a snapshot (a lease in its row, shared by every process on the database); the very
first snapshot of a subtree is computed while its reader waits, and other readers wait for that one."""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pendulum
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import IntegrityError

from models.dashboard_snapshot import (
    changes_marker,
    claim,
    create,
    create_claimed,
    release,
    snapshot_of,
    store,
    subtree_has,
)
from models.tables import Campaign, OrgUnit
from service.access import Actor
from service.bootstrap import App
from service.dashboard_figures import CampaignFigures, campaign_figures

logger = logging.getLogger("kiemdiem.dashboard")
_REFRESHER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiemdiem-snapshot")
WAIT_STEP = 0.2  # seconds between two looks at a first snapshot another reader is computing


class SnapshotSettings(BaseSettings):
    """KIEMDIEM_DASHBOARD_SNAPSHOT_UNITS, …_SECONDS, …_LEASE_SECONDS."""

    model_config = SettingsConfigDict(env_prefix="KIEMDIEM_DASHBOARD_", extra="ignore")

    snapshot_units: int = 20_000  # a subtree of at least this many units is read from its snapshot
    snapshot_after_seconds: float = 2.0  # and a subtree whose figures took longer than this to compute
    snapshot_seconds: int = 60  # a snapshot is recomputed at most this often, and only when something changed
    snapshot_lease_seconds: int = 900  # a recomputation not finished by then is taken over by the next reader


def snapshot_settings() -> SnapshotSettings:
    return SnapshotSettings()


class Freshness(BaseModel):
    """How current the page's figures are, said on the page."""

    snapshot: bool  # False: computed for this load
    as_of: dt.datetime
    unchanged: bool = True  # nothing written since `as_of`: the figures are those of now
    updating: bool = False  # newer figures are being computed
    every_seconds: int = 0
    took_seconds: float = 0.0


def figures_for(
    app: App, actor: Actor, campaign: Campaign, unit: OrgUnit, now: pendulum.DateTime
) -> tuple[CampaignFigures, Freshness]:
    """The figures of `unit`'s subtree for a reader who may read it, and how fresh they are."""
    policy = snapshot_settings()
    with app.unit_of_work() as session:
        found = snapshot_of(session, campaign.id, unit.id)
        large = found is not None or subtree_has(session, unit, policy.snapshot_units)
        marker = changes_marker(session)
    if not large:
        return _live(app, actor, campaign, unit, now, marker, policy)
    if found is None or found.as_of is None:
        return _first(app, actor, campaign, unit, now, policy)
    current = found.changes == marker and found.good_until is not None and now < found.good_until
    due = now >= found.as_of.add(seconds=policy.snapshot_seconds) or (found.good_until or now) <= now
    lease_from = now.subtract(seconds=policy.snapshot_lease_seconds)
    held = found.refreshing_since is not None and found.refreshing_since >= lease_from
    updating = held
    if not current and due and not held:
        with app.unit_of_work() as session:
            mine = claim(session, found.id, found.as_of, now, lease_from)
        if mine:
            _REFRESHER.submit(_refresh, app, actor, campaign, unit, now)
        updating = True  # by this reader, or by another who claimed it a moment before
    figures = CampaignFigures.model_validate(found.figures)
    return figures, Freshness(
        snapshot=True,
        as_of=found.as_of,
        unchanged=current,
        updating=updating,
        every_seconds=policy.snapshot_seconds,
        took_seconds=found.seconds,
    )


def _live(
    app: App,
    actor: Actor,
    campaign: Campaign,
    unit: OrgUnit,
    now: pendulum.DateTime,
    marker: str,
    policy: SnapshotSettings,
) -> tuple[CampaignFigures, Freshness]:
    """Figures computed for this load; kept as the subtree's first snapshot when that took too long."""
    started = time.perf_counter()
    figures = campaign_figures(app, actor, campaign.key, unit.code, now)
    seconds = time.perf_counter() - started
    if seconds >= policy.snapshot_after_seconds:
        try:
            with app.unit_of_work() as session:
                until = next_midnight(now, campaign.timezone)
                create(session, campaign.id, unit.id, figures.model_dump(mode="json"), now, until, marker, seconds)
        except IntegrityError:  # another reader's at the same time: theirs is kept
            pass
    return figures, Freshness(snapshot=False, as_of=now, took_seconds=seconds)


def _first(
    app: App, actor: Actor, campaign: Campaign, unit: OrgUnit, now: pendulum.DateTime, policy: SnapshotSettings
) -> tuple[CampaignFigures, Freshness]:
    """The subtree's first snapshot: computed by the reader who creates its row; any other waits for it (or, past
    the lease, takes it over)."""
    try:
        with app.unit_of_work() as session:
            create_claimed(session, campaign.id, unit.id, now)
        mine = True
    except IntegrityError:
        mine = False
    waited_until = time.monotonic() + policy.snapshot_lease_seconds
    while not mine:
        with app.unit_of_work() as session:
            found = snapshot_of(session, campaign.id, unit.id)
            assert found is not None
            if found.as_of is not None:
                return CampaignFigures.model_validate(found.figures), Freshness(
                    snapshot=True, as_of=found.as_of, every_seconds=policy.snapshot_seconds, took_seconds=found.seconds
                )
            lease_from = now.subtract(seconds=policy.snapshot_lease_seconds)
            mine = claim(session, found.id, None, now, lease_from) or time.monotonic() > waited_until
        if not mine:
            time.sleep(WAIT_STEP)
    figures, seconds = _refresh(app, actor, campaign, unit, now)
    return figures, Freshness(snapshot=True, as_of=now, every_seconds=policy.snapshot_seconds, took_seconds=seconds)


def _refresh(
    app: App, actor: Actor, campaign: Campaign, unit: OrgUnit, now: pendulum.DateTime
) -> tuple[CampaignFigures, float]:
    """Recompute a snapshot the caller has claimed: the marker first, then the figures (a change written between
    the two is in the figures and changes the marker: the next reader recomputes, never the other way round)."""
    started = time.perf_counter()
    try:
        with app.unit_of_work() as session:
            marker = changes_marker(session)
        figures = campaign_figures(app, actor, campaign.key, unit.code, now)
        seconds = time.perf_counter() - started
        with app.unit_of_work() as session:
            until = next_midnight(now, campaign.timezone)
            store(session, campaign.id, unit.id, figures.model_dump(mode="json"), now, until, marker, seconds)
    except Exception as error:
        logger.warning("dashboard snapshot of %s/%s failed: %s", campaign.key, unit.code, type(error).__name__)
        with app.unit_of_work() as session:
            release(session, campaign.id, unit.id)
        raise
    logger.info("dashboard snapshot of %s/%s in %.1f s", campaign.key, unit.code, seconds)
    return figures, seconds


def next_midnight(now: pendulum.DateTime, timezone: str) -> pendulum.DateTime:
    """The first instant of the next local day: deadlines (local midnights) pass and days overdue grow then."""
    return now.in_timezone(timezone).add(days=1).start_of("day").in_timezone("UTC")
