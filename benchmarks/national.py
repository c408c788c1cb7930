"""A synthetic national tree in today's shape (since 1 July 2025): 34 provinces, ~3,300 commune-level committees,
~56,000 grassroots organizations, ~263,000 branches: ~323,000 units, written straight into the database."""

from __future__ import annotations

import math
import os
import random
import time
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy import Engine, insert, text

from models.tables import OrgUnit

LEVELS = ("central", "province", "district", "commune", "grassroots", "branch")
# KIEMDIEM_BENCH_SCALE=0.1: a tenth of the country below the provinces, for a quick run.
SCALE = float(os.environ.get("KIEMDIEM_BENCH_SCALE", "1"))
PROVINCES = 34
COMMUNES, GRASSROOTS, BRANCHES = (max(PROVINCES, round(n * SCALE)) for n in (3_321, 56_000, 263_000))


def generate(engine: Engine, seed: int = 2025) -> int:
    """Insert the tree under one root `TW` (level `central`, a level added by settings); returns the unit count."""
    rng = random.Random(seed)
    now = pendulum.datetime(2026, 11, 1, tz="UTC")
    rows: list[dict[str, Any]] = []
    next_id = 1

    def add(code: str, parent: dict[str, Any] | None, level: str, members: int) -> dict[str, Any]:
        nonlocal next_id
        path = f"{parent['path'] if parent else '/'}{next_id}/"
        row = {
            "id": next_id,
            "code": code,
            "parent_id": parent["id"] if parent else None,
            "name": code,
            "level": level,
            "members": members,
            "contacts": [f"json://127.0.0.1:9/{code}"],
            "path": path,
            "depth": path.count("/") - 2,
            "updated_at": now,
        }
        rows.append(row)
        next_id += 1
        return row

    root = add("TW", None, "central", 0)
    provinces = [add(f"T{p:02d}", root, "province", 0) for p in range(PROVINCES)]
    communes = [add(f"T{i % PROVINCES:02d}-X{i:04d}", provinces[i % PROVINCES], "commune", 0) for i in range(COMMUNES)]
    grassroots = [
        add(f"{communes[i % COMMUNES]['code']}-C{i:05d}", communes[i % COMMUNES], "grassroots", rng.randint(0, 30))
        for i in range(GRASSROOTS)
    ]
    for i in range(BRANCHES):
        add(f"{grassroots[i % GRASSROOTS]['code']}-B{i:06d}", grassroots[i % GRASSROOTS], "branch", rng.randint(5, 40))
    with engine.begin() as connection:
        for start in range(0, len(rows), 20_000):
            connection.execute(insert(OrgUnit), rows[start : start + 20_000])
    return len(rows)


def national_engine(url: str) -> Engine:
    """An engine of one connection, so that the PostgreSQL backend whose CPU `cpu_seconds` reads is the one that
    does the work."""
    from models import db

    return db.make_engine(url, pool_size=1, max_overflow=0)


_BACKENDS: dict[int, int] = {}


def cpu_seconds(engine: Engine) -> float:
    """CPU time spent so far by this process and, on PostgreSQL, by the backend serving the engine's one connection
    (from /proc): on a machine shared with other work, the figure the others disturb least."""
    spent = time.process_time()
    if engine.dialect.name != "postgresql":
        return spent
    with engine.connect() as connection:
        pid = int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
    if _BACKENDS.setdefault(id(engine), pid) != pid:
        raise RuntimeError("the engine's connection changed: CPU figures would mix two backends")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan  # the server runs elsewhere: no CPU figure for it
    return spent + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
