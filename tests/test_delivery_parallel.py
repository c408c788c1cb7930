"""Messages sent side by side (notifications.dispatch) on kept SMTP connections (notifications.email_relay): a
deliverer SIGKILLed during a parallel wave, then finished by the next one, counted at a real SMTP server; a claim
taken over stops a wave before anything leaves."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import select, update

from models.tables import DeliveryAttempt, OutboxEntry
from notifications import dispatch, liveness, outbox
from notifications.senders import AppriseSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import context, deliver
from tests.conftest import write
from tests.sinks import smtp_sink

KEY = "p-2026"
NOW = "2026-11-23T08:30:00+07:00"
BRANCHES = 40
CONFIG = f"""
key: {KEY}
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-P
launch: 2026-11-23
milestones: [{{key: review, title: "Kiểm điểm chi bộ", levels: [branch], deadline: 2026-12-10}}]
"""

# A deliverer as service.sweeps runs one (claim a chunk, plan, send, settle), each chunk's messages sent by
# notifications.dispatch in waves of four, under its liveness lock.
DELIVERER = """
import sys, pendulum
from notifications import dispatch, liveness, outbox
from notifications.senders import AppriseSender
from service.bootstrap import build_app
from service.sweeps import context
app, now = build_app(), pendulum.parse(sys.argv[2])
campaign, owner, sender = context(app, sys.argv[1]), liveness.new_owner(), AppriseSender(connections=4)
with liveness.alive(app.engine, owner):
    while True:
        with app.unit_of_work() as session:
            claimed = outbox.claim(session, campaign, now, 200, owner)
        if not claimed:
            break
        with app.unit_of_work() as session:
            messages, unreachable = outbox.plan_messages(session, campaign, claimed)
        dispatch.send_messages(app.unit_of_work, messages, sender, owner, now)
        with app.unit_of_work() as session:
            outbox.settle(session, campaign, claimed, unreachable, owner, now)
