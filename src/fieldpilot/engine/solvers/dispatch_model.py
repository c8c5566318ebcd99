"""Translate a ``DispatchProblem`` into the library-neutral ``RoutingModel`` (and keep the mapping back).

Hard constraints become structure the search cannot break:
- qualifications (skill levels, valid certifications, tools, territory, customer exclusions and
  required technicians) restrict each job to the fleets of qualified technicians;
- parts are load dimensions: a van carries its stock until it visits a warehouse (a reload depot with
  the pickup time as service), after which it may carry what it needs;
- en-route and on-site visits are not searched over: the technician starts where and when the last
  of them ends; locked and promised visits are required and tied to their technician, promised ones
  within the promise plus tolerance, time-locked ones with their window collapsed to the locked start
  (``make_stop``), so new visits may still go before them when they keep that start;
- other orders are optional, with their priority's unplanned penalty as prize;
- SLA deadlines are start windows here; orders that cannot make them are re-inserted late afterwards,
  at their lateness cost (see ``dispatch.py``).
Costs are travel seconds times ``travel_weight``. Travel times use the highest congestion factor so the
search never counts on a faster road than the scheduler will.

May import: fieldpilot.domain, fieldpilot.engine (not insertion), numpy and the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem, OrderRequest, PlannedVisit, TechnicianState, day_start
from fieldpilot.engine.schedule import make_stop
from fieldpilot.engine.solvers.routing import OPEN_END, Depot, Fleet, Job, RoutingModel


def qualified(tech: TechnicianState, order: OrderRequest) -> bool:
    """The technician may take the order at all (rules of the plan checker's qualification)."""
    if any(tech.skills.get(skill, 0) < level for skill, level in order.required_skills.items()):
        return False
    if order.required_certifications - tech.certifications or order.required_tools - tech.tools:
        return False
    if order.territory and tech.territories and order.territory not in tech.territories:
        return False
    if tech.id in order.excluded_technicians:
        return False
    return not (order.required_technicians and tech.id not in order.required_technicians)


def fixed_head(tech: TechnicianState) -> tuple[PlannedVisit, ...]:
    """The en-route and on-site visits at the front of the route: they do not move."""
    head: list[PlannedVisit] = []
    for visit in tech.route:
        if visit.pin is None or not visit.pin.under_way:
            break
        head.append(visit)
    return tuple(head)


@dataclass(frozen=True)
class DispatchModel:
    """The routing model plus what its indices mean in the dispatch problem."""

    model: RoutingModel
    order_ids: tuple[str, ...]  # job index -> order id
    technician_ids: tuple[str, ...]  # fleet index -> technician id
    warehouse_of_depot: dict[int, int]  # depot index -> warehouse index
    part_names: tuple[str, ...]
    pinned: dict[str, str]  # order id -> technician id, for locked and promised visits
    heads: dict[str, tuple[PlannedVisit, ...]]  # technician id -> fixed visits kept in front
    visits: dict[str, PlannedVisit]  # order id -> the visit as planned now (pins, promises)
    offset: int = 0  # model time = snapshot second + offset (the model's times are never negative)


def build_model(problem: DispatchProblem, *, params: DispatchParams) -> DispatchModel:
    techs = [t for t in problem.technicians if t.on_shift]
    heads = {t.id: fixed_head(t) for t in problem.technicians}
    visits = {v.order_id: v for t in problem.technicians for v in t.route}
    in_head = {v.order_id for head in heads.values() for v in head}
    off_shift = {v.order_id for t in problem.technicians if not t.on_shift for v in t.route}
    pinned = {v.order_id: t.id for t in techs for v in t.route if v.pin is not None and v.order_id not in in_head}
    orders = [o for o in problem.orders if o.id not in in_head and o.id not in off_shift]
    part_names = tuple(sorted({p for o in orders for p, q in o.parts.items() if q > 0}))
    weight = params.travel_weight
    factor = problem.matrix.factor_range[1]
    duration = np.ceil(problem.matrix.durations.astype(np.float64) * factor).astype(np.int64)
    distance = np.rint(duration.astype(np.float64) * weight).astype(np.int64)

    depots: list[Depot] = []
    fleets: list[Fleet] = []
    warehouse_of_depot: dict[int, int] = {}
    for w, house in enumerate(problem.warehouses):
        warehouse_of_depot[len(depots)] = w
        depots.append(Depot(house.location, name=f"warehouse-{house.id}", service=house.pickup_seconds))
    reloads = tuple(warehouse_of_depot)
    demand_total = sum(o.parts.get(p, 0) for o in orders for p in part_names)
    big = demand_total + max((sum(t.stock.values()) for t in techs), default=0) + 1
    starts: dict[str, tuple[int, int]] = {}
    for tech in techs:
        start_place, start_time = tech.start_location, day_start(problem, tech)
        for visit in heads[tech.id]:
            start_place = problem.order(visit.order_id).location
            # a visit under way that overran its estimate is not over before now (as in the scheduler)
            start_time = max(visit.planned_start + problem.order(visit.order_id).duration, problem.now)
        starts[tech.id] = (start_place, start_time)
        breaks = sum(b.duration for b in tech.breaks)
        latest = max(start_time, tech.latest_end - breaks)
        stock = _stock_left(problem, tech, heads[tech.id])
        depots.append(Depot(start_place, start_time, latest, name=f"start-{tech.id}"))
        depots.append(Depot(tech.end_location, start_time, latest, name=f"end-{tech.id}"))
        fleets.append(
            Fleet(
                start_depot=len(depots) - 2,
                end_depot=len(depots) - 1,
                tw_early=start_time,
                tw_late=latest,
                capacity=(big,) * len(part_names),
                initial_load=tuple(big - min(big, stock.get(p, 0)) for p in part_names),
                reload_depots=reloads,
                name=tech.id,
            )
        )
    lo = min((s for _, s in starts.values()), default=0)
    hi = max((t.latest_end for t in techs), default=0)
    fleet_of = {t.id: f for f, t in enumerate(techs)}
    jobs = []
    for order in orders:
        stop = make_stop(order, params=params, visit=visits.get(order.id))
        early, late = max(stop.window_start, lo), min(stop.window_end, hi)
        if order.sla_deadline is not None and order.id not in pinned and order.sla_deadline >= early:
            late = min(late, order.sla_deadline)
        if order.id in pinned:
            allowed = frozenset({fleet_of[pinned[order.id]]})
        else:
            allowed = frozenset(f for f, t in enumerate(techs) if qualified(t, order))
        if late < early:
            allowed, late = frozenset(), early
        jobs.append(
            Job(
                location=order.location,
                service=order.duration,
                tw_early=early,
                tw_late=late,
                demand=tuple(order.parts.get(p, 0) for p in part_names),
                required=False,
                prize=_prize(order, params=params, pinned=order.id in pinned),
                fleets=allowed,
                name=order.id,
            )
        )
    # Snapshot seconds count from "now": a shift or a visit under way started before it. The routing
    # model wants non-negative times, so everything is shifted by `offset` (and shifted back on read).
    offset = max(
        0, -min([d.tw_early for d in depots] + [j.tw_early for j in jobs] + [f.tw_early for f in fleets], default=0)
    )
    if offset:
        depots = [replace(d, tw_early=d.tw_early + offset, tw_late=_later(d.tw_late, offset)) for d in depots]
        jobs = [replace(j, tw_early=j.tw_early + offset, tw_late=_later(j.tw_late, offset)) for j in jobs]
        fleets = [replace(f, tw_early=f.tw_early + offset, tw_late=_later(f.tw_late, offset)) for f in fleets]
    model = RoutingModel(
        distance=distance,
        duration=duration,
        depots=tuple(depots) or (Depot(0),),
        jobs=tuple(jobs),
        fleets=tuple(fleets),
        num_load_dimensions=len(part_names),
    )
    return DispatchModel(
        model=model,
        order_ids=tuple(o.id for o in orders),
        technician_ids=tuple(t.id for t in techs),
        warehouse_of_depot=warehouse_of_depot,
        part_names=part_names,
        pinned=pinned,
        heads=heads,
        visits=visits,
        offset=offset,
    )


def _later(moment: int, offset: int) -> int:
    return moment if moment >= OPEN_END else moment + offset


def _prize(order: OrderRequest, *, params: DispatchParams, pinned: bool) -> int:
    """Leaving an order out costs its priority's penalty; a pinned visit costs far more than any plan."""
    penalty = params.unplanned_penalty(order.priority)
    if pinned:
        return 10 * max(params.unplanned_penalties) + 10**9
    return penalty if math.isfinite(penalty) else 10**12


def _stock_left(problem: DispatchProblem, tech: TechnicianState, head: tuple[PlannedVisit, ...]) -> dict[str, int]:
    stock = dict(tech.stock)
    for visit in head:
        if visit.restock is not None:
            for part, qty in visit.restock.parts.items():
                stock[part] = stock.get(part, 0) + qty
        for part, qty in problem.order(visit.order_id).parts.items():
            stock[part] = stock.get(part, 0) - qty
    return stock
