"""Levels of the organization tree (cấp). Levels are data: the set comes from settings, top to bottom."""

from __future__ import annotations

BUILT_IN_LEVELS: tuple[str, ...] = ("province", "district", "commune", "grassroots", "branch")

LEVEL_NAMES_VI: dict[str, str] = {
    "province": "Tỉnh ủy, Thành ủy",
    "district": "Huyện ủy, Quận ủy, Thị ủy, Đảng ủy Khối",
    "commune": "Đảng ủy xã, phường, đặc khu",
    "grassroots": "Tổ chức cơ sở đảng",
    "branch": "Chi bộ trực thuộc",
}


def level_rank(levels: tuple[str, ...], level: str) -> int:
    """Position of a level, 0 at the top; unknown levels sort last."""
    try:
        return levels.index(level)
    except ValueError:
        return len(levels)
