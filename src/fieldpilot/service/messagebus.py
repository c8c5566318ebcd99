"""The message bus: one handler per command, any number per event, registered in one table.

A command's handler runs in its own unit of work and returns its result. Events recorded during
the command are handed to their handlers after the commit; a failing event handler is logged
with its traceback and re-raised, never swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fieldpilot.domain.commands import Command
from fieldpilot.domain.events import Event
from fieldpilot.service.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

CommandHandler = Callable[[Any, UnitOfWork], Any]
EventHandler = Callable[[Any, UnitOfWork], None]


class MessageBus:
    def __init__(
        self,
        *,
        uow_factory: Callable[[], UnitOfWork],
        command_handlers: Mapping[type[Command], CommandHandler],
        event_handlers: Mapping[type[Event], Sequence[EventHandler]],
    ) -> None:
        self.uow_factory = uow_factory
        self.command_handlers = dict(command_handlers)
        self.event_handlers = {k: list(v) for k, v in event_handlers.items()}

    def handle(self, command: Command) -> Any:
        handler = self.command_handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler registered for {type(command).__name__}")
        uow = self.uow_factory()
        result = handler(command, uow)
        self._dispatch_events(list(uow.collect_new_events()))
        return result

    def _dispatch_events(self, queue: list[Event]) -> None:
        while queue:
            event = queue.pop(0)
            for handler in self.event_handlers.get(type(event), ()):
                uow = self.uow_factory()
                try:
                    handler(event, uow)
                except Exception:
                    log.exception("handler %s failed on %s", getattr(handler, "__name__", handler), event)
                    raise
                queue.extend(uow.collect_new_events())
