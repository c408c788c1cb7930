"""A unit's report (báo cáo kết quả): the schema, and the checks of SPEC §5 with the numbers in every message.

```yaml
subjects:                 # organization, member, leadership_collective, leader (any of them)
  member:
    total: 9899           # all members of the unit
    evaluated: 8467       # rated = excellent + good + completed + not_completed
    excellent: 1200
    good: 6500
    completed: 700
    not_completed: 67
    not_evaluated: {exempt: 1000, suspended: 12, new: 300, other: 120}   # evaluated + these = total
    probationary: 310     # of the total, probationary members (đảng viên dự bị); the rest are full members
self_rating: good         # the unit's own rating of itself as an organization (tự đánh giá), for the level above
member_total_reason: "…"  # why the member total differs from the tree's member count (else it is refused)
quota_override:           # the deciding level allows up to 25% excellent of good for an outstanding unit
  reason: "Đơn vị tiêu biểu xuất sắc"
```

Whose report covers what: a unit's report covers its whole subtree (a grassroots organization reports all its
members; its branches' reports are inputs to it), so roll-ups count the topmost report of each branch of the tree.
A report proposes; the quota (excellent ≤ 20% of good) is a rule on decisions: it is checked on the reports of the
units that decide their members' ratings (not on PROPOSING_LEVELS) and, for organizations, on the level above's
decision across its group (models.decisions), never on one organization's self-rating.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from models.errors import InputError, Problem
from models.validation_messages import validated

Subject = Literal["organization", "member", "leadership_collective", "leader"]
Rating = Literal["excellent", "good", "completed", "not_completed"]
RATINGS: tuple[Rating, ...] = ("excellent", "good", "completed", "not_completed")
RATING_VI = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "completed": "Hoàn thành nhiệm vụ",
    "not_completed": "Không hoàn thành nhiệm vụ",
}
# Levels whose reports only propose their members' ratings: the grassroots committee above decides them.
PROPOSING_LEVELS = ("branch",)
SUBJECT_VI = {
    "organization": "tổ chức đảng",
    "member": "đảng viên",
    "leadership_collective": "tập thể lãnh đạo, quản lý",
    "leader": "cá nhân cán bộ lãnh đạo, quản lý",
}
QUOTA, QUOTA_OVERRIDE = 0.20, 0.25
MAX_COUNT = 10_000_000  # the whole country has ~5.6 million members
MAX_TEXT = 2_000  # characters of a reason


def plain_text_ok(text: str) -> bool:
    """No control characters but tab and line breaks (a NUL cannot even be stored on PostgreSQL), and no lone
    surrogate (from a JSON "\\ud800": it cannot be written as UTF-8)."""
    return not any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in text)


def _plain_text(text: str) -> str:
    if not plain_text_ok(text):
        raise PydanticCustomError("control_character", "Text should not hold control characters or lone surrogates")
    return text


# A count: a whole number from 0 to MAX_COUNT; strict, so `true` is not 1 and 2.5 is not 2 (a JSON or YAML 3 is).
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
# Free text people type (reasons): bounded, and without control characters.
FreeText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_plain_text)]


# Not reasons to exclude (Quy định 366-QĐ/TW): members on sick leave (3 months or more) or on maternity leave are
# rated on the work they actually did. A report that counts them among those not rated is refused with its own rule.
NOT_A_REASON = {"sick_leave": ("nghỉ ốm", "sick leave"), "maternity_leave": ("nghỉ thai sản", "maternity leave")}
NOT_A_REASON_RULE = "not_a_reason_to_exclude"


def not_a_reason(name: str) -> tuple[str, str]:
    """What to tell people who counted those on `name` (sick_leave, maternity_leave) as not rated."""
    vi_name, en_name = NOT_A_REASON[name]
    return (
        f"{name} ({vi_name}) không phải lý do để không đánh giá, xếp loại (Quy định 366-QĐ/TW): đảng viên {vi_name} "
        "vẫn được đánh giá, xếp loại theo công việc thực tế đã làm; tính họ vào số được đánh giá. Lý do không đánh "
        "giá chỉ gồm: exempt (miễn công tác và sinh hoạt đảng), suspended (đình chỉ sinh hoạt đảng), new (kết nạp "
        "dưới 6 tháng), other",
        f"{name} ({en_name}) is not a reason to exclude a member from the rating (Quy định 366-QĐ/TW): members on "
        f"{en_name} are rated on the work they actually did; count them as evaluated. The reasons not to rate are "
        "exempt, suspended, new (admitted less than 6 months before the campaign's reference date) and other",
    )


# "new": admitted less than 6 months before the campaign's reference date (rules.new_member_reference_date of the
# config). Sick and maternity leave are not reasons (NOT_A_REASON). (The docstring is the API schema's description.)
class NotEvaluated(BaseModel):
    """Why some were not rated: exempt from party work, suspended, admitted less than 6 months ago, other."""

    model_config = ConfigDict(extra="forbid")

    exempt: Count = 0
    suspended: Count = 0
    new: Count = 0
    other: Count = 0

    @model_validator(mode="before")
    @classmethod
    def _not_a_reason(cls, data: Any) -> Any:
        """`sick_leave` or `maternity_leave` here is refused under its own rule, not as an unknown field."""
        if not isinstance(data, dict):
            return data
        named = [name for name in NOT_A_REASON if name in data]
        if named:
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    InitErrorDetails(
                        type=PydanticCustomError(NOT_A_REASON_RULE, not_a_reason(name)[1]),
                        loc=(name,),
                        input=data[name],
                    )
                    for name in named
                ],
            )
        return data

    def total(self) -> int:
        return self.exempt + self.suspended + self.new + self.other


class SubjectCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total: Count
    evaluated: Count
    excellent: Count = 0
    good: Count = 0
    completed: Count = 0
    not_completed: Count = 0
    not_evaluated: NotEvaluated = Field(default_factory=NotEvaluated)
    probationary: Count = 0


class QuotaOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[FreeText, Field(min_length=3)]


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: dict[Subject, SubjectCounts] = Field(min_length=1)
    self_rating: Rating | None = None
    member_total_reason: Annotated[FreeText, Field(min_length=3)] | None = None
    quota_override: QuotaOverride | None = None

    def own_rating(self) -> str | None:
        """The unit's rating of itself: `self_rating`, or an organization line that rates one organization."""
        if self.self_rating is not None:
            return self.self_rating
        line = self.subjects.get("organization")
        if line is not None and line.total == 1 and line.evaluated == 1:
            return next(r for r in RATINGS if getattr(line, r) == 1)
        return None


