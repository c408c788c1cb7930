"""Delivery throughput per worker process to a local SMTP server (aiosmtpd in a process of its own), messages a second.

Side by side, in one run, the same number of notices (KIEMDIEM_BENCH_MESSAGES, default 3,000), one message each:
- smtplib on one kept connection: what the wire and the server allow one Python process (the ceiling);
- Apprise in a loop, a new Apprise object per message: what Apprise alone does;
- kiemdiem deliver as before this change (Apprise's own email plugin: a connection per message, sent one by one);
- kiemdiem deliver as wired today (service.sweeps.deliver with AppriseSender: kept SMTP connections);
- the deliverer's loop with notifications.dispatch (waves of KIEMDIEM_SMTP_CONNECTIONS messages sent side by side,
  one transaction per wave for the attempt rows and one for the outcomes).
Then the projection the issue asks for: a national morning's digests (one per address of the national tree,
benchmarks/national.py) by 4 worker processes, from the measured rate per process. Target: 50 messages/s per
process, the national morning within 10 minutes.
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import apprise
import pendulum
from sqlalchemy import select

from benchmarks import national
from models import clock
from models.tables import OutboxEntry
from notifications import dispatch, liveness, outbox
from notifications.senders import AppriseSender, Sender, smtp_connections
from service.access import Actor
from service.bootstrap import App, build_app
from service.campaigns import launch
from service.settings import Settings
from service.sweeps import context, deliver
from service.units import import_tree

NOTICES = int(os.environ.get("KIEMDIEM_BENCH_MESSAGES", "3000"))
WORKERS = 4
TARGET_RATE, TARGET_MINUTES = 50, 10
QUIET_APPRISE_RATE = 35  # Apprise alone in a loop on this machine when it is not shared (issue 15)
AT = pendulum.datetime(2026, 11, 23, 8, tz="Asia/Ho_Chi_Minh")
CONFIG = """key: bench-delivery
title: "Đo tốc độ gửi"
year: 2026
plan_number: 1-KH/BENCH
root: ROOT
launch: 2026-11-23
milestones: [{key: review, levels: [branch], deadline: 2026-12-10}]
"""
SINK = """
import sys
from tests.sinks import smtp_sink
with smtp_sink() as smtp:
    print(smtp.port, flush=True)
    for _line in sys.stdin:
        print(len(smtp.messages), flush=True)
"""


class SmtpServer:
    """A local SMTP server in a process of its own (tests.sinks.smtp_sink), counting the messages it accepted."""

    def __enter__(self) -> SmtpServer:
        root = Path(__file__).resolve().parent.parent
        self.process = subprocess.Popen(
            [sys.executable, "-c", SINK], cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        return self

    def received(self) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        time.sleep(0.3)  # the last message's DATA is answered before the sink has counted it
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def url(self, i: int) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=kd@example.vn&to=u{i}@example.vn&secure=no"

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


class ConnectionPerMessage:
    """The sender as it was before this change: Apprise's email plugin, which connects and quits for each message."""

    connections = 1

    def send(self, url: str, title: str, body: str) -> str | None:
        notifier = apprise.Apprise()
        notifier.add(url)
        return None if notifier.notify(title=title, body=body, body_format=apprise.NotifyFormat.MARKDOWN) else "x"


def prepared(folder: Path, url: Callable[[int], str]) -> App:
    tree = folder / "tree.csv"
    rows = ["code,parent,name,level,members,contacts", "ROOT,,Gốc,district,0,"]
    rows += [f"U{i:05d},ROOT,Chi bộ {i},branch,10,{url(i)}" for i in range(NOTICES)]
    tree.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = folder / "c.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    app = build_app(Settings(home=folder, database_url=f"sqlite:///{folder / 'd.db'}"))
    import_tree(app, tree, AT, "bench", allow_many_roots=False)
    launch(app, Actor.operator("bench"), config, AT)
    return app


def waves(app: App, sender: Sender) -> Counter[str]:
    """The deliverer's loop (service.sweeps._deliver_as) with each chunk's messages sent by notifications.dispatch."""
    campaign, counts = context(app, "bench-delivery"), Counter[str]()
    owner = liveness.new_owner()
    with liveness.alive(app.engine, owner):
        while True:
            with app.unit_of_work() as session:
                claimed = outbox.claim(session, campaign, AT, 200, owner)
            if not claimed:
                return counts
            with app.unit_of_work() as session:
                messages, unreachable = outbox.plan_messages(session, campaign, claimed)
            counts.update(dispatch.send_messages(app.unit_of_work, messages, sender, owner, AT))
            with app.unit_of_work() as session:
                outbox.settle(session, campaign, claimed, unreachable, owner, AT)


