"""What command handlers need besides the unit of work, bundled once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from fieldpilot.service.ports import Clock, IdGenerator, PasswordHasher, SecretSource


@dataclass(frozen=True)
class HandlerDeps:
    clock: Clock
    ids: IdGenerator
    secrets: SecretSource
    hasher: PasswordHasher
