"""The decision step on its own date: the decider is reminded of the units waiting for its decision, named, and
escalated to the level above it when late; counted at a real SMTP server."""

from __future__ import annotations

import json
import time
from email.message import EmailMessage
from pathlib import Path

import yaml

from tests.conftest import write
from tests.sinks import mailbox, smtp_sink, text_of


def tree(port: int) -> str:
    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    rows = ["code,parent,name,level,members,contacts", f"T,,Tỉnh ủy T,province,0,{mail('T')}"]
    rows.append(f"X1,T,Đảng ủy xã 1,commune,0,{mail('X1')}")
    rows += [f"G{n},X1,Chi bộ cơ sở {n},grassroots,10,{mail(f'G{n}')}" for n in (1, 2, 3)]
    return "\n".join(rows) + "\n"


CONFIG = """key: q-2026
title: "Kiểm điểm 2026"
year: 2026
plan_number: 8-KH/TU
root: T
launch: 2026-11-23
milestones:
  - {key: grassroots_review, levels: [grassroots], deadline: 2026-12-15, decision_deadline: 2026-12-31}
  - {key: commune_review, levels: [commune], deadline: 2026-12-31, after_children: grassroots_review}
"""


def test_the_decider_is_reminded_of_the_units_waiting_and_escalated_when_late(kiemdiem, tmp_path: Path) -> None:
    with smtp_sink() as smtp:
        assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(smtp.port))).exit_code == 0
        launched = kiemdiem(
            "campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00"
        )
        assert launched.exit_code == 0, launched.stderr
        report = {"subjects": {"member": {"total": 10, "evaluated": 10, "good": 10}}, "self_rating": "good"}
        path = write(tmp_path / "r.yaml", yaml.safe_dump(report))
        for unit in ("G1", "G2"):  # G3 never reports: nothing of it waits for a decision
            ran = kiemdiem(
                "status", "submit", "--campaign", "q-2026", "--unit", unit, "--milestone", "grassroots_review",
                "--report", path, "--at", "2026-12-14T09:00:00+07:00",
            )  # fmt: skip
            assert ran.exit_code == 0, ran.stderr

        def sweep(at: str) -> list[EmailMessage]:
            seen = len(smtp.messages)
            assert kiemdiem("campaign", "sweep", "--at", at).exit_code == 0
            time.sleep(0.3)
            return list(smtp.messages[seen:])

        sweep("2026-12-27T07:30:00+07:00")
        reminded = [m for m in sweep("2026-12-28T07:30:00+07:00") if "chờ quyết định xếp loại" in text_of(m)]
        assert [mailbox(m) for m in reminded] == ["x1"]  # T-3 of 31/12, to the decider only
        body = text_of(reminded[0])
        assert "2 đơn vị đã tự đánh giá" in body and "Đơn vị chờ quyết định xếp loại: G1, G2." in body
        assert "hạn quyết định đến hết thứ Năm, ngày 31/12/2026" in body
        again = [m for m in sweep("2026-12-28T12:00:00+07:00") if "chờ quyết định" in text_of(m)]
        assert again == []  # a second sweep the same day adds nothing
        decided = kiemdiem(
            "status", "decide", "--campaign", "q-2026", "--decider", "X1", "--unit", "G1", "--rating", "good",
            "--at", "2026-12-29T09:00:00+07:00",
        )  # fmt: skip
        assert decided.exit_code == 0, decided.stderr
        sweep("2027-01-01T07:30:00+07:00")
        sweep("2027-01-02T07:30:00+07:00")
        late = [m for m in sweep("2027-01-03T07:30:00+07:00") if "quyết định xếp loại" in text_of(m)]
        late = [m for m in late if "Quá hạn" in str(m["Subject"]) or "quá hạn 3 ngày" in text_of(m)]
        shown = kiemdiem("progress", "--campaign", "q-2026", "--format", "json", "--at", "2027-01-03T08:00:00+07:00")
    row = next(r for r in json.loads(shown.stdout)["levels"] if r["level"] == "grassroots")
    # three numbers per level: self-assessed 2 (G1, G2), decided 1 (G1), past the decision date without one 2 (G2, G3)
    assert (row["submitted"], row["decided"], row["decision_deadline"], row["decision_overdue"]) == (
        2,
        1,
        "2026-12-31",
        2,
    )
    assert sorted(mailbox(m) for m in late) == ["t", "x1"]  # the decider and the level above it
    for message in late:
        body = text_of(message)
        assert "chưa quyết định xếp loại chất lượng cho 1 đơn vị" in body
        assert "Đơn vị chờ quyết định xếp loại: G2." in body
