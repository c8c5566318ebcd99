"""The customer's tracking page: live ETA, what it shows and hides, headers, guessing limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.unit_of_work import OrderQuery
from tests.browser.conftest import PHONE, screenshot
from tests.browser.server import LiveServer, start_server


def tracking_token(server: LiveServer, order_id: str) -> str:
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        assert order is not None
        return order.tracking_token


def move(server: LiveServer, order_id: str, technician_id: str) -> None:
    """Move the visit to another technician, at the end of their day (a later ETA)."""
    headers = {"Authorization": f"Bearer {server.token('dispatcher')}"}
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
        assert order is not None
        version = order.version
    reply = httpx.post(
        f"{server.url}/web/api/moves",
        headers=headers,
        json={
            "order_id": order_id,
            "technician_id": technician_id,
            "reason": "customer's request",
            "expected_version": version,
            "drop_at": (server.clock.now() + timedelta(hours=8)).isoformat(),
        },
        timeout=10,
    )
    assert reply.status_code == 200, reply.text


def test_the_eta_updates_live_when_the_plan_changes(browser: Any, server: LiveServer) -> None:
    with server.services.uow_factory() as uow:
        promised = [o for o in uow.orders.open_orders() if o.eta_window and o.status is OrderStatus.ASSIGNED]
        order_id = promised[0].id
        target = next(t.id for t in uow.technicians.list() if t.id != promised[0].technician_id)
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        response = page.goto(f"{server.url}/track/{tracking_token(server, order_id)}")
        assert response is not None
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
        eta = page.locator("#eta")
        page.locator("#eta[data-start]:not([data-start=''])").wait_for()
        before = eta.get_attribute("data-start")
        screenshot(page, "tracking")
        move(server, order_id, target)
        page.locator(f"#eta[data-start]:not([data-start='{before}'])").wait_for(timeout=5000)
        assert eta.get_attribute("data-start") != before
    finally:
        context.close()


def test_the_page_names_and_shows_the_technician_only_while_en_route(browser: Any, server: LiveServer) -> None:
    with server.services.uow_factory() as uow:
        coming = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.EN_ROUTE}), limit=1)).items[0]
        waiting = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=1)).items[0]
    assert coming.technician_id is not None
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/track/{coming.tracking_token}")
        page.locator("#tech-section:not([hidden])").wait_for()
        # The position comes with the technician's next report, live.
        technician_user = _technician_user(server, coming.technician_id)
        reply = httpx.post(
            f"{server.url}/web/api/me/position", headers=technician_user, json={"lat": 45.76, "lon": 4.84}, timeout=10
        )
        assert reply.status_code == 204
        page.locator("#tech-map:not([hidden]) svg").wait_for()
        assert "km away" in page.locator("#tech-map").inner_text()
        text = page.locator("main").inner_text()
        assert coming.technician_id not in text and coming.id not in text  # no internal ids
        screenshot(page, "tracking-en-route")
        page.goto(f"{server.url}/track/{waiting.tracking_token}")
        page.locator("#timeline li.current").wait_for()
        assert page.locator("#tech-section").is_hidden()
    finally:
        context.close()


def _technician_user(server: LiveServer, technician_id: str) -> dict[str, str]:
    """A signed-in user for this technician (created for the test through the bus)."""
    username = f"user-{technician_id}"
    with server.services.uow_factory() as uow:
        exists = uow.users.get_by_username(username) is not None
    if not exists:
        server.services.bus.handle(
            cmd.CreateUser(
                username=username,
                password="a-long-test-password-1",
                role=cmd.Role.TECHNICIAN,
                technician_id=technician_id,
                actor="test",
            )
        )
    server.passwords[username] = "a-long-test-password-1"
    return {"Authorization": f"Bearer {server.token(username)}"}


def test_guessing_tracking_tokens_is_rate_limited() -> None:
    server = start_server()  # its own: the guard blocks this client for the rest of the window
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            codes = [client.get(f"/track/{'x' * 20}{n:04d}/data").status_code for n in range(25)]
            assert codes[0] == 404
            assert codes[-1] == 429
            reply = client.get(f"/track/{'y' * 24}")
            assert reply.status_code == 429
            assert reply.headers["cache-control"] == "no-store"
    finally:
        server.stop()


def test_a_completed_visit_can_be_rated_once(browser: Any, server: LiveServer) -> None:
    with server.services.uow_factory() as uow:
        order = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.EN_ROUTE}), limit=1)).items[0]
    for action in ("arrive", "complete"):
        with server.services.uow_factory() as uow:
            version = uow.orders.get(order.id).version  # type: ignore[union-attr]
        server.services.bus.handle(
            cmd.TransitionWorkOrder(order_id=order.id, action=action, expected_version=version, actor="test")
        )
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/track/{order.tracking_token}")
        page.locator("#rating:not([hidden])").wait_for()
        page.check("input[name=rating][value='5']")
        page.fill("#comment", "Quick and friendly")
        page.click("#rating button[type=submit]")
        page.locator("#thanks:not([hidden])").wait_for()
    finally:
        context.close()
    with server.services.uow_factory() as uow:
        rated = uow.orders.get(order.id)
    assert rated is not None and rated.rating == 5 and rated.rating_comment == "Quick and friendly"
    again = httpx.post(f"{server.url}/track/{order.tracking_token}/rating", json={"rating": 1}, timeout=10)
    assert again.status_code == 409
    wrong = httpx.post(f"{server.url}/track/{order.tracking_token}/rating", content=b"{not json", timeout=10)
    assert wrong.status_code == 422
    for reply in (again, wrong):
        assert reply.headers["cache-control"] == "no-store"
        assert reply.headers["referrer-policy"] == "no-referrer"
