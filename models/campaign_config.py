"""The campaign config (SPEC §7): its schema, and the checks that turn a YAML mapping into a campaign to launch."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pendulum
from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.errors import InputError, Problem
from models.validation_messages import validated

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class ReminderPolicy(BaseModel):
    """When notices go out. Defaults are the built-in rule set (SPEC §3, §5)."""

    model_config = ConfigDict(extra="ignore")

    before_days: list[int] = Field(default_factory=lambda: [7, 3, 1])
    send_at: dt.time = dt.time(7, 30)
    quiet_hours: tuple[dt.time, dt.time] = (dt.time(21, 0), dt.time(7, 0))
    overdue_days: list[int] = Field(default_factory=lambda: [1, 3, 7])
    escalate_after_days: int = Field(default=2, ge=0)
    skip_non_working_days: bool = False
    # A point found more than this many hours after it was due was missed (downtime): one catch-up replaces them.
    catch_up_after_hours: int = Field(default=12, ge=1)

    @field_validator("before_days", "overdue_days")
    @classmethod
    def _positive_and_sorted(cls, days: list[int]) -> list[int]:
        if any(d <= 0 for d in days):
            raise ValueError("every number of days must be greater than 0")
        return sorted(set(days))


class DeliveryPolicy(BaseModel):
    """Retries of a channel that refuses: exponential back-off from `backoff_minutes`, capped; after
    `max_attempts` the notice is failed and the admin contacts are told, once."""

    model_config = ConfigDict(extra="ignore")

    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_minutes: int = Field(default=5, ge=1)
    backoff_cap_minutes: int = Field(default=360, ge=1)

    def next_attempt_after(self, attempts: int) -> int:
        """Minutes to wait after the `attempts`-th failed try."""
        return int(min(self.backoff_cap_minutes, self.backoff_minutes * 2 ** max(0, attempts - 1)))


class WorkingGroup(BaseModel):
    """A working group (tổ công tác) that watches the subtrees under `units` and receives their escalations."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(pattern=KEY_PATTERN)
    title: str | None = None
    units: list[str] = Field(min_length=1)
    contacts: list[str] = Field(default_factory=list)


