"""Same scenario and seed, same bytes: the JSON report and the order timelines."""

from __future__ import annotations

import pytest

from fieldpilot.simulator.compare import run_comparison
from fieldpilot.simulator.report import metrics_json, order_rows
from fieldpilot.simulator.scenario import Scenario


@pytest.mark.parametrize("policy", ["static", "nearest", "dynamic"])
def test_same_seed_gives_identical_json_bytes(tiny: Scenario, policy: str) -> None:
    first = run_comparison(tiny, [policy], seeds=[5])
    again = run_comparison(tiny, [policy], seeds=[5])
    assert metrics_json(first) == metrics_json(again)
    assert order_rows(first.results[policy][5]) == order_rows(again.results[policy][5])


def test_another_seed_gives_another_day(tiny: Scenario) -> None:
    assert metrics_json(run_comparison(tiny, ["nearest"], seeds=[5])) != metrics_json(
        run_comparison(tiny, ["nearest"], seeds=[6])
    )


def test_identical_bytes_across_processes_with_different_hash_seeds() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    tiny = Path(__file__).parents[1] / "data" / "simulation" / "tiny.toml"
    script = (
        "import hashlib, sys\n"
        "from fieldpilot.simulator.compare import run_comparison\n"
        "from fieldpilot.simulator.report import metrics_json\n"
        "from fieldpilot.simulator.scenario import load_scenario\n"
        f"c = run_comparison(load_scenario({str(tiny)!r}), ['static', 'nearest', 'dynamic'], seeds=[2])\n"
        "print(hashlib.sha256(metrics_json(c)).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_days_run_in_worker_processes_give_the_same_report_as_one_process(tiny: Scenario) -> None:
    alone = run_comparison(tiny, ["static", "dynamic"], seeds=[3, 4])
    shared = run_comparison(tiny, ["static", "dynamic"], seeds=[3, 4], workers=2)
    assert metrics_json(shared) == metrics_json(alone)
    assert order_rows(shared.results["dynamic"][4]) == order_rows(alone.results["dynamic"][4])
