"""`fieldpilot import csv`: good files go in whole, bad files not at all, dry runs write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from fieldpilot.cli.main import app
from tests.e2e.cli.helpers import DATA, flat


def _import(runner: CliRunner, url: str, kind: str, name: str, *extra: str) -> Any:
    return runner.invoke(app, ["import", "csv", kind, str(DATA / name), "--database-url", url, *extra])


def _count(services_for: Any, url: str, what: str) -> int:
    with services_for(url).uow_factory() as uow:
        if what == "orders":
            return len(uow.orders.open_orders())
        return int(getattr(uow, what).count())


def test_imports_technicians_from_a_good_file(runner: CliRunner, demo_db: str, services_for: Any) -> None:
    before = _count(services_for, demo_db, "technicians")

    result = _import(runner, demo_db, "technicians", "technicians.csv")

    assert result.exit_code == 0, result.output
    assert _count(services_for, demo_db, "technicians") == before + 3
    with services_for(demo_db).uow_factory() as uow:
        margaux = uow.technicians.get("imp_tech_01")
        assert margaux is not None
        assert margaux.skills == {"boiler": 4, "plumbing": 2}
        assert [s.weekday for s in margaux.shifts] == [0, 1, 2, 3, 4]


def test_imports_customers_with_their_sites_then_their_orders(
    runner: CliRunner, demo_db: str, services_for: Any
) -> None:
    customers_before = _count(services_for, demo_db, "customers")
    orders_before = _count(services_for, demo_db, "orders")

    customers = _import(runner, demo_db, "customers", "customers.csv")
    orders = _import(runner, demo_db, "orders", "orders.csv")

    assert customers.exit_code == 0, customers.output
    assert orders.exit_code == 0, orders.output
    assert _count(services_for, demo_db, "customers") == customers_before + 3
    assert _count(services_for, demo_db, "orders") == orders_before + 4


def test_triage_rules_apply_to_imported_orders(runner: CliRunner, demo_db: str, services_for: Any) -> None:
    _import(runner, demo_db, "customers", "customers.csv")
    _import(runner, demo_db, "orders", "orders.csv")

    with services_for(demo_db).uow_factory() as uow:
        gas = [o for o in uow.orders.open_orders() if o.site_id == "imp_site_04"]
    assert [int(o.priority) for o in gas] == [1]  # "smell of gas" makes it P1


def test_importing_the_same_file_twice_adds_nothing(runner: CliRunner, demo_db: str, services_for: Any) -> None:
    _import(runner, demo_db, "customers", "customers.csv")
    _import(runner, demo_db, "orders", "orders.csv")
    orders = _count(services_for, demo_db, "orders")

    again = _import(runner, demo_db, "orders", "orders.csv")

    assert again.exit_code == 0, again.output
    assert "created 0" in flat(again.output)
    assert _count(services_for, demo_db, "orders") == orders


@pytest.mark.parametrize(
    ("kind", "name", "what", "expected"),
    [
        (
            "technicians",
            "technicians_bad.csv",
            "technicians",
            ["3 skills level 7", "4 lat latitude 95.0", "5 skills unknown skill 'carpentry'"],
        ),
        (
            "customers",
            "customers_bad.csv",
            "customers",
            ["3 tier 'gold'", "4 address is required", "5 lon 'not-a-number'"],
        ),
    ],
)
def test_a_bad_file_is_rejected_whole_with_line_and_column(
    runner: CliRunner, demo_db: str, services_for: Any, kind: str, name: str, what: str, expected: list[str]
) -> None:
    before = _count(services_for, demo_db, what)

    result = _import(runner, demo_db, kind, name)

    assert result.exit_code == 1
    output = flat(result.output.replace("│", " "))
    for fragment in expected:
        assert fragment in output
    assert "nothing was written" in output
    assert _count(services_for, demo_db, what) == before  # line 2 was valid, and is not in


def test_bad_orders_are_reported_with_line_and_column(runner: CliRunner, demo_db: str) -> None:
    _import(runner, demo_db, "customers", "customers.csv")

    result = _import(runner, demo_db, "orders", "orders_bad.csv")

    output = flat(result.output.replace("│", " "))
    assert result.exit_code == 1
    assert "3 site_id no site 'imp_site_03' of customer 'imp_cus_01'" in output
    assert "4 channel 'fax'" in output
    assert "5 window_end must be after start" in output


def test_dry_run_validates_and_writes_nothing(runner: CliRunner, demo_db: str, services_for: Any) -> None:
    before = _count(services_for, demo_db, "technicians")

    result = _import(runner, demo_db, "technicians", "technicians.csv", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "would create 3" in flat(result.output)
    assert _count(services_for, demo_db, "technicians") == before


def test_a_file_with_an_unknown_column_is_refused(runner: CliRunner, demo_db: str, tmp_path: Any) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("id,first_name,lat,lon,shoe_size\nx1,Ana,45.7,4.8,38\n", encoding="utf-8")

    result = runner.invoke(app, ["import", "csv", "technicians", str(path), "--database-url", demo_db])

    assert result.exit_code == 1
    assert "unknown column(s): shoe_size" in flat(result.output)
