"""Tracks at launch (diện riêng): which units of the campaign each track of the config holds, checked against the
tree, and the deadline each of their assignments follows. (The checks that need no tree: models.track_rules.)"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.campaign_config import CampaignConfig, TrackConfig
from models.errors import Problem
from models.tables import OrgUnit
from models.validation_messages import shown


def units_on_tracks(
    session: Session, config: CampaignConfig, root: OrgUnit, units: Sequence[OrgUnit]
) -> tuple[dict[int, TrackConfig], list[Problem]]:
    """Each unit of the campaign on a track, by unit id; and what is wrong: a listed unit not in the tree or not
    under the campaign's root, a unit on two tracks."""
    if not config.tracks:
        return {}, []
    listed, problems = _listed_units(session, config, root)
    found: dict[int, TrackConfig] = {}
    both: dict[tuple[int, int], list[str]] = defaultdict(list)
    for unit in units:
        ancestors = set(unit.path.strip("/").split("/"))
        mine = [
            index
            for index, track in enumerate(config.tracks)
            if (not track.units or ancestors & listed[index]) and (track.levels is None or unit.level in track.levels)
        ]
        if mine:
            found[unit.id] = config.tracks[mine[0]]
        if len(mine) > 1:
            both[(mine[0], mine[1])].append(unit.code)
    problems += [_on_two_tracks(config, first, second, codes) for (first, second), codes in both.items()]
    return found, problems


def track_deadline(track: TrackConfig | None, milestone: str) -> dt.date | None:
    """The deadline a track gives a milestone, if it gives one."""
    return track.deadlines.get(milestone) if track is not None else None


def _listed_units(session: Session, config: CampaignConfig, root: OrgUnit) -> tuple[list[set[str]], list[Problem]]:
    """The ids (as in materialized paths) of the units each track lists; a code not in the tree, or not under the
    root, is a problem named by its place in the config."""
    codes = sorted({code for track in config.tracks for code in track.units})
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        query = select(OrgUnit.code, OrgUnit.id, OrgUnit.path).where(OrgUnit.code.in_(chunk))
        found.update({code: (unit_id, path) for code, unit_id, path in session.execute(query).tuples()})
    listed: list[set[str]] = []
    problems = []
    for index, track in enumerate(config.tracks):
        ids = set()
        for position, code in enumerate(track.units):
            unit_id, path = found.get(code, (None, None))
            if path is not None and path.startswith(root.path):
                ids.add(str(unit_id))
                continue
            named, name = shown((), code) or "…", track.name
            if path is None:
                rule = "unknown_unit"
                vi = f"diện «{name}»: không có đơn vị {named} trong cây tổ chức"
                en = f"track '{name}': no unit {named} in the org tree"
            else:
                rule = "outside_campaign"
                vi = f"diện «{name}»: đơn vị {named} không thuộc cây của {root.code}, phạm vi của đợt"
                en = f"track '{name}': unit {named} is not under {root.code}, the campaign's root"
            problems.append(Problem(rule=rule, field=f"tracks[{index}].units[{position}]", vi=vi, en=en))
        listed.append(ids)
    return listed, problems


def _on_two_tracks(config: CampaignConfig, first: int, second: int, codes: list[str]) -> Problem:
    a, b = config.tracks[first].name, config.tracks[second].name
    example = ", ".join(codes[:3]) + (", …" if len(codes) > 3 else "")
    return Problem(
        rule="unit_in_two_tracks",
        field=f"tracks[{second}]",
        vi=f"{len(codes)} đơn vị thuộc cả diện «{a}» và diện «{b}» ({example}): mỗi đơn vị chỉ thuộc một diện",
        en=f"{len(codes)} units are on both track '{a}' and track '{b}' ({example}): a unit is on one track at most",
    )
