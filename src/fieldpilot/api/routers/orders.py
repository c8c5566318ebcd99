"""Work orders: intake, list and filters, updates, lifecycle actions, history and decisions.

Thin routes: schema -> command -> bus -> typed response. Access: `requires(...)` for the role,
`authorize(..., order=)` for the object rule (a technician's own orders).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status

from fieldpilot.api.deps import (
    API_PREFIX,
    BusDep,
    CurrentActor,
    IdempotencyKey,
    IfMatch,
    NowDep,
    UowFactoryDep,
    requires,
    set_etag,
)
from fieldpilot.api.fingerprint import fingerprint
from fieldpilot.api.schemas.common import PageOut
from fieldpilot.api.schemas.orders import (
    ActionRequest,
    DecisionOut,
    DispatchOut,
    DispatchRequest,
    HistoryEntryOut,
    OrderCreate,
    OrderOut,
    OrderPatch,
    SortParam,
)
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput, PermissionDenied, PreconditionRequired
from fieldpilot.domain.values import Priority
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service import queries
from fieldpilot.service.permissions import Permission, action_permission, authorize, check_role
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.workflow import Action

router = APIRouter(prefix="/orders", tags=["orders"])

OrderId = Annotated[str, Path(min_length=1, max_length=64)]
PriorityLabel = Literal["P1", "P2", "P3", "P4"]
SlaStateParam = Literal["ok", "at_risk", "breached"]


def order_filters(
    now: NowDep,
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    priority: Annotated[list[PriorityLabel] | None, Query()] = None,
    technician_id: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    sla_state: Annotated[list[SlaStateParam] | None, Query()] = None,
    created_from: Annotated[datetime | None, Query()] = None,
    created_to: Annotated[datetime | None, Query()] = None,
    sort: Annotated[SortParam, Query(description="a field, '-' first for descending")] = "created_at",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrderQuery:
    for name, moment in (("created_from", created_from), ("created_to", created_to)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput(f"query.{name}", "must carry a timezone offset")
    if created_from and created_to and created_to <= created_from:
        raise InvalidInput("query.created_to", "must be after created_from")
    return OrderQuery(
        statuses=frozenset(status_ or ()),
        priorities=frozenset(Priority(int(p[1])) for p in priority or ()),
        technician_id=technician_id,
        customer_id=customer_id,
        sla_states=frozenset(sla_state or ()),
        created_from=created_from,
        created_to=created_to,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        offset=offset,
        limit=limit,
        now=now,
    )


OrderFilters = Annotated[OrderQuery, Depends(order_filters)]


def page_of(uow_factory: UowFactoryDep, query: OrderQuery) -> dict[str, Any]:
    page = queries.list_orders(uow_factory, query)
    return {"items": page.items, "total": page.total, "offset": page.offset, "limit": page.limit}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    dependencies=[requires(Permission.ORDER_CREATE)],
)
def create_order(
    body: OrderCreate,
    actor: CurrentActor,
    bus: BusDep,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> dict[str, Any]:
    command = body.to_command(actor=actor.ref, idempotency_key=idempotency_key, fingerprint=fingerprint(body))
    view: dict[str, Any] = bus.handle(command)
    response.headers["Location"] = f"{API_PREFIX}/orders/{view['id']}"
    set_etag(response, view["version"])
    return view


@router.get("", response_model=PageOut[OrderOut], dependencies=[requires(Permission.ORDER_LIST)])
def list_orders(uow_factory: UowFactoryDep, query: OrderFilters) -> dict[str, Any]:
    return page_of(uow_factory, query)


@router.get(
    "/{order_id}",
    response_model=OrderOut,
    dependencies=[requires(Permission.ORDER_READ, object_scoped=True)],
)
def get_order(
    order_id: OrderId, actor: CurrentActor, uow_factory: UowFactoryDep, now: NowDep, response: Response
) -> dict[str, Any]:
    authorize(actor, Permission.ORDER_READ, order=queries.load_order(uow_factory, order_id))
    view = queries.get_order(uow_factory, order_id, now=now)
    set_etag(response, view["version"])
    return view


@router.patch("/{order_id}", response_model=OrderOut, dependencies=[requires(Permission.ORDER_UPDATE)])
def update_order(
    order_id: OrderId,
    body: OrderPatch,
    actor: CurrentActor,
    bus: BusDep,
    expected_version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    command = cmd.UpdateWorkOrder(
        actor=actor.ref, order_id=order_id, changes=body.changes(), expected_version=expected_version
    )
    view: dict[str, Any] = bus.handle(command)
    set_etag(response, view["version"])
    return view


def _action_permission(action: Action) -> Permission:
    return action_permission(action.value)


def check_action_role(action: Action, actor: CurrentActor) -> None:
    check_role(actor, _action_permission(action))


@router.post(
    "/{order_id}/actions/{action}",
    response_model=OrderOut,
    dependencies=[Depends(check_action_role)],
    description="Lifecycle actions. Field actions (accept, decline, start_travel, arrive, complete, "
    "hold) need order:field_work (a technician: only on their own orders); the others need "
    "order:dispatch.",
)
def act_on_order(
    order_id: OrderId,
    action: Action,
    actor: CurrentActor,
    bus: BusDep,
    uow_factory: UowFactoryDep,
    expected_version: IfMatch,
    response: Response,
    body: Annotated[ActionRequest | None, Body()] = None,
) -> dict[str, Any]:
    order = queries.load_order(uow_factory, order_id)
    authorize(actor, _action_permission(action), order=order)
    body = body or ActionRequest()
    command = cmd.TransitionWorkOrder(
        actor=actor.ref,
        order_id=order_id,
        action=action.value,
        expected_version=expected_version,
        reason=body.reason,
        technician_id=body.technician_id,
        planned_start=body.planned_start,
        occurred_at=body.occurred_at,
    )
    view: dict[str, Any] = bus.handle(command)
    set_etag(response, view["version"])
    return view


@router.post(
    "/{order_id}/dispatch",
    response_model=DispatchOut,
    dependencies=[requires(Permission.ORDER_DISPATCH)],
    description="Dispatch a new order with the engine (auto) or to a chosen technician (force); "
    "the decision record is stored and returned.",
)
def dispatch_order(
    order_id: OrderId,
    body: DispatchRequest,
    actor: CurrentActor,
    bus: BusDep,
    expected_version: IfMatch,
    response: Response,
) -> dict[str, Any]:
    if expected_version is None:
        raise PreconditionRequired("work order")
    command = cmd.DispatchOrder(
        actor=actor.ref,
        order_id=order_id,
        mode=body.mode,
        expected_version=expected_version,
        technician_id=body.technician_id,
        position=body.position,
        reason=body.reason,
    )
    result: dict[str, Any] = bus.handle(command)
    set_etag(response, result["order"]["version"])
    return result


@router.get(
    "/{order_id}/history",
    response_model=list[HistoryEntryOut],
    dependencies=[requires(Permission.ORDER_READ, object_scoped=True)],
)
def order_history(order_id: OrderId, actor: CurrentActor, uow_factory: UowFactoryDep) -> list[dict[str, Any]]:
    authorize(actor, Permission.ORDER_READ, order=queries.load_order(uow_factory, order_id))
    return queries.order_history(uow_factory, order_id)


@router.get(
    "/{order_id}/decisions",
    response_model=list[DecisionOut],
    dependencies=[requires(Permission.ORDER_READ, object_scoped=True)],
)
def order_decisions(order_id: OrderId, actor: CurrentActor, uow_factory: UowFactoryDep) -> list[dict[str, Any]]:
    authorize(actor, Permission.ORDER_READ, order=queries.load_order(uow_factory, order_id))
    return queries.decisions_for(uow_factory, order_id)


@router.post(
    "/{order_id}/grab",
    response_model=DispatchOut,
    dependencies=[requires(Permission.ORDER_FIELD_WORK, object_scoped=True)],
    description="A technician takes an order offered to them (grab pool), if it still fits their day.",
)
def grab_order(order_id: OrderId, actor: CurrentActor, bus: BusDep, response: Response) -> dict[str, Any]:
    if actor.technician_id is None:
        raise PermissionDenied("only a technician grabs offered orders")
    result: dict[str, Any] = bus.handle(
        cmd.GrabOrder(actor=actor.ref, order_id=order_id, technician_id=actor.technician_id)
    )
    set_etag(response, result["order"]["version"])
    return result
