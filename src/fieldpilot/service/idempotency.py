"""Idempotent creation: a retry with the same key returns the first response.

The record is written in the same unit of work as the object it created, so a key is never
stored without its object nor an object without its key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldpilot.domain.errors import IdempotencyKeyReused
from fieldpilot.service.unit_of_work import IdempotencyRecord, UnitOfWork


def replay(uow: UnitOfWork, *, scope: str, key: str | None, fingerprint: str) -> dict[str, Any] | None:
    """The stored response for this key, None when the key is new; refuses a changed request."""
    if key is None:
        return None
    found = uow.idempotency.get(scope, key)
    if found is None:
        return None
    if found.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    return found.response


def remember(
    uow: UnitOfWork,
    *,
    scope: str,
    key: str | None,
    fingerprint: str,
    kind: str,
    resource_id: str,
    response: dict[str, Any],
    at: datetime,
) -> None:
    if key is None:
        return
    uow.idempotency.add(
        IdempotencyRecord(
            key=key,
            scope=scope,
            fingerprint=fingerprint,
            resource_kind=kind,
            resource_id=resource_id,
            response=response,
            created_at=at,
        )
    )
