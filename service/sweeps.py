"""Sweeps and deliveries as service operations: each batch and each delivery record is its own transaction."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum
from sqlalchemy import select

from models.decision_sweep import sweep_decisions
from models.enums import CampaignStatus
from models.lookup import campaign_by_key
from models.sweep import Batch, SweepCounts, plan_batches, sweep_batch
from models.sweep_context import SweepContext
from models.tables import Campaign, OrgUnit, OutboxEntry
from notifications import liveness, outbox
from notifications.messages import render_failures
from notifications.redact import redact
from notifications.senders import Sender
from service import faults
from service.bootstrap import App
from service.campaigns import close_expired

logger = logging.getLogger("kiemdiem.delivery")


def active_campaigns(app: App, key: str | None) -> list[str]:
    with app.unit_of_work() as session:
        if key is not None:  # a closed campaign is not swept, even by name: its results are frozen
            found = campaign_by_key(session, key)
            return [found.key] if found.status == CampaignStatus.ACTIVE else []
        return list(
            session.scalars(select(Campaign.key).where(Campaign.status == CampaignStatus.ACTIVE).order_by(Campaign.key))
        )


def context(app: App, key: str) -> SweepContext:
    """The campaign as one sweep needs it, read and validated once."""
    with app.unit_of_work() as session:
        return SweepContext.load(session, key)


def batches(app: App, campaign: SweepContext, max_units: int = 2000) -> list[Batch]:
    with app.unit_of_work() as session:
        root = session.get(OrgUnit, campaign.root_id)
        assert root is not None
        return plan_batches(session, root, max_units)


def sweep_one(app: App, campaign: SweepContext, batch: Batch, now: pendulum.DateTime) -> SweepCounts:
    with app.unit_of_work() as session:
        return sweep_batch(session, campaign, batch, now)


def deliver(app: App, key: str, now: pendulum.DateTime, sender: Sender, chunk: int = 20_000) -> Counter[str]:
    """Deliver what may be delivered now, one message per channel (a digest of everything due to it), recording
    every attempt before it is made (notifications.outbox says the policy). Entries are claimed `chunk` at a time:
    a recipient with notices in two chunks gets two digests. The deliverer holds its liveness lock throughout, so
    that another sweep takes over its claims only if this process dies."""
    return deliver_campaign(app, context(app, key), now, sender, chunk)


def deliver_campaign(
    app: App, campaign: SweepContext, now: pendulum.DateTime, sender: Sender, chunk: int = 20_000
) -> Counter[str]:
    owner = liveness.new_owner()
    with liveness.alive(app.engine, owner):
        return _deliver_as(app, campaign, now, sender, chunk, owner)


def _deliver_as(
    app: App, campaign: SweepContext, now: pendulum.DateTime, sender: Sender, chunk: int, owner: str
) -> Counter[str]:
    counts: Counter[str] = Counter()
    with app.unit_of_work() as session:
        counts["recovered"] += outbox.recover_orphans(
            session, campaign, now, lambda owners: liveness.gone(app.engine, owners)
        )
        counts["superseded"] += outbox.supersede(session, campaign, now)
    while True:
        with app.unit_of_work() as session:
            claimed = outbox.claim(session, campaign, now, chunk, owner)
        if not claimed:
            return +counts
        with app.unit_of_work() as session:
            messages, unreachable = outbox.plan_messages(session, campaign, claimed, app.settings.public_url)
        for message in messages:
            with app.unit_of_work() as session:
                outbox.start_attempts(session, message, owner, now)
            faults.reach("delivery.before-send")
            error = sender.send(message.url, message.title, message.body)
            faults.reach("delivery.after-send")
            with app.unit_of_work() as session:
                outbox.finish_attempts(session, message, error, now)
            counts["messages_failed" if error else "messages"] += 1
        with app.unit_of_work() as session:
            settled = outbox.settle(session, campaign, claimed, unreachable, owner, now)
            states = Counter(session.scalars(select(OutboxEntry.status).where(OutboxEntry.id.in_(claimed))))
        counts.update(
            {"sent": states["sent"], "retry": states["pending"], "failed": states["failed"]}
            | {"uncertain": states["uncertain"]}
        )
        if settled.failed or settled.uncertain:
            _tell_admin(app, campaign, settled.failed + settled.uncertain, sender, now)


def _tell_admin(app: App, campaign: SweepContext, entries: list[int], sender: Sender, now: pendulum.DateTime) -> None:
    """Tell the admin contacts, once, about notices that failed for good or may not have arrived."""
    contacts = campaign.config.admin_contacts
    with app.unit_of_work() as session:
        rows = (
            session.execute(
                select(OutboxEntry, OrgUnit.code)
                .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
                .where(OutboxEntry.id.in_(entries))
            )
            .tuples()
            .all()
        )
        fresh = [(entry, code) for entry, code in rows if not entry.details.get("admin_told")]
        if not fresh:
            return
        title, body = render_failures([(code, e.kind, f"{e.status}: {e.last_error or ''}") for e, code in fresh])
        told = [url for url in contacts if sender.send(url, title, body) is None]
        if told:
            for entry, _code in fresh:
                entry.details = {**entry.details, "admin_told": now.isoformat()}
        else:
            logger.warning(
                "%d notices of %s failed or are uncertain; no admin contact could be told", len(fresh), campaign.key
            )


BatchRunner = Callable[[App, SweepContext, Batch, pendulum.DateTime], SweepCounts]


def sweep(
    app: App, key: str | None, now: pendulum.DateTime, sender: Sender, run_batch: BatchRunner = sweep_one
) -> dict[str, Any]:
    """One whole sweep: decide every due notice into the outbox, batch by batch, then deliver. In this process by
    default; the sweep flow passes a `run_batch` that runs each batch as a Prefect task."""
    result: dict[str, Any] = {"at": now.isoformat(), "campaigns": {}}
    auto_closed = close_expired(app, now)
    if auto_closed:
        result["auto_closed"] = auto_closed
    keys = active_campaigns(app, key)
    if key is not None and not keys:
        result["closed"] = [key]
    for campaign_key in keys:
        try:
            result["campaigns"][campaign_key] = _sweep_campaign(app, campaign_key, now, sender, run_batch)
        except Exception as error:  # one campaign's failure must not stop the others; it is reported, not lost
            if key is not None:
                raise
            logger.error("sweep of %s failed: %s: %s", campaign_key, type(error).__name__, redact(str(error)))
            result.setdefault("failed", {})[campaign_key] = f"{type(error).__name__}: {redact(str(error))[:300]}"
    return result


def _sweep_campaign(
    app: App, key: str, now: pendulum.DateTime, sender: Sender, run_batch: BatchRunner
) -> dict[str, Any]:
    campaign = context(app, key)
    total = SweepCounts()
    for batch in batches(app, campaign):
        total.add(run_batch(app, campaign, batch, now))
        faults.reach("sweep.after-batch")
    with app.unit_of_work() as session:  # the deciders' notices: one small statement per milestone with a date
        total.decided.update(+sweep_decisions(session, campaign, now, app.settings.levels))
    return {**total.as_dict(), "delivered": dict(deliver_campaign(app, campaign, now, sender))}
