"""Sweeps and deliveries as service operations: each batch and each delivery record is its own transaction."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import pendulum
from sqlalchemy import ColumnElement, select

from models.decision_sweep import sweep_decisions
from models.enums import CampaignStatus
from models.lookup import campaign_by_key
from models.sweep import SweepCounts, sweep_batch
from models.sweep_batches import Batch, Partition, plan_batches, plan_partitions, within
from models.sweep_context import SweepContext
from models.tables import Campaign, OrgUnit, OutboxEntry
from notifications import dispatch, liveness, outbox
from notifications.messages import render_failures
from notifications.outbox import Message
from notifications.redact import redact
from notifications.senders import Sender
from service import faults
from service.bootstrap import App
from service.campaigns import close_expired
from service.risk import early_notices

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


# Entries claimed at a time: a deliverer lost mid-sweep leaves at most this many (and the rest of one unit's) claimed,
# and those are taken over by the next deliverer as soon as its liveness lock is free.
CHUNK = 200

# Held while one channel's messages of a chunk are sent (flows.deliver: a Prefect global concurrency limit per
# channel, shared by every worker); by default nothing is held.
ChannelGate = Callable[[str], AbstractContextManager[object]]


def channel_of(url: str) -> str:
    """The channel of a contact URL: its scheme (`mailtos`, `json`, `tgram`, …), as KIEMDIEM_RATE_LIMITS names it."""
    return url.split("://", 1)[0].lower()


def deliver(app: App, key: str, now: pendulum.DateTime, sender: Sender, chunk: int = CHUNK) -> Counter[str]:
    """Deliver what may be delivered now, one message per channel (a digest of everything due to it), recording
    every attempt before it is made (notifications.outbox says the policy). Entries are claimed `chunk` at a time:
    a recipient with notices in two chunks gets two digests. The deliverer holds its liveness lock throughout, so
    that another sweep takes over its claims only if this process dies."""
    return deliver_campaign(app, context(app, key), now, sender, chunk)


def deliver_campaign(
    app: App,
    campaign: SweepContext,
    now: pendulum.DateTime,
    sender: Sender,
    chunk: int = CHUNK,
    units: ColumnElement[bool] | None = None,
    gate: ChannelGate | None = None,
) -> Counter[str]:
    """Deliver the campaign's due notices, or only those of `units` (a condition on OrgUnit: one partition). Each
    chunk's messages go out channel by channel, the channels side by side (on PostgreSQL), each inside `gate`."""
    owner = liveness.new_owner()
    with liveness.alive(app.engine, owner):
        return _deliver_as(app, campaign, now, sender, chunk, owner, units, gate)


