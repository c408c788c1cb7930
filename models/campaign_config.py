"""The campaign config (SPEC §7): its schema, and the one way in that turns a YAML mapping into a campaign to
launch (the checks beyond the schema are in models.campaign_rules; contacts in models.campaign_contacts).

Every key is checked (a misspelling is refused, with the nearest valid name); every number and list is bounded;
contact URLs are checked by Apprise's own parser and never quoted back, since they carry passwords and tokens."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import pendulum
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
)
from pydantic_core import PydanticCustomError

from models.campaign_contacts import UrlCheck, apprise_accepts
from models.campaign_rules import MAX_DAYS, NOTICE_KINDS, check_rules, shape_problems
from models.errors import InputError, Problem, capped
from models.track_rules import check_tracks
from models.validation_messages import validated

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Days = Annotated[StrictInt, Field(ge=1, le=MAX_DAYS)]
Name = Annotated[str, Field(min_length=1, max_length=64)]
Tag = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
Contact = Annotated[str, Field(min_length=1, max_length=2000)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


def _time_as_text(value: Any) -> Any:
    if isinstance(value, dt.time | str):
        return value
    raise PydanticCustomError(
        "time_not_text",
        'a time of day is written in quotes, e.g. "21:00" (YAML reads 21:00 without quotes as a number)',
    )


def _without_offset(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise PydanticCustomError("time_with_offset", "a local time of day, without an offset (the campaign's zone)")
    return value


LocalTime = Annotated[dt.time, BeforeValidator(_time_as_text), AfterValidator(_without_offset)]


class ReminderPolicy(BaseModel):
    """When notices go out. Defaults are the built-in rule set (SPEC §3, §5)."""

    model_config = ConfigDict(extra="forbid")

    before_days: list[Days] = Field(default_factory=lambda: [7, 3, 1], max_length=MAX_DAYS)
    send_at: LocalTime = dt.time(7, 30)
    quiet_hours: tuple[LocalTime, LocalTime] = (dt.time(21, 0), dt.time(7, 0))
    overdue_days: list[Days] = Field(default_factory=lambda: [1, 3, 7], max_length=MAX_DAYS)
    escalate_after_days: StrictInt = Field(default=2, ge=0, le=MAX_DAYS)
    skip_non_working_days: StrictBool = False
    # A point found more than this many hours after it was due was missed (downtime): one catch-up replaces them.
    catch_up_after_hours: StrictInt = Field(default=12, ge=1, le=24 * MAX_DAYS)

    @field_validator("before_days", "overdue_days")
    @classmethod
    def _sorted(cls, days: list[int]) -> list[int]:
        return sorted(set(days))


class DeliveryPolicy(BaseModel):
    """Retries of a channel that refuses: exponential back-off from `backoff_minutes`, capped; after
    `max_attempts` the notice is failed and the admin contacts are told, once."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: StrictInt = Field(default=5, ge=1, le=50)
    backoff_minutes: StrictInt = Field(default=5, ge=1, le=7 * 24 * 60)
    backoff_cap_minutes: StrictInt = Field(default=360, ge=1, le=30 * 24 * 60)

    def next_attempt_after(self, attempts: int) -> int:
        """Minutes to wait after the `attempts`-th failed try."""
        return int(min(self.backoff_cap_minutes, self.backoff_minutes * 2 ** max(0, attempts - 1)))


class WorkingGroup(BaseModel):
    """A working group (tổ công tác) that watches the subtrees under `units` and receives their escalations."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=KEY_PATTERN)
    title: Text | None = None
    units: list[Name] = Field(min_length=1, max_length=10_000)
    contacts: list[Contact] = Field(default_factory=list, max_length=50)


class MilestoneConfig(BaseModel):
    """A step with a deadline (mốc) for some levels. `levels` missing means every level of the subtree."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: Text | None = None
    # A short verb phrase for sentences ("hoàn thành kiểm điểm và báo cáo kết quả"): notices read "… để
    # {action} trước hạn …"; without it the title is used.
    action: Text | None = None
    levels: list[Name] | None = Field(default=None, max_length=20)
    # subtree: every unit of the subtree (filtered by levels); root: the issuing unit; below_root: all but it.
    scope: Literal["subtree", "root", "below_root"] = "subtree"
    deadline: dt.date
    after_children: str | None = Field(default=None, pattern=KEY_PATTERN)
    # The decision step on its own date: the level that decides these units' ratings (models.deciders) decides by
    # then; it is reminded of the units waiting, and escalated when late (models.decision_sweep).
    decision_deadline: dt.date | None = None
    # The plan-issued step is done by the launch itself.
    complete_at_launch: StrictBool = False


