"""The permission table, tested for every route: role x route x own/other object -> status.

`ALLOWED` lists who may call each route; everyone else gets 403, and anybody without
credentials 401 (except on public routes). A technician is tried on an object of their own
("tech_own") and on one of another technician ("tech_other"). The table must name every
route the app serves: a new route without a row fails `test_every_route_is_in_the_table`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts

from fieldpilot.api.app import create_app
from fieldpilot.api.routers.catalog import SLA_POLICIES_VERSIONED
from fieldpilot.domain import commands as cmd
from fieldpilot.service.fakes import FixedClock
from tests.unit.api.conftest import (
    API,
    START,
    TestClient,
    World,
    a_customer,
    a_site,
    a_technician,
    build_services,
    make_world,
)

ADMIN, DISPATCHER, MANAGER, OWN, OTHER, KEY, ANON = (
    "admin",
    "dispatcher",
    "manager",
    "tech_own",
    "tech_other",
    "api_key",
    "anonymous",
)
ROLES = (ADMIN, DISPATCHER, MANAGER, OWN, OTHER, KEY, ANON)
PUBLIC = frozenset(ROLES)
ADMIN_ONLY = frozenset({ADMIN})
READERS = frozenset({ADMIN, DISPATCHER, MANAGER, KEY})
CATALOG_WRITERS = frozenset({ADMIN, DISPATCHER, MANAGER, KEY})
TECHNICIAN_WRITERS = frozenset({ADMIN, DISPATCHER, MANAGER})
ORDER_WRITERS = frozenset({ADMIN, DISPATCHER, KEY})
OWN_ORDER_READERS = READERS | {OWN}
FIELD_WORKERS = frozenset({ADMIN, DISPATCHER, OWN})
DISPATCHERS = frozenset({ADMIN, DISPATCHER})
TECHNICIANS = frozenset({OWN, OTHER})
AUTHENTICATED = PUBLIC - {ANON}

CATALOG = ("skills", "parts", "warehouses", "customers", "sites", "assets", "sla-policies", "triage-rules")

ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", f"{API}/health"): PUBLIC,
    ("POST", f"{API}/auth/token"): PUBLIC,
    ("GET", f"{API}/track/{{token}}"): PUBLIC,
    ("POST", f"{API}/track/{{token}}/rating"): PUBLIC,
    ("GET", f"{API}/me"): AUTHENTICATED,
    ("GET", f"{API}/me/orders"): TECHNICIANS,
    ("POST", f"{API}/users"): ADMIN_ONLY,
    ("GET", f"{API}/users"): ADMIN_ONLY,
    ("GET", f"{API}/users/{{user_id}}"): ADMIN_ONLY,
    ("POST", f"{API}/api-keys"): ADMIN_ONLY,
    ("GET", f"{API}/api-keys"): ADMIN_ONLY,
    ("DELETE", f"{API}/api-keys/{{key_id}}"): ADMIN_ONLY,
    ("POST", f"{API}/orders"): ORDER_WRITERS,
    ("GET", f"{API}/orders"): READERS,
    ("GET", f"{API}/orders/{{order_id}}"): OWN_ORDER_READERS,
    ("PATCH", f"{API}/orders/{{order_id}}"): ORDER_WRITERS,
    ("GET", f"{API}/orders/{{order_id}}/history"): OWN_ORDER_READERS,
    ("GET", f"{API}/orders/{{order_id}}/decisions"): OWN_ORDER_READERS,
    ("POST", f"{API}/orders/{{order_id}}/actions/{{action}}"): FIELD_WORKERS,  # for field actions
    ("POST", f"{API}/orders/{{order_id}}/dispatch"): DISPATCHERS,
    ("POST", f"{API}/technicians/{{technician_id}}/position"): frozenset({ADMIN, DISPATCHER, OWN, KEY}),
    ("GET", f"{API}/positions"): READERS,
    ("GET", f"{API}/traffic"): READERS,
    ("PUT", f"{API}/traffic/{{area}}"): DISPATCHERS,
    ("POST", f"{API}/replan"): DISPATCHERS,
    ("POST", f"{API}/orders/{{order_id}}/grab"): TECHNICIANS,
    ("GET", f"{API}/me/offers"): TECHNICIANS,
    ("POST", f"{API}/technicians"): TECHNICIAN_WRITERS,
    ("GET", f"{API}/technicians"): READERS,
    ("GET", f"{API}/technicians/{{key}}"): READERS | {OWN},
    ("PATCH", f"{API}/technicians/{{key}}"): TECHNICIAN_WRITERS,
    ("DELETE", f"{API}/technicians/{{key}}"): TECHNICIAN_WRITERS,
    ("GET", f"{API}/assets/{{asset_id}}/history"): READERS,
}
for _name in CATALOG:
    ALLOWED |= {
        ("POST", f"{API}/{_name}"): CATALOG_WRITERS,
        ("GET", f"{API}/{_name}"): READERS,
        ("GET", f"{API}/{_name}/{{key}}"): READERS,
    }
    if _name != "sla-policies" or SLA_POLICIES_VERSIONED:
        ALLOWED |= {
            ("PATCH", f"{API}/{_name}/{{key}}"): CATALOG_WRITERS,
            ("DELETE", f"{API}/{_name}/{{key}}"): CATALOG_WRITERS,
        }

# The action route's permission depends on the action: field work vs dispatching.
ACTIONS = {action: FIELD_WORKERS for action in ("accept", "decline", "start_travel", "arrive", "complete", "hold")}
ACTIONS |= {action: DISPATCHERS for action in ("assign", "reassign", "unassign", "resume", "cancel", "close", "reopen")}


def served_routes() -> set[tuple[str, str]]:
    app = create_app(services=build_services(FixedClock(START)))
    return {
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_every_route_is_in_the_table() -> None:
    served = served_routes()
    assert sorted(served - ALLOWED.keys()) == [], "routes without a row in the permission table"
    assert sorted(ALLOWED.keys() - served) == [], "rows for routes the app does not serve"


def test_every_action_is_in_the_table() -> None:
    from fieldpilot.workflow import Action

    assert set(ACTIONS) == {a.value for a in Action}


@pytest.fixture(scope="module")
def shared() -> Iterator[World]:
    clock = FixedClock(START)
    services = build_services(clock)
    with TestClient(create_app(services=services)) as client:
        w = make_world(client, services, clock)
        w.headers[OWN] = w.headers["tech_a"]
        w.headers[OTHER] = w.headers["tech_b"]
        # Objects that PATCH and DELETE may change or remove without disturbing other cases.
        w.ids["victim_customer"] = w.create("/customers", a_customer(name="Victim"))["id"]
        victims = {
            "skills": w.create("/skills", {"code": "victim", "name": "Victim"})["code"],
            "parts": w.create("/parts", {"code": "victim", "name": "Victim"})["code"],
            "warehouses": w.create("/warehouses", {"name": "V", "location": {"lat": 1, "lon": 1}})["id"],
            "customers": w.ids["victim_customer"],
            "sites": w.create("/sites", a_site(w.ids["victim_customer"]))["id"],
            "sla-policies": w.create("/sla-policies", {"name": "V", "targets": {"resolution": 60}})["id"],
            "triage-rules": w.create("/triage-rules", {"name": "V", "service_type": "victim", "priority": "P4"})["id"],
            "technicians": w.create("/technicians", a_technician(first_name="Vic"))["id"],
        }
        victims["assets"] = w.create("/assets", {"site_id": victims["sites"], "model": "M", "serial": "S"})["id"]
        w.ids |= {f"victim:{k}": v for k, v in victims.items()}
        w.ids["victim_key"] = services.bus.handle(cmd.CreateApiKey(name="victim"))["id"]
        w.ids["user"] = w.client.get(f"{API}/users", headers=w.as_(ADMIN)).json()["items"][0]["id"]
        yield w


def fill(path: str, method: str, w: World, *, action: str = "accept") -> str:
    """Concrete URL for a route: orders assigned to tech_a (fresh each time), victims to change."""
    if "{order_id}" in path:
        path = path.replace("{order_id}", w.assigned_order("tech_a")["id"])
    if "{key}" in path:
        family = path.removeprefix(f"{API}/").split("/")[0]
        own_profile = family == "technicians" and method == "GET"
        path = path.replace("{key}", w.ids["tech_a"] if own_profile else w.ids[f"victim:{family}"])
    return (
        path.replace("{action}", action)
        .replace("{user_id}", w.ids["user"])
        .replace("{key_id}", w.ids["victim_key"])
        .replace("{asset_id}", w.ids["asset"])
        .replace("{token}", "unknown-token-0000000000")
        .replace("{technician_id}", w.ids["tech_a"])
        .replace("{area}", "centre")
    )


def expect(role: str, allowed: frozenset[str], status: int) -> None:
    if role in allowed:
        assert status not in (401, 403) and status < 500, f"{role} should pass the gate, got {status}"
    elif role == ANON:
        assert status == 401, f"anonymous should get 401, got {status}"
    else:
        assert status == 403, f"{role} should get 403, got {status}"


def call(w: World, method: str, url: str, role: str) -> Any:
    headers = w.as_(role)
    if url.endswith("/replan"):
        return w.client.post(url, json={"time_budget_seconds": 0.2}, headers=headers)
    if url.endswith("/position"):
        return w.client.post(url, json={"lat": 48.85, "lon": 2.35}, headers=headers)
    if method in ("POST", "PATCH", "PUT"):
        return w.client.request(method, url, json={}, headers=headers)
    return w.client.request(method, url, headers=headers)


CASES = [(method, path, role) for (method, path) in sorted(ALLOWED) if "{action}" not in path for role in ROLES]


@pytest.mark.parametrize(("method", "path", "role"), CASES)
def test_route_access(shared: World, method: str, path: str, role: str) -> None:
    response = call(shared, method, fill(path, method, shared), role)
    expect(role, ALLOWED[(method, path)], response.status_code)


@pytest.mark.parametrize(("action", "role"), [(action, role) for action in sorted(ACTIONS) for role in ROLES])
def test_action_access(shared: World, action: str, role: str) -> None:
    path = f"{API}/orders/{{order_id}}/actions/{{action}}"
    response = call(shared, "POST", fill(path, "POST", shared, action=action), role)
    expect(role, ACTIONS[action], response.status_code)


def test_a_technician_is_refused_another_technicians_order_with_403(shared: World) -> None:
    order = shared.assigned_order("tech_a")
    for path in ("", "/history", "/decisions"):
        response = shared.client.get(f"{API}/orders/{order['id']}{path}", headers=shared.as_(OTHER))
        assert response.status_code == 403
    own = shared.client.get(f"{API}/orders/{order['id']}", headers=shared.as_(OWN))
    assert own.status_code == 200


def test_a_technician_cannot_list_all_orders_or_technicians(shared: World) -> None:
    for path in ("/orders", "/technicians", "/customers"):
        assert shared.client.get(f"{API}{path}", headers=shared.as_(OWN)).status_code == 403
    other_profile = shared.client.get(f"{API}/technicians/{shared.ids['tech_b']}", headers=shared.as_(OWN))
    assert other_profile.status_code == 403
