"""The board's report (`kiemdiem report --out FILE.xlsx|.html|.pdf`), laid out as the offices file it
(shared/REPORT-FORMS.md): results per subject; table (a), party organizations, and table (b), party members, one row
per directly subordinate unit and a `Tổng cộng` line; organizations by type; progress per level; and the units not
yet reported, longest overdue first; and, when there is last year's campaign, the same figures beside last year's
on the same day of its campaign (sheets Năm trước, Năm trước - kết quả; models.year_over_year). Levels and
milestones are named in Vietnamese, never by their keys.

The tables are built once (service.board_tables) and written three ways (service.board_writers): the XLSX keeps
every count a number and every percentage a fraction, so Excel can sum them; HTML and PDF print them the Vietnamese
way (`8.159`, `87,97%`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pendulum
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.changes import amendments, reclassifications
from models.errors import fail
from models.lookup import campaign_by_key, unit_by_code
from models.overdue import overdue_units
from models.progress import SubjectResults, progress
from models.reports import RATINGS
from models.tables import Campaign, Milestone, OrgUnit
from models.year_over_year import compare, previous_campaign
from service.board_tables import Board, build_board, header
from service.board_writers import FONTS as FONTS
from service.board_writers import WRITERS
from service.bootstrap import App

# The organization types (models.progress) that table (a) counts: grassroots organizations, or branches.
GRASSROOTS_TYPES = ("dang_bo_co_so", "chi_bo_co_so")
BRANCH_TYPES = ("dang_bo_bo_phan", "chi_bo_truc_thuoc")


def write_board_report(app: App, campaign: str, root: str | None, out: Path, now: pendulum.DateTime) -> Path:
    """Gather the campaign's figures for `root` (default: the campaign's root) and each unit directly under it, in
    one transaction, and write the report to `out` (its suffix picks the format)."""
    writer = _writer(out)
    with app.unit_of_work() as session:
        found = campaign_by_key(session, campaign)
        top = (
            unit_by_code(session, root, field="root") if root is not None else session.get(OrgUnit, found.root_unit_id)
        )
        assert top is not None
        children = session.scalars(select(OrgUnit).where(OrgUnit.parent_id == top.id).order_by(OrgUnit.path)).all()
        levels = app.settings.levels
        whole = progress(session, found.key, top.code, now, levels)
        rows = [(child.name, progress(session, found.key, child.code, now, levels)) for child in children]
        organizations = _organizations_per_unit(session, found, top, children, levels)
        named = select(Milestone.key, Milestone.title).where(Milestone.campaign_id == found.id)
        titles: dict[str, str] = {key: title for key, title in session.execute(named).tuples()}
        late = overdue_units(session, found, top, now)
        changes = (amendments(session, found, top), reclassifications(session, found, top))
        head = header(top.name, found.title, found.plan_number, _place(top.name), now.in_timezone(found.timezone))
        previous = previous_campaign(session, found)
        last_year = compare(session, found, *previous, top, now, levels) if previous is not None else None
    writer(out, build_board(head, whole, rows, titles, late, organizations, changes, last_year))
    return out


def _organizations_per_unit(
    session: Session, campaign: Campaign, top: OrgUnit, children: Sequence[OrgUnit], levels: tuple[str, ...]
) -> list[SubjectResults] | None:
    """Table (a)'s row per child: the organizations the headline counts (grassroots organizations under a committee,
    branches under a grassroots organization) within the child's subtree, the child included, each once with its
    current rating (the level above's decision, else its self-rating), so the rows add up to the headline. None
    while the roll-up has no organization types (then each child's own roll-up is shown)."""
    try:
        from models.decisions import decisions, self_ratings
        from models.progress import organization_types
    except ImportError:
        return None
    types = organization_types(session, campaign, top, levels)
    counted = BRANCH_TYPES if top.level in ("grassroots", "branch") else GRASSROOTS_TYPES
    ratings = {**self_ratings(session, campaign.id), **decisions(session, campaign.id)}
    below = select(OrgUnit.id, OrgUnit.path).where(OrgUnit.path.startswith(top.path, autoescape=True))
    paths = {unit_id: path for unit_id, path in session.execute(below).tuples()}
    found = []
    for child in children:
        units = [u for u, kind in types.items() if kind in counted and paths.get(u, "").startswith(child.path)]
        rated = [ratings[u] for u in units if u in ratings]
        counts = {r: rated.count(r) for r in RATINGS}
        found.append(SubjectResults(total=len(units), evaluated=len(rated), **counts))
    return found


def _writer(path: Path):  # type: ignore[no-untyped-def]
    suffix = path.suffix.lower()
    if suffix not in WRITERS:
        raise fail(
            "unknown_format",
            f"không xuất được định dạng “{suffix}”: dùng .xlsx, .html hoặc .pdf",
            f"cannot write '{suffix}': use .xlsx, .html or .pdf",
            field="out",
        )
    return WRITERS[suffix]


def _place(issuer: str) -> str:
    """The place line's name: "Huyện ủy Củ Chi" → "Củ Chi", "Tỉnh ủy Quảng Trị" → "Quảng Trị"."""
    words = issuer.split(" ", 2)
    return words[-1] if len(words) == 3 else issuer


__all__ = ["FONTS", "Board", "write_board_report"]
