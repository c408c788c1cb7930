"""The sweep flow: one task per batch of whole subtrees (never one per unit), then delivery.

`kiemdiem serve`, `simulate` and deployments run it, so every sweep is a flow run in the Prefect UI;
`kiemdiem campaign sweep` runs the same service functions directly unless PREFECT_API_URL is set.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

import pendulum
from prefect import flow, task

from flows import partition
from flows.deliver import channel_gate
from models import clock
from models.sweep import SweepCounts
from models.sweep_batches import Batch
from models.sweep_context import SweepContext
from service import sweeps
from service.bootstrap import App, process_app


@task(name="sweep-batch", retries=2, retry_delay_seconds=5)
def sweep_batch(campaign: SweepContext, batch: dict[str, Any], at: str) -> dict[str, Any]:
    """Decide the due notices of one batch of subtrees (a retry inserts nothing twice: the outbox keys). The
    campaign comes as the sweep read it, once; the app is this process's."""
    subtrees = Batch(prefixes=tuple(batch["prefixes"]), singles=tuple(batch["singles"]), units=batch["units"])
    return sweeps.sweep_one(process_app(), campaign, subtrees, clock.parse_instant(at)).as_dict()


def _as_task(app: App, campaign: SweepContext, batch: Batch, now: pendulum.DateTime) -> SweepCounts:
    counts = sweep_batch(campaign, asdict(batch), now.isoformat())
    return SweepCounts(groups=counts["groups"], decided=Counter(counts["decided"]))


@flow(name="sweep", log_prints=False)
def sweep(campaign: str | None = None, at: str | None = None, partition_units: int = 10_000) -> dict[str, Any]:
    """One sweep of one campaign (or every active one) at `at` (ISO 8601; default: now). Delivery runs in the flow
    itself: a second task per sweep costs the server ~0.8 s a run here. Run from a deployment on a pool where
    `sweep-partition` is deployed, it fans out: partitions of about `partition_units` units (whole subtrees), each a
    flow run of its own on any worker (flows.partition)."""
    now = clock.parse_instant(at) if at else clock.now()
    app = process_app()
    fan_out = partition.fan_out(at, partition_units)
    gate = channel_gate if fan_out is not None else None  # on a work pool: each channel within its limit
    return sweeps.sweep(app, campaign, now, app.sender, run_batch=_as_task, fan_out=fan_out, gate=gate)
