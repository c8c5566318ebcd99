"""The console's move endpoints refuse a drop time without a UTC offset with a problem naming it."""

from __future__ import annotations

from fieldpilot.api.app import create_app
from fieldpilot.bootstrap import Services
from fieldpilot.service.fakes import FixedClock
from fieldpilot.web import create_web_router
from tests.unit.api.conftest import TestClient, make_world


def test_a_drop_time_without_an_offset_is_a_problem_naming_drop_at(services: Services, clock: FixedClock) -> None:
    app = create_app(services=services)
    app.include_router(create_web_router(services))
    with TestClient(app) as client:
        world = make_world(client, services, clock)
        order = world.assigned_order()
        for path, extra in (("/web/api/moves/preview", {}), ("/web/api/moves", {"expected_version": order["version"]})):
            body = {"order_id": order["id"], "technician_id": world.ids["tech_b"], "drop_at": "2026-03-02T10:00:00"}
            response = client.post(path, json={**body, **extra}, headers=world.headers["dispatcher"])

            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "drop_at" in response.text
