"""Re-plan schedulers: at once (simulations, tests) or on a background worker (the server).

The worker coalesces bursts of triggers into one re-plan, re-runs on fresh data when a plan was
refused because an order changed meanwhile (a bounded number of times), and also re-plans on a
fixed period. Errors are logged with their traceback and counted; the worker keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.service.triggers import Focus

log = logging.getLogger(__name__)

Handle = Callable[[cmd.Command], Any]


class InlineReplans:
    """Re-plans inside the caller, once per request (deterministic: for the simulator and tests)."""

    def __init__(self, handle: Handle, *, time_budget_seconds: float = 1.0, seed: int = 0) -> None:
        self._handle = handle
        self._budget = time_budget_seconds
        self._seed = seed
        self.results: list[dict[str, Any]] = []

    def request(self, trigger: str, *, orders: tuple[str, ...] = (), technicians: tuple[str, ...] = ()) -> None:
        focus = Focus(orders, technicians)
        self.results.append(_run(self._handle, trigger, budget=self._budget, seed=self._seed, focus=focus))


def _run(
    handle: Handle, trigger: str, *, budget: float, seed: int, focus: Focus | None = None, attempts: int = 3
) -> dict[str, Any]:
    focus = focus or Focus()
    for attempt in range(1, attempts + 1):
        try:
            result: dict[str, Any] = handle(
                cmd.Replan(
                    time_budget_seconds=budget,
                    seed=seed,
                    trigger=trigger,
                    actor="engine",
                    focus_orders=focus.orders,
                    focus_technicians=focus.technicians,
                )
            )
            return result
        except Conflict as conflict:
            log.info("re-plan for %r refused (attempt %d): %s", trigger, attempt, conflict)
    return {"trigger": trigger, "applied": False, "refused": attempts}


class BackgroundReplans:
    """One worker thread; requests that arrive while it solves are merged into the next run."""

    def __init__(
        self, handle: Handle, *, time_budget_seconds: float, period_seconds: float | None, seed: int = 0
    ) -> None:
        self._handle = handle
        self._budget = time_budget_seconds
        self._period = period_seconds
        self._seed = seed
        self._pending: list[str] = []
        self._foci: list[Focus] = []
        self._wake = threading.Condition()
        self._stopping = False
        self.failures = 0
        self.runs = 0
        self._thread = threading.Thread(target=self._loop, name="fieldpilot-replans", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def request(self, trigger: str, *, orders: tuple[str, ...] = (), technicians: tuple[str, ...] = ()) -> None:
        with self._wake:
            self._pending.append(trigger)
            self._foci.append(Focus(orders, technicians))
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                if not self._pending and not self._stopping:
                    self._wake.wait(self._period)
                if self._stopping:
                    return
                triggers, self._pending = self._pending, []
                foci, self._foci = self._foci, []
            trigger = "; ".join(dict.fromkeys(triggers)) or "periodic"
            try:
                _run(self._handle, trigger, budget=self._budget, seed=self._seed, focus=Focus.merged(foci))
                self.runs += 1
            except Exception:
                self.failures += 1
                log.exception("re-plan for %r failed", trigger)


class PeriodicCommands:
    """Runs housekeeping commands on a fixed period in one worker thread: the SLA sweep (states
    change with time alone) and offer expiry. Errors are logged with their traceback and counted."""

    def __init__(self, handle: Handle, commands: list[Callable[[], cmd.Command]], *, period_seconds: float) -> None:
        self._handle = handle
        self._commands = commands
        self._period = period_seconds
        self._stop = threading.Event()
        self.failures = 0
        self.runs = 0
        self._thread = threading.Thread(target=self._loop, name="fieldpilot-periodic", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> None:
        for make in self._commands:
            command = make()
            try:
                self._handle(command)
            except Exception:
                self.failures += 1
                log.exception("periodic %s failed", type(command).__name__)
        self.runs += 1

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            self.run_once()
