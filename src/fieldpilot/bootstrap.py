"""The composition root: Settings -> adapters -> message bus. Nothing else picks adapters."""

from __future__ import annotations

import logging
import secrets as system_secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.events import (
    OrderCreated,
    ResourceChanged,
    StatusChanged,
    TechnicianRunningLate,
    TrafficChanged,
)
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import DispatchMode
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan
from fieldpilot.engine.problem import DispatchProblem
from fieldpilot.service import triggers
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers import dispatch, field, orders, positions, replan, resources, traffic, users
from fieldpilot.service.handlers.dispatch import DispatchDeps
from fieldpilot.service.messagebus import CommandHandler, EventHandler, MessageBus
from fieldpilot.service.ports import (
    BatchSolver,
    Clock,
    IdGenerator,
    PasswordHasher,
    ReplanScheduler,
    SecretSource,
    TravelTimes,
)
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.service.warm_snapshot import WarmSnapshots

if TYPE_CHECKING:
    from fieldpilot.routing import LiveTraffic

log = logging.getLogger(__name__)


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
    cmd.RecordFieldReport: field.record_field_report,
    cmd.AcknowledgeAlert: field.acknowledge_alert,
}

DISPATCH_HANDLERS: dict[type[cmd.Command], Callable[..., Any]] = {
    cmd.DispatchOrder: dispatch.dispatch_order,
    cmd.MoveVisit: dispatch.move_visit,
    cmd.ReportPosition: positions.report_position,
    cmd.Replan: replan.replan,
    cmd.SetTrafficFactor: traffic.set_traffic_factor,
    cmd.GrabOrder: dispatch.grab_order,
    cmd.ExpireOffers: dispatch.expire_offers,
}


@dataclass(frozen=True)
class Services:
    """Everything an entry point (API, CLI, simulator) needs, wired once."""

    settings: Settings
    bus: MessageBus
    uow_factory: Callable[[], UnitOfWork]
    deps: HandlerDeps
    dispatch: DispatchDeps
    dispose: Callable[[], None]
    replans: ReplanScheduler | None = None


def sql_uow_factory(settings: Settings, clock: Clock) -> tuple[Callable[[], UnitOfWork], Callable[[], None]]:
    from fieldpilot.storage import SqlAlchemyUnitOfWork, ensure_migrated, make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    if settings.check_migrations:
        ensure_migrated(engine)
    session_factory = make_session_factory(engine)
    return (lambda: SqlAlchemyUnitOfWork(session_factory, clock.now)), lambda: engine.dispose()


def bootstrap(
    settings: Settings,
    *,
    uow_factory: Callable[[], UnitOfWork] | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    secrets: SecretSource | None = None,
    hasher: PasswordHasher | None = None,
    travel: TravelTimes | None = None,
    solver: BatchSolver | None = None,
    start_workers: bool = False,
) -> Services:
    """Wire the adapters. `start_workers` starts background work (the re-plan worker) and is for
    long-running entry points (the server); tests and one-shot commands leave it off."""
    clock = clock or SystemClock()
    dispose: Callable[[], None] = lambda: None  # noqa: E731
    if uow_factory is None:
        uow_factory, dispose = sql_uow_factory(settings, clock)
    deps = HandlerDeps(
        clock=clock, ids=ids or UuidIds(), secrets=secrets or SystemSecrets(), hasher=hasher or Argon2Hasher()
    )
    live = live_traffic(settings)
    travel = travel or default_travel(settings, live)
    params = (
        DispatchParams.from_toml(settings.dispatch_params_path) if settings.dispatch_params_path else DispatchParams()
    )
    dispatch_deps = DispatchDeps(
        travel=travel,
        traffic=None if live is None else LiveTrafficFeed(live),
        params=params,
        timezone=settings.timezone,
        late_threshold_seconds=settings.late_threshold_minutes * 60,
        solver=solver or pyvrp_solver,
        max_iterations=settings.replan_max_iterations,
        snapshots=WarmSnapshots(travel, settings.timezone, params),
    )
    handlers: dict[type[cmd.Command], CommandHandler] = {
        kind: partial(handler, deps=deps) for kind, handler in COMMAND_HANDLERS.items()
    }
    handlers |= {kind: partial(h, deps=deps, dispatch=dispatch_deps) for kind, h in DISPATCH_HANDLERS.items()}
    handlers[cmd.CreateWorkOrder] = partial(
        orders.create_work_order,
        deps=deps,
        dispatch=dispatch_deps,
        default_mode=DispatchMode.AUTO if settings.auto_dispatch else DispatchMode.MANUAL,
    )
    event_handlers: dict[type[Any], list[EventHandler]] = {}
    bus = MessageBus(uow_factory=uow_factory, command_handlers=handlers, event_handlers=event_handlers)
    replans = _replan_scheduler(settings, bus, start_workers=start_workers)
    if replans is not None:
        for event_type, trigger in REPLAN_TRIGGERS.items():
            bus.event_handlers.setdefault(event_type, []).append(partial(trigger, replans=replans))
    stops = [
        stop for stop in (getattr(replans, "stop", None), _start_housekeeping(settings, bus, start_workers)) if stop
    ]

    def dispose_all() -> None:
        for stop in stops:
            stop()
        dispose()

    return Services(
        settings=settings,
        bus=bus,
        uow_factory=uow_factory,
        deps=deps,
        dispatch=dispatch_deps,
        dispose=dispose_all,
        replans=replans,
    )


