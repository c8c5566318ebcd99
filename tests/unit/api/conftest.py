"""The real app (`create_app(services=bootstrap(...))`) over the in-memory unit of work and the
fakes: a fixed clock, sequential ids, seeded secrets and a plain hasher.

`world` seeds one of everything and signs in every role; builders give valid payloads that a
test overrides field by field.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from fieldpilot.api.app import create_app
from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.values import Role
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork

with warnings.catch_warnings():
    # starlette asks for httpx2; the pinned httpx works the same for the test client.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient

API = "/api/v1"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
PASSWORD = "correct-horse-battery"


def build_services(clock: FixedClock, db: MemoryDatabase | None = None) -> Services:
    db = db or MemoryDatabase()
    return bootstrap(
        # auto_dispatch off: these tests drive assignments themselves (ignored where unknown).
        Settings(environment="test", access_token_minutes=24 * 60, auto_dispatch=False),
        uow_factory=lambda: MemoryUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(7),
        hasher=PlainHasher(),
        travel=StraightLineTravel(),
    )


def a_customer(**overrides: Any) -> dict[str, Any]:
    return {"name": "Acme Facilities", "tier": "standard", **overrides}


def a_site(customer_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "name": "Head office",
        "address": "Unter den Linden 1, Berlin",
        "location": {"lat": 52.517, "lon": 13.389},
        "access_notes": "ring twice",
        **overrides,
    }


def a_technician(**overrides: Any) -> dict[str, Any]:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "home_base": {"lat": 52.5, "lon": 13.4},
        "skills": {"hvac": 3},
        "shifts": [{"weekday": 0, "start": "08:00", "end": "17:00", "breaks": [{"start": "12:00", "end": "12:30"}]}],
        "certifications": [{"code": "f-gas", "expires_on": "2027-01-31"}],
        "absences": [{"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z", "reason": "training"}],
        "van_stock": {"filter": 4},
        "tools": ["ladder"],
        "territories": ["berlin"],
        **overrides,
    }


def an_order(customer_id: str, site_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "site_id": site_id,
        "service_type": "repair",
        "channel": "phone",
        "description": "Air conditioning blows warm air",
        "required_skills": [{"skill": "hvac", "min_level": 2}],
        "required_parts": [{"part": "filter", "quantity": 1}],
        "estimated_duration_minutes": 90,
        "priority": "P2",
        "time_window": {"start": "2026-03-02T12:00:00Z", "end": "2026-03-02T18:00:00Z"},
        "custom_fields": {"po_number": "PO-1", "floor": 3},
        **overrides,
    }


@dataclass
class World:
    client: TestClient
    services: Services
    clock: FixedClock
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def as_(self, who: str, **extra: str) -> dict[str, str]:
        return {**self.headers.get(who, {}), **extra}

    def create(self, path: str, body: dict[str, Any], *, who: str = "admin") -> dict[str, Any]:
        response = self.client.post(f"{API}{path}", json=body, headers=self.as_(who))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def new_order(self, *, who: str = "dispatcher", **overrides: Any) -> dict[str, Any]:
        return self.create("/orders", an_order(self.ids["customer"], self.ids["site"], **overrides), who=who)

    def act(
        self, order_id: str, action: str, *, who: str = "dispatcher", version: int | None = None, **body: Any
    ) -> Any:
        if version is None:
            version = self.client.get(f"{API}/orders/{order_id}", headers=self.as_("admin")).json()["version"]
        return self.client.post(
            f"{API}/orders/{order_id}/actions/{action}",
            json=body,
            headers=self.as_(who, **{"If-Match": f'"{version}"'}),
        )

    def assigned_order(self, technician: str = "tech_a", **overrides: Any) -> dict[str, Any]:
        order = self.new_order(**overrides)
        response = self.act(order["id"], "assign", technician_id=self.ids[technician])
        assert response.status_code == 200, response.text
        assigned: dict[str, Any] = response.json()
        return assigned


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post(f"{API}/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def services(clock: FixedClock) -> Services:
    return build_services(clock)


@pytest.fixture(scope="session")
def app() -> FastAPI:
    """One app for the session: building the routes is the slow part, and routes hold no state
    (they find the services on `app.state` per request), so each test swaps in its own."""
    return create_app(services=build_services(FixedClock(START)))


@pytest.fixture
def client(app: FastAPI, services: Services) -> Iterator[TestClient]:
    app.state.services = services
    app.state.tracking_guard = None  # each test starts with no failed guesses on record
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient, services: Services, clock: FixedClock) -> World:
    return make_world(client, services, clock)


def make_world(client: TestClient, services: Services, clock: FixedClock) -> World:
    """Every role signed in; one skill, part, warehouse, customer, site, asset; two technicians."""
    bus = services.bus
    w = World(client=client, services=services, clock=clock)
    bus.handle(cmd.CreateUser(username="admin", password=PASSWORD, role=Role.ADMIN))
    w.headers["admin"] = sign_in(client, "admin")
    w.create("/skills", {"code": "hvac", "name": "HVAC"})
    w.create("/parts", {"code": "filter", "name": "Air filter", "unit_cost_cents": 1250})
    for name, first in (("tech_a", "Ada"), ("tech_b", "Bob")):
        w.ids[name] = w.create("/technicians", a_technician(first_name=first))["id"]
    for username, role, tech in (
        ("dispatcher", Role.DISPATCHER, None),
        ("manager", Role.MANAGER, None),
        ("tech_a", Role.TECHNICIAN, w.ids["tech_a"]),
        ("tech_b", Role.TECHNICIAN, w.ids["tech_b"]),
    ):
        bus.handle(cmd.CreateUser(username=username, password=PASSWORD, role=role, technician_id=tech))
        w.headers[username] = sign_in(client, username)
    key = bus.handle(cmd.CreateApiKey(name="crm"))
    w.headers["api_key"] = {"X-API-Key": key["key"]}
    w.ids["api_key"] = key["id"]
    w.headers["anonymous"] = {}
    w.ids["customer"] = w.create("/customers", a_customer())["id"]
    w.ids["site"] = w.create("/sites", a_site(w.ids["customer"]))["id"]
    w.ids["asset"] = w.create("/assets", {"site_id": w.ids["site"], "model": "Daikin FTX", "serial": "SN-1"})["id"]
    w.create("/warehouses", {"name": "Main", "location": {"lat": 52.4, "lon": 13.3}, "stock": {"filter": 50}})
    return w
