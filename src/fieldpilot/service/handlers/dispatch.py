"""Dispatch handlers: put an order on a technician's day with the engine, and explain it.

Auto mode takes the engine's cheapest feasible insertion; force mode takes the dispatcher's
choice, records which constraints it breaks, and needs a reason when it breaks any. Either way
the decision record is stored with the order, and the other visits of the route are re-timed
(their promised ETA windows are kept: the engine only accepts insertions that respect them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import DispatchChoice
from fieldpilot.domain.errors import Conflict, IllegalTransition, InvalidInput, NotFound, SlotTaken, VersionMismatch
from fieldpilot.domain.events import EtaChanged, OrderOffered
from fieldpilot.domain.values import TimeWindow
from fieldpilot.domain.work_order import HistoryEntry, OrderStatus, WorkOrder
from fieldpilot.engine.explain import Candidate
from fieldpilot.engine.insertion import apply_assignment, evaluate_force_assign, insert, rank_candidates
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.ports import BatchSolver, TrafficFeed, TravelTimes
from fieldpilot.service.sla_tracking import refresh_sla
from fieldpilot.service.snapshot import build_snapshot, seconds
from fieldpilot.service.unit_of_work import DecisionRecord, OrderQuery, UnitOfWork
from fieldpilot.service.views import order_view
from fieldpilot.service.warm_snapshot import WarmSnapshots
from fieldpilot.workflow import Action, advance, allowed_actions


@dataclass(frozen=True)
class DispatchDeps:
    travel: TravelTimes
    params: DispatchParams
    timezone: str
    # A technician expected this much later than planned at the next visit triggers a re-plan.
    late_threshold_seconds: int = 900
    # The batch optimiser for re-plans; None: greedy re-insertion only.
    solver: BatchSolver | None = None
    # Iteration cap for re-plans that do not set one (reproducible runs).
    max_iterations: int | None = None
    # Live traffic per area (None: no areas configured).
    traffic: TrafficFeed | None = None
    # The snapshot kept warm between commands (None: every command reads a fresh one).
    snapshots: WarmSnapshots | None = None

    def snapshot(self, uow: UnitOfWork, *, now: datetime, include: Iterable[str] = ()) -> DispatchProblem:
        """The dispatch snapshot at `now`: the warm one brought up to date, or a fresh read."""
        if self.snapshots is not None:
            return self.snapshots.snapshot(uow, now=now, include=include)
        return build_snapshot(uow, now=now, timezone=self.timezone, travel=self.travel, include=include)


def dispatch_order(
    command: cmd.DispatchOrder, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps
) -> dict[str, Any]:
    with uow:
        order = uow.orders.get(command.order_id)
        if order is None:
            raise NotFound("work order", command.order_id)
        if order.status is not OrderStatus.NEW:
            raise IllegalTransition(
                current=order.status.value, action="dispatch", allowed=allowed_actions(order.status)
            )
        if command.expected_version is not None and command.expected_version != order.version:
            raise VersionMismatch(kind="work order", expected=command.expected_version, actual=order.version)
        now = deps.clock.now()
        if command.mode is DispatchChoice.FORCE:
            problem = dispatch.snapshot(uow, now=now, include=[order.id])
            candidate, body = _forced(problem, command, params=dispatch.params)
            placed = apply_assignment(problem, candidate, params=dispatch.params)
            reason = command.reason.strip() or "dispatcher's choice"
            _place(uow, order, placed, candidate=candidate, actor=command.actor, reason=reason, at=now)
            record = _record(uow, deps, order_id=order.id, at=now, kind="force", body=body)
        else:
            record = place_with_engine(uow, order, deps=deps, dispatch=dispatch, actor=command.actor, at=now)
        sla = refresh_sla(order, policies=uow.sla_policies.list(limit=10_000), now=now)
        uow.commit()
        return {"order": order_view(order, sla=sla), "decision": {"id": record.id, **record.body}}


def place_with_engine(
    uow: UnitOfWork, order: WorkOrder, *, deps: HandlerDeps, dispatch: DispatchDeps, actor: str, at: datetime
) -> DecisionRecord:
    """Put a new order where the engine's real-time insertion says, inside the caller's unit of
    work, and store the decision. Losing the slot to a concurrent booking leaves the order in the
    pool (recorded in the decision) instead of failing the caller's command."""
    problem = dispatch.snapshot(uow, now=at, include=[order.id])
    decision = insert(problem, order.id, params=dispatch.params)
    body = decision.record.to_dict()
    candidate = decision.assignment
    if candidate is not None:
        placed = apply_assignment(problem, candidate, params=dispatch.params)
        try:
            _place(
                uow,
                order,
                placed,
                candidate=candidate,
                actor=actor,
                reason="engine: cheapest feasible insertion",
                at=at,
            )
        except SlotTaken as taken:
            body = {**body, "outcome": "unassigned", "summary": f"{body['summary']} Not booked: {taken.message}."}
    return _record(uow, deps, order_id=order.id, at=at, kind="auto", body=body)