REPLAN_TRIGGERS: dict[type[Any], Callable[..., None]] = {
    OrderCreated: triggers.on_order_created,
    StatusChanged: triggers.on_status_changed,
    TechnicianRunningLate: triggers.on_technician_late,
    ResourceChanged: triggers.on_resource_changed,
    TrafficChanged: triggers.on_traffic_changed,
}


def _start_housekeeping(settings: Settings, bus: MessageBus, start_workers: bool) -> Callable[[], None] | None:
    """In the server: the SLA sweep and offer expiry, every `housekeeping_seconds`."""
    if not start_workers:
        return None
    from fieldpilot.events.replans import PeriodicCommands

    worker = PeriodicCommands(
        bus.handle, [cmd.RefreshSlaStates, cmd.ExpireOffers], period_seconds=settings.housekeeping_seconds
    )
    worker.start()
    return worker.stop


def _replan_scheduler(settings: Settings, bus: MessageBus, *, start_workers: bool) -> ReplanScheduler | None:
    from fieldpilot.events.replans import BackgroundReplans, InlineReplans

    if settings.replan_mode == "inline":
        return InlineReplans(bus.handle, time_budget_seconds=settings.replan_budget_seconds)
    if settings.replan_mode == "background" and start_workers:
        worker = BackgroundReplans(
            bus.handle,
            time_budget_seconds=settings.replan_budget_seconds,
            period_seconds=settings.replan_period_minutes * 60,
        )
        worker.start()
        return worker
    return None


def pyvrp_solver(
    problem: DispatchProblem,
    *,
    time_budget_seconds: float,
    seed: int,
    params: DispatchParams,
    max_iterations: int | None = None,
) -> Plan:
    """The batch optimiser behind engine/solvers (PyVRP), as the service's BatchSolver port."""
    from fieldpilot.engine.solvers.dispatch import solve
    from fieldpilot.engine.solvers.routing import SearchBudget

    budget = SearchBudget(max_seconds=time_budget_seconds, max_iterations=max_iterations)
    return solve(problem, budget, seed=seed, params=params)


def live_traffic(settings: Settings) -> LiveTraffic | None:
    from fieldpilot.routing import Area, LiveTraffic

    if not settings.traffic_areas:
        return None
    return LiveTraffic(
        [Area(a.name, Location(a.lat, a.lon), radius_metres=a.radius_km * 1000) for a in settings.traffic_areas]
    )


class LiveTrafficFeed:
    """routing's LiveTraffic as the service's TrafficFeed port."""

    def __init__(self, traffic: LiveTraffic) -> None:
        self._traffic = traffic

    def set_factor(self, area: str, factor: float) -> tuple[float, float] | None:
        change = self._traffic.set_factor(area, factor)
        return None if change is None else (change.previous, change.current)

    def factors(self) -> dict[str, float]:
        return {name: self._traffic.factor(name) for name in sorted(self._traffic.areas)}


def default_travel(settings: Settings, traffic: LiveTraffic | None = None) -> TravelTimes:
    """Haversine with road factor, congestion profile and live traffic (offline); OSRM in front
    when configured (falling back to haversine on timeouts and errors); a matrix cache over either."""
    from fieldpilot.routing import CachedTravelTimes, HaversineTravelTimes, OsrmTravelTimes

    offline = HaversineTravelTimes(traffic=traffic)
    if settings.osrm_url:
        online = OsrmTravelTimes(settings.osrm_url, timeout_seconds=settings.osrm_timeout_seconds, fallback=offline)
        return CachedTravelTimes(online, traffic=traffic)
    return CachedTravelTimes(offline, traffic=traffic)
