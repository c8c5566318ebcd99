"""The customer's tracking link: only status, ETA window, technician first name and the rating
form; never cached or leaked through Referer; the same 404 for every unknown token."""

from __future__ import annotations

from tests.unit.api.conftest import API, World

TRACKING_KEYS = {"status", "eta_window", "technician_first_name", "can_rate", "rating"}


def test_tracking_shows_only_the_allowed_keys(world: World) -> None:
    order = world.assigned_order("tech_a")
    response = world.client.get(f"{API}/track/{order['tracking_token']}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == TRACKING_KEYS
    assert body["status"] == "assigned"
    assert body["technician_first_name"] == "Ada"
    assert body["can_rate"] is False
    assert "Lovelace" not in response.text
    assert order["id"] not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_unknown_tokens_all_get_the_same_404(world: World) -> None:
    world.new_order()
    responses = [
        world.client.get(f"{API}/track/{token}") for token in ("A" * 24, "B" * 24, "short", "has space", "x" * 300)
    ]
    assert {r.status_code for r in responses} == {404}
    assert len({r.text for r in responses}) == 1
    assert "instance" not in responses[0].json()
    assert responses[0].headers["cache-control"] == "no-store"
    assert responses[0].headers["referrer-policy"] == "no-referrer"


def test_a_completed_order_can_be_rated_once(world: World) -> None:
    world.create("/sla-policies", {"name": "24x7", "targets": {"resolution": 480}})
    order = world.assigned_order("tech_a")
    token = order["tracking_token"]
    early = world.client.post(f"{API}/track/{token}/rating", json={"rating": 5})
    assert early.status_code == 409
    for action in ("accept", "start_travel", "arrive", "complete"):
        assert world.act(order["id"], action, who="tech_a").status_code == 200
    assert world.client.get(f"{API}/track/{token}").json()["can_rate"] is True
    invalid = world.client.post(f"{API}/track/{token}/rating", json={"rating": 6})
    assert (invalid.status_code, invalid.json()["field"]) == (422, "body.rating")
    rated = world.client.post(f"{API}/track/{token}/rating", json={"rating": 4, "comment": "quick and tidy"})
    assert rated.status_code == 200
    assert rated.headers["cache-control"] == "no-store"
    assert world.client.get(f"{API}/track/{token}").json() | {} == {
        "status": "completed",
        "eta_window": None,
        "technician_first_name": "Ada",
        "can_rate": False,
        "rating": 4,
    }
    assert world.client.post(f"{API}/track/{token}/rating", json={"rating": 1}).status_code == 409
    shown = world.client.get(f"{API}/orders/{order['id']}", headers=world.as_("manager")).json()
    assert (shown["rating"], shown["rating_comment"]) == (4, "quick and tidy")
