"""Validate a whole CSV file through the real handlers, then commit it row by row.

All or nothing: every command of the file is first rehearsed on the message bus over an
in-memory unit of work that holds copies of the rows the file refers to (catalogues, the
customers, sites and assets it names, objects with the same keys). Only a file without a single
error is then sent to the real bus. Re-importing a file is harmless: rows whose object already
exists with the same values (or orders whose `external_ref` was imported with the same content)
are counted as unchanged and skipped, so an import interrupted half-way can simply be re-run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from fieldpilot.bootstrap import Services, bootstrap
from fieldpilot.cli.csv_kinds import IMPORT_ACTOR, CsvKind, PlannedCommand
from fieldpilot.cli.csv_rows import RowError
from fieldpilot.domain.commands import CreateResource, CreateWorkOrder, ResourceKind
from fieldpilot.domain.errors import AlreadyExists, FieldpilotError, IdempotencyKeyReused, InvalidInput
from fieldpilot.service.handlers.resources import key_of, repository
from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from fieldpilot.service.unit_of_work import UnitOfWork
from fieldpilot.service.views import resource_view

ORDER_SCOPE = f"{IMPORT_ACTOR}:create_work_order"
TABLES = {
    ResourceKind.SKILL: "skills",
    ResourceKind.TECHNICIAN: "technicians",
    ResourceKind.CUSTOMER: "customers",
    ResourceKind.SITE: "sites",
    ResourceKind.ASSET: "assets",
    ResourceKind.PART: "parts",
    ResourceKind.WAREHOUSE: "warehouses",
    ResourceKind.SLA_POLICY: "sla_policies",
    ResourceKind.TRIAGE_RULE: "triage_rules",
}
CATALOGUES = (ResourceKind.SKILL, ResourceKind.PART, ResourceKind.SLA_POLICY, ResourceKind.TRIAGE_RULE)
KEY_COLUMN = {"technician": "id", "customer": "customer_id", "site": "site_id"}


@dataclass
class Validation:
    to_commit: list[PlannedCommand] = field(default_factory=list)
    unchanged: list[PlannedCommand] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class ImportInterrupted(Exception):
    """The real bus refused a row the rehearsal accepted (the database changed meanwhile)."""

    def __init__(self, *, line: int, error: FieldpilotError, committed: int) -> None:
        super().__init__(f"line {line}: {error.message}")
        self.line = line
        self.error = error
        self.committed = committed


def validate(planned: Sequence[PlannedCommand], *, kind: CsvKind, services: Services) -> Validation:
    """Rehearse every command on an in-memory copy of what it touches; collect every error."""
    result = Validation()
    memory = MemoryDatabase()
    with services.uow_factory() as uow:
        _copy_references(uow, memory=memory, planned=planned)
        for item in planned:
            if _unchanged(uow, item, memory=memory):
                result.unchanged.append(item)
            else:
                result.to_commit.append(item)
    now = datetime.now(UTC)
    rehearsal = bootstrap(
        services.settings.model_copy(update={"auto_dispatch": False}),  # validation only
        uow_factory=lambda: cast("UnitOfWork", MemoryUnitOfWork(memory, lambda: now)),
        hasher=services.deps.hasher,
    )
    for item in result.to_commit:
        try:
            rehearsal.bus.handle(item.command)
        except FieldpilotError as error:
            message = error.reason if isinstance(error, InvalidInput) else error.message
            result.errors.append(RowError(item.line, _column(error, kind), message))
    return result


def commit(validation: Validation, *, services: Services, on_row: Callable[[], None] | None = None) -> int:
    """Send the validated commands to the real bus, in file order; return how many went in."""
    done = 0
    for item in validation.to_commit:
        try:
            services.bus.handle(item.command)
        except FieldpilotError as error:
            raise ImportInterrupted(line=item.line, error=error, committed=done) from error
        done += 1
        if on_row is not None:
            on_row()
    return done


def _column(error: FieldpilotError, kind: CsvKind) -> str:
    if isinstance(error, InvalidInput):
        return kind.columns.get(error.field, error.field)
    if isinstance(error, AlreadyExists):
        return KEY_COLUMN.get(error.kind, "row")
    if isinstance(error, IdempotencyKeyReused):
        return "external_ref"
    return "row"


def _detached(obj: Any) -> Any:
    """A fresh copy of a loaded object, free of any session state."""
    return dataclasses.replace(obj)


def _copy_references(uow: UnitOfWork, *, memory: MemoryDatabase, planned: Sequence[PlannedCommand]) -> None:
    for catalogue in CATALOGUES:
        table = memory.table(TABLES[catalogue])
        for obj in repository(uow, catalogue).list(limit=1_000_000):
            table[key_of(catalogue, obj)] = _detached(obj)
    wanted: dict[ResourceKind, set[str]] = {k: set() for k in TABLES}
    for item in planned:
        command = item.command
        if isinstance(command, CreateResource):
            wanted[command.kind].add(key_of(command.kind, command.resource))
            if command.kind is ResourceKind.SITE:
                wanted[ResourceKind.CUSTOMER].add(command.resource.customer_id)
        elif isinstance(command, CreateWorkOrder):
            wanted[ResourceKind.CUSTOMER].add(command.customer_id)
            wanted[ResourceKind.SITE].add(command.site_id)
            if command.asset_id:
                wanted[ResourceKind.ASSET].add(command.asset_id)
    for resource_kind, keys in wanted.items():
        repo = repository(uow, resource_kind)
        table = memory.table(TABLES[resource_kind])
        for key in keys - set(table):
            found = repo.get(key)
            if found is not None:
                table[key] = _detached(found)


def _unchanged(uow: UnitOfWork, item: PlannedCommand, *, memory: MemoryDatabase) -> bool:
    """Whether the row is already in the database exactly as the file says (a re-import)."""
    command = item.command
    if isinstance(command, CreateWorkOrder) and command.idempotency_key:
        record = uow.idempotency.get(ORDER_SCOPE, command.idempotency_key)
        return record is not None and record.fingerprint == command.fingerprint
    if isinstance(command, CreateResource):
        existing = memory.table(TABLES[command.kind]).get(key_of(command.kind, command.resource))
        return existing is not None and _same(existing, command.resource)
    return False


def _same(existing: Any, new: Any) -> bool:
    def comparable(obj: Any) -> dict[str, Any]:
        view = resource_view(obj)
        view.pop("version", None)
        return view

    return comparable(existing) == comparable(new)
