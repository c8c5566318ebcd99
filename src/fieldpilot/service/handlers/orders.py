"""Handlers for work orders: intake with triage, updates, lifecycle actions, ratings, SLA sweeps.

Each handler is one unit of work with one commit. Versions are bumped here, explicitly; storage
turns a concurrent change into a Conflict at commit.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import (
    IllegalTransition,
    InvalidInput,
    NotFound,
    PreconditionRequired,
    SlotTaken,
    VersionMismatch,
)
from fieldpilot.domain.events import OrderCreated, OrderRated, OrderUpdated
from fieldpilot.domain.values import CustomerTier, Priority, check_code
from fieldpilot.domain.work_order import DispatchMode, HistoryEntry, OrderLock, OrderStatus, WorkOrder
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers.dispatch import DispatchDeps, offer_with_engine, place_with_engine
from fieldpilot.service.idempotency import remember, replay
from fieldpilot.service.sla_tracking import refresh_sla, start_sla, switch_policy_if_needed
from fieldpilot.service.triage import triage
from fieldpilot.service.unit_of_work import TechnicianPosition, UnitOfWork
from fieldpilot.service.views import order_view
from fieldpilot.workflow import Action, advance, allowed_actions

TRACKING_TOKEN_BYTES = 18  # 144 random bits
# How far ahead of the server's clock a device's clock may be when it says when an action happened.
OCCURRED_AT_SKEW = timedelta(minutes=2)

UPDATABLE_FIELDS = frozenset(
    {
        "description",
        "priority",
        "service_type",
        "asset_id",
        "required_skills",
        "required_parts",
        "required_tools",
        "estimated_duration_minutes",
        "time_window",
        "is_appointment",
        "custom_fields",
        "lock",
        "locked",  # the boolean form: true is an assignment lock (a time lock stays), false unlocks
    }
)


def create_work_order(
    command: cmd.CreateWorkOrder,
    uow: UnitOfWork,
    deps: HandlerDeps,
    dispatch: DispatchDeps | None = None,
    default_mode: DispatchMode = DispatchMode.MANUAL,
) -> dict[str, Any]:
    """Take in an order: triage, SLA clock, and its dispatch mode (the command's, a triage
    rule's, or `default_mode`). Auto places it with the engine and offer offers it to the best
    few, in the same transaction, so the response, the stored idempotent replay and the
    database all show the order as it ends up (assigned, offered, or why not)."""
    scope = f"{command.actor}:create_work_order"
    with uow:
        previous = replay(uow, scope=scope, key=command.idempotency_key, fingerprint=command.fingerprint)
        if previous is not None:
            return previous
        now = deps.clock.now()
        customer = uow.customers.get(command.customer_id)
        if customer is None:
            raise InvalidInput("customer_id", f"no customer {command.customer_id!r}")
        site = uow.sites.get(command.site_id)
        if site is None or site.customer_id != customer.id:
            raise InvalidInput("site_id", f"no site {command.site_id!r} of customer {customer.id!r}")
        _check_references(uow, asset_id=command.asset_id, site_id=site.id, command=command)
        check_code(command.service_type, field="service_type")
        filled = triage(
            uow.triage_rules.list(limit=10_000),
            service_type=command.service_type,
            tier=customer.tier,
            text=command.description,
        )
        order = WorkOrder(
            id=deps.ids.new_id("wo"),
            customer_id=customer.id,
            site_id=site.id,
            service_type=command.service_type,
            created_at=now,
            tracking_token=deps.secrets.token(TRACKING_TOKEN_BYTES),
            description=command.description,
            channel=command.channel,
            asset_id=command.asset_id,
            required_skills=command.required_skills if command.required_skills is not None else filled.required_skills,
            required_parts=command.required_parts,
            required_tools=command.required_tools,
            estimated_duration_minutes=command.estimated_duration_minutes or filled.duration_minutes,
            priority=command.priority or filled.priority,
            time_window=command.time_window,
            is_appointment=command.is_appointment,
            custom_fields=dict(command.custom_fields),
            dispatch_mode=command.dispatch_mode or filled.dispatch_mode or default_mode,
            updated_at=now,
        )
        order.history.append(
            HistoryEntry(at=now, actor=command.actor, action="create", from_status=None, to_status=order.status)
        )
        policies = uow.sla_policies.list(limit=10_000)
        start_sla(order, policies=policies, tier=customer.tier, at=now)
        sla = refresh_sla(order, policies=policies, now=now)
        order.events.append(OrderCreated(order.id, int(order.priority), order.service_type, order.channel.value))
        uow.orders.add(order)
        if dispatch is not None and order.dispatch_mode is DispatchMode.AUTO:
            place_with_engine(uow, order, deps=deps, dispatch=dispatch, actor="engine", at=now)
            sla = refresh_sla(order, policies=policies, now=now)
        elif dispatch is not None and order.dispatch_mode is DispatchMode.OFFER:
            offer_with_engine(uow, order, deps=deps, dispatch=dispatch, at=now)
        view = order_view(order, sla=sla)
        remember(
            uow,
            scope=scope,
            key=command.idempotency_key,
            fingerprint=command.fingerprint,
            kind="work_order",
            resource_id=order.id,
            response=view,
            at=now,
        )
        uow.commit()
        return view


def _check_references(uow: UnitOfWork, *, asset_id: str | None, site_id: str, command: Any) -> None:
    if asset_id is not None:
        asset = uow.assets.get(asset_id)
        if asset is None or asset.site_id != site_id:
            raise InvalidInput("asset_id", f"no asset {asset_id!r} at site {site_id!r}")
    for requirement in getattr(command, "required_skills", None) or ():
        if uow.skills.get(requirement.skill) is None:
            raise InvalidInput("required_skills", f"unknown skill {requirement.skill!r}")
    for line in getattr(command, "required_parts", None) or ():
        if uow.parts.get(line.part) is None:
            raise InvalidInput("required_parts", f"unknown part {line.part!r}")


def _load(uow: UnitOfWork, order_id: str) -> WorkOrder:
    order = uow.orders.get(order_id)
    if order is None:
        raise NotFound("work order", order_id)
    return order


def _check_version(order: WorkOrder, expected: int | None) -> None:
    if expected is None:
        raise PreconditionRequired("work order")
    if expected != order.version:
        raise VersionMismatch(kind="work order", expected=expected, actual=order.version)


def _tier(uow: UnitOfWork, order: WorkOrder) -> CustomerTier:
    customer = uow.customers.get(order.customer_id)
    return customer.tier if customer else CustomerTier.STANDARD


def update_work_order(command: cmd.UpdateWorkOrder, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    unknown = set(command.changes) - UPDATABLE_FIELDS
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "cannot be changed through an update")
    with uow:
        order = _load(uow, command.order_id)
        _check_version(order, command.expected_version)
        if not order.is_open:
            raise IllegalTransition(current=order.status.value, action="update", allowed=[])
        now = deps.clock.now()
        changes = _lock_changes(order, dict(command.changes))
        if "priority" in changes:
            changes["priority"] = Priority(changes["priority"])
        _check_references(
            uow,
            asset_id=changes.get("asset_id"),
            site_id=order.site_id,
            command=_Refs(changes.get("required_skills"), changes.get("required_parts")),
        )
        updated = dataclasses.replace(order, **changes)  # runs every invariant check
        for name in changes:
            setattr(order, name, getattr(updated, name))
        order.updated_at = now
        order.version += 1
        policies = uow.sla_policies.list(limit=10_000)
        if {"priority", "service_type"} & set(changes):
            switch_policy_if_needed(order, policies=policies, tier=_tier(uow, order), at=now)
        sla = refresh_sla(order, policies=policies, now=now)
        order.events.append(OrderUpdated(order.id, tuple(sorted(changes))))
        uow.commit()
        return order_view(order, sla=sla)


def _lock_changes(order: WorkOrder, changes: dict[str, Any]) -> dict[str, Any]:
    """`locked` (bool) is the older form of `lock`; both at once is ambiguous."""
    if "locked" in changes:
        if "lock" in changes:
            raise InvalidInput("locked", "send either lock or locked, not both")
        locked = changes.pop("locked")
        if not isinstance(locked, bool):
            raise InvalidInput("locked", "must be true or false")
        changes["lock"] = (order.lock if order.locked else OrderLock.ASSIGNMENT) if locked else OrderLock.NONE
    if "lock" in changes:
        try:
            changes["lock"] = OrderLock(changes["lock"])
        except ValueError:
            allowed = ", ".join(kind.value for kind in OrderLock)
            raise InvalidInput("lock", f"must be one of {allowed}") from None
    return changes


@dataclasses.dataclass(frozen=True)
class _Refs:
    required_skills: Any
    required_parts: Any


def transition_work_order(command: cmd.TransitionWorkOrder, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    try:
        action = Action(command.action)
    except ValueError:
        raise InvalidInput("action", f"unknown action {command.action!r}") from None
    with uow:
        order = _load(uow, command.order_id)
        if command.expected_version is None:
            raise PreconditionRequired("work order")
        if command.expected_version != order.version:
            # When the action is impossible now anyway, say so (409) rather than "stale" (412).
            if order.status.value not in _sources(action):
                raise IllegalTransition(
                    current=order.status.value, action=action.value, allowed=allowed_actions(order.status)
                )
            raise VersionMismatch(kind="work order", expected=command.expected_version, actual=order.version)
        now = deps.clock.now()
        at = occurred_at(order, command.occurred_at, now=now)
        if action in (Action.ASSIGN, Action.REASSIGN):
            _book(uow, order, technician_id=command.technician_id, planned_start=command.planned_start)
        advance(
            order,
            action,
            at=at,
            actor=command.actor,
            reason=command.reason,
            technician_id=command.technician_id,
        )
        order.version += 1
        if action in (Action.ARRIVE, Action.COMPLETE) and order.technician_id:
            _record_position_at_site(uow, order, technician_id=order.technician_id, at=at)
        sla = refresh_sla(order, policies=uow.sla_policies.list(limit=10_000), now=now)
        uow.commit()
        return order_view(order, sla=sla)


def occurred_at(order: WorkOrder, claimed: datetime | None, *, now: datetime) -> datetime:
    """When an action happened: `claimed` (a device replaying what was done offline) if it is
    believable - not ahead of the clock by more than the devices' usual skew, not before the
    order's previous transition - else InvalidInput naming `occurred_at`. None: now. A time
    ahead of the clock within the skew counts as now (nothing is filed in the future)."""
    if claimed is None:
        return now
    if claimed.tzinfo is None or claimed.utcoffset() is None:
        raise InvalidInput("occurred_at", "give a time with its UTC offset")
    if claimed > now + OCCURRED_AT_SKEW:
        raise InvalidInput(
            "occurred_at",
            f"{claimed.isoformat()} is in the future (server time {now.isoformat()}); check the device's clock",
        )
    # The SLA log is kept in time order too (a policy switch writes to it without a transition).
    previous = max([order.created_at, *(h.at for h in order.history[-1:]), *(e.at for e in order.sla_log[-1:])])
    if claimed < previous:
        raise InvalidInput(
            "occurred_at", f"{claimed.isoformat()} is before the order's previous change ({previous.isoformat()})"
        )
    return min(claimed, now)


def _record_position_at_site(uow: UnitOfWork, order: WorkOrder, *, technician_id: str, at: datetime) -> None:
    """Checking in or out at a site tells where the technician is, even without GPS."""
    site = uow.sites.get(order.site_id)
    if site is not None:
        uow.positions.add(TechnicianPosition(technician_id, site.location, at))


def _sources(action: Action) -> set[str]:
    from fieldpilot.workflow import TRANSITIONS

    return {status.value for status in TRANSITIONS[action].sources}


def _book(uow: UnitOfWork, order: WorkOrder, *, technician_id: str | None, planned_start: Any) -> None:
    """Book the order into the technician's day; the lock serialises concurrent bookings."""
    if technician_id is None:
        raise InvalidInput("technician_id", "an assignment needs a technician")
    technician = uow.technicians.lock(technician_id)
    if technician is None or not technician.active:
        raise InvalidInput("technician_id", f"no active technician {technician_id!r}")
    order.planned_start = planned_start
    slot = order.planned_slot
    if slot is None:
        return
    for other in uow.orders.booked_for(technician_id, start=slot.start, end=slot.end):
        if other.id != order.id:
            raise SlotTaken(technician_id=technician_id, order_id=other.id)


def rate_work_order(command: cmd.RateWorkOrder, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    if not 1 <= command.rating <= 5:
        raise InvalidInput("rating", "must be 1 to 5")
    if len(command.comment) > 2000:
        raise InvalidInput("comment", "at most 2000 characters")
    with uow:
        order = uow.orders.get_by_tracking_token(command.tracking_token)
        if order is None:
            raise NotFound("tracking link", "")
        if order.status not in (OrderStatus.COMPLETED, OrderStatus.CLOSED):
            raise IllegalTransition(current=order.status.value, action="rate", allowed=[])
        if order.rating is not None:
            raise IllegalTransition(current="rated", action="rate", allowed=[])
        order.rating = command.rating
        order.rating_comment = command.comment or None
        order.version += 1
        order.events.append(OrderRated(order.id, command.rating))
        uow.commit()
        return {"rating": order.rating}


def refresh_sla_states(command: cmd.RefreshSlaStates, uow: UnitOfWork, deps: HandlerDeps) -> int:
    """Recompute every open order's SLA state; return how many changed state."""
    with uow:
        now = deps.clock.now()
        policies = uow.sla_policies.list(limit=10_000)
        changed = 0
        for order in uow.orders.open_orders():
            before = order.sla_state
            refresh_sla(order, policies=policies, now=now)
            # Derived state: no version bump, so a sweep never makes a user's If-Match stale.
            changed += order.sla_state != before
        uow.commit()
        return changed
