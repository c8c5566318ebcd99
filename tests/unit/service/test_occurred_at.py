"""Field actions replayed from a technician's device carry when they happened (`occurred_at`):
the history, milestones and SLA log use that time; unbelievable times are refused by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fieldpilot.bootstrap import Services
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.commands import ResourceKind
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import Location, SkillRequirement
from fieldpilot.service import queries
from fieldpilot.service.fakes import FixedClock
from tests.builders import a_customer, a_site, a_skill, a_technician, an_sla_policy, memory_services


@pytest.fixture
def world() -> tuple[Services, FixedClock, str]:
    services, clock = memory_services(auto_dispatch=True)
    bus = services.bus
    bus.handle(cmd.CreateResource(ResourceKind.SKILL, a_skill("boiler")))
    bus.handle(cmd.CreateResource(ResourceKind.SLA_POLICY, an_sla_policy()))
    bus.handle(cmd.CreateResource(ResourceKind.TECHNICIAN, a_technician(id="T-1", home_base=Location(48.86, 2.35))))
    bus.handle(cmd.CreateResource(ResourceKind.CUSTOMER, a_customer()))
    bus.handle(cmd.CreateResource(ResourceKind.SITE, a_site(location=Location(48.8566, 2.3522))))
    view = bus.handle(
        cmd.CreateWorkOrder(
            customer_id="C-1",
            site_id="S-1",
            service_type="boiler-repair",
            required_skills=(SkillRequirement("boiler", 2),),
        )
    )
    assert view["status"] == "assigned"
    return services, clock, str(view["id"])


def act(services: Services, order_id: str, action: str, at: datetime | None, reason: str = "") -> None:
    order = queries.load_order(services.uow_factory, order_id)
    services.bus.handle(
        cmd.TransitionWorkOrder(
            order_id=order_id, action=action, expected_version=order.version, reason=reason, occurred_at=at
        )
    )


def test_actions_replayed_later_are_filed_at_the_time_they_happened(world: tuple[Services, FixedClock, str]) -> None:
    services, clock, order_id = world
    start = clock.now()
    times = {
        "accept": start + timedelta(minutes=2),
        "start_travel": start + timedelta(minutes=5),
        "arrive": start + timedelta(minutes=31),
        "complete": start + timedelta(minutes=75),
    }
    clock.current = start + timedelta(hours=3)  # the phone came back online much later
    for action, at in times.items():
        act(services, order_id, action, at)
    order = queries.load_order(services.uow_factory, order_id)
    assert [(h.action, h.at) for h in order.history][-4:] == list(times.items())
    assert order.milestones["arrival"] == times["arrive"]
    assert order.milestones["resolution"] == times["complete"]
    assert order.milestones["first_contact"] == times["accept"]


def test_a_hold_replayed_later_pauses_the_sla_clock_when_it_happened(world: tuple[Services, FixedClock, str]) -> None:
    services, clock, order_id = world
    held = clock.now() + timedelta(minutes=10)
    clock.current = held + timedelta(hours=1)
    act(services, order_id, "hold", held, reason="awaiting parts")
    order = queries.load_order(services.uow_factory, order_id)
    assert order.sla_log[-1].kind.value == "pause" and order.sla_log[-1].at == held


def test_without_occurred_at_the_action_happens_now(world: tuple[Services, FixedClock, str]) -> None:
    services, clock, order_id = world
    clock.current = clock.now() + timedelta(minutes=7)
    act(services, order_id, "accept", None)
    assert queries.load_order(services.uow_factory, order_id).history[-1].at == clock.now()


@pytest.mark.parametrize(
    ("shift", "words"),
    [
        (timedelta(minutes=10), "in the future"),  # beyond the devices' clock skew
        (timedelta(minutes=-1), "before the order's previous change"),
    ],
)
def test_unbelievable_times_are_refused_naming_the_field(
    world: tuple[Services, FixedClock, str], shift: timedelta, words: str
) -> None:
    services, clock, order_id = world
    before = queries.load_order(services.uow_factory, order_id)
    with pytest.raises(InvalidInput) as refused:
        act(services, order_id, "accept", clock.now() + shift)
    assert refused.value.field == "occurred_at" and words in refused.value.message
    assert queries.load_order(services.uow_factory, order_id).version == before.version


def test_a_small_clock_skew_is_tolerated(world: tuple[Services, FixedClock, str]) -> None:
    services, clock, order_id = world
    act(services, order_id, "accept", clock.now() + timedelta(seconds=60))
    order = queries.load_order(services.uow_factory, order_id)
    assert order.status.value == "accepted"
    assert order.history[-1].at == clock.now()  # filed as now, never in the future


def test_a_time_without_offset_is_refused(world: tuple[Services, FixedClock, str]) -> None:
    services, clock, order_id = world
    with pytest.raises(InvalidInput) as refused:
        act(services, order_id, "accept", clock.now().astimezone(UTC).replace(tzinfo=None))
    assert refused.value.field == "occurred_at"
