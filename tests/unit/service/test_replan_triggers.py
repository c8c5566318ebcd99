"""What triggers a re-plan, and the schedulers that run it."""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any

from fieldpilot.bootstrap import REPLAN_TRIGGERS, Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.domain.values import Priority, SkillRequirement
from fieldpilot.events.replans import BackgroundReplans, InlineReplans, PeriodicCommands
from fieldpilot.service import queries
from tests.builders import memory_services
from tests.unit.service.test_replan import populate


def create(services: Services, *, priority: Priority) -> str:
    created = services.bus.handle(
        cmd.CreateWorkOrder(
            customer_id="C-1",
            site_id="S-0",
            service_type="boiler-repair",
            required_skills=(SkillRequirement("boiler", 1),),
            priority=priority,
        )
    )
    return str(created["id"])


def test_an_urgent_order_triggers_a_replan_that_places_it() -> None:
    services, clock = memory_services(replan_mode="inline")
    populate(services, orders=1)  # one P2 order: already triggered once
    assert isinstance(services.replans, InlineReplans)
    order_id = create(services, priority=Priority.P1)
    order = queries.get_order(services.uow_factory, order_id, now=clock.now())
    assert order["status"] == "assigned"
    assert services.replans.results[-1]["trigger"] == f"urgent order {order_id} (P1)"


def test_a_routine_order_does_not_trigger_a_replan() -> None:
    services, _ = memory_services(replan_mode="inline")
    populate(services, orders=1)
    assert isinstance(services.replans, InlineReplans)
    runs = len(services.replans.results)
    create(services, priority=Priority.P4)
    assert len(services.replans.results) == runs


def test_inline_scheduler_retries_a_refused_plan_then_gives_up() -> None:
    calls: list[cmd.Command] = []

    def always_conflicting(command: cmd.Command) -> Any:
        calls.append(command)
        raise Conflict("changed meanwhile")

    scheduler = InlineReplans(always_conflicting)
    scheduler.request("test")
    assert len(calls) == 3
    assert scheduler.results == [{"trigger": "test", "applied": False, "refused": 3}]


def test_background_worker_coalesces_a_burst_into_few_runs_and_stops() -> None:
    seen: list[str] = []
    gate = threading.Event()

    def slow_handle(command: cmd.Command) -> dict[str, Any]:
        assert isinstance(command, cmd.Replan)
        seen.append(command.trigger)
        gate.wait(2)
        return {"applied": False}

    worker = BackgroundReplans(slow_handle, time_budget_seconds=0.1, period_seconds=None)
    worker.start()
    for i in range(10):
        worker.request(f"t{i}")
    gate.set()
    deadline = time.monotonic() + 5
    while worker.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop(timeout=5)
    assert 1 <= len(seen) <= 10
    assert "t9" in "; ".join(seen)
    assert worker.failures == 0


def test_housekeeping_runs_every_command_and_survives_a_failing_one() -> None:
    seen: list[str] = []

    def handle(command: cmd.Command) -> None:
        seen.append(type(command).__name__)
        if isinstance(command, cmd.RefreshSlaStates):
            raise RuntimeError("database went away")

    worker = PeriodicCommands(handle, [cmd.RefreshSlaStates, cmd.ExpireOffers], period_seconds=3600)
    worker.run_once()
    worker.run_once()
    assert seen == ["RefreshSlaStates", "ExpireOffers"] * 2
    assert worker.failures == 2 and worker.runs == 2


class Recording:
    """A ReplanScheduler that keeps what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []

    def request(self, trigger: str, *, orders: tuple[str, ...] = (), technicians: tuple[str, ...] = ()) -> None:
        self.requests.append((trigger, orders, technicians))


def test_triggers_say_where_the_change_is_an_urgent_order_and_the_technician_a_cancellation_freed() -> None:
    services, clock = memory_services(replan_mode="off")
    [first] = populate(services, orders=1)
    services.bus.handle(cmd.Replan(whole_region=True))
    held = queries.get_order(services.uow_factory, first, now=clock.now())
    booked = held["technician_id"]
    assert booked
    recording = Recording()
    for event_type, trigger in REPLAN_TRIGGERS.items():
        services.bus.event_handlers.setdefault(event_type, []).append(partial(trigger, replans=recording))
    urgent = create(services, priority=Priority.P1)
    assert recording.requests[-1] == (f"urgent order {urgent} (P1)", (urgent,), ())
    services.bus.handle(
        cmd.TransitionWorkOrder(order_id=first, action="cancel", expected_version=held["version"], reason="gone")
    )
    assert recording.requests[-1] == (f"cancellation of {first}", (first,), (booked,))


def test_coalesced_requests_replan_around_every_place_they_named() -> None:
    seen: list[cmd.Replan] = []
    gate = threading.Event()

    def handle(command: cmd.Command) -> dict[str, Any]:
        assert isinstance(command, cmd.Replan)
        seen.append(command)
        gate.wait(2)
        return {"applied": False}

    worker = BackgroundReplans(handle, time_budget_seconds=0.1, period_seconds=None)
    worker.start()
    worker.request("first", orders=("WO-1",))
    worker.request("second", orders=("WO-2",), technicians=("T-1",))
    worker.request("third", orders=("WO-1",))
    gate.set()
    deadline = time.monotonic() + 5
    while worker.runs < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    worker.stop(timeout=5)
    named = [(c.focus_orders, c.focus_technicians) for c in seen]
    assert set().union(*(o for o, _ in named)) == {"WO-1", "WO-2"} and ("T-1",) in [t for _, t in named]
