"""The board report's tables, built once from the progress figures and written by service.board_writers.

A cell is a text, a count (int), a share of a whole (Share: written as a fraction in XLSX, `87,97%` elsewhere), the
quota check (Quota: ✓/✗), a date, or None (empty). Shares are of those evaluated (results) or of the units that must
report (progress); a share of nothing is `X`, as the offices write it.

The report reads the roll-up's newer fields with defaults (`not_evaluated` by reason and `probationary` on a
subject's results; `organizations_by_type` on the progress), so it works on figures that do not have them: a count
not broken down by reason is shown as `other`, and members not known to be probationary as full members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from models.changes import AmendmentRow, RerateRow
from models.overdue import OverdueUnit
from models.progress import Progress
from models.reports import QUOTA, RATING_VI, SUBJECT_VI
from models.year_over_year import YearOverYearView

LEVEL_VI = {
    "province": "Tỉnh ủy, Thành ủy",
    "district": "Huyện ủy, Quận ủy, Thị ủy",
    "commune": "Đảng ủy xã, phường, đặc khu",
    "bloc": "Đảng ủy khối / đảng ủy trực thuộc",
    "grassroots": "Tổ chức cơ sở đảng",
    "branch": "Chi bộ trực thuộc",
}
STATUS_VI = {"pending": "chưa thực hiện", "in_progress": "đang thực hiện", "returned": "bị trả lại để hoàn thiện"}
REASONS = ("exempt", "suspended", "new", "other")
# Table (a), by type of organization (REPORT-FORMS.md): the key in Progress.organizations_by_type, and its row.
TYPES = [
    ("A", "Tổ chức cơ sở đảng", [("dang_bo_co_so", "Đảng bộ cơ sở"), ("chi_bo_co_so", "Chi bộ cơ sở")]),
    ("B", "Đảng bộ bộ phận", [("dang_bo_bo_phan", "Đảng bộ bộ phận")]),
    ("C", "Chi bộ trực thuộc đảng ủy cơ sở", [("chi_bo_truc_thuoc", "Chi bộ trực thuộc")]),
    ("D", "Đảng ủy cấp trên trực tiếp của cơ sở", [("upper_committee", "Đảng ủy cấp trên cơ sở")]),
]


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    def fraction(self) -> float | None:
        """part/whole to four places (what two decimals of a percentage show); None when whole is 0."""
        return round(self.part / self.whole, 4) if self.whole else None


@dataclass(frozen=True)
class Quota:
    """Excellent within 20% of good (Quy định 366-QĐ/TW): ✓ or ✗."""

    ok: bool


Cell = str | int | Share | Quota | dt.date | None


@dataclass
class Table:
    sheet: str  # the XLSX sheet it goes on
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    strong: set[int] = field(default_factory=set)  # rows printed bold: totals and group lines
    note: str = ""


@dataclass
class Board:
    head: list[str]
    tables: list[Table]


@dataclass(frozen=True)
class Counts:
    """One subject's figures, with the not-evaluated reasons and the probationary members resolved."""

    total: int = 0
    evaluated: int = 0
    excellent: int = 0
    good: int = 0
    completed: int = 0
    not_completed: int = 0
    exempt: int = 0
    suspended: int = 0
    new: int = 0
    other: int = 0
    probationary: int = 0

    @classmethod
    def of(cls, results: Any) -> Counts:
        if results is None:
            return cls()

        def get(name: str) -> int:
            return int(getattr(results, name, 0) or 0)

        reasons = dict(getattr(results, "not_evaluated", None) or {})
        known = {r: int(reasons.get(r, 0) or 0) for r in REASONS}
        unexplained = get("total") - get("evaluated") - sum(known.values())
        known["other"] += max(0, unexplained)
        return cls(
            **{n: get(n) for n in ("total", "evaluated", "excellent", "good", "completed", "not_completed")},
            **known,
            probationary=get("probationary"),
        )

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{n: getattr(self, n) + getattr(other, n) for n in self.__dataclass_fields__})

    @property
    def not_evaluated(self) -> int:
        return self.exempt + self.suspended + self.new + self.other

    def ratings(self) -> list[Cell]:
        """The four levels (n, %), good or above (%) and the 20% check: the columns both tables end with."""
        cells: list[Cell] = [self.evaluated]
        for n in (self.excellent, self.good, self.completed, self.not_completed):
            cells += [n, Share(n, self.evaluated)]
        within = self.excellent * 100 <= round(100 * QUOTA) * self.good  # whole numbers: no float edge
        return [*cells, Share(self.excellent + self.good, self.evaluated), Quota(within) if self.evaluated else None]


RATING_COLUMNS = [
    "Được đánh giá",
    "Hoàn thành xuất sắc",
    "%",
    "Hoàn thành tốt",
    "%",
    "Hoàn thành",
    "%",
    "Không hoàn thành",
    "%",
    "Tốt trở lên (%)",
    "Xuất sắc ≤ 20% số tốt",
]
ORG_COLUMNS = [
    "TT",
    "Đơn vị",
    "Tổng số",
    "Không đánh giá",
    "trong đó: thành lập dưới 6 tháng",
    "lý do khác",
    *RATING_COLUMNS,
]
MEMBER_COLUMNS = [
    "TT",
    "Đơn vị",
    "Tổng số",
    "Chính thức",
    "Dự bị",
    "Không đánh giá",
    "miễn công tác và sinh hoạt đảng",
    "đình chỉ sinh hoạt đảng",
    "kết nạp dưới 6 tháng",
    "lý do khác",
    *RATING_COLUMNS,
]


