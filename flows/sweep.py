"""The sweep flow: one task per batch of whole subtrees (never one per unit), then delivery.

`kiemdiem serve`, `simulate` and deployments run it, so every sweep is a flow run in the Prefect UI;
`kiemdiem campaign sweep` runs the same service functions directly unless PREFECT_API_URL is set.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, task

from models import clock
from models.sweep import Batch
from notifications.senders import default_sender
from service import sweeps
from service.bootstrap import build_app


@task(name="sweep-batch", retries=2, retry_delay_seconds=5)
def sweep_batch(campaign: str, batch: dict[str, Any], at: str) -> dict[str, Any]:
    """Decide the due notices of one batch of subtrees (a retry inserts nothing twice: the outbox keys)."""
    subtrees = Batch(prefixes=tuple(batch["prefixes"]), singles=tuple(batch["singles"]), units=batch["units"])
    return sweeps.sweep_one(build_app(), campaign, subtrees, clock.parse_instant(at)).as_dict()


@flow(name="sweep", log_prints=False)
def sweep(campaign: str | None = None, at: str | None = None) -> dict[str, Any]:
    """One sweep of one campaign (or every active one) at `at` (ISO 8601; default: now)."""
    instant = at or clock.now().isoformat()
    app = build_app()
    result: dict[str, Any] = {"at": instant, "campaigns": {}}
    for key in sweeps.active_campaigns(app, campaign):
        decided: dict[str, int] = {}
        groups = 0
        for batch in sweeps.batches(app, key):
            counts = sweep_batch(key, asdict(batch), instant)
            groups += counts["groups"]
            for kind, count in counts["decided"].items():
                decided[kind] = decided.get(kind, 0) + count
        # Delivery runs in the flow itself: a second task per sweep costs the server ~0.8 s a run here.
        delivered = dict(sweeps.deliver(app, key, clock.parse_instant(instant), default_sender()))
        result["campaigns"][key] = {"groups": groups, "decided": dict(sorted(decided.items())), "delivered": delivered}
    return result
