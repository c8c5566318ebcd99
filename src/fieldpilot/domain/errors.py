"""The one exception tree of fieldpilot. Errors carry data, never HTTP codes.

    FieldpilotError
    ├── InvalidInput            a value breaks a rule (field names the offending input)
    ├── NotFound                no such object (kind, key)
    ├── PermissionDenied        the actor may not do this
    ├── AuthenticationFailed    no or wrong credentials
    ├── TooManyAttempts         a client guessed too often (e.g. tracking tokens); retry later
    └── Conflict                the request clashes with the current state
        ├── IllegalTransition   the lifecycle does not allow this action now
        ├── VersionMismatch     If-Match names an old version
        ├── PreconditionRequired  an update came without If-Match
        ├── SlotTaken           a technician is already booked in that time slot
        ├── AlreadyExists       a unique key is taken
        └── IdempotencyKeyReused  the same key came with a different request

The API maps each class to a problem response in one table (api/problems.py). A business outcome
such as "no technician can take this order" is a result, not an exception.
"""

from __future__ import annotations

from collections.abc import Sequence


class FieldpilotError(Exception):
    """Base of every error fieldpilot raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(FieldpilotError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class NotFound(FieldpilotError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} not found")
        self.kind = kind
        self.key = key


class PermissionDenied(FieldpilotError):
    pass


class AuthenticationFailed(FieldpilotError):
    pass


class TooManyAttempts(FieldpilotError):
    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Conflict(FieldpilotError):
    pass


class IllegalTransition(Conflict):
    def __init__(self, *, current: str, action: str, allowed: Sequence[str]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(f"cannot {action} an order that is {current}; allowed actions: {allowed_text}")
        self.current = current
        self.action = action
        self.allowed = tuple(allowed)


class VersionMismatch(Conflict):
    def __init__(self, *, kind: str, expected: int, actual: int) -> None:
        super().__init__(f"{kind} is at version {actual}, the request was based on version {expected}")
        self.kind = kind
        self.expected = expected
        self.actual = actual


class PreconditionRequired(Conflict):
    def __init__(self, kind: str) -> None:
        super().__init__(f"updating a {kind} needs an If-Match header with its current version")
        self.kind = kind


class SlotTaken(Conflict):
    def __init__(self, *, technician_id: str, order_id: str) -> None:
        super().__init__(f"technician {technician_id} is already booked in that slot (order {order_id})")
        self.technician_id = technician_id
        self.order_id = order_id


class AlreadyExists(Conflict):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!s} already exists")
        self.kind = kind
        self.key = key


class IdempotencyKeyReused(Conflict):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different request")
        self.key = key
