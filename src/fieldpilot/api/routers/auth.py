"""Sign-in (OAuth2 password flow) and the current actor: `/auth/token`, `/me`, `/me/orders`."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from fieldpilot.access import login
from fieldpilot.api.deps import CurrentActor, NowDep, ServicesDep, UowFactoryDep, requires
from fieldpilot.api.routers.orders import OrderFilters, page_of
from fieldpilot.api.schemas.auth import MeOut, TokenOut
from fieldpilot.api.schemas.common import PageOut
from fieldpilot.api.schemas.orders import OrderOut
from fieldpilot.domain.errors import PermissionDenied
from fieldpilot.service import queries
from fieldpilot.service.permissions import ROLE_PERMISSIONS, Permission

router = APIRouter(tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
def issue_token(services: ServicesDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, Any]:
    token, lifetime = login(services, username=form.username, password=form.password)
    return {"access_token": token, "token_type": "bearer", "expires_in": lifetime}


@router.get("/me", response_model=MeOut, dependencies=[requires(Permission.SELF)])
def me(actor: CurrentActor) -> dict[str, Any]:
    return {
        "kind": actor.kind.value,
        "id": actor.id,
        "name": actor.name,
        "role": actor.role,
        "technician_id": actor.technician_id,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS.get(actor.role, ())),
    }


@router.get("/me/orders", response_model=PageOut[OrderOut], dependencies=[requires(Permission.SELF)])
def my_orders(actor: CurrentActor, uow_factory: UowFactoryDep, query: OrderFilters) -> Any:
    """The orders assigned to the signed-in technician (filters as on /orders)."""
    if actor.technician_id is None:
        raise PermissionDenied("only a technician has orders of their own; use /orders")
    return page_of(uow_factory, replace(query, technician_id=actor.technician_id))


@router.get("/me/offers", response_model=list[OrderOut], dependencies=[requires(Permission.SELF)])
def my_offers(actor: CurrentActor, uow_factory: UowFactoryDep, now: NowDep) -> Any:
    """Orders offered to the signed-in technician that they may grab before the offer expires."""
    if actor.technician_id is None:
        raise PermissionDenied("only a technician is offered orders")
    return queries.offers_for(uow_factory, actor.technician_id, now=now)
