"""Named points inside the long operations (launch, sweep, delivery, submit) where a crash matters.

Production code only names the point: `faults.reach("delivery.after-send")` does nothing unless a hook is
installed. The crash tests run the command line in a child process that installs a hook (SIGKILL at one point),
then check that nothing was lost or sent twice. No environment variable and no exit lives in the product.
"""

from __future__ import annotations

from collections.abc import Callable

POINTS = (
    "launch.before-commit",
    "sweep.after-batch",
    "delivery.before-send",
    "delivery.after-send",
    "submit.before-commit",
)

_hooks: list[Callable[[str], None]] = []


def reach(point: str) -> None:
    """Tell the installed hooks that this point is reached (a no-op in production)."""
    for hook in _hooks:
        hook(point)


def install(hook: Callable[[str], None]) -> None:
    _hooks.append(hook)
