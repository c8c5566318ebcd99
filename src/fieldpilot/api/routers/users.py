"""Users and API keys: administered by admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from fieldpilot.api.deps import API_PREFIX, BusDep, CurrentActor, UowFactoryDep, requires
from fieldpilot.api.schemas.auth import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, UserCreate, UserOut
from fieldpilot.api.schemas.common import PageOut
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import NotFound
from fieldpilot.domain.values import Role
from fieldpilot.service.permissions import Permission
from fieldpilot.service.views import resource_view

router = APIRouter(tags=["users"], dependencies=[requires(Permission.USER_ADMIN)])

Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]
Key = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserOut)
def create_user(body: UserCreate, actor: CurrentActor, bus: BusDep, response: Response) -> dict[str, Any]:
    view: dict[str, Any] = bus.handle(body.to_command(actor=actor.ref))
    response.headers["Location"] = f"{API_PREFIX}/users/{view['id']}"
    response.headers["ETag"] = f'"{view["version"]}"'
    return view


@router.get("/users", response_model=PageOut[UserOut])
def list_users(uow_factory: UowFactoryDep, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    with uow_factory() as uow:
        items = [resource_view(u) for u in uow.users.list(offset=offset, limit=limit)]
        return {"items": items, "total": uow.users.count(), "offset": offset, "limit": limit}


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: Key, uow_factory: UowFactoryDep, response: Response) -> dict[str, Any]:
    with uow_factory() as uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        response.headers["ETag"] = f'"{user.version}"'
        return resource_view(user)


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, actor: CurrentActor, bus: BusDep, response: Response) -> Any:
    view: dict[str, Any] = bus.handle(cmd.CreateApiKey(actor=actor.ref, name=body.name, role=Role(body.role)))
    response.headers["Location"] = f"{API_PREFIX}/api-keys/{view['id']}"
    response.headers["Cache-Control"] = "no-store"
    return view


@router.get("/api-keys", response_model=PageOut[ApiKeyOut])
def list_api_keys(uow_factory: UowFactoryDep, offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
    with uow_factory() as uow:
        items = [resource_view(k) for k in uow.api_keys.list(offset=offset, limit=limit)]
        return {"items": items, "total": uow.api_keys.count(), "offset": offset, "limit": limit}


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: Key, actor: CurrentActor, bus: BusDep) -> None:
    bus.handle(cmd.RevokeApiKey(actor=actor.ref, key_id=key_id))