def offer_with_engine(
    uow: UnitOfWork, order: WorkOrder, *, deps: HandlerDeps, dispatch: DispatchDeps, at: datetime
) -> DecisionRecord:
    """Offer a new order to the engine's best few technicians until the offer expires; with
    nobody able to take it, the record says why and the order waits in the queue."""
    problem = dispatch.snapshot(uow, now=at, include=[order.id])
    offer = rank_candidates(problem, order.id, params=dispatch.params)
    order.offered_to = tuple(c.technician_id for c in offer.candidates)
    order.offer_expires_at = problem.moment(offer.expires_at) if order.offered_to else None
    if order.offer_expires_at is not None:
        order.events.append(OrderOffered(order.id, order.offered_to, order.offer_expires_at))
    body = {**offer.record.to_dict(), "mode": "offer", "offered_to": list(order.offered_to)}
    body["expires_at"] = None if order.offer_expires_at is None else order.offer_expires_at.isoformat()
    return _record(uow, deps, order_id=order.id, at=at, kind="offer", body=body)


def grab_order(command: cmd.GrabOrder, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps) -> dict[str, Any]:
    """The first offered technician to grab the order gets it, if it still fits their day."""
    with uow:
        order = uow.orders.get(command.order_id)
        if order is None:
            raise NotFound("work order", command.order_id)
        now = deps.clock.now()
        if order.status is not OrderStatus.NEW:
            raise IllegalTransition(current=order.status.value, action="grab", allowed=allowed_actions(order.status))
        if command.technician_id not in order.offered_to:
            raise Conflict(f"order {order.id} is not offered to {command.technician_id}")
        if order.offer_expires_at is None or now >= order.offer_expires_at:
            raise Conflict(f"the offer of order {order.id} has expired")
        problem = dispatch.snapshot(uow, now=now, include=[order.id])
        forced = evaluate_force_assign(problem, order.id, command.technician_id, params=dispatch.params)
        if forced.broken:
            sentences = "; ".join(b.sentence for b in forced.broken)
            raise Conflict(f"order {order.id} no longer fits {command.technician_id}'s day: {sentences}")
        placed = apply_assignment(problem, forced.candidate, params=dispatch.params)
        _place(uow, order, placed, candidate=forced.candidate, actor=command.actor, reason="grabbed from offer", at=now)
        order.offered_to, order.offer_expires_at = (), None
        body = {"mode": "grab", "outcome": "assigned", **forced.to_dict(problem)}
        record = _record(uow, deps, order_id=order.id, at=now, kind="grab", body=body)
        sla = refresh_sla(order, policies=uow.sla_policies.list(limit=10_000), now=now)
        uow.commit()
        return {"order": order_view(order, sla=sla), "decision": {"id": record.id, **record.body}}


