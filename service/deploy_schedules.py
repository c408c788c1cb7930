"""Sweep schedules on a Prefect server with workers, from the campaigns themselves: one deployment per active
campaign (`sweep/sweep-KEY`, the cron lines of service/schedules.py in the campaign's timezone), on the work pool.
`kiemdiem deploy schedules` writes them (run it after a launch, or every few minutes: a new campaign is picked up
without a restart); `kiemdiem deploy check` verifies them. `kiemdiem serve` serves the same lines in one process."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from models.campaign_config import CampaignConfig
from service.deploy_check import Check, active_campaigns
from service.schedules import schedules

FLOW = "sweep"
ENTRYPOINT = "flows/sweep.py:sweep"
# Tag of the deployments this module writes: only these are removed when their campaign is no longer active.
TAG = "kiemdiem-campaign-schedule"
# Each worker runs the flow from its own clone, named by KIEMDIEM_CODE_DIR (as deploy/prefect.yaml does).
PULL_STEPS = [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $KIEMDIEM_CODE_DIR }}"}}]


def wanted(config: CampaignConfig) -> set[tuple[str, str]]:
    return {(line, config.timezone) for line in schedules(config)}


def _sweep_deployments(client: Any) -> list[Any]:
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    return client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW])))


def _crons(deployment: Any) -> set[tuple[str, str]]:
    return {
        (s.schedule.cron, s.schedule.timezone or "UTC")
        for s in deployment.schedules
        if s.active and getattr(s.schedule, "cron", None)
    }


def check_schedules(client: Any, engine: Engine) -> list[Check]:
    """For each active campaign: every cron line it needs, in its timezone, on an unpaused sweep deployment of
    that campaign (or of every campaign: a deployment without a `campaign` parameter)."""
    configs = active_campaigns(engine)
    if not configs:
        return [
            Check(
                "schedules",
                "ok",
                "chưa có đợt nào đang chạy: chưa cần lịch quét",
                "no active campaign: no sweep schedule needed yet",
            )
        ]
    found: dict[str | None, set[tuple[str, str]]] = defaultdict(set)
    names: dict[str | None, list[str]] = defaultdict(list)
    for deployment in _sweep_deployments(client):
        if deployment.paused:
            continue
        campaign = (deployment.parameters or {}).get("campaign")
        found[campaign] |= _crons(deployment)
        names[campaign].append(f"{FLOW}/{deployment.name}")
    return [_campaign_check(c, found[c.key] | found[None], names[c.key] + names[None]) for c in configs]


def _campaign_check(config: CampaignConfig, have: set[tuple[str, str]], names: list[str]) -> Check:
    need = wanted(config)
    missing = sorted(need - have)
    name = f"schedules:{config.key}"
    if not missing:
        where = ", ".join(sorted(names))
        return Check(
            name,
            "ok",
            f"đợt {config.key}: đủ {len(need)} lịch quét theo giờ {config.timezone} ({where})",
            f"campaign {config.key}: all {len(need)} sweep schedules in {config.timezone} ({where})",
        )
    shown = "; ".join(f"{cron} ({tz})" for cron, tz in missing)
    return Check(
        name,
        "fail",
        f"đợt {config.key}: thiếu {len(missing)}/{len(need)} lịch quét theo giờ {config.timezone}: {shown}",
        f"campaign {config.key}: {len(missing)} of {len(need)} sweep schedules missing in {config.timezone}: {shown}",
        "chạy `kiemdiem deploy schedules` (hoặc để bộ hẹn giờ kiemdiem-schedules chạy nó)",
        "run `kiemdiem deploy schedules` (or let the kiemdiem-schedules timer run it)",
    )


# Heartbeats every 30 s, which deploy/automations.yaml expects of every run tagged `kiemdiem` (as deploy/prefect.yaml).
JOB_VARIABLES: dict[str, Any] = {"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}}


@dataclass(frozen=True)
class Synced:
    written: list[str]
    unchanged: list[str]
    removed: list[str]


def sync_schedules(client: Any, engine: Engine, pool: str) -> Synced:
    """One deployment per active campaign on `pool`, written only when its schedules, pool or job variables changed
    (rewriting drops its scheduled runs); the deployments of campaigns no longer active removed."""
    configs = active_campaigns(engine)
    existing = {d.name: d for d in _sweep_deployments(client)}
    flow_id = client.create_flow_from_name(FLOW) if configs else None
    written, unchanged = [], []
    for config in configs:
        name = f"{FLOW}-{config.key}"
        current = existing.get(name)
        same = current is not None and current.work_pool_name == pool and _crons(current) == wanted(config)
        if same and current is not None and (current.job_variables or {}) == JOB_VARIABLES:
            unchanged.append(f"{FLOW}/{name}")
            continue
        _write(client, flow_id, name, config, pool)
        written.append(f"{FLOW}/{name}")
    active = {f"{FLOW}-{c.key}" for c in configs}
    removed = []
    for name, deployment in existing.items():
        if TAG in (deployment.tags or []) and name not in active:
            client.delete_deployment(deployment.id)
            removed.append(f"{FLOW}/{name}")
    return Synced(written, unchanged, removed)


def _write(client: Any, flow_id: Any, name: str, config: CampaignConfig, pool: str) -> None:
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.objects import ConcurrencyLimitStrategy, ConcurrencyOptions
    from prefect.client.schemas.schedules import CronSchedule

    client.create_deployment(
        flow_id=flow_id,
        name=name,
        entrypoint=ENTRYPOINT,
        work_pool_name=pool,
        work_queue_name="default",
        parameters={"campaign": config.key},
        schedules=[
            DeploymentScheduleCreate(schedule=CronSchedule(cron=line, timezone=config.timezone))
            for line in schedules(config)
        ],
        concurrency_limit=1,
        concurrency_options=ConcurrencyOptions(collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        pull_steps=PULL_STEPS,
        job_variables=JOB_VARIABLES,
        tags=["kiemdiem", TAG, config.key],
        description=f"Quét nhắc việc / reminder sweep: {config.title} ({config.plan_number})",
    )
