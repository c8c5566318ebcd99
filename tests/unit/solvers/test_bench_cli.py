"""`fieldpilot bench ...` on the small committed instances (tiny budgets; no timing asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fieldpilot.cli.bench import bench_app

runner = CliRunner()


def test_solomon_prints_a_table_with_the_mean_and_writes_json(solomon_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.json"
    result = runner.invoke(
        bench_app, ["solomon", str(solomon_dir), "--seconds", "0.05", "--limit", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "C101" in result.output
    assert "mean" in result.output
    payload = json.loads(out.read_text())
    assert payload["rows"][0]["instance"] == "C101"
    assert payload["threads"] == 1


def test_trsp_checks_every_plan(trsp_dir: Path) -> None:
    result = runner.invoke(bench_app, ["trsp", str(trsp_dir), "--seconds", "0.1", "--limit", "1"])
    assert result.exit_code == 0, result.output
    assert "C103" in result.output


def test_replan_reports_first_improvement_and_final_cost() -> None:
    args = ["replan", "--technicians", "3", "--orders", "20", "--seconds", "0.2"]
    result = runner.invoke(bench_app, args)
    assert result.exit_code == 0, result.output
    assert "time to first improved plan" in result.output


def test_a_missing_bks_file_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "X1.txt").write_text("X1\n")
    result = runner.invoke(bench_app, ["solomon", str(tmp_path), "--seconds", "0.05"])
    assert result.exit_code == 1
