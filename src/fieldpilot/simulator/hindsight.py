"""The hindsight bound: the whole day known in the morning and planned offline by the batch solver.

Every request is known with its true duration (at the norm's pace), its release time (no visit
before the customer calls) and its SLA deadline; cancelled requests are left out. The engine's
batch solver plans the day once, with its own objective and an iteration budget. The plan is not
executed (no traffic noise, no overruns), so it shows how much a clairvoyant planner with the
same engine would leave on the table, not what a real day would give. It appears in the report
as the policy `hindsight`, with the metrics a plan can have (wait, SLA, km, jobs, balance).

May import: fieldpilot.engine (solvers included), fieldpilot.routing, fieldpilot.domain and
simulator modules.
"""

from __future__ import annotations

from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan, Route
from fieldpilot.engine.problem import BreakWindow, DispatchProblem, OrderRequest, TechnicianState, Window
from fieldpilot.routing import HaversineTravelTimes
from fieldpilot.simulator.generate import Day
from fieldpilot.simulator.run import DayResult
from fieldpilot.simulator.timeline import OrderTimeline, TechnicianLog
from fieldpilot.simulator.world import Roads, speed_profile

BREAK_FLEX = 1800


def hindsight_problem(day: Day) -> DispatchProblem:
    places = [t.technician.home_base for t in day.technicians]
    kept = [a for a in day.arrivals if a.cancel_after is None]
    places += [a.location for a in kept]
    matrix = HaversineTravelTimes(profile=speed_profile(day)).travel_matrix(places, depart_at=day.start)
    sla = day.scenario.sla.arrival
    technicians = []
    for n, plan in enumerate(day.technicians):
        tech = plan.technician
        breaks: tuple[BreakWindow, ...] = ()
        if plan.break_start is not None and plan.break_seconds:
            breaks = (
                BreakWindow(
                    max(plan.shift_start, plan.break_start - BREAK_FLEX),
                    min(plan.shift_end, plan.break_start + plan.break_seconds + BREAK_FLEX),
                    plan.break_seconds,
                ),
            )
        absences = () if plan.sick_at is None else (Window(plan.sick_at, day.end),)
        technicians.append(
            TechnicianState(
                id=tech.id,
                name=tech.name,
                start_location=n,
                earliest_start=plan.shift_start,
                end_location=n,
                shift_start=plan.shift_start,
                shift_end=plan.shift_end,
                skills=dict(tech.skills),
                max_overtime=tech.max_overtime_minutes * 60,
                breaks=breaks,
                absences=absences,
            )
        )
    orders = tuple(
        OrderRequest(
            id=f"wo_{a.index:06d}",
            location=len(day.technicians) + i,
            duration=a.true_seconds(1.0),
            earliest_start=a.second,
            required_skills={a.skill: a.min_level},
            priority=int(a.priority),
            customer_tier=a.tier,
            sla_deadline=a.second + sla[int(a.priority) - 1] * 60,
        )
        for i, a in enumerate(kept)
    )
    return DispatchProblem(
        epoch=day.start, technicians=tuple(technicians), orders=orders, locations=tuple(places), matrix=matrix
    )


def hindsight_day(day: Day, *, iterations: int = 500, params: DispatchParams | None = None) -> DayResult:
    from fieldpilot.engine.solvers.dispatch import solve
    from fieldpilot.engine.solvers.routing import SearchBudget

    problem = hindsight_problem(day)
    plan = solve(problem, SearchBudget(max_seconds=600.0, max_iterations=iterations), seed=day.seed, params=params)
    return _result(day, problem, plan)


def _result(day: Day, problem: DispatchProblem, plan: Plan) -> DayResult:
    roads = Roads(day)
    arrivals = {f"wo_{a.index:06d}": a for a in day.arrivals}
    timelines = {
        order_id: OrderTimeline(
            order_id=order_id,
            key=a.key,
            priority=int(a.priority),
            service_type=a.service_type,
            territory=a.territory,
            created=a.second,
            estimated_minutes=a.estimated_minutes,
            urgent=a.urgent,
        )
        for order_id, a in arrivals.items()
    }
    for order_id, a in arrivals.items():
        if a.cancel_after is not None:
            timelines[order_id].outcome, timelines[order_id].reason = "cancelled", "customer cancelled"
    logs = []
    for plan_tech, route in zip(day.technicians, _routes(problem, plan), strict=True):
        log = TechnicianLog(
            plan_tech.technician.id, plan_tech.shift_start, plan_tech.shift_end, sick_at=plan_tech.sick_at
        )
        where = plan_tech.technician.home_base
        for visit in route.visits if route else ():
            timeline, site = timelines[visit.order_id], arrivals[visit.order_id].location
            km = roads.metres(where, site) / 1000
            log.km += km
            log.jobs += 1
            log.activities.append((visit.start, visit.end, "work", visit.order_id))
            timeline.technician = log.technician_id  # known all along: no response time to speak of
            timeline.arrived, timeline.completed, timeline.outcome = visit.start, visit.end, "served"
            timeline.km, where = km, site
        logs.append(log)
    for timeline in timelines.values():
        if timeline.outcome == "open":
            timeline.outcome, timeline.reason = "unserved", "left unplanned by the offline solver"
    return DayResult(
        scenario=day.scenario.name,
        seed=day.seed,
        policy="hindsight",
        orders=[timelines[k] for k in sorted(timelines)],
        technicians=logs,
        latencies={},
        end=day.end,
        steps=0,
        sla_arrival=day.scenario.sla.arrival,
    )


def _routes(problem: DispatchProblem, plan: Plan) -> list[Route | None]:
    by_id = {r.technician_id: r for r in plan.routes}
    return [by_id.get(t.id) for t in problem.technicians]
