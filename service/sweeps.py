"""Sweeps and deliveries as service operations: each batch and each delivery record is its own transaction."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from typing import Any

import pendulum
from sqlalchemy import select

from models.campaign_config import CampaignConfig
from models.lookup import campaign_by_key
from models.sweep import Batch, SweepCounts, plan_batches, sweep_batch
from models.tables import Campaign, OrgUnit, OutboxEntry
from notifications import outbox
from notifications.messages import render_failures
from notifications.senders import Sender
from service.bootstrap import App

logger = logging.getLogger("kiemdiem.delivery")


def active_campaigns(app: App, key: str | None) -> list[str]:
    with app.unit_of_work() as session:
        if key is not None:
            return [campaign_by_key(session, key).key]
        return list(session.scalars(select(Campaign.key).where(Campaign.status == "active").order_by(Campaign.key)))


def batches(app: App, key: str, max_units: int = 2000) -> list[Batch]:
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        root = session.get(OrgUnit, campaign.root_unit_id)
        assert root is not None
        return plan_batches(session, root, max_units)


def sweep_one(app: App, key: str, batch: Batch, now: pendulum.DateTime) -> SweepCounts:
    with app.unit_of_work() as session:
        return sweep_batch(session, campaign_by_key(session, key), batch, now)


def deliver(app: App, key: str, now: pendulum.DateTime, sender: Sender, chunk: int = 20_000) -> Counter[str]:
    """Deliver what may be delivered now, one message per channel (a digest of everything due to it), recording
    every attempt before it is made (notifications.outbox says the policy). Entries are claimed `chunk` at a time:
    a recipient with notices in two chunks gets two digests."""
    counts: Counter[str] = Counter()
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        counts["recovered"] += outbox.recover_stale(session, campaign, now)
        counts["superseded"] += outbox.supersede(session, campaign, now)
    while True:
        with app.unit_of_work() as session:
            campaign = campaign_by_key(session, key)
            claimed = outbox.claim(session, campaign, now, chunk)
        if not claimed:
            return +counts
        with app.unit_of_work() as session:
            messages, unreachable = outbox.plan_messages(
                session, campaign_by_key(session, key), claimed, app.settings.public_url
            )
        for message in messages:
            with app.unit_of_work() as session:
                outbox.start_attempts(session, message, now)
            _fault("crash-before-send")
            error = sender.send(message.url, message.title, message.body)
            _fault("crash-after-send")
            with app.unit_of_work() as session:
                outbox.finish_attempts(session, message, error, now)
            counts["messages_failed" if error else "messages"] += 1
        with app.unit_of_work() as session:
            campaign = campaign_by_key(session, key)
            failed = outbox.settle(session, campaign, claimed, unreachable, now)
            states = Counter(session.scalars(select(OutboxEntry.status).where(OutboxEntry.id.in_(claimed))))
        counts.update({"sent": states["sent"], "retry": states["pending"], "failed": states["failed"]})
        if failed:
            _tell_admin(app, key, failed, sender, now)


def _tell_admin(app: App, key: str, failed: list[int], sender: Sender, now: pendulum.DateTime) -> None:
    """Tell the admin contacts, once, about notices that failed for good."""
    with app.unit_of_work() as session:
        campaign = campaign_by_key(session, key)
        contacts = CampaignConfig.model_validate(campaign.config).admin_contacts
        rows = (
            session.execute(
                select(OutboxEntry, OrgUnit.code)
                .join(OrgUnit, OrgUnit.id == OutboxEntry.unit_id)
                .where(OutboxEntry.id.in_(failed))
            )
            .tuples()
            .all()
        )
        fresh = [(entry, code) for entry, code in rows if not entry.details.get("admin_told")]
        if not fresh:
            return
        title, body = render_failures([(code, e.kind, e.last_error or "") for e, code in fresh])
        told = [url for url in contacts if sender.send(url, title, body) is None]
        if told:
            for entry, _code in fresh:
                entry.details = {**entry.details, "admin_told": now.isoformat()}
        else:
            logger.warning("%d notices of %s failed for good and no admin contact could be told", len(fresh), key)


def _fault(point: str) -> None:
    """Fault injection for the crash tests: KIEMDIEM_FAULT_INJECTION=<point> stops the process dead there."""
    if os.environ.get("KIEMDIEM_FAULT_INJECTION") == point:
        os._exit(70)


BatchRunner = Callable[[App, str, Batch, pendulum.DateTime], SweepCounts]


def sweep(
    app: App, key: str | None, now: pendulum.DateTime, sender: Sender, run_batch: BatchRunner = sweep_one
) -> dict[str, Any]:
    """One whole sweep: decide every due notice into the outbox, batch by batch, then deliver. In this process by
    default; the sweep flow passes a `run_batch` that runs each batch as a Prefect task."""
    result: dict[str, Any] = {"at": now.isoformat(), "campaigns": {}}
    for campaign_key in active_campaigns(app, key):
        total = SweepCounts()
        for batch in batches(app, campaign_key):
            total.add(run_batch(app, campaign_key, batch, now))
        result["campaigns"][campaign_key] = {
            **total.as_dict(),
            "delivered": dict(deliver(app, campaign_key, now, sender)),
        }
    return result
