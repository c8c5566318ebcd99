"""A per-snapshot index of the team for vectorised screening, cached in `DispatchProblem.memo`.

One numpy row per technician (shift, places, workload) is built for the whole team; route schedules
and the rows of their insertion positions are built lazily, only for technicians who pass the hard
filters, and then kept for the snapshot's later orders. `rank` uses it to clear the common hard
filters (skills, shift, time to finish) and to bound every insertion position in a few numpy
operations; only the technicians the vector screen cannot clear go through the per-technician
filters (which also write the reasons).

Workload (for the balance term) is service time plus free-flow travel of the route, so it is known
for every technician without scheduling their route.

A position's row also describes the visit after it (its waiting rate, current start, window opening
and the fastest way to it from the visit before), so that `Positions.knock_on` can bound, for many
positions at once, what pushing the rest of the route later costs its customers in waiting.

May import: fieldpilot.domain, fieldpilot.engine.{problem,params,schedule}, numpy, the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, TechnicianState, Window, day_start
from fieldpilot.engine.schedule import NO_LIMIT, RouteSchedule, cached_schedule

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Positions:
    """Rows of insertion positions (technician, position), positions open to insertion only."""

    tech: Ints
    index: Ints
    time: Ints  # ready to leave the previous stop
    prev: Ints  # where from
    next: Ints  # where the old leg went (next visit, its warehouse, or home)
    arrival: Ints  # when the old leg arrived (at home: the latest allowed return)
    slack: Ints  # forward time slack of that arrival (0 at home)
    # the visit at this position (all 0 on the row of the trip home, the last of each technician)
    rate: Floats  # its customer's waiting cost per second
    start: Ints  # its current start
    opens: Ints  # the earliest start its window allows
    lead: Ints  # past `next`, the fastest way on to it: pickup and drive from its warehouse, if any
    hop: Ints  # the visit before it (if not under way): its duration plus the fastest way here from it

    def knock_on(self, rows: Ints, arrival: Ints) -> Floats:
        """For each of `rows` (indexes into these rows), a lower bound of sum(waiting rate x (new start -
        current start)) over the visits from that position on, when the first of them is reached at
        `arrival` or later. A visit starts no earlier than its window opens, nor than the one before it
        could end plus the fastest drive (breaks, absences and congestion only add to that); the bound
        follows that chain to the route's end and keeps its negative terms: a later departure may avoid
        congestion, and a break moved into a wait may let later visits start earlier than now."""
        total = np.zeros(len(rows), dtype=np.float64)
        visit = np.zeros(len(self.tech), dtype=np.bool_)  # a visit's row, not the trip home (each one's last)
        visit[:-1] = self.tech[1:] == self.tech[:-1]
        owner = np.flatnonzero(visit[rows])
        at = rows[owner]
        begin = np.maximum(self.opens[at], arrival[owner])
        while at.size:
            total[owner] += self.rate[at] * (begin - self.start[at])
            at = at + 1
            more = visit[at]
            at, owner, begin = at[more], owner[more], begin[more]
            begin = np.maximum(self.opens[at], begin + self.hop[at])
        return total


@dataclass(slots=True)
class TeamIndex:
    problem: DispatchProblem
    params: DispatchParams
    on_shift: Flags
    available: Ints  # when each technician can first leave
    latest_end: Ints  # shift end plus allowed overtime
    start_location: Ints
    end_location: Ints
    work: Floats  # service + free-flow travel seconds already planned
    average_work: float  # over the technicians on shift
    has_absences: Flags
    id_rank: Ints  # position of each technician's id in sorted order (for tie-breaking)
    skill_levels: dict[str, Ints] = field(default_factory=dict)
    _schedules: dict[int, RouteSchedule] = field(default_factory=dict)
    _positions: dict[int, Positions] = field(default_factory=dict)

    def levels(self, skill: str) -> Ints:
        found = self.skill_levels.get(skill)
        if found is None:
            found = np.array([t.skills.get(skill, 0) for t in self.problem.technicians], dtype=np.int64)
            self.skill_levels[skill] = found
        return found

    def schedule(self, index: int) -> RouteSchedule:
        found = self._schedules.get(index)
        if found is None:
            found = cached_schedule(self.problem, self.problem.technicians[index], params=self.params)
            self._schedules[index] = found
        return found

    def positions(self, indexes: Sequence[int]) -> Positions:
        parts = [self._positions_of(i) for i in indexes]
        if not parts:
            e = np.zeros(0, dtype=np.int64)
            return Positions(e, e, e, e, e, e, e, rate=np.zeros(0, dtype=np.float64), start=e, opens=e, lead=e, hop=e)
        return Positions(*(np.concatenate([getattr(p, name) for p in parts]) for name in Positions.__slots__))

    def _positions_of(self, number: int) -> Positions:
        found = self._positions.get(number)
        if found is not None:
            return found
        tech = self.problem.technicians[number]
        schedule = self.schedule(number)
        stops = schedule.stops
        fastest = self.problem.matrix.shortest_duration
        rows: list[tuple[int, ...]] = []
        rates: list[float] = []
        for position in range(schedule.first_free, len(stops) + 1):
            cursor = schedule.cursors[position]
            if position < len(stops):
                following = stops[position]
                nxt = following.location
                arrival, slack = schedule.arrivals[position], schedule.arrival_slack[position]
                lead = 0
                if following.restock is not None:
                    depot = self.problem.warehouses[following.restock.warehouse]
                    nxt = depot.location
                    slack = NO_LIMIT  # the old leg went via a warehouse: no cheap screen
                    lead = depot.pickup_seconds + fastest(depot.location, following.location)
                hop = 0
                if position > schedule.first_free:
                    hop = stops[position - 1].duration + fastest(cursor.location, nxt) + lead
                visit = (schedule.starts[position], following.window_start, lead, hop)
                rates.append(following.waiting_rate)
            else:
                nxt, arrival, slack = tech.end_location, tech.latest_end, 0
                visit = (0, 0, 0, 0)
                rates.append(0.0)
            rows.append((number, position, cursor.time, cursor.location, nxt, arrival, slack, *visit))
        table = np.array(rows, dtype=np.int64).reshape(-1, 11)
        c = [table[:, k].copy() for k in range(11)]
        rate = np.array(rates, dtype=np.float64)
        found = Positions(c[0], c[1], c[2], c[3], c[4], c[5], c[6], rate, c[7], c[8], c[9], c[10])
        self._positions[number] = found
        return found


def team_index(problem: DispatchProblem, *, params: DispatchParams) -> TeamIndex:
    key = ("team_index",)
    found = problem.memo.get(key)
    if isinstance(found, TeamIndex) and (found.params is params or found.params == params):
        return found
    index = _build(problem, params=params)
    problem.memo[key] = index
    return index


def free_flow_work(problem: DispatchProblem, tech: TechnicianState) -> int:
    """Service plus free-flow travel seconds of the technician's current route (restocks included)."""
    rows = problem.matrix.free_flow
    here, total = tech.start_location, 0
    for visit in tech.route:
        order = problem.order(visit.order_id)
        if visit.restock is not None:
            depot = problem.warehouses[visit.restock.warehouse].location
            total += rows[here, depot]
            here = depot
        total += rows[here, order.location] + order.duration
        here = order.location
    return total + rows[here, tech.end_location]


