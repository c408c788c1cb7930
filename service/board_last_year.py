"""The board report's sheets beside last year (issue 16, item 2): this year's figures and last year's on the same
day of its campaign (models.year_over_year), as tables service.board_writers writes like the others."""

from __future__ import annotations

import datetime as dt

from models.reports import SUBJECT_VI
from models.year_over_year import YearOverYearView
from service.board_tables import Cell, Share, Table, level_vi

LAST_YEAR_COLUMNS = [
    "Mốc",
    "Cấp",
    "Số đơn vị (có cả hai năm)",
    "Đã nộp",
    "Đã nộp (%)",
    "Năm trước: đã nộp",
    "Năm trước: đã nộp (%)",
    "Đúng hạn (%)",
    "Năm trước: đúng hạn (%)",
    "Quá hạn",
    "Năm trước: quá hạn",
    "Đơn vị mới",
    "Đơn vị mới: đã nộp",
    "Đơn vị không còn",
    "Năm trước, đơn vị không còn: đã nộp",
]
LAST_YEAR_RESULT_COLUMNS = [
    "Đối tượng",
    "Được đánh giá",
    "Tốt trở lên (%)",
    "Năm trước: được đánh giá",
    "Năm trước: tốt trở lên (%)",
    "Đơn vị mới: được đánh giá",
    "Đơn vị mới: tốt trở lên (%)",
    "Đơn vị không còn: được đánh giá",
    "Năm trước, đơn vị không còn: tốt trở lên (%)",
]


def last_year_tables(view: YearOverYearView, titles: dict[str, str]) -> list[Table]:
    """This year beside last year (đợt `view.previous`) on the same day of each campaign: the units in both years
    matched by code; the units new this year and gone since last year apart."""
    when = dt.date.fromisoformat(view.previous_at[:10])
    note = (
        f"So với đợt {view.previous}, {view.basis['vi']} (năm trước: ngày {when:%d/%m/%Y}). So sánh "
        f"{view.units.both} đơn vị có ở cả hai năm (theo mã đơn vị); {view.units.new} đơn vị mới và "
        f"{view.units.gone} đơn vị không còn tính riêng. Tỷ lệ tính trên số đơn vị phải nộp."
    )
    table = Table("Năm trước", "VI. So sánh với năm trước, cùng ngày của đợt", LAST_YEAR_COLUMNS, note=note)
    for r in view.levels:
        now, then, new, gone = r.this_year, r.last_year, r.new, r.gone
        table.rows.append(
            [
                titles.get(r.milestone, r.milestone),
                level_vi(r.level),
                now.units,
                now.submitted,
                Share(now.submitted, now.units),
                then.submitted,
                Share(then.submitted, then.units),
                Share(now.on_time, now.units),
                Share(then.on_time, then.units),
                now.overdue,
                then.overdue,
                new.units,
                new.submitted,
                gone.units,
                gone.submitted,
            ]
        )
    results = Table(
        "Năm trước - kết quả",
        "VI.2. Tỷ lệ hoàn thành tốt nhiệm vụ trở lên, so với năm trước, cùng ngày của đợt",
        LAST_YEAR_RESULT_COLUMNS,
        note="Tỷ lệ tính trên số được đánh giá; tổ chức đảng: quyết định của cấp trên đến ngày đó, nếu chưa có thì "
        "tự xếp loại.",
    )
    for s in view.results:
        row: list[Cell] = [SUBJECT_VI[s.subject].capitalize()]
        for side in (s.this_year, s.last_year, s.new, s.gone):
            row += [side.evaluated, Share(side.good_or_above, side.evaluated)]
        results.rows.append(row)
    return [table, results]
