"""The console's map shows the newest known position: a stored report (made through the bus, by
the API or a simulated technician's device) or the screen's own last ping, whichever is newer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fieldpilot.bootstrap import Services
from fieldpilot.domain.commands import CreateResource, ReportPosition, ResourceKind
from fieldpilot.domain.values import Location
from fieldpilot.service.fakes import FixedClock
from fieldpilot.web import board
from fieldpilot.web.live import LiveHub, Position
from tests.builders import a_skill, a_technician, memory_services


def _dot(services: Services, hub: LiveHub, clock: FixedClock) -> dict[str, Any]:
    found = board.live_map(services, hub, now=clock.now())["technicians"]
    return next(t for t in found if t["id"] == "T-1")


def test_the_map_shows_a_position_reported_through_the_bus_and_the_newer_of_two() -> None:
    services, clock = memory_services()
    tech = a_technician()
    services.bus.handle(CreateResource(kind=ResourceKind.SKILL, resource=a_skill(), actor="admin"))
    services.bus.handle(CreateResource(kind=ResourceKind.TECHNICIAN, resource=tech, actor="admin"))
    hub = LiveHub()
    at_home = _dot(services, hub, clock)

    services.bus.handle(
        ReportPosition(technician_id="T-1", location=Location(45.80, 4.70), at=clock.now(), actor="T-1")
    )
    stored = _dot(services, hub, clock)
    hub.report_position(Position("T-1", 45.81, 4.71, clock.now() + timedelta(minutes=1)))
    pinged = _dot(services, hub, clock)
    clock.current += timedelta(minutes=5)
    services.bus.handle(
        ReportPosition(technician_id="T-1", location=Location(45.82, 4.72), at=clock.now(), actor="T-1")
    )
    stored_again = _dot(services, hub, clock)

    assert (at_home["lat"], at_home["lon"], at_home["reported"]) == (tech.home_base.lat, tech.home_base.lon, False)
    assert (stored["lat"], stored["lon"], stored["reported"]) == (45.80, 4.70, True)
    assert (pinged["lat"], pinged["lon"]) == (45.81, 4.71)
    assert (stored_again["lat"], stored_again["lon"]) == (45.82, 4.72)
