"""The campaign config (SPEC §7): its schema, and the checks that turn a YAML mapping into a campaign to launch.

Every key is checked (a misspelling is refused, with the nearest valid name); every number and list is bounded;
contact URLs are checked by Apprise's own parser and never quoted back, since they carry passwords and tokens."""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

from models.errors import InputError, Problem, capped
from models.tables import NoticeKind
from models.validation_messages import field_path, shown, validated

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
# Offsets in days (before, after a deadline; escalation) and a deadline's distance from the launch: one year.
MAX_DAYS = 366
# A config is a page of YAML: more nodes than this is not a config (and aliases would multiply them).
MAX_NODES = 100_000
# SPEC §7 lists these besides the kinds the outbox already knows.
NOTICE_KINDS = frozenset({*(kind.value for kind in NoticeKind), "deadline_changed"})

UrlCheck = Callable[[str], bool]
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
    levels: list[Name] | None = Field(default=None, max_length=20)
    # subtree: every unit of the subtree (filtered by levels); root: the issuing unit; below_root: all but it.
    scope: Literal["subtree", "root", "below_root"] = "subtree"
    deadline: dt.date
    after_children: str | None = Field(default=None, pattern=KEY_PATTERN)
    # The plan-issued step is done by the launch itself.
    complete_at_launch: StrictBool = False


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

    def milestone(self, key: str) -> MilestoneConfig:
        return next(m for m in self.milestones if m.key == key)

    def due_before(self, deadline: dt.date) -> pendulum.DateTime:
        """The first late instant for a deadline: local midnight after the deadline day, in UTC."""
        local = pendulum.datetime(deadline.year, deadline.month, deadline.day, tz=self.timezone)
        return local.add(days=1).in_timezone("UTC")


def apprise_accepts(contact: str) -> bool:
    """Apprise's own parser (it does no network I/O): a known scheme with the parts it needs. A contact may carry
    tags (`secretary=mailto://…`). Apprise logs what it cannot parse, URL and all: not from this thread."""
    import apprise

    import notifications.zalo  # noqa: F401  (registers zalo://)
    from notifications.contacts import split_contact
    from notifications.redact import remember_secrets

    _tags, url = split_contact(contact)
    remember_secrets(url)
    with _apprise_silenced():
        return apprise.Apprise.instantiate(url) is not None


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
    shape = _shape_problems(raw)
    if shape:
        raise InputError(shape)
    try:
        config = validated(CampaignConfig, raw)
    except InputError as error:
        raise InputError(capped(error.problems)) from None
    problems = _check_rules(config, levels, url_ok)
    if problems:
        raise InputError(capped(problems))
    return config


def _shape_problems(raw: dict[str, Any]) -> list[Problem]:
    """A YAML alias (`*name`) makes one list or mapping appear in many places: a few lines can stand for
    billions of values. Refused, naming the first place it repeats, as is any config of more than MAX_NODES values."""
    seen: set[int] = set()
    queue: deque[tuple[Any, tuple[int | str, ...]]] = deque([(raw, ())])
    count = 0
    while queue:
        node, loc = queue.popleft()
        if not isinstance(node, dict | list):
            continue
        if id(node) in seen:
            return [
                Problem(
                    rule="yaml_alias",
                    field=field_path(loc) or None,
                    vi="cấu hình đợt không được dùng neo/bí danh YAML (&tên, *tên): hãy viết đầy đủ từng giá trị",
                    en="YAML anchors and aliases (&name, *name) are not allowed in a campaign config: write each "
                    "value out",
                )
            ]
        seen.add(id(node))
        count += len(node)
        if count > MAX_NODES:
            return [
                Problem(
                    rule="too_large",
                    field=field_path(loc) or None,
                    vi=f"cấu hình đợt có quá nhiều giá trị (tối đa {MAX_NODES:,})",
                    en=f"the campaign config holds too many values (at most {MAX_NODES:,})",
                )
            ]
        items = node.items() if isinstance(node, dict) else enumerate(node)
        queue.extend((value, (*loc, key if isinstance(key, int | str) else "…")) for key, value in items)
    return []


