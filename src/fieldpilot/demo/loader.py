"""Load the demo company through the message bus, so the demo exercises the real handlers.

`plan_demo` turns a seed and a moment into an ordered list of steps (pure); `load_demo` runs
them, skipping what an earlier run already created: resources by their stable ids, orders by
their idempotency keys. Running it twice therefore adds nothing the second time.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from fieldpilot.demo import catalogue
from fieldpilot.demo.company import DemoCompany, generate_company
from fieldpilot.demo.orders import DEMO_ACTOR, DemoOrder, generate_orders
from fieldpilot.domain.commands import (
    CreateApiKey,
    CreateResource,
    CreateUser,
    RefreshSlaStates,
    ResourceKind,
    RevokeApiKey,
    TransitionWorkOrder,
)
from fieldpilot.domain.values import Role
from fieldpilot.service.handlers.resources import key_of, repository
from fieldpilot.service.messagebus import MessageBus
from fieldpilot.service.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
ProgressCallback = Callable[[str], None]
DEMO_API_KEY_NAME = "demo-integration"
ORDER_SCOPE = f"{DEMO_ACTOR}:create_work_order"


class SettableClock(Protocol):
    """A clock the loader moves, so orders arrive over the morning rather than all at once."""

    current: datetime

    def now(self) -> datetime: ...


@dataclass
class DemoClock:
    """The clock handed to the composition root while loading: it says what the loader sets."""

    current: datetime

    def now(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class DemoPlan:
    seed: int
    now: datetime
    company: DemoCompany
    resources: tuple[tuple[ResourceKind, Any], ...]
    orders: tuple[DemoOrder, ...]

    @property
    def steps(self) -> int:
        return len(self.resources) + len(self.orders)


@dataclass
class LoadReport:
    created: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role
    password: str
    full_name: str
    technician_id: str | None = None


def plan_demo(*, seed: int, now: datetime, technicians: int = 40, customers: int = 300, orders: int = 120) -> DemoPlan:
    company = generate_company(seed=seed, today=now.date(), technicians=technicians, customers=customers)
    resources: list[tuple[ResourceKind, Any]] = [
        *((ResourceKind.SKILL, s) for s in catalogue.skills()),
        *((ResourceKind.PART, p) for p in catalogue.parts()),
        *((ResourceKind.WAREHOUSE, w) for w in company.warehouses),
        *((ResourceKind.SLA_POLICY, p) for p in catalogue.sla_policies()),
        *((ResourceKind.TRIAGE_RULE, r) for r in catalogue.triage_rules()),
        *((ResourceKind.TECHNICIAN, t) for t in company.technicians),
        *((ResourceKind.CUSTOMER, c) for c in company.customers),
        *((ResourceKind.SITE, s) for s in company.sites),
        *((ResourceKind.ASSET, a) for a in company.assets),
    ]
    day = tuple(generate_orders(company, seed=seed, now=now, count=orders))
    return DemoPlan(seed=seed, now=now, company=company, resources=tuple(resources), orders=day)


def load_demo(
    plan: DemoPlan,
    *,
    bus: MessageBus,
    clock: SettableClock,
    on_step: ProgressCallback | None = None,
) -> LoadReport:
    """Create every resource and order of the plan that is not there yet; report the counts."""
    report = LoadReport()
    step = on_step or (lambda _label: None)
    clock.current = plan.now
    existing = _existing_keys(bus.uow_factory, {kind for kind, _ in plan.resources})
    for kind, resource in plan.resources:
        if key_of(kind, resource) in existing[kind]:
            report.skipped[kind.value] += 1
        else:
            bus.handle(CreateResource(kind=kind, resource=resource, actor=DEMO_ACTOR))
            report.created[kind.value] += 1
        step(kind.value)
    for order in plan.orders:
        if _order_exists(bus.uow_factory, order.idempotency_key):
            report.skipped["work_order"] += 1
        else:
            _create_order(bus, clock, order=order, now=plan.now)
            report.created["work_order"] += 1
        step("work_order")
    clock.current = plan.now
    # Orders arrived hours ago: bring their SLA states up to now (some are at risk or breached).
    bus.handle(RefreshSlaStates(actor=DEMO_ACTOR))
    return report


def _existing_keys(uow_factory: UowFactory, kinds: set[ResourceKind]) -> dict[ResourceKind, set[str]]:
    with uow_factory() as uow:
        return {kind: {key_of(kind, obj) for obj in repository(uow, kind).list(limit=1_000_000)} for kind in kinds}


def _order_exists(uow_factory: UowFactory, key: str) -> bool:
    with uow_factory() as uow:
        return uow.idempotency.get(ORDER_SCOPE, key) is not None


def _create_order(bus: MessageBus, clock: SettableClock, *, order: DemoOrder, now: datetime) -> None:
    clock.current = order.created_at
    view = bus.handle(order.command)
    for position, action in enumerate(order.actions, start=1):
        # Dispatch follows intake by a few minutes, never later than now.
        clock.current = min(now, order.created_at + timedelta(minutes=4 * position))
        view = bus.handle(
            TransitionWorkOrder(
                order_id=view["id"],
                action=action,
                expected_version=view["version"],
                technician_id=order.technician_id if action == "assign" else None,
                planned_start=order.planned_start if action == "assign" else None,
                actor=DEMO_ACTOR,
            )
        )


def demo_users(plan: DemoPlan) -> tuple[DemoUser, ...]:
    """One user per role. Passwords follow from the seed, so every run prints the same ones:
    demo credentials for a local demo, never for a real deployment."""
    technician = plan.company.technicians[0]

    def password(username: str) -> str:
        rng = random.Random(f"{plan.seed}:password:{username}")
        return "demo-" + "".join(rng.choices(string.ascii_letters + string.digits, k=12))

    return (
        DemoUser("admin", Role.ADMIN, password("admin"), "Demo Administrator"),
        DemoUser("dispatcher", Role.DISPATCHER, password("dispatcher"), "Demo Dispatcher"),
        DemoUser("manager", Role.MANAGER, password("manager"), "Demo Manager"),
        DemoUser("technician", Role.TECHNICIAN, password("technician"), technician.name, technician.id),
    )


def create_demo_users(plan: DemoPlan, *, bus: MessageBus) -> tuple[DemoUser, ...]:
    """Create the demo users that do not exist yet; return all of them with their passwords."""
    users = demo_users(plan)
    for user in users:
        with bus.uow_factory() as uow:
            if uow.users.get_by_username(user.username) is not None:
                continue
        bus.handle(
            CreateUser(
                username=user.username,
                password=user.password,
                role=user.role,
                full_name=user.full_name,
                technician_id=user.technician_id,
                actor=DEMO_ACTOR,
            )
        )
    return users


def issue_demo_api_key(*, bus: MessageBus) -> str:
    """A fresh integration key; the demo keys of earlier runs are revoked, so one stays valid."""
    with bus.uow_factory() as uow:
        stale = [k.id for k in uow.api_keys.list(limit=10_000) if k.name == DEMO_API_KEY_NAME and not k.revoked]
    for key_id in stale:
        bus.handle(RevokeApiKey(key_id=key_id, actor=DEMO_ACTOR))
    created = bus.handle(CreateApiKey(name=DEMO_API_KEY_NAME, role=Role.INTEGRATION, actor=DEMO_ACTOR))
    return str(created["key"])
