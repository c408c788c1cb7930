"""Sweep schedules on a Prefect server with workers, from the campaigns themselves: one deployment per active
campaign (`sweep/sweep-KEY`, the cron lines of service/schedules.py in the campaign's timezone), on the work pool.
`kiemdiem deploy schedules` writes them (run it after a launch, or every few minutes: a new campaign is picked up
without a restart); `kiemdiem deploy check` verifies them. `kiemdiem serve` serves the same lines in one process.

The same command sets up what the deployment needs on the Prefect server besides: the automations of
deploy/automations.yaml (a lost run marked Crashed, its slot freed) and one global concurrency limit per channel
(flows.deliver), each written only when missing or different."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine

from models.campaign_config import CampaignConfig
from notifications.rate_limits import parse_limits
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


# Heartbeats every 30 s (Prefect's smallest), which deploy/automations.yaml expects of every run tagged `kiemdiem`
# (as deploy/prefect.yaml).
JOB_VARIABLES: dict[str, Any] = {"env": {"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}}
HEARTBEAT_SECONDS = 30
# A second sweep of a campaign while one runs waits for it (ENQUEUE), never cancelled: sweeps are idempotent.
COLLISION = "ENQUEUE"


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
        if same and current is not None and (current.job_variables or {}) == JOB_VARIABLES and _enqueues(current):
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
        concurrency_options=ConcurrencyOptions(collision_strategy=ConcurrencyLimitStrategy(COLLISION)),
        pull_steps=PULL_STEPS,
        job_variables=JOB_VARIABLES,
        tags=["kiemdiem", "kiemdiem-sweep", TAG, config.key],
        description=f"Quét nhắc việc / reminder sweep: {config.title} ({config.plan_number})",
    )


def _enqueues(deployment: Any) -> bool:
    options = deployment.concurrency_options
    return options is not None and str(getattr(options.collision_strategy, "value", "")) == COLLISION


# --- what the deployment needs on the Prefect server besides the deployments -----------------------------------

AUTOMATIONS = Path(__file__).resolve().parents[1] / "deploy" / "automations.yaml"
# Seconds without a heartbeat after which a kiemdiem run is taken for lost (the automations' `within`): at least
# one heartbeat interval and some slack. deploy/automations.yaml says 90; KIEMDIEM_LOST_RUN_SECONDS overrides it.
MIN_LOST_RUN_SECONDS = HEARTBEAT_SECONDS + 10
# Senders that may talk to one channel at once, every worker together (flows.deliver); KIEMDIEM_CHANNEL_LIMITS
# (`mailtos=4,json=16`) overrides or adds.
CHANNEL_LIMITS = {"mailto": 8, "mailtos": 8, "json": 16, "form": 16, "xml": 16, "tgram": 4, "slack": 4, "zalo": 4}
CHANNEL_PREFIX = "kiemdiem-channel-"


def lost_run_seconds(environ: dict[str, str] | None = None) -> int | None:
    """KIEMDIEM_LOST_RUN_SECONDS, or None when unset (the file's value stands); never under one heartbeat + 10 s."""
    text = (environ if environ is not None else os.environ).get("KIEMDIEM_LOST_RUN_SECONDS", "").strip()
    if not text:
        return None
    seconds = int(float(text))
    if seconds < MIN_LOST_RUN_SECONDS:
        raise ValueError(f"KIEMDIEM_LOST_RUN_SECONDS must be at least {MIN_LOST_RUN_SECONDS} (heartbeats every 30 s)")
    return seconds


def channel_limits(environ: dict[str, str] | None = None) -> dict[str, int]:
    extra = parse_limits((environ if environ is not None else os.environ).get("KIEMDIEM_CHANNEL_LIMITS"))
    return {**CHANNEL_LIMITS, **{channel: max(1, int(n)) for channel, n in extra.items()}}


def wanted_automations(within: int | None = None, path: Path = AUTOMATIONS) -> list[Any]:
    """The automations of deploy/automations.yaml, with `within` (seconds without a heartbeat) when given."""
    from prefect.events.schemas.automations import AutomationCore

    found = []
    for item in yaml.safe_load(path.read_text(encoding="utf-8"))["automations"]:
        if within is not None and "prefect.flow-run.heartbeat" in item["trigger"].get("after", []):
            item["trigger"]["within"] = within
            for action in item["actions"]:
                if "message" in action:
                    action["message"] = action["message"].replace("90 s", f"{within} s")
        found.append(AutomationCore.model_validate(item))
    return found


def _same_automation(have: Any, want: Any) -> bool:
    # Compared as Python values, not JSON: the trigger's `expect` and `after` are sets, and a set dumped to JSON lists
    # its members in an order that depends on how it was built (the server's answer or the file): equal automations
    # were taken for different and rewritten now and then.
    keys = {"name", "description", "enabled", "trigger", "actions", "actions_on_trigger", "actions_on_resolve"}
    return bool(have.model_dump(include=keys) == want.model_dump(include=keys))


def sync_automations(client: Any, within: int | None = None) -> Synced:
    """Each automation of deploy/automations.yaml on the server once, as the file says (duplicates removed)."""
    written, unchanged, removed = [], [], []
    for want in wanted_automations(within):
        have = client.read_automations_by_name(want.name)
        for extra in have[1:]:
            client.delete_automation(extra.id)
            removed.append(f"automation/{want.name}")
        if have and _same_automation(have[0], want):
            unchanged.append(f"automation/{want.name}")
            continue
        if have:
            client.update_automation(have[0].id, want)
        else:
            client.create_automation(want)
        written.append(f"automation/{want.name}")
    return Synced(written, unchanged, removed)


def sync_channel_limits(client: Any, limits: dict[str, int] | None = None) -> Synced:
    """One global concurrency limit per channel (`kiemdiem-channel-SCHEME`), at the limit configured."""
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    written, unchanged = [], []
    for channel, limit in sorted((limits or channel_limits()).items()):
        name = f"{CHANNEL_PREFIX}{channel}"
        try:
            have = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit, active=True))
            written.append(f"limit/{name}={limit}")
            continue
        if have.limit == limit and have.active:
            unchanged.append(f"limit/{name}={limit}")
            continue
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=limit, active=True))
        written.append(f"limit/{name}={limit}")
    return Synced(written, unchanged, [])
