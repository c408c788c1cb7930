"""A fanned-out sweep: each partition (whole subtrees, about a province) is a flow run of its own on whichever
worker of the pool is free, decided set-based and delivered there.

Only where the sweep itself runs from a deployment and `sweep-partition/sweep-partition` is deployed (deploy/
prefect.yaml); everywhere else (the embedded default, `kiemdiem serve`, `kiemdiem campaign sweep`) the sweep stays in
one process. Each partition's run has an idempotency key per (campaign, slot, partition): the same slot swept again
reuses the runs it already has and adds nothing. A partition whose run did not complete (crashed, its worker lost
and the run marked Crashed by the zombie automation of deploy/automations.yaml) is decided again by the parent and
its notices delivered by the parent's own delivery, which takes over the dead deliverer's claims at once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict
from functools import partial
from typing import Any
from uuid import UUID

import pendulum
from prefect import flow
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound
from prefect.runtime import deployment, flow_run

from models import clock
from models.sweep import Batch, Partition
from models.sweep_context import SweepContext
from service import sweeps
from service.bootstrap import process_app

DEPLOYMENT = "sweep-partition/sweep-partition"
WAIT = 4 * 3600.0  # seconds a parent waits for its partitions before deciding the rest itself
POLL = 3.0


@flow(name="sweep-partition", retries=2, retry_delay_seconds=10, log_prints=False)
def sweep_partition(campaign: str, at: str, index: int, batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Decide and deliver one partition of a campaign's sweep at `at` (a retry adds nothing: the outbox keys)."""
    app = process_app()
    part = Partition(index=index, batches=tuple(_batch(b) for b in batches))
    return sweeps.sweep_partition(app, campaign, part, clock.parse_instant(at), app.sender)


def _batch(data: dict[str, Any]) -> Batch:
    return Batch(prefixes=tuple(data["prefixes"]), singles=tuple(data["singles"]), units=int(data["units"]))


def fan_out(at: str | None, max_units: int) -> sweeps.FanOut | None:
    """The fan-out of a sweep running from a deployment, when the partition deployment exists; else None."""
    if deployment.id is None:
        return None
    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(DEPLOYMENT)
    except ObjectNotFound:
        return None
    slot = at or _slot()
    return sweeps.FanOut(run=partial(run_partitions, slot), max_units=max_units)


def _slot() -> str:
    scheduled = flow_run.scheduled_start_time
    return scheduled.isoformat() if scheduled is not None else clock.now().isoformat()


def run_partitions(
    slot: str, campaign: SweepContext, partitions: Sequence[Partition], now: pendulum.DateTime
) -> list[bool]:
    """Start one flow run per partition (all at once), wait until each has ended, and say which completed."""
    with get_client(sync_client=True) as client:
        deployment_id = client.read_deployment_by_name(DEPLOYMENT).id
        ids = [
            client.create_flow_run_from_deployment(
                deployment_id,
                parameters={
                    "campaign": campaign.key,
                    "at": now.isoformat(),
                    "index": part.index,
                    "batches": [asdict(b) for b in part.batches],
                },
                idempotency_key=f"sweep:{campaign.key}:{slot}:{part.index}/{len(partitions)}",
                parent_task_run_id=None,
            ).id
            for part in partitions
        ]
    return _wait(ids)


def _wait(ids: list[UUID]) -> list[bool]:
    ended: dict[UUID, bool] = {}
    deadline = time.monotonic() + WAIT
    with get_client(sync_client=True) as client:
        while len(ended) < len(ids) and time.monotonic() < deadline:
            for run_id in ids:
                if run_id not in ended:
                    state = client.read_flow_run(run_id).state
                    if state is not None and state.is_final():
                        ended[run_id] = state.is_completed()
            if len(ended) < len(ids):
                time.sleep(POLL)
    return [ended.get(run_id, False) for run_id in ids]
