"""The sweep's units of work: batches of whole subtrees planned from the paths alone, and partitions of batches
swept and delivered together by one flow run of a fanned-out sweep."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.orm import Session

from models.launch import in_subtree
from models.tables import OrgUnit


@dataclass(frozen=True)
class Batch:
    """A set of whole subtrees (path prefixes) and single units, swept together: the unit of work of one task."""

    prefixes: tuple[str, ...] = ()
    singles: tuple[str, ...] = ()
    units: int = 0


def plan_batches(session: Session, root: OrgUnit, max_units: int = 2000) -> list[Batch]:
    """Split the subtree under `root` into batches of whole subtrees of at most `max_units` units (a unit whose
    subtree is larger is split into itself alone plus its children's subtrees)."""
    # The paths alone (the path index covers them), as the driver's own tuples: this reads every unit of the tree
    # (322,000 nationally). Sorted bytewise, paths are the tree in order, each unit followed by its subtree: a
    # subtree is a run of the list, its size the run's length, found by bisection.
    rows = _plain_rows(session, select(OrgUnit.path).where(in_subtree(root.path, session.get_bind().dialect.name)))
    paths = sorted(path for (path,) in rows)
    assert paths and paths[0] == root.path

    def end_of(start: int) -> int:
        """The index just after the subtree of the unit at `start`."""
        path = paths[start]
        return bisect_left(paths, path[:-1] + chr(ord(path[-1]) + 1), start + 1)

    pieces: list[tuple[str, bool, int]] = []  # (path, whole subtree?, units)
    stack = [0]
    while stack:
        start = stack.pop()
        end = end_of(start)
        if end - start <= max_units:
            pieces.append((paths[start], True, end - start))
            continue
        pieces.append((paths[start], False, 1))
        children, child = [], start + 1
        while child < end:
            children.append(child)
            child = end_of(child)
        stack.extend(reversed(children))
    batches: list[Batch] = []
    current: list[tuple[str, bool, int]] = []
    total = 0
    for piece in pieces:
        if current and total + piece[2] > max_units:
            batches.append(_batch(current))
            current, total = [], 0
        current.append(piece)
        total += piece[2]
    if current:
        batches.append(_batch(current))
    return batches


def _plain_rows(session: Session, statement: Select[Any]) -> list[Any]:
    """The rows of a query of plain columns (integers, strings) as the driver's own tuples: building a Row object
    for each of hundreds of thousands of rows costs more than the query."""
    result = session.connection().execute(statement)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def _batch(pieces: list[tuple[str, bool, int]]) -> Batch:
    return Batch(
        prefixes=tuple(p for p, whole, _ in pieces if whole),
        singles=tuple(p for p, whole, _ in pieces if not whole),
        units=sum(n for _, _, n in pieces),
    )


@dataclass(frozen=True)
class Partition:
    """Batches swept and delivered together as one flow run of a fanned-out sweep: whole subtrees, never a unit
    split between two partitions, so a partition's notices are exactly those of its units."""

    index: int
    batches: tuple[Batch, ...]

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(p for b in self.batches for p in b.prefixes)

    @property
    def singles(self) -> tuple[str, ...]:
        return tuple(s for b in self.batches for s in b.singles)

    @property
    def units(self) -> int:
        return sum(b.units for b in self.batches)


def plan_partitions(batches: Sequence[Batch], max_units: int) -> list[Partition]:
    """Group consecutive batches (in tree order) into partitions of at most `max_units` units (a batch larger than
    that is a partition of its own)."""
    groups: list[list[Batch]] = []
    for batch in batches:
        if groups and sum(b.units for b in groups[-1]) + batch.units <= max_units:
            groups[-1].append(batch)
        else:
            groups.append([batch])
    return [Partition(index=i, batches=tuple(group)) for i, group in enumerate(groups)]


def within(prefixes: Sequence[str], singles: Sequence[str]) -> ColumnElement[bool]:
    """Units of the given subtrees (by path prefix) and single units (by path), as a condition on OrgUnit."""
    parts = [OrgUnit.path.startswith(prefix, autoescape=True) for prefix in prefixes]
    if singles:
        parts.append(OrgUnit.path.in_(list(singles)))
    return or_(false(), *parts)
