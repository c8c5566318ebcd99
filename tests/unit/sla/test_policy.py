"""SLA targets and policies: validation, pause reasons and picking the most specific policy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.values import CustomerTier, Priority
from fieldpilot.sla import Milestone, SlaTargets, select_policy
from tests.unit.sla.builders import a_policy


@pytest.mark.parametrize("minutes", [0, -5, True, 1.5, "60"])
def test_targets_must_be_positive_whole_minutes(minutes: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        SlaTargets(arrival=minutes)
    assert error.value.field == "arrival"


def test_targets_list_only_the_milestones_with_a_promise_in_order() -> None:
    targets = SlaTargets(resolution=480, dispatch=30)

    assert targets.items() == ((Milestone.DISPATCH, 30), (Milestone.RESOLUTION, 480))
    assert targets.minutes(Milestone.ARRIVAL) is None


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, float("nan")])
def test_at_risk_fraction_lies_strictly_between_zero_and_one(fraction: float) -> None:
    with pytest.raises(InvalidInput) as error:
        a_policy(at_risk_fraction=fraction)
    assert error.value.field == "at_risk_fraction"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": " "}, "id"),
        ({"name": ""}, "name"),
        ({"service_type": "Not A Code"}, "service_type"),
        ({"targets": SlaTargets()}, "targets"),
    ],
)
def test_rejects_invalid_policies(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        a_policy(**overrides)
    assert error.value.field == field


def test_every_hold_pauses_when_the_policy_names_no_reasons() -> None:
    assert a_policy(pause_reasons=None).pauses_for("anything")


def test_only_listed_reasons_pause() -> None:
    policy = a_policy(pause_reasons=frozenset({"customer"}))

    assert policy.pauses_for("customer")
    assert not policy.pauses_for("parts")
    assert not a_policy(pause_reasons=frozenset()).pauses_for("customer")


def test_the_most_specific_matching_policy_wins() -> None:
    default = a_policy(id="default")
    p1 = a_policy(id="p1", priority=Priority.P1)
    p1_vip = a_policy(id="p1-vip", priority=Priority.P1, tier=CustomerTier.VIP)
    p1_vip_boiler = a_policy(id="z", priority=Priority.P1, tier=CustomerTier.VIP, service_type="boiler")
    policies = [default, p1, p1_vip, p1_vip_boiler]

    def pick(priority: Priority, tier: CustomerTier, service_type: str) -> str | None:
        chosen = select_policy(policies, priority=priority, tier=tier, service_type=service_type)
        return None if chosen is None else chosen.id

    assert pick(Priority.P1, CustomerTier.VIP, "boiler") == "z"
    assert pick(Priority.P1, CustomerTier.VIP, "hvac") == "p1-vip"
    assert pick(Priority.P1, CustomerTier.STANDARD, "hvac") == "p1"
    assert pick(Priority.P3, CustomerTier.VIP, "boiler") == "default"


def test_equally_specific_policies_tie_break_by_id_whatever_their_order() -> None:
    by_priority = a_policy(id="b", priority=Priority.P2)
    by_tier = a_policy(id="a", tier=CustomerTier.VIP)

    for policies in ([by_priority, by_tier], [by_tier, by_priority]):
        chosen = select_policy(policies, priority=Priority.P2, tier=CustomerTier.VIP, service_type="hvac")
        assert chosen == by_tier


def test_no_policy_is_selected_when_none_matches() -> None:
    only_p1 = a_policy(priority=Priority.P1)

    assert select_policy([only_p1], priority=Priority.P4, tier=CustomerTier.VIP, service_type="x") is None
    assert select_policy([], priority=Priority.P1, tier=CustomerTier.VIP, service_type="x") is None


def test_policies_are_hashable_values() -> None:
    policy = a_policy()

    assert {policy, replace(policy)} == {policy}
