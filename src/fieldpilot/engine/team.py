"""A per-snapshot index of the team for vectorised screening, cached in `DispatchProblem.memo`.

One numpy row per technician (shift, places, workload) is built for the whole team; route schedules
and the rows of their insertion positions are built lazily, only for technicians who pass the hard
filters, and then kept for the snapshot's later orders. `rank` uses it to screen the hard filters
(skills, shift, time to finish, certifications, tools, territory, the customer's technician lists)
and to bound every insertion position in a few numpy operations; only the technicians the vector
screen cannot clear go through the per-technician filters (which also write the reasons).

Problems derived from one another (`DispatchProblem.derived`: one technician changed, as the local
search does for every visit it tries) share their lineage's scratch space: a technician state's
workload and position rows are kept there under its identity, and a problem's index is made from the
last one made in its lineage, only the technicians that differ re-derived and the team-wide figures
(average workload, id order) recomputed as a fresh build would.

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
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, TechnicianState, Window, day_start
from fieldpilot.engine.schedule import NO_LIMIT, RouteSchedule, cached_schedule

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
# one technician's insertion positions: the int columns of `Positions` but `rate`, one per row of the
# table (technician, position, time, prev, next, arrival, slack, start, opens, lead, hop), and the rates
PositionRows = tuple[Ints, Floats]


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
    _holders: dict[tuple[str, str], Flags] = field(default_factory=dict)
    _schedules: dict[int, RouteSchedule] = field(default_factory=dict)
    _positions: dict[int, PositionRows] = field(default_factory=dict)

    def levels(self, skill: str) -> Ints:
        found = self.skill_levels.get(skill)
        if found is None:
            found = np.array([t.skills.get(skill, 0) for t in self.problem.technicians], dtype=np.int64)
            self.skill_levels[skill] = found
        return found

    def holders(self, kind: str, value: str) -> Flags:
        """Who holds a valid certification, a tool, or may work in a territory (`kind`: "certification",
        "tool" or "territory"; a technician without territories may work anywhere)."""
        found = self._holders.get((kind, value))
        if found is None:
            found = np.array([_holds(t, kind, value) for t in self.problem.technicians], dtype=np.bool_)
            self._holders[(kind, value)] = found
        return found

    def schedule(self, index: int) -> RouteSchedule:
        found = self._schedules.get(index)
        if found is None:
            found = cached_schedule(self.problem, self.problem.technicians[index], params=self.params)
            self._schedules[index] = found
        return found

    def positions(self, indexes: Sequence[int]) -> Positions:
        parts = [self._positions_of(i) for i in indexes]
        table = np.concatenate([p[0] for p in parts], axis=1) if parts else np.zeros((11, 0), dtype=np.int64)
        rate = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.float64)
        c = list(table)
        return Positions(c[0], c[1], c[2], c[3], c[4], c[5], c[6], rate, c[7], c[8], c[9], c[10])

    def _positions_of(self, number: int) -> PositionRows:
        found = self._positions.get(number)
        if found is not None:
            return found
        tech = self.problem.technicians[number]
        # the rows depend on the technician's state and on what derived problems share: kept for them
        key = ("positions", id(tech))
        kept = self.problem.lineage.get(key)
        if isinstance(kept, tuple) and kept[0] is tech and kept[2] == number and _same(kept[1], self.params):
            rows: PositionRows = kept[3]
        else:
            rows = self._position_rows(number, tech)
            self.problem.lineage[key] = (tech, self.params, number, rows)
        self._positions[number] = rows
        return rows

    def _position_rows(self, number: int, tech: TechnicianState) -> PositionRows:
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
        table = np.ascontiguousarray(np.array(rows, dtype=np.int64).reshape(-1, 11).T)
        return table, np.array(rates, dtype=np.float64)

    def changed(self, problem: DispatchProblem, indexes: Sequence[int]) -> TeamIndex:
        """The index of `problem`, which shares this index's problem but for the technicians at
        `indexes` (`DispatchProblem.derived`): their rows are made again, every other row and the
        schedules and position rows of the others are kept; team-wide figures are recomputed."""
        techs, before = problem.technicians, self.problem.technicians
        on_shift, available, latest_end = self.on_shift.copy(), self.available.copy(), self.latest_end.copy()
        start_location, end_location = self.start_location.copy(), self.end_location.copy()
        work, has_absences = self.work.copy(), self.has_absences.copy()
        levels = {skill: found.copy() for skill, found in self.skill_levels.items()}
        holders = {key: found.copy() for key, found in self._holders.items()}
        for i in indexes:
            tech = techs[i]
            on_shift[i], available[i], latest_end[i] = tech.on_shift, day_start(problem, tech), tech.latest_end
            start_location[i], end_location[i] = tech.start_location, tech.end_location
            work[i], has_absences[i] = _kept_work(problem, tech), bool(tech.absences)
            for skill, level in levels.items():
                level[i] = tech.skills.get(skill, 0)
            for (kind, value), held in holders.items():
                held[i] = _holds(tech, kind, value)
        same_ids = all(techs[i].id == before[i].id for i in indexes)
        gone = set(indexes)
        return TeamIndex(
            problem=problem,
            params=self.params,
            on_shift=on_shift,
            available=available,
            latest_end=latest_end,
            start_location=start_location,
            end_location=end_location,
            work=work,
            average_work=_average(work, on_shift),
            has_absences=has_absences,
            id_rank=self.id_rank if same_ids else _id_rank(techs),
            skill_levels=levels,
            _holders=holders,
            _schedules={i: found for i, found in self._schedules.items() if i not in gone},
            _positions={i: found for i, found in self._positions.items() if i not in gone},
        )


def _holds(tech: TechnicianState, kind: str, value: str) -> bool:
    if kind == "certification":
        return value in tech.certifications
    if kind == "tool":
        return value in tech.tools
    return not tech.territories or value in tech.territories


def _same(a: DispatchParams, b: DispatchParams) -> bool:
    return a is b or a == b


def _average(work: Floats, on_shift: Flags) -> float:
    shift = work[on_shift]  # (the sum and division `mean` makes, without its overhead: the same float)
    return float(shift.sum()) / len(shift) if len(shift) else 0.0


def _id_rank(techs: Sequence[TechnicianState]) -> Ints:
    order = sorted(range(len(techs)), key=lambda i: techs[i].id)
    id_rank = np.empty(len(techs), dtype=np.int64)
    id_rank[order] = np.arange(len(techs))
    return id_rank


def team_index(problem: DispatchProblem, *, params: DispatchParams) -> TeamIndex:
    """The problem's team index; made from the last one made for a problem of its lineage
    (`DispatchProblem.lineage`) when only a few technicians differ, else built."""
    key = ("team_index",)
    found = problem.memo.get(key)
    if isinstance(found, TeamIndex) and _same(found.params, params):
        return found
    index = None
    relative = problem.lineage.get(key)
    if isinstance(relative, TeamIndex) and _same(relative.params, params):
        before, techs = relative.problem.technicians, problem.technicians
        if len(before) == len(techs):
            changed = [i for i, (old, new) in enumerate(zip(before, techs, strict=True)) if old is not new]
            if 4 * len(changed) <= len(techs):
                index = relative.changed(problem, changed)
    if index is None:
        index = _build(problem, params=params)
    problem.memo[key] = index
    problem.lineage[key] = index
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


def _kept_work(problem: DispatchProblem, tech: TechnicianState) -> int:
    """`free_flow_work`, kept for the problems derived from this one (see `DispatchProblem.lineage`)."""
    key = ("work", id(tech))
    kept = problem.lineage.get(key)
    if isinstance(kept, tuple) and kept[0] is tech:
        work: int = kept[1]
        return work
    work = free_flow_work(problem, tech)
    problem.lineage[key] = (tech, work)
    return work


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
    problem.lineage[("team_index",)] = index


def _build(
    problem: DispatchProblem, *, params: DispatchParams, work: Sequence[float | None] | None = None
) -> TeamIndex:
    techs = problem.technicians
    known = work or [None] * len(techs)
    totals = np.array(
        [_kept_work(problem, t) if w is None else w for t, w in zip(techs, known, strict=True)], dtype=np.float64
    )
    on_shift = np.array([t.on_shift for t in techs], dtype=np.bool_)
    return TeamIndex(
        problem=problem,
        params=params,
        on_shift=on_shift,
        available=np.array([day_start(problem, t) for t in techs], dtype=np.int64),
        latest_end=np.array([t.latest_end for t in techs], dtype=np.int64),
        start_location=np.array([t.start_location for t in techs], dtype=np.int64),
        end_location=np.array([t.end_location for t in techs], dtype=np.int64),
        work=totals,
        average_work=_average(totals, on_shift),
        has_absences=np.array([bool(t.absences) for t in techs], dtype=np.bool_),
        id_rank=_id_rank(techs),
    )


def needs_per_technician_filters(order: OrderRequest) -> bool:
    """Rules beyond the common ones (skills, shift): certifications, tools, territory, the customer's
    technician lists and parts. An order without them is cleared by the common rules alone."""
    return bool(
        order.required_certifications
        or order.required_tools
        or order.territory
        or order.excluded_technicians
        or order.required_technicians
        or order.parts
    )


class Screen(NamedTuple):
    """The vector screen's verdicts on every technician for one order; the filters decide the rest."""

    cleared: Flags  # certainly pass every hard filter (parts aside: the van stock is checked per technician)
    ruled_out: Flags  # certainly fail one


