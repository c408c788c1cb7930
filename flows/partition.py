"""A fanned-out sweep: each partition (whole subtrees, about a province) is a flow run of its own on whichever
worker of the pool is free, decided set-based and delivered there.

Only where the sweep itself runs from a deployment and `sweep-partition/sweep-partition` is deployed (deploy/
prefect.yaml); everywhere else (the embedded default, `kiemdiem serve`, `kiemdiem campaign sweep`) the sweep stays in
one process. Each partition's run has an idempotency key per (campaign, slot, partition): the same slot swept again
reuses the runs it already has and adds nothing. A partition whose run did not complete (crashed, its worker lost
and the run marked Crashed by the zombie automation of deploy/automations.yaml) is decided again by the parent and
its notices delivered by the parent's own delivery, which takes over the dead deliverer's claims at once.

A lost partition is seen by its parent within seconds, not after the automation's minute and a half: each partition
run holds a liveness lock of its own for its whole life (notifications.liveness: a PostgreSQL advisory lock, gone
with its process or machine) and tags itself `kiemdiem-alive-lock` once it holds it. A run that says it took its
lock, is not finished, and whose lock is free on two looks `LOST_AFTER` seconds apart is lost: the parent marks it
Crashed and takes its work over.
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
from prefect.states import Crashed

from flows.deliver import channel_gate
from models import clock
from models.sweep_batches import Batch, Partition
from models.sweep_context import SweepContext
from notifications import liveness
from service import sweeps
from service.bootstrap import App, process_app

DEPLOYMENT = "sweep-partition/sweep-partition"
WAIT = 4 * 3600.0  # seconds a parent waits for its partitions before deciding the rest itself
POLL = 3.0
ALIVE_TAG = "kiemdiem-alive-lock"
LOST_AFTER = 6.0  # seconds between the two looks that find a partition's lock free before it is taken for lost


@flow(name="sweep-partition", retries=2, retry_delay_seconds=10, log_prints=False)
def sweep_partition(campaign: str, at: str, index: int, batches: list[dict[str, Any]]) -> dict[str, Any]:
    """Decide and deliver one partition of a campaign's sweep at `at` (a retry adds nothing: the outbox keys)."""
    app = process_app()
    part = Partition(index=index, batches=tuple(_batch(b) for b in batches))
    run_id = flow_run.id
    with liveness.alive(app.engine, run_owner(run_id)):
        if run_id is not None:
            _say_alive(UUID(run_id))
        return sweeps.sweep_partition(app, campaign, part, clock.parse_instant(at), app.sender, gate=channel_gate)


def run_owner(run_id: str | UUID | None) -> str:
    """The liveness lock a partition run holds for its whole life."""
    return f"partition-run:{run_id}"


def _say_alive(run_id: UUID) -> None:
    with get_client(sync_client=True) as client:
        tags = list(client.read_flow_run(run_id).tags or [])
        if ALIVE_TAG not in tags:
            client.update_flow_run(run_id, tags=[*tags, ALIVE_TAG])


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
    return _wait(process_app(), ids)


def _wait(app: App, ids: list[UUID]) -> list[bool]:
    """Wait until each run has ended, or is lost (its lock free twice, LOST_AFTER apart: marked Crashed here)."""
    ended: dict[UUID, bool] = {}
    suspect: dict[UUID, float] = {}
    deadline = time.monotonic() + WAIT
    with get_client(sync_client=True) as client:
        while len(ended) < len(ids) and time.monotonic() < deadline:
            for run_id in ids:
                if run_id in ended:
                    continue
                run = client.read_flow_run(run_id)
                if run.state is not None and run.state.is_final():
                    ended[run_id] = run.state.is_completed()
                elif ALIVE_TAG not in (run.tags or []) or not liveness.gone(app.engine, {run_owner(run_id)}):
                    suspect.pop(run_id, None)
                elif time.monotonic() - suspect.setdefault(run_id, time.monotonic()) >= LOST_AFTER:
                    message = "its liveness lock is free: the process or machine running it was lost"
                    client.set_flow_run_state(run_id, Crashed(message=message), force=True)
                    ended[run_id] = False
            if len(ended) < len(ids):
                time.sleep(POLL)
    return [ended.get(run_id, False) for run_id in ids]