def _check_rules(config: CampaignConfig, levels: tuple[str, ...], url_ok: UrlCheck) -> list[Problem]:
    problems = [*_check_timezone(config.timezone), *_check_launch(config)]
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
        problems.extend(_check_levels(milestone, levels, where))
        problems.extend(_check_deadline(config, milestone, where))
        problems.extend(_check_dependency(config, index, where))
    problems.extend(_check_working_groups(config, url_ok))
    problems.extend(_check_contacts(config.admin_contacts, "admin_contacts", url_ok))
    problems.extend(_check_routing(config.routing))
    return problems


def _check_timezone(name: str) -> list[Problem]:
    try:
        pendulum.timezone(name)
        return []
    except Exception:
        pass
    # Quoted only in the shape of a zone name (Area/Location): a value pasted in the wrong field stays unseen.
    if re.fullmatch(r"[A-Za-z]+(/[A-Za-z0-9_+-]+){1,2}", name):
        import zoneinfo

        near = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1, cutoff=0.8)
        hint_vi, hint_en = (f"; có phải là {near[0]}?", f"; did you mean {near[0]}?") if near else ("", "")
        vi, en = f"múi giờ «{name}» không tồn tại{hint_vi}", f"unknown timezone '{name}'{hint_en}"
    else:
        vi, en = "không phải tên múi giờ dạng Khu_vực/Thành_phố", "not a timezone name of the form Area/City"
    return [
        Problem(
            rule="unknown_timezone",
            field="timezone",
            vi=f"{vi} (ví dụ: Asia/Ho_Chi_Minh)",
            en=f"{en} (e.g. Asia/Ho_Chi_Minh)",
        )
    ]


def _check_launch(config: CampaignConfig) -> list[Problem]:
    if config.year - 1 <= config.launch.year <= config.year + 1:
        return []
    return [
        Problem(
            rule="launch_outside_year",
            field="launch",
            vi=f"ngày triển khai {config.launch:%d/%m/%Y} phải trong khoảng năm {config.year - 1}–{config.year + 1} "
            f"(đợt đánh giá năm {config.year})",
            en=f"launch date {config.launch} must fall in {config.year - 1}–{config.year + 1} "
            f"(a review of {config.year})",
        )
    ]


def _check_levels(milestone: MilestoneConfig, levels: tuple[str, ...], where: str) -> list[Problem]:
    return [
        Problem(
            rule="unknown_level",
            field=f"{where}.levels[{position}]",
            vi=f"cấp {shown((), level) or ''} không thuộc các cấp đã cấu hình ({', '.join(levels)})",
            en=f"level {shown((), level) or ''} is not a configured level ({', '.join(levels)})",
        )
        for position, level in enumerate(milestone.levels or [])
        if level not in levels
    ]


def _check_deadline(config: CampaignConfig, milestone: MilestoneConfig, where: str) -> list[Problem]:
    if milestone.deadline < config.launch:
        return [
            Problem(
                rule="deadline_before_launch",
                field=f"{where}.deadline",
                vi=f"hạn {milestone.deadline:%d/%m/%Y} của mốc «{milestone.key}» trước ngày "
                f"triển khai {config.launch:%d/%m/%Y}",
                en=f"deadline {milestone.deadline} of '{milestone.key}' is before the launch date {config.launch}",
            )
        ]
    if (milestone.deadline - config.launch).days > MAX_DAYS:
        return [
            Problem(
                rule="deadline_too_late",
                field=f"{where}.deadline",
                vi=f"hạn {milestone.deadline:%d/%m/%Y} của mốc «{milestone.key}» cách ngày triển khai quá "
                f"{MAX_DAYS} ngày",
                en=f"deadline {milestone.deadline} of '{milestone.key}' is more than {MAX_DAYS} days after the launch",
            )
        ]
    return []


