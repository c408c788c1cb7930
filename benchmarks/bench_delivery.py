"""Delivery throughput: 10,000 notices through the outbox (claim, attempt log, send, settle) to a local SMTP sink
and a local webhook sink, against Apprise called directly in a loop with the same messages. Messages per second."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import apprise
import pendulum

from models import clock
from notifications.senders import AppriseSender
from service.access import Actor
from service.bootstrap import build_app
from service.campaigns import launch
from service.settings import Settings
from service.sweeps import deliver
from service.units import import_tree
from tests.sinks import http_sink, smtp_sink

NOTICES = 10_000
AT = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
CONFIG = """key: bench-delivery
title: "Đo tốc độ gửi"
year: 2026
plan_number: 1-KH/BENCH
root: ROOT
launch: 2026-11-23
milestones: [{key: review, levels: [branch], deadline: 2026-12-10}]
"""


def sinks() -> Iterator[tuple[str, Callable[[int], str], Callable[[], int]]]:
    with smtp_sink() as smtp:
        yield (
            "SMTP (aiosmtpd)",
            lambda i: f"mailto://127.0.0.1:{smtp.port}?from=kd@example.vn&to=u{i}@example.vn&secure=no",
            lambda: len(smtp.messages),
        )
    with http_sink() as hook:
        yield "webhook (json://)", lambda i: f"json://{hook.url}/u{i}", lambda: len(hook.received)


def product(folder: Path, url: Callable[[int], str]) -> float:
    tree = folder / "tree.csv"
    rows = ["code,parent,name,level,members,contacts", "ROOT,,Gốc,district,0,"]
    rows += [f"U{i:05d},ROOT,Chi bộ {i},branch,10,{url(i)}" for i in range(NOTICES)]
    tree.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = folder / "c.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    app = build_app(Settings(home=folder, database_url=f"sqlite:///{folder / 'd.db'}"))
    import_tree(app, tree, AT, "bench", allow_many_roots=False)
    launch(app, Actor.operator("bench"), config, AT)
    started = time.perf_counter()
    counts = deliver(app, "bench-delivery", AT, AppriseSender())
    elapsed = time.perf_counter() - started
    assert counts["messages"] == NOTICES, counts
    return elapsed


def baseline(url: Callable[[int], str]) -> float:
    started = time.perf_counter()
    for i in range(NOTICES):
        notifier = apprise.Apprise()
        notifier.add(url(i))
        notifier.notify(title="[1-KH/BENCH] Triển khai", body="Kính gửi Chi bộ: kế hoạch đã ban hành.")
    return time.perf_counter() - started


def main() -> None:
    clock.set_now(AT)
    for name, url, received in sinks():
        with tempfile.TemporaryDirectory() as folder:
            ours = product(Path(folder), url)
        got = received()
        base = baseline(url)
        print(f"delivery of {NOTICES:,} notices to {name}: {received() - got:,} baseline messages arrived")
        print(f"  kiemdiem deliver     {ours:7.1f} s  {NOTICES / ours:7.0f} messages/s   ({got:,} arrived)")
        print(f"  Apprise in a loop    {base:7.1f} s  {NOTICES / base:7.0f} messages/s")
        print(f"  ratio                {ours / base:7.2f}×")


if __name__ == "__main__":
    main()
