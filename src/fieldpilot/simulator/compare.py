"""Run several policies over several seeds on identical days, and collect what a report needs.

    comparison = run_comparison(load_scenario("metro"), ["static", "nearest", "dynamic"], seeds=range(10))

Every (seed, policy) run gets the same generated day; runs are independent and sequential (one
core), so the results are a pure function of the scenario, the seeds and the code.

May import: simulator modules, numpy and the standard library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fieldpilot.service.ports import TravelTimes
from fieldpilot.simulator.generate import Day, generate_day
from fieldpilot.simulator.hindsight import hindsight_day
from fieldpilot.simulator.metrics import compare, day_metrics, latency_metrics, summarise
from fieldpilot.simulator.run import DayResult, Simulation, SimulationOptions
from fieldpilot.simulator.scenario import Scenario

BASELINES = ("static", "nearest")
HINDSIGHT = "hindsight"
Progress = Callable[[str, int, int], None]  # (label, seconds simulated, seconds in the day)


@dataclass
class Comparison:
    scenario: str
    policies: list[str]
    seeds: list[int]
    metrics: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)  # policy -> seed -> metrics
    latency: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    results: dict[str, dict[int, DayResult]] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, dict[str, float]]]:
        return {p: summarise([self.metrics[p][s] for s in self.seeds]) for p in self.policies}

    def latency_summary(self) -> dict[str, dict[str, dict[str, float]]]:
        return {p: summarise([self.latency[p][s] for s in self.seeds]) for p in self.policies}

    def changes(self) -> dict[str, Any]:
        return compare(self.summary(), BASELINES)

    def add(self, result: DayResult) -> None:
        self.metrics.setdefault(result.policy, {})[result.seed] = day_metrics(result)
        self.latency.setdefault(result.policy, {})[result.seed] = latency_metrics(result)
        self.results.setdefault(result.policy, {})[result.seed] = result


def run_comparison(
    scenario: Scenario,
    policies: Sequence[str],
    *,
    seeds: Iterable[int],
    travel: TravelTimes | None = None,
    progress: Progress | None = None,
    days: Callable[[int], Day] | None = None,
    options: SimulationOptions | None = None,
) -> Comparison:
    seeds = list(seeds)
    comparison = Comparison(scenario.name, list(policies), seeds)
    for seed in seeds:
        day = days(seed) if days is not None else generate_day(scenario, seed)
        for policy in policies:
            label = f"{policy} seed {seed}"
            if policy == HINDSIGHT:
                iterations = (options or SimulationOptions()).hindsight_iterations
                comparison.add(hindsight_day(day, iterations=iterations))
            else:
                simulation = Simulation(day, policy, travel=travel, options=options)
                report = None if progress is None else _reporter(progress, label, day.end)
                comparison.add(simulation.run(report))
            if progress is not None:
                progress(label, day.end, day.end)
    return comparison


def _reporter(progress: Progress, label: str, end: int) -> Callable[[int], None]:
    last = [-1]

    def on_step(second: int) -> None:
        if second - last[0] >= 600:  # every ten simulated minutes is plenty for a progress bar
            last[0] = second
            progress(label, second, end)

    return on_step