def _check_dependency(config: CampaignConfig, index: int, where: str) -> list[Problem]:
    """`after_children` names a milestone listed earlier, due no later than this one (lower levels first)."""
    milestone = config.milestones[index]
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
    if keys.index(needed) > index:
        return [
            Problem(
                rule="milestone_order",
                field=f"{where}.after_children",
                vi=f"mốc «{needed}» mà «{milestone.key}» phải chờ phải được liệt kê trước nó (các mốc theo thứ tự)",
                en=f"'{needed}', which '{milestone.key}' waits for, must be listed before it (milestones in order)",
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


def _check_working_groups(config: CampaignConfig, url_ok: UrlCheck) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for index, group in enumerate(config.working_groups):
        where = f"working_groups[{index}]"
        if group.name in seen:
            problems.append(
                Problem(
                    rule="duplicate_working_group",
                    field=f"{where}.name",
                    vi=f"tổ công tác «{group.name}» bị lặp (đã có ở working_groups[{seen[group.name]}])",
                    en=f"working group '{group.name}' repeats working_groups[{seen[group.name]}]",
                )
            )
        seen.setdefault(group.name, index)
        problems.extend(_check_contacts(group.contacts, f"{where}.contacts", url_ok))
    return problems


def _check_contacts(contacts: list[str], where: str, url_ok: UrlCheck) -> list[Problem]:
    """Each contact an Apprise URL; a refused one is shown redacted (scheme and host at most), never as written."""
    problems = []
    for position, contact in enumerate(contacts):
        if _url_form(contact) and url_ok(contact):
            continue
        problems.append(
            Problem(
                rule="invalid_contact",
                field=f"{where}[{position}]",
                vi=f"không phải URL Apprise hợp lệ (kênh://…, ví dụ mailtos://tên:mật-khẩu@máy-chủ); "
                f"địa chỉ đã che: {_redacted(contact)}",
                en=f"not a valid Apprise URL (scheme://…, e.g. mailtos://user:password@host); "
                f"shown redacted: {_redacted(contact)}",
            )
        )
    return problems


_URL_FORM = re.compile(r"^(?:[A-Za-z0-9_,-]+=)?[A-Za-z][A-Za-z0-9+.-]{0,31}://\S+$")


def _url_form(contact: str) -> bool:
    return contact.isprintable() and _URL_FORM.match(contact) is not None


def _redacted(contact: str) -> str:
    from notifications.contacts import split_contact
    from notifications.redact import redact_url

    _tags, url = split_contact(contact)
    return redact_url(url) if _url_form(url) else "***"


def _check_routing(routing: dict[str, list[str]]) -> list[Problem]:
    problems = []
    for kind in routing:
        if kind in NOTICE_KINDS:
            continue
        near = difflib.get_close_matches(kind, sorted(NOTICE_KINDS), n=1) if len(kind) <= 64 else []
        hint_vi, hint_en = (f"; có phải là «{near[0]}»?", f"; did you mean `{near[0]}`?") if near else ("", "")
        problems.append(
            Problem(
                rule="unknown_notice_kind",
                field=field_path(("routing", kind)),
                vi=f"không phải loại thông báo (có: {', '.join(sorted(NOTICE_KINDS))}){hint_vi}",
                en=f"not a notice kind ({', '.join(sorted(NOTICE_KINDS))}){hint_en}",
            )
        )
    return problems


class _Silenced(logging.Filter):
    """Drops the records of threads checking contacts; other threads' records pass."""

    def __init__(self) -> None:
        super().__init__()
        self.here = threading.local()

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(self.here, "on", False)


_SILENCED = _Silenced()


@contextmanager
def _apprise_silenced() -> Iterator[None]:
    logger = logging.getLogger("apprise")
    if _SILENCED not in logger.filters:
        logger.addFilter(_SILENCED)
    _SILENCED.here.on = True
    try:
        yield
    finally:
        _SILENCED.here.on = False
