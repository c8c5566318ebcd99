"""Builders with defaults for engine tests: a_technician(**overrides), an_order(**overrides), ..."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np

from fieldpilot.domain.values import Location
from fieldpilot.engine.problem import (
    DispatchProblem,
    OrderRequest,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
)

EPOCH = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday, midnight UTC
HOUR = 3600
MINUTE = 60


def a_technician(**overrides: Any) -> TechnicianState:
    defaults: dict[str, Any] = {
        "id": "T-1",
        "start_location": 0,
        "earliest_start": 8 * HOUR,
        "end_location": 0,
        "shift_start": 8 * HOUR,
        "shift_end": 17 * HOUR,
    }
    defaults.update(overrides)
    return TechnicianState(**defaults)


def an_order(**overrides: Any) -> OrderRequest:
    defaults: dict[str, Any] = {"id": "O-1", "location": 1, "duration": 30 * MINUTE}
    defaults.update(overrides)
    return OrderRequest(**defaults)


def a_line_matrix(size: int, *, seconds_per_step: int = 600, metres_per_step: int = 5000) -> TravelMatrix:
    """Locations on a line: travel between i and j takes |i - j| steps."""
    idx = np.arange(size)
    steps = np.abs(idx[:, None] - idx[None, :])
    return TravelMatrix(steps * seconds_per_step, steps * metres_per_step)


def a_problem(
    *,
    technicians: Sequence[TechnicianState] = (),
    orders: Sequence[OrderRequest] = (),
    locations: int = 10,
    matrix: TravelMatrix | None = None,
    warehouses: Sequence[WarehouseStock] = (),
    now: int = 8 * HOUR,
) -> DispatchProblem:
    return DispatchProblem(
        epoch=EPOCH,
        technicians=tuple(technicians) or (a_technician(),),
        orders=tuple(orders),
        locations=tuple(Location(52.0 + i * 0.01, 4.0) for i in range(locations)),
        matrix=matrix if matrix is not None else a_line_matrix(locations),
        warehouses=tuple(warehouses),
        now=now,
    )


def with_route(tech: TechnicianState, route: Sequence[Any]) -> TechnicianState:
    return replace(tech, route=tuple(route))
