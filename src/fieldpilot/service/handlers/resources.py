"""Handlers for the catalogue and resources (skills, technicians, customers, sites, assets, parts,
warehouses, SLA policies, triage rules): create, update with If-Match, delete."""

from __future__ import annotations

import dataclasses
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    PreconditionRequired,
    VersionMismatch,
)
from fieldpilot.domain.events import ResourceChanged
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.idempotency import remember, replay
from fieldpilot.service.unit_of_work import Repository, UnitOfWork
from fieldpilot.service.views import resource_view

_KEY_FIELD = {ResourceKind.SKILL: "code", ResourceKind.PART: "code"}
_IMMUTABLE = frozenset({"id", "code", "version"})


def repository(uow: UnitOfWork, kind: ResourceKind) -> Repository[Any]:
    repos: dict[ResourceKind, Repository[Any]] = {
        ResourceKind.SKILL: uow.skills,
        ResourceKind.TECHNICIAN: uow.technicians,
        ResourceKind.CUSTOMER: uow.customers,
        ResourceKind.SITE: uow.sites,
        ResourceKind.ASSET: uow.assets,
        ResourceKind.PART: uow.parts,
        ResourceKind.WAREHOUSE: uow.warehouses,
        ResourceKind.SLA_POLICY: uow.sla_policies,
        ResourceKind.TRIAGE_RULE: uow.triage_rules,
    }
    return repos[kind]


def key_of(kind: ResourceKind, obj: Any) -> str:
    return str(getattr(obj, _KEY_FIELD.get(kind, "id")))


def _check_links(uow: UnitOfWork, kind: ResourceKind, obj: Any) -> None:
    """References to other objects must exist: a site's customer, an asset's site, skills, parts."""
    if kind is ResourceKind.SITE and uow.customers.get(obj.customer_id) is None:
        raise InvalidInput("customer_id", f"no customer {obj.customer_id!r}")
    if kind is ResourceKind.ASSET and uow.sites.get(obj.site_id) is None:
        raise InvalidInput("site_id", f"no site {obj.site_id!r}")
    if kind is ResourceKind.TECHNICIAN:
        for skill in obj.skills:
            if uow.skills.get(skill) is None:
                raise InvalidInput("skills", f"unknown skill {skill!r}")
        for part in obj.van_stock:
            if uow.parts.get(part) is None:
                raise InvalidInput("van_stock", f"unknown part {part!r}")
    if kind is ResourceKind.WAREHOUSE:
        for part in obj.stock:
            if uow.parts.get(part) is None:
                raise InvalidInput("stock", f"unknown part {part!r}")


def _is_frozen(obj: Any) -> bool:
    params = getattr(type(obj), "__dataclass_params__", None)
    return bool(params is not None and params.frozen)


def create_resource(command: cmd.CreateResource, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    scope = f"{command.actor}:create_{command.kind.value}"
    with uow:
        previous = replay(uow, scope=scope, key=command.idempotency_key, fingerprint=command.fingerprint)
        if previous is not None:
            return previous
        repo = repository(uow, command.kind)
        key = key_of(command.kind, command.resource)
        if repo.get(key) is not None:
            raise AlreadyExists(command.kind.value, key)
        _check_links(uow, command.kind, command.resource)
        repo.add(command.resource)
        uow.record(ResourceChanged(command.kind.value, key, "created"))
        view = resource_view(command.resource)
        remember(
            uow,
            scope=scope,
            key=command.idempotency_key,
            fingerprint=command.fingerprint,
            kind=command.kind.value,
            resource_id=key,
            response=view,
            at=deps.clock.now(),
        )
        uow.commit()
        return view


def update_resource(command: cmd.UpdateResource, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    for name in command.changes:
        if name in _IMMUTABLE:
            raise InvalidInput(name, "cannot be changed")
    with uow:
        repo = repository(uow, command.kind)
        obj = repo.get(command.key)
        if obj is None:
            raise NotFound(command.kind.value, command.key)
        if command.expected_version is None:
            raise PreconditionRequired(command.kind.value)
        if command.expected_version != obj.version:
            raise VersionMismatch(kind=command.kind.value, expected=command.expected_version, actual=obj.version)
        valid_fields = {f.name for f in dataclasses.fields(obj)}
        for name in command.changes:
            if name not in valid_fields:
                raise InvalidInput(name, f"a {command.kind.value} has no such field")
        updated = dataclasses.replace(obj, **command.changes)  # runs the invariant checks
        _check_links(uow, command.kind, updated)
        if _is_frozen(obj):
            updated = dataclasses.replace(updated, version=obj.version + 1)
            repo.add(updated)
            obj = updated
        else:
            for name in command.changes:
                setattr(obj, name, getattr(updated, name))
            obj.version += 1
        uow.record(ResourceChanged(command.kind.value, command.key, "updated"))
        uow.commit()
        return resource_view(obj)


def delete_resource(command: cmd.DeleteResource, uow: UnitOfWork, deps: HandlerDeps) -> None:
    with uow:
        repo = repository(uow, command.kind)
        obj = repo.get(command.key)
        if obj is None:
            raise NotFound(command.kind.value, command.key)
        if command.expected_version is None:
            raise PreconditionRequired(command.kind.value)
        if command.expected_version != obj.version:
            raise VersionMismatch(kind=command.kind.value, expected=command.expected_version, actual=obj.version)
        if command.kind is ResourceKind.TECHNICIAN:
            # Technicians with history stay for reporting; they are deactivated instead.
            obj.active = False
            obj.version += 1
        else:
            repo.delete(obj)
        uow.record(ResourceChanged(command.kind.value, command.key, "deleted"))
        uow.commit()
