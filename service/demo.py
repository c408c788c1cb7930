"""`kiemdiem demo`: the seed district and its campaign, on a demo database of its own under KIEMDIEM_HOME."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pendulum
import typer
from sqlalchemy import select

from models import clock
from models.schemas import UnitOut
from models.tables import OrgUnit, OutboxEntry
from service.bootstrap import build_app
from service.campaigns import launch, read_config
from service.numbers import vn_int
from service.settings import load_settings
from service.units import import_tree, tree

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
EXAMPLE_TREE = DEPLOY / "examples" / "district.csv"
EXAMPLE_CAMPAIGN = DEPLOY / "campaign.example.yaml"


def run_demo(fresh: bool, as_json: bool) -> None:
    settings = load_settings()
    database = settings.home / "demo.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    app = build_app(settings.model_copy(update={"database_url": f"sqlite:///{database}"}))
    config = read_config(EXAMPLE_CAMPAIGN, settings.levels)
    launch_local = pendulum.datetime(config.launch.year, config.launch.month, config.launch.day, 8, tz=config.timezone)
    with clock.travel_to(launch_local):
        imported = import_tree(app, EXAMPLE_TREE, clock.now(), "demo", allow_many_roots=False)
        summary = launch(app, EXAMPLE_CAMPAIGN, clock.now(), "demo")
    with app.unit_of_work() as session:
        levels = dict(session.execute(select(OrgUnit.id, OrgUnit.level)).tuples().all())
        per_level = Counter(levels[unit_id] for unit_id in session.scalars(select(OutboxEntry.unit_id)))
    root = tree(app, config.root)[0]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "imported": imported.model_dump(),
                    "launch": summary.model_dump(),
                    "outbox_per_level": dict(per_level),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    typer.echo(
        f"Cây tổ chức / org tree: {root.code} {root.name}: {vn_int(root.subtree_units)} đơn vị / units, "
        f"{vn_int(root.subtree_members)} đảng viên / members"
    )
    for level, count in sorted(Counter(_levels(root)).items(), key=lambda item: settings.levels.index(item[0])):
        typer.echo(f"  {level:<12} {vn_int(count):>6} đơn vị / units")
    typer.echo(
        f"Đợt / campaign {summary.campaign} ({config.plan_number}), triển khai / launched "
        f"{launch_local.format('DD/MM/YYYY HH:mm')}:"
    )
    for key, count in summary.assignments.items():
        milestone = config.milestone(key)
        typer.echo(f"  {key:<18} hạn / due {milestone.deadline:%d/%m/%Y}  {vn_int(count):>5} đơn vị / units")
    typer.echo("Hộp thư đi theo cấp / outbox per level:")
    for level, count in sorted(per_level.items(), key=lambda item: settings.levels.index(item[0])):
        typer.echo(f"  {level:<12} {vn_int(count):>6} thông báo kế hoạch / plan notices")


def _levels(node: UnitOut) -> list[str]:
    found = [node.level]
    for child in node.children:
        found.extend(_levels(child))
    return found
