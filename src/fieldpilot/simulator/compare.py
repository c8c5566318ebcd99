"""Run several policies over several seeds on identical days, and collect what a report needs.

    comparison = run_comparison(load_scenario("metro"), ["static", "nearest", "dynamic"], seeds=range(10))

Every (seed, policy) run gets the same generated day; runs are independent, so the results are a
pure function of the scenario, the seeds and the code. With `workers` > 1 the days run in that many
processes (one per core); results are collected in (seed, policy) order, so the report is the same
byte for byte as a sequential run's (decision latencies, which are wall time, aside).

May import: simulator modules, numpy and the standard library.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
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
    workers: int = 1,
) -> Comparison:
    seeds = list(seeds)
    comparison = Comparison(scenario.name, list(policies), seeds)
    if workers > 1 and days is None:
        return _in_processes(comparison, scenario, travel=travel, options=options, workers=workers, progress=progress)
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


def _one_day(
    scenario: Scenario, seed: int, policy: str, travel: TravelTimes | None, options: SimulationOptions | None
) -> DayResult:
    """One simulated day in a worker process (everything it needs is passed in, nothing shared)."""
    day = generate_day(scenario, seed)
    if policy == HINDSIGHT:
        return hindsight_day(day, iterations=(options or SimulationOptions()).hindsight_iterations)
    return Simulation(day, policy, travel=travel, options=options).run(None)


def _in_processes(
    comparison: Comparison,
    scenario: Scenario,
    *,
    travel: TravelTimes | None,
    options: SimulationOptions | None,
    workers: int,
    progress: Progress | None,
) -> Comparison:
    tasks = [(seed, policy) for seed in comparison.seeds for policy in comparison.policies]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {task: pool.submit(_one_day, scenario, task[0], task[1], travel, options) for task in tasks}
        for (seed, policy), future in futures.items():
            result = future.result()
            comparison.add(result)
            if progress is not None:
                progress(f"{policy} seed {seed}", result.end, result.end)
    return comparison