class Organizer(BaseModel):
    """Who sends the notices and whom to ask (named at the foot of every notice): the organizing board and a contact
    person. Without it, notices are signed by the issuing unit's name."""

    model_config = ConfigDict(extra="forbid")

    name: Text  # e.g. "Ban Tổ chức Huyện ủy Củ Chi"
    contact: Text | None = None  # e.g. "đồng chí Nguyễn Văn A, điện thoại 0283 123 4567"


class TrackConfig(BaseModel):
    """A track (diện riêng): some units with deadlines of their own, e.g. the bodies whose working year does not end
    in December, which finish before 15 January next year (Hướng dẫn 43-HD/BTCTW). `units`: each listed unit and its
    subtree; `levels`: only units of these levels (alone: every unit of these levels in the campaign). `deadlines`
    replaces the deadline of the milestones it names, for the track's units; the other milestones keep theirs."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=KEY_PATTERN)
    title: Text
    units: list[Name] = Field(default_factory=list, max_length=10_000)
    levels: list[Name] | None = Field(default=None, max_length=20)
    deadlines: dict[str, dt.date] = Field(min_length=1, max_length=100)


class RuleSettings(BaseModel):
    """Settings of the rule set that the central texts leave open (REAL-PLANS-2025.md)."""

    model_config = ConfigDict(extra="forbid")

    # Members admitted less than 6 months before this date are not rated (`not_evaluated.new`, Quy định 366-QĐ/TW
    # leaves the date open); missing: 31 December of the campaign's year.
    new_member_reference_date: dt.date | None = None


def new_member_reference_date(config: dict[str, Any], year: int) -> dt.date:
    """The reference date for "admitted less than 6 months" of a stored config (campaigns launched before the
    setting existed: 31 December of the year)."""
    given = (config.get("rules") or {}).get("new_member_reference_date")
    return dt.date.fromisoformat(given) if given else dt.date(year, 12, 31)


class CampaignConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: Text
    year: StrictInt = Field(ge=2000, le=2100)
    plan_number: str = Field(min_length=1, max_length=100)
    root: Name
    timezone: Name = "Asia/Ho_Chi_Minh"
    launch: dt.date
    milestones: list[MilestoneConfig] = Field(max_length=100)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    working_groups: list[WorkingGroup] = Field(default_factory=list, max_length=500)
    delivery: DeliveryPolicy = Field(default_factory=DeliveryPolicy)
    # Who hears about notices that could not be delivered (the organizing board, ban tổ chức): Apprise URLs.
    admin_contacts: list[Contact] = Field(default_factory=list, max_length=50)
    # Which contact tags receive which notice kinds, e.g. {escalation: [secretary]}; a kind not listed goes to
    # every contact, and untagged contacts receive everything.
    routing: dict[str, list[Tag]] = Field(default_factory=dict, max_length=len(NOTICE_KINDS))
    organizer: Organizer | None = None
    # The campaign closes by itself this many days after its last deadline (the first sweep after that instant);
    # the board may close it earlier, or reopen it, by hand.
    close_after_days: StrictInt = Field(default=30, ge=0, le=MAX_DAYS)
    # Units on a track of their own follow its deadlines (models.launch_tracks); a unit is on one track at most.
    tracks: list[TrackConfig] = Field(default_factory=list, max_length=100)
    rules: RuleSettings = Field(default_factory=RuleSettings)
    # Last year's campaign, for the year-over-year comparison (models.year_over_year); written by `campaign launch
    # --from`. Missing: the closed campaign of the same root and the year before.
    previous: str | None = Field(default=None, pattern=KEY_PATTERN)

    def milestone(self, key: str) -> MilestoneConfig:
        return next(m for m in self.milestones if m.key == key)

    def reference_date(self) -> dt.date:
        """The date "admitted less than 6 months" is counted back from (rules.new_member_reference_date)."""
        return self.rules.new_member_reference_date or dt.date(self.year, 12, 31)

    def due_before(self, deadline: dt.date) -> pendulum.DateTime:
        """The first late instant for a deadline: local midnight after the deadline day, in UTC."""
        local = pendulum.datetime(deadline.year, deadline.month, deadline.day, tz=self.timezone)
        return local.add(days=1).in_timezone("UTC")


def parse_campaign_config(raw: Any, levels: tuple[str, ...], url_ok: UrlCheck = apprise_accepts) -> CampaignConfig:
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
    shape = shape_problems(raw)
    if shape:
        raise InputError(shape)
    try:
        config = validated(CampaignConfig, raw)
    except InputError as error:
        raise InputError(capped(error.problems)) from None
    problems = [*check_rules(config, levels, url_ok), *check_tracks(config, levels)]
    if problems:
        raise InputError(capped(problems))
    return config
