"""The warm snapshot decides exactly as a fresh read would, through a simulated day.

Every snapshot the service layer takes during a seeded day of the tiny scenario (auto-dispatch,
retries, re-plans, cancellations, no-shows, a sick technician, jams) is also read afresh with
`build_snapshot`; both must give the same decision for every order they were taken for, the same
plan, and the same technicians and orders (places compared by coordinates, as their numbering may
differ).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service.snapshot import build_snapshot
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.service.warm_snapshot import WarmSnapshots
from fieldpilot.simulator.generate import generate_day
from fieldpilot.simulator.run import Simulation
from fieldpilot.simulator.scenario import Scenario
from tests.snapshots import assert_same_decisions, assert_same_snapshot


class Checked:
    """Wraps a WarmSnapshots: every snapshot it serves is compared with a fresh read."""

    def __init__(self, warm: WarmSnapshots, params: DispatchParams) -> None:
        self.warm, self.params = warm, params
        self.inner = warm.snapshot
        self.compared = 0

    def __call__(self, uow: UnitOfWork, *, now: datetime, include: Any = ()) -> DispatchProblem:
        wanted = list(include)
        problem = self.inner(uow, now=now, include=wanted)
        fresh = build_snapshot(uow, now=now, timezone=self.warm.timezone, travel=self.warm.travel, include=wanted)
        assert_same_snapshot(problem, fresh, params=self.params)
        assert_same_decisions(problem, fresh, wanted, params=self.params)
        self.compared += 1
        return problem


def test_a_simulated_day_decides_the_same_on_warm_and_fresh_snapshots(tiny: Scenario) -> None:
    simulation = Simulation(generate_day(tiny, 3), "dynamic")
    warm = simulation.services.dispatch.snapshots
    assert warm is not None
    checked = Checked(warm, simulation.services.dispatch.params)
    warm.snapshot = checked  # type: ignore[method-assign]
    result = simulation.run()
    assert checked.compared > 20
    assert warm.stats.warm > warm.stats.rebuilt  # mostly brought up to date, not read again
    assert any(t.technician for t in result.orders)
