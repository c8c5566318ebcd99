"""A real fieldpilot server for the browser tests: the app factory over the memory unit of work
and the fakes (through the real composition root), a small demo company loaded through the bus,
one user per role, the web router mounted, uvicorn in a thread on a free port of 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from fieldpilot.api.app import create_app
from fieldpilot.bootstrap import Services
from fieldpilot.demo import DemoClock, load_demo
from fieldpilot.demo.loader import create_demo_users, plan_demo
from fieldpilot.domain.commands import DispatchChoice, DispatchOrder
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.fakes import FixedClock
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.web import create_web_router
from tests.builders import memory_services

# A Monday mid-morning in Lyon: shifts are under way, some orders are assigned, some wait.
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


@dataclass
class LiveServer:
    url: str
    services: Services
    clock: FixedClock
    passwords: dict[str, str]
    technician_id: str
    server: uvicorn.Server
    thread: threading.Thread

    def token(self, username: str) -> str:
        reply = httpx.post(
            f"{self.url}/api/v1/auth/token",
            data={"username": username, "password": self.passwords[username]},
            timeout=10,
        )
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_services(
    settings: dict[str, Any] | None = None, *, technicians: int = 8, customers: int = 40, orders: int = 24
) -> tuple[Services, FixedClock, dict[str, str], str]:
    services, clock = memory_services(NOW, **{"timezone": "Europe/Paris", **(settings or {})})
    plan = plan_demo(seed=2026, now=NOW, technicians=technicians, customers=customers, orders=orders)
    loader_clock = DemoClock(NOW)
    # The loader moves its own clock; the services read the fixed one, so keep them in step.
    clock.current = NOW
    load_demo(plan, bus=services.bus, clock=_Mirror(clock, loader_clock))
    clock.current = NOW
    users = create_demo_users(plan, bus=services.bus)
    passwords = {u.username: u.password for u in users}
    technician_id = next(u.technician_id for u in users if u.technician_id)
    assert technician_id is not None
    give_work(services, technician_id, count=2)
    return services, clock, passwords, technician_id


def give_work(services: Services, technician_id: str, *, count: int) -> list[str]:
    """Force the lowest-priority waiting orders onto the technician (the demo user has none)."""
    with services.uow_factory() as uow:
        waiting = [o for o in uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=1000)).items]
    waiting.sort(key=lambda o: (-int(o.priority), o.id))
    given = []
    for order in waiting[:count]:
        services.bus.handle(
            DispatchOrder(
                order_id=order.id,
                mode=DispatchChoice.FORCE,
                technician_id=technician_id,
                reason="browser test set-up",
                actor="test",
            )
        )
        given.append(order.id)
    return given


class _Mirror:
    """A settable clock that also moves the services' fixed clock."""

    def __init__(self, clock: FixedClock, own: DemoClock) -> None:
        self._clock = clock
        self._own = own

    @property
    def current(self) -> datetime:
        return self._own.current

    @current.setter
    def current(self, value: datetime) -> None:
        self._own.current = value
        self._clock.current = value

    def now(self) -> datetime:
        return self._own.current


def start_server(**settings: Any) -> LiveServer:
    services, clock, passwords, technician_id = demo_services(settings)
    app = create_app(services=services)
    app.include_router(create_web_router(services))
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return LiveServer(f"http://127.0.0.1:{port}", services, clock, passwords, technician_id, server, thread)
