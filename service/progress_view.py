"""Progress as a service operation, and as a table people read."""

from __future__ import annotations

import pendulum

from models.progress import Progress, progress
from service.access import Actor
from service.bootstrap import App
from service.numbers import vn_int


def campaign_progress(app: App, campaign: str, root: str | None, now: pendulum.DateTime) -> Progress:
    with app.unit_of_work() as session:
        return progress(session, campaign, root, now, app.settings.levels)


def subtree_progress(app: App, actor: Actor, campaign: str, root: str | None, now: pendulum.DateTime) -> Progress:
    """Progress of a subtree the actor may read: a unit sees its own subtree (by default, its own)."""
    from models.lookup import campaign_by_key, unit_by_code

    with app.unit_of_work() as session:
        campaign_by_key(session, campaign)
        code = root or (None if actor.admin else actor.unit_code)
        if code is not None:
            actor.require_read(unit_by_code(session, code, field="root"))
        return progress(session, campaign, code, now, app.settings.levels)


def progress_lines(report: Progress) -> list[str]:
    lines = [
        f"{'milestone':<20} {'level':<11} {'deadline':<10} {'units':>6} {'submitted':>9} {'on time':>7} "
        f"{'late':>5} {'overdue':>7} {'pending':>7} {'done %':>7}"
    ]
    for row in report.levels:
        lines.append(
            f"{row.milestone:<20} {row.level:<11} {row.deadline:<10} {vn_int(row.units):>6} "
            f"{vn_int(row.submitted):>9} {vn_int(row.on_time):>7} {vn_int(row.late):>5} "
            f"{vn_int(row.overdue):>7} {vn_int(row.pending):>7} {row.completion_pct:>6.1f}%"
        )
    rated = [(s, r) for s, r in report.results.items() if r.total]
    for subject, result in rated:
        lines.append(
            f"{subject}: {vn_int(result.evaluated)}/{vn_int(result.total)} evaluated, "
            f"{result.good_or_above_pct:.1f}% good or above"
        )
    if report.no_contact:
        missing = ", ".join(f"{level} {vn_int(n)}" for level, n in report.no_contact.items())
        lines.append(f"Đơn vị chưa có địa chỉ liên hệ / units with no contact: {missing}")
    if report.notices:
        states = {"failed": "không gửi được / failed", "uncertain": "có thể chưa đến / uncertain"}
        listed = ", ".join(f"{states.get(state, state)} {vn_int(n)}" for state, n in report.notices.items())
        lines.append(f"Thông báo cần xem lại / notices to check (kiemdiem outbox): {listed}")
    for name, track in report.tracks.items():
        for row in track.levels:
            lines.append(
                f"diện riêng / track {name}: {row.milestone} {row.level} hạn / due {row.deadline}: "
                f"{vn_int(row.submitted)}/{vn_int(row.units)} submitted, {vn_int(row.overdue)} overdue"
            )
    for row in report.levels:
        if row.decision_deadline:
            lines.append(
                f"{row.milestone} {row.level}: tự đánh giá / self-assessed {vn_int(row.submitted)}, "
                f"cấp trên đã quyết định / decided {vn_int(row.decided)}, quá hạn quyết định / decision overdue "
                f"{vn_int(row.decision_overdue)} (hạn / due {row.decision_deadline})"
            )
    for a in report.amendments:
        scope = a.unit or "toàn đợt / whole campaign"
        lines.append(
            f"Điều chỉnh hạn / amended ({a.document}): {a.milestone} {a.old_deadline} → {a.new_deadline}, {scope}"
        )
    for note in report.member_total_notes:
        lines.append(
            f"{note.unit}: báo cáo / reported {vn_int(note.reported)} đảng viên, danh sách / tree {vn_int(note.tree)}"
            f" — {note.reason}"
        )
    if report.added_after_launch:
        added = ", ".join(f"{level} {vn_int(n)}" for level, n in report.added_after_launch.items())
        lines.append(
            f"Đơn vị thêm sau khi triển khai (không tính) / units added after the launch (not counted): {added}"
        )
    return lines
