"""Storage errors, and the translation of database errors into the domain's error tree.

    FieldpilotError                     (fieldpilot.domain.errors)
    └── DatabaseNotMigrated             the schema is older or newer than the code

A lost optimistic-concurrency race (`StaleDataError`) becomes `Conflict`; a unique key taken
becomes `AlreadyExists` (or `Conflict` for an Idempotency-Key used by a concurrent request).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from fieldpilot.domain.errors import AlreadyExists, Conflict, FieldpilotError
from fieldpilot.service.unit_of_work import DecisionRecord, IdempotencyRecord
from fieldpilot.sla.policy import SlaPolicy
from fieldpilot.storage.tables import metadata


class DatabaseNotMigrated(FieldpilotError):
    """The database schema is not the revision this code was written for."""

    def __init__(self, *, url: str, current: str | None, needed: str, known: bool = True) -> None:
        current_text = current or "none (an empty or unversioned database)"
        hint = "" if known else " (a revision this code does not know: was it migrated by a newer fieldpilot?)"
        super().__init__(
            f"database at {url} is at revision {current_text}, the code needs {needed}: "
            f"run `fieldpilot db upgrade`{hint}"
        )
        self.url = url
        self.current = current
        self.needed = needed


# table -> what its rows are called in messages
_KINDS: dict[str, str] = {
    "skills": "skill",
    "technicians": "technician",
    "customers": "customer",
    "sites": "site",
    "assets": "asset",
    "parts": "part",
    "warehouses": "warehouse",
    "users": "user",
    "api_keys": "API key",
    "sla_policies": "SLA policy",
    "work_orders": "work order",
    "order_history": "work order history entry",
    "decisions": "decision record",
    "triage_rules": "triage rule",
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")
_STALE_TABLE = re.compile(r"on table '(?P<table>\w+)'")


def translate(error: Exception, *, pending: Iterable[object] = ()) -> FieldpilotError | None:
    """The domain error for a database error, or None when it is not one we explain.

    `pending` are the objects the failed write was inserting (the session's new objects and the
    records held for commit); the key that was taken is read from them.
    """
    if isinstance(error, StaleDataError):
        match = _STALE_TABLE.search(str(error))
        kind = _KINDS.get(match["table"], match["table"]) if match else "an object"
        return Conflict(f"{kind} was changed or deleted by someone else meanwhile; retry on fresh data")
    if isinstance(error, IntegrityError):
        table, columns = _violated_unique(error)
        if table is None:
            return Conflict(f"the change breaks a database rule: {error.orig}")
        values = _taken_values(table, columns, pending)
        if table == "idempotency":
            return Conflict(f"Idempotency-Key {values.get('key', '?')!r} is being used by a concurrent request")
        kind = _KINDS.get(table, table)
        key_columns = [c for c in columns if c not in ("id", "code")]
        if key_columns:
            label = ", ".join(f"{c}={values.get(c, '?')}" for c in key_columns)
            return AlreadyExists(f"{kind} with", label)
        return AlreadyExists(kind, values.get(columns[0], "?") if columns else "?")
    return None


def _taken_values(table: str, columns: list[str], pending: Iterable[object]) -> dict[str, Any]:
    """The values of `columns` in the pending row of `table`, when exactly one row is a candidate."""
    candidates = [obj for obj in pending if _table_of(obj) == table]
    if len(candidates) != 1:
        return {}
    return {c: getattr(candidates[0], c, "?") for c in columns}


def _table_of(obj: object) -> str | None:
    if isinstance(obj, IdempotencyRecord):
        return "idempotency"
    if isinstance(obj, DecisionRecord):
        return "decisions"
    if isinstance(obj, SlaPolicy):
        return "sla_policies"
    mapper = inspect(obj, raiseerr=False)
    table = getattr(getattr(mapper, "mapper", None), "local_table", None)
    return getattr(table, "name", None)


def _violated_unique(error: IntegrityError) -> tuple[str | None, list[str]]:
    """(table, columns) of the unique or primary key that was violated, if that is what happened."""
    orig = error.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:  # psycopg
        if getattr(orig, "sqlstate", None) != "23505":
            return None, []
        violated = metadata.tables.get(diag.table_name or "")
        if violated is None:
            return None, []
        for constraint in violated.constraints:
            if constraint.name == diag.constraint_name:
                return violated.name, [c.name for c in constraint.columns]  # type: ignore[attr-defined]
        return violated.name, []
    match = _SQLITE_UNIQUE.search(str(orig))
    if match is None:
        return None, []
    qualified = [c.strip() for c in match["columns"].split(",")]
    table = qualified[0].split(".")[0]
    return table, [c.split(".", 1)[1] for c in qualified]