def screen(problem: DispatchProblem, team: TeamIndex, order: OrderRequest, *, window: Window) -> Screen:
    """The hard filters applied to the whole team at once, by the same rules as `filters`: skills,
    shift and time to finish, then certifications, tools, territory and the customer's technician
    lists. Absences are left to the filters (a technician with any is never cleared)."""
    fit = team.on_shift.copy()  # every rule here holds, absences aside
    for skill, level in order.required_skills.items():
        fit &= team.levels(skill) >= level
    first_start = np.maximum(window.start, team.available)
    fit &= (first_start <= window.end) & (first_start < team.latest_end)
    matrix = problem.matrix
    low = matrix.factor_range[0]
    going = matrix.durations[team.start_location, order.location]
    coming = matrix.durations[order.location, team.end_location]
    if matrix.congestion is not None:
        going = np.floor(going * low).astype(np.int64)
        coming = np.floor(coming * low).astype(np.int64)
    start = np.maximum(window.start, team.available + going)
    back = start + order.duration + coming
    fit &= ~((back > team.latest_end) & (start <= window.end))
    common = fit & ~team.has_absences  # all an order without per-technician rules needs
    for skill, level in order.required_skills.items():
        if level < 1:  # (the filters call a skill missing at level 0, whatever the level required)
            fit &= team.levels(skill) >= 1
    for cert in order.required_certifications:
        fit &= team.holders("certification", cert)
    for tool in order.required_tools:
        fit &= team.holders("tool", tool)
    if order.territory:
        fit &= team.holders("territory", order.territory)
    techs = problem.technicians
    if order.excluded_technicians:
        fit &= np.array([t.id not in order.excluded_technicians for t in techs], dtype=np.bool_)
    if order.required_technicians:
        fit &= np.array([t.id in order.required_technicians for t in techs], dtype=np.bool_)
    cleared = fit & ~team.has_absences if needs_per_technician_filters(order) else common
    return Screen(cleared, ~fit & ~cleared)
