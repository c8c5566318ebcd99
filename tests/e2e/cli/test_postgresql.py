"""The CLI against PostgreSQL: demo load (twice), CSV import, and the migration check."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from fieldpilot.cli.main import app
from tests.e2e.cli.helpers import DATA, SMALL_DEMO, flat

pytestmark = pytest.mark.postgres


def test_demo_and_import_work_on_postgresql(runner: CliRunner, postgres_url: str, services_for: Any) -> None:
    first = runner.invoke(app, ["demo", "--no-serve", "--database-url", postgres_url, *SMALL_DEMO])
    second = runner.invoke(app, ["demo", "--no-serve", "--database-url", postgres_url, *SMALL_DEMO])
    imported = runner.invoke(
        app, ["import", "csv", "customers", str(DATA / "customers.csv"), "--database-url", postgres_url]
    )

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "already loaded" in flat(second.output)
    assert imported.exit_code == 0, imported.output
    with services_for(postgres_url).uow_factory() as uow:
        assert uow.technicians.count() == 4
        assert uow.customers.count() == 6 + 3


def test_serve_refuses_an_empty_postgresql_database(runner: CliRunner, postgres_url: str) -> None:
    result = runner.invoke(app, ["serve", "--database-url", postgres_url])

    assert result.exit_code == 1
    assert "fieldpilot db upgrade" in flat(result.output)
    assert "postgres@" in flat(result.output) or "postgresql" in flat(result.output)
