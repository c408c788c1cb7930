"""Units at risk of missing a deadline (issue 16): from N days before each deadline, every open assignment gets a
level, high, medium or low, and its reasons, each a fact a person can check in the database. One line per rule:

- high: late (or never done) in the previous campaign, and no activity yet or a returned report not corrected;
- medium: two reasons, late and escalated last year counting as one (an escalation is how late it was);
- low: one reason; none: not listed.

The back-test (benchmarks/bench_forecast.py, README "Forecasting") found medium no better than the naive rule "late
last year" while the escalation counted as a second reason: nearly every unit late last year was escalated too.

Pure: the facts of one assignment in, its reasons and level out (service.risk reads the facts)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

DEFAULT_FROM_DAYS = 7


class RiskLevel(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


LEVEL_ORDER = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}
LEVEL_VI = {RiskLevel.HIGH: "cao", RiskLevel.MEDIUM: "trung bình", RiskLevel.LOW: "thấp"}


class ReasonKind(enum.StrEnum):
    LATE_LAST_YEAR = "late_last_year"
    ESCALATED_LAST_YEAR = "escalated_last_year"
    NO_ACTIVITY = "no_activity"
    NO_CONTACT = "no_contact"
    NOTICES_FAILING = "notices_failing"
    CHILDREN_OPEN = "children_open"
    RETURNED = "returned"


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    vi: str
    en: str


@dataclass(frozen=True)
class LastTime:
    """The unit's assignment of the same milestone in the previous campaign: how late it was (None: never done)
    and how many days overdue it was when escalated (None: never escalated)."""

    campaign: str
    late_days: int | None
    done: bool
    escalated_days: int | None = None

    @property
    def late(self) -> bool:
        return not self.done or (self.late_days or 0) > 0


@dataclass(frozen=True)
class Facts:
    """What the database says about one open assignment."""

    unit: str
    name: str
    parent: str | None
    milestone: str
    deadline: dt.date
    status: str
    started: bool  # marked in progress at some point (a meeting date comes with it)
    contacts: int
    failing_notices: int
    children_open: int = 0
    children: int = 0
    children_milestone: str = ""
    last_time: LastTime | None = None


@dataclass(frozen=True)
class AtRisk:
    facts: Facts
    level: RiskLevel
    reasons: list[Reason] = field(default_factory=list)

    def as_dict(self, today: dt.date) -> dict[str, object]:
        f = self.facts
        return {
            "unit": f.unit,
            "name": f.name,
            "parent": f.parent,
            "milestone": f.milestone,
            "deadline": f.deadline.isoformat(),
            "days_left": (f.deadline - today).days,
            "status": f.status,
            "level": self.level.value,
            "reasons": [{"kind": r.kind.value, "vi": r.vi, "en": r.en} for r in self.reasons],
        }


def due_soon(deadline: dt.date, today: dt.date, from_days: int) -> bool:
    """Watched from `from_days` before the deadline, and after it while still open."""
    return (deadline - today).days <= from_days


def reasons(facts: Facts) -> list[Reason]:
    found = []
    last = facts.last_time
    if last is not None and last.late:
        if last.done:
            vi, en = (
                f"nộp chậm {last.late_days} ngày ở đợt {last.campaign}",
                f"{last.late_days} days late in {last.campaign}",
            )
        else:
            vi, en = f"không hoàn thành ở đợt {last.campaign}", f"never done in {last.campaign}"
        found.append(Reason(ReasonKind.LATE_LAST_YEAR, vi, en))
    if last is not None and last.escalated_days is not None:
        found.append(
            Reason(
                ReasonKind.ESCALATED_LAST_YEAR,
                f"bị báo cáo cấp trên ở đợt {last.campaign} (quá hạn {last.escalated_days} ngày)",
                f"escalated in {last.campaign} ({last.escalated_days} days overdue)",
            )
        )
    if facts.status == "pending" and not facts.started:
        found.append(
            Reason(
                ReasonKind.NO_ACTIVITY,
                "chưa có hoạt động: chưa báo đang thực hiện, chưa có ngày hội nghị kiểm điểm",
                "no activity yet: never marked in progress, no meeting date",
            )
        )
    if facts.contacts == 0:
        found.append(Reason(ReasonKind.NO_CONTACT, "không có địa chỉ liên hệ nhận thông báo", "no contact to reach"))
    if facts.failing_notices:
        found.append(
            Reason(
                ReasonKind.NOTICES_FAILING,
                f"{facts.failing_notices} thông báo không gửi được hoặc có thể chưa đến",
                f"{facts.failing_notices} notices failed or uncertain",
            )
        )
    if facts.children and facts.children_open * 2 > facts.children:
        found.append(
            Reason(
                ReasonKind.CHILDREN_OPEN,
                f"{facts.children_open}/{facts.children} đơn vị trực thuộc chưa hoàn thành {facts.children_milestone}",
                f"{facts.children_open} of {facts.children} children not done with {facts.children_milestone}",
            )
        )
    if facts.status == "returned":
        found.append(
            Reason(ReasonKind.RETURNED, "báo cáo bị trả lại, chưa hoàn thiện", "report returned, not yet corrected")
        )
    return found


def level(found: list[Reason]) -> RiskLevel | None:
    kinds = {r.kind for r in found}
    if ReasonKind.LATE_LAST_YEAR in kinds and kinds & {ReasonKind.NO_ACTIVITY, ReasonKind.RETURNED}:
        return RiskLevel.HIGH
    if len(kinds - {ReasonKind.ESCALATED_LAST_YEAR} if ReasonKind.LATE_LAST_YEAR in kinds else kinds) >= 2:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW if kinds else None


def assess(facts: Facts) -> AtRisk | None:
    found = reasons(facts)
    graded = level(found)
    return AtRisk(facts, graded, found) if graded is not None else None


def longest_odds_first(units: list[AtRisk]) -> list[AtRisk]:
    """High first, then by deadline (the nearest first), then the most reasons, then the code."""
    return sorted(
        units, key=lambda a: (LEVEL_ORDER[a.level], a.facts.deadline, -len(a.reasons), a.facts.unit, a.facts.milestone)
    )
