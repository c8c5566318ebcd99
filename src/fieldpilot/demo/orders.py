"""A day of open work orders for the demo company, as commands ready for the message bus.

Orders arrive over the hours before `now` through every channel; a share of them is already
assigned (some accepted, a few technicians on the road) so that every screen has something to
show. Priority, skills and duration are left to the triage rules, as for real intake.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fieldpilot.demo import catalogue
from fieldpilot.demo.company import DemoCompany
from fieldpilot.demo.geography import TIMEZONE
from fieldpilot.domain.commands import CreateWorkOrder
from fieldpilot.domain.resources import Asset, Technician
from fieldpilot.domain.values import Channel, PartLine, TimeWindow

CHANNEL_WEIGHTS = (
    (Channel.PHONE, 40),
    (Channel.WEB, 25),
    (Channel.APP, 15),
    (Channel.IOT, 10),
    (Channel.API, 10),
)
ASSIGNED_SHARE = 0.3
MAX_ORDERS_PER_TECHNICIAN = 3
TRAVEL_ALLOWANCE = timedelta(minutes=30)
DEMO_ACTOR = "demo"


@dataclass(frozen=True)
class DemoOrder:
    """One order of the demo day: when it arrives, what is asked, and how far it has got."""

    number: int
    created_at: datetime
    command: CreateWorkOrder
    technician_id: str | None = None
    planned_start: datetime | None = None
    actions: tuple[str, ...] = ()  # lifecycle actions after creation, e.g. ("assign", "accept")

    @property
    def idempotency_key(self) -> str:
        return self.command.idempotency_key or ""


def generate_orders(company: DemoCompany, *, seed: int, now: datetime, count: int = 120) -> list[DemoOrder]:
    rng = random.Random(f"{seed}:orders")
    assets_by_site: dict[str, list[Asset]] = defaultdict(list)
    for item in company.assets:
        assets_by_site[item.site_id].append(item)
    arrivals = sorted(now - timedelta(minutes=rng.randint(5, 10 * 60)) for _ in range(count))
    planner = _Planner(company.technicians, now=now)
    orders = []
    for number, created_at in enumerate(arrivals, start=1):
        site = rng.choice(company.sites)
        asset: Asset | None = rng.choice(assets_by_site[site.id]) if assets_by_site[site.id] else None
        kinds = [s for s in catalogue.SERVICE_TYPES if asset and asset.model in s.asset_models]
        service = rng.choice(kinds or list(catalogue.SERVICE_TYPES))
        if not kinds or rng.random() < 0.1:
            asset = None
        channel = rng.choices([c for c, _ in CHANNEL_WEIGHTS], weights=[w for _, w in CHANNEL_WEIGHTS])[0]
        description = rng.choice(service.complaints)
        if channel is Channel.IOT:
            description = f"[sensor alert] {description}"
        parts: tuple[PartLine, ...] = ()
        if service.parts and rng.random() < 0.3:
            parts = (PartLine(rng.choice(service.parts), rng.randint(1, 2)),)
        window = _appointment(rng, now=now) if rng.random() < 0.25 else None
        command = CreateWorkOrder(
            customer_id=site.customer_id,
            site_id=site.id,
            service_type=service.code,
            channel=channel,
            description=description,
            asset_id=asset.id if asset else None,
            required_parts=parts,
            time_window=window,
            is_appointment=window is not None,
            custom_fields={"po_number": f"PO-{rng.randint(10000, 99999)}"} if rng.random() < 0.3 else {},
            idempotency_key=f"demo-{seed}-order-{number:04d}",
            actor=DEMO_ACTOR,
        )
        order = DemoOrder(number=number, created_at=created_at, command=command)
        if window is None and rng.random() < ASSIGNED_SHARE:
            order = planner.assign(rng, order, service=service)
        orders.append(order)
    return orders


def _appointment(rng: random.Random, *, now: datetime) -> TimeWindow:
    """A two-hour window later today, or tomorrow when the day is nearly over (local time)."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    day = local.replace(minute=0, second=0, microsecond=0)
    start_hour = rng.randint(local.hour + 1, local.hour + 6)
    if start_hour > 16:
        day, start_hour = day + timedelta(days=1), rng.randint(8, 16)
    start = day.replace(hour=start_hour)
    return TimeWindow(start, start + timedelta(hours=2))


class _Planner:
    """Hands out consecutive slots per qualified technician, so no booking overlaps."""

    def __init__(self, technicians: tuple[Technician, ...], *, now: datetime) -> None:
        self._technicians = technicians
        first = now.replace(second=0, microsecond=0) + timedelta(minutes=30 - now.minute % 30)
        self._cursor = {t.id: first for t in technicians}
        self._booked: dict[str, int] = defaultdict(int)

    def assign(self, rng: random.Random, order: DemoOrder, *, service: catalogue.ServiceType) -> DemoOrder:
        qualified = [
            t
            for t in self._technicians
            if t.skill_level(service.skill) >= service.min_level and self._booked[t.id] < MAX_ORDERS_PER_TECHNICIAN
        ]
        if not qualified:
            return order
        technician = rng.choice(qualified)
        start = self._cursor[technician.id]
        self._cursor[technician.id] = start + timedelta(minutes=service.duration_minutes) + TRAVEL_ALLOWANCE
        first_job = self._booked[technician.id] == 0
        self._booked[technician.id] += 1
        roll = rng.random()
        if first_job and roll < 0.3:
            actions: tuple[str, ...] = ("assign", "accept", "start_travel")
        elif roll < 0.6:
            actions = ("assign", "accept")
        else:
            actions = ("assign",)
        return DemoOrder(
            number=order.number,
            created_at=order.created_at,
            command=order.command,
            technician_id=technician.id,
            planned_start=start,
            actions=actions,
        )
