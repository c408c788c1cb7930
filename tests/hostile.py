"""Running the command line as a hostile user would meet it: a separate process, bounded in time and memory.

`run_bounded` is what the hostile-input corpus uses: a file that makes the program hang or eat memory fails the
test (timeout, or the address-space limit turns a runaway allocation into a MemoryError the CLI must report as a
clean failure) instead of taking the whole suite down with it.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CLI = "import sys; from entrypoints.cli import main; sys.argv[0] = 'kiemdiem'; main()"


@dataclass
class Bounded:
    exit_code: int
    stdout: str
    stderr: str

    def __bool__(self) -> bool:
        raise TypeError("assert on .exit_code and output, not on the result object")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_bounded(
    args: Sequence[str | Path],
    env: dict[str, str],
    *,
    timeout: float = 60,
    memory_mb: int = 1536,
) -> Bounded:
    """`kiemdiem ARGS` in its own process with at most `memory_mb` of address space; raises
    subprocess.TimeoutExpired (a failed test) when it runs longer than `timeout` seconds."""

    def limit() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    done = subprocess.run(
        [sys.executable, "-c", _CLI, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=timeout,
        preexec_fn=limit,
        stdin=subprocess.DEVNULL,
    )
    return Bounded(done.returncode, done.stdout, done.stderr)


def assert_refused(ran: Bounded, *names: str) -> None:
    """Refused as bad input: exit 2, no trace, and the message names each of `names` (row, field, rule…)."""
    assert ran.exit_code == 2, f"exit {ran.exit_code}\n{ran.output}"
    assert "Traceback" not in ran.output, ran.output
    for name in names:
        assert name in ran.stderr, f"{name!r} not named in:\n{ran.stderr}"
