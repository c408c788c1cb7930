"""Nothing users type reaches an email as HTML: hostile unit names, titles and a returned reason, sent for real
through Apprise to an SMTP server, come out as text in the HTML part; a CR/LF in a name injects no header."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pendulum
import pytest
import uvicorn
from sqlalchemy import update

from entrypoints.api import create_api
from models import clock
from models.tables import OrgUnit
from notifications.senders import AppriseSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import TLS, write
from tests.sinks import SmtpSink, smtp_sink, text_of
from tests.test_messages import Html, assert_no_injection, parse_html

ROOT_NAME = 'Huyện ủy <b onmouseover="alert(1)">A</b>'
CS1_NAME = 'Đảng bộ xã [Một](javascript:alert(1)) <img src="http://evil.example/n.png">'
CB1_NAME = "Chi bộ ![ấp 1](http://evil.example/i.png) <script>alert(1)</script>"
CB2_NAME = "Chi bộ <Số 2> *ấp* _2_ `mã` & co"
CS2_NAME = "Chi bộ Hai\r\nBcc: victim@evil.example\r\nX-Injected: yes"
REASON = (
    '<a href="http://evil.example/">x</a><img src="http://evil.example/p.png"> '
    "[bấm vào đây](javascript:alert(1)) ![](http://evil.example/i.png) <script>alert(1)</script>"
)
CAMPAIGN_TITLE = "Kiểm điểm <năm 2026> ![](http://evil.example/t.png)"
MILESTONE_TITLE = 'Hoàn thành [kiểm điểm](http://evil.example/m) <a href="javascript:alert(1)">cấp cơ sở</a>'
CONFIG = f"""
key: h-2026
title: '{CAMPAIGN_TITLE}'
year: 2026
plan_number: 45-KH/HU
root: HU-A
launch: 2026-11-23
milestones:
  - key: grassroots_review
    title: '{MILESTONE_TITLE}'
    levels: [branch, grassroots]
    deadline: 2026-12-10
