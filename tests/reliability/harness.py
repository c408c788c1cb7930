"""The bad things, done for real: the command line in child processes started together at a gate, a process that
SIGKILLs itself at a named point (service.faults), and counting what each person received at a real SMTP server.
"""

from __future__ import annotations

import json
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

# The child: warm every import first (forked.warm_cli), wait at the gate, then run `kiemdiem ARGS`; with a point,
# SIGKILL itself the Nth time that point is reached (forked.KILL: installed by this test harness, never by the
# product). Several commands (`together`): each runs in a process of its own, forked once the imports are warm (~1 s
# of CPU each, paid once), its output in GATE.I.out/.err, its exit status printed by the launcher. A waiting process
# touches GATE.I.ready.
CHILD = """
import json, os, pathlib, sys, time
from tests.reliability.forked import KILL, fork, warm_cli
gate, point, nth, commands = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
KILL.set(point, nth)
main = warm_cli()
def run(index, args):
    if gate != "-":
        pathlib.Path(f"{gate}.{index}.ready").touch()
        while not pathlib.Path(gate).exists():
            time.sleep(0.002)
    sys.argv = ["kiemdiem", *args]
    main()
def forked(index, args):
    for fd, suffix in ((1, "out"), (2, "err")):
        os.dup2(os.open(f"{gate}.{index}.{suffix}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    run(index, args)
if len(commands) == 1:
    run(0, commands[0])
    sys.exit(0)
pids = [fork(lambda index=index, args=args: forked(index, args)) for index, args in enumerate(commands)]
print(json.dumps([os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]))
"""


# A warm parent for the crash tests: it imports everything once, then for each request (a JSON line on stdin) forks a
# child that runs `kiemdiem ARGS` (or `python -c SCRIPT ARGS`) in a session of its own, with the request's
# environment and kill point, and prints the child's pid, then its exit status. Each child starts from the same
# untouched imports a fresh process would have.
ZYGOTE = """
import json, os, sys
from tests.reliability.forked import KILL, fork, warm_cli
main = warm_cli()
def child(spec):
    os.setsid()
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(os.open(spec["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(os.open(spec["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
    os.environ.clear()
    os.environ.update(spec["env"])
    KILL.set(spec["point"], spec["nth"])
    if spec["script"] is None:
        sys.argv = ["kiemdiem", *spec["args"]]
        main()
    else:
        sys.argv = ["-c", *spec["args"]]
        exec(compile(spec["script"], "<child>", "exec"), {"__name__": "__main__"})
for line in sys.stdin:
    spec = json.loads(line)
    pid = fork(lambda: child(spec))
    print(pid, flush=True)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class Zygote:
    """Children forked from one warm process (ZYGOTE): `run` is `start(...).finish()` without ~1 s of imports."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.runs = folder, 0
        self.out = self.err = folder / "-"
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def start(
        self, args: Sequence[str], env: dict[str, str], *, kill_at: str = "-", nth: int = 1, script: str | None = None
    ) -> int:
        """Fork a child; its pid (the leader of its own session)."""
        self.runs += 1
        self.out, self.err = self.folder / f"{self.runs}.out", self.folder / f"{self.runs}.err"
        spec = {"args": list(args), "env": {**os.environ, **env}, "point": kill_at, "nth": nth, "script": script}
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({**spec, "out": str(self.out), "err": str(self.err)}) + "\n")
        self.process.stdin.flush()
        pid = self.process.stdout.readline()
        assert pid, f"the warm parent ended ({self.process.poll()})"
        return int(pid)

    def finish(self) -> tuple[int, str, str]:
        """The child's exit status (negative: the signal that ended it), stdout and stderr."""
        assert self.process.stdout
        status = self.process.stdout.readline()
        assert status, f"the warm parent ended ({self.process.poll()})"
        return int(status), self.out.read_text(), self.err.read_text()

    def run(
        self, args: Sequence[str], env: dict[str, str], *, kill_at: str = "-", nth: int = 1
    ) -> tuple[int, str, str]:
        self.start(args, env, kill_at=kill_at, nth=nth)
        return self.finish()

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
    return Child(launch([list(args)], env, gate=gate, kill_at=kill_at, nth=nth))


def ready(gate: Path, count: int, launcher: subprocess.Popen[str], timeout: float = 180) -> None:
    """Wait until `count` processes wait at `gate`, their imports done (or fail at once if their launcher died)."""
    deadline = time.monotonic() + timeout
    while not all(Path(f"{gate}.{i}.ready").exists() for i in range(count)):
        assert launcher.poll() is None, f"the launcher ended ({launcher.returncode}): {launcher.communicate()}"
        assert time.monotonic() < deadline, f"{count} processes not ready at {gate} within {timeout} s"
        time.sleep(0.01)


def launch(
    commands: Sequence[Sequence[str]], env: dict[str, str], *, gate: Path | None, kill_at: str = "-", nth: int = 1
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(gate or "-"), kill_at, str(nth), json.dumps([list(c) for c in commands])],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def together(commands: Sequence[Sequence[str]], env: dict[str, str], gate: Path) -> list[tuple[int, str, str]]:
    """Every command in a process of its own; once all have imported everything and wait at the gate, it opens for
    all at once."""
    launcher = launch(commands, env, gate=gate)
    ready(gate, len(commands), launcher)
    gate.touch()
    out, err = launcher.communicate(timeout=180)
    assert launcher.returncode == 0, f"the launcher failed ({launcher.returncode}): {out}\n{err}"
    codes = json.loads(out.splitlines()[-1])
    return [
        (code, Path(f"{gate}.{i}.out").read_text(), Path(f"{gate}.{i}.err").read_text()) for i, code in enumerate(codes)
    ]


def received(smtp: SmtpSink) -> Counter[str]:
    """Messages per mailbox, as the SMTP server received them."""
    return Counter(str(message["To"]).lower() for message in smtp.messages)


def mailboxes(tree: str) -> set[str]:
    """Every mailbox a morning sweep of December reaches: all units but the root (the issuing committee is not
    sent its own plan, and its own step falls due later)."""
    return {line.split("to=")[1].split("&")[0] for line in tree.splitlines()[2:]}
