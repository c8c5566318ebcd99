"""Handlers for users and API keys. Passwords and key secrets are stored only as hashes."""

from __future__ import annotations

import hashlib
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import AlreadyExists, InvalidInput, NotFound
from fieldpilot.domain.events import ResourceChanged
from fieldpilot.domain.resources import ApiKey, User
from fieldpilot.domain.values import Role
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.service.views import resource_view

MIN_PASSWORD_LENGTH = 10
API_KEY_SECRET_BYTES = 32


def hash_api_secret(secret: str) -> str:
    """API key secrets are 256 random bits, so a plain SHA-256 is enough (no stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_user(command: cmd.CreateUser, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    if len(command.password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    with uow:
        if uow.users.get_by_username(command.username) is not None:
            raise AlreadyExists("user", command.username)
        if command.technician_id is not None and uow.technicians.get(command.technician_id) is None:
            raise InvalidInput("technician_id", f"no technician {command.technician_id!r}")
        user = User(
            id=deps.ids.new_id("usr"),
            username=command.username,
            password_hash=deps.hasher.hash(command.password),
            role=command.role,
            full_name=command.full_name,
            technician_id=command.technician_id,
        )
        uow.users.add(user)
        uow.record(ResourceChanged("user", user.id, "created"))
        uow.commit()
        return resource_view(user)


def create_api_key(command: cmd.CreateApiKey, uow: UnitOfWork, deps: HandlerDeps) -> dict[str, Any]:
    """Returns the key in clear text once: `fp_<prefix>_<secret>`."""
    if command.role is Role.TECHNICIAN:
        raise InvalidInput("role", "an API key cannot act as a technician")
    with uow:
        prefix = deps.secrets.token(6).replace("-", "x").replace("_", "y")
        secret = deps.secrets.token(API_KEY_SECRET_BYTES)
        key = ApiKey(
            id=deps.ids.new_id("key"),
            name=command.name,
            prefix=prefix,
            secret_hash=hash_api_secret(secret),
            role=command.role,
            created_at=deps.clock.now(),
        )
        uow.api_keys.add(key)
        uow.record(ResourceChanged("api_key", key.id, "created"))
        uow.commit()
        return {**resource_view(key), "key": f"fp_{prefix}_{secret}"}


def revoke_api_key(command: cmd.RevokeApiKey, uow: UnitOfWork, deps: HandlerDeps) -> None:
    with uow:
        key = uow.api_keys.get(command.key_id)
        if key is None:
            raise NotFound("api key", command.key_id)
        key.revoked = True
        uow.record(ResourceChanged("api_key", key.id, "revoked"))
        uow.commit()