"""
TZ = "Asia/Ho_Chi_Minh"


def tree(port: int) -> str:
    def mail(code: str) -> str:
        return f"mailto://127.0.0.1:{port}?from=kd@example.vn&to={code.lower()}@example.vn&secure=no"

    def csv(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = [
        ("HU-A", "", ROOT_NAME, "district", 0),
        ("CS-1", "HU-A", CS1_NAME, "grassroots", 0),
        ("CS-1-CB1", "CS-1", CB1_NAME, "branch", 10),
        ("CS-1-CB2", "CS-1", CB2_NAME, "branch", 12),
        ("CS-2", "HU-A", "Chi bộ Hai", "grassroots", 25),
    ]
    lines = ["code,parent,name,level,members,contacts"]
    lines += [
        f"{code},{parent},{csv(name)},{level},{members},{mail(code)}" for code, parent, name, level, members in rows
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def api(env: dict[str, str]) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    server = uvicorn.Server(uvicorn.Config(create_api(app), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/api/campaigns/h-2026/units"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def post(url: str, token: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30, verify=TLS)


def html_of(message: EmailMessage) -> Html:
    part = message.get_body(preferencelist=("html",))
    assert part is not None and part.get_content_type() == "text/html"
    return parse_html(part.get_content())


def run_campaign(kiemdiem: Any, env: dict[str, str], tmp_path: Path, api: str, smtp: SmtpSink) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", tree(smtp.port))).exit_code == 0
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    with app.unit_of_work() as session:  # another door than the import (which may refuse it): a CR/LF in a name
        session.execute(update(OrgUnit).where(OrgUnit.code == "CS-2").values(name=CS2_NAME))
        session.commit()
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    tokens = {code: kiemdiem("tokens", "issue", code).stdout.strip() for code in ("CS-1", "CS-1-CB1", "CS-1-CB2")}
    sweep(app, "h-2026", pendulum.datetime(2026, 12, 3, 7, 30, tz=TZ), AppriseSender())
    clock.set_now(clock.parse_instant("2026-12-05T09:00:00+07:00"))
    milestone = "CS-1-CB1/milestones/grassroots_review"
    assert post(f"{api}/{milestone}/submit", tokens["CS-1-CB1"], {}).status_code == 200
    # the parent returns it with a hostile reason, as any parent's token may
    returned = post(f"{api}/{milestone}/status", tokens["CS-1"], {"state": "returned", "reason": REASON})
    assert returned.status_code == 200, returned.text
    sweep(app, "h-2026", pendulum.datetime(2026, 12, 5, 9, 30, tz=TZ), AppriseSender())  # the returned notice
    sweep(app, "h-2026", pendulum.datetime(2026, 12, 7, 7, 30, tz=TZ), AppriseSender())
    clock.set_now(clock.parse_instant("2026-12-08T09:00:00+07:00"))
    cs1 = "CS-1/milestones/grassroots_review/submit"
    # lower levels first: CS-1's branches submit (CB1 again, corrected) before CS-1 may
    assert post(f"{api}/{milestone}/submit", tokens["CS-1-CB1"], {}).status_code == 200
    cb2 = "CS-1-CB2/milestones/grassroots_review/submit"
    assert post(f"{api}/{cb2}", tokens["CS-1-CB2"], {}).status_code == 200
    assert post(f"{api}/{cs1}", tokens["CS-1"], {}).status_code == 200  # so HU-A hears of CS-2 alone
    for day in (11, 12):
        sweep(app, "h-2026", pendulum.datetime(2026, 12, day, 7, 30, tz=TZ), AppriseSender())


def test_hostile_names_and_reason_reach_the_email_as_text(
    kiemdiem: Any, env: dict[str, str], tmp_path: Path, api: str
) -> None:
    with smtp_sink() as smtp:
        run_campaign(kiemdiem, env, tmp_path, api, smtp)
        messages: list[EmailMessage] = list(smtp.messages)
    assert len(messages) >= 10
    by_to: dict[str, list[EmailMessage]] = {}
    for message in messages:
        by_to.setdefault(str(message["to"]).split("@")[0], []).append(message)
        assert_no_injection(html_of(message))
        assert "\r" not in str(message["subject"]) and "\n" not in str(message["subject"])
        assert message["bcc"] is None and message["x-injected"] is None
        assert [str(v) for v in message.get_all("to") or []] == [str(message["to"])]  # one recipient, as addressed
    seen = {to: " ".join(html_of(m).text for m in mine) for to, mine in by_to.items()}
    plain = {to: " ".join(text_of(m) for m in mine) for to, mine in by_to.items()}
    # each hostile value reads as typed, in the HTML part and in the plain-text part
    for to, name in (("hu-a", ROOT_NAME), ("cs-1", CS1_NAME), ("cs-1-cb1", CB1_NAME), ("cs-1-cb2", CB2_NAME)):
        assert name in seen[to] and name in plain[to], (to, seen[to])
    assert CAMPAIGN_TITLE in seen["cs-2"] and MILESTONE_TITLE in seen["cs-2"]
    assert f"Lý do: {REASON}." in seen["cs-1-cb1"] and f"Reason: {REASON}." in seen["cs-1-cb1"]
    assert "Chi bộ Hai Bcc: victim@evil.example X-Injected: yes (CS-2)" in seen["hu-a"]
    # the escalation to HU-A carries CS-2's name in its subject, on one line (Apprise's email.header.Header would
    # also fold a CR/LF left in; test_messages checks that no title carries one, for every channel)
    (escalation,) = [m for m in by_to["hu-a"] if "Báo cáo cấp trên" in str(m["subject"])]
    assert str(escalation["subject"]).startswith(
        "[45-KH/HU] Báo cáo cấp trên: Chi bộ Hai Bcc: victim@evil.example X-Injected: yes (CS-2) quá hạn 2 ngày"
    )
