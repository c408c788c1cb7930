"""The checks of a config's tracks (diện riêng) that need no tree: names, what picks the units, the milestones and
dates they move. A track's units are checked against the tree at launch (models.launch_tracks)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from models.campaign_rules import MAX_DAYS, unknown_levels
from models.errors import Problem
from models.validation_messages import field_path, shown

if TYPE_CHECKING:  # the schema imports these checks
    from models.campaign_config import CampaignConfig, TrackConfig


def check_tracks(config: CampaignConfig, levels: tuple[str, ...]) -> list[Problem]:
    """Each track: a name of its own, units or levels to pick, milestones that exist, dates from the launch on and
    in order (lower levels first), and no unit code listed in two tracks."""
    problems: list[Problem] = []
    names: dict[str, int] = {}
    listed: dict[str, int] = {}
    for index, track in enumerate(config.tracks):
        where = f"tracks[{index}]"
        if track.name in names:
            problems.append(
                Problem(
                    rule="duplicate_track",
                    field=f"{where}.name",
                    vi=f"diện «{track.name}» bị lặp (đã có ở tracks[{names[track.name]}])",
                    en=f"track '{track.name}' repeats tracks[{names[track.name]}]",
                )
            )
        names.setdefault(track.name, index)
        if not track.units and not track.levels:
            problems.append(
                Problem(
                    rule="track_without_units",
                    field=f"{where}.units",
                    vi=f"diện «{track.name}» phải chọn đơn vị: units (mã đơn vị, gồm cả cây bên dưới) và/hoặc levels",
                    en=f"track '{track.name}' must pick its units: units (unit codes, each with its subtree) "
                    "and/or levels",
                )
            )
        for position, code in enumerate(track.units):
            if code in listed and listed[code] != index:
                named = shown((), code) or "…"
                problems.append(
                    Problem(
                        rule="unit_in_two_tracks",
                        field=f"{where}.units[{position}]",
                        vi=f"đơn vị {named} đã thuộc diện tracks[{listed[code]}]: mỗi đơn vị chỉ thuộc một diện",
                        en=f"unit {named} is already on track tracks[{listed[code]}]: a unit is on one track at most",
                    )
                )
            listed.setdefault(code, index)
        problems.extend(unknown_levels(track.levels, levels, f"{where}.levels"))
        problems.extend(_check_track_deadlines(config, track, index))
    return problems


def _check_track_deadlines(config: CampaignConfig, track: TrackConfig, index: int) -> list[Problem]:
    keys = [m.key for m in config.milestones]
    problems = []
    for key, deadline in track.deadlines.items():
        field = field_path(("tracks", index, "deadlines", key))
        if key not in keys:
            near = difflib.get_close_matches(key, keys, n=1) if len(key) <= 64 else []
            hint_vi, hint_en = (f"; có phải là «{near[0]}»?", f"; did you mean `{near[0]}`?") if near else ("", "")
            named = shown((), key) or "…"
            problems.append(
                Problem(
                    rule="unknown_milestone",
                    field=field,
                    vi=f"diện «{track.name}»: không có mốc {named} (có: {', '.join(keys)}){hint_vi}",
                    en=f"track '{track.name}': no milestone {named} ({', '.join(keys)}){hint_en}",
                )
            )
            continue
        milestone = config.milestone(key)
        if deadline < config.launch:
            problems.append(
                Problem(
                    rule="deadline_before_launch",
                    field=field,
                    vi=f"diện «{track.name}»: hạn {deadline:%d/%m/%Y} của mốc «{key}» trước ngày triển khai "
                    f"{config.launch:%d/%m/%Y}",
                    en=f"track '{track.name}': deadline {deadline} of '{key}' is before the launch date "
                    f"{config.launch}",
                )
            )
        elif (deadline - config.launch).days > MAX_DAYS:
            problems.append(
                Problem(
                    rule="deadline_too_late",
                    field=field,
                    vi=f"diện «{track.name}»: hạn {deadline:%d/%m/%Y} của mốc «{key}» cách ngày triển khai quá "
                    f"{MAX_DAYS} ngày",
                    en=f"track '{track.name}': deadline {deadline} of '{key}' is more than {MAX_DAYS} days after "
                    "the launch",
                )
            )
        if track.levels and milestone.levels and not set(track.levels) & set(milestone.levels):
            problems.append(
                Problem(
                    rule="track_milestone_not_applicable",
                    field=field,
                    vi=f"diện «{track.name}» gồm các cấp {', '.join(track.levels)}, mốc «{key}» chỉ áp dụng cho "
                    f"{', '.join(milestone.levels)}: hạn này không áp dụng cho đơn vị nào",
                    en=f"track '{track.name}' holds levels {', '.join(track.levels)} and '{key}' applies to "
                    f"{', '.join(milestone.levels)} only: this deadline would apply to no unit",
                )
            )
    return problems + _check_track_order(config, track, index)


def _check_track_order(config: CampaignConfig, track: TrackConfig, index: int) -> list[Problem]:
    """Within a track, lower levels first too: a milestone the track moves is not due before the one it waits for
    (as the track dates it). A track may move a children's milestone past their parents' when the parents are not on
    it (the special-function bodies after the province, Hướng dẫn 43-HD/BTCTW): the parent then gives its reason."""
    known = {m.key for m in config.milestones}
    due = {m.key: track.deadlines.get(m.key, m.deadline) for m in config.milestones}
    problems = []
    for milestone in config.milestones:
        needed = milestone.after_children
        if needed not in known or milestone.key == needed or milestone.key not in track.deadlines:
            continue
        if due[milestone.key] < due[needed]:
            problems.append(
                Problem(
                    rule="deadline_order",
                    field=field_path(("tracks", index, "deadlines", milestone.key)),
                    vi=f"diện «{track.name}», cấp dưới trước, cấp trên sau: hạn của «{milestone.key}» "
                    f"({due[milestone.key]:%d/%m/%Y}) sớm hơn hạn của cấp dưới «{needed}» ({due[needed]:%d/%m/%Y})",
                    en=f"track '{track.name}', lower levels first: '{milestone.key}' is due {due[milestone.key]}, "
                    f"before its children's '{needed}' ({due[needed]})",
                )
            )
    return problems