class MilestoneConfig(BaseModel):
    """A step with a deadline (mốc) for some levels. `levels` missing means every level of the subtree."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=KEY_PATTERN)
    title: str | None = None
    levels: list[str] | None = None
    # subtree: every unit of the subtree (filtered by levels); root: the issuing unit; below_root: all but it.
    scope: Literal["subtree", "root", "below_root"] = "subtree"
    deadline: dt.date
    after_children: str | None = None
    # The plan-issued step is done by the launch itself.
    complete_at_launch: bool = False


class CampaignConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = Field(pattern=KEY_PATTERN)
    title: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    plan_number: str = Field(min_length=1)
    root: str = Field(min_length=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    launch: dt.date
    milestones: list[MilestoneConfig]
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    working_groups: list[WorkingGroup] = Field(default_factory=list)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    # Who hears about notices that could not be delivered (the organizing board, ban tổ chức): Apprise URLs.
    admin_contacts: list[str] = Field(default_factory=list)
    # Which contact tags receive which notice kinds, e.g. {escalation: [secretary]}; a kind not listed goes to
    # every contact, and untagged contacts receive everything.
    routing: dict[str, list[str]] = Field(default_factory=dict)

    def milestone(self, key: str) -> MilestoneConfig:
        return next(m for m in self.milestones if m.key == key)

    def due_before(self, deadline: dt.date) -> pendulum.DateTime:
        """The first late instant for a deadline: local midnight after the deadline day, in UTC."""
        local = pendulum.datetime(deadline.year, deadline.month, deadline.day, tz=self.timezone)
        return local.add(days=1).in_timezone("UTC")


def parse_campaign_config(raw: Any, levels: tuple[str, ...]) -> CampaignConfig:
    """Validate a campaign config; raise one InputError naming every field that is wrong."""
    if not isinstance(raw, dict):
        raise InputError(
            [
                Problem(
                    rule="not_a_mapping",
                    vi="cấu hình đợt phải là một bảng khóa: giá trị (YAML)",
                    en="the campaign config must be a YAML mapping of fields",
                )
            ]
        )
    config = validated(CampaignConfig, raw)
    problems = _check_rules(config, levels)
    if problems:
        raise InputError(problems)
    return config


def _check_rules(config: CampaignConfig, levels: tuple[str, ...]) -> list[Problem]:
    problems: list[Problem] = []
    try:
        pendulum.timezone(config.timezone)
    except Exception:
        problems.append(
            Problem(
                rule="unknown_timezone",
                field="timezone",
                vi=f"múi giờ «{config.timezone}» không tồn tại (ví dụ: Asia/Ho_Chi_Minh)",
                en=f"unknown timezone '{config.timezone}' (e.g. Asia/Ho_Chi_Minh)",
            )
        )
    if not config.milestones:
        problems.append(
            Problem(
                rule="no_milestones",
                field="milestones",
                vi="đợt phải có ít nhất một mốc thời hạn",
                en="a campaign needs at least one milestone",
            )
        )
    seen: dict[str, int] = {}
    for index, milestone in enumerate(config.milestones):
        where = f"milestones[{index}]"
        if milestone.key in seen:
            problems.append(
                Problem(
                    rule="duplicate_milestone",
                    field=f"{where}.key",
                    vi=f"mốc «{milestone.key}» bị lặp (đã có ở milestones[{seen[milestone.key]}])",
                    en=f"milestone '{milestone.key}' repeats milestones[{seen[milestone.key]}]",
                )
            )
        seen.setdefault(milestone.key, index)
        for level in milestone.levels or []:
            if level not in levels:
                problems.append(
                    Problem(
                        rule="unknown_level",
                        field=f"{where}.levels",
                        vi=f"cấp «{level}» không thuộc các cấp đã cấu hình ({', '.join(levels)})",
                        en=f"level '{level}' is not a configured level ({', '.join(levels)})",
                    )
                )
        if milestone.deadline < config.launch:
            problems.append(
                Problem(
                    rule="deadline_before_launch",
                    field=f"{where}.deadline",
                    vi=f"hạn {milestone.deadline:%d/%m/%Y} của mốc «{milestone.key}» trước ngày "
                    f"triển khai {config.launch:%d/%m/%Y}",
                    en=f"deadline {milestone.deadline} of '{milestone.key}' is before the launch date {config.launch}",
                )
            )
        problems.extend(_check_dependency(config, milestone, where))
    return problems


def _check_dependency(config: CampaignConfig, milestone: MilestoneConfig, where: str) -> list[Problem]:
    needed = milestone.after_children
    if needed is None:
        return []
    keys = [m.key for m in config.milestones]
    if needed == milestone.key or needed not in keys:
        return [
            Problem(
                rule="unknown_milestone",
                field=f"{where}.after_children",
                vi=f"after_children phải là khóa của một mốc khác (có: {', '.join(keys)}), không phải «{needed}»",
                en=f"after_children must name another milestone ({', '.join(keys)}), not '{needed}'",
            )
        ]
    child = config.milestone(needed)
    if milestone.deadline < child.deadline:
        return [
            Problem(
                rule="deadline_order",
                field=f"{where}.deadline",
                vi=f"cấp dưới trước, cấp trên sau: hạn của «{milestone.key}» ({milestone.deadline:%d/%m/%Y}) "
                f"sớm hơn hạn của cấp dưới «{child.key}» ({child.deadline:%d/%m/%Y})",
                en=f"lower levels first: '{milestone.key}' is due {milestone.deadline}, before its "
                f"children's '{child.key}' ({child.deadline})",
            )
        ]
    return []
