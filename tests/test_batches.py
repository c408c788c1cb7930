"""Sweep batches: whole subtrees, each unit in exactly one batch, none larger than asked unless a unit stands alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import bindparam, select, text

from models.sweep import _batch_filter
from models.sweep_batches import plan_batches
from models.tables import OrgUnit
from service.bootstrap import build_app
from service.settings import Settings
from tests.conftest import EXAMPLES, Shared, shared_database


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def province(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    """The example province imported once per database, only read by the tests."""
    with shared_database(request, tmp_path_factory) as shared:
        assert shared.kiemdiem("units", "import", EXAMPLES / "province.csv").exit_code == 0
        yield shared


@pytest.mark.parametrize("max_units", [1, 7, 60, 500, 5000])
def test_batches_partition_the_tree(province: Shared, max_units: int) -> None:
    app = build_app(Settings(database_url=province.url))
    with province.unchanged(), app.unit_of_work() as session:
        root = session.scalar(select(OrgUnit).where(OrgUnit.code == "TU-QUANGTRI"))
        batches = plan_batches(session, root, max_units)
        dialect = session.get_bind().dialect.name
        seen: list[int] = []
        for batch in batches:
            where, params = _batch_filter(batch, dialect)
            binds = [bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, list)]
            ids = session.execute(text(f"SELECT u.id FROM org_unit u WHERE {where}").bindparams(*binds), params)
            found = [row[0] for row in ids]
            assert len(found) == batch.units
            assert batch.units <= max_units or (batch.singles and len(batch.prefixes) == 0 and batch.units == 1)
            seen.extend(found)
        total = len(session.scalars(select(OrgUnit.id)).all())
    assert sorted(seen) == sorted(set(seen)) and len(seen) == total == 1879
    if max_units >= 1879:
        assert len(batches) == 1
