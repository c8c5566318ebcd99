"""The web layer's own logic without a browser: metadata stripping, territory outlines, the
guard on tracking tokens, the live hub, the tracking view's privacy and the CSV export."""

from __future__ import annotations

import asyncio
import base64
from concurrent.futures import ThreadPoolExecutor

import pytest

from fieldpilot.access import TokenGuard
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.events import EtaChanged
from fieldpilot.domain.work_order import OrderStatus
from fieldpilot.service.field_reports import strip_jpeg_metadata, strip_png_metadata
from fieldpilot.service.unit_of_work import OrderQuery
from fieldpilot.web import live, tracking
from fieldpilot.web.board import convex_hull
from fieldpilot.web.dashboard import dashboard, dashboard_csv
from fieldpilot.web.field import decode_image
from tests.browser.server import demo_services
from tests.browser.test_technician import JPEG_WITH_GPS


def test_jpeg_loses_its_exif_segment_and_keeps_the_image() -> None:
    stripped = strip_jpeg_metadata(JPEG_WITH_GPS)
    assert b"GPS" not in stripped and b"Exif" not in stripped
    assert stripped.startswith(b"\xff\xd8\xff\xdb") and stripped.endswith(b"\x12\x34\x56\xff\xd9")


def test_png_loses_its_text_and_exif_chunks() -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + b"\x00\x00\x00\x00"

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", b"x" * 13) + chunk(b"eXIf", b"GPS") + chunk(b"tEXt", b"where")
    png += chunk(b"IDAT", b"pixels") + chunk(b"IEND", b"")
    stripped = strip_png_metadata(png)
    assert b"GPS" not in stripped and b"where" not in stripped and b"pixels" in stripped


@pytest.mark.parametrize(
    "data_url",
    ["data:image/gif;base64,R0lGOD==", "data:text/plain;base64,aGk=", "not a data url", "data:image/jpeg;base64,@@"],
)
def test_only_jpeg_and_png_data_urls_are_accepted(data_url: str) -> None:
    with pytest.raises(InvalidInput):
        decode_image(data_url)


def test_a_jpeg_data_url_is_decoded_as_sent() -> None:
    image = decode_image("data:image/jpeg;base64," + base64.b64encode(JPEG_WITH_GPS).decode())
    assert image.media_type == "image/jpeg" and image.data == JPEG_WITH_GPS  # the handler strips it


def test_a_territory_outline_is_the_hull_of_its_sites() -> None:
    square = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5)]
    assert sorted(convex_hull(square)) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    assert convex_hull([(1.0, 1.0)]) == [(1.0, 1.0)]


def test_the_guard_blocks_a_client_after_too_many_unknown_tokens() -> None:
    guard = TokenGuard(max_misses=3)
    for _ in range(3):
        assert not guard.blocked("10.0.0.1")
        guard.miss("10.0.0.1")
    assert guard.blocked("10.0.0.1")
    assert not guard.blocked("10.0.0.2")


def test_the_hub_hands_bus_events_to_subscribers_that_accept_them() -> None:
    services, _, _, _ = demo_services(technicians=2, customers=4, orders=2)
    hub = live.hub_of(services.bus)
    assert live.hub_of(services.bus) is hub  # attached once

    async def scenario() -> list[str]:
        wanted = hub.subscribe(lambda m: m["name"] == "EtaChanged")
        everything = hub.subscribe(lambda m: True)
        hub.on_event(EtaChanged("wo_1", None, None), None)  # type: ignore[arg-type]
        hub.publish("Other", {})
        await asyncio.sleep(0)
        names = [wanted.queue.get_nowait()["name"]]
        assert wanted.queue.empty()
        names += [everything.queue.get_nowait()["name"], everything.queue.get_nowait()["name"]]
        hub.unsubscribe(wanted)
        hub.unsubscribe(everything)
        return names

    # In a thread of its own: the browser tests' Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(1) as worker:
        assert worker.submit(asyncio.run, scenario()).result(timeout=10) == ["EtaChanged", "EtaChanged", "Other"]


def test_the_tracking_view_names_the_technician_only_while_coming_or_there() -> None:
    services, _, _, _ = demo_services()
    hub = live.hub_of(services.bus)
    with services.uow_factory() as uow:
        assigned = uow.orders.search(OrderQuery(statuses=frozenset({OrderStatus.ACCEPTED}), limit=1)).items[0]
    view = tracking.tracking_page_view(services, hub, assigned.tracking_token)
    assert view["technician_first_name"] is None and view["position"] is None
    services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=assigned.id, action="start_travel", expected_version=assigned.version, actor="test"
        )
    )
    hub.report_position(live.Position(str(assigned.technician_id), 45.7, 4.8, services.deps.clock.now()))
    view = tracking.tracking_page_view(services, hub, assigned.tracking_token)
    assert view["technician_first_name"] and view["position"]["distance_km"] is not None
    assert set(view) == {"status", "eta_window", "technician_first_name", "can_rate", "rating", "position", "timeline"}


def test_the_dashboard_exports_one_row_per_figure() -> None:
    services, clock, _, _ = demo_services()
    rows = dashboard_csv(dashboard(services, now=clock.now())).splitlines()
    assert rows[0] == "section,key,value"
    assert {r.split(",")[0] for r in rows[1:]} >= {"today", "orders_by_state", "sla_attainment"}


def test_the_position_reporting_period_comes_from_the_settings() -> None:
    import warnings

    from fieldpilot.api.app import create_app
    from fieldpilot.web import create_web_router

    with warnings.catch_warnings():
        from starlette.exceptions import StarletteDeprecationWarning

        warnings.simplefilter("ignore", StarletteDeprecationWarning)
        from fastapi.testclient import TestClient

    services, _clock, passwords, _technician_id = demo_services({"position_report_seconds": 15})
    app = create_app(services=services)
    app.include_router(create_web_router(services))
    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": "technician", "password": passwords["technician"]}
        ).json()["access_token"]
        route = client.get("/web/api/me/route", headers={"Authorization": f"Bearer {token}"}).json()
    assert route["position_period_seconds"] == 15
    with pytest.raises(ValueError, match="position_period_seconds"):
        create_web_router(services, position_period_seconds=1)


def test_the_dashboard_counts_the_kilometres_behind_todays_finished_visits() -> None:
    services, clock, _, technician_id = demo_services()
    before = dashboard(services, now=clock.now())["km_driven_today"]
    with services.uow_factory() as uow:
        [order] = [
            o for o in uow.orders.search(OrderQuery(technician_id=technician_id, limit=100, sort="planned_start")).items
        ][:1]
        technician = uow.technicians.get(technician_id)
        site = uow.sites.get(order.site_id)
    assert technician is not None and site is not None
    for action in ("accept", "start_travel", "arrive", "complete"):
        with services.uow_factory() as uow:
            version = uow.orders.get(order.id).version  # type: ignore[union-attr]
        services.bus.handle(cmd.TransitionWorkOrder(order_id=order.id, action=action, expected_version=version))
    matrix = services.dispatch.travel.travel_matrix([technician.home_base, site.location], depart_at=clock.now())
    after = dashboard(services, now=clock.now())
    assert after["km_driven_today"] == pytest.approx(before + matrix.distance(0, 1) / 1000, abs=0.11)
    assert matrix.distance(0, 1) > 0
    assert "today,km_driven_today," in dashboard_csv(after)
