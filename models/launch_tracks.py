"""Tracks at launch (diện riêng) as SQL: which units of the campaign each track of the config holds, as a condition
on the tree that the launch's INSERT … SELECT statements evaluate, checked against the tree without loading it.

A unit is on a track when it is in the subtree of a unit the track lists (a prefix of its materialized path) and of
one of the track's levels; on the first such track of the config when several pick it, which is refused at launch
(a unit is on one track at most). The checks that need no tree: models.track_rules."""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import ColumnElement, and_, bindparam, case, false, func, or_, select, true
from sqlalchemy.orm import Session

from models.campaign_config import CampaignConfig, TrackConfig
from models.errors import Problem
from models.tables import OrgUnit
from models.validation_messages import shown

LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class LaunchTracks:
    """The tracks of a config against the tree: one SQL condition on OrgUnit per track, and what is wrong."""

    tracks: tuple[TrackConfig, ...]
    conditions: tuple[ColumnElement[bool], ...]
    problems: tuple[Problem, ...]

    def index(self) -> ColumnElement[int] | None:
        """The position in the config of the unit's track (the first that picks it), NULL off every track; None when
        the config has no tracks."""
        if not self.tracks:
            return None
        return case(*[(condition, index) for index, condition in enumerate(self.conditions)], else_=None)


def launch_tracks(session: Session, config: CampaignConfig, root: OrgUnit, tree: ColumnElement[bool]) -> LaunchTracks:
    """Each track as a condition on the units under `tree` (the campaign's subtree); a listed unit not in the tree or
    not under the campaign's root, and units picked by two tracks, are problems named by their place in the config."""
    if not config.tracks:
        return LaunchTracks((), (), ())
    listed, problems = _listed_paths(session, config, root)
    conditions = tuple(_condition(track, paths) for track, paths in zip(config.tracks, listed, strict=True))
    problems += _on_two_tracks(session, config, conditions, tree)
    return LaunchTracks(tuple(config.tracks), conditions, tuple(problems))


def _condition(track: TrackConfig, paths: list[str]) -> ColumnElement[bool]:
    """In the subtree of a listed unit (its path a prefix of the unit's), grouped by prefix length so that each group
    is one IN list; and of one of the track's levels."""
    parts: list[ColumnElement[bool]] = []
    if track.units:
        by_length: dict[int, list[str]] = defaultdict(list)
        for path in paths:
            by_length[len(path)].append(path)
        parts.append(
            or_(
                false(),
                *(
                    func.substr(OrgUnit.path, 1, length).in_(
                        bindparam(None, sorted(group), expanding=True, literal_execute=True)
                    )
                    for length, group in sorted(by_length.items())
                ),
            )
        )
    if track.levels is not None:
        parts.append(OrgUnit.level.in_(track.levels))
    return and_(true(), *parts)


def _listed_paths(session: Session, config: CampaignConfig, root: OrgUnit) -> tuple[list[list[str]], list[Problem]]:
    """The paths of the units each track lists; a code not in the tree, or not under the root, is a problem named by
    its place in the config."""
    codes = sorted({code for track in config.tracks for code in track.units})
    found: dict[str, str] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        chunk = codes[start : start + LOOKUP_CHUNK]
        found.update(session.execute(select(OrgUnit.code, OrgUnit.path).where(OrgUnit.code.in_(chunk))).tuples().all())
    listed: list[list[str]] = []
    problems = []
    for index, track in enumerate(config.tracks):
        paths = []
        for position, code in enumerate(track.units):
            path = found.get(code)
            if path is not None and path.startswith(root.path):
                paths.append(path)
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
        listed.append(paths)
    return listed, problems


def _on_two_tracks(
    session: Session, config: CampaignConfig, conditions: tuple[ColumnElement[bool], ...], tree: ColumnElement[bool]
) -> list[Problem]:
    """Units that two tracks pick, per pair (the first two tracks that pick them), counted and named by their first
    three units in tree order (depth, then code); the pairs in the order of their first unit."""
    if len(conditions) < 2:
        return []
    flags = select(
        OrgUnit.code, OrgUnit.depth, *(case((c, 1), else_=0).label(f"t{i}") for i, c in enumerate(conditions))
    )
    inner = flags.where(tree).subquery()
    on: list[ColumnElement[int]] = [inner.c[f"t{i}"] for i in range(len(conditions))]
    running = [reduce(operator.add, on[: j + 1]) for j in range(len(on))]  # how many of tracks 0..j pick it
    first = case(*[(flag == 1, i) for i, flag in enumerate(on)], else_=None)
    second = case(*[(running[j] == 2, j) for j in range(1, len(on))], else_=None)
    pair = [first, second]
    ranked = (
        select(
            first.label("first"),
            second.label("second"),
            inner.c.code,
            inner.c.depth,
            func.row_number().over(partition_by=pair, order_by=[inner.c.depth, inner.c.code]).label("r"),
            func.count().over(partition_by=pair).label("n"),
        )
        .where(running[-1] >= 2)
        .subquery()
    )
    query = (
        select(ranked.c.first, ranked.c.second, ranked.c.code, ranked.c.n)
        .where(ranked.c.r <= 3)
        .order_by(ranked.c.depth, ranked.c.code)
    )
    both: dict[tuple[int, int], tuple[list[str], int]] = {}
    for first_index, second_index, code, count in session.execute(query).tuples():
        both.setdefault((first_index, second_index), ([], count))[0].append(code)
    return [_two_tracks_problem(config, a, b, codes, count) for (a, b), (codes, count) in both.items()]


def _two_tracks_problem(config: CampaignConfig, first: int, second: int, codes: list[str], count: int) -> Problem:
    a, b = config.tracks[first].name, config.tracks[second].name
    example = ", ".join(codes[:3]) + (", …" if count > 3 else "")
    return Problem(
        rule="unit_in_two_tracks",
        field=f"tracks[{second}]",
        vi=f"{count} đơn vị thuộc cả diện «{a}» và diện «{b}» ({example}): mỗi đơn vị chỉ thuộc một diện",
        en=f"{count} units are on both track '{a}' and track '{b}' ({example}): a unit is on one track at most",
    )
