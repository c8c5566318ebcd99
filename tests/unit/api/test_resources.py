"""The catalogue and technicians: create (idempotent), read with ETag, list, patch and delete
with If-Match, validation of coordinates, levels and enums; asset service history."""

from __future__ import annotations

from typing import Any

import pytest

from fieldpilot.api.routers.catalog import SLA_POLICIES_VERSIONED
from tests.unit.api.conftest import API, World, a_technician


def test_technician_round_trips_every_field(world: World) -> None:
    created = world.create("/technicians", a_technician(first_name="Cleo", timezone="Europe/Berlin"))
    response = world.client.get(f"{API}/technicians/{created['id']}", headers=world.as_("manager"))
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body == created
    assert body["skills"] == {"hvac": 3}
    assert body["certifications"] == [{"code": "f-gas", "expires_on": "2027-01-31"}]
    assert body["shifts"][0]["breaks"] == [{"start": "12:00:00", "end": "12:30:00"}]
    assert body["absences"][0]["reason"] == "training"
    assert (body["van_stock"], body["tools"], body["territories"]) == ({"filter": 4}, ["ladder"], ["berlin"])


def test_a_technician_reads_their_own_profile(world: World) -> None:
    own = world.client.get(f"{API}/technicians/{world.ids['tech_a']}", headers=world.as_("tech_a"))
    assert own.status_code == 200
    assert own.json()["first_name"] == "Ada"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/skills", {"code": "plumbing", "name": "Plumbing"}),
        ("/customers", {"name": "Big Bank", "tier": "vip", "email": "ops@bank.example"}),
        ("/parts", {"code": "valve", "name": "Valve", "unit_cost_cents": 900}),
        ("/triage-rules", {"name": "VIPs first", "tier": "vip", "priority": "P1"}),
    ],
)
def test_create_is_idempotent_per_key(world: World, path: str, body: dict[str, Any]) -> None:
    headers = world.as_("admin", **{"Idempotency-Key": f"import-{path}"})
    first = world.client.post(f"{API}{path}", json=body, headers=headers)
    again = world.client.post(f"{API}{path}", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["location"] == first.headers["location"]
    other = world.client.post(f"{API}{path}", json={**body, "name": "changed"}, headers=headers)
    assert (other.status_code, other.json()["field"]) == (422, "Idempotency-Key")


def test_patch_and_delete_need_the_current_version(world: World) -> None:
    url = f"{API}/customers/{world.ids['customer']}"
    assert world.client.patch(url, json={"tier": "vip"}, headers=world.as_("admin")).status_code == 428
    assert (
        world.client.patch(url, json={"tier": "vip"}, headers=world.as_("admin", **{"If-Match": '"9"'})).status_code
        == 412
    )
    changed = world.client.patch(url, json={"tier": "vip"}, headers=world.as_("admin", **{"If-Match": '"1"'}))
    assert changed.status_code == 200
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["tier"] == "vip"
    assert changed.json()["name"] == "Acme Facilities"
    assert world.client.delete(url, headers=world.as_("admin")).status_code == 428
    assert world.client.delete(url, headers=world.as_("admin", **{"If-Match": '"1"'})).status_code == 412
    assert world.client.delete(url, headers=world.as_("admin", **{"If-Match": '"2"'})).status_code == 204
    assert world.client.get(url, headers=world.as_("admin")).status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/customers", {"name": "X", "tier": "gold"}, "body.tier"),
        ("/skills", {"code": "Bad Code", "name": "x"}, "body.code"),
        ("/warehouses", {"name": "W", "location": {"lat": 0, "lon": -181}}, "body.location.lon"),
        (
            "/warehouses",
            {"name": "W", "location": {"lat": 0, "lon": 0}, "stock": {"filter": -1}},
            "body.stock.filter",
        ),
        ("/warehouses", {"name": "W", "location": {"lat": 0, "lon": 0}, "stock": {"ghost": 1}}, "stock"),
        ("/triage-rules", {"name": "empty"}, "priority"),
        ("/triage-rules", {"name": "x", "priority": "P0"}, "body.priority"),
        ("/sla-policies", {"name": "x", "targets": {}}, "targets"),
        ("/sla-policies", {"name": "x", "targets": {"arrival": 0}}, "body.targets.arrival"),
        (
            "/sla-policies",
            {"name": "x", "targets": {"arrival": 60}, "calendar": {"timezone": "Nowhere/City"}},
            "body.calendar.timezone",
        ),
        ("/assets", {"site_id": "nope", "model": "m", "serial": "s"}, "site_id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    world: World, path: str, body: dict[str, Any], field: str
) -> None:
    before = world.client.get(f"{API}{path}", headers=world.as_("admin")).json()["total"]
    response = world.client.post(f"{API}{path}", json=body, headers=world.as_("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert world.client.get(f"{API}{path}", headers=world.as_("admin")).json()["total"] == before


def test_patch_refuses_null_for_required_fields(world: World) -> None:
    response = world.client.patch(
        f"{API}/customers/{world.ids['customer']}",
        json={"name": None},
        headers=world.as_("admin", **{"If-Match": '"1"'}),
    )
    assert (response.status_code, response.json()["field"]) == (422, "body.name")


def test_sla_policy_with_business_calendar(world: World) -> None:
    body = {
        "name": "Business hours, P1",
        "priority": "P1",
        "targets": {"arrival": 240, "resolution": 480},
        "calendar": {
            "timezone": "Europe/Berlin",
            "working_hours": {str(d): [{"start": "08:00", "end": "18:00"}] for d in range(5)},
            "holidays": ["2026-12-25"],
        },
        "pause_reasons": ["customer_unavailable"],
    }
    created = world.create("/sla-policies", body)
    assert created["priority"] == "P1"
    assert created["calendar"]["working_hours"]["0"] == [{"start": "08:00:00", "end": "18:00:00"}]
    assert created["calendar"]["holidays"] == ["2026-12-25"]
    shown = world.client.get(f"{API}/sla-policies/{created['id']}", headers=world.as_("manager"))
    assert shown.status_code == 200
    assert shown.json() == created


def test_lists_are_paginated_in_a_stable_order(world: World) -> None:
    for code in ("zeta", "alpha", "mid"):
        world.create("/skills", {"code": code, "name": code})
    first = world.client.get(f"{API}/skills", params={"limit": 2}, headers=world.as_("admin")).json()
    second = world.client.get(f"{API}/skills", params={"offset": 2, "limit": 2}, headers=world.as_("admin")).json()
    assert first["total"] == second["total"] == 4
    assert [s["code"] for s in first["items"] + second["items"]] == ["alpha", "hvac", "mid", "zeta"]


def test_asset_history_lists_the_orders_on_the_asset(world: World) -> None:
    on_asset = world.new_order(asset_id=world.ids["asset"])
    world.new_order()
    response = world.client.get(f"{API}/assets/{world.ids['asset']}/history", headers=world.as_("manager"))
    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == [on_asset["id"]]
    missing = world.client.get(f"{API}/assets/nope/history", headers=world.as_("manager"))
    assert missing.status_code == 404


def test_deleting_a_technician_deactivates_it(world: World) -> None:
    url = f"{API}/technicians/{world.ids['tech_b']}"
    assert world.client.delete(url, headers=world.as_("admin", **{"If-Match": '"1"'})).status_code == 204
    shown = world.client.get(url, headers=world.as_("admin")).json()
    assert (shown["active"], shown["version"]) == (False, 2)


def test_openapi_is_served_with_problem_and_security_schemes(world: World) -> None:
    spec = world.client.get(f"{API}/openapi.json").json()
    assert f"{API}/orders" in spec["paths"]
    assert {"OAuth2PasswordBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
    assert world.client.get("/docs").status_code == 200
    assert world.client.get(f"{API}/health").json() == {"status": "ok"}


@pytest.mark.skipif(not SLA_POLICIES_VERSIONED, reason="SlaPolicy has no version yet: no PATCH/DELETE")
def test_sla_policy_changes_need_the_current_version(world: World) -> None:
    created = world.create("/sla-policies", {"name": "std", "targets": {"resolution": 480}})
    url = f"{API}/sla-policies/{created['id']}"
    assert world.client.patch(url, json={"name": "x"}, headers=world.as_("admin")).status_code == 428
    changed = world.client.patch(url, json={"name": "x"}, headers=world.as_("admin", **{"If-Match": '"1"'}))
    assert (changed.status_code, changed.json()["name"], changed.headers["etag"]) == (200, "x", '"2"')
    assert world.client.delete(url, headers=world.as_("admin", **{"If-Match": '"2"'})).status_code == 204
