"""The five routes every catalogue resource has, built from one spec:

    POST   /{things}        create (Idempotency-Key), 201 + Location + ETag
    GET    /{things}        list, paginated, stable order (by key)
    GET    /{things}/{key}  one, with ETag
    PATCH  /{things}/{key}  change the fields sent (If-Match)
    DELETE /{things}/{key}  (If-Match), 204

No `from __future__ import annotations` here: the routes are made inside a function and FastAPI
reads their annotations at runtime, so they must be real objects, not strings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from fieldpilot.api.deps import (
    API_PREFIX,
    BusDep,
    CurrentActor,
    IdempotencyKey,
    IfMatch,
    ServicesDep,
    UowFactoryDep,
    requires,
    set_etag,
)
from fieldpilot.api.fingerprint import fingerprint
from fieldpilot.api.schemas.common import PageOut, PatchModel
from fieldpilot.api.schemas.resources import ResourceCreate
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import NotFound
from fieldpilot.service.handlers.resources import repository
from fieldpilot.service.permissions import Actor, Permission, authorize
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.service.views import resource_view

Key = Annotated[str, Path(min_length=1, max_length=64)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200)]


@dataclass(frozen=True)
class ResourceSpec:
    kind: ResourceKind
    path: str
    create: type[ResourceCreate]
    patch: type[PatchModel]
    out: type[BaseModel]
    id_prefix: str
    read: Permission = Permission.CATALOG_READ
    write: Permission = Permission.CATALOG_WRITE
    # Extra object rule on reading one (technicians: a technician reads only their own profile).
    read_one_rule: Callable[[Actor, str], None] | None = None
    # False while the domain object carries no version: without one, If-Match cannot guard a
    # change, so the resource is offered without PATCH and DELETE.
    versioned: bool = True

    @property
    def tag(self) -> str:
        return self.path.strip("/")


def version_of(view: dict[str, Any]) -> int:
    return int(view.get("version", 1))


def read_one(uow_factory: Callable[[], UnitOfWork], kind: ResourceKind, key: str) -> dict[str, Any]:
    with uow_factory() as uow:
        found = repository(uow, kind).get(key)
        if found is None:
            raise NotFound(kind.value, key)
        return resource_view(found)


def resource_router(spec: ResourceSpec) -> APIRouter:
    router = APIRouter(prefix=spec.path, tags=[spec.tag])
    create_model, patch_model, out_model, kind = spec.create, spec.patch, spec.out, spec.kind

    @router.post(
        "",
        status_code=status.HTTP_201_CREATED,
        response_model=out_model,
        dependencies=[requires(spec.write)],
        name=f"create_{kind.value}",
    )
    def create(
        body: create_model,  # type: ignore[valid-type]
        actor: CurrentActor,
        bus: BusDep,
        services: ServicesDep,
        idempotency_key: IdempotencyKey,
        response: Response,
    ) -> Any:
        resource = cast(ResourceCreate, body).to_resource(services.deps.ids.new_id(spec.id_prefix))
        command = cmd.CreateResource(
            actor=actor.ref,
            kind=kind,
            resource=resource,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint(body, extra=kind.value),
        )
        view: dict[str, Any] = bus.handle(command)
        key = view.get("id", view.get("code"))
        response.headers["Location"] = f"{API_PREFIX}{spec.path}/{key}"
        set_etag(response, version_of(view))
        return view

    @router.get(
        "",
        response_model=PageOut[out_model],  # type: ignore[valid-type]
        dependencies=[requires(spec.read)],
        name=f"list_{kind.value}",
    )
    def list_all(uow_factory: UowFactoryDep, offset: Offset = 0, limit: Limit = 50) -> Any:
        with uow_factory() as uow:
            repo = repository(uow, kind)
            items = [resource_view(obj) for obj in repo.list(offset=offset, limit=limit)]
            return {"items": items, "total": repo.count(), "offset": offset, "limit": limit}

    @router.get(
        "/{key}",
        response_model=out_model,
        dependencies=[requires(spec.read, object_scoped=spec.read_one_rule is not None)],
        name=f"get_{kind.value}",
    )
    def get_one(key: Key, actor: CurrentActor, uow_factory: UowFactoryDep, response: Response) -> Any:
        if spec.read_one_rule is not None:
            spec.read_one_rule(actor, key)
        view = read_one(uow_factory, kind, key)
        set_etag(response, version_of(view))
        return view

    if not spec.versioned:
        return router

    @router.patch(
        "/{key}",
        response_model=out_model,
        dependencies=[requires(spec.write)],
        name=f"update_{kind.value}",
    )
    def update(
        key: Key,
        body: patch_model,  # type: ignore[valid-type]
        actor: CurrentActor,
        bus: BusDep,
        expected_version: IfMatch,
        response: Response,
    ) -> Any:
        command = cmd.UpdateResource(
            actor=actor.ref,
            kind=kind,
            key=key,
            changes=cast(PatchModel, body).changes(),
            expected_version=expected_version,
        )
        view: dict[str, Any] = bus.handle(command)
        set_etag(response, version_of(view))
        return view

    @router.delete(
        "/{key}",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=[requires(spec.write)],
        name=f"delete_{kind.value}",
    )
    def delete(key: Key, actor: CurrentActor, bus: BusDep, expected_version: IfMatch) -> None:
        bus.handle(cmd.DeleteResource(actor=actor.ref, kind=kind, key=key, expected_version=expected_version))

    return router


def technician_read_rule(actor: Actor, key: str) -> None:
    authorize(actor, Permission.TECHNICIAN_READ, technician_id=key)
