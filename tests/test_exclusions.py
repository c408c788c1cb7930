"""Members not rated, by reason (issue 14, item 5): exempt, suspended, new (admitted less than 6 months before the
campaign's reference date), other. Sick and maternity leave are not reasons to exclude (Quy định 366-QĐ/TW): a report
that counts them is refused under its own rule, at the command line and through the API, with nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from models import clock
from tests.conftest import write
from tests.test_api import CONFIG, TREE, call, serving

KEY = CONFIG["key"]
LAUNCH = "2026-11-23T08:00:00+07:00"
CB1 = ["--campaign", KEY, "--unit", "CS-1-CB1", "--milestone", "grassroots_review"]


def report(**reasons: int) -> dict[str, object]:
    """CS-1-CB1's 20 members: 18 rated, 2 not, for `reasons`."""
    member = {"total": 20, "evaluated": 18, "good": 16, "completed": 2, "not_evaluated": reasons}
    return {"subjects": {"member": member}}


@pytest.fixture
def launched(kiemdiem, tmp_path: Path) -> Path:
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    config = {**CONFIG, "rules": {"new_member_reference_date": "2026-11-30"}}
    ran = kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", yaml.safe_dump(config)), "--at", LAUNCH)
    assert ran.exit_code == 0, ran.stderr
    return tmp_path


LEAVES = [("sick_leave", "nghỉ ốm", "sick leave"), ("maternity_leave", "nghỉ thai sản", "maternity leave")]


@pytest.mark.parametrize(("field", "vi", "en"), LEAVES)
def test_leave_is_not_a_reason_to_exclude_at_the_command_line(
    kiemdiem, snapshot, launched: Path, field: str, vi: str, en: str
) -> None:
    before = snapshot()
    bad = write(launched / "r.yaml", yaml.safe_dump(report(**{field: 2})))
    refused = kiemdiem("status", "submit", *CB1, "--report", bad, "--at", "2026-12-01T09:00:00+07:00")
    assert refused.exit_code == 2 and "Traceback" not in refused.stderr
    assert f"subjects.member.not_evaluated.{field} [not_a_reason_to_exclude]" in refused.stderr
    assert "[unknown_field]" not in refused.stderr
    assert f"{field} ({vi}) không phải lý do để không đánh giá" in refused.stderr
    assert "theo công việc thực tế đã làm" in refused.stderr
    assert (
        f"{en}) is not a reason to exclude" in refused.stderr
        and "rated on the work they actually did" in refused.stderr
    )
    assert snapshot() == before
    # the same members counted as rated (or as a real reason) pass
    good = write(launched / "ok.yaml", yaml.safe_dump(report(exempt=1, new=1)))
    assert kiemdiem("status", "submit", *CB1, "--report", good, "--at", "2026-12-01T09:00:00+07:00").exit_code == 0


def test_leave_is_not_a_reason_to_exclude_through_the_api(kiemdiem, env, snapshot, launched: Path) -> None:
    from entrypoints.api import create_api
    from service.bootstrap import build_app
    from service.settings import Settings

    token = kiemdiem("tokens", "issue", "CS-1-CB1").stdout.strip()
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    clock.set_now(clock.parse_instant("2026-12-01T09:00:00+07:00"))
    path = f"/api/campaigns/{KEY}/units/CS-1-CB1/milestones/grassroots_review/submit"
    before = snapshot()
    with serving(create_api(app)) as url:
        for body in (report(sick_leave=2), report(maternity_leave=1, other=1), report(sick_leave=1, exempt=1)):
            refused = call(url, token, "POST", path, {"report": body})
            assert refused.status_code == 422, refused.text
            problems = refused.json()["errors"]
            assert [p["rule"] for p in problems] == ["not_a_reason_to_exclude"], problems
            name = next(
                k for k in ("sick_leave", "maternity_leave") if k in body["subjects"]["member"]["not_evaluated"]
            )  # type: ignore[index]
            assert problems[0]["field"].endswith(f"not_evaluated.{name}")
            assert "is not a reason to exclude" in problems[0]["en"] and "work they actually did" in problems[0]["en"]
        assert snapshot() == before
        accepted = call(url, token, "POST", path, {"report": report(suspended=2)})
        assert accepted.status_code == 200, accepted.text


def test_the_reference_date_for_new_members_is_a_setting(kiemdiem, tmp_path: Path) -> None:
    """Stored with the campaign, shown in progress and in the board report; the default is 31 December of the year;
    a date outside the campaign's year (or the next) is refused."""
    assert kiemdiem("units", "import", write(tmp_path / "t.csv", TREE)).exit_code == 0
    wrong = {**CONFIG, "rules": {"new_member_reference_date": "2024-12-31"}}
    refused = kiemdiem("campaign", "launch", write(tmp_path / "w.yaml", yaml.safe_dump(wrong)), "--at", LAUNCH)
    assert refused.exit_code == 2 and "rules.new_member_reference_date [reference_date_outside_year]" in refused.stderr
    assert (
        kiemdiem("campaign", "launch", write(tmp_path / "c.yaml", yaml.safe_dump(CONFIG)), "--at", LAUNCH).exit_code
        == 0
    )
    shown = kiemdiem("progress", "--campaign", KEY, "--format", "json", "--at", "2026-12-01T09:00:00+07:00")
    assert json.loads(shown.stdout)["new_member_reference_date"] == "2026-12-31"
    other = {**CONFIG, "key": "api-2026-b", "rules": {"new_member_reference_date": "2026-11-30"}}
    assert (
        kiemdiem("campaign", "launch", write(tmp_path / "b.yaml", yaml.safe_dump(other)), "--at", LAUNCH).exit_code == 0
    )
    shown = kiemdiem("progress", "--campaign", "api-2026-b", "--format", "json", "--at", "2026-12-01T09:00:00+07:00")
    assert json.loads(shown.stdout)["new_member_reference_date"] == "2026-11-30"
    out = tmp_path / "r.html"
    ran = kiemdiem("report", "--campaign", "api-2026-b", "--out", out, "--at", "2026-12-01T09:00:00+07:00")
    assert ran.exit_code == 0, ran.stderr
    assert "Kết nạp dưới 6 tháng: tính đến ngày 30/11/2026." in out.read_text(encoding="utf-8")
