"""Local search on a whole plan with the plan yardstick: move one visit at a time to where it costs least.

The batch solver optimises travel under time windows; the customers' waiting, which the product
is judged by, is a cumulative cost no routing library models directly. `relocate` closes that gap:
each movable visit is taken out of its route and re-inserted by the real-time insertion (the same
hard filters and cost, knock-on waits included); the move is kept only when the two routes it
touches cost less together (`costing.route_cost`), so the plan cost falls strictly with every move.

Pins hold: visits en route, on site or locked never move. A visit whose ETA was promised may move,
to any technician, but only inside its promised window (the order carries the promise, and every
re-insertion honours it).

May import: fieldpilot.engine (not solvers) and the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fieldpilot.engine.candidates import rank
from fieldpilot.engine.costing import route_cost
from fieldpilot.engine.filters import clock_for
from fieldpilot.engine.insertion import apply_assignment, with_technician
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, PinKind
from fieldpilot.engine.schedule import cached_schedule

MOVABLE = frozenset({None, PinKind.PROMISED})


@dataclass(frozen=True, slots=True)
class Relocation:
    problem: DispatchProblem
    moves: int
    gain: float  # how much the plan cost fell


def relocate(problem: DispatchProblem, *, params: DispatchParams, rounds: int = 2, min_gain: float = 1.0) -> Relocation:
    """Up to `rounds` passes over every movable visit (in route order, deterministic); each pass
    re-inserts every visit where it costs least and keeps the moves that lower the plan cost by
    more than `min_gain`. Stops early after a pass without a move."""
    clock = clock_for(problem)
    moves, gain = 0, 0.0
    tried: dict[str, int] = {}  # order id -> moves made when it was last tried
    for _ in range(rounds):
        moved = False
        for order_id in [v.order_id for t in problem.technicians for v in t.route if v.pin in MOVABLE]:
            if tried.get(order_id) == moves:
                continue  # the plan has not changed since this visit was last tried: no move again
            tried[order_id] = moves
            holder = problem.technician(problem.assigned_technician[order_id])
            if not cached_schedule(problem, holder, params=params).feasible:
                continue
            old_position = next(i for i, v in enumerate(holder.route) if v.order_id == order_id)
            rest = tuple(v for v in holder.route if v.order_id != order_id)
            stripped = with_technician(problem, replace(holder, route=rest))
            ranking = rank(stripped, stripped.order(order_id), params=params, keep=1, clock=clock, explain=False)
            if not ranking.ranked:
                continue
            best = ranking.ranked[0]
            if best.technician_id == holder.id and best.position == old_position:
                continue
            candidate = apply_assignment(stripped, best, params=params)
            touched = {holder.id, best.technician_id}
            before = sum(route_cost(problem, problem.technician(t), params=params) for t in touched)
            after = sum(route_cost(candidate, candidate.technician(t), params=params) for t in touched)
            if before - after > min_gain:
                problem, moves, gain, moved = candidate, moves + 1, gain + before - after, True
        if not moved:
            break
    return Relocation(problem, moves, gain)
