"""Technicians' latest positions: the newest report wins, a late older one never overwrites it."""

from __future__ import annotations

from datetime import timedelta

from fieldpilot.domain.values import Location
from fieldpilot.service.unit_of_work import TechnicianPosition
from tests.integration.storage import builders as b


def at(minutes: int, technician_id: str = "tech-1", lat: float = 48.0) -> TechnicianPosition:
    return TechnicianPosition(technician_id, Location(lat, 2.0), b.T0 + timedelta(minutes=minutes))


def test_newest_report_per_technician_is_kept(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.positions.add(at(5, lat=48.5))
        uow.positions.add(at(1, lat=48.1))
        uow.positions.add(at(3, "tech-2"))
        assert uow.positions.latest() == {"tech-1": at(5, lat=48.5), "tech-2": at(3, "tech-2")}
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.positions.latest() == {"tech-1": at(5, lat=48.5), "tech-2": at(3, "tech-2")}
        assert uow.positions.latest(["tech-2", "tech-9"]) == {"tech-2": at(3, "tech-2")}
        assert uow.positions.latest([]) == {}


def test_a_late_older_report_does_not_overwrite_a_newer_one(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.positions.add(at(10, lat=48.9))
        uow.commit()
    with sql_uow_factory() as uow:
        uow.positions.add(at(4, lat=48.4))
        uow.commit()
    with sql_uow_factory() as uow:
        uow.positions.add(at(12, lat=48.2))
        assert uow.positions.latest()["tech-1"] == at(12, lat=48.2)
        uow.commit()
    with sql_uow_factory() as uow:
        assert uow.positions.latest() == {"tech-1": at(12, lat=48.2)}


def test_reports_are_not_written_without_commit(sql_uow_factory):
    with sql_uow_factory() as uow:
        uow.positions.add(at(1))
    with sql_uow_factory() as uow:
        assert uow.positions.latest() == {}
