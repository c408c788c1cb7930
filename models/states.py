"""The assignment state machine as data: which state may go to which, and the checks that refuse other moves.
Who may make a move (the unit, the level above, the admin) is the service's business, not this module's."""

from __future__ import annotations

from collections.abc import Mapping

from models.enums import AssignmentStatus
from models.errors import fail

S = AssignmentStatus

# From each state, the states it may go to.
TRANSITIONS: Mapping[AssignmentStatus, frozenset[AssignmentStatus]] = {
    S.PENDING: frozenset({S.IN_PROGRESS, S.SUBMITTED, S.EXEMPT}),
    S.IN_PROGRESS: frozenset({S.SUBMITTED, S.EXEMPT}),
    S.RETURNED: frozenset({S.IN_PROGRESS, S.SUBMITTED, S.EXEMPT}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.RETURNED}),
    S.ACCEPTED: frozenset({S.RETURNED}),
    S.EXEMPT: frozenset({S.PENDING}),  # an exemption withdrawn
}

# The states `status set` (and the API's state change) may ask for; `submitted` is reached by submitting only.
SETTABLE_STATES: tuple[AssignmentStatus, ...] = (S.IN_PROGRESS, S.RETURNED, S.EXEMPT, S.ACCEPTED, S.PENDING)

# Moves into these states must say why.
NEEDS_REASON: frozenset[AssignmentStatus] = frozenset({S.RETURNED, S.EXEMPT})


def may_go(current: str, target: str) -> bool:
    return current in TRANSITIONS and target in TRANSITIONS[S(current)]


def check_settable(state: str, field: str) -> AssignmentStatus:
    """`state` as a state `status set` accepts, or the `unknown_state` error naming `field`."""
    if state not in SETTABLE_STATES:
        names = ", ".join(SETTABLE_STATES)
        raise fail(
            "unknown_state",
            f"trạng thái «{state}» không hợp lệ (có: {names})",
            f"unknown state '{state}' (have: {names})",
            field=field,
        )
    return S(state)


def check_transition(current: str, target: str, field: str) -> AssignmentStatus:
    """`target`, if an assignment in `current` may go there; else `already_closed` (a closed assignment submitted
    again) or `transition` (any other move the machine does not have), naming `field`."""
    if may_go(current, target):
        return S(target)
    if target == S.SUBMITTED:
        raise fail(
            "already_closed",
            f"nhiệm vụ đã ở trạng thái «{current}», không nộp lại được",
            f"the assignment is already '{current}' and cannot be submitted again",
            field=field,
        )
    raise fail(
        "transition",
        f"không chuyển được từ «{current}» sang «{target}»",
        f"cannot go from '{current}' to '{target}'",
        field=field,
    )
