"""`fieldpilot demo --no-serve`: the demo company lands in the database, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from fieldpilot.cli.main import app
from fieldpilot.demo import plan_demo
from tests.e2e.cli.helpers import flat, sqlite_url


def _counts(services: Any) -> dict[str, int]:
    with services.uow_factory() as uow:
        return {
            "technicians": uow.technicians.count(),
            "warehouses": uow.warehouses.count(),
            "customers": uow.customers.count(),
            "sites": uow.sites.count(),
            "assets": uow.assets.count(),
            "skills": uow.skills.count(),
            "parts": uow.parts.count(),
            "sla_policies": uow.sla_policies.count(),
            "triage_rules": uow.triage_rules.count(),
            "open_orders": len(uow.orders.open_orders()),
            "users": uow.users.count(),
            "active_api_keys": sum(not k.revoked for k in uow.api_keys.list(limit=1000)),
        }


def test_demo_loads_the_company_once_however_often_it_runs(
    runner: CliRunner, tmp_path: Path, services_for: Any
) -> None:
    url = sqlite_url(tmp_path / "demo.db")
    plan = plan_demo(seed=2026, now=datetime.now(UTC))

    first = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    counts_after_first = _counts(services_for(url))
    second = runner.invoke(app, ["demo", "--no-serve", "--database-url", url])
    counts_after_second = _counts(services_for(url))

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert counts_after_first == {
        "technicians": 40,
        "warehouses": 2,
        "customers": 300,
        "sites": len(plan.company.sites),
        "assets": len(plan.company.assets),
        "skills": 8,
        "parts": 30,
        "sla_policies": 12,
        "triage_rules": 20,
        "open_orders": 120,
        "users": 4,
        "active_api_keys": 1,
    }
    assert counts_after_second == counts_after_first
    assert "already loaded" in flat(second.output)
    for username in ("admin", "dispatcher", "manager", "technician"):
        assert username in first.output
    assert "fp_" in first.output  # the API key, shown once per run


def test_demo_reset_recreates_the_database(runner: CliRunner, tmp_path: Path, services_for: Any) -> None:
    url = sqlite_url(tmp_path / "demo.db")
    small = ["--technicians", "2", "--customers", "3", "--orders", "2"]
    assert runner.invoke(app, ["demo", "--no-serve", "--database-url", url, *small]).exit_code == 0

    result = runner.invoke(app, ["demo", "--no-serve", "--reset", "--database-url", url, *small, "--customers", "2"])

    assert result.exit_code == 0, result.output
    assert _counts(services_for(url))["customers"] == 2


def test_demo_reset_refuses_a_server_database(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["demo", "--no-serve", "--reset", "--database-url", "postgresql+psycopg://u@127.0.0.1:1/x"]
    )

    assert result.exit_code == 1
    assert "only deletes SQLite files" in flat(result.output)


def test_demo_refuses_to_run_in_production(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["demo", "--no-serve", "--database-url", sqlite_url(tmp_path / "demo.db")],
        env={"FIELDPILOT_ENVIRONMENT": "production", "FIELDPILOT_SECRET_KEY": "s" * 40},
    )

    assert result.exit_code == 1
    assert "production" in flat(result.output)
    assert not (tmp_path / "demo.db").exists()
