"""Work orders through the API: intake and triage, lifecycle and history, concurrency headers,
idempotent creation, lists with filters and stable pagination, SLA state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.unit.api.conftest import API, World, an_order


def test_creating_an_order_returns_it_with_location_etag_and_sla(world: World) -> None:
    response = world.client.post(
        f"{API}/orders",
        json=an_order(world.ids["customer"], world.ids["site"]),
        headers=world.as_("dispatcher"),
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"{API}/orders/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["status"] == "new"
    assert body["priority"] == "P2"
    assert body["channel"] == "phone"
    assert body["required_skills"] == [{"skill": "hvac", "min_level": 2}]
    assert body["custom_fields"] == {"po_number": "PO-1", "floor": 3}
    assert body["allowed_actions"] == ["assign", "hold", "cancel"]
    assert len(body["tracking_token"]) >= 22  # >= 128 bits, URL-safe base64


def test_triage_rules_fill_priority_skills_and_duration_when_omitted(world: World) -> None:
    world.create(
        "/triage-rules",
        {"name": "gas leaks are urgent", "keywords": ["gas"], "priority": "P1", "duration_minutes": 45},
    )
    world.create(
        "/triage-rules",
        {
            "name": "repairs need hvac 3",
            "service_type": "repair",
            "required_skills": [{"skill": "hvac", "min_level": 3}],
        },
    )
    body = an_order(world.ids["customer"], world.ids["site"], description="Smell of GAS in the basement")
    for name in ("priority", "required_skills", "estimated_duration_minutes"):
        del body[name]
    order = world.create("/orders", body, who="dispatcher")
    assert order["priority"] == "P1"
    assert order["estimated_duration_minutes"] == 45
    assert order["required_skills"] == [{"skill": "hvac", "min_level": 3}]


def test_explicit_priority_beats_triage(world: World) -> None:
    world.create("/triage-rules", {"name": "repairs are P4", "service_type": "repair", "priority": "P4"})
    assert world.new_order(priority="P2")["priority"] == "P2"


def test_full_lifecycle_is_recorded_in_the_history(world: World) -> None:
    world.create("/sla-policies", {"name": "24x7", "targets": {"resolution": 480}})
    order = world.assigned_order("tech_a")
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("accept", "tech_a", {}),
        ("hold", "tech_a", {"reason": "waiting for parts"}),
        ("resume", "dispatcher", {}),
        ("start_travel", "tech_a", {}),
        ("arrive", "tech_a", {}),
        ("complete", "tech_a", {}),
        ("close", "dispatcher", {}),
        ("reopen", "dispatcher", {"reason": "fault came back"}),
    ]
    version = order["version"]
    for action, who, body in steps:
        response = world.act(order["id"], action, who=who, version=version, **body)
        assert response.status_code == 200, (action, response.text)
        assert response.headers["etag"] == f'"{version + 1}"'
        version = response.json()["version"]
    history = world.client.get(f"{API}/orders/{order['id']}/history", headers=world.as_("manager")).json()
    assert [(h["action"], h["from_status"], h["to_status"]) for h in history] == [
        ("create", None, "new"),
        ("assign", "new", "assigned"),
        ("accept", "assigned", "accepted"),
        ("hold", "accepted", "on_hold"),
        ("resume", "on_hold", "accepted"),
        ("start_travel", "accepted", "en_route"),
        ("arrive", "en_route", "on_site"),
        ("complete", "on_site", "completed"),
        ("close", "completed", "closed"),
        ("reopen", "closed", "new"),
    ]
    assert history[3]["reason"] == "waiting for parts"
    assert history[3]["actor"].startswith("user:")
    assert all(h["at"] == "2026-03-02T09:00:00Z" for h in history)


def test_an_order_without_sla_policy_can_be_put_on_hold(world: World) -> None:
    order = world.assigned_order("tech_a")
    response = world.act(order["id"], "hold", reason="waiting for parts")
    assert response.status_code == 200


def test_reassign_and_cancel_need_reasons(world: World) -> None:
    order = world.assigned_order("tech_a")
    missing = world.act(order["id"], "reassign", technician_id=world.ids["tech_b"])
    assert missing.status_code == 422
    assert missing.json()["field"] == "reason"
    moved = world.act(order["id"], "reassign", technician_id=world.ids["tech_b"], reason="closer")
    assert moved.json()["technician_id"] == world.ids["tech_b"]
    cancelled = world.act(order["id"], "cancel", reason="customer called off")
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["allowed_actions"] == ["reopen"]


def test_illegal_transition_names_current_state_and_allowed_actions(world: World) -> None:
    order = world.new_order()
    response = world.act(order["id"], "complete", version=1)
    assert response.status_code == 409
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["current_status"] == "new"
    assert problem["allowed_actions"] == ["assign", "hold", "cancel"]
    assert "new" in problem["detail"]


def test_unknown_action_is_a_422_naming_the_path_field(world: World) -> None:
    order = world.new_order()
    response = world.act(order["id"], "teleport", version=1)
    assert response.status_code == 422
    assert response.json()["field"] == "path.action"


@pytest.mark.parametrize(("if_match", "expected"), [(None, 428), ('"7"', 412), ('W/"7"', 412), ("7", 422)])
def test_patch_needs_the_current_version(world: World, if_match: str | None, expected: int) -> None:
    order = world.new_order()
    headers = world.as_("dispatcher", **({"If-Match": if_match} if if_match else {}))
    response = world.client.patch(f"{API}/orders/{order['id']}", json={"priority": "P1"}, headers=headers)
    assert response.status_code == expected
    unchanged = world.client.get(f"{API}/orders/{order['id']}", headers=world.as_("admin")).json()
    assert unchanged["priority"] == "P2"
    assert unchanged["version"] == 1


def test_patch_with_current_version_changes_only_the_fields_sent(world: World) -> None:
    order = world.new_order()
    response = world.client.patch(
        f"{API}/orders/{order['id']}",
        json={"priority": "P1", "description": "now urgent"},
        headers=world.as_("dispatcher", **{"If-Match": 'W/"1"'}),
    )
    assert response.status_code == 200
    assert response.headers["etag"] == '"2"'
    body = response.json()
    assert (body["priority"], body["description"], body["estimated_duration_minutes"]) == (
        "P1",
        "now urgent",
        90,
    )


@pytest.mark.parametrize(("version", "expected"), [(None, 428), (5, 412)])
def test_actions_need_the_current_version(world: World, version: int | None, expected: int) -> None:
    order = world.new_order()
    headers = world.as_("dispatcher", **({"If-Match": f'"{version}"'} if version else {}))
    response = world.client.post(
        f"{API}/orders/{order['id']}/actions/assign",
        json={"technician_id": world.ids["tech_a"]},
        headers=headers,
    )
    assert response.status_code == expected
    assert response.headers["content-type"] == "application/problem+json"


def test_a_stale_writer_cannot_overwrite_a_newer_change(world: World) -> None:
    order = world.new_order()
    first = world.act(order["id"], "assign", version=1, technician_id=world.ids["tech_a"])
    assert first.status_code == 200
    stale = world.client.patch(
        f"{API}/orders/{order['id']}",
        json={"priority": "P4"},
        headers=world.as_("dispatcher", **{"If-Match": '"1"'}),
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2


def test_booking_two_orders_into_one_slot_is_refused(world: World) -> None:
    first = world.new_order()
    second = world.new_order()
    start = "2026-03-02T13:00:00Z"
    ok = world.act(first["id"], "assign", technician_id=world.ids["tech_a"], planned_start=start)
    assert ok.status_code == 200
    clash = world.act(second["id"], "assign", technician_id=world.ids["tech_a"], planned_start="2026-03-02T14:00:00Z")
    assert clash.status_code == 409
    assert clash.json()["conflicting_order_id"] == first["id"]
    later = world.act(second["id"], "assign", technician_id=world.ids["tech_a"], planned_start="2026-03-02T14:30:00Z")
    assert later.status_code == 200


def test_idempotent_create_replays_the_first_response(world: World) -> None:
    body = an_order(world.ids["customer"], world.ids["site"])
    headers = world.as_("api_key", **{"Idempotency-Key": "crm-4711"})
    first = world.client.post(f"{API}/orders", json=body, headers=headers)
    reordered = dict(reversed(list(body.items())))
    again = world.client.post(f"{API}/orders", json=reordered, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    listed = world.client.get(f"{API}/orders", headers=world.as_("admin")).json()
    assert listed["total"] == 1


def test_idempotency_key_with_a_different_body_is_a_422(world: World) -> None:
    headers = world.as_("dispatcher", **{"Idempotency-Key": "k-1"})
    body = an_order(world.ids["customer"], world.ids["site"])
    assert world.client.post(f"{API}/orders", json=body, headers=headers).status_code == 201
    changed = world.client.post(f"{API}/orders", json={**body, "priority": "P1"}, headers=headers)
    assert changed.status_code == 422
    assert changed.json()["field"] == "Idempotency-Key"
    assert world.client.get(f"{API}/orders", headers=world.as_("admin")).json()["total"] == 1


def test_idempotency_keys_belong_to_their_caller(world: World) -> None:
    body = an_order(world.ids["customer"], world.ids["site"])
    one = world.client.post(f"{API}/orders", json=body, headers=world.as_("dispatcher", **{"Idempotency-Key": "k"}))
    two = world.client.post(f"{API}/orders", json=body, headers=world.as_("admin", **{"Idempotency-Key": "k"}))
    assert one.json()["id"] != two.json()["id"]


def _ids(page: dict[str, Any]) -> list[str]:
    return [o["id"] for o in page["items"]]


def test_list_filters_by_status_priority_technician_and_customer(world: World) -> None:
    other_customer = world.create("/customers", {"name": "Other", "tier": "vip"})["id"]
    other_site = world.create("/sites", {**an_site_for(other_customer)})["id"]
    p1 = world.new_order(priority="P1")
    assigned = world.assigned_order("tech_b", priority="P3")
    foreign = world.create("/orders", an_order(other_customer, other_site, priority="P4"), who="dispatcher")

    def listed(**params: Any) -> list[str]:
        response = world.client.get(f"{API}/orders", params=params, headers=world.as_("manager"))
        assert response.status_code == 200, response.text
        return _ids(response.json())

    assert listed(status="assigned") == [assigned["id"]]
    assert listed(status=["new", "assigned"]) == [p1["id"], assigned["id"], foreign["id"]]
    assert listed(priority=["P1", "P4"]) == [p1["id"], foreign["id"]]
    assert listed(technician_id=world.ids["tech_b"]) == [assigned["id"]]
    assert listed(customer_id=other_customer) == [foreign["id"]]
    assert listed(sort="priority") == [p1["id"], assigned["id"], foreign["id"]]
    assert listed(sort="-priority") == [foreign["id"], assigned["id"], p1["id"]]


def an_site_for(customer_id: str) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "name": "Depot",
        "address": "Somewhere 2",
        "location": {"lat": 48.1, "lon": 11.6},
    }


def test_list_filters_by_created_time_range(world: World) -> None:
    early = world.new_order()
    world.clock.advance(hours=2)
    late = world.new_order()

    def listed(**params: Any) -> list[str]:
        return _ids(world.client.get(f"{API}/orders", params=params, headers=world.as_("admin")).json())

    assert listed(created_from="2026-03-02T10:00:00Z") == [late["id"]]
    assert listed(created_to="2026-03-02T10:00:00+00:00") == [early["id"]]
    bad = world.client.get(f"{API}/orders", params={"created_from": "2026-03-02T10:00:00"}, headers=world.as_("admin"))
    assert bad.status_code == 422
    assert bad.json()["field"] == "query.created_from"


def test_pagination_is_stable_and_complete(world: World) -> None:
    made = [world.new_order(priority=f"P{1 + i % 4}")["id"] for i in range(7)]
    seen: list[str] = []
    for offset in range(0, 9, 3):
        page = world.client.get(
            f"{API}/orders",
            params={"offset": offset, "limit": 3, "sort": "priority"},
            headers=world.as_("admin"),
        ).json()
        assert (page["total"], page["offset"], page["limit"]) == (7, offset, 3)
        seen += _ids(page)
    assert sorted(seen) == sorted(made)
    assert len(set(seen)) == 7
    again = world.client.get(f"{API}/orders", params={"limit": 7, "sort": "priority"}, headers=world.as_("admin"))
    assert _ids(again.json()) == seen


def test_orders_show_deadlines_elapsed_business_time_and_sla_state(world: World) -> None:
    world.create("/sla-policies", {"name": "24x7", "targets": {"dispatch": 60, "resolution": 240}})
    order = world.new_order()
    world.clock.advance(minutes=50)
    shown = world.client.get(f"{API}/orders/{order['id']}", headers=world.as_("admin")).json()
    assert shown["sla"]["state"] == "at_risk"
    assert shown["sla"]["elapsed_seconds"] == 50 * 60
    assert shown["sla"]["next_deadline"] == "2026-03-02T10:00:00Z"
    assert {m["milestone"] for m in shown["sla"]["milestones"]} == {"dispatch", "resolution"}
    world.clock.advance(minutes=20)
    at_risk = world.client.get(f"{API}/orders", params={"sla_state": "breached"}, headers=world.as_("admin")).json()
    assert _ids(at_risk) == [order["id"]]
    assert at_risk["items"][0]["sla"]["state"] == "breached"


def test_decisions_of_an_order_start_empty(world: World) -> None:
    order = world.new_order()
    response = world.client.get(f"{API}/orders/{order['id']}/decisions", headers=world.as_("dispatcher"))
    assert response.status_code == 200
    assert response.json() == []


def test_technician_lists_their_own_orders_through_me(world: World) -> None:
    mine = world.assigned_order("tech_a")
    world.assigned_order("tech_b")
    page = world.client.get(f"{API}/me/orders", headers=world.as_("tech_a")).json()
    assert _ids(page) == [mine["id"]]


def test_dispatch_with_the_engine_stores_and_returns_its_decision(world: World) -> None:
    order = world.new_order()
    url = f"{API}/orders/{order['id']}/dispatch"
    assert world.client.post(url, json={}, headers=world.as_("dispatcher")).status_code == 428
    response = world.client.post(url, json={"mode": "auto"}, headers=world.as_("dispatcher", **{"If-Match": '"1"'}))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["order"]["id"] == order["id"]
    assert response.headers["etag"] == f'"{result["order"]["version"]}"'
    decisions = world.client.get(f"{API}/orders/{order['id']}/decisions", headers=world.as_("manager")).json()
    assert [d["id"] for d in decisions] == [result["decision"]["id"]]


def test_forced_dispatch_names_the_technician(world: World) -> None:
    order = world.new_order()
    response = world.client.post(
        f"{API}/orders/{order['id']}/dispatch",
        json={"mode": "force", "technician_id": world.ids["tech_b"], "reason": "customer asked for Bob"},
        headers=world.as_("dispatcher", **{"If-Match": '"1"'}),
    )
    assert response.status_code == 200, response.text
    assert response.json()["order"]["technician_id"] == world.ids["tech_b"]
    assert response.json()["order"]["status"] == "assigned"


def _patch(world: World, order_id: str, body: dict[str, Any]) -> Any:
    version = world.client.get(f"{API}/orders/{order_id}", headers=world.as_("admin")).json()["version"]
    return world.client.patch(
        f"{API}/orders/{order_id}", json=body, headers=world.as_("dispatcher", **{"If-Match": f'"{version}"'})
    )


def test_a_dispatcher_locks_a_time_and_the_order_shows_it(world: World) -> None:
    order = world.new_order()
    start = "2026-03-02T13:00:00Z"
    assert world.act(order["id"], "assign", technician_id=world.ids["tech_a"], planned_start=start).status_code == 200
    locked = _patch(world, order["id"], {"lock": "time"})
    assert locked.status_code == 200, locked.text
    assert (locked.json()["lock"], locked.json()["locked"]) == ("time", True)
    again = world.client.get(f"{API}/orders/{order['id']}", headers=world.as_("admin")).json()
    assert (again["lock"], again["locked"], again["planned_start"]) == ("time", True, start)
    # the boolean form keeps working: true keeps the (stronger) time lock, false removes any lock
    assert _patch(world, order["id"], {"locked": True}).json()["lock"] == "time"
    assert _patch(world, order["id"], {"locked": False}).json()["lock"] == "none"
    assert _patch(world, order["id"], {"locked": True}).json()["lock"] == "assignment"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lock": "forever"}, "body.lock"),
        ({"lock": None}, "body.lock"),
        ({"lock": "time", "locked": True}, "locked"),
        ({"lock": "time"}, "lock"),  # nothing planned yet: there is no time to lock
    ],
)
def test_a_bad_lock_is_a_problem_naming_the_field(world: World, body: dict[str, Any], field: str) -> None:
    order = world.new_order()
    response = _patch(world, order["id"], body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    unchanged = world.client.get(f"{API}/orders/{order['id']}", headers=world.as_("admin")).json()
    assert (unchanged["lock"], unchanged["version"]) == ("none", 1)


def test_a_replayed_field_action_keeps_the_time_it_happened(world: World) -> None:
    order = world.assigned_order()
    earlier = world.clock.now()
    world.clock.current = earlier + timedelta(minutes=30)
    response = world.act(order["id"], "accept", who="tech_a", occurred_at=(earlier + timedelta(minutes=5)).isoformat())
    assert response.status_code == 200, response.text
    history = world.client.get(f"{API}/orders/{order['id']}/history", headers=world.as_("admin")).json()
    assert datetime.fromisoformat(history[-1]["at"]) == earlier + timedelta(minutes=5)


@pytest.mark.parametrize("shift", [timedelta(hours=1), timedelta(minutes=-30)])
def test_an_unbelievable_occurred_at_is_a_problem_naming_the_field(world: World, shift: timedelta) -> None:
    order = world.assigned_order()
    at = world.clock.now() + shift
    response = world.act(order["id"], "accept", who="tech_a", occurred_at=at.isoformat())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "occurred_at"