def org_row(number: int | str, name: str, c: Counts) -> list[Cell]:
    return [number, name, c.total, c.not_evaluated, c.new, c.not_evaluated - c.new, *c.ratings()]


def member_row(number: int | str, name: str, c: Counts) -> list[Cell]:
    reasons: list[Cell] = [c.not_evaluated, c.exempt, c.suspended, c.new, c.other]
    return [number, name, c.total, c.total - c.probationary, c.probationary, *reasons, *c.ratings()]


def header(issuer: str, title: str, plan: str, place: str, now: Any) -> list[str]:
    return [
        issuer.upper(),
        "BAN TỔ CHỨC",
        f"BÁO CÁO TIẾN ĐỘ VÀ KẾT QUẢ {title.upper()}",
        f"(Kế hoạch số {plan})",
        f"{place}, ngày {now.day} tháng {now.month} năm {now.year}",
    ]


def build_board(
    head: list[str],
    whole: Progress,
    units: list[tuple[str, Progress]],
    titles: dict[str, str],
    late: list[OverdueUnit],
    organizations: list[Any] | None = None,
    changes: tuple[list[AmendmentRow], list[RerateRow]] = ([], []),
    last_year: YearOverYearView | None = None,
) -> Board:
    """All the tables: results per subject for `whole`; tables (a) and (b) with a row per (name, progress) in `units`
    and their sum (table (a) from `organizations`, one per unit, when given); organizations by type; progress per
    level (milestones named by `titles`); the `late` units; the amendments and re-ratings; `last_year` beside."""
    tables = [_summary(whole)]
    if units:
        tables += _per_unit(units, organizations, reference_date(whole))
    by_type = getattr(whole, "organizations_by_type", None) or {}
    if by_type:
        tables.append(_by_type(by_type))
    tables.append(_levels(whole, titles))
    tables += _tracks(whole, titles)
    tables.append(_late(late, titles))
    amended, rerated = changes
    if amended:
        tables.append(_amendments(amended, titles))
    if rerated:
        tables.append(_reclassifications(rerated))
    if last_year is not None:
        from service.board_last_year import last_year_tables

        tables += last_year_tables(last_year, titles)
    return Board(head, tables)


def _amendments(amended: list[AmendmentRow], titles: dict[str, str]) -> Table:
    columns = ["TT", "Văn bản", "Mốc", "Phạm vi", "Hạn cũ", "Hạn mới", "Số đơn vị", "Lý do"]
    table = Table("Điều chỉnh hạn", "IV. Điều chỉnh thời hạn trong đợt", columns)
    for number, a in enumerate(amended, start=1):
        scope = f"{a.unit} và cấp dưới" if a.unit else "Toàn đợt"
        row: list[Cell] = [number, a.document, titles.get(a.milestone, a.milestone), scope, a.old_deadline]
        table.rows.append([*row, a.new_deadline, a.units, a.reason])
    return table


def _reclassifications(rerated: list[RerateRow]) -> Table:
    columns = ["TT", "Đơn vị", "Cấp quyết định", "Xếp loại trước", "Xếp loại lại", "Lý do"]
    table = Table("Xếp loại lại", "V. Hủy kết quả, xếp loại lại (Quy định 366-QĐ/TW, Điều 15)", columns)
    for number, r in enumerate(rerated, start=1):
        table.rows.append(
            [
                number,
                r.unit,
                r.decider,
                RATING_VI.get(r.previous, r.previous),
                RATING_VI.get(r.rating, r.rating),
                r.reason,
            ]
        )
    return table


def reference_date(report: Progress) -> dt.date | None:
    """The campaign's reference date for members admitted less than 6 months (rules.new_member_reference_date)."""
    given = getattr(report, "new_member_reference_date", "")
    return dt.date.fromisoformat(given) if given else None


def new_members_note(reference: dt.date) -> str:
    return f"Kết nạp dưới 6 tháng: tính đến ngày {reference:%d/%m/%Y}."


def _summary(report: Progress) -> Table:
    columns = ["Đối tượng", "Tổng số", "Không đánh giá", *RATING_COLUMNS]
    reference = reference_date(report)
    note = "Tỷ lệ tính trên số được đánh giá." + (f" {new_members_note(reference)}" if reference else "")
    table = Table("Kết quả", "I. Tổng hợp kết quả đánh giá, xếp loại", columns, note=note)
    for subject, results in report.results.items():
        c = Counts.of(results)
        if c.total:
            table.rows.append([SUBJECT_VI[subject].capitalize(), c.total, c.not_evaluated, *c.ratings()])
    return table


