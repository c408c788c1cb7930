"""Delivery that is never lost or doubled: digests, retries to a final failure, crashes at each step."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import select

from models.tables import DeliveryAttempt, OutboxEntry
from notifications.senders import AppriseSender, CaptureSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import deliver, sweep
from tests.conftest import write
from tests.sinks import http_sink

TZ = "Asia/Ho_Chi_Minh"


def config(hook: str, admin: str = "") -> str:
    return f"""
key: d-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-A
launch: 2026-11-23
milestones:
  - key: grassroots_review
    title: "Hoàn thành kiểm điểm cấp cơ sở"
    levels: [branch, grassroots]
    deadline: 2026-12-10
delivery: {{max_attempts: 3, backoff_minutes: 10, backoff_cap_minutes: 60}}
admin_contacts: [{admin or f"json://{hook}/admin"}]
"""


def tree(hook: str, branches: int) -> str:
    lines = [
        "code,parent,name,level,members,contacts",
        f"HU-A,,Huyện ủy A,district,0,json://{hook}/HU-A",
        f"CS-1,HU-A,Đảng bộ xã Một,grassroots,0,json://{hook}/CS-1",
    ]
    lines += [f"CS-1-B{i:02d},CS-1,Chi bộ {i},branch,10,json://{hook}/B{i:02d}" for i in range(branches)]
    return "\n".join(lines) + "\n"


def at(day: int, hour: int = 7, minute: int = 30) -> pendulum.DateTime:
    return pendulum.datetime(2026, 12, day, hour, minute, tz=TZ)


def setup(kiemdiem, tmp_path: Path, hook: str, branches: int = 3) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(hook, branches))).exit_code == 0
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", config(hook)), "--at", "2026-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr


def entries(app) -> list[OutboxEntry]:
    with app.unit_of_work() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def test_forty_overdue_children_give_the_parent_one_escalation_digest(kiemdiem, env, tmp_path: Path) -> None:
    setup(kiemdiem, tmp_path, "127.0.0.1:9", branches=40)
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender()
    for day in range(3, 13):  # every morning; nobody reports
        sweep(app, "d-2026", at(day), sink)
    to_parent = [
        (title, body) for url, title, body in sink.messages if url.endswith("/CS-1") and "Báo cáo cấp trên" in title
    ]
    assert len(to_parent) == 1
    title, body = to_parent[0]
    assert "40 thông báo" in title
    assert all(f"Chi bộ {i} (CS-1-B{i:02d})" in body for i in range(40))
    escalations = [e for e in entries(app) if e.kind == "escalation"]
    assert len(escalations) == 41 and all(e.status == "sent" for e in escalations)  # 40 branches + CS-1 itself


def test_a_refusing_channel_is_retried_with_back_off_then_failed_and_the_admin_told_once(
    kiemdiem, env, tmp_path: Path
) -> None:
    with http_sink() as hook, http_sink() as broken:
        broken.status = 500  # a real server that answers HTTP 500 to branch B01's webhook
        text = tree(hook.url, 3).replace(f"json://{hook.url}/B01", f"json://{broken.url}/B01")
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", text)).exit_code == 0
        kiemdiem(
            "campaign", "launch", write(tmp_path / "c.yaml", config(hook.url)), "--at", "2026-11-23T08:00:00+07:00"
        )
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        sender = AppriseSender()
        first = sweep(app, "d-2026", at(3), sender)["campaigns"]["d-2026"]["delivered"]
        # plan + reminder travel as one digest per channel (HU-A, which issued the plan, has none); B01's is
        # refused and waits for a retry
        assert first == {"messages": 3, "messages_failed": 1, "sent": 6, "retry": 2}
        b01 = [e for e in entries(app) if e.key.startswith("d-2026|CS-1-B01|")]
        assert {e.status for e in b01} == {"pending"} and {e.next_attempt_at for e in b01} == {at(3).add(minutes=10)}
        assert deliver(app, "d-2026", at(3, 7, 39), sender) == {}  # not before the back-off ends
        assert deliver(app, "d-2026", at(3, 7, 40), sender) == {"messages_failed": 1, "retry": 2}
        assert {e.next_attempt_at for e in entries(app) if e.id in {x.id for x in b01}} == {
            at(3, 7, 40).add(minutes=20)
        }
        assert deliver(app, "d-2026", at(3, 8, 0), sender) == {"messages_failed": 1, "failed": 2}
        final = [e for e in entries(app) if e.id in {x.id for x in b01}]
        assert all(e.status == "failed" and e.attempts == 3 and "500" in e.last_error for e in final)
        assert len(broken.received) == 3  # three tries of one digest message
        admin = [r for r in hook.received if r["path"] == "/admin"]
        assert len(admin) == 1 and "CS-1-B01" in admin[0]["body"]["message"]
        assert deliver(app, "d-2026", at(4), sender) == {}
        assert len([r for r in hook.received if r["path"] == "/admin"]) == 1  # told once
        # every other channel got its message exactly once
        assert Counter(r["path"] for r in hook.received if r["path"] != "/admin") == {
            "/CS-1": 1,
            "/B00": 1,
            "/B02": 1,
        }


def test_outbox_retry_requeues_failed_notices(kiemdiem, env, tmp_path: Path) -> None:
    setup(kiemdiem, tmp_path, "127.0.0.1:9")
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender(refuse={"json://127.0.0.1:9/B00"})
    for hour, minute in ((7, 30), (7, 40), (8, 0)):  # first try, then after 10 and 20 minutes of back-off
        deliver(app, "d-2026", at(1, hour, minute), sink)
    failed = [e for e in entries(app) if e.status == "failed"]
    assert len(failed) == 1
    ran = kiemdiem("outbox", "retry", "--campaign", "d-2026", "--at", "2026-12-01T09:00:00+07:00")
    assert ran.exit_code == 0 and "1" in ran.stdout
    sink.refuse.clear()
    assert deliver(app, "d-2026", at(1, 9), sink)["sent"] == 1
    assert [e.status for e in entries(app)].count("failed") == 0


CRASH = """
import os, signal, sys, pendulum
from notifications.senders import AppriseSender
from service import faults
from service.bootstrap import build_app
from service.sweeps import deliver
if sys.argv[2] != "-":
    faults.install(lambda point: point == sys.argv[2] and os.kill(os.getpid(), signal.SIGKILL))
