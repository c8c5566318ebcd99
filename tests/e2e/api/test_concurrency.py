"""Real concurrent requests against one server, on SQLite and PostgreSQL: of two clashing
requests exactly one wins and the other gets 409; nothing is half-written.

(a) two assignments of the same order to different technicians;
(b) two different orders booked into one technician's overlapping time slot.

Each race is repeated a few times; every wait is bounded (barrier, HTTP timeout, thread join).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.e2e.api.conftest import API, TIMEOUT, Live

ROUNDS = 4
BARRIER_TIMEOUT = 10.0


def race(live: Live, requests: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Fire the requests at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(requests), timeout=BARRIER_TIMEOUT)

    def run(request: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        with httpx.Client(base_url=live.base_url, timeout=TIMEOUT, headers=live.headers) as client:
            client.get(f"{API}/health")  # open the connection before the start line
            barrier.wait()
            return request(client)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(run, request) for request in requests]
        return [future.result(timeout=60) for future in futures]


def assign(order_id: str, technician_id: str, planned_start: str) -> Callable[[httpx.Client], httpx.Response]:
    def send(client: httpx.Client) -> httpx.Response:
        return client.post(
            f"{API}/orders/{order_id}/actions/assign",
            json={"technician_id": technician_id, "planned_start": planned_start},
            headers={"If-Match": '"1"'},
        )

    return send


def test_two_assignments_of_one_order_exactly_one_wins(live: Live) -> None:
    for round_ in range(ROUNDS):
        order = live.new_order()
        start = f"2030-01-0{round_ + 1}T10:00:00Z"
        responses = race(
            live,
            [assign(order["id"], live.ids["tech_a"], start), assign(order["id"], live.ids["tech_b"], start)],
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.headers["content-type"] == "application/problem+json"
        stored = live.client.get(f"{API}/orders/{order['id']}", headers=live.headers).json()
        assert (stored["technician_id"], stored["version"]) == (winner["technician_id"], 2)
        history = live.client.get(f"{API}/orders/{order['id']}/history", headers=live.headers).json()
        assert [h["action"] for h in history] == ["create", "assign"]


def test_two_orders_in_one_technicians_slot_exactly_one_wins(live: Live) -> None:
    for round_ in range(ROUNDS):
        first, second = live.new_order(), live.new_order()
        day = f"2030-02-0{round_ + 1}"
        responses = race(
            live,
            [
                assign(first["id"], live.ids["tech_a"], f"{day}T10:00:00Z"),
                assign(second["id"], live.ids["tech_a"], f"{day}T10:30:00Z"),  # overlaps the 60-minute first
            ],
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        booked = live.client.get(
            f"{API}/orders",
            params={"technician_id": live.ids["tech_a"], "status": "assigned"},
            headers=live.headers,
        ).json()
        assert booked["total"] == round_ + 1  # one booking per round, never two
