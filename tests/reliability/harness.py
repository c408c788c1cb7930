"""The bad things, done for real: the command line in child processes started together at a gate, a process that
SIGKILLs itself at a named point (service.faults), and counting what each person received at a real SMTP server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT
from tests.sinks import SmtpSink

KEY = "rel-2026"
LAUNCH_AT = "2026-11-23T08:00:00+07:00"

# The child: warm every import first, wait at the gate, then run `kiemdiem ARGS`; with a point, SIGKILL itself the
# Nth time that point is reached (the hook is installed by this test harness, never by the product).
CHILD = """
import os, pathlib, signal, sys, time
from service import faults
gate, point, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
reached = [0]
def stop_dead(name):
    if name == point:
        reached[0] += 1
        if reached[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)
faults.install(stop_dead)
import apprise, service.sweeps, service.status, service.campaigns
from entrypoints.cli import main
while gate != "-" and not pathlib.Path(gate).exists():
    time.sleep(0.002)
sys.argv = ["kiemdiem", *sys.argv[4:]]
main()
"""


def tree_csv(smtp_port: int, grassroots: int = 3, branches: int = 19) -> str:
    """A district, `grassroots` organizations with `branches` branches each; every unit has its own mailbox."""

    def mailbox(code: str) -> str:
        return f"mailto://127.0.0.1:{smtp_port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    lines = ["code,parent,name,level,members,contacts", f"HU-R,,Huyện ủy R,district,0,{mailbox('HU-R')}"]
    for g in range(grassroots):
        lines.append(f"CS-{g},HU-R,Đảng bộ xã {g},grassroots,0,{mailbox(f'CS-{g}')}")
        lines += [f"CS-{g}-B{b:02d},CS-{g},Chi bộ {b},branch,10,{mailbox(f'CS-{g}-B{b:02d}')}" for b in range(branches)]
    return "\n".join(lines) + "\n"


CONFIG = f"""
key: {KEY}
title: "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-R
launch: 2026-11-23
milestones:
  - key: grassroots_review
    title: "Hoàn thành kiểm điểm cấp cơ sở"
    levels: [branch, grassroots]
    deadline: 2026-12-10
  - key: district_review
    title: "Hoàn thành kiểm điểm cấp huyện"
    levels: [district]
    deadline: 2026-12-25
    after_children: grassroots_review
"""


@dataclass
class Child:
    process: subprocess.Popen[str]

    def finish(self, timeout: float = 180) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


def start(
    args: Sequence[str],
    env: dict[str, str],
    *,
    gate: Path | None = None,
    kill_at: str = "-",
    nth: int = 1,
) -> Child:
    """`kiemdiem ARGS` in a child process of its own session; it waits for `gate` to exist before running."""
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(gate or "-"), kill_at, str(nth), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    return Child(process)


def together(commands: Sequence[Sequence[str]], env: dict[str, str], gate: Path) -> list[tuple[int, str, str]]:
    """Start every command, let them warm up, then open the gate for all at once."""
    children = [start(args, env, gate=gate) for args in commands]
    time.sleep(4)  # each child has imported everything and waits at the gate
    gate.touch()
    return [child.finish() for child in children]


def received(smtp: SmtpSink) -> Counter[str]:
    """Messages per mailbox, as the SMTP server received them."""
    return Counter(str(message["To"]).lower() for message in smtp.messages)


def mailboxes(tree: str) -> set[str]:
    """Every mailbox a morning sweep of December reaches: all units but the root (the issuing committee is not
    sent its own plan, and its own step falls due later)."""
    return {line.split("to=")[1].split("&")[0] for line in tree.splitlines()[2:]}
