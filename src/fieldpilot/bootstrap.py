"""The composition root: Settings -> adapters -> message bus. Nothing else picks adapters."""

from __future__ import annotations

import secrets as system_secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers import orders, resources, users
from fieldpilot.service.messagebus import CommandHandler, MessageBus
from fieldpilot.service.ports import Clock, IdGenerator, PasswordHasher, SecretSource
from fieldpilot.service.unit_of_work import UnitOfWork


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UuidIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:16]}"


class SystemSecrets:
    def token(self, nbytes: int) -> str:
        return system_secrets.token_urlsafe(nbytes)


class Argon2Hasher:
    def __init__(self) -> None:
        self._argon = Argon2()

    def hash(self, password: str) -> str:
        return self._argon.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


COMMAND_HANDLERS: dict[type[cmd.Command], Callable[..., Any]] = {
    cmd.CreateWorkOrder: orders.create_work_order,
    cmd.UpdateWorkOrder: orders.update_work_order,
    cmd.TransitionWorkOrder: orders.transition_work_order,
    cmd.RateWorkOrder: orders.rate_work_order,
    cmd.RefreshSlaStates: orders.refresh_sla_states,
    cmd.CreateResource: resources.create_resource,
    cmd.UpdateResource: resources.update_resource,
    cmd.DeleteResource: resources.delete_resource,
    cmd.CreateUser: users.create_user,
    cmd.CreateApiKey: users.create_api_key,
    cmd.RevokeApiKey: users.revoke_api_key,
}


@dataclass(frozen=True)
class Services:
    """Everything an entry point (API, CLI, simulator) needs, wired once."""

    settings: Settings
    bus: MessageBus
    uow_factory: Callable[[], UnitOfWork]
    deps: HandlerDeps
    dispose: Callable[[], None]


def sql_uow_factory(settings: Settings, clock: Clock) -> tuple[Callable[[], UnitOfWork], Callable[[], None]]:
    from fieldpilot.storage import SqlAlchemyUnitOfWork, ensure_migrated, make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    if settings.check_migrations:
        ensure_migrated(engine)
    session_factory = make_session_factory(engine)
    return (lambda: SqlAlchemyUnitOfWork(session_factory, clock)), engine.dispose


def bootstrap(
    settings: Settings,
    *,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    secrets: SecretSource | None = None,
    hasher: PasswordHasher | None = None,
) -> Services:
    clock = clock or SystemClock()
    dispose: Callable[[], None] = lambda: None  # noqa: E731
    if uow_factory is None:
        uow_factory, dispose = sql_uow_factory(settings, clock)
    deps = HandlerDeps(
        clock=clock, ids=ids or UuidIds(), secrets=secrets or SystemSecrets(), hasher=hasher or Argon2Hasher()
    )
    handlers: dict[type[cmd.Command], CommandHandler] = {
        kind: partial(handler, deps=deps) for kind, handler in COMMAND_HANDLERS.items()
    }
    bus = MessageBus(uow_factory=uow_factory, command_handlers=handlers, event_handlers={})
    return Services(settings=settings, bus=bus, uow_factory=uow_factory, deps=deps, dispose=dispose)
