"""The checks of a campaign config beyond its schema: the YAML's shape (no aliases, bounded size), and the rules
across fields: timezone, launch year, milestone levels, deadlines and dependencies, working groups, the reference
date of "new" members, contacts, routing. (Tracks: models.track_rules; against the tree at launch:
models.launch_tracks.)"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections import deque
from typing import TYPE_CHECKING, Any

import pendulum

from models.campaign_contacts import UrlCheck, check_contacts
from models.enums import NoticeKind
from models.errors import Problem
from models.validation_messages import field_path, shown

if TYPE_CHECKING:  # the schema imports these checks
    from models.campaign_config import CampaignConfig, MilestoneConfig

# Offsets in days (before, after a deadline; escalation) and a deadline's distance from the launch: one year.
MAX_DAYS = 366
# A config is a page of YAML: more nodes than this is not a config (and aliases would multiply them).
MAX_NODES = 100_000
# SPEC §7 lists these besides the kinds the outbox already knows.
NOTICE_KINDS = frozenset({*(kind.value for kind in NoticeKind), "deadline_changed"})


def shape_problems(raw: dict[str, Any]) -> list[Problem]:
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


def check_rules(config: CampaignConfig, levels: tuple[str, ...], url_ok: UrlCheck) -> list[Problem]:
    """Every rule across fields that a config valid for its schema may still break."""
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
    problems.extend(_check_reference_date(config))
    problems.extend(check_contacts(config.admin_contacts, "admin_contacts", url_ok))
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
    return unknown_levels(milestone.levels, levels, f"{where}.levels")


def unknown_levels(chosen: list[str] | None, levels: tuple[str, ...], where: str) -> list[Problem]:
    return [
        Problem(
            rule="unknown_level",
            field=f"{where}[{position}]",
            vi=f"cấp {shown((), level) or ''} không thuộc các cấp đã cấu hình ({', '.join(levels)})",
            en=f"level {shown((), level) or ''} is not a configured level ({', '.join(levels)})",
        )
        for position, level in enumerate(chosen or [])
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
    decision = milestone.decision_deadline
    if decision is not None and not milestone.deadline <= decision <= milestone.deadline + dt.timedelta(MAX_DAYS):
        return [
            Problem(
                rule="decision_before_deadline",
                field=f"{where}.decision_deadline",
                vi=f"hạn quyết định xếp loại {decision:%d/%m/%Y} của mốc «{milestone.key}» phải từ hạn tự đánh giá "
                f"{milestone.deadline:%d/%m/%Y} trở đi (và không quá {MAX_DAYS} ngày sau)",
                en=f"the decision deadline {decision} of '{milestone.key}' must be on or after its deadline "
                f"{milestone.deadline} (and at most {MAX_DAYS} days after)",
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
        problems.extend(check_contacts(group.contacts, f"{where}.contacts", url_ok))
    return problems


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


def _check_reference_date(config: CampaignConfig) -> list[Problem]:
    """The reference date of "admitted less than 6 months" falls in the campaign's year or the next (the special
    track ends in January)."""
    given = config.rules.new_member_reference_date
    if given is None or config.year <= given.year <= config.year + 1:
        return []
    return [
        Problem(
            rule="reference_date_outside_year",
            field="rules.new_member_reference_date",
            vi=f"ngày tính «kết nạp dưới 6 tháng» {given:%d/%m/%Y} phải trong năm {config.year} hoặc "
            f"{config.year + 1} (đợt đánh giá năm {config.year})",
            en=f"the reference date for members admitted less than 6 months {given} must fall in {config.year} or "
            f"{config.year + 1} (a review of {config.year})",
        )
    ]