def product(server: SmtpServer, run: Callable[[App], Counter[str]]) -> tuple[float, int]:
    """Seconds to deliver NOTICES notices with `run`, and how many arrived."""
    before = server.received()
    with tempfile.TemporaryDirectory() as folder:
        app = prepared(Path(folder), server.url)
        started = time.perf_counter()
        counts = run(app)
        elapsed = time.perf_counter() - started
        with app.unit_of_work() as session:
            sent = len(session.scalars(select(OutboxEntry.id).where(OutboxEntry.status == "sent")).all())
        app.engine.dispose()
    assert counts["messages"] == NOTICES == sent, (counts, sent)
    return elapsed, server.received() - before


def apprise_loop(server: SmtpServer) -> tuple[float, int]:
    before = server.received()
    started = time.perf_counter()
    for i in range(NOTICES):
        notifier = apprise.Apprise()
        notifier.add(server.url(i))
        notifier.notify(title="[1-KH/BENCH] Triển khai", body="Kính gửi **Chi bộ**: kế hoạch đã ban hành.")
    return time.perf_counter() - started, server.received() - before


def smtplib_loop(server: SmtpServer) -> tuple[float, int]:
    before = server.received()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", server.port) as connection:
        for i in range(NOTICES):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "kd@example.vn", f"u{i}@example.vn", "Triển khai"
            message.set_content("Kính gửi Chi bộ: kế hoạch đã ban hành.")
            connection.send_message(message)
    return time.perf_counter() - started, server.received() - before


def addresses() -> int:
    """The national tree's addresses (benchmarks/national.py: one contact a unit), less the root that issues."""
    return national.PROVINCES + national.COMMUNES + national.GRASSROOTS + national.BRANCHES


def main() -> None:
    clock.set_now(AT)
    width = smtp_connections()
    print(f"delivery of {NOTICES:,} notices, one message each, to a local SMTP server (its own process)")
    print(f"  (a shared 2-core machine: compare the ratios of one run; KIEMDIEM_SMTP_CONNECTIONS={width})")
    with SmtpServer() as server:
        rows = [
            ("smtplib, one kept connection (ceiling)", smtplib_loop(server)),
            ("Apprise in a loop (baseline)", apprise_loop(server)),
            ("deliver, before: a connection per message", product(server, lambda app: waves_or_serial(app, False))),
            ("deliver, as wired (service.sweeps)", product(server, lambda app: waves_or_serial(app, True))),
            (f"deliver in waves of {width} (dispatch)", product(server, lambda app: waves(app, kept_sender()))),
        ]
    base = NOTICES / rows[1][1][0]
    for name, (seconds, arrived) in rows:
        rate = NOTICES / seconds
        ratio = rate / base
        print(f"  {name:<44} {seconds:7.1f} s {rate:7.1f} messages/s {ratio:5.2f}× Apprise  ({arrived:,} arrived)")
    best = NOTICES / rows[-1][1][0]
    total = addresses()
    minutes = total / (best * WORKERS) / 60
    print(
        f"  projection: a national morning's digests, {total:,} addresses (benchmarks/national.py"
        f"{'' if national.SCALE == 1 else f', KIEMDIEM_BENCH_SCALE={national.SCALE}'}), by {WORKERS} workers at "
        f"{best:.0f} messages/s each: {minutes:.1f} minutes (target {TARGET_MINUTES}; "
        f"{TARGET_RATE} messages/s per worker: {'met' if best >= TARGET_RATE else 'NOT met'})"
    )
    quiet = QUIET_APPRISE_RATE * best / base
    print(
        f"  the same ratio to Apprise on a quiet machine (Apprise alone ~{QUIET_APPRISE_RATE}/s there, issue 15): "
        f"{quiet:.0f} messages/s per worker, {total / (quiet * WORKERS) / 60:.1f} minutes by {WORKERS} workers"
    )


def kept_sender() -> AppriseSender:
    return AppriseSender()


def waves_or_serial(app: App, kept: bool) -> Counter[str]:
    sender: Sender = AppriseSender() if kept else ConnectionPerMessage()
    return deliver(app, "bench-delivery", AT, sender)


if __name__ == "__main__":
    main()
