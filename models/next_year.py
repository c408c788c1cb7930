"""Next year's campaign from last year's (issue 16): the same milestones, rules, reminders, tracks and organizer,
every date moved to the new year keeping its month and day. Nothing is decided for the board: a deadline that falls
on a weekend or a public holiday is flagged, not moved; the plan number is left blank; units that left the tree or
changed parent are listed. Pure: a config and the facts of the tree in, a config and its flags out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from models.calendar import is_working_day
from models.campaign_config import CampaignConfig

WEEKDAYS_VI = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


@dataclass(frozen=True)
class DateFlag:
    """A date of the new config that falls on a day off: the board confirms it or moves it."""

    field: str  # e.g. milestones[1].deadline, tracks[0].deadlines.grassroots_review
    day: dt.date

    @property
    def weekend(self) -> bool:
        return self.day.weekday() >= 5

    @property
    def vi(self) -> str:
        why = "ngày nghỉ cuối tuần" if self.weekend else "ngày nghỉ lễ"
        return f"{self.field}: {WEEKDAYS_VI[self.day.weekday()]}, {self.day:%d/%m/%Y} là {why}; đề nghị xác nhận"

    @property
    def en(self) -> str:
        why = "a weekend day" if self.weekend else "a public holiday"
        return f"{self.field}: {self.day:%A} {self.day:%d/%m/%Y} is {why}; please confirm"


@dataclass(frozen=True)
class UnitChange:
    """A unit the old campaign covered that is no longer under its root, or that now sits under a new parent."""

    code: str
    change: Literal["removed", "moved"]
    parent_now: str | None = None

    @property
    def vi(self) -> str:
        if self.change == "removed":
            return f"{self.code}: không còn trong cây của đợt"
        return f"{self.code}: đã chuyển sang đơn vị cấp trên mới {self.parent_now}"

    @property
    def en(self) -> str:
        if self.change == "removed":
            return f"{self.code}: no longer in the campaign's tree"
        return f"{self.code}: moved under a new parent, {self.parent_now}"


@dataclass(frozen=True)
class NextYear:
    source: str
    config: dict[str, Any]  # plan_number blank: launch refuses it until filled
    flags: list[DateFlag]
    units: list[UnitChange]
    contacts_left_out: int

    @property
    def key(self) -> str:
        return str(self.config["key"])

    def yaml(self) -> str:
        return render_yaml(self)


def moved_year(day: dt.date, years: int) -> dt.date:
    """The same month and day `years` later (29 February: the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def next_key(key: str, old_year: int, year: int) -> str:
    """`cuchi-2025` → `cuchi-2026`; a key without the year gets it appended."""
    if str(old_year) in key:
        return key.replace(str(old_year), str(year))
    return f"{key}-{year}"


def next_year(source: CampaignConfig, year: int, units: list[UnitChange]) -> NextYear:
    years = year - source.year
    config = source.model_dump(mode="python", exclude_defaults=True)
    config["reminders"] = source.reminders.model_dump(mode="python")
    config |= {
        "key": next_key(source.key, source.year, year),
        "title": source.title.replace(str(source.year), str(year)),
        "year": year,
        "plan_number": "",
        "launch": moved_year(source.launch, years),
        "previous": source.key,  # last year's, for the year-over-year comparison
    }
    flags = []
    for i, milestone in enumerate(config["milestones"]):
        for name in ("deadline", "decision_deadline"):
            if milestone.get(name) is not None:
                milestone[name] = moved_year(milestone[name], years)
                flags.append(DateFlag(f"milestones[{i}].{name}", milestone[name]))
    for i, track in enumerate(config.get("tracks", [])):
        track["deadlines"] = {k: moved_year(day, years) for k, day in track["deadlines"].items()}
        flags += [DateFlag(f"tracks[{i}].deadlines.{k}", day) for k, day in track["deadlines"].items()]
    reference = config.get("rules", {}).get("new_member_reference_date")
    if reference is not None:
        config["rules"]["new_member_reference_date"] = moved_year(reference, years)
    # Contact URLs carry passwords and tokens: never copied into a file people pass around, nor to a terminal.
    contacts = len(config.pop("admin_contacts", []))
    for group in config.get("working_groups", []):
        contacts += len(group.pop("contacts", []))
    return NextYear(
        source=source.key,
        config=_plain(config),
        flags=[f for f in flags if not is_working_day(f.day)],
        units=sorted(units, key=lambda u: (u.change, u.code)),
        contacts_left_out=contacts,
    )


def _plain(value: Any) -> Any:
    """Data YAML writes as a person would: times as "HH:MM", tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.time):
        return _Quoted(value.strftime("%H:%M" if not value.second else "%H:%M:%S"))
    return value


class _Quoted(str):
    """A time of day, written in quotes (YAML may read 07:30 unquoted as a number)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, '"'))


def render_yaml(plan: NextYear) -> str:
    """The config as YAML, with the board's to-do as comments: the blank plan number, each flagged date beside
    it, the units that changed, the contacts left out."""
    text = yaml.dump(
        plan.config, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=None
    )
    flagged = {f.day.isoformat(): f for f in plan.flags}
    lines = []
    for line in text.splitlines():
        if line.startswith("plan_number:"):
            line = 'plan_number: ""  # điền số kế hoạch, ví dụ 45-KH/HU / fill in the plan number (refused blank)'
        match = re.match(r"^\s*-?\s*([A-Za-z0-9_.-]+): (\d{4}-\d{2}-\d{2})$", line)
        if match and match[1] != "new_member_reference_date" and match[2] in flagged:
            day = flagged[match[2]].day
            off = f"{WEEKDAYS_VI[day.weekday()]} / {day:%A}" if day.weekday() >= 5 else "ngày lễ / public holiday"
            line += f"  # CẦN XÁC NHẬN / TO CONFIRM: {off}"
        lines.append(line)
    return "\n".join([*_header(plan), *lines]) + "\n"


def _header(plan: NextYear) -> list[str]:
    head = [
        f"# Cấu hình đợt {plan.config['year']} lập từ đợt {plan.source} (đã đóng); CHƯA triển khai.",
        f"# Next year's config written from {plan.source} (closed); NOT launched.",
        "# Điền số kế hoạch, xác nhận các ngày được đánh dấu, rồi chạy: kiemdiem campaign launch FILE.yaml",
        "# Fill in the plan number, confirm the flagged dates, then run: kiemdiem campaign launch FILE.yaml",
    ]
    if plan.flags:
        head.append("# Hạn rơi vào ngày nghỉ (không tự dời) / deadlines on a day off (not moved):")
        head += [f"#   {f.vi} / {f.en}" for f in plan.flags]
    if plan.units:
        head.append("# Đơn vị thay đổi từ đợt trước / units changed since the last campaign:")
        head += [f"#   {u.vi} / {u.en}" for u in plan.units]
    if plan.contacts_left_out:
        head.append(
            f"# {plan.contacts_left_out} địa chỉ liên hệ (admin_contacts, working_groups.contacts) không được chép vì "
            "chứa mật khẩu; chép lại từ tệp cấu hình năm trước / "
            f"contact URLs not copied ({plan.contacts_left_out}; they carry passwords): copy them from last year's file"
        )
    return head
