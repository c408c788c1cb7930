"""Units at risk (issue 16, item 3): in the second of two campaigns on one tree, a unit late in the first with no
activity yet is high risk with both reasons; its parent gets exactly one early notice ("dự báo có nguy cơ chậm")
at a real SMTP server across two sweeps; once the unit submits it drops off the list."""

from __future__ import annotations

import datetime as dt
import json
import time
from email.message import EmailMessage
from pathlib import Path

from models.risk import Facts, LastTime, RiskLevel, assess
from tests.conftest import write
from tests.sinks import mailbox, smtp_sink, text_of


def tree(port: int) -> str:
    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    rows = ["code,parent,name,level,members,contacts", f"T,,Tỉnh ủy T,province,0,{mail('T')}"]
    rows.append(f"X1,T,Đảng ủy xã 1,commune,0,{mail('X1')}")
    rows += [f"G{n},X1,Chi bộ cơ sở {n},grassroots,10,{mail(f'G{n}')}" for n in (1, 2)]
    return "\n".join(rows) + "\n"


CONFIG_2025 = """key: q-2025
title: "Kiểm điểm năm 2025"
year: 2025
plan_number: 8-KH/TU
root: T
launch: 2025-11-20
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2025-12-15}
  - {key: commune_review, levels: [commune], deadline: 2025-12-31, after_children: grassroots_review}
"""


def test_a_unit_late_last_year_with_no_activity_is_high_risk_and_its_parent_told_once(kiemdiem, tmp_path: Path) -> None:
    def submit(campaign: str, unit: str, milestone: str, at: str) -> None:
        ran = kiemdiem(
            "status", "submit", "--campaign", campaign, "--unit", unit, "--milestone", milestone, "--at", at
        )  # fmt: skip
        assert ran.exit_code == 0, ran.stderr

    def at_risk(at: str) -> list[dict[str, object]]:
        ran = kiemdiem("progress", "--campaign", "q-2026", "--at-risk", "--format", "json", "--at", at)
        assert ran.exit_code == 0, ran.stderr
        return list(json.loads(ran.stdout)["units"])

    with smtp_sink() as smtp:
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(smtp.port))).exit_code == 0
        first = kiemdiem(
            "campaign", "launch", write(tmp_path / "c.yaml", CONFIG_2025), "--at", "2025-11-20T08:00:00+07:00"
        )
        assert first.exit_code == 0, first.stderr
        submit("q-2025", "G2", "grassroots_review", "2025-12-10T09:00:00+07:00")
        submit("q-2025", "G1", "grassroots_review", "2025-12-21T09:00:00+07:00")  # 6 days late
        submit("q-2025", "X1", "commune_review", "2025-12-30T09:00:00+07:00")
        assert kiemdiem("campaign", "close", "q-2025", "--at", "2026-01-10T08:00:00+07:00").exit_code == 0
        # The second year, written from the first.
        written = kiemdiem("campaign", "launch", "--from", "q-2025", "--year", "2026", "--out", tmp_path / "q.yaml")
        assert written.exit_code == 0, written.stderr
        config = (tmp_path / "q.yaml").read_text(encoding="utf-8").replace('plan_number: ""', "plan_number: 9-KH/TU")
        second = kiemdiem("campaign", "launch", write(tmp_path / "q.yaml", config), "--at", "2026-11-20T08:00:00+07:00")
        assert second.exit_code == 0, second.stderr

        def sweep(at: str) -> list[EmailMessage]:
            seen = len(smtp.messages)
            ran = kiemdiem("campaign", "sweep", "--at", at)
            assert ran.exit_code == 0, ran.stderr
            time.sleep(0.3)
            return list(smtp.messages[seen:])

        sent = sweep("2026-12-08T07:30:00+07:00") + sweep("2026-12-09T07:30:00+07:00")  # 7 and 6 days before 15/12
        early = [m for m in sent if "nguy cơ chậm" in text_of(m)]
        assert [mailbox(m) for m in early] == ["x1"]  # the parent, once across two sweeps
        body = text_of(early[0]).replace("**", "")  # with the plan notice still unsent: a digest, in plain text
        assert "Kính gửi Đảng ủy xã 1 (X1)" in body and "hạn thứ Ba, ngày 15/12/2026" in body
        assert "Dự báo có nguy cơ chậm: Chi bộ cơ sở 1 (G1) chưa" in body
        assert "nộp chậm 6 ngày ở đợt q-2025" in body and "chưa có hoạt động" in body and "no activity yet" in body
        assert "G2" not in body  # low risk: listed, but its parent is not told

        listed = at_risk("2026-12-09T09:00:00+07:00")
        assert [(u["unit"], u["level"]) for u in listed] == [("G1", "high"), ("G2", "low")]
        reasons = {r["kind"]: r for r in listed[0]["reasons"]}  # type: ignore[union-attr]
        assert set(reasons) == {"late_last_year", "no_activity"}
        assert reasons["late_last_year"]["en"] == "6 days late in q-2025"
        table = kiemdiem("progress", "--campaign", "q-2026", "--at-risk", "--at", "2026-12-09T09:00:00+07:00")
        assert "cao / high: G1 Chi bộ cơ sở 1 · grassroots_review · hạn / due 2026-12-15" in table.stdout
        assert "  - nộp chậm 6 ngày ở đợt q-2025 / 6 days late in q-2025" in table.stdout

        submit("q-2026", "G1", "grassroots_review", "2026-12-10T09:00:00+07:00")
        assert [u["unit"] for u in at_risk("2026-12-10T10:00:00+07:00")] == ["G2"]
        again = sweep("2026-12-11T07:30:00+07:00")
    assert not [m for m in again if "nguy cơ chậm" in text_of(m)]


def facts(**changes: object) -> Facts:
    values: dict[str, object] = dict(
        unit="G1", name="Chi bộ 1", parent="X1", milestone="m", deadline=dt.date(2026, 12, 15), status="pending",
        started=False, contacts=1, failing_notices=0,
    )  # fmt: skip
    return Facts(**(values | changes))  # type: ignore[arg-type]


def test_the_rule_in_one_line_per_level() -> None:
    late = LastTime("q-2025", 6, done=True)
    never = LastTime("q-2025", None, done=False)
    assert assess(facts(started=True)) is None
    assert assess(facts(last_time=late)).level == RiskLevel.HIGH  # type: ignore[union-attr]
    assert assess(facts(last_time=never, started=True, status="returned")).level == RiskLevel.HIGH  # type: ignore[union-attr]
    late_but_busy = assess(facts(last_time=late, started=True, status="in_progress", contacts=0))
    assert late_but_busy is not None and late_but_busy.level == RiskLevel.MEDIUM
    escalated = LastTime("q-2025", 6, done=True, escalated_days=4)
    busy_but_escalated = assess(facts(last_time=escalated, started=True, status="in_progress"))
    assert busy_but_escalated is not None and len(busy_but_escalated.reasons) == 2
    assert busy_but_escalated.level == RiskLevel.LOW  # late and escalated last year: one fact, told twice
    assert assess(facts(last_time=escalated, started=True, contacts=0)).level == RiskLevel.MEDIUM  # type: ignore[union-attr]
    assert assess(facts(started=True, children=4, children_open=3)).level == RiskLevel.LOW  # type: ignore[union-attr]
    assert assess(facts(started=True, children=4, children_open=2)) is None  # half is not more than half
    on_time = assess(facts(last_time=LastTime("q-2025", 0, done=True)))
    assert on_time is not None and [r.kind.value for r in on_time.reasons] == ["no_activity"]
