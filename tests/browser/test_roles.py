"""Role checks hold in the screens as in the API: the same permission table decides both."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.browser.conftest import sign_in
from tests.browser.server import LiveServer


def test_a_technician_is_turned_away_from_the_console(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "technician")
    page.locator("#refused").wait_for()
    assert "technician may not use the dispatcher console" in page.locator("#refused").inner_text()
    assert page.locator(".board-row").count() == 0


def test_a_manager_sees_the_board_but_cannot_move_visits(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "manager")
    page.wait_for_selector("main[data-ready]")
    assert page.locator(".visit").count() > 0
    assert page.locator(".visit.movable").count() == 0
    assert page.locator("#alerts button", has_text="Acknowledge").count() == 0


@pytest.mark.parametrize(
    ("username", "method", "path", "expected"),
    [
        ("technician", "GET", "/web/api/board", 403),
        ("technician", "GET", "/web/api/dashboard", 403),
        ("technician", "GET", "/web/api/queue", 403),
        ("manager", "POST", "/web/api/moves/preview", 403),
        ("manager", "POST", "/web/api/alerts/x/ack", 403),
        ("manager", "GET", "/web/api/me/route", 403),
        ("dispatcher", "POST", "/web/api/me/position", 403),
        (None, "GET", "/web/api/board", 401),
        (None, "GET", "/web/api/events", 401),
    ],
)
def test_the_web_endpoints_apply_the_api_permissions(
    server: LiveServer, username: str | None, method: str, path: str, expected: int
) -> None:
    headers = {"Authorization": f"Bearer {server.token(username)}"} if username else {}
    body = {"order_id": "wo_000001", "technician_id": "tech_002", "lat": 45.0, "lon": 4.0}
    reply = httpx.request(method, f"{server.url}{path}", headers=headers, json=body, timeout=10)
    assert reply.status_code == expected, reply.text


def test_a_technician_cannot_file_a_report_on_someone_elses_order(server: LiveServer) -> None:
    with server.services.uow_factory() as uow:
        other = next(o for o in uow.orders.open_orders() if o.technician_id and o.technician_id != server.technician_id)
    headers = {"Authorization": f"Bearer {server.token('technician')}"}
    reply = httpx.post(
        f"{server.url}/web/api/orders/{other.id}/field-report", headers=headers, json={"notes": "x"}, timeout=10
    )
    assert reply.status_code == 403
