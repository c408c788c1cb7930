"""`kill -9` at each named point of launch, sweep, delivery and submit (service.faults.POINTS), then recovery by
the next run: every notice reaches each mailbox exactly once, or is shown `uncertain` and counted as such; a killed
launch or submit leaves the database as it was."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from service import faults
from tests.conftest import write
from tests.reliability.harness import CONFIG, KEY, LAUNCH_AT, Zygote, mailboxes, received, tree_csv
from tests.sinks import smtp_sink

MORNING = "2026-12-03T07:30:00+07:00"
SWEEP = ["campaign", "sweep", "--campaign", KEY, "--at", MORNING]


def killed(zygote: Zygote, args: list[str], env: dict[str, str], point: str, nth: int = 1) -> None:
    assert point in faults.POINTS
    # one message in flight at a time, so that "the Nth send" names one message (side by side sends and their
    # crashes: tests/test_delivery_parallel.py)
    code, out, err = zygote.run(args, {**env, "KIEMDIEM_SMTP_CONNECTIONS": "1"}, kill_at=point, nth=nth)
    assert code == -signal.SIGKILL, f"the child was to die at {point}: exit {code}\n{out}\n{err}"


def query(database_url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def uncertain_mailboxes(database_url: str) -> set[str]:
    rows = query(
        database_url,
        "SELECT DISTINCT u.code FROM outbox o JOIN org_unit u ON u.id = o.unit_id WHERE o.status = 'uncertain'",
    )
    return {f"{code}".lower() + "@example.vn" for (code,) in rows}


def prepared(kiemdiem, tmp_path: Path, port: int, launch: bool = True) -> str:
    # Eleven units, ten mailboxes: the fifth send of one deliverer still has five after it to recover; a larger
    # tree only adds messages to the in-process recovery (the harness's default 61 units cost 1 s of CPU per test).
    tree = tree_csv(port, grassroots=2, branches=4)
    assert kiemdiem("units", "import", write(tmp_path / "tree.csv", tree)).exit_code == 0
    if launch:
        launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", LAUNCH_AT)
        assert launched.exit_code == 0 and launched.stdout.strip() == KEY, launched.stderr
    return tree


def test_launch_killed_before_commit_leaves_nothing_and_can_run_again(
    kiemdiem, env, snapshot, zygote, tmp_path: Path
) -> None:
    with smtp_sink() as smtp:
        tree = prepared(kiemdiem, tmp_path, smtp.port, launch=False)
        before = snapshot()
        config = write(tmp_path / "c.yaml", CONFIG)
        killed(zygote, ["campaign", "launch", str(config), "--at", LAUNCH_AT], env, "launch.before-commit")
        assert snapshot() == before
        again = kiemdiem("campaign", "launch", config, "--at", LAUNCH_AT)
        assert again.exit_code == 0 and again.stdout.strip() == KEY, again.stderr
        assert kiemdiem(*SWEEP).exit_code == 0
        time.sleep(0.3)
        got = received(smtp)
    assert set(got) == mailboxes(tree) and max(got.values()) == 1, got


def test_sweep_killed_between_batches_is_finished_by_the_next(kiemdiem, env, zygote, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        tree = prepared(kiemdiem, tmp_path, smtp.port)
        killed(zygote, SWEEP, env, "sweep.after-batch")
        assert smtp.messages == []  # decided, not yet delivered
        decided = query(env["KIEMDIEM_DATABASE_URL"], "SELECT count(*) FROM outbox WHERE status = 'pending'")[0][0]
        ran = kiemdiem(*SWEEP, "--format", "json")
        assert ran.exit_code == 0, ran.stderr
        time.sleep(0.3)
        got = received(smtp)
    assert isinstance(decided, int) and decided > len(got)
    assert set(got) == mailboxes(tree) and max(got.values()) == 1, got


@pytest.mark.parametrize("point", ["delivery.before-send", "delivery.after-send"])
def test_delivery_killed_mid_way_loses_nothing_silently_and_doubles_nothing(
    kiemdiem, env, zygote, tmp_path: Path, point: str
) -> None:
    database = env["KIEMDIEM_DATABASE_URL"]
    with smtp_sink() as smtp:
        tree = prepared(kiemdiem, tmp_path, smtp.port)
        killed(zygote, SWEEP, env, point, nth=5)  # four messages went out, the fifth was being sent
        time.sleep(0.3)
        arrived_before = received(smtp)
        assert len(arrived_before) == (4 if point == "delivery.before-send" else 5)
        stuck = query(database, "SELECT count(*) FROM outbox WHERE status = 'sending'")[0][0]
        assert isinstance(stuck, int) and stuck > 0  # the dead deliverer's claims
        # the very next run, one minute later: the dead deliverer's claims are taken over at once
        ran = kiemdiem("campaign", "sweep", "--campaign", KEY, "--at", "2026-12-03T07:31:00+07:00")
        assert ran.exit_code == 0, ran.stderr
        time.sleep(0.3)
        got = received(smtp)
        unsure = uncertain_mailboxes(database)
        # exactly once, or shown uncertain and counted as such
        assert max(got.values()) == 1, got
        assert len(unsure) == 1 and set(got) | unsure == mailboxes(tree)
        assert (unsure <= set(got)) == (point == "delivery.after-send")  # it had arrived, or had not
        assert query(database, "SELECT count(*) FROM outbox WHERE status = 'sending'")[0][0] == 0
        listed = kiemdiem("outbox", "--campaign", KEY, "--status", "uncertain", "--format", "json")
        assert listed.exit_code == 0 and listed.stdout.count('"status": "uncertain"') >= 1
        shown = kiemdiem("progress", "--campaign", KEY, "--format", "json", "--at", "2026-12-03T08:00:00+07:00")
        assert shown.exit_code == 0 and '"uncertain": ' in shown.stdout
        if point == "delivery.before-send":  # it never left: the admin's resend delivers it, once
            resend = kiemdiem("outbox", "resend", "--campaign", KEY, "--uncertain", "--at", "2026-12-03T08:00:00+07:00")
            assert resend.exit_code == 0, resend.stderr
            again = kiemdiem("campaign", "sweep", "--campaign", KEY, "--at", "2026-12-03T08:00:00+07:00")
            assert again.exit_code == 0, again.stderr
            time.sleep(0.3)
            final = received(smtp)
            assert set(final) == mailboxes(tree) and max(final.values()) == 1, final
            assert uncertain_mailboxes(database) == set()


def test_submit_killed_before_commit_changes_nothing_and_can_be_made_again(
    kiemdiem, env, snapshot, zygote, tmp_path: Path
) -> None:
    with smtp_sink() as smtp:
        prepared(kiemdiem, tmp_path, smtp.port)
        before = snapshot()
        submit = ["status", "submit", "--campaign", KEY, "--unit", "CS-0-B00", "--milestone", "grassroots_review"]
        killed(zygote, [*submit, "--at", "2026-12-05T10:00:00+07:00"], env, "submit.before-commit")
        assert snapshot() == before
        ran = kiemdiem(*submit, "--at", "2026-12-05T10:05:00+07:00", "--format", "json")
        assert ran.exit_code == 0 and '"status": "submitted"' in ran.stdout, ran.stderr
    audit = query(env["KIEMDIEM_DATABASE_URL"], "SELECT count(*) FROM audit_log WHERE action = 'assignment.submit'")
    assert audit == [(1,)]
