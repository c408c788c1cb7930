"""Schemathesis against the API's OpenAPI schema: generated requests never get a 500 (bounded: few examples)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from entrypoints.api import create_api
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import write

TOKENS: dict[str, str] = {}
TREE = "code,parent,name,level,members,contacts\nHU-A,,Huyện ủy A,district,0,\nCS-1,HU-A,Chi bộ Một,grassroots,9,\n"
CONFIG = """key: fuzz-2026
title: "Thử"
year: 2026
plan_number: 1-KH/HU
root: HU-A
launch: 2026-11-23
milestones: [{key: grassroots_review, levels: [grassroots], deadline: 2026-12-10}]
"""


@pytest.fixture
def api_schema(tmp_path: Path) -> Any:
    """On SQLite only: schemathesis' lazy schemas do not combine with the two-database parametrization."""
    from typer.testing import CliRunner

    from entrypoints.cli import app as cli

    env = {"KIEMDIEM_DATABASE_URL": f"sqlite:///{tmp_path / 'fuzz.db'}", "KIEMDIEM_HOME": str(tmp_path)}

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip()

    run("units", "import", str(write(tmp_path / "t.csv", TREE)))
    run("campaign", "launch", str(write(tmp_path / "c.yaml", CONFIG)), "--at", "2026-11-23T08:00:00+07:00")
    TOKENS["admin"] = run("tokens", "issue", "--admin")
    TOKENS["unit"] = run("tokens", "issue", "CS-1")
    app = build_app(Settings(database_url=env["KIEMDIEM_DATABASE_URL"]))
    return schemathesis.openapi.from_asgi("/openapi.json", create_api(app))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_500(case: Any) -> None:
    for who in ("admin", "unit"):
        response = case.call(headers={"Authorization": f"Bearer {TOKENS[who]}"})
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        assert "Traceback" not in response.text
