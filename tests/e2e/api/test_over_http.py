"""The API end to end over SQLite and PostgreSQL: lifecycle with history, concurrency headers,
idempotent creation, filters, SLA state and the tracking link, all through real HTTP."""

from __future__ import annotations

from tests.e2e.api.conftest import API, Live


def test_lifecycle_history_and_tracking(live: Live) -> None:
    live.create("/sla-policies", {"name": "24x7", "targets": {"dispatch": 60, "resolution": 480}})
    order = live.new_order(description="Boiler makes a noise", custom_fields={"po": "4711", "floor": 2})
    assert order["sla"]["state"] == "ok"
    version = order["version"]
    steps = [
        ("assign", {"technician_id": live.ids["tech_a"], "planned_start": "2030-01-07T10:00:00Z"}),
        ("accept", {}),
        ("hold", {"reason": "waiting for parts"}),
        ("resume", {}),
        ("start_travel", {}),
        ("arrive", {}),
        ("complete", {}),
    ]
    for action, body in steps:
        response = live.post(f"/orders/{order['id']}/actions/{action}", body, **{"If-Match": f'"{version}"'})
        assert response.status_code == 200, (action, response.text)
        assert response.headers["etag"] == f'"{version + 1}"'
        version += 1
    illegal = live.post(f"/orders/{order['id']}/actions/start_travel", {}, **{"If-Match": f'"{version}"'})
    assert illegal.status_code == 409
    assert illegal.json()["current_status"] == "completed"
    history = live.client.get(f"{API}/orders/{order['id']}/history", headers=live.headers).json()
    assert [h["to_status"] for h in history] == [
        "new",
        "assigned",
        "accepted",
        "on_hold",
        "accepted",
        "en_route",
        "on_site",
        "completed",
    ]
    tracked = live.client.get(f"{API}/track/{order['tracking_token']}")
    assert tracked.json()["technician_first_name"] == "tech_a"
    assert tracked.headers["cache-control"] == "no-store"
    rated = live.client.post(f"{API}/track/{order['tracking_token']}/rating", json={"rating": 5})
    assert rated.status_code == 200


def test_versions_and_idempotency_keys_hold_in_the_database(live: Live) -> None:
    order = live.new_order()
    url = f"{API}/orders/{order['id']}"
    assert live.client.patch(url, json={"priority": "P1"}, headers=live.headers).status_code == 428
    ok = live.client.patch(url, json={"priority": "P1"}, headers={**live.headers, "If-Match": '"1"'})
    assert (ok.status_code, ok.json()["priority"]) == (200, "P1")
    stale = live.client.patch(url, json={"priority": "P4"}, headers={**live.headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    key = {"Idempotency-Key": "e2e-1"}
    first = live.post("/customers", {"name": "Once"}, **key)
    again = live.post("/customers", {"name": "Once"}, **key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert live.post("/customers", {"name": "Twice"}, **key).status_code == 422
    policy = live.post("/sla-policies", {"name": "std", "targets": {"resolution": 60}}, **{"Idempotency-Key": "p"})
    assert policy.status_code == 201, policy.text
    replay = live.post("/sla-policies", {"name": "std", "targets": {"resolution": 60}}, **{"Idempotency-Key": "p"})
    assert replay.json() == policy.json()


def test_lists_filter_and_paginate_in_the_database(live: Live) -> None:
    made = [live.new_order(priority=f"P{1 + i % 4}")["id"] for i in range(6)]
    seen: list[str] = []
    for offset in (0, 4):
        page = live.client.get(
            f"{API}/orders", params={"sort": "priority", "offset": offset, "limit": 4}, headers=live.headers
        ).json()
        assert page["total"] == 6
        seen += [o["id"] for o in page["items"]]
    assert sorted(seen) == sorted(made)
    p1 = live.client.get(f"{API}/orders", params={"priority": "P1"}, headers=live.headers).json()
    assert {o["priority"] for o in p1["items"]} == {"P1"}
    assert p1["total"] == 2


def test_triage_rules_and_sla_policies_are_stored_and_changed_with_versions(live: Live) -> None:
    live.create("/triage-rules", {"name": "leaks", "keywords": ["leak"], "priority": "P1", "duration_minutes": 30})
    order = live.create(
        "/orders",
        {
            "customer_id": live.ids["customer"],
            "site_id": live.ids["site"],
            "service_type": "repair",
            "description": "Water leak in the kitchen",
        },
    )
    assert (order["priority"], order["estimated_duration_minutes"]) == ("P1", 30)
    policy = live.create("/sla-policies", {"name": "std", "targets": {"resolution": 120}})
    url = f"{API}/sla-policies/{policy['id']}"
    changed = live.client.patch(url, json={"name": "standard"}, headers={**live.headers, "If-Match": '"1"'})
    assert (changed.status_code, changed.json()["name"], changed.headers["etag"]) == (200, "standard", '"2"')
    stale = live.client.delete(url, headers={**live.headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert live.client.delete(url, headers={**live.headers, "If-Match": '"2"'}).status_code == 204
