"""Who acts, and what they may do: one set of rules for the command line, the API and the dashboard.

The command line is the organizing board's operator at their own machine: the admin. Over HTTP, a token acts for
the admin or for one unit, which reads its own subtree, submits and marks its own assignments in progress, and
accepts or returns its direct children's (SPEC §6: no unit reads or changes another's data without the right).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.tables import AssignmentStatus, OrgUnit
from models.tokens import Caller


class Forbidden(Exception):
    """The actor may not do this. Entry points show it as 403, with the Vietnamese and English words."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = f"không được phép {vi}"
        self.en = f"may not {en}"


@dataclass(frozen=True)
class Actor:
    """Who acts (named in the audit log as `name`) and with which rights."""

    name: str
    admin: bool
    unit_id: int | None = None
    unit_code: str | None = None
    path: str | None = None

    @classmethod
    def operator(cls, name: str) -> Actor:
        return cls(name=name, admin=True)

    @classmethod
    def from_token(cls, caller: Caller) -> Actor:
        if caller.admin:
            return cls(name="api:admin", admin=True)
        return cls(
            name=f"api:{caller.unit_code}",
            admin=False,
            unit_id=caller.unit_id,
            unit_code=caller.unit_code,
            path=caller.path,
        )

    def require_admin(self, vi: str, en: str) -> None:
        if not self.admin:
            raise Forbidden(vi, en)

    def may_read(self, unit: OrgUnit) -> bool:
        return self.admin or (self.path is not None and unit.path.startswith(self.path))

    def require_read(self, unit: OrgUnit) -> None:
        if not self.may_read(unit):
            raise Forbidden("xem đơn vị khác", "read another unit")

    def require_submit(self, unit: OrgUnit) -> None:
        if not (self.admin or self.unit_id == unit.id):
            raise Forbidden("nộp báo cáo thay đơn vị khác", "submit for another unit")

    def require_set_state(self, unit: OrgUnit, state: str, until: object, override: bool) -> None:
        """in_progress: the unit itself; accepted, returned: its parent (the level above); exempt, pending, a new
        deadline with in_progress, and overrides: the admin."""
        allowed = (
            self.admin
            or (state == AssignmentStatus.IN_PROGRESS and self.unit_id == unit.id and not until)
            or (
                state in (AssignmentStatus.ACCEPTED, AssignmentStatus.RETURNED)
                and self.unit_id == unit.parent_id
                and not override
            )
        )
        if not allowed:
            raise Forbidden("chuyển trạng thái này", "make this change")
