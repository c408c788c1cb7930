"""What the harness's warm processes (harness.CHILD, harness.ZYGOTE) share: the kill point, installed as the
product's fault hook before anything else is imported, and a child forked from the warm process to run one thing."""

from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any

from service import faults


class KillPoint:
    """SIGKILL this process the `nth` time the product reaches `point` (service.faults); "-" is no point."""

    def __init__(self) -> None:
        self.point, self.nth, self.reached = "-", 1, 0

    def set(self, point: str, nth: int) -> None:
        self.point, self.nth, self.reached = point, nth, 0

    def __call__(self, name: str) -> None:
        if name == self.point:
            self.reached += 1
            if self.reached == self.nth:
                os.kill(os.getpid(), signal.SIGKILL)


KILL = KillPoint()
faults.install(KILL)


def warm_cli() -> Callable[[], Any]:
    """Everything a sweep or a submission imports, imported now (~1 s of CPU a fresh process would pay); the CLI."""
    for name in ("apprise", "service.campaigns", "service.status", "service.sweeps"):
        importlib.import_module(name)
    from entrypoints.cli import main

    return main


def fork(child: Callable[[], None]) -> int:
    """`child()` in a forked process that exits with its status (SystemExit's code, 1 on an error, printed to its
    stderr); the parent gets the child's pid."""
    sys.stdout.flush(), sys.stderr.flush()
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        child()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(code)