def carry_team(
    previous: DispatchProblem, problem: DispatchProblem, unchanged: frozenset[str], *, params: DispatchParams
) -> None:
    """Build `problem`'s team index from `previous`'s for the `unchanged` technicians (as found by
    `engine.schedule.carry_schedules`, at the same index): their workload and insertion-position rows
    are reused."""
    found = previous.memo.get(("team_index",))
    if not isinstance(found, TeamIndex) or not (found.params is params or found.params == params):
        return
    before = previous.technicians
    same = [
        i < len(before) and before[i] is tech and tech.id in unchanged for i, tech in enumerate(problem.technicians)
    ]
    index = _build(problem, params=params, work=[found.work[i] if same[i] else None for i in range(len(same))])
    index._positions.update((i, rows) for i, rows in found._positions.items() if same[i])
    problem.memo[("team_index",)] = index


def _build(
    problem: DispatchProblem, *, params: DispatchParams, work: Sequence[float | None] | None = None
) -> TeamIndex:
    techs = problem.technicians
    known = work or [None] * len(techs)
    totals = np.array(
        [free_flow_work(problem, t) if w is None else w for t, w in zip(techs, known, strict=True)], dtype=np.float64
    )
    on_shift = np.array([t.on_shift for t in techs], dtype=np.bool_)
    order = sorted(range(len(techs)), key=lambda i: techs[i].id)
    id_rank = np.empty(len(techs), dtype=np.int64)
    id_rank[order] = np.arange(len(techs))
    return TeamIndex(
        problem=problem,
        params=params,
        on_shift=on_shift,
        available=np.array([day_start(problem, t) for t in techs], dtype=np.int64),
        latest_end=np.array([t.latest_end for t in techs], dtype=np.int64),
        start_location=np.array([t.start_location for t in techs], dtype=np.int64),
        end_location=np.array([t.end_location for t in techs], dtype=np.int64),
        work=totals,
        average_work=float(totals[on_shift].mean()) if on_shift.any() else 0.0,
        has_absences=np.array([bool(t.absences) for t in techs], dtype=np.bool_),
        id_rank=id_rank,
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
        passes &= team.levels(skill) >= level
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
