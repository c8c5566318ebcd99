"""Route dependencies as `Annotated` aliases: services, the current actor, permissions, If-Match,
Idempotency-Key. Routes declare their permission with `Requires(Permission.X)`; the decision is
made by `fieldpilot.service.permissions.authorize`, nowhere else."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, cast

from fastapi import Depends, Header, Request, Response, params
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from fieldpilot.access import authenticate_token
from fieldpilot.api.auth import authenticate_api_key
from fieldpilot.bootstrap import Services
from fieldpilot.domain.errors import AuthenticationFailed, InvalidInput
from fieldpilot.service.messagebus import MessageBus
from fieldpilot.service.permissions import Actor, Permission, authorize, check_role
from fieldpilot.service.unit_of_work import UnitOfWork

API_PREFIX = "/api/v1"

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


def get_services(request: Request) -> Services:
    return cast(Services, request.app.state.services)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_bus(services: ServicesDep) -> MessageBus:
    return services.bus


def get_uow_factory(services: ServicesDep) -> Callable[[], UnitOfWork]:
    return services.uow_factory


def get_now(services: ServicesDep) -> datetime:
    return services.deps.clock.now()


BusDep = Annotated[MessageBus, Depends(get_bus)]
UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]
NowDep = Annotated[datetime, Depends(get_now)]


def get_current_actor(
    services: ServicesDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Actor:
    if api_key:
        return authenticate_api_key(services.uow_factory, api_key)
    if token:
        return authenticate_token(services, token)
    raise AuthenticationFailed("sign in (Authorization: Bearer <token>) or send an X-API-Key")


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


class Requires:
    """A route's permission, checked against the actor's role before the route runs. For an
    object-scoped route, the object rule (a technician's own orders) is then checked in the route
    with `authorize(..., order=)`, once the object is loaded."""

    def __init__(self, permission: Permission, *, object_scoped: bool = False) -> None:
        self.permission = permission
        self.object_scoped = object_scoped

    def __call__(self, actor: CurrentActor) -> Actor:
        if self.object_scoped:
            check_role(actor, self.permission)
        else:
            authorize(actor, self.permission)
        return actor

    def __repr__(self) -> str:
        return f"Requires({self.permission.value})"


def requires(permission: Permission, *, object_scoped: bool = False) -> params.Depends:
    """For a route's `dependencies=[...]`: the permission it needs."""
    dependency: params.Depends = Depends(Requires(permission, object_scoped=object_scoped))
    return dependency


_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


def parse_if_match(value: str | None) -> int | None:
    """`"3"` or `W/"3"` -> 3; a missing header -> None (the handler answers 428)."""
    if value is None:
        return None
    found = _ETAG.match(value)
    if found is None:
        raise InvalidInput("If-Match", 'must be an ETag from this API, e.g. "3"')
    return int(found.group(1))


def get_if_match(if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> int | None:
    return parse_if_match(if_match)


def get_idempotency_key(
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> str | None:
    return idempotency_key


IfMatch = Annotated[int | None, Depends(get_if_match)]
IdempotencyKey = Annotated[str | None, Depends(get_idempotency_key)]


def set_etag(response: Response, version: object) -> None:
    response.headers["ETag"] = f'"{version}"'