deliver(build_app(), "d-2026", pendulum.parse(sys.argv[1]), AppriseSender())
"""


@pytest.mark.parametrize("point", ["delivery.before-send", "delivery.after-send", "killed-by-the-receiver"])
def test_a_crash_at_each_step_neither_doubles_nor_loses(kiemdiem, env, zygote, tmp_path: Path, point: str) -> None:
    with http_sink() as hook:
        setup(kiemdiem, tmp_path, hook.url, branches=1)
        # one message in flight at a time, so each crash point is exact (waves: tests/test_delivery_parallel.py)
        child_env = {**env, "KIEMDIEM_SMTP_CONNECTIONS": "1"}
        pid: list[int] = []
        if point == "killed-by-the-receiver":
            # the receiver kills the deliverer as soon as the first message arrives, before it can record it
            def kill_the_deliverer() -> None:
                while not pid:  # its pid is on its way from the warm parent
                    time.sleep(0.001)
                os.killpg(pid[0], signal.SIGKILL)

            hook.on_receive = kill_the_deliverer
        args = ["2026-12-01T07:30:00+07:00", "-" if point.startswith("killed") else point]
        pid.append(zygote.start(args, child_env, script=CRASH))
        code, out, err = zygote.finish()
        assert code != 0, out + err  # it did crash
        hook.on_receive = None
        arrived_before_restart = len(hook.received)
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        # right away: the dead deliverer's claim is taken over at once, then delivery goes on
        result = deliver(app, "d-2026", at(1, 7, 31), AppriseSender(connections=1))
        paths = Counter(r["path"] for r in hook.received)
    assert all(count == 1 for count in paths.values()), paths  # nobody received anything twice
    with app.unit_of_work() as session:
        attempts = Counter(a.status for a in session.scalars(select(DeliveryAttempt)))
    # the one message whose fate is unknown is shown as such, not as sent; the others went out once
    assert Counter(e.status for e in entries(app)) == {"sent": 1, "uncertain": 1}  # the plan to CS-1 and to B00
    assert result["recovered"] == 2 and attempts["uncertain"] == 1 and result["uncertain"] == 1
    assert paths.pop("/admin") == 1  # the admin is told of the uncertain notice, once
    if point == "delivery.before-send":
        # recorded as being sent, then stopped: it may have left, so it is not sent again (at most once)
        assert arrived_before_restart == 0 and set(paths) == {"/B00"}
    else:
        # it arrived, then the deliverer died before recording it: still exactly once
        assert arrived_before_restart == 1 and set(paths) == {"/CS-1", "/B00"}


@pytest.mark.parametrize("refusal", ["smtp-550", "connection-refused"])
def test_other_refusals_are_retried_then_failed_while_the_rest_is_delivered(
    kiemdiem, env, tmp_path: Path, refusal: str
) -> None:
    import socket

    from tests.sinks import smtp_sink

    with http_sink() as hook, smtp_sink() as smtp:
        if refusal == "smtp-550":
            smtp.reply = "550 5.7.1 mailbox unavailable"
            bad = f"mailto://127.0.0.1:{smtp.port}?from=kd@example.vn&to=b01@example.vn&secure=no"
        else:
            with socket.socket() as probe:  # a port nobody listens on
                probe.bind(("127.0.0.1", 0))
                bad = f"json://127.0.0.1:{probe.getsockname()[1]}/B01"
        text = tree(hook.url, 3).replace(f"json://{hook.url}/B01", bad)
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", text)).exit_code == 0
        kiemdiem(
            "campaign", "launch", write(tmp_path / "c.yaml", config(hook.url)), "--at", "2026-11-23T08:00:00+07:00"
        )
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        for hour, minute in ((7, 30), (7, 40), (8, 0)):
            deliver(app, "d-2026", at(1, hour, minute), AppriseSender())
        states = {e.key.split("|")[1]: (e.status, e.attempts) for e in entries(app)}
        assert states["CS-1-B01"] == ("failed", 3)
        assert {code: s for code, (s, _) in states.items() if code != "CS-1-B01"} == {
            "CS-1": "sent",
            "CS-1-B00": "sent",
            "CS-1-B02": "sent",
        }
        assert Counter(r["path"] for r in hook.received) == {"/CS-1": 1, "/B00": 1, "/B02": 1, "/admin": 1}
        assert smtp.messages == []