def _per_unit(
    units: list[tuple[str, Progress]], organizations: list[Any] | None, reference: dt.date | None = None
) -> list[Table]:
    note = "Tỷ lệ tính trên số được đánh giá; dòng Tổng cộng là tổng các dòng trên."
    orgs = Table("Tổ chức đảng", "Biểu (a): Kết quả xếp loại tổ chức đảng", ORG_COLUMNS, note=note)
    member_note = f"{note} {new_members_note(reference)}" if reference else note
    members = Table("Đảng viên", "Biểu (b): Kết quả xếp loại đảng viên", MEMBER_COLUMNS, note=member_note)
    org_sum, member_sum = Counts(), Counts()
    for number, (name, report) in enumerate(units, start=1):
        org = Counts.of(organizations[number - 1] if organizations else report.results.get("organization"))
        member = Counts.of(report.results.get("member"))
        orgs.rows.append(org_row(number, name, org))
        members.rows.append(member_row(number, name, member))
        org_sum, member_sum = org_sum + org, member_sum + member
    for table, row in ((orgs, org_row("", "Tổng cộng", org_sum)), (members, member_row("", "Tổng cộng", member_sum))):
        table.strong.add(len(table.rows))
        table.rows.append(row)
    return [orgs, members]


def _by_type(by_type: dict[str, Any]) -> Table:
    table = Table(
        "Tổ chức đảng theo loại",
        "Biểu (a): Kết quả xếp loại tổ chức đảng theo loại hình",
        ORG_COLUMNS,
        note="Tỷ lệ tính trên số được đánh giá.",
    )
    for letter, group, kinds in TYPES:
        counts = [(label, Counts.of(by_type.get(key))) for key, label in kinds]
        if len(counts) == 1:
            table.strong.add(len(table.rows))
            table.rows.append(org_row(letter, group, counts[0][1]))
            continue
        table.strong.add(len(table.rows))
        table.rows.append([letter, group])
        for number, (label, c) in enumerate(counts, start=1):
            table.rows.append(org_row(number, label, c))
        table.strong.add(len(table.rows))
        table.rows.append(org_row("", "Cộng", sum((c for _, c in counts), Counts())))
    return table


LEVEL_COLUMNS = [
    "Mốc",
    "Cấp",
    "Hạn",
    "Số đơn vị",
    "Đã nộp",
    "Đúng hạn",
    "Trễ hạn",
    "Quá hạn",
    "Chưa đến hạn",
    "Được miễn",
    "Hoàn thành (%)",
]


def _levels(report: Progress, titles: dict[str, str]) -> Table:
    note = "Tỷ lệ hoàn thành tính trên số đơn vị phải nộp."
    tracks = getattr(report, "tracks", None) or {}
    if tracks:
        note += (
            " Gồm cả các đơn vị thuộc diện riêng, mỗi đơn vị tính theo hạn của mình; hạn ghi ở đây là hạn chung, "
            "hạn và tiến độ của từng diện ở các biểu sau."
        )
    table = Table("Tiến độ", "II. Tiến độ theo mốc và cấp", LEVEL_COLUMNS, note=note)
    _level_rows(table, report.levels, titles)
    return table


def _tracks(report: Progress, titles: dict[str, str]) -> list[Table]:
    """A table per track (diện riêng): its units only, against the track's own deadlines."""
    tables = []
    for number, track in enumerate((getattr(report, "tracks", None) or {}).values(), start=1):
        table = Table(
            f"Tiến độ diện {number}",
            f"II.{number}. Tiến độ của diện riêng: {track.title}",
            LEVEL_COLUMNS,
            note="Chỉ các đơn vị thuộc diện này, theo hạn riêng của diện.",
        )
        _level_rows(table, track.levels, titles)
        tables.append(table)
    return tables


def _level_rows(table: Table, levels: list[Any], titles: dict[str, str]) -> None:
    for r in levels:
        table.rows.append(
            [
                titles.get(r.milestone, "(mốc không tên)"),
                level_vi(r.level),
                dt.date.fromisoformat(r.deadline),
                r.units,
                r.submitted,
                r.on_time,
                r.late,
                r.overdue,
                r.pending,
                r.exempt,
                Share(r.submitted, r.units - r.exempt),
            ]
        )


def _late(late: list[OverdueUnit], titles: dict[str, str]) -> Table:
    columns = ["TT", "Đơn vị", "Cấp", "Trực thuộc", "Mốc", "Hạn", "Số ngày quá hạn", "Tình trạng"]
    table = Table(
        "Chưa báo cáo",
        "III. Đơn vị chưa báo cáo, quá hạn (lâu nhất trước)",
        columns,
        note="Không có đơn vị nào quá hạn." if not late else "",
    )
    for number, u in enumerate(late, start=1):
        table.rows.append(
            [
                number,
                u.unit_name,
                level_vi(u.level),
                u.parent_name or "",
                titles.get(u.milestone, u.milestone_title),
                u.deadline,
                u.days_overdue,
                STATUS_VI.get(u.status, u.status),
            ]
        )
    return table


def level_vi(level: str) -> str:
    """A level's Vietnamese name; a level the settings added is shown as named there."""
    return LEVEL_VI.get(level, level)
