"""Two and four sweeps of one campaign at once, in separate processes, on each database: every person receives
each due notice once, counted at the SMTP server. A sweep still delivering when the next one starts gives nothing
twice either: the second sees a live deliverer and leaves its claims alone."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, mailboxes, ready, received, start, together, tree_csv
from tests.sinks import smtp_sink

MORNING = "2026-12-03T07:30:00+07:00"  # plan notices and the 7-day reminders are due: one digest per mailbox


def prepare(kiemdiem, tmp_path: Path, port: int, grassroots: int = 3, branches: int = 19) -> str:
    tree = tree_csv(port, grassroots, branches)
    assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree)).exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT)
    assert launched.exit_code == 0 and launched.stdout.strip() == KEY, launched.stderr
    return tree


def outbox_states(database_url: str) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return Counter(dict(connection.execute(text("SELECT status, count(*) FROM outbox GROUP BY status")).all()))
    finally:
        engine.dispose()


@pytest.mark.parametrize("sweeps", [2, 4])
def test_sweeps_started_together_deliver_every_notice_once(kiemdiem, env, tmp_path: Path, sweeps: int) -> None:
    with smtp_sink() as smtp:
        # 22 units: every sweep decides the same notices and races for the same claims (one chunk of 200 entries
        # holds them all, as it holds the default tree's 61); more units only make each sweep longer.
        tree = prepare(kiemdiem, tmp_path, smtp.port, grassroots=3, branches=6)
        results = together(
            [["campaign", "sweep", "--campaign", KEY, "--at", MORNING, "--format", "json"]] * sweeps,
            env,
            tmp_path / "gate",
        )
        time.sleep(0.5)  # the SMTP server has handed every message over
        got = received(smtp)
    assert [code for code, _out, _err in results] == [0] * sweeps, [err for _c, _o, err in results]
    assert "Traceback" not in "".join(err for _c, _o, err in results)
    assert set(got) == mailboxes(tree), set(got) ^ mailboxes(tree)  # everyone reached…
    assert max(got.values()) == 1, {box: n for box, n in got.items() if n > 1}  # …and nobody twice
    states = outbox_states(env["KIEMDIEM_DATABASE_URL"])
    assert states["sent"] > len(got) and not {"sending", "uncertain", "failed"} & set(states), states


def test_a_sweep_started_while_another_is_still_delivering_sends_nothing_twice(kiemdiem, env, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        # a slow mail server: the first sweep takes ~3 s to deliver its 21 messages (four at a time, 0.5 s each);
        # the second sweep, its imports done beforehand and waiting at a gate, starts within them
        smtp.delay = 0.5
        tree = prepare(kiemdiem, tmp_path, smtp.port, grassroots=3, branches=6)
        gate = tmp_path / "gate"
        # ten minutes later by the campaign's clock: a lease would have run out; the deliverer is alive all the same
        second = start(["campaign", "sweep", "--campaign", KEY, "--at", "2026-12-03T07:45:00+07:00"], env, gate=gate)
        ready(gate, 1, second.process)
        first = start(["campaign", "sweep", "--campaign", KEY, "--at", MORNING, "--format", "json"], env)
        deadline = time.monotonic() + 120
        while len(smtp.messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert 5 <= len(smtp.messages) < len(mailboxes(tree)), "the first sweep must be mid-delivery"
        gate.touch()
        second_code, second_out, second_err = second.finish()
        first_code, _out, first_err = first.finish()
        time.sleep(0.5)
        got = received(smtp)
    assert (first_code, second_code) == (0, 0), first_err + second_err
    assert "recovered" not in second_out, second_out  # nothing taken from the live deliverer
    assert set(got) == mailboxes(tree) and max(got.values()) == 1, {box: n for box, n in got.items() if n > 1}
