"""Flows on Prefect's real embedded server: one server for the whole session (PREFECT-NOTES.md)."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.prefect


def test_launch_flow_runs_as_a_prefect_flow_run(prefect_server, kiemdiem, env) -> None:
    from prefect import get_client

    from flows.launch import launch

    assert kiemdiem("units", "import", EXAMPLES / "district.csv").exit_code == 0
    state = launch(str(ROOT / "deploy" / "campaign.example.yaml"), "2026-11-23T08:00:00+07:00", return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["campaign"] == "cuchi-2026" and summary["notices"] == 270

    async def recorded() -> list[str]:
        async with get_client() as client:
            runs = await client.read_flow_runs()
            return [run.state_name for run in runs if run.id == state.state_details.flow_run_id]

    import asyncio

    assert asyncio.run(recorded()) == ["Completed"]
