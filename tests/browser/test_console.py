"""The dispatcher console in Chromium: the four panels, drag-and-drop checked by the engine,
order detail with its decision record, keyboard use, and a wall-screen layout."""

from __future__ import annotations

from typing import Any

import httpx

from fieldpilot.domain.commands import DispatchOrder, Image, RecordFieldReport
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.unit_of_work import OrderQuery
from tests.browser.conftest import screenshot, sign_in
from tests.browser.server import LiveServer, start_server
from tests.browser.test_technician import JPEG_WITH_GPS


def a_move_that_breaks_a_rule(server: LiveServer) -> tuple[str, str, str]:
    """(order, from technician, to technician) where the engine reports a missing skill."""
    headers = {"Authorization": f"Bearer {server.token('dispatcher')}"}
    board = httpx.get(f"{server.url}/web/api/board", headers=headers, timeout=10).json()
    for row in board["technicians"]:
        for visit in (v for v in row["visits"] if v["movable"] and row["technician_id"] != server.technician_id):
            for other in board["technicians"]:
                if other["technician_id"] in (row["technician_id"], server.technician_id):
                    continue
                preview = httpx.post(
                    f"{server.url}/web/api/moves/preview",
                    headers=headers,
                    json={"order_id": visit["order_id"], "technician_id": other["technician_id"]},
                    timeout=10,
                ).json()
                if any(b["code"] == "SKILL_MISSING" for b in preview["broken"]):
                    return visit["order_id"], row["technician_id"], other["technician_id"]
    raise AssertionError("the demo day has no move that breaks a skill rule")


def drag(page: Any, source: str, target: str) -> None:
    start = page.locator(source).bounding_box()
    lane = page.locator(target).bounding_box()
    assert start and lane
    page.mouse.move(start["x"] + 5, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(lane["x"] + lane["width"] * 0.6, lane["y"] + lane["height"] / 2, steps=8)
    page.mouse.up()


def test_console_shows_queue_map_board_and_alerts(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    assert page.locator("#queue li").count() > 0
    assert page.locator("#alerts li").count() > 0
    assert page.locator("#map svg .tech-dot").count() == 8
    assert page.locator("#map svg .territory").count() >= 1  # drawn without any tile server
    assert page.locator(".board-row").count() == 8
    first, second = (page.locator("#queue li .countdown").nth(i).inner_text() for i in (0, 1))
    assert first and second  # live countdowns, soonest deadline first
    page.wait_for_selector("#live-status.on")
    screenshot(page, "console", docs=True)


def test_dragging_a_visit_shows_what_it_breaks_then_moves_it_with_a_reason(page: Any, server: LiveServer) -> None:
    order_id, _, target = a_move_that_breaks_a_rule(server)
    with server.services.uow_factory() as uow:
        before = uow.orders.get(order_id)
    assert before is not None
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    drag(page, f".visit[data-order='{order_id}']", f".lane[data-technician='{target}']")
    warning = page.locator("#move-broken li").first
    warning.wait_for()
    assert "skill" in warning.inner_text().lower()
    assert "Cost change" in page.locator("#move-cost").inner_text()
    screenshot(page, "console-move-warning")
    page.fill("#move-reason", "customer asked for this technician")
    page.click("#move-confirm")
    page.locator(f".lane[data-technician='{target}'] .visit[data-order='{order_id}']").wait_for()
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    assert order is not None and order.technician_id == target
    assert order.history[-1].reason == "customer asked for this technician"
    # One atomic reassignment (MoveVisit), not an unassign followed by a forced assignment.
    assert [h.action for h in order.history[len(before.history) :]] == ["reassign"]
    assert order.version == before.version + 1


def test_cancelling_a_move_changes_nothing(page: Any, server: LiveServer) -> None:
    order_id, source, target = a_move_that_breaks_a_rule(server)
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    drag(page, f".visit[data-order='{order_id}']", f".lane[data-technician='{target}']")
    page.locator("#move-broken li").first.wait_for()
    page.click("#move-cancel")
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    assert order is not None and order.technician_id == source


def test_a_visit_opens_its_decision_record_and_history(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    page.dblclick(f".lane[data-technician='{server.technician_id}'] .visit >> nth=0")
    body = page.locator("#order-body")
    body.locator(".summary", has_text="Forced onto").wait_for()
    assert "browser test set-up" in body.inner_text()  # the forced dispatch's reason, in the history


def test_an_engine_decision_shows_runners_up_and_why_not_the_others(page: Any, server: LiveServer) -> None:
    with server.services.uow_factory() as uow:
        waiting = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.NEW}), limit=100)).items
    result = None
    for order in waiting:
        result = server.services.bus.handle(DispatchOrder(order_id=order.id, actor="test"))
        if result["decision"]["outcome"] == "assigned" and result["decision"]["runners_up"]:
            break
    assert result is not None
    order_id = result["order"]["id"]
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    page.dblclick(f".visit[data-order='{order_id}']")
    body = page.locator("#order-body")
    body.locator("text=Runners-up").wait_for()
    assert f"{order_id} goes to" in body.inner_text()
    if result["decision"]["rejected"]:
        assert "Why not the others" in body.inner_text()
    screenshot(page, "console-order-detail")