def _deliver_as(
    app: App,
    campaign: SweepContext,
    now: pendulum.DateTime,
    sender: Sender,
    chunk: int,
    owner: str,
    units: ColumnElement[bool] | None,
    gate: ChannelGate | None,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    with app.unit_of_work() as session:
        counts["recovered"] += outbox.recover_orphans(
            session, campaign, now, lambda owners: liveness.gone(app.engine, owners)
        )
        counts["superseded"] += outbox.supersede(session, campaign, now)
    side_by_side = app.engine.dialect.name == "postgresql"  # SQLite has one writer: no gain, only lock waits
    while True:
        with app.unit_of_work() as session:
            claimed = outbox.claim(session, campaign, now, chunk, owner, units)
        if not claimed:
            return +counts
        with app.unit_of_work() as session:
            messages, unreachable = outbox.plan_messages(session, campaign, claimed, app.settings.public_url)
        by_channel: dict[str, list[Message]] = defaultdict(list)
        for message in messages:
            by_channel[channel_of(message.url)].append(message)
        jobs = [(channel, mine, app, sender, owner, now, gate) for channel, mine in by_channel.items()]
        if side_by_side and len(jobs) > 1:
            with ThreadPoolExecutor(len(jobs), thread_name_prefix="kiemdiem-channel") as pool:
                sent = list(pool.map(lambda job: _send_channel(*job), jobs))
        else:
            sent = [_send_channel(*job) for job in jobs]
        for one in sent:
            counts.update(one)
        with app.unit_of_work() as session:
            settled = outbox.settle(session, campaign, claimed, unreachable, owner, now)
            states = Counter(session.scalars(select(OutboxEntry.status).where(OutboxEntry.id.in_(claimed))))
        counts.update(
            {"sent": states["sent"], "retry": states["pending"], "failed": states["failed"]}
            | {"uncertain": states["uncertain"]}
        )
        if settled.failed or settled.uncertain:
            _tell_admin(app, campaign, settled.failed + settled.uncertain, sender, now)


def _send_channel(
    channel: str,
    messages: list[Message],
    app: App,
    sender: Sender,
    owner: str,
    now: pendulum.DateTime,
    gate: ChannelGate | None,
) -> Counter[str]:
    """One channel's messages of a chunk, in waves (notifications.dispatch), each attempt recorded before it is made,
    inside the channel's gate."""
    with gate(channel) if gate is not None else nullcontext():
        return dispatch.send_messages(app.unit_of_work, messages, sender, owner, now, reach=faults.reach)


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


@dataclass(frozen=True)
class FanOut:
    """How a sweep runs its partitions elsewhere (flows.partition: one flow run each, on any worker): `run` takes
    the partitions and says, for each, whether it completed; `max_units` sizes the partitions."""

    run: Callable[[SweepContext, Sequence[Partition], pendulum.DateTime], list[bool]]
    max_units: int = 10_000


def sweep_partition(
    app: App,
    key: str,
    partition: Partition,
    now: pendulum.DateTime,
    sender: Sender,
    gate: ChannelGate | None = None,
) -> dict[str, Any]:
    """One partition of a fanned-out sweep: decide its batches, then deliver its units' notices."""
    campaign = context(app, key)
    total = SweepCounts()
    for batch in partition.batches:
        total.add(sweep_one(app, campaign, batch, now))
    units = within(partition.prefixes, partition.singles)
    delivered = deliver_campaign(app, campaign, now, sender, units=units, gate=gate)
    return {**total.as_dict(), "delivered": dict(delivered)}


def _decide(
    app: App, campaign: SweepContext, now: pendulum.DateTime, run_batch: BatchRunner, fan_out: FanOut | None
) -> tuple[SweepCounts, Counter[str]]:
    """Decide every batch here, or fan the partitions out; a partition whose run did not complete (crashed, lost
    with its worker) is decided again here (the outbox keys add nothing twice) and its notices delivered after."""
    total, partitions = SweepCounts(), Counter[str]()
    planned = batches(app, campaign, 2000 if fan_out is None else min(2000, fan_out.max_units))
    planned_partitions = [] if fan_out is None else plan_partitions(planned, fan_out.max_units)
    if fan_out is None or len(planned_partitions) < 2:  # one partition: here, without a flow run to start
        for batch in planned:
            total.add(run_batch(app, campaign, batch, now))
            faults.reach("sweep.after-batch")
        return total, partitions
    completed = fan_out.run(campaign, planned_partitions, now)
    partitions.update(partitions=len(planned_partitions), partitions_completed=sum(completed))
    for partition, done in zip(planned_partitions, completed, strict=True):
        if not done:
            partitions["partitions_redone"] += 1
            for batch in partition.batches:
                total.add(run_batch(app, campaign, batch, now))
    return total, partitions


def sweep(
    app: App,
    key: str | None,
    now: pendulum.DateTime,
    sender: Sender,
    run_batch: BatchRunner = sweep_one,
    fan_out: FanOut | None = None,
    gate: ChannelGate | None = None,
) -> dict[str, Any]:
    """One whole sweep: decide every due notice into the outbox, batch by batch, then deliver. In this process by
    default; the sweep flow passes a `run_batch` that runs each batch as a Prefect task, and on a work pool a
    `fan_out` that runs each partition as a flow run of its own (decided and delivered there), and a `gate` that
    keeps each channel within its limit across the workers."""
    result: dict[str, Any] = {"at": now.isoformat(), "campaigns": {}}
    auto_closed = close_expired(app, now)
    if auto_closed:
        result["auto_closed"] = auto_closed
    keys = active_campaigns(app, key)
    if key is not None and not keys:
        result["closed"] = [key]
    for campaign_key in keys:
        try:
            result["campaigns"][campaign_key] = _sweep_campaign(
                app, campaign_key, now, sender, run_batch, fan_out, gate
            )
        except Exception as error:  # one campaign's failure must not stop the others; it is reported, not lost
            if key is not None:
                raise
            logger.error("sweep of %s failed: %s: %s", campaign_key, type(error).__name__, redact(str(error)))
            result.setdefault("failed", {})[campaign_key] = f"{type(error).__name__}: {redact(str(error))[:300]}"
    return result


def _sweep_campaign(
    app: App,
    key: str,
    now: pendulum.DateTime,
    sender: Sender,
    run_batch: BatchRunner,
    fan_out: FanOut | None = None,
    gate: ChannelGate | None = None,
) -> dict[str, Any]:
    campaign = context(app, key)
    total, partitions = _decide(app, campaign, now, run_batch, fan_out)
    with app.unit_of_work() as session:  # the deciders' notices: one small statement per milestone with a date
        total.decided.update(+sweep_decisions(session, campaign, now, app.settings.levels))
    with app.unit_of_work() as session:  # the parents of the units forecast to be late: once per unit and deadline
        total.decided.update(early_notices(session, campaign, now))
    delivered = deliver_campaign(app, campaign, now, sender, gate=gate)  # all of it, or what the partitions left
    return {**total.as_dict(), **partitions, "delivered": dict(delivered)}