"""


def tree(port: int) -> str:
    def mailbox(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    lines = ["code,parent,name,level,members,contacts", "HU-P,,Huyện ủy P,district,0,"]
    lines += [f"B{i:02d},HU-P,Chi bộ {i},branch,10,{mailbox(f'B{i:02d}')}" for i in range(BRANCHES)]
    return "\n".join(lines) + "\n"


def launched(kiemdiem, tmp_path: Path, port: int) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(port))).exit_code == 0
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:  # it ended and the warm parent has collected it
        return False
    return True


def test_a_deliverer_killed_during_a_parallel_wave_neither_doubles_nor_loses(
    kiemdiem, env, zygote, tmp_path: Path
) -> None:
    with smtp_sink() as smtp:
        smtp.delay = 0.1  # a slow relay: each wave's four messages are on the wire together
        launched(kiemdiem, tmp_path, smtp.port)
        pid = zygote.start([KEY, NOW], env, script=DELIVERER)
        deadline = time.monotonic() + 120
        while len(smtp.messages) < 10 and running(pid) and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(pid, signal.SIGKILL)  # mid-wave: messages on the wire, their outcomes not yet recorded
        code, out, err = zygote.finish()
        assert code == -signal.SIGKILL, out + err
        time.sleep(0.5)  # what was on the wire lands
        arrived_before = len(smtp.messages)
        smtp.delay = 0.0  # the next deliverer needs no slow relay: its sends need not overlap a kill
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        with app.unit_of_work() as session:
            in_flight = session.scalars(select(DeliveryAttempt.message).where(DeliveryAttempt.status == "sending"))
            in_flight_messages = set(in_flight)
        assert 2 <= len(in_flight_messages) <= 4, in_flight_messages  # killed inside a parallel wave, at most 4
        assert 10 <= arrived_before < BRANCHES
        result = deliver(app, KEY, pendulum.parse(NOW).add(minutes=1), AppriseSender())  # the next deliverer
        time.sleep(0.5)
        got = Counter(str(message["To"]).split("@")[0] for message in smtp.messages)
    with app.unit_of_work() as session:
        entries = {e.id: e for e in session.scalars(select(OutboxEntry))}
        attempts = list(session.scalars(select(DeliveryAttempt)))
    codes = {f"b{i:02d}" for i in range(BRANCHES)}
    unsure = {
        str(e.key.split("|")[1]).lower() for e in entries.values() if e.status == "uncertain"
    }  # key: campaign|unit|…
    assert max(got.values()) == 1, got  # nobody received a message twice
    assert set(got) | unsure == codes  # everybody received theirs, or it is shown uncertain
    assert unsure and len(unsure) <= 4 and result["uncertain"] == len(unsure) and result["recovered"] >= len(unsure)
    assert {e.status for e in entries.values()} == {"sent", "uncertain"}
    assert all(e.status == "sent" for e in entries.values() if e.key.split("|")[1].lower() not in unsure)
    # one attempt row per notice and message: the uncertain ones and the sent ones, none left `sending`
    assert Counter(a.status for a in attempts) == {"sent": BRANCHES - len(unsure), "uncertain": len(unsure)}
    assert len({a.message for a in attempts}) == len(attempts) == BRANCHES
    assert {a.message for a in attempts if a.status == "uncertain"} == in_flight_messages


def test_a_wave_whose_claim_was_taken_over_sends_nothing(kiemdiem, env, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        launched(kiemdiem, tmp_path, smtp.port)
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        campaign, owner, now = context(app, KEY), liveness.new_owner(), pendulum.parse(NOW)
        with liveness.alive(app.engine, owner):
            with app.unit_of_work() as session:
                claimed = outbox.claim(session, campaign, now, 200, owner)
            with app.unit_of_work() as session:
                messages, _unreachable = outbox.plan_messages(session, campaign, claimed)
                # another deliverer took this one over (it had taken us for dead)
                session.execute(
                    update(OutboxEntry).where(OutboxEntry.id == messages[2].entry_ids[0]).values(claimed_by="other")
                )
            with pytest.raises(outbox.ClaimLost):
                dispatch.send_messages(app.unit_of_work, messages, AppriseSender(connections=4), owner, now)
        time.sleep(0.3)
        assert smtp.messages == []  # the first wave held the lost entry: nothing of it left
    with app.unit_of_work() as session:
        assert session.scalars(select(DeliveryAttempt)).all() == []


def test_waves_keep_every_outcome_apart(kiemdiem, env, tmp_path: Path) -> None:
    """A refusal in a wave fails that message only; the others of the wave are sent; one attempt row each."""
    with smtp_sink() as smtp, smtp_sink() as closed:
        closed.reply = "550 5.7.1 mailbox unavailable"
        text = tree(smtp.port).replace(
            f"127.0.0.1:{smtp.port}?from=kd@example.vn&to=b01@", f"127.0.0.1:{closed.port}?from=kd@example.vn&to=b01@"
        )
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", text)).exit_code == 0
        ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
        assert ran.exit_code == 0, ran.stderr
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        campaign, owner, now = context(app, KEY), liveness.new_owner(), pendulum.parse(NOW)
        with liveness.alive(app.engine, owner):
            with app.unit_of_work() as session:
                claimed = outbox.claim(session, campaign, now, 200, owner)
            with app.unit_of_work() as session:
                messages, unreachable = outbox.plan_messages(session, campaign, claimed)
            counts = dispatch.send_messages(app.unit_of_work, messages, AppriseSender(connections=4), owner, now)
            with app.unit_of_work() as session:
                outbox.settle(session, campaign, claimed, unreachable, owner, now)
        time.sleep(0.3)
        got = Counter(str(message["To"]).split("@")[0] for message in smtp.messages)
    assert counts == {"messages": BRANCHES - 1, "messages_failed": 1}
    assert set(got) == {f"b{i:02d}" for i in range(BRANCHES)} - {"b01"} and max(got.values()) == 1
    with app.unit_of_work() as session:
        attempts = list(session.scalars(select(DeliveryAttempt)))
        states = {e.key.split("|")[1]: e.status for e in session.scalars(select(OutboxEntry))}
    assert Counter(a.status for a in attempts) == {"sent": BRANCHES - 1, "failed": 1}
    assert next(str(a.error) for a in attempts if a.status == "failed").count("550") == 1
    assert states.pop("B01") == "pending" and set(states.values()) == {"sent"}  # B01 waits for its retry
