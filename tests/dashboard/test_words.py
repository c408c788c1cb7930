"""Every notice kind and every assignment state has its Vietnamese and English words on the dashboard."""

from entrypoints.dashboard.words import NOTICE_KINDS, STATES
from models.enums import AssignmentStatus, NoticeKind


def test_every_notice_kind_and_state_has_words() -> None:
    assert sorted({k.value for k in NoticeKind} - set(NOTICE_KINDS)) == []
    assert sorted({s.value for s in AssignmentStatus} - set(STATES)) == []
    assert all(vi and en and vi != en for vi, en in NOTICE_KINDS.values())
