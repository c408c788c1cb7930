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
quota_override:           # the deciding level allows up to 25% excellent of good for an outstanding unit
  reason: "Đơn vị tiêu biểu xuất sắc"
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from models.errors import InputError, Problem
from models.validation_messages import validated

Subject = Literal["organization", "member", "leadership_collective", "leader"]
SUBJECT_VI = {
    "organization": "tổ chức đảng",
    "member": "đảng viên",
    "leadership_collective": "tập thể lãnh đạo, quản lý",
    "leader": "cá nhân cán bộ lãnh đạo, quản lý",
}
QUOTA, QUOTA_OVERRIDE = 0.20, 0.25


class NotEvaluated(BaseModel):
    """Why some were not rated: exempt from party work, suspended, admitted less than 6 months ago, other."""

    model_config = ConfigDict(extra="forbid")

    exempt: int = Field(default=0, ge=0)
    suspended: int = Field(default=0, ge=0)
    new: int = Field(default=0, ge=0)
    other: int = Field(default=0, ge=0)

    def total(self) -> int:
        return self.exempt + self.suspended + self.new + self.other


class SubjectCounts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total: int = Field(ge=0)
    evaluated: int = Field(ge=0)
    excellent: int = Field(default=0, ge=0)
    good: int = Field(default=0, ge=0)
    completed: int = Field(default=0, ge=0)
    not_completed: int = Field(default=0, ge=0)
    not_evaluated: NotEvaluated = Field(default_factory=NotEvaluated)


class QuotaOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3)


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subjects: dict[Subject, SubjectCounts] = Field(min_length=1)
    quota_override: QuotaOverride | None = None


def parse_report(raw: Any) -> ReportIn:
    """Validate a report; raise one InputError naming every field and number that is wrong."""
    report = validated(ReportIn, raw)
    problems = [p for subject, counts in report.subjects.items() for p in _check(subject, counts, report)]
    if problems:
        raise InputError(problems)
    return report


def _check(subject: str, c: SubjectCounts, report: ReportIn) -> list[Problem]:
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
    cap = QUOTA_OVERRIDE if report.quota_override else QUOTA
    if c.excellent > cap * c.good:
        share = 100.0 * c.excellent / c.good if c.good else float("inf")
        allowed = int(cap * c.good)
        problems.append(
            Problem(
                rule="excellent_quota",
                field=f"{where}.excellent",
                vi=f"{vi_name}: {c.excellent} xuất sắc là {share:.1f}% của {c.good} tốt, vượt mức {cap:.0%} "
                f"(tối đa {allowed})"
                + (
                    ""
                    if report.quota_override
                    else "; cấp quyết định có thể cho tới 25% với đơn vị tiêu biểu (quota_override: {reason: …})"
                ),
                en=f"{subject}: {c.excellent} excellent is {share:.1f}% of {c.good} good, over the {cap:.0%} quota "
                f"(at most {allowed})"
                + (
                    ""
                    if report.quota_override
                    else "; the deciding level may allow up to 25% "
                    "for an outstanding unit (quota_override: {reason: …})"
                ),
            )
        )
    return problems
