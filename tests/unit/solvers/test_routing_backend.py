"""The routing model's own checks and the PyVRP backend's encodings: restrictions, reloads, prizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldpilot.engine.solvers.pyvrp_backend import solve_routing
from fieldpilot.engine.solvers.routing import (
    Depot,
    Fleet,
    Job,
    RoutingModel,
    SearchBudget,
    StopKind,
)

QUICK = SearchBudget(max_iterations=60)


def a_line(n: int) -> np.ndarray:
    idx = np.arange(n)
    return np.abs(idx[:, None] - idx[None, :]).astype(np.int64) * 10


def a_model(jobs: tuple[Job, ...], fleets: tuple[Fleet, ...], *, size: int = 8, dims: int = 0) -> RoutingModel:
    return RoutingModel(a_line(size), a_line(size), (Depot(0),), jobs, fleets, num_load_dimensions=dims)


def test_refuses_jobs_outside_the_matrix_and_unknown_fleets() -> None:
    with pytest.raises(ValueError, match="outside"):
        a_model((Job(location=9),), (Fleet(0, 0),))
    with pytest.raises(ValueError, match="unknown fleet"):
        a_model((Job(location=1, fleets=frozenset({3})),), (Fleet(0, 0),))
    with pytest.raises(ValueError, match="dimensions"):
        a_model((Job(location=1, demand=(1, 2)),), (Fleet(0, 0),), dims=1)


def test_a_budget_needs_a_limit() -> None:
    with pytest.raises(ValueError, match="at least one"):
        SearchBudget()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    allowed=st.lists(st.sets(st.integers(0, 2), min_size=1, max_size=3), min_size=3, max_size=7),
    seed=st.integers(0, 1000),
)
def test_jobs_are_only_served_by_allowed_fleets(allowed: list[set[int]], seed: int) -> None:
    jobs = tuple(Job(location=1 + i, fleets=frozenset(a), name=f"J{i}") for i, a in enumerate(allowed))
    fleets = tuple(Fleet(0, 0, name=f"F{f}") for f in range(3))
    result = solve_routing(a_model(jobs, fleets), QUICK, seed=seed)
    assert result.feasible
    assert result.unassigned == ()
    for route in result.routes:
        for j in route.job_indices:
            assert route.fleet in allowed[j]


def test_a_job_nobody_may_serve_is_left_out_even_when_required() -> None:
    jobs = (Job(location=1), Job(location=2, fleets=frozenset()))
    result = solve_routing(a_model(jobs, (Fleet(0, 0),)), QUICK, seed=1)
    assert result.feasible
    assert result.unassigned == (1,)


def test_a_van_without_the_item_reloads_before_the_job() -> None:
    # One dimension of capacity 5, full from the start: job 0's unit fits only after depot 1.
    # (With a single client PyVRP finds no move that adds the depot: a second job gives it one.)
    depots = (Depot(0), Depot(6, name="store"))
    fleet = Fleet(0, 0, capacity=(5,), initial_load=(5,), reload_depots=(1,))
    jobs = (Job(location=3, demand=(1,)), Job(location=4, demand=(0,)))
    model = RoutingModel(a_line(8), a_line(8), depots, jobs, (fleet,), 1)
    result = solve_routing(model, QUICK, seed=1)
    assert result.feasible
    kinds = [(s.kind, s.index) for s in result.routes[0].stops]
    assert kinds.index((StopKind.RELOAD, 1)) < kinds.index((StopKind.JOB, 0))


def test_an_optional_job_worth_less_than_its_detour_is_skipped() -> None:
    jobs = (Job(location=7, required=False, prize=10), Job(location=1, required=False, prize=10_000))
    result = solve_routing(a_model(jobs, (Fleet(0, 0),)), QUICK, seed=1)
    assert result.unassigned == (0,)


def test_windows_and_shift_are_respected() -> None:
    jobs = (Job(location=5, service=10, tw_early=100, tw_late=120),)
    fleet = Fleet(0, 0, tw_early=0, tw_late=300)
    result = solve_routing(a_model(jobs, (fleet,)), QUICK, seed=1)
    stop = result.routes[0].stops[0]
    assert 100 <= stop.start <= 120
    assert result.routes[0].end <= 300
