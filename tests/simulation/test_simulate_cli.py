"""The `simulate` command: progress, a comparison table, a report folder."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fieldpilot.cli.simulate import simulate_app

TINY = Path(__file__).parents[1] / "data" / "simulation" / "tiny.toml"


def test_writes_the_report_and_prints_changes_against_the_baselines(tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(
        simulate_app,
        ["--scenario", str(TINY), "--policies", "static,nearest,dynamic", "--seeds", "2", "--out", str(out)],
        terminal_width=200,
    )
    assert result.exit_code == 0, result.output
    assert "wait_min_mean" in result.output
    assert "%" in result.output  # relative changes against the baselines
    document = json.loads((out / "metrics.json").read_text())
    assert document["seeds"] == [0, 1]
    assert set(document["summary"]) == {"static", "nearest", "dynamic"}
    assert "static" in document["relative_change"]["dynamic"]
    assert (out / "orders.csv").read_text().startswith("policy,seed,order_id")
    for chart in ("wait_distribution.png", "sla_by_hour.png", "gantt_dynamic_seed0.png"):
        assert (out / chart).stat().st_size > 1000


def test_an_unknown_policy_is_refused() -> None:
    result = CliRunner().invoke(simulate_app, ["--policies", "static,psychic"])
    assert result.exit_code == 1


def test_replays_a_csv_history(tmp_path: Path) -> None:
    replay = Path(__file__).parents[1] / "data" / "replay"
    out = tmp_path / "replay"
    result = CliRunner().invoke(
        simulate_app,
        [
            "--scenario", "small-town", "--policies", "nearest,dynamic", "--seeds", "1", "--no-charts",
            "--replay-orders", str(replay / "orders.csv"), "--replay-technicians", str(replay / "technicians.csv"),
            "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["summary"]["nearest"]["orders"]["mean"] == 12


def test_replay_needs_both_files(tmp_path: Path) -> None:
    replay = Path(__file__).parents[1] / "data" / "replay"
    result = CliRunner().invoke(simulate_app, ["--replay-orders", str(replay / "orders.csv")])
    assert result.exit_code == 1
