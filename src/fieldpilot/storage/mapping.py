"""Imperative mapping of the tables in `tables.py` onto the plain domain classes.

`start_mappers()` is idempotent and is called by `SqlAlchemyUnitOfWork`; nothing is mapped at
import time. Domain objects created before it ran cannot be stored, so the composition root (and
the test fixtures) call it first.

The domain never learns about it: locations become composites over real lat/lon columns, value
objects go through JSON column types, and every versioned table is mapped with
`version_id_generator=False`, so the service layer's own `version += 1` is written with
`WHERE version = <loaded>` and a lost race raises `StaleDataError` (turned into `Conflict`).

Not mapped on purpose: `WorkOrder.events` (set to [] on load), `WorkOrder.history` (its own
append-only table, read and written by the order repository and the unit of work), and
`SlaPolicy` (a frozen slotted dataclass, stored as a JSON document by `documents.py`).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Mapper, composite, registry

from fieldpilot.domain.resources import (
    ApiKey,
    Asset,
    Customer,
    Part,
    Site,
    Skill,
    Technician,
    User,
    Warehouse,
)
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import Location
from fieldpilot.domain.work_order import WorkOrder
from fieldpilot.storage import tables

mapper_registry = registry(metadata=tables.metadata)
_lock = threading.Lock()
_started = False


def start_mappers() -> None:
    """Map every domain class onto its table, once per process."""
    global _started
    with _lock:
        if _started:
            return
        _map()
        mapper_registry.configure()
        _started = True


def _versioned(table: Any) -> dict[str, Any]:
    return {"version_id_col": table.c.version, "version_id_generator": False}


def _located(table: Any, lat: str, lon: str, name: str) -> dict[str, Any]:
    return {
        f"_{lat}": table.c[lat],
        f"_{lon}": table.c[lon],
        name: composite(Location, table.c[lat], table.c[lon]),
    }


def _map() -> None:
    m = mapper_registry.map_imperatively
    m(Skill, tables.skills, **_versioned(tables.skills))
    m(
        Technician,
        tables.technicians,
        properties=_located(tables.technicians, "home_lat", "home_lon", "home_base"),
        **_versioned(tables.technicians),
    )
    m(Customer, tables.customers, **_versioned(tables.customers))
    m(
        Site,
        tables.sites,
        properties=_located(tables.sites, "lat", "lon", "location"),
        **_versioned(tables.sites),
    )
    m(Asset, tables.assets, **_versioned(tables.assets))
    m(Part, tables.parts, **_versioned(tables.parts))
    m(
        Warehouse,
        tables.warehouses,
        properties=_located(tables.warehouses, "lat", "lon", "location"),
        **_versioned(tables.warehouses),
    )
    m(User, tables.users, **_versioned(tables.users))
    m(TriageRule, tables.triage_rules, **_versioned(tables.triage_rules))
    # ApiKey has no version of its own; the ORM counts one in a private attribute.
    m(
        ApiKey,
        tables.api_keys,
        properties={"_row_version": tables.api_keys.c.version},
        version_id_col=tables.api_keys.c.version,
    )
    m(
        WorkOrder,
        tables.work_orders,
        properties={"_planned_end": tables.work_orders.c.planned_end},
        **_versioned(tables.work_orders),
    )
    event.listen(WorkOrder, "load", _on_order_load)
    event.listen(WorkOrder, "before_insert", _keep_planned_end)
    event.listen(WorkOrder, "before_update", _keep_planned_end)


def _on_order_load(order: WorkOrder, _context: object) -> None:
    # The ORM does not call __init__; these are the fields it does not load.
    order.events = []
    order.history = []


def _keep_planned_end(_mapper: Mapper[Any], _connection: object, order: WorkOrder) -> None:
    end = order.planned_end
    if getattr(order, "_planned_end", None) != end:
        order._planned_end = end  # type: ignore[attr-defined]
