"""The assignment state machine (models.states): the moves it has, the states `status set` accepts, and the two
refusals people see (`transition`, `already_closed`), worded as before."""

from __future__ import annotations

import pytest

from models.enums import CLOSED_STATUSES, OPEN_STATUSES, AssignmentStatus
from models.errors import InputError
from models.states import NEEDS_REASON, SETTABLE_STATES, TRANSITIONS, check_settable, check_transition, may_go

S = AssignmentStatus

# (from, to) for every move, written out once more so that a change to the machine is a change to this test too.
MOVES = {
    (S.PENDING, S.IN_PROGRESS),
    (S.PENDING, S.SUBMITTED),
    (S.PENDING, S.EXEMPT),
    (S.IN_PROGRESS, S.SUBMITTED),
    (S.IN_PROGRESS, S.EXEMPT),
    (S.RETURNED, S.IN_PROGRESS),
    (S.RETURNED, S.SUBMITTED),
    (S.RETURNED, S.EXEMPT),
    (S.SUBMITTED, S.ACCEPTED),
    (S.SUBMITTED, S.RETURNED),
    (S.ACCEPTED, S.RETURNED),
    (S.EXEMPT, S.PENDING),
}


def test_the_machine_has_exactly_these_moves() -> None:
    assert set(TRANSITIONS) == set(S)
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == MOVES
    assert all(may_go(a, b) == ((a, b) in MOVES) for a in S for b in S)


def test_a_unit_submits_from_every_open_state_and_from_no_closed_one() -> None:
    assert {s for s in S if may_go(s, S.SUBMITTED)} == set(OPEN_STATUSES)
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(S)
    assert not set(OPEN_STATUSES) & set(CLOSED_STATUSES)


def test_settable_states_are_every_target_but_submitted_in_the_order_people_see() -> None:
    assert SETTABLE_STATES == ("in_progress", "returned", "exempt", "accepted", "pending")
    assert set(SETTABLE_STATES) == {b for _, b in MOVES} - {S.SUBMITTED}
    assert set(SETTABLE_STATES) >= NEEDS_REASON


@pytest.mark.parametrize(("current", "target"), sorted(MOVES))
def test_an_allowed_move_returns_its_target(current: str, target: str) -> None:
    assert check_transition(current, target, field="--state") is S(target)


def test_a_move_the_machine_does_not_have_is_refused_as_before() -> None:
    with pytest.raises(InputError) as refused:
        check_transition("pending", "accepted", field="--state")
    (problem,) = refused.value.problems
    assert (problem.rule, problem.field) == ("transition", "--state")
    assert problem.vi == "không chuyển được từ «pending» sang «accepted»"
    assert problem.en == "cannot go from 'pending' to 'accepted'"


@pytest.mark.parametrize("closed", CLOSED_STATUSES)
def test_submitting_a_closed_assignment_is_already_closed(closed: AssignmentStatus) -> None:
    with pytest.raises(InputError) as refused:
        check_transition(closed.value, S.SUBMITTED, field="--state")
    (problem,) = refused.value.problems
    assert (problem.rule, problem.field) == ("already_closed", "--state")
    assert problem.vi == f"nhiệm vụ đã ở trạng thái «{closed.value}», không nộp lại được"
    assert problem.en == f"the assignment is already '{closed.value}' and cannot be submitted again"


@pytest.mark.parametrize("state", ["submitted", "done", ""])
def test_status_set_refuses_a_state_it_does_not_set(state: str) -> None:
    with pytest.raises(InputError) as refused:
        check_settable(state, field="state")
    (problem,) = refused.value.problems
    assert (problem.rule, problem.field) == ("unknown_state", "state")
    assert "in_progress, returned, exempt, accepted, pending" in problem.en


def test_the_field_is_named_by_the_caller() -> None:
    with pytest.raises(InputError) as refused:
        check_transition("exempt", "accepted", field="/state")
    assert refused.value.problems[0].field == "/state"
