"""Levels of the organization tree (cấp). Levels are data: the set comes from settings, top to bottom. `bloc`
(đảng ủy khối, đảng ủy trực thuộc) sits beside `commune` under a province since 2025, above grassroots."""

from __future__ import annotations

BUILT_IN_LEVELS: tuple[str, ...] = ("province", "district", "commune", "bloc", "grassroots", "branch")


def level_rank(levels: tuple[str, ...], level: str) -> int:
    """Position of a level, 0 at the top; unknown levels sort last."""
    try:
        return levels.index(level)
    except ValueError:
        return len(levels)
