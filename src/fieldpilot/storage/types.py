"""Column types that carry domain values: aware UTC times, enums, and value objects as JSON.

- `UtcDateTime`: aware datetimes in, aware UTC datetimes out, on SQLite (which stores no offset)
  as on PostgreSQL (`timestamptz`); a naive datetime is refused rather than guessed.
- `EnumText` / `EnumInt`: a `StrEnum` / `IntEnum` stored by value, loaded as the enum member.
- `JsonCoded`: any value stored as JSON through an encode/decode pair (JSONB on PostgreSQL).
  Wrap it in `MutableDict.as_mutable` / `MutableList.as_mutable` where the domain changes a dict or
  list in place, so that the change is written.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from fieldpilot.storage import codecs


class UtcDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"refusing to store the naive datetime {value!r}: times are stored as aware UTC")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset; every value in it is UTC by this rule.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EnumText(TypeDecorator[enum.Enum]):
    """A string enum stored as its value (a plain VARCHAR, no database enum type to migrate)."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_class: type[enum.Enum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(self.enum_class(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> enum.Enum | None:
        return None if value is None else self.enum_class(value)


class EnumInt(TypeDecorator[enum.IntEnum]):
    impl = Integer
    cache_ok = True

    def __init__(self, enum_class: type[enum.IntEnum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(self.enum_class(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> enum.IntEnum | None:
        return None if value is None else self.enum_class(value)


class JsonCoded(TypeDecorator[Any]):
    """A value stored as JSON via `encode` (value -> JSON data) and `decode` (JSON data -> value).

    None is stored as SQL NULL and never reaches the codec.
    """

    impl = JSON(none_as_null=True)
    cache_ok = True

    def __init__(self, encode: Callable[[Any], Any], decode: Callable[[Any], Any]) -> None:
        super().__init__()
        self.encode = encode
        self.decode = decode

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(JSON(none_as_null=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.encode(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.decode(value)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        return self.impl_instance


def _same(value: Any) -> Any:
    return value


def json_plain() -> JsonCoded:
    """Plain JSON data (dicts of str/int/float/bool) stored as it is."""
    return JsonCoded(_same, _same)


def json_tuple(encode: Callable[[Any], Any], decode: Callable[[Any], Any]) -> JsonCoded:
    """A tuple of value objects as a JSON array."""
    return JsonCoded(_TupleOf(encode, list), _TupleOf(decode, tuple))


def json_list(encode: Callable[[Any], Any], decode: Callable[[Any], Any]) -> JsonCoded:
    """A list of value objects as a JSON array."""
    return JsonCoded(_TupleOf(encode, list), _TupleOf(decode, list))


def json_codes() -> JsonCoded:
    """A frozenset of codes as a sorted JSON array."""
    return JsonCoded(sorted, frozenset)


def json_instants() -> JsonCoded:
    """A dict of name -> aware datetime, e.g. the milestones of an order."""
    return JsonCoded(_InstantsOf(codecs.instant_to_json), _InstantsOf(codecs.instant_from_json))


class _TupleOf:
    """Applies `item` to each element and collects into `collect`; hashable for the type cache."""

    def __init__(self, item: Callable[[Any], Any], collect: Callable[[Any], Any]) -> None:
        self.item = item
        self.collect = collect

    def __call__(self, values: Any) -> Any:
        return self.collect(self.item(v) for v in values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TupleOf) and (self.item, self.collect) == (other.item, other.collect)

    def __hash__(self) -> int:
        return hash((self.item, self.collect))


class _InstantsOf:
    def __init__(self, item: Callable[[Any], Any]) -> None:
        self.item = item

    def __call__(self, values: Any) -> Any:
        return {k: self.item(v) for k, v in values.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InstantsOf) and self.item == other.item

    def __hash__(self) -> int:
        return hash(self.item)
