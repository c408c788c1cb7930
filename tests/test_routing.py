"""Who receives what: contact tags and the campaign's routing; units no notice can reach are reported."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pendulum

from notifications.contacts import split_contact, urls_for
from notifications.senders import CaptureSender
from service.bootstrap import build_app
from service.settings import Settings
from service.sweeps import sweep
from tests.conftest import write

CONFIG = """
key: r-2026
title: "Kiểm điểm năm 2026"
year: 2026
plan_number: 45-KH/HU
root: HU-A
launch: 2026-11-23
milestones: [{key: grassroots_review, levels: [grassroots, branch], deadline: 2026-12-10}]
routing: {escalation: [secretary], reminder: [office]}
delivery: {max_attempts: 1}
admin_contacts: ["json://127.0.0.1:9/admin"]
"""
TREE = """code,parent,name,level,members,contacts
HU-A,,Huyện ủy A,district,0,secretary=json://127.0.0.1:9/hu-secretary office=json://127.0.0.1:9/hu-office
CS-1,HU-A,Đảng bộ xã Một,grassroots,0,office=json://127.0.0.1:9/cs1-office json://127.0.0.1:9/cs1-all
CS-2,HU-A,Chi bộ Hai,grassroots,5,
"""


def test_split_contact_and_routing() -> None:
    assert split_contact("secretary,office=mailto://a@b.vn") == (frozenset({"secretary", "office"}), "mailto://a@b.vn")
    assert split_contact("mailto://a@b.vn?to=x=y") == (frozenset(), "mailto://a@b.vn?to=x=y")
    contacts = ["secretary=json://h/s", "office=json://h/o", "json://h/all"]
    assert urls_for(contacts, "escalation", {"escalation": ["secretary"]}) == ["json://h/s", "json://h/all"]
    assert urls_for(contacts, "overdue", {"escalation": ["secretary"]}) == ["json://h/s", "json://h/o", "json://h/all"]


def test_routing_and_units_without_contacts(kiemdiem, env, tmp_path: Path) -> None:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    launched = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", CONFIG), "--at", "2026-11-23T08:00:00+07:00")
    assert launched.exit_code == 0, launched.stderr
    assert launched.stdout == "r-2026\n"
    assert "launched for 3 units under HU-A; 2 plan notices queued" in launched.stderr
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    sink = CaptureSender()
    sweep(app, "r-2026", pendulum.datetime(2026, 12, 3, 7, 30, tz="Asia/Ho_Chi_Minh"), sink)
    by_url = Counter(url.rsplit("/", 1)[1] for url, _title, _body in sink.messages)
    # plan notices go to every contact; CS-1's reminder only to the office and the untagged contact; HU-A, the
    # issuing committee, is not sent its own plan and has nothing due yet
    assert by_url == {"cs1-office": 1, "cs1-all": 1, "admin": 1}
    admin = next(body for url, _title, body in sink.messages if url.endswith("/admin"))
    assert "CS-2" in admin  # nobody can be told at CS-2: the admin is
    ran = kiemdiem("progress", "--campaign", "r-2026", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["no_contact"] == {"grassroots": 1}
    table = kiemdiem("progress", "--campaign", "r-2026")
    assert table.exit_code == 0, table.stderr
    assert "units with no contact: grassroots 1" in table.stdout
