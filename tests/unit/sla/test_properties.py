"""Property tests: the SLA package against a brute-force reference that walks minute by minute.

The reference below is deliberately naive and shares no code with `fieldpilot.sla`: a minute is
business time when its local wall-clock minute (in the calendar's zone) lies in a working range
of its local weekday and its local date is no holiday; the clock adds one minute per running
business minute. Everything is generated on a minute grid around real DST changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldpilot.domain.values import LocalTimeRange
from fieldpilot.domain.work_order import SlaLogEntry, SlaLogKind
from fieldpilot.sla import BusinessCalendar, Milestone, SlaPolicy, SlaTargets, compute_sla

MINUTE = timedelta(minutes=1)
SEARCH_LIMIT = 10 * 24 * 60  # minutes the reference walks to find a deadline before giving up
# Each zone with midnights UTC shortly before its real DST changes (Lord Howe shifts by 30
# minutes); Kolkata never changes, UTC is the control.
ZONE_BASES = (
    ("Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 24, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 10, 31, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, tzinfo=UTC)),
    ("Asia/Kolkata", datetime(2026, 6, 10, tzinfo=UTC)),
    ("UTC", datetime(2026, 6, 10, tzinfo=UTC)),
)
ZONES = tuple(sorted({zone for zone, _ in ZONE_BASES}))
REASONS = ("customer", "parts", "weather")
FRACTIONS = (0.5, 0.75, 0.8, 0.9, 1 / 3)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)


# -- the reference -------------------------------------------------------------------------


@dataclass
class RefCalendar:
    tz: str
    week: dict[int, list[tuple[int, int]]]  # weekday -> [(start minute, end minute)], end <= 1440
    holidays: set[date]
    memo: dict[datetime, bool] = field(default_factory=dict)

    def is_business_minute(self, moment: datetime) -> bool:
        if moment not in self.memo:
            wall = moment.astimezone(ZoneInfo(self.tz))
            minute = wall.hour * 60 + wall.minute
            self.memo[moment] = wall.date() not in self.holidays and any(
                s <= minute < e for s, e in self.week.get(wall.weekday(), [])
            )
        return self.memo[moment]

    def to_calendar(self) -> BusinessCalendar:
        def clock(minute: int) -> time:
            return time.max if minute == 1440 else time(minute // 60, minute % 60)

        week = {day: tuple(LocalTimeRange(clock(s), clock(e)) for s, e in ranges) for day, ranges in self.week.items()}
        return BusinessCalendar(self.tz, week, frozenset(self.holidays))


@dataclass
class RefPolicy:
    id: str
    targets: dict[str, int]  # milestone -> minutes
    calendar: RefCalendar
    pause_reasons: frozenset[str] | None
    fraction: float

    def to_policy(self) -> SlaPolicy:
        return SlaPolicy(
            id=self.id,
            name=self.id.upper(),
            targets=SlaTargets(**self.targets),
            calendar=self.calendar.to_calendar(),
            pause_reasons=self.pause_reasons,
            at_risk_fraction=self.fraction,
        )


@dataclass
class Scenario:
    base: datetime
    policies: dict[str, RefPolicy]
    events: list[tuple[int, str, str]]  # (minute, kind, policy id or reason), in order
    now: int
    met: dict[str, int]

    def moment(self, minute: int) -> datetime:
        return self.base + minute * MINUTE


def running(policy: RefPolicy, hold: str | None) -> bool:
    return hold is None or (policy.pause_reasons is not None and hold not in policy.pause_reasons)


@dataclass
class Expected:
    paused: bool
    policy_id: str
    elapsed: int
    # milestone -> (state, elapsed s, remaining s, deadline or "beyond <iso>" when not found)
    milestones: dict[str, tuple[str, int, int, datetime | str | None]]


def reference(s: Scenario) -> Expected:
    """Walk minute by minute: state after the events of each minute, accrued minutes at each."""
    stop = min(s.now, s.met.get("resolution", s.now))
    policy, hold = s.policies[s.events[0][2]], None
    states: dict[int, tuple[RefPolicy, str | None]] = {}
    accrued = [0]  # accrued[m] = minutes accrued at the start of minute m
    for m in range(stop + 1):
        for minute, kind, arg in s.events:
            if minute == m and kind in ("start", "policy"):
                policy = s.policies[arg]
            elif minute == m:
                hold = arg if kind == "pause" else None
        states[m] = (policy, hold)
        runs = running(policy, hold) and policy.calendar.is_business_minute(s.moment(m))
        accrued.append(accrued[-1] + int(runs))

    result: dict[str, tuple[str, int, int, datetime | str | None]] = {}
    for name in ("dispatch", "first_contact", "arrival", "resolution"):
        at = min(s.met[name], stop) if name in s.met else stop
        pol, hold_then = states[at]
        if name not in pol.targets:
            continue
        target, paid = pol.targets[name], accrued[at]
        deadline: datetime | str | None = None
        if paid >= target:
            state = "breached"
            deadline = s.moment(next(j for j in range(at + 1) if accrued[j] >= target))
        else:
            state = "at_risk" if paid * 60 >= pol.fraction * target * 60 else "ok"
            if running(pol, hold_then):
                deadline = f"beyond {s.moment(at + SEARCH_LIMIT).isoformat()}"
                left = target - paid
                for j in range(at, at + SEARCH_LIMIT):
                    left -= int(pol.calendar.is_business_minute(s.moment(j)))
                    if left == 0:
                        deadline = s.moment(j + 1)
                        break
        if name in s.met:
            state = "met_late" if state == "breached" else "met"
        result[name] = (state, paid * 60, max(0, target - paid) * 60, deadline)
    final_policy, final_hold = states[stop]
    return Expected(not running(final_policy, final_hold), final_policy.id, accrued[stop] * 60, result)


# -- generators ----------------------------------------------------------------------------


@st.composite
def calendars(draw: st.DrawFn, zone: str, base: datetime) -> RefCalendar:
    tz = draw(st.sampled_from(ZONES)) if draw(st.integers(0, 4)) == 0 else zone
    if draw(st.integers(0, 5)) == 0:
        return RefCalendar(tz, {day: [(0, 1440)] for day in range(7)}, set())
    week: dict[int, list[tuple[int, int]]] = {}
    for day in range(7):
        spans = draw(st.lists(st.tuples(st.integers(0, 1439), st.integers(1, 720)), max_size=3))
        week[day] = [(start, min(1440, start + length)) for start, length in spans]
    if not any(week.values()):
        week[draw(st.integers(0, 6))] = [(draw(st.integers(0, 1200)), 1440)]
    first = (base - timedelta(days=1)).date()
    holidays = draw(st.sets(st.integers(0, 7), max_size=3))
    return RefCalendar(tz, week, {first + timedelta(days=d) for d in holidays})


@st.composite
def policies(draw: st.DrawFn, policy_id: str, zone: str, base: datetime) -> RefPolicy:
    names = draw(st.sets(st.sampled_from([m.value for m in Milestone]), min_size=1))
    targets = {name: draw(st.integers(1, 600)) for name in sorted(names)}
    reasons = draw(st.none() | st.frozensets(st.sampled_from(REASONS)))
    return RefPolicy(policy_id, targets, draw(calendars(zone, base)), reasons, draw(st.sampled_from(FRACTIONS)))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    zone, midnight = draw(st.sampled_from(ZONE_BASES))
    base = midnight + draw(st.integers(0, 1440)) * MINUTE
    ids = ["p1", "p2", "p3"][: draw(st.integers(1, 3))]
    pols = {pid: draw(policies(pid, zone, base)) for pid in ids}
    events: list[tuple[int, str, str]] = [(0, "start", draw(st.sampled_from(ids)))]
    minute, on_hold = 0, False
    for _ in range(draw(st.integers(0, 10))):
        minute += draw(st.sampled_from([0, 1, 7, 60, 180, 600]) | st.integers(0, 900))
        if draw(st.booleans()):
            events.append((minute, "policy", draw(st.sampled_from(ids))))
        elif on_hold:
            events.append((minute, "resume", ""))
        else:
            events.append((minute, "pause", draw(st.sampled_from(REASONS))))
        on_hold = events[-1][1] == "pause" or (on_hold and events[-1][1] == "policy")
    now = minute + draw(st.integers(0, 1440))
    met_names = draw(st.sets(st.sampled_from([m.value for m in Milestone])))
    met = {name: draw(st.integers(0, now)) for name in sorted(met_names)}
    return Scenario(base, pols, events, now, met)


def log_of(s: Scenario) -> list[SlaLogEntry]:
    kinds = {"start": SlaLogKind.START, "pause": SlaLogKind.PAUSE, "resume": SlaLogKind.RESUME}
    kinds["policy"] = SlaLogKind.POLICY
    entries = []
    for minute, kind, arg in s.events:
        policy_id = arg if kind in ("start", "policy") else None
        reason = arg if kind == "pause" else ""
        entries.append(SlaLogEntry(s.moment(minute), kinds[kind], policy_id=policy_id, reason=reason))
    return entries


# -- properties ----------------------------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_clock_matches_minute_by_minute_reference(s: Scenario) -> None:
    status = compute_sla(
        log_of(s),
        policies={pid: p.to_policy() for pid, p in s.policies.items()},
        milestones={name: s.moment(minute) for name, minute in s.met.items()},
        now=s.moment(s.now),
    )
    expected = reference(s)

    assert status.paused == expected.paused
    assert status.policy_id == expected.policy_id
    assert status.elapsed_seconds == expected.elapsed
    assert [m.milestone.value for m in status.milestones] == list(expected.milestones)
    for m in status.milestones:
        state, elapsed, remaining, deadline = expected.milestones[m.milestone.value]
        assert (m.state.value, m.elapsed_seconds, m.remaining_seconds) == (state, elapsed, remaining), m
        if isinstance(deadline, str):  # the reference gave up: the deadline lies beyond its search
            assert m.deadline is not None
            assert m.deadline > datetime.fromisoformat(deadline.removeprefix("beyond "))
        else:
            assert m.deadline == deadline, m
    worst = {"ok": 0, "met": 0, "at_risk": 1, "breached": 2, "met_late": 2}
    expected_state = max((worst[m.state.value] for m in status.milestones), default=0)
    assert status.state.severity == expected_state


@PROPERTY_SETTINGS
@given(st.data())
def test_calendar_counts_and_adds_like_the_reference(data: st.DataObject) -> None:
    zone, base = data.draw(st.sampled_from(ZONE_BASES))
    ref = data.draw(calendars(zone, base))
    calendar = ref.to_calendar()
    first = data.draw(st.integers(0, 3 * 1440))
    length = data.draw(st.integers(0, 3 * 1440))
    start = base + first * MINUTE
    counted = sum(ref.is_business_minute(start + i * MINUTE) for i in range(length))

    assert calendar.business_seconds(start, start + length * MINUTE) == counted * 60
    if counted:
        moment = start
        left = counted
        while left:
            left -= ref.is_business_minute(moment)
            moment += MINUTE
        assert calendar.add_business_seconds(start, counted * 60) == moment


@PROPERTY_SETTINGS
@given(st.data())
def test_business_time_is_additive_and_adding_is_its_inverse(data: st.DataObject) -> None:
    zone, base = data.draw(st.sampled_from(ZONE_BASES))
    ref = data.draw(calendars(zone, base))
    calendar = ref.to_calendar()
    weekly_minutes = sum(len({m for s, e in spans for m in range(s, e)}) for spans in ref.week.values())
    micros = st.integers(0, 4 * 86_400 * 10**6).map(lambda us: base + timedelta(microseconds=us))
    a, b, c = sorted(data.draw(st.tuples(micros, micros, micros)))

    assert calendar.business_time(a, c) == calendar.business_time(a, b) + calendar.business_time(b, c)
    # Up to six weeks' worth, so that whole weeks get skipped but sparse calendars stay quick.
    amount = timedelta(minutes=6 * weekly_minutes) * data.draw(st.floats(0.000001, 1))
    reached = calendar.add_business_time(a, amount)
    assert calendar.business_time(a, reached) == amount
    assert calendar.business_time(a, reached - timedelta(microseconds=1)) < amount


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(1, 3 * 1440))
def test_a_paused_clock_neither_accrues_nor_breaches(s: Scenario, later: int) -> None:
    policies = {pid: p.to_policy() for pid, p in s.policies.items()}
    s.met.pop("resolution", None)
    before = compute_sla(log_of(s), policies=policies, milestones={}, now=s.moment(s.now))
    after = compute_sla(log_of(s), policies=policies, milestones={}, now=s.moment(s.now + later))

    if before.paused:
        assert after.elapsed_seconds == before.elapsed_seconds
        assert [m.state for m in after.milestones] == [m.state for m in before.milestones]
        assert after.state == before.state
    else:
        assert after.elapsed_seconds >= before.elapsed_seconds
        assert after.state.severity >= before.state.severity


@PROPERTY_SETTINGS
@given(scenarios(), st.integers(0, 2))
def test_a_policy_change_keeps_the_time_already_paid(s: Scenario, choice: int) -> None:
    policies = {pid: p.to_policy() for pid, p in s.policies.items()}
    new_policy = sorted(policies)[choice % len(policies)]
    now = s.moment(s.now)
    switched = [*log_of(s), SlaLogEntry(now, SlaLogKind.POLICY, policy_id=new_policy)]

    before = compute_sla(log_of(s), policies=policies, milestones={}, now=now)
    after = compute_sla(switched, policies=policies, milestones={}, now=now)

    assert after.elapsed_seconds == before.elapsed_seconds
    assert after.policy_id == new_policy