def parse_report(raw: Any) -> ReportIn:
    """Validate a report; raise one InputError naming every field and number that is wrong. The rules that depend
    on who reports (the quota, the tree's member count) are in `check_for_unit`."""
    try:
        report = validated(ReportIn, raw)
    except InputError as error:
        raise InputError([_in_words(p) for p in error.problems]) from None
    problems = [p for subject, counts in report.subjects.items() for p in _check(subject, counts)]
    if problems:
        raise InputError(problems)
    return report


def _in_words(problem: Problem) -> Problem:
    """A sick or maternity leave counted as not rated, told in Vietnamese and English with the field named."""
    name = (problem.field or "").rsplit(".", 1)[-1]
    if problem.rule != NOT_A_REASON_RULE or name not in NOT_A_REASON:
        return problem
    vi, en = not_a_reason(name)
    return Problem(rule=problem.rule, field=problem.field, row=problem.row, vi=vi, en=en)


def check_for_unit(report: ReportIn, level: str, tree_members: int) -> None:
    """The checks that depend on who reports: the quota where the unit decides its members' ratings (an
    organization's line is its self-rating: its quota is checked on the level above's decision), and the member
    total against the tree's count for the unit's subtree."""
    problems = [
        p
        for subject, counts in report.subjects.items()
        if subject != "organization" and level not in PROPOSING_LEVELS
        for p in [_quota(subject, counts, report)]
        if p is not None
    ]
    mismatch = _member_total(report, tree_members)
    if mismatch is not None:
        problems.append(mismatch)
    if problems:
        raise InputError(problems)


