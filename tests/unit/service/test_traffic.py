"""Live traffic factors: set per area through the bus, slow the trips touching the area, and
trigger a re-plan."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldpilot.bootstrap import bootstrap
from fieldpilot.config import TrafficArea
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location
from fieldpilot.events.replans import InlineReplans
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from tests.builders import memory_services, settings_for_tests

CENTRE = TrafficArea(name="centre", lat=48.8566, lon=2.3522, radius_km=2)


def services_with_areas(**settings: object):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2026, 11, 23, 10, tzinfo=UTC))
    db = MemoryDatabase()
    return bootstrap(
        settings_for_tests(traffic_areas=[CENTRE], **settings),
        uow_factory=lambda: MemoryUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(1),
        hasher=PlainHasher(),
    )


def test_a_jam_in_the_centre_slows_trips_into_it_and_is_recorded() -> None:
    services = services_with_areas()
    places = [Location(48.80, 2.30), Location(48.8566, 2.3522)]
    depart = datetime(2026, 11, 23, 10, tzinfo=UTC)
    before = services.dispatch.travel.travel_matrix(places, depart_at=depart).duration(0, 1, 0)
    result = services.bus.handle(cmd.SetTrafficFactor(area="centre", factor=2.0))
    after = services.dispatch.travel.travel_matrix(places, depart_at=depart).duration(0, 1, 0)
    assert result["changed"] is True
    assert after > before * 1.5
    with services.uow_factory() as uow:
        assert [m.payload for m in uow.outbox.pending() if m.name == "TrafficChanged"] == [
            {"area": "centre", "previous": 1.0, "current": 2.0}
        ]


def test_setting_the_same_factor_again_changes_nothing() -> None:
    services = services_with_areas()
    services.bus.handle(cmd.SetTrafficFactor(area="centre", factor=1.4))
    assert services.bus.handle(cmd.SetTrafficFactor(area="centre", factor=1.4))["changed"] is False


def test_a_traffic_change_triggers_a_replan() -> None:
    services = services_with_areas(replan_mode="inline")
    services.bus.handle(cmd.SetTrafficFactor(area="centre", factor=1.8))
    assert isinstance(services.replans, InlineReplans)
    assert services.replans.results[-1]["trigger"] == "traffic in centre x1.8 (was x1)"


@pytest.mark.parametrize(("area", "factor", "field"), [("moon", 1.5, "area"), ("centre", 50.0, "factor")])
def test_unknown_areas_and_absurd_factors_are_refused(area: str, factor: float, field: str) -> None:
    services = services_with_areas()
    with pytest.raises(InvalidInput) as caught:
        services.bus.handle(cmd.SetTrafficFactor(area=area, factor=factor))
    assert caught.value.field == field


def test_without_configured_areas_traffic_cannot_be_set() -> None:
    services, _ = memory_services()
    with pytest.raises(InvalidInput):
        services.bus.handle(cmd.SetTrafficFactor(area="centre", factor=1.5))
