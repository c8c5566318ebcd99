"""Re-planning on simulated time, as the server's background worker does it on real time.

The server's worker coalesces triggers that arrive while it solves into one run and also
re-plans on a fixed period; `InlineReplans` would instead solve once per trigger, inside the
command that fired it (a day of metro has hundreds of urgent orders). `KernelReplans` is the
worker's behaviour on the kernel: a trigger books one run `delay` seconds later (the solve time
the worker would take), later triggers join it, and a periodic run fires every `period`. It plugs
into the service layer's own triggers (`bootstrap.REPLAN_TRIGGERS`), so what calls for a re-plan
is the product's rule, not the simulator's.

May import: fieldpilot.bootstrap, fieldpilot.domain, fieldpilot.service and simulator modules.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fieldpilot.bootstrap import REPLAN_TRIGGERS
from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import Conflict
from fieldpilot.service.messagebus import MessageBus
from fieldpilot.service.triggers import Focus
from fieldpilot.simulator.kernel import DISPATCHER, Kernel

ATTEMPTS = 3  # a plan refused because an order moved meanwhile is re-run on fresh data


class KernelReplans:
    """A ReplanScheduler on simulated time: coalescing, delayed, periodic."""

    def __init__(
        self,
        bus: MessageBus,
        kernel: Kernel,
        *,
        seed: int,
        delay: int = 60,
        on_done: Callable[[], None] | None = None,
    ) -> None:
        self.bus = bus
        self.kernel = kernel
        self.seed = seed
        self.delay = delay
        self.on_done = on_done
        self.pending: list[str] = []
        self.foci: list[Focus] = []
        self.results: list[dict[str, Any]] = []
        self.refused = 0

    def attach(self) -> None:
        """Listen to the service layer's re-plan triggers."""
        for event_type, trigger in REPLAN_TRIGGERS.items():
            self.bus.event_handlers.setdefault(event_type, []).append(partial(trigger, replans=self))

    def every(self, period: int, *, start: int, end: int) -> None:
        for second in range(start, end + 1, period):
            self.kernel.at(second, lambda: self.request("periodic"), priority=DISPATCHER + 1, label="replan period")

    def request(self, trigger: str, *, orders: tuple[str, ...] = (), technicians: tuple[str, ...] = ()) -> None:
        if not self.pending:
            self.kernel.after(self.delay, self._run, priority=DISPATCHER + 1, label="replan")
        self.pending.append(trigger)
        self.foci.append(Focus(orders, technicians))

    def _run(self) -> None:
        triggers, self.pending = self.pending, []
        focus, self.foci = Focus.merged(self.foci), []
        reason = triggers[0] if len(triggers) == 1 else f"{triggers[0]} (+{len(triggers) - 1} more)"
        for _ in range(ATTEMPTS):
            try:
                result = self.bus.handle(
                    cmd.Replan(
                        seed=self.seed,
                        trigger=reason,
                        actor="engine",
                        focus_orders=focus.orders,
                        focus_technicians=focus.technicians,
                    )
                )
            except Conflict:
                self.refused += 1
                continue
            self.results.append(result if isinstance(result, dict) else {"result": result})
            break
        if self.on_done is not None:
            self.on_done()
