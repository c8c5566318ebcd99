"""Stores written with SQL Core rather than the ORM: SLA policies (JSON documents with a row
version), idempotency records, the outbox and decision records.

New idempotency and decision records are held until the unit of work commits and then inserted
in its transaction (`write`), so a rolled-back command leaves none behind.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, insert, select, update

from fieldpilot.domain.errors import Conflict
from fieldpilot.service.unit_of_work import DecisionRecord, IdempotencyRecord, OutboxMessage
from fieldpilot.sla.policy import SlaPolicy
from fieldpilot.storage import tables

if TYPE_CHECKING:
    from fieldpilot.storage.repositories import Work

_NEW = 0  # loaded version of a policy added in this unit of work (stored versions start at 1)
_policies = tables.sla_policies.c


class SqlSlaPolicyRepository:
    """Frozen `SlaPolicy` values by id. Changing one means `add`ing its replacement under the same
    id; the row's version guards against two units of work replacing the same policy."""

    def __init__(self, work: Work) -> None:
        self._work = work
        self._seen: dict[str, SlaPolicy] = {}
        self._loaded: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._deleted: set[str] = set()

    def get(self, key: str) -> SlaPolicy | None:
        if key in self._deleted:
            return None
        if key not in self._seen:
            row = self._work.session.execute(
                select(_policies.document, _policies.version).where(_policies.id == key)
            ).first()
            if row is None:
                return None
            self._remember(key, row.document, row.version)
        return self._seen[key]

    def add(self, obj: SlaPolicy) -> None:
        self._deleted.discard(obj.id)
        self._seen[obj.id] = obj
        self._loaded.setdefault(obj.id, _NEW)
        self._dirty.add(obj.id)

    def delete(self, obj: SlaPolicy) -> None:
        self._deleted.add(obj.id)
        self._dirty.discard(obj.id)

    def list(self, *, offset: int = 0, limit: int = 100) -> list[SlaPolicy]:
        self._work.flush()
        rows = self._work.session.execute(
            select(_policies.id, _policies.document, _policies.version)
            .order_by(self._work.in_key_order(_policies.id))
            .offset(offset)
            .limit(limit)
        )
        policies: builtins.list[SlaPolicy] = []
        for row in rows:
            if row.id not in self._seen:  # what this unit of work already holds wins
                self._remember(row.id, row.document, row.version)
            policies.append(self._seen[row.id])
        return policies

    def _remember(self, key: str, document: SlaPolicy, version: int) -> None:
        self._seen[key] = replace(document, version=version)
        self._loaded[key] = version

    def count(self) -> int:
        self._work.flush()
        return self._work.session.scalar(select(func.count()).select_from(tables.sla_policies)) or 0

    def reset(self) -> None:
        """Forget everything seen in the transaction (after a rollback)."""
        self._seen.clear()
        self._loaded.clear()
        self._dirty.clear()
        self._deleted.clear()

    def pending(self) -> builtins.list[SlaPolicy]:
        """Policies added in this unit of work that are not stored yet."""
        return [self._seen[key] for key in sorted(self._dirty) if self._loaded.get(key) == _NEW]

    def write(self) -> None:
        """Write added, replaced and deleted policies; a lost race raises Conflict."""
        session = self._work.session
        for key in sorted(self._dirty):
            loaded = self._loaded[key]
            if loaded == _NEW:
                version = self._seen[key].version
                session.execute(insert(tables.sla_policies).values(id=key, document=self._seen[key], version=version))
                self._loaded[key] = version
                continue
            # The service bumps the policy's version; a replacement that forgot to still moves on.
            version = max(self._seen[key].version, loaded + 1)
            result = session.execute(
                update(tables.sla_policies)
                .where(_policies.id == key, _policies.version == loaded)
                .values(document=self._seen[key], version=version)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise _changed_meanwhile(key)
            self._loaded[key] = version
        for key in sorted(self._deleted):
            statement = delete(tables.sla_policies).where(_policies.id == key)
            version = self._loaded.pop(key, _NEW)
            if version != _NEW:
                statement = statement.where(_policies.version == version)
            result = session.execute(statement)
            if version != _NEW and result.rowcount != 1:  # type: ignore[attr-defined]
                raise _changed_meanwhile(key)
            self._seen.pop(key, None)
        self._dirty.clear()
        self._deleted.clear()


def _changed_meanwhile(key: str) -> Conflict:
    return Conflict(f"SLA policy {key} was changed or deleted by someone else meanwhile; retry on fresh data")


_idempotency = tables.idempotency.c


class SqlIdempotencyStore:
    def __init__(self, work: Work) -> None:
        self._work = work
        self.new: list[IdempotencyRecord] = []

    def get(self, scope: str, key: str) -> IdempotencyRecord | None:
        row = self._work.session.execute(
            select(tables.idempotency).where(_idempotency.scope == scope, _idempotency.key == key)
        ).first()
        if row is not None:
            return IdempotencyRecord(
                key=row.key,
                scope=row.scope,
                fingerprint=row.fingerprint,
                resource_kind=row.resource_kind,
                resource_id=row.resource_id,
                response=row.response,
                created_at=row.created_at,
            )
        return next((r for r in self.new if (r.scope, r.key) == (scope, key)), None)

    def add(self, record: IdempotencyRecord) -> None:
        self.new.append(record)

    def write(self) -> None:
        for record in self.new:
            self._work.session.execute(
                insert(tables.idempotency).values(
                    scope=record.scope,
                    key=record.key,
                    fingerprint=record.fingerprint,
                    resource_kind=record.resource_kind,
                    resource_id=record.resource_id,
                    response=record.response,
                    created_at=record.created_at,
                )
            )
        self.new = []


_outbox = tables.outbox.c


class SqlOutbox:
    """Outbox rows are inserted by the unit of work's commit; the relay reads and marks them.

    `pending` locks the rows it returns with FOR UPDATE SKIP LOCKED on PostgreSQL, so relays on
    several machines never deliver the same row at once."""

    def __init__(self, work: Work) -> None:
        self._work = work

    def pending(self, *, limit: int = 100) -> list[OutboxMessage]:
        rows = self._work.session.execute(
            select(tables.outbox)
            .where(_outbox.published_at.is_(None))
            .order_by(_outbox.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [OutboxMessage(r.id, r.name, r.payload, r.created_at, r.published_at) for r in rows]

    def mark_published(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            self._work.session.execute(update(tables.outbox).where(_outbox.id.in_(list(ids))).values(published_at=at))

    def append(self, messages: Sequence[OutboxMessage]) -> None:
        if messages:
            self._work.session.execute(
                insert(tables.outbox),
                [{"name": m.name, "payload": m.payload, "created_at": m.created_at} for m in messages],
            )


_decisions = tables.decisions.c


class SqlDecisions:
    def __init__(self, work: Work) -> None:
        self._work = work
        self.new: list[DecisionRecord] = []

    def add(self, record: DecisionRecord) -> None:
        self.new.append(record)

    def for_order(self, order_id: str) -> list[DecisionRecord]:
        rows = self._work.session.execute(
            select(tables.decisions)
            .where(_decisions.order_id == order_id)
            .order_by(_decisions.created_at, self._work.in_key_order(_decisions.id))
        )
        stored = [DecisionRecord(r.id, r.order_id, r.created_at, r.kind, r.body) for r in rows]
        return [*stored, *(r for r in self.new if r.order_id == order_id)]

    def write(self) -> None:
        if self.new:
            self._work.session.execute(
                insert(tables.decisions),
                [
                    {
                        "id": r.id,
                        "order_id": r.order_id,
                        "created_at": r.created_at,
                        "kind": r.kind,
                        "body": r.body,
                    }
                    for r in self.new
                ],
            )
        self.new = []
