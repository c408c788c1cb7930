"""Sweeps and deliveries as service operations: each batch and each delivery record is its own transaction."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pendulum
from sqlalchemy import select

from models.lookup import campaign_by_key
from models.sweep import Batch, SweepCounts, plan_batches, sweep_batch
from models.tables import Campaign, OrgUnit
from notifications import outbox
from notifications.senders import Sender
from service.bootstrap import App


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


def deliver(app: App, key: str, now: pendulum.DateTime, sender: Sender, chunk: int = 500) -> Counter[str]:
    """Deliver what may be delivered now, `chunk` entries at a time; every entry's outcome committed on its own."""
    counts: Counter[str] = Counter()
    with app.unit_of_work() as session:
        counts["superseded"] += outbox.supersede(session, campaign_by_key(session, key), now)
    while True:
        with app.unit_of_work() as session:
            campaign = campaign_by_key(session, key)
            claimed = outbox.claim(session, campaign, now, chunk)
        if not claimed:
            return counts
        with app.unit_of_work() as session:
            messages = outbox.prepare(session, campaign_by_key(session, key), claimed)
        for message in messages:
            accepted, errors = [], []
            for url in message.urls:
                error = sender.send(url, message.title, message.body)
                (errors.append(error) if error else accepted.append(url))
            with app.unit_of_work() as session:
                outbox.record(session, message.entry_id, accepted, errors, now, no_contacts=not message.urls)
            counts["failed" if errors or not message.urls else "sent"] += 1


def sweep(app: App, key: str | None, now: pendulum.DateTime, sender: Sender) -> dict[str, Any]:
    """One whole sweep, in this process: decide every due notice into the outbox, then deliver."""
    result: dict[str, Any] = {"at": now.isoformat(), "campaigns": {}}
    for campaign_key in active_campaigns(app, key):
        total = SweepCounts()
        for batch in batches(app, campaign_key):
            total.add(sweep_one(app, campaign_key, batch, now))
        result["campaigns"][campaign_key] = {
            **total.as_dict(),
            "delivered": dict(deliver(app, campaign_key, now, sender)),
        }
    return result
