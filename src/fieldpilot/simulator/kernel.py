"""The discrete-event kernel: a virtual clock and an event queue ordered by (time, priority, sequence).

Modelled on SimPy's `Environment.schedule/step`: callbacks are pushed on a heap with the second
they fire at, a priority (lower first at the same second) and a sequence number that keeps
insertion order among equals, so a run is a pure function of what was scheduled. The kernel moves
a `FixedClock` that the service layer reads, which is how the real handlers see simulated time.

May import: fieldpilot.service.fakes and the standard library.
"""

from __future__ import annotations

import gc
import heapq
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fieldpilot.service.fakes import FixedClock

Callback = Callable[[], None]

# Priorities at the same second: the world changes first, then people act, then dispatchers decide.
WORLD = 0
CUSTOMER = 10
TECHNICIAN = 20
DISPATCHER = 30
OBSERVER = 40


# Each dispatch of a large simulated day builds and drops tens of thousands of objects (snapshot,
# route schedules, decision record). With CPython's default first threshold (700 allocations) many
# of them are still alive at a collection, climb to the oldest generation and trigger full
# collections of the whole day's heap: a quarter of a region-scale day's time up to 11:00 (default:
# 13 s of garbage collection out of 67 s; with 10,000: 5.5 s out of 59 s, same peak memory).
YOUNG_COLLECTION_ALLOCATIONS = 10_000


@contextmanager
def young_collections_every(allocations: int) -> Iterator[None]:
    """The garbage collector's first threshold at least `allocations` for the block, then as it was."""
    before = gc.get_threshold()
    gc.set_threshold(max(allocations, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(order=True, frozen=True, slots=True)
class Entry:
    second: int
    priority: int
    sequence: int
    callback: Callback = field(compare=False)
    label: str = field(compare=False, default="")


class Kernel:
    """A virtual clock in whole seconds since `start`, and the queue of what happens next."""

    def __init__(self, start: datetime, *, clock: FixedClock | None = None) -> None:
        self.start = start
        self.clock = clock or FixedClock(start)
        self.clock.current = start
        self.now = 0
        self._queue: list[Entry] = []
        self._sequence = 0
        self.processed = 0

    def at(self, second: int, callback: Callback, *, priority: int = WORLD, label: str = "") -> Entry:
        """Schedule `callback` at `second` (never in the past: a late request fires now)."""
        self._sequence += 1
        entry = Entry(max(second, self.now), priority, self._sequence, callback, label)
        heapq.heappush(self._queue, entry)
        return entry

    def after(self, delay: int, callback: Callback, *, priority: int = WORLD, label: str = "") -> Entry:
        return self.at(self.now + max(0, delay), callback, priority=priority, label=label)

    def moment(self, second: int) -> datetime:
        return self.start + timedelta(seconds=second)

    def second_of(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds())

    @property
    def pending(self) -> int:
        return len(self._queue)

    def peek(self) -> int | None:
        return self._queue[0].second if self._queue else None

    def step(self) -> Entry:
        entry = heapq.heappop(self._queue)
        self.now = entry.second
        self.clock.current = self.start + timedelta(seconds=entry.second)
        entry.callback()
        self.processed += 1
        return entry

    def run(self, *, until: int, on_step: Callable[[int], None] | None = None) -> None:
        """Process every entry up to and including second `until`, then leave the clock there."""
        with young_collections_every(YOUNG_COLLECTION_ALLOCATIONS):
            while self._queue and self._queue[0].second <= until:
                self.step()
                if on_step is not None:
                    on_step(self.now)
        self.now = max(self.now, until)
        self.clock.current = self.start + timedelta(seconds=self.now)
