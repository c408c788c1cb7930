"""A returned report's notice and its reason reach the unit through a real SMTP server, inside a digest: the 12/12
sweep has both the `returned` notice (returned 11/12 09:00, new deadline 15/12) and the reminder "còn 3 ngày" for
CS-1, and one email carries both, each with what to do (issue 9, item 3). Asserted on what the server received."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy import select

from models.tables import OutboxEntry
from notifications.senders import AppriseSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import write
from tests.sinks import smtp_sink
from tests.test_messages import assert_no_injection, parse_html

TZ = "Asia/Ho_Chi_Minh"
REASON = "Số đảng viên được đánh giá (41) lớn hơn tổng số đảng viên (39); đề nghị rà soát lại biểu 1"
ACTION = "hoàn thành kiểm điểm, đánh giá, xếp loại và báo cáo kết quả"
CONFIG = f"""
key: r-2026
title: "Kiểm điểm, đánh giá, xếp loại chất lượng năm 2026"
year: 2026
plan_number: 45-KH/ĐU
root: DU-A
launch: 2026-11-23
organizer: {{name: "Ban Tổ chức Đảng ủy A", contact: "đồng chí Trần Thị B, điện thoại 0283 765 4321"}}
milestones:
  - key: grassroots_review
    title: "Hoàn thành kiểm điểm cấp cơ sở"
    action: "{ACTION}"
    levels: [grassroots]
    deadline: 2026-12-10
"""


def tree(port: int) -> str:
    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    return (
        "code,parent,name,level,members,contacts\n"
        f"DU-A,,Đảng ủy A,commune,0,{mail('DU-A')}\n"
        f"CS-1,DU-A,Chi bộ Một,grassroots,39,{mail('CS-1')}\n"
    )


def at(day: int, hour: int = 7, minute: int = 30) -> pendulum.DateTime:
    return pendulum.datetime(2026, 12, day, hour, minute, tz=TZ)


def words(message: EmailMessage, kind: str) -> str:
    """The text a person reads in the `html` or `plain` part, whitespace collapsed."""
    part = message.get_body(preferencelist=(kind,))
    assert part is not None and part.get_content_type() == f"text/{kind}"
    return parse_html(part.get_content()).text if kind == "html" else " ".join(part.get_content().split())


def run(kiemdiem: Any, env: dict[str, str], tmp_path: Path, port: int) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(port))).exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    for day in (3, 7, 9):
        sweep(app, "r-2026", at(day), AppriseSender())
    unit = ["--campaign", "r-2026", "--unit", "CS-1", "--milestone", "grassroots_review"]
    submitted = kiemdiem("status", "submit", *unit, "--at", "2026-12-09T10:00:00+07:00")
    assert submitted.exit_code == 0, submitted.stderr
    returned = kiemdiem(
        "status", "set", *unit, "--state", "returned", "--reason", REASON, "--until", "2026-12-15",
        "--at", "2026-12-11T09:00:00+07:00",
    )  # fmt: skip
    assert returned.exit_code == 0, returned.stderr


def test_a_returned_notice_and_its_reason_reach_the_unit_in_a_digest(kiemdiem, env, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        run(kiemdiem, env, tmp_path, smtp.port)
        before = len(smtp.messages)
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        result = sweep(app, "r-2026", at(12), AppriseSender())
        arrived: list[EmailMessage] = list(smtp.messages[before:])
    assert result["campaigns"]["r-2026"]["delivered"] == {"messages": 1, "sent": 2}
    (digest,) = arrived
    assert str(digest["to"]) == "cs-1@example.vn"
    assert str(digest["subject"]) == "[45-KH/ĐU] Tổng hợp thông báo: 2 thông báo / 2 notices"
    html = parse_html(digest.get_body(preferencelist=("html",)).get_content())  # type: ignore[union-attr]
    assert_no_injection(html)
    for kind in ("html", "plain"):
        text = words(digest, kind)
        # the returned report: its reason and its new deadline, in both languages
        assert "Trả lại để hoàn thiện — Hoàn thành kiểm điểm cấp cơ sở" in text, text
        assert f"Lý do: {REASON}." in text and f"Reason: {REASON}." in text
        assert "nộp lại đến hết thứ Ba, ngày 15/12/2026" in text.replace("*", "")
        assert "resubmit by the end of 15/12/2026" in text.replace("*", "")
        # the reminder against the new deadline says what to do, with the campaign's action phrase
        assert "Còn 3 ngày đến hạn thứ Ba, ngày 15/12/2026" in text.replace("*", "")
        assert f"Đề nghị đơn vị {ACTION} đúng hạn." in text
        # who sends it, whom to ask, and how to report without a public page
        assert "Nơi gửi: Ban Tổ chức Đảng ủy A. Liên hệ: đồng chí Trần Thị B, điện thoại 0283 765 4321." in text
        assert "gửi báo cáo kết quả về Ban Tổ chức Đảng ủy A" in text
        assert "«" not in text and "1 days" not in text
    with app.unit_of_work() as session:
        returned = [e.status for e in session.scalars(select(OutboxEntry).where(OutboxEntry.kind == "returned"))]
    assert returned == ["sent"]  # never superseded by the reminder decided after it


def test_after_downtime_the_catch_up_says_overdue_and_the_plan_lists_the_deadline(kiemdiem, env, tmp_path) -> None:
    """No sweep from the launch until 14/12 (the service was down): CS-1 gets its plan, with its deadline in the
    action's words, and one catch-up saying the task is 4 days overdue, copied to its supervising unit."""
    with smtp_sink() as smtp:
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(smtp.port))).exit_code == 0
        at_launch = "2026-11-23T08:00:00+07:00"
        assert kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", at_launch).exit_code == 0
        app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
        sweep(app, "r-2026", at(14), AppriseSender())
        arrived: list[EmailMessage] = list(smtp.messages)
    to_unit = [m for m in arrived if str(m["to"]) == "cs-1@example.vn"]
    to_parent = [m for m in arrived if str(m["to"]) == "du-a@example.vn"]
    assert len(to_unit) == 1 and len(to_parent) == 1  # the issuing committee hears only of CS-1, never its own plan
    text = words(to_unit[0], "html")
    assert f"bảo đảm các thời hạn: {ACTION} đến hết thứ Năm, ngày 10/12/2026." in text
    assert f"Đơn vị chưa {ACTION}, đã quá hạn 4 ngày (hạn thứ Năm, ngày 10/12/2026)." in text
    assert "Đồng gửi Đảng ủy A (DU-A) để đôn đốc." in text
    assert str(to_parent[0]["subject"]).startswith("[45-KH/ĐU] Cập nhật tình hình: quá hạn 4 ngày")
