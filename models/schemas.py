"""Pydantic schemas: write schemas (what people send, `extra="forbid"`) apart from read schemas (what we show)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class UnitIn(BaseModel):
    """One org unit as a file or an API call gives it, after the row checks of models.tree_rows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    parent: str | None
    name: str
    level: str
    members: int
    contacts: tuple[str, ...] = ()


class UnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    parent: str | None
    name: str
    level: str
    members: int
    subtree_members: int
    subtree_units: int
    contacts: int
    children: list[UnitOut] = []


class ImportSummary(BaseModel):
    rows: int
    created: int
    updated: int
    unchanged: int
