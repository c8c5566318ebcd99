"""The technician's app on a phone: the day's route, offline actions replayed in order when the
connection returns, conflicts shown rather than lost, field reports with photos stripped of
their location, position reports while on shift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.work_order import OrderStatus
from tests.browser.conftest import PHONE, screenshot, sign_in
from tests.browser.server import LiveServer, give_work

# A JPEG's structure with an EXIF segment that carries a GPS position (enough for the stripper).
EXIF = b"Exif\x00\x00GPSLatitude=45.7640;GPSLongitude=4.8357"
JPEG_WITH_GPS = (
    b"\xff\xd8"
    + b"\xff\xe1"
    + (len(EXIF) + 2).to_bytes(2, "big")
    + EXIF
    + b"\xff\xdb\x00\x04\x00\x00"
    + b"\xff\xda\x00\x02"
    + b"\x12\x34\x56"
    + b"\xff\xd9"
)


@pytest.fixture
def phone(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE,
        geolocation={"latitude": 45.75, "longitude": 4.85},
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, server, "/technician", "technician")
    page.locator("main[data-synced] .stop").first.wait_for()
    yield page
    context.close()


def status_of(server: LiveServer, order_id: str) -> OrderStatus:
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    assert order is not None
    return order.status


def test_the_route_lists_todays_visits_with_eta_and_navigation(phone: Any, server: LiveServer) -> None:
    stops = phone.locator(".stop")
    assert stops.count() == 2
    assert "ETA" in stops.first.inner_text()
    assert phone.locator(".stop a", has_text="Navigate").first.get_attribute("href", timeout=1000)
    stops.first.locator("button", has_text="Details").click()
    assert "Required parts" in phone.locator("#detail").inner_text()
    assert phone.locator("#detail #customer-history").count() == 1
    assert "Customer history" in phone.locator("#detail").inner_text()
    screenshot(phone, "technician")


def test_a_visit_completed_offline_reaches_the_server_when_back_online(phone: Any, server: LiveServer) -> None:
    stop = phone.locator(".stop").first
    order_id = stop.get_attribute("data-order")
    assert order_id
    offline_from = server.clock.now()
    phone.context.set_offline(True)
    phone.locator("#net", has_text="offline").wait_for()
    for action in ("accept", "start_travel", "arrive", "complete"):
        phone.locator(f".stop[data-order='{order_id}'] button[data-action='{action}']").click()
    assert phone.locator("#pending").inner_text() == "4"
    assert status_of(server, order_id) is OrderStatus.ASSIGNED  # nothing left the phone
    screenshot(phone, "technician-offline")
    # The connection comes back later (the clock stays there: time does not run backwards, and
    # the phone's next position report must be newer than the check-out it replayed).
    server.clock.current = offline_from + timedelta(minutes=40)
    phone.context.set_offline(False)
    phone.locator("main[data-pending='0']").wait_for()
    phone.locator(f".stop[data-order='{order_id}'][data-status='completed']").wait_for()
    assert status_of(server, order_id) is OrderStatus.COMPLETED
    with server.services.uow_factory() as uow:
        order = uow.orders.get(order_id)
    assert order is not None
    replayed = order.history[-4:]
    assert [h.action for h in replayed] == ["accept", "start_travel", "arrive", "complete"]
    # Filed at the time the technician tapped, offline (the phone's clock read against the
    # server's), not when the connection returned 40 minutes later.
    for entry in replayed:
        assert offline_from <= entry.at < offline_from + timedelta(minutes=5), entry
    assert [h.at for h in replayed] == sorted(h.at for h in replayed)
    assert order.milestones["arrival"] == replayed[2].at
    assert order.milestones["resolution"] == replayed[3].at


def test_an_order_reassigned_meanwhile_is_shown_as_a_conflict(phone: Any, server: LiveServer) -> None:
    stop = phone.locator(".stop[data-status='assigned']").first
    order_id = stop.get_attribute("data-order")
    assert order_id
    phone.context.set_offline(True)
    phone.locator("#net", has_text="offline").wait_for()
    stop.locator("button[data-action='accept']").click()
    with server.services.uow_factory() as uow:
        version = uow.orders.get(order_id).version  # type: ignore[union-attr]
    server.services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=order_id, action="unassign", expected_version=version, reason="urgent job", actor="test"
        )
    )
    phone.context.set_offline(False)
    conflict = phone.locator("#conflicts li").first
    conflict.wait_for()
    assert order_id in conflict.inner_text() and "not applied" in conflict.inner_text()
    assert phone.locator("#pending").inner_text() == "0"
    assert status_of(server, order_id) is OrderStatus.NEW
    screenshot(phone, "technician-conflict")


def test_a_field_report_keeps_the_photo_without_its_location(browser: Any, server: LiveServer) -> None:
    (order_id,) = give_work(server.services, server.technician_id, count=1)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, server, "/technician", "technician")
        stop = page.locator(f"main[data-synced] .stop[data-order='{order_id}']")
        stop.locator("button", has_text="Details").click()
        page.fill("#notes", "Replaced the valve")
        page.fill("#parts", "gas_valve x1")
        page.set_input_files(
            "#photos", files=[{"name": "valve.jpg", "mimeType": "image/jpeg", "buffer": JPEG_WITH_GPS}]
        )
        box = page.locator("#signature").bounding_box()
        assert box
        page.mouse.move(box["x"] + 20, box["y"] + 40)
        page.mouse.down()
        page.mouse.move(box["x"] + 120, box["y"] + 80, steps=5)
        page.mouse.up()
        page.click("#save-report")
        page.locator("#report-summary", has_text="1 photo(s), signed").wait_for()
    finally:
        context.close()
    headers = {"Authorization": f"Bearer {server.token('dispatcher')}"}
    photo = httpx.get(f"{server.url}/web/api/orders/{order_id}/field-report/photos/0", headers=headers, timeout=10)
    assert photo.status_code == 200
    assert photo.content.startswith(b"\xff\xd8") and b"GPS" not in photo.content and b"Exif" not in photo.content


def test_the_app_reports_its_position_while_on_shift(phone: Any, server: LiveServer) -> None:
    headers = {"Authorization": f"Bearer {server.token('dispatcher')}"}
    live = httpx.get(f"{server.url}/web/api/map", headers=headers, timeout=10).json()
    me = next(t for t in live["technicians"] if t["id"] == server.technician_id)
    assert me["reported"] and (me["lat"], me["lon"]) == (45.75, 4.85)


def test_the_app_opens_offline_from_its_service_worker(phone: Any, server: LiveServer) -> None:
    assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()
    phone.locator("main[data-synced] .stop").first.wait_for()
    phone.context.set_offline(True)
    phone.reload()
    phone.locator(".stop").first.wait_for()
    assert "offline" in phone.locator("#net").inner_text()
    phone.context.set_offline(False)


def test_a_hold_needs_a_reason_and_keeps_it(phone: Any, server: LiveServer) -> None:
    (order_id,) = give_work(server.services, server.technician_id, count=1)
    phone.reload()
    stop = phone.locator(f"main[data-synced] .stop[data-order='{order_id}']")
    stop.locator("button[data-action='hold']").click()
    phone.fill(f"#hold-{order_id}", "customer not at home")
    phone.locator(".hold-form button[type=submit]").click()
    phone.locator(f".stop[data-order='{order_id}'][data-status='on_hold']").wait_for()
    phone.locator("main[data-pending='0']").wait_for()
    with server.services.uow_factory() as uow:
        order = uow.orders.get(str(order_id))
    assert order is not None and order.status is OrderStatus.ON_HOLD
    assert order.hold_reason == "customer not at home"
