"""Numbers written the Vietnamese way: `9.899`, `87,97%`."""

from __future__ import annotations


def vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def vn_pct(value: float, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}%".replace(",", "\0").replace(".", ",").replace("\0", ".")
