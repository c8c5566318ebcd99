"""Live updates for the screens: an in-process fan-out of domain events as server-sent events.

The hub listens to the message bus (every event, after its command committed) and to position
reports, and hands each message to the subscribers whose filter accepts it. Subscribers are
asyncio queues read by a streaming response; publishing happens on the request's worker thread,
so messages cross to the event loop with `call_soon_threadsafe`. One process only: with several
replicas the same hub would be fed by Redis or NATS (see docs/architecture.md).

May import: domain, service, the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fieldpilot.domain import events as domain_events
from fieldpilot.service.messagebus import MessageBus
from fieldpilot.service.unit_of_work import UnitOfWork

Message = dict[str, Any]
Accepts = Callable[[Message], bool]
HEARTBEAT_SECONDS = 15.0
QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscriber:
    queue: asyncio.Queue[Message]
    loop: asyncio.AbstractEventLoop
    accepts: Accepts


@dataclass
class Position:
    technician_id: str
    lat: float
    lon: float
    at: datetime
    accuracy_m: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "technician_id": self.technician_id,
            "lat": self.lat,
            "lon": self.lon,
            "at": self.at.isoformat(),
            "accuracy_m": self.accuracy_m,
        }


@dataclass
class LiveHub:
    subscribers: set[Subscriber] = field(default_factory=set)
    positions: dict[str, Position] = field(default_factory=dict)
    sequence: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def subscribe(self, accepts: Accepts) -> Subscriber:
        subscriber = Subscriber(asyncio.Queue(QUEUE_SIZE), asyncio.get_running_loop(), accepts)
        with self.lock:
            self.subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self.lock:
            self.subscribers.discard(subscriber)

    def publish(self, name: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.sequence += 1
            message = {"id": self.sequence, "name": name, "payload": payload}
            targets = list(self.subscribers)
        for subscriber in targets:
            try:
                if subscriber.accepts(message):
                    subscriber.loop.call_soon_threadsafe(_offer, subscriber.queue, message)
            except RuntimeError:  # the subscriber's loop has closed
                self.unsubscribe(subscriber)

    def report_position(self, position: Position) -> None:
        with self.lock:
            self.positions[position.technician_id] = position
        self.publish("TechnicianPosition", position.to_dict())

    def position_of(self, technician_id: str) -> Position | None:
        with self.lock:
            return self.positions.get(technician_id)

    def on_event(self, event: domain_events.Event, _uow: UnitOfWork) -> None:
        """A bus event handler: never fails the command that raised the event."""
        with contextlib.suppress(Exception):
            self.publish(event.name, event.payload())


def _offer(queue: asyncio.Queue[Message], message: Message) -> None:
    if queue.full():  # a stalled client loses the oldest update, never blocks the others
        queue.get_nowait()
    queue.put_nowait(message)


def _event_classes() -> list[type[domain_events.Event]]:
    found: list[type[domain_events.Event]] = []
    pending = list(domain_events.Event.__subclasses__())
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def attach(bus: MessageBus, hub: LiveHub) -> None:
    """Register the hub for every domain event (once per bus)."""
    if getattr(bus, "_web_live_hub", None) is not None:
        return
    for kind in _event_classes():
        bus.event_handlers.setdefault(kind, []).append(hub.on_event)
    bus._web_live_hub = hub  # type: ignore[attr-defined]


def hub_of(bus: MessageBus) -> LiveHub:
    hub = getattr(bus, "_web_live_hub", None)
    if hub is None:
        hub = LiveHub()
        attach(bus, hub)
    assert isinstance(hub, LiveHub)
    return hub


def sse(message: Message) -> str:
    data = json.dumps(message["payload"], separators=(",", ":"))
    return f"id: {message['id']}\nevent: {message['name']}\ndata: {data}\n\n"


async def stream(
    hub: LiveHub,
    accepts: Accepts,
    *,
    first: list[Message] | None = None,
    transform: Callable[[Message], Message | None] | None = None,
    is_disconnected: Callable[[], Any] | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> AsyncIterator[str]:
    """Server-sent events: `first` at once, then every accepted message (transformed), with
    comment heartbeats so proxies keep the connection open."""
    subscriber = hub.subscribe(accepts)
    try:
        yield "retry: 2000\n\n"
        for message in first or []:
            yield sse(message)
        while True:
            if is_disconnected is not None and await is_disconnected():
                return
            try:
                message = await asyncio.wait_for(subscriber.queue.get(), timeout=heartbeat)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            shaped = await asyncio.to_thread(transform, message) if transform else message
            if shaped is not None:
                yield sse(shaped)
    finally:
        hub.unsubscribe(subscriber)
