"""A field report with its photo and signature, and an alert acknowledgement, made through the
screens' endpoints, are still there for a new app on the same database (a restart): nothing of
it lives in the process. Runs on SQLite (a file) and PostgreSQL."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from fieldpilot.api.app import create_app
from fieldpilot.bootstrap import bootstrap
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.values import Location, Role
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, StraightLineTravel
from fieldpilot.web import create_web_router
from tests.browser.test_technician import JPEG_WITH_GPS
from tests.builders import MONDAY_9AM, a_customer, a_site, a_skill, a_technician, settings_for_tests

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PASSWORD = "correct-horse-battery"
# A 1x1 PNG signature with a text chunk that must not survive.
SIGNATURE = (
    b"\x89PNG\r\n\x1a\n"
    + (13).to_bytes(4, "big")
    + b"IHDR"
    + b"\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    + b"\x00" * 4
    + (8).to_bytes(4, "big")
    + b"tEXt"
    + b"Location"
    + b"\x00" * 4
    + (0).to_bytes(4, "big")
    + b"IEND"
    + b"\x00" * 4
)


@contextmanager
def running_app(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    """A whole app (API and screens) over the database, as `fieldpilot serve` builds it."""
    services = bootstrap(
        settings_for_tests(database_url=database_url, auto_dispatch=False),
        clock=clock,
        secrets=SeededSecrets(5),
        hasher=PlainHasher(),
        travel=StraightLineTravel(),
    )
    app = create_app(services=services)
    app.include_router(create_web_router(services))
    try:
        with TestClient(app) as client:
            client.app_state = services  # type: ignore[attr-defined]
            yield client
    finally:
        services.dispose()


def sign_in(client: TestClient, username: str) -> dict[str, str]:
    reply = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def seed(client: TestClient) -> str:
    bus = client.app_state.bus  # type: ignore[attr-defined]
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-1", home_base=Location(48.86, 2.35))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=Location(48.85, 2.35))))
    bus.handle(cmd.CreateUser(username="tech", password=PASSWORD, role=Role.TECHNICIAN, technician_id="T-1"))
    bus.handle(cmd.CreateUser(username="dispatch", password=PASSWORD, role=Role.DISPATCHER, full_name="Dana"))
    order = bus.handle(cmd.CreateWorkOrder(customer_id="C-1", site_id="S-1", service_type="boiler-repair"))
    bus.handle(cmd.CreateWorkOrder(customer_id="C-1", site_id="S-1", service_type="boiler-repair"))  # waits
    bus.handle(
        cmd.DispatchOrder(order_id=order["id"], mode=cmd.DispatchChoice.FORCE, technician_id="T-1", reason="test")
    )
    return str(order["id"])


def data_url(media: str, data: bytes) -> str:
    return f"data:{media};base64,{base64.b64encode(data).decode()}"


def backlog_alert(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    found = client.get("/web/api/alerts", params={"backlog_threshold": 0}, headers=headers).json()
    return next(a for a in found if a["kind"] == "backlog")


def test_reports_photos_and_acknowledgements_survive_a_restart(database_url: str, clean_database: Engine) -> None:
    clock = FixedClock(MONDAY_9AM)
    with running_app(database_url, clock) as first:
        order_id = seed(first)
        tech, dispatcher = sign_in(first, "tech"), sign_in(first, "dispatch")
        reply = first.post(
            f"/web/api/orders/{order_id}/field-report",
            json={
                "notes": "Replaced the valve",
                "parts_used": {"valve-22": 1},
                "photos": [data_url("image/jpeg", JPEG_WITH_GPS)],
                "signature": data_url("image/png", SIGNATURE),
            },
            headers=tech,
        )
        assert reply.status_code == 200, reply.text
        alert = backlog_alert(first, dispatcher)
        assert alert["acknowledged_by"] is None
        ack = first.post(f"/web/api/alerts/{alert['id']}/ack", headers=dispatcher)
        assert ack.status_code == 200, ack.text
    with running_app(database_url, clock) as second:  # a new process on the same database
        tech, dispatcher = sign_in(second, "tech"), sign_in(second, "dispatch")
        route = second.get("/web/api/me/route", headers=tech).json()
        [stop] = [s for s in route["stops"] if s["id"] == order_id]
        report = stop["field_report"]
        assert report["notes"] == ["Replaced the valve"] and report["parts_used"] == {"valve-22": 1}
        assert (report["photos"], report["signed"]) == (1, True)
        photo = second.get(f"/web/api/orders/{order_id}/field-report/photos/0", headers=dispatcher)
        assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
        assert photo.content.startswith(b"\xff\xd8") and b"GPS" not in photo.content
        assert second.get(f"/web/api/orders/{order_id}/field-report/photos/1", headers=dispatcher).status_code == 404
        alert = backlog_alert(second, dispatcher)
        assert alert["acknowledged_by"] == "dispatch" and alert["acknowledged_at"] == MONDAY_9AM.isoformat()