# Visits a dispatcher may still move on the board: the technician has not set off yet.
MOVABLE = frozenset({OrderStatus.NEW, OrderStatus.ASSIGNED, OrderStatus.ACCEPTED})


def released(problem: DispatchProblem, order_id: str) -> DispatchProblem:
    """The problem with the order lifted out of whatever route holds it, promised or not."""
    technicians = tuple(
        replace(t, route=tuple(v for v in t.route if v.order_id != order_id)) for t in problem.technicians
    )
    return replace(problem, technicians=technicians)


def unpromised(problem: DispatchProblem, order_id: str) -> DispatchProblem:
    """The problem without the customer's promised window for this order."""
    orders = tuple(replace(o, promised_window=None) if o.id == order_id else o for o in problem.orders)
    return replace(problem, orders=orders)


def drop_position(problem: DispatchProblem, technician_id: str, drop_at: datetime | None) -> int | None:
    """Where in the route a visit dropped at `drop_at` goes: after every visit that starts earlier."""
    if drop_at is None:
        return None
    second = seconds(problem.epoch, drop_at)
    return sum(1 for v in problem.technician(technician_id).route if v.planned_start < second)


def move_visit(command: cmd.MoveVisit, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps) -> dict[str, Any]:
    """Move a visit to a technician and a place in their day in one transaction: the engine's
    forced-assignment check, the booking with the route re-timed, the decision record. A waiting
    order is assigned, one on another technician reassigned (OrderReassigned; an accepted visit
    goes back to assigned for the new technician to accept), one on the same technician re-timed.
    Any refusal leaves everything as it was."""
    reason = command.reason.strip()
    if not reason:
        raise InvalidInput("reason", "say why you move this visit (it goes into the order's history)")
    with uow:
        order = uow.orders.get(command.order_id)
        if order is None:
            raise NotFound("work order", command.order_id)
        if command.expected_version is None:
            raise InvalidInput("expected_version", "moving a visit needs the version it was shown at")
        if command.expected_version != order.version:
            raise VersionMismatch(kind="work order", expected=command.expected_version, actual=order.version)
        if order.status not in MOVABLE:
            raise IllegalTransition(current=order.status.value, action="move", allowed=allowed_actions(order.status))
        now = deps.clock.now()
        problem = released(
            dispatch.snapshot(uow, now=now, include=[order.id]),
            order.id,
        )
        if command.technician_id not in problem.technicians_by_id:
            raise InvalidInput("technician_id", f"no active technician {command.technician_id!r}")
        position = command.position
        if position is None:
            position = drop_position(problem, command.technician_id, command.planned_start)
        forced = evaluate_force_assign(problem, order.id, command.technician_id, position, params=dispatch.params)
        candidate = forced.candidate
        if any(b.code == "PROMISED_WINDOW" for b in forced.broken):
            # The dispatcher breaks the customer's window knowingly: they get one for the new time.
            problem = unpromised(problem, order.id)
            candidate = evaluate_force_assign(
                problem, order.id, command.technician_id, position, params=dispatch.params
            ).candidate
        placed = apply_assignment(problem, candidate, params=dispatch.params)
        previous = order.technician_id
        if order.status is OrderStatus.NEW:
            action: Action | None = Action.ASSIGN
        elif previous != command.technician_id:
            action = Action.REASSIGN
        else:
            action = None  # the same technician, another time: no change of status
        _place(uow, order, placed, candidate=candidate, actor=command.actor, reason=reason, at=now, action=action)
        body = {"mode": "move", "outcome": "assigned", "from_technician_id": previous, **forced.to_dict(problem)}
        record = _record(uow, deps, order_id=order.id, at=now, kind="move", body=body)
        sla = refresh_sla(order, policies=uow.sla_policies.list(limit=10_000), now=now)
        uow.commit()
        return {"order": order_view(order, sla=sla), "decision": {"id": record.id, **record.body}}


