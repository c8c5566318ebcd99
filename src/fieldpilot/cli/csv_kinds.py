"""What each importable CSV file holds and how its rows become bus commands.

    technicians  one technician per row                 -> CreateResource(technician)
    customers    one site per row; a customer's fields  -> CreateResource(customer) on its first
                 on its first row                          row, CreateResource(site) on every row
    orders       one work order per row, keyed by       -> CreateWorkOrder(idempotency_key=external_ref)
                 `external_ref`

Domain objects are built here, so their own rules check every value; a broken rule is reported
against the column it came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fieldpilot.cli.csv_rows import CellError, CsvRow, RowError, cell
from fieldpilot.domain.commands import Command, CreateResource, CreateWorkOrder, ResourceKind
from fieldpilot.domain.errors import InvalidInput
from fieldpilot.domain.resources import Certification, Customer, Site, Technician, WeeklyShift
from fieldpilot.domain.values import (
    Channel,
    CustomerTier,
    LocalTimeRange,
    Location,
    PartLine,
    Priority,
    SkillRequirement,
    TimeWindow,
    check_code,
)

IMPORT_ACTOR = "csv-import"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class PlannedCommand:
    line: int
    command: Command


@dataclass(frozen=True)
class CsvKind:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    convert: Callable[[Sequence[CsvRow]], tuple[list[PlannedCommand], list[RowError]]]
    # Domain/handler field names that differ from the file's column names.
    columns: dict[str, str]


def _convert_each(
    rows: Sequence[CsvRow], build: Callable[[CsvRow], list[Command]]
) -> tuple[list[PlannedCommand], list[RowError]]:
    planned: list[PlannedCommand] = []
    errors: list[RowError] = []
    for row in rows:
        try:
            planned.extend(PlannedCommand(row.line, command) for command in build(row))
        except CellError as error:
            errors.append(RowError(row.line, error.field, error.message))
    return planned, errors


def _location(row: CsvRow) -> Location:
    lat, lon = row.number("lat"), row.number("lon")
    with cell("lat"):
        Location(lat, 0.0)
    with cell("lon"):
        return Location(lat, lon)


# -- technicians ------------------------------------------------------------------------------


def _weekdays(row: CsvRow) -> list[int]:
    raw = (row.optional("shift_days") or "mon-fri").lower()
    days: list[int] = []
    for part in raw.replace(";", ",").split(","):
        first, _, last = part.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise CellError("shift_days", f"{part.strip()!r} is not a day or range such as mon-fri")
        start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.extend(range(start, end + 1))
    return sorted(set(days))


def _shifts(row: CsvRow) -> tuple[WeeklyShift, ...]:
    start, end = row.clock("shift_start"), row.clock("shift_end")
    if start is None and end is None:
        return ()
    if start is None or end is None:
        raise CellError("shift_start" if start is None else "shift_end", "give both shift_start and shift_end")
    breaks: tuple[LocalTimeRange, ...] = ()
    break_start, break_end = row.clock("break_start"), row.clock("break_end")
    if (break_start is None) != (break_end is None):
        raise CellError("break_end" if break_end is None else "break_start", "give both ends of the break")
    if break_start is not None and break_end is not None:
        with cell("break_end"):
            breaks = (LocalTimeRange(break_start, break_end),)
    days = _weekdays(row)
    with cell("shift_end"):
        return tuple(WeeklyShift(weekday=d, start=start, end=end, breaks=breaks) for d in days)


def _certifications(row: CsvRow) -> tuple[Certification, ...]:
    with cell("certifications"):
        return tuple(
            Certification(code, None if expires is None else row.day(expires, "certifications"))
            for code, expires in row.pairs("certifications")
        )


def _technician(row: CsvRow) -> list[Command]:
    with cell("skills"):
        skills = row.counts("skills")
    with cell("van_stock"):
        van_stock = row.counts("van_stock")
    technician = _build(
        Technician,
        id=row.text("id"),
        first_name=row.text("first_name"),
        last_name=row.optional("last_name") or "",
        home_base=_location(row),
        timezone=row.optional("timezone") or "UTC",
        skills=skills,
        certifications=_certifications(row),
        shifts=_shifts(row),
        van_stock=van_stock,
        tools=frozenset(row.items("tools")),
        territories=frozenset(row.items("territories")),
        depot_id=row.optional("depot_id"),
        max_overtime_minutes=row.integer("max_overtime_minutes", 0),
    )
    _check_timezone(row)
    return [CreateResource(kind=ResourceKind.TECHNICIAN, resource=technician, actor=IMPORT_ACTOR)]


def _check_timezone(row: CsvRow) -> None:
    name = row.optional("timezone")
    if name is None:
        return
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CellError("timezone", f"{name!r} is not an IANA timezone such as Europe/Paris") from None


def _build(cls: type[Any], **fields: Any) -> Any:
    """Construct a domain object; a broken rule is reported against the field it names."""
    try:
        return cls(**fields)
    except InvalidInput as error:
        raise CellError(error.field, error.reason) from None


# -- customers and sites ----------------------------------------------------------------------


def _convert_customers(rows: Sequence[CsvRow]) -> tuple[list[PlannedCommand], list[RowError]]:
    seen: set[str] = set()

    def build(row: CsvRow) -> list[Command]:
        customer_id = row.text("customer_id")
        commands: list[Command] = []
        if customer_id not in seen:
            tier_text = (row.optional("tier") or "standard").lower()
            if tier_text not in {t.value for t in CustomerTier}:
                raise CellError("tier", f"{tier_text!r} is not one of standard, priority, vip")
            customer = _build(
                Customer,
                id=customer_id,
                name=row.text("customer_name"),
                tier=CustomerTier(tier_text),
                email=row.optional("email"),
                phone=row.optional("phone"),
            )
            commands.append(CreateResource(kind=ResourceKind.CUSTOMER, resource=customer, actor=IMPORT_ACTOR))
        site = _build(
            Site,
            id=row.text("site_id"),
            customer_id=customer_id,
            name=row.optional("site_name") or row.text("customer_name"),
            address=row.text("address"),
            location=_location(row),
            access_notes=row.optional("access_notes") or "",
            territory=row.optional("territory"),
        )
        commands.append(CreateResource(kind=ResourceKind.SITE, resource=site, actor=IMPORT_ACTOR))
        seen.add(customer_id)
        return commands

    return _convert_each(rows, build)


# -- work orders ------------------------------------------------------------------------------


def _priority(row: CsvRow) -> Priority | None:
    raw = row.optional("priority")
    if raw is None:
        return None
    text = raw.upper().removeprefix("P")
    if text not in ("1", "2", "3", "4"):
        raise CellError("priority", f"{raw!r} is not one of P1, P2, P3, P4")
    return Priority(int(text))


def _channel(row: CsvRow) -> Channel:
    raw = (row.optional("channel") or "api").lower()
    if raw not in {c.value for c in Channel}:
        raise CellError("channel", f"{raw!r} is not one of {', '.join(c.value for c in Channel)}")
    return Channel(raw)


def _order(row: CsvRow) -> list[Command]:
    with cell("skills"):
        skills = tuple(SkillRequirement(s, level) for s, level in row.counts("skills").items())
    with cell("parts"):
        parts = tuple(PartLine(p, quantity) for p, quantity in row.counts("parts").items())
    start, end = row.moment("window_start"), row.moment("window_end")
    window = None
    if (start is None) != (end is None):
        raise CellError("window_end" if end is None else "window_start", "give both ends of the window")
    if start is not None and end is not None:
        with cell("window_end"):
            window = TimeWindow(start, end)
    duration = row.integer("duration_minutes")
    if duration is not None and not 1 <= duration <= 24 * 60:
        raise CellError("duration_minutes", "must be between 1 and 1440")
    fingerprint = hashlib.sha256(json.dumps(row.cells, sort_keys=True).encode()).hexdigest()
    command = CreateWorkOrder(
        customer_id=row.text("customer_id"),
        site_id=row.text("site_id"),
        service_type=row.text("service_type"),
        channel=_channel(row),
        description=row.optional("description") or "",
        asset_id=row.optional("asset_id"),
        required_skills=skills or None,
        required_parts=parts,
        estimated_duration_minutes=duration,
        priority=_priority(row),
        time_window=window,
        is_appointment=row.flag("appointment") or window is not None,
        idempotency_key=f"csv:{row.text('external_ref')}",
        fingerprint=fingerprint,
        actor=IMPORT_ACTOR,
    )
    with cell("service_type"):
        check_code(command.service_type, field="service_type")
    return [command]


KINDS: dict[str, CsvKind] = {
    "technicians": CsvKind(
        name="technicians",
        required=("id", "first_name", "lat", "lon"),
        optional=(
            "last_name", "timezone", "skills", "certifications", "shift_days", "shift_start", "shift_end",
            "break_start", "break_end", "van_stock", "tools", "territories", "depot_id",
            "max_overtime_minutes",
        ),
        convert=lambda rows: _convert_each(rows, _technician),
        columns={"home_base": "lat", "weekday": "shift_days", "breaks": "break_start"},
    ),
    "customers": CsvKind(
        name="customers",
        required=("customer_id", "customer_name", "site_id", "address", "lat", "lon"),
        optional=("tier", "email", "phone", "site_name", "territory", "access_notes"),
        convert=_convert_customers,
        columns={"id": "customer_id", "name": "customer_name", "location": "lat"},
    ),
    "orders": CsvKind(
        name="orders",
        required=("external_ref", "customer_id", "site_id", "service_type"),
        optional=(
            "description", "channel", "priority", "asset_id", "skills", "parts", "duration_minutes",
            "window_start", "window_end", "appointment",
        ),
        convert=lambda rows: _convert_each(rows, _order),
        columns={
            "required_skills": "skills",
            "required_parts": "parts",
            "estimated_duration_minutes": "duration_minutes",
            "idempotency_key": "external_ref",
        },
    ),
}  # fmt: skip
