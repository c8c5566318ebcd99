"""The fingerprint of a creating request: sha256 of its body as canonical JSON.

Canonical: keys sorted, no whitespace, sets sorted, times in UTC. Two bodies that mean the same
(fields in another order, defaults spelled out or left out) get the same fingerprint, so a
retry is recognised; any difference in meaning changes it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

from pydantic import BaseModel


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="python"))
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def fingerprint(body: BaseModel, *, extra: str = "") -> str:
    text = json.dumps(_canonical(body), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256((extra + text).encode()).hexdigest()