def _member_total(report: ReportIn, tree_members: int) -> Problem | None:
    line = report.subjects.get("member")
    if line is None or line.total == tree_members or report.member_total_reason:
        return None
    return Problem(
        rule="member_total_mismatch",
        field="subjects.member.total",
        vi=f"đảng viên: tổng số {line.total} khác số đảng viên của đơn vị trong danh sách tổ chức "
        f"({tree_members}); sửa lại, hoặc ghi lý do (member_total_reason) để cấp trên xem xét",
        en=f"member: the total {line.total} differs from the unit's member count in the tree "
        f"({tree_members}); correct it, or give the reason (member_total_reason) for the level above",
    )


def _check(subject: str, c: SubjectCounts) -> list[Problem]:
    where, vi_name = f"subjects.{subject}", SUBJECT_VI[subject]
    problems = []
    rated = c.excellent + c.good + c.completed + c.not_completed
    if rated != c.evaluated:
        problems.append(
            Problem(
                rule="levels_sum",
                field=f"{where}.evaluated",
                vi=f"{vi_name}: xuất sắc {c.excellent} + tốt {c.good} + hoàn thành {c.completed} + không hoàn thành "
                f"{c.not_completed} = {rated}, khác số được đánh giá {c.evaluated}",
                en=f"{subject}: excellent {c.excellent} + good {c.good} + completed {c.completed} + not completed "
                f"{c.not_completed} = {rated}, not the {c.evaluated} evaluated",
            )
        )
    if c.evaluated > c.total:
        problems.append(
            Problem(
                rule="evaluated_over_total",
                field=f"{where}.evaluated",
                vi=f"{vi_name}: số được đánh giá {c.evaluated} lớn hơn tổng số {c.total}",
                en=f"{subject}: {c.evaluated} evaluated is more than the total {c.total}",
            )
        )
    elif c.evaluated + c.not_evaluated.total() != c.total:
        problems.append(
            Problem(
                rule="total_sum",
                field=f"{where}.not_evaluated",
                vi=f"{vi_name}: được đánh giá {c.evaluated} + không đánh giá {c.not_evaluated.total()} = "
                f"{c.evaluated + c.not_evaluated.total()}, khác tổng số {c.total}",
                en=f"{subject}: {c.evaluated} evaluated + {c.not_evaluated.total()} not evaluated = "
                f"{c.evaluated + c.not_evaluated.total()}, not the total {c.total}",
            )
        )
    if c.probationary > c.total:
        problems.append(
            Problem(
                rule="probationary_over_total",
                field=f"{where}.probationary",
                vi=f"{vi_name}: số dự bị {c.probationary} lớn hơn tổng số {c.total}",
                en=f"{subject}: {c.probationary} probationary is more than the total {c.total}",
            )
        )
    return problems


def _quota(subject: str, c: SubjectCounts, report: ReportIn) -> Problem | None:
    """Excellent at most 20% of good (25% with the deciding level's override), in whole numbers: no float, no "inf%"."""
    percent = round(100 * (QUOTA_OVERRIDE if report.quota_override else QUOTA))
    if c.excellent * 100 <= percent * c.good:
        return None
    allowed, vi_name = percent * c.good // 100, SUBJECT_VI[subject]
    if c.good:
        share = 100 * c.excellent / c.good
        vi_share = f"là {share:.1f}% của {c.good} tốt"
        en_share = f"is {share:.1f}% of {c.good} good"
    else:
        vi_share, en_share = "trong khi không ai được xếp loại tốt", "while none is rated good"
    hint_vi = "" if report.quota_override else "; cấp quyết định có thể cho tới 25% với đơn vị tiêu biểu"
    hint_en = "" if report.quota_override else "; the deciding level may allow up to 25% for an outstanding unit"
    how_vi = "" if report.quota_override else " (quota_override: {reason: …}, do cấp trên hoặc ban tổ chức ghi)"
    how_en = "" if report.quota_override else " (quota_override: {reason: …}, given by the level above or the board)"
    over_vi, over_en = f"vượt mức {percent}% (tối đa {allowed})", f"over the {percent}% quota (at most {allowed})"
    return Problem(
        rule="excellent_quota",
        field=f"subjects.{subject}.excellent",
        vi=f"{vi_name}: {c.excellent} xuất sắc {vi_share}, {over_vi}{hint_vi}{how_vi}",
        en=f"{subject}: {c.excellent} excellent {en_share}, {over_en}{hint_en}{how_en}",
    )
