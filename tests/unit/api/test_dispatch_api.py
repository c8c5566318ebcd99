"""Dispatch through the HTTP API with the engine on: an order is created and read back with its
assignment, ETA window and decision record; offers are grabbed; positions and traffic land."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.config import Settings, TrafficArea
from fieldpilot.service.fakes import FixedClock, PlainHasher, SeededSecrets, SequentialIds, StraightLineTravel
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from tests.unit.api.conftest import API, START, TestClient, World, an_order, make_world


def dispatching_services(clock: FixedClock) -> Services:
    db = MemoryDatabase()
    return bootstrap(
        Settings(
            environment="test",
            auto_dispatch=True,
            timezone="UTC",
            replan_max_iterations=200,
            traffic_areas=[TrafficArea(name="mitte", lat=52.52, lon=13.40, radius_km=2)],
        ),
        uow_factory=lambda: MemoryUnitOfWork(db, clock.now),
        clock=clock,
        ids=SequentialIds(),
        secrets=SeededSecrets(7),
        hasher=PlainHasher(),
        travel=StraightLineTravel(),
    )


@pytest.fixture
def engine_world(app: FastAPI) -> Iterator[World]:
    clock = FixedClock(START)
    services = dispatching_services(clock)
    app.state.services = services
    app.state.tracking_guard = None
    with TestClient(app) as client:
        yield make_world(client, services, clock)


def test_created_order_reads_back_with_assignment_eta_and_decision(engine_world: World) -> None:
    w = engine_world
    created = w.new_order(time_window=None)
    assert created["status"] == "assigned" and created["technician_id"] in (w.ids["tech_a"], w.ids["tech_b"])
    read = w.client.get(f"{API}/orders/{created['id']}", headers=w.as_("dispatcher"))
    assert read.headers["ETag"] == f'"{created["version"]}"'
    order = read.json()
    assert (
        order["planned_start"] and order["eta_window"]["start"] <= order["planned_start"] < order["eta_window"]["end"]
    )
    decisions = w.client.get(f"{API}/orders/{created['id']}/decisions", headers=w.as_("dispatcher")).json()
    [decision] = decisions
    assert decision["outcome"] == "assigned"
    assert decision["winner"]["technician_id"] == order["technician_id"]
    assert {"travel", "lateness", "overtime", "workload", "preference"} <= set(decision["winner"]["cost"])
    assert len(decision["runners_up"]) == 1 and decision["runners_up"][0]["lost_because"]


def test_an_offered_order_is_grabbed_by_a_technician(engine_world: World) -> None:
    w = engine_world
    created = w.new_order(time_window=None, dispatch_mode="offer")
    assert created["status"] == "new" and set(created["offered_to"]) == {w.ids["tech_a"], w.ids["tech_b"]}
    offers = w.client.get(f"{API}/me/offers", headers=w.as_("tech_b")).json()
    assert [o["id"] for o in offers] == [created["id"]]
    grabbed = w.client.post(f"{API}/orders/{created['id']}/grab", headers=w.as_("tech_b"))
    assert grabbed.status_code == 200, grabbed.text
    assert grabbed.json()["order"]["technician_id"] == w.ids["tech_b"]
    again = w.client.post(f"{API}/orders/{created['id']}/grab", headers=w.as_("tech_a"))
    assert again.status_code == 409
    assert again.json()["current_status"] == "assigned"


def test_a_technician_reports_only_their_own_position(engine_world: World) -> None:
    w = engine_world
    own = w.client.post(
        f"{API}/technicians/{w.ids['tech_a']}/position", json={"lat": 52.51, "lon": 13.38}, headers=w.as_("tech_a")
    )
    assert own.status_code == 204
    other = w.client.post(
        f"{API}/technicians/{w.ids['tech_b']}/position", json={"lat": 52.51, "lon": 13.38}, headers=w.as_("tech_a")
    )
    assert other.status_code == 403
    bad = w.client.post(
        f"{API}/technicians/{w.ids['tech_a']}/position", json={"lat": 123, "lon": 13.38}, headers=w.as_("tech_a")
    )
    assert bad.status_code == 422 and bad.json()["field"] == "body.lat"


def test_dispatchers_read_the_last_position_of_each_technician(engine_world: World) -> None:
    w = engine_world
    tech_a, tech_b = w.ids["tech_a"], w.ids["tech_b"]
    for lat in (52.51, 52.52):  # the second fix replaces the first
        reported = w.client.post(
            f"{API}/technicians/{tech_a}/position", json={"lat": lat, "lon": 13.38}, headers=w.as_("tech_a")
        )
        assert reported.status_code == 204
    w.client.post(f"{API}/technicians/{tech_b}/position", json={"lat": 52.50, "lon": 13.41}, headers=w.as_("tech_b"))

    every = w.client.get(f"{API}/positions", headers=w.as_("dispatcher"))
    one = w.client.get(f"{API}/positions", params={"technician_id": tech_b}, headers=w.as_("manager"))
    refused = w.client.get(f"{API}/positions", headers=w.as_("tech_a"))

    assert every.status_code == 200, every.text
    assert {p["technician_id"]: (p["lat"], p["lon"]) for p in every.json()} == {
        tech_a: (52.52, 13.38),
        tech_b: (52.50, 13.41),
    }
    assert all(p["at"] for p in every.json())
    assert [p["technician_id"] for p in one.json()] == [tech_b]
    assert refused.status_code == 403


def test_a_dispatcher_sets_live_traffic_and_replans(engine_world: World) -> None:
    w = engine_world
    w.new_order(time_window=None, dispatch_mode="manual")
    jam = w.client.put(f"{API}/traffic/mitte", json={"factor": 1.6}, headers=w.as_("dispatcher"))
    assert jam.status_code == 200 and jam.json()["changed"] is True
    assert w.client.get(f"{API}/traffic", headers=w.as_("manager")).json() == {"areas": {"mitte": 1.6}}
    unknown = w.client.put(f"{API}/traffic/moon", json={"factor": 1.6}, headers=w.as_("dispatcher"))
    assert unknown.status_code == 422 and unknown.json()["field"] == "area"
    replan = w.client.post(f"{API}/replan", json={"time_budget_seconds": 0.5}, headers=w.as_("dispatcher"))
    assert replan.status_code == 200, replan.text
    assert replan.json()["applied"] is True and replan.json()["assigned"] == 1
    assert replan.json()["technicians"] >= 1


def test_a_replan_around_a_focus_is_asked_for_and_bad_focus_lists_are_refused(engine_world: World) -> None:
    w = engine_world
    body = {"time_budget_seconds": 0.5, "whole_region": False, "focus_technicians": ["nobody"]}
    focused = w.client.post(f"{API}/replan", json=body, headers=w.as_("dispatcher"))
    assert focused.status_code == 200, focused.text
    assert focused.json()["technicians"] >= 1
    bad = w.client.post(f"{API}/replan", json={"focus_orders": "wo_1"}, headers=w.as_("dispatcher"))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "focus_orders" in bad.text


def test_an_order_that_nobody_can_take_explains_why(engine_world: World) -> None:
    w = engine_world
    created = w.create(
        "/orders",
        an_order(w.ids["customer"], w.ids["site"], required_skills=[{"skill": "hvac", "min_level": 5}]),
        who="dispatcher",
    )
    assert created["status"] == "new"
    [decision] = w.client.get(f"{API}/orders/{created['id']}/decisions", headers=w.as_("dispatcher")).json()
    assert decision["outcome"] == "unassigned"
    assert {c for r in decision["rejected"] for c in r["codes"]} >= {"SKILL_LEVEL_TOO_LOW"}
    assert decision["unblock"]


def test_guessing_tracking_tokens_is_rate_limited_per_client(engine_world: World) -> None:
    w = engine_world
    statuses = [w.client.get(f"{API}/track/{'x' * 20}{i:04d}").status_code for i in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429
    refused = w.client.get(f"{API}/track/{'y' * 24}")
    assert refused.status_code == 429 and refused.json()["retry_after_seconds"] == 600
    assert refused.headers["Cache-Control"] == "no-store"
