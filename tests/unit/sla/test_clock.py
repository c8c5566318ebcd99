"""The SLA clock on named scenarios (office hours in Berlin, Monday 30 November 2026 onwards)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

import pytest

from fieldpilot.domain.errors import InvalidInput, NotFound
from fieldpilot.domain.work_order import SlaLogEntry
from fieldpilot.sla import (
    BusinessCalendar,
    Milestone,
    MilestoneState,
    MilestoneStatus,
    SlaState,
    SlaStatus,
    SlaTargets,
    compute_sla,
    sla_status_to_dict,
)
from tests.unit.sla.builders import BERLIN, a_policy, local, pause, resume, start, switch

P3 = a_policy()  # office hours; dispatch 60, first contact 120, arrival 240, resolution 480 minutes
P1 = a_policy(
    id="p1",
    name="P1 urgent",
    targets=SlaTargets(dispatch=15, resolution=240),
    calendar=BusinessCalendar.always(BERLIN),
    pause_reasons=frozenset({"parts"}),
)
POLICIES = {"p3": P3, "p1": P1}


def sla(log: Sequence[SlaLogEntry], now: str, *, met: Mapping[str, str] | None = None) -> SlaStatus:
    milestones = {name: local(text) for name, text in (met or {}).items()}
    return compute_sla(log, policies=POLICIES, milestones=milestones, now=local(now))


def of(status: SlaStatus, milestone: Milestone) -> MilestoneStatus:
    found = status.milestone(milestone)
    assert found is not None
    return found


def test_deadlines_cross_the_weekend() -> None:
    status = sla([start(local("2026-11-27 15:00"))], "2026-11-27 15:30")

    assert [m.deadline for m in status.milestones] == [
        local("2026-11-27 16:00"),
        local("2026-11-27 17:00"),
        local("2026-11-30 10:00"),
        local("2026-11-30 14:00"),
    ]
    assert status.next_deadline == local("2026-11-27 16:00")
    assert (status.state, status.elapsed_seconds, status.paused) == (SlaState.OK, 1800, False)


def test_a_pause_across_closing_time_resumes_exactly() -> None:
    log = [
        start(local("2026-11-30 15:00")),
        pause(local("2026-11-30 16:30")),
        resume(local("2026-12-01 10:00")),
    ]

    status = sla(log, "2026-12-01 10:15")

    assert status.elapsed_seconds == 6300  # 15:00-16:30 and 10:00-10:15
    dispatch, first_contact, arrival = (of(status, m) for m in list(Milestone)[:3])
    assert (dispatch.state, dispatch.deadline) == (MilestoneState.BREACHED, local("2026-11-30 16:00"))
    assert (first_contact.state, first_contact.deadline) == (
        MilestoneState.AT_RISK,
        local("2026-12-01 10:30"),
    )
    assert (arrival.state, arrival.deadline) == (MilestoneState.OK, local("2026-12-01 12:30"))
    assert status.state is SlaState.BREACHED


def test_the_clock_never_breaches_while_on_hold() -> None:
    log = [start(local("2026-11-30 08:00")), pause(local("2026-11-30 08:50"), "parts")]

    status = sla(log, "2026-12-03 12:00")

    dispatch = of(status, Milestone.DISPATCH)
    assert (dispatch.state, dispatch.elapsed_seconds, dispatch.remaining_seconds) == (
        MilestoneState.AT_RISK,
        3000,
        600,
    )
    assert dispatch.deadline is None
    assert (status.paused, status.hold_reason, status.next_deadline) == (True, "parts", None)
    assert status.state is SlaState.AT_RISK


def test_resuming_gives_the_deadline_back_with_the_remaining_time() -> None:
    log = [
        start(local("2026-11-30 08:00")),
        pause(local("2026-11-30 08:50"), "parts"),
        resume(local("2026-12-03 12:00")),
    ]

    status = sla(log, "2026-12-03 12:05")

    assert of(status, Milestone.DISPATCH).deadline == local("2026-12-03 12:10")
    assert not status.paused


def test_a_hold_the_policy_does_not_pause_for_keeps_the_clock_running() -> None:
    log = [start(local("2026-11-30 08:00"), "p1"), pause(local("2026-11-30 08:05"), "customer")]

    status = sla(log, "2026-11-30 08:20")

    assert (status.paused, status.hold_reason, status.elapsed_seconds) == (False, "customer", 1200)
    assert of(status, Milestone.DISPATCH).state is MilestoneState.BREACHED


def test_a_policy_change_during_a_pause_reevaluates_whether_the_hold_pauses() -> None:
    log = [
        start(local("2026-11-30 09:00")),
        pause(local("2026-11-30 10:00"), "customer"),  # P3 pauses for every hold
        switch(local("2026-11-30 12:00"), "p1"),  # P1 pauses only for parts: the clock runs again
    ]

    status = sla(log, "2026-11-30 13:00")

    assert (status.policy_id, status.paused, status.elapsed_seconds) == ("p1", False, 2 * 3600)
    assert of(status, Milestone.RESOLUTION).deadline == local("2026-11-30 15:00")


def test_a_priority_upgrade_keeps_the_time_already_paid() -> None:
    log = [start(local("2026-11-27 14:00")), switch(local("2026-11-27 17:30"), "p1")]

    status = sla(log, "2026-11-27 17:30")

    # 3 office hours paid under P3; P1 allows 4 round-the-clock hours, so one is left.
    resolution = of(status, Milestone.RESOLUTION)
    assert (resolution.elapsed_seconds, resolution.remaining_seconds) == (3 * 3600, 3600)
    assert resolution.deadline == local("2026-11-27 18:30")
    assert status.milestone(Milestone.ARRIVAL) is None  # P1 promises no arrival time


def test_an_upgrade_past_the_new_target_is_breached_since_the_target_was_reached() -> None:
    log = [start(local("2026-11-30 08:00")), switch(local("2026-11-30 13:00"), "p1")]

    resolution = of(sla(log, "2026-11-30 13:00"), Milestone.RESOLUTION)

    assert resolution.state is MilestoneState.BREACHED
    assert resolution.deadline == local("2026-11-30 12:00")


def test_a_downgrade_judges_the_paid_time_against_the_new_target() -> None:
    log = [start(local("2026-11-30 08:00"), "p1"), switch(local("2026-11-30 08:20"), "p3")]

    dispatch = of(sla(log, "2026-11-30 08:20"), Milestone.DISPATCH)

    assert (dispatch.state, dispatch.elapsed_seconds) == (MilestoneState.OK, 1200)
    assert dispatch.deadline == local("2026-11-30 09:00")


def test_pauses_and_the_paid_time_survive_a_round_trip_of_policy_changes() -> None:
    log = [
        start(local("2026-11-30 08:00")),
        pause(local("2026-11-30 09:00"), "parts"),
        switch(local("2026-11-30 10:00"), "p1"),
        switch(local("2026-11-30 11:00"), "p3"),
    ]

    status = sla(log, "2026-12-01 12:00")

    assert (status.paused, status.elapsed_seconds) == (True, 3600)


def test_deadlines_follow_the_spring_forward_change() -> None:
    status = sla([start(local("2026-03-28 22:00"), "p1")], "2026-03-28 22:00")

    assert of(status, Milestone.RESOLUTION).deadline == local("2026-03-29 03:00")


def test_a_met_milestone_is_frozen_at_the_moment_it_was_met() -> None:
    log = [start(local("2026-11-30 08:00"))]
    met = {"dispatch": "2026-11-30 08:40", "arrival": "2026-11-30 13:00"}

    status = sla(log, "2026-12-02 08:00", met=met)

    dispatch, arrival = of(status, Milestone.DISPATCH), of(status, Milestone.ARRIVAL)
    assert (dispatch.state, dispatch.elapsed_seconds, dispatch.remaining_seconds) == (
        MilestoneState.MET,
        2400,
        1200,
    )
    assert (dispatch.deadline, dispatch.met_at) == (local("2026-11-30 09:00"), local("2026-11-30 08:40"))
    assert (arrival.state, arrival.deadline) == (MilestoneState.MET_LATE, local("2026-11-30 12:00"))
    assert status.state is SlaState.BREACHED


def test_meeting_a_milestone_at_its_deadline_is_late() -> None:
    status = sla([start(local("2026-11-30 08:00"))], "2026-11-30 09:00", met={"dispatch": "2026-11-30 09:00"})

    assert of(status, Milestone.DISPATCH).state is MilestoneState.MET_LATE


def test_the_clock_stops_when_the_resolution_is_met() -> None:
    met = {"dispatch": "2026-11-30 08:30", "resolution": "2026-11-30 09:30"}

    status = sla([start(local("2026-11-30 08:00"))], "2026-12-04 16:00", met=met)

    assert status.elapsed_seconds == 5400
    assert of(status, Milestone.ARRIVAL).state is MilestoneState.OK
    assert status.state is SlaState.OK


def test_entries_at_the_same_instant_apply_before_a_milestone_met_then() -> None:
    log = [start(local("2026-11-30 08:00")), switch(local("2026-11-30 08:20"), "p1")]

    status = sla(log, "2026-11-30 09:00", met={"dispatch": "2026-11-30 08:20"})

    assert of(status, Milestone.DISPATCH).state is MilestoneState.MET_LATE  # judged against P1's 15


def test_status_dict_is_json_ready() -> None:
    log = [start(local("2026-11-30 08:00")), pause(local("2026-11-30 08:30"))]
    status = sla(log, "2026-11-30 09:00", met={"dispatch": "2026-11-30 08:10"})

    data = json.loads(json.dumps(sla_status_to_dict(status)))

    assert data["state"] == "ok"
    assert data["paused"] is True
    assert data["milestones"][0] == {
        "milestone": "dispatch",
        "state": "met",
        "target_seconds": 3600,
        "elapsed_seconds": 600,
        "remaining_seconds": 3000,
        "deadline": "2026-11-30T08:00:00+00:00",
        "met_at": "2026-11-30T07:10:00+00:00",
    }


@pytest.mark.parametrize(
    ("log", "now", "milestones"),
    [
        ([], "2026-11-30 09:00", {}),
        ([pause(local("2026-11-30 08:00"))], "2026-11-30 09:00", {}),
        ([start(local("2026-11-30 08:00")), start(local("2026-11-30 08:30"))], "2026-11-30 09:00", {}),
        ([start(local("2026-11-30 08:00")), resume(local("2026-11-30 08:30"))], "2026-11-30 09:00", {}),
        (
            [
                start(local("2026-11-30 08:00")),
                pause(local("2026-11-30 08:10")),
                pause(local("2026-11-30 08:20")),
            ],
            "2026-11-30 09:00",
            {},
        ),
        ([start(local("2026-11-30 08:30")), pause(local("2026-11-30 08:00"))], "2026-11-30 09:00", {}),
        ([start(local("2026-11-30 08:00")), switch(local("2026-11-30 08:10"), "")], "2026-11-30 09:00", {}),
        ([start(local("2026-11-30 08:00"))], "2026-11-30 07:00", {}),
        ([start(local("2026-11-30 08:00"))], "2026-11-30 09:00", {"repair": local("2026-11-30 08:30")}),
        ([start(local("2026-11-30 08:00"))], "2026-11-30 09:00", {"dispatch": local("2026-11-30 07:30")}),
        ([start(local("2026-11-30 08:00"))], "2026-11-30 09:00", {"dispatch": local("2026-11-30 09:30")}),
        ([start(datetime(2026, 11, 30, 8))], "2026-11-30 09:00", {}),
    ],
)
def test_rejects_malformed_logs_and_milestones(
    log: list[SlaLogEntry], now: str, milestones: dict[str, datetime]
) -> None:
    with pytest.raises(InvalidInput):
        compute_sla(log, policies=POLICIES, milestones=milestones, now=local(now))


def test_an_unknown_policy_is_not_found() -> None:
    with pytest.raises(NotFound):
        sla([start(local("2026-11-30 08:00"), "p9")], "2026-11-30 09:00")
