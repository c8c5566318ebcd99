"""A per-snapshot index of the team for vectorised screening: one numpy row per technician and per
insertion position, built once per snapshot and params (cached in `DispatchProblem.memo`).

`rank` uses it to pass the common hard filters (skills, shift, time to finish) and to bound every
insertion position of every technician in a few numpy operations; only the technicians the vector
screen cannot clear go through the per-technician filters (which also write the reasons).

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,schedule}, numpy, the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, Window
from fieldpilot.engine.schedule import NO_LIMIT, RouteSchedule, cached_schedule

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(slots=True)
class TeamIndex:
    schedules: list[RouteSchedule]
    average_work: float
    on_shift: Flags
    available: Ints  # when each technician can first leave
    latest_end: Ints  # shift end plus allowed overtime
    start_location: Ints
    end_location: Ints
    work: Floats  # service + travel seconds already planned
    has_absences: Flags
    id_rank: Ints  # position of each technician's id in sorted order (for tie-breaking)
    # one row per insertion position (technician, position), positions open to insertion only
    position_tech: Ints
    position_index: Ints
    position_time: Ints  # ready to leave the previous stop
    position_prev: Ints  # where from
    position_next: Ints  # where the old leg went (next visit, its warehouse, or home)
    position_arrival: Ints  # when the old leg arrived (at home: the latest allowed return)
    position_slack: Ints  # forward time slack of that arrival (0 at home)
    skill_levels: dict[str, Ints] = field(default_factory=dict)

    def levels(self, problem: DispatchProblem, skill: str) -> Ints:
        found = self.skill_levels.get(skill)
        if found is None:
            found = np.array([t.skills.get(skill, 0) for t in problem.technicians], dtype=np.int64)
            self.skill_levels[skill] = found
        return found


def team_index(problem: DispatchProblem, *, params: DispatchParams) -> TeamIndex:
    key = ("team_index",)
    found = problem.memo.get(key)
    if isinstance(found, tuple) and (found[0] is params or found[0] == params):
        index: TeamIndex = found[1]
        return index
    index = _build(problem, params=params)
    problem.memo[key] = (params, index)
    return index


def _build(problem: DispatchProblem, *, params: DispatchParams) -> TeamIndex:
    techs = problem.technicians
    schedules = [cached_schedule(problem, t, params=params) for t in techs]
    working = [s.work for t, s in zip(techs, schedules, strict=True) if t.on_shift]
    rows: list[tuple[int, int, int, int, int, int, int]] = []
    for number, (tech, schedule) in enumerate(zip(techs, schedules, strict=True)):
        stops = schedule.stops
        for position in range(schedule.first_free, len(stops) + 1):
            cursor = schedule.cursors[position]
            if position < len(stops):
                following = stops[position]
                nxt = following.location
                arrival, slack = schedule.arrivals[position], schedule.arrival_slack[position]
                if following.restock is not None:
                    nxt = problem.warehouses[following.restock.warehouse].location
                    slack = NO_LIMIT  # the old leg went via a warehouse: no cheap screen
            else:
                nxt, arrival, slack = tech.end_location, tech.latest_end, 0
            rows.append((number, position, cursor.time, cursor.location, nxt, arrival, slack))
    table = np.array(rows, dtype=np.int64).reshape(-1, 7)
    order = sorted(range(len(techs)), key=lambda i: techs[i].id)
    id_rank = np.empty(len(techs), dtype=np.int64)
    id_rank[order] = np.arange(len(techs))
    return TeamIndex(
        schedules=schedules,
        average_work=sum(working) / len(working) if working else 0.0,
        on_shift=np.array([t.on_shift for t in techs], dtype=np.bool_),
        available=np.array([max(t.earliest_start, t.shift_start) for t in techs], dtype=np.int64),
        latest_end=np.array([t.latest_end for t in techs], dtype=np.int64),
        start_location=np.array([t.start_location for t in techs], dtype=np.int64),
        end_location=np.array([t.end_location for t in techs], dtype=np.int64),
        work=np.array([s.work for s in schedules], dtype=np.float64),
        has_absences=np.array([bool(t.absences) for t in techs], dtype=np.bool_),
        id_rank=id_rank,
        position_tech=table[:, 0].copy(),
        position_index=table[:, 1].copy(),
        position_time=table[:, 2].copy(),
        position_prev=table[:, 3].copy(),
        position_next=table[:, 4].copy(),
        position_arrival=table[:, 5].copy(),
        position_slack=table[:, 6].copy(),
    )


def needs_per_technician_filters(order: OrderRequest) -> bool:
    """Rules the vector screen does not cover: certifications, tools, territory, the customer's
    technician lists and parts."""
    return bool(
        order.required_certifications
        or order.required_tools
        or order.territory
        or order.excluded_technicians
        or order.required_technicians
        or order.parts
    )


def clears_common_filters(problem: DispatchProblem, team: TeamIndex, order: OrderRequest, *, window: Window) -> Flags:
    """Technicians who certainly pass the skill and shift filters (the same rules as `filters`)."""
    passes = team.on_shift & ~team.has_absences
    for skill, level in order.required_skills.items():
        passes &= team.levels(problem, skill) >= level
    first_start = np.maximum(window.start, team.available)
    passes &= (first_start <= window.end) & (first_start < team.latest_end)
    matrix = problem.matrix
    low = matrix.factor_range[0]
    going = matrix.durations[team.start_location, order.location]
    coming = matrix.durations[order.location, team.end_location]
    if matrix.congestion is not None:
        going = np.floor(going * low).astype(np.int64)
        coming = np.floor(coming * low).astype(np.int64)
    start = np.maximum(window.start, team.available + going)
    back = start + order.duration + coming
    passes &= ~((back > team.latest_end) & (start <= window.end))
    return passes