def expire_offers(command: cmd.ExpireOffers, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps) -> int:
    """Offers nobody grabbed in time fall back to auto-assign; returns how many expired."""
    with uow:
        now = deps.clock.now()
        waiting = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=100_000)).items
        expired = [o for o in waiting if o.offer_expires_at is not None and o.offer_expires_at <= now]
        for order in expired:
            order.offered_to, order.offer_expires_at = (), None
            order.version += 1
            place_with_engine(uow, order, deps=deps, dispatch=dispatch, actor="engine", at=now)
        uow.commit()
        return len(expired)


def _record(
    uow: UnitOfWork, deps: HandlerDeps, *, order_id: str, at: datetime, kind: str, body: dict[str, Any]
) -> DecisionRecord:
    record = DecisionRecord(id=deps.ids.new_id("dec"), order_id=order_id, created_at=at, kind=kind, body=body)
    uow.decisions.add(record)
    return record


def _forced(
    problem: DispatchProblem, command: cmd.DispatchOrder, *, params: DispatchParams
) -> tuple[Candidate, dict[str, Any]]:
    technician_id = command.technician_id
    if not technician_id:
        raise InvalidInput("technician_id", "a forced assignment names the technician")
    if technician_id not in problem.technicians_by_id:
        raise InvalidInput("technician_id", f"no active technician {technician_id!r}")
    forced = evaluate_force_assign(problem, command.order_id, technician_id, command.position, params=params)
    body = {"mode": "force", "outcome": "assigned", **forced.to_dict(problem)}
    if forced.requires_reason and not command.reason.strip():
        raise InvalidInput("reason", "this assignment breaks constraints: " + _broken_text(body))
    return forced.candidate, body


def _broken_text(body: dict[str, Any]) -> str:
    return "; ".join(str(b.get("sentence", b.get("code"))) for b in body.get("broken", [])) or "see decision"


def _place(
    uow: UnitOfWork,
    order: WorkOrder,
    placed: DispatchProblem,
    *,
    candidate: Candidate,
    actor: str,
    reason: str,
    at: datetime,
    action: Action | None = Action.ASSIGN,
) -> None:
    """Book the order and re-time the route's other visits, under the technician's lock.
    `action`: the lifecycle step that books it (assign, reassign), None for a re-timing on the
    same technician.

    Everything is checked before anything changes: an order booked on the technician since the
    snapshot (not part of this route) that overlaps the new slot raises SlotTaken untouched."""
    technician_id = candidate.technician_id
    if uow.technicians.lock(technician_id) is None:
        raise InvalidInput("technician_id", f"no technician {technician_id!r}")
    route = placed.technician(technician_id).route
    starts = {visit.order_id: placed.moment(visit.planned_start) for visit in route}
    start = starts[order.id]
    end = start + timedelta(minutes=order.estimated_duration_minutes)
    for other in uow.orders.booked_for(technician_id, start=start, end=end):
        if other.id not in starts:
            raise SlotTaken(technician_id=technician_id, order_id=other.id)
    for order_id, moment in starts.items():
        mate = None if order_id == order.id else uow.orders.get(order_id)
        if mate is not None and mate.planned_start != moment:
            mate.planned_start = moment
            mate.version += 1
    order.planned_start = start
    if action is None:
        order.updated_at = at
        order.history.append(
            HistoryEntry(
                at=at,
                actor=actor,
                action="move",
                from_status=order.status,
                to_status=order.status,
                reason=reason,
                technician_id=technician_id,
            )
        )
    else:
        advance(order, action, at=at, actor=actor, reason=reason, technician_id=technician_id)
    # Windows are closed ranges of start seconds; TimeWindow is half-open, hence the extra second.
    window = candidate.eta_window
    order.eta_window = TimeWindow(placed.moment(window.start), placed.moment(window.end) + timedelta(seconds=1))
    order.events.append(EtaChanged(order.id, order.eta_window.start, order.eta_window.end))
    order.version += 1