def test_the_keyboard_reaches_the_queue_and_opens_an_order(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "queue-filter"
    page.keyboard.press("Escape")
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")
    selected = page.locator("#queue li[aria-selected='true']")
    assert selected.count() == 1
    order_id = selected.get_attribute("data-order")
    page.keyboard.press("Enter")
    page.locator("#order-title", has_text=str(order_id)).wait_for()


def test_the_console_fills_a_wall_screen(browser: Any, server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 2560, "height": 1440})
    page = context.new_page()
    try:
        sign_in(page, server, "/console", "dispatcher")
        page.wait_for_selector("main[data-ready]")
        box = page.locator("#board-panel").bounding_box()
        assert box and box["width"] > 1200
        screenshot(page, "console-wall")
    finally:
        context.close()


def test_the_map_follows_a_technicians_position_live(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    dot = page.locator(f".tech-dot[data-technician='{server.technician_id}']")
    before = dot.get_attribute("cx")
    headers = {"Authorization": f"Bearer {server.token('technician')}"}
    reply = httpx.post(
        f"{server.url}/web/api/me/position", headers=headers, json={"lat": 45.80, "lon": 4.70}, timeout=10
    )
    assert reply.status_code == 204
    page.locator(f".tech-dot[data-technician='{server.technician_id}']:not([cx='{before}'])").wait_for(timeout=5000)


def test_a_visit_can_be_moved_with_the_keyboard(page: Any, server: LiveServer) -> None:
    order_id, _, _ = a_move_that_breaks_a_rule(server)
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    page.focus(f".visit[data-order='{order_id}']")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.locator("#move-cost").wait_for()
    page.click("#move-cancel")


def test_the_map_uses_a_tile_server_when_one_is_configured(browser: Any) -> None:
    tiles = start_server(tile_url="http://127.0.0.1:9/tiles/{z}/{x}/{y}.png")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, tiles, "/console", "dispatcher")
        page.wait_for_selector("main[data-ready]")
        first = page.locator("#map svg image").first
        assert str(first.get_attribute("href")).startswith("http://127.0.0.1:9/tiles/")
        assert page.locator("#map svg .tech-dot").count() == 8
    finally:
        context.close()
        tiles.stop()


def test_an_alert_is_acknowledged_and_the_acknowledgement_is_kept(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    alert = page.locator("#alerts li:not(.acked)").first
    alert_id = alert.get_attribute("data-alert")
    assert alert_id
    alert.locator("button", has_text="Acknowledge").click()
    page.locator(f"#alerts li.acked[data-alert='{alert_id}']", has_text="ack: dispatcher").wait_for()
    with server.services.uow_factory() as uow:
        ack = uow.alert_acks.get_many([alert_id])[alert_id]
    assert ack.name == "dispatcher" and ack.at == server.clock.now()


def test_the_order_detail_shows_the_technicians_field_report(page: Any, server: LiveServer) -> None:
    sign_in(page, server, "/console", "dispatcher")
    page.wait_for_selector("main[data-ready]")
    visit = page.locator(f".lane[data-technician='{server.technician_id}'] .visit").first
    order_id = visit.get_attribute("data-order")
    assert order_id
    server.services.bus.handle(
        RecordFieldReport(
            actor="test",
            order_id=order_id,
            notes="Pressure back to 1.5 bar",
            parts_used={"gasket": 2},
            photos=(Image("image/jpeg", JPEG_WITH_GPS),),
        )
    )
    visit.dblclick()
    report = page.locator("#field-report")
    report.locator("img.thumb").wait_for()
    assert "Pressure back to 1.5 bar" in report.inner_text() and "gasket × 2" in report.inner_text()
    screenshot(page, "console-order-detail")
