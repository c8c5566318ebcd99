"""Live traffic: a dispatcher (or a feed) sets an area's factor; a change is a re-plan trigger."""

from __future__ import annotations

from typing import Any

from fieldpilot.domain import commands as cmd
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.events import TrafficChanged
from fieldpilot.service.deps import HandlerDeps
from fieldpilot.service.handlers.dispatch import DispatchDeps
from fieldpilot.service.unit_of_work import UnitOfWork


def set_traffic_factor(
    command: cmd.SetTrafficFactor, uow: UnitOfWork, deps: HandlerDeps, dispatch: DispatchDeps
) -> dict[str, Any]:
    if dispatch.traffic is None:
        raise InvalidInput("area", "no traffic areas are configured (FIELDPILOT_TRAFFIC_AREAS)")
    changed = dispatch.traffic.set_factor(command.area, command.factor)
    if changed is not None:
        with uow:
            uow.record(TrafficChanged(command.area, changed[0], changed[1]))
            uow.commit()
    return {"area": command.area, "factor": command.factor, "changed": changed is not None}
