"""Reading CSV files for `fieldpilot import csv`: the header check, line numbers, and cell parsers
that name the offending column when a value is wrong.

Conventions of the files (see docs/import.md): UTF-8 (a BOM is fine), comma separated, a header
row; lists inside a cell are separated by `;`, and `code:value` pairs by a colon, e.g.
`boiler:3;plumbing:2`. Empty cells mean "not given".
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from fieldpilot.domain.errors import InvalidInput

MAX_ROWS = 100_000


@dataclass(frozen=True)
class RowError:
    """A problem with one row: its line in the file (the header is line 1) and the column."""

    line: int
    field: str
    message: str


class CellError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CsvFileError(Exception):
    """The file as a whole cannot be read (missing, not CSV, wrong header)."""


@contextmanager
def cell(column: str) -> Iterator[None]:
    """Report a domain rule broken while building from `column` as an error of that column."""
    try:
        yield
    except InvalidInput as error:
        raise CellError(column, error.reason) from None


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]

    def text(self, column: str) -> str:
        """The stripped cell; CellError when it is empty (the column is required)."""
        value = self.optional(column)
        if value is None:
            raise CellError(column, "is required")
        return value

    def optional(self, column: str) -> str | None:
        value = (self.cells.get(column) or "").strip()
        return value or None

    def number(self, column: str) -> float:
        raw = self.text(column)
        try:
            return float(raw)
        except ValueError:
            raise CellError(column, f"{raw!r} is not a number") from None

    def integer(self, column: str, default: int | None = None) -> int | None:
        raw = self.optional(column)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise CellError(column, f"{raw!r} is not a whole number") from None

    def items(self, column: str) -> tuple[str, ...]:
        """`a;b;c` as a tuple, blanks dropped."""
        raw = self.optional(column) or ""
        return tuple(part.strip() for part in raw.split(";") if part.strip())

    def pairs(self, column: str) -> list[tuple[str, str | None]]:
        """`a:1;b:2;c` as [(a, 1), (b, 2), (c, None)]."""
        result: list[tuple[str, str | None]] = []
        for item in self.items(column):
            name, sep, value = item.partition(":")
            if not name.strip() or (sep and not value.strip()):
                raise CellError(column, f"{item!r} is not `name:value`")
            result.append((name.strip(), value.strip() if sep else None))
        return result

    def counts(self, column: str) -> dict[str, int]:
        """`a:2;b:1` as {a: 2, b: 1}; a name without a count means 1."""
        result: dict[str, int] = {}
        for name, value in self.pairs(column):
            if name in result:
                raise CellError(column, f"{name!r} is listed twice")
            try:
                result[name] = 1 if value is None else int(value)
            except ValueError:
                raise CellError(column, f"{value!r} (for {name!r}) is not a whole number") from None
        return result

    def moment(self, column: str) -> datetime | None:
        """An ISO 8601 date and time with its UTC offset, e.g. 2026-11-25T14:00:00+01:00."""
        raw = self.optional(column)
        if raw is None:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise CellError(column, f"{raw!r} is not an ISO 8601 date and time") from None
        if value.tzinfo is None:
            raise CellError(column, f"{raw!r} needs a UTC offset, e.g. {raw}+01:00")
        return value

    def day(self, value: str, column: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CellError(column, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def clock(self, column: str) -> time | None:
        raw = self.optional(column)
        if raw is None:
            return None
        try:
            return time.fromisoformat(raw)
        except ValueError:
            raise CellError(column, f"{raw!r} is not a time of day (HH:MM)") from None

    def flag(self, column: str) -> bool:
        raw = (self.optional(column) or "false").lower()
        if raw in ("1", "true", "yes", "y"):
            return True
        if raw in ("0", "false", "no", "n"):
            return False
        raise CellError(column, f"{raw!r} is not true or false")


def read_csv(path: Path, *, required: Sequence[str], optional: Sequence[str]) -> list[CsvRow]:
    """The data rows of `path`, each with its line number; CsvFileError on a bad header."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CsvFileError(f"{path} is empty; the first line must be a header")
            columns = [name.strip() for name in header]
            _check_header(columns, required=required, optional=optional)
            rows: list[CsvRow] = []
            end_of_previous = reader.line_num
            for values in reader:
                line = end_of_previous + 1
                end_of_previous = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(columns):
                    raise CsvFileError(f"line {line}: {len(values)} cells but only {len(columns)} columns")
                rows.append(CsvRow(line, dict(zip(columns, values, strict=False))))
                if len(rows) > MAX_ROWS:
                    raise CsvFileError(f"more than {MAX_ROWS} rows: split the file")
            return rows
    except OSError as error:
        raise CsvFileError(f"cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise CsvFileError(f"{path} is not a UTF-8 CSV file: {error}") from None


def _check_header(columns: list[str], *, required: Sequence[str], optional: Sequence[str]) -> None:
    missing = [c for c in required if c not in columns]
    if missing:
        raise CsvFileError(f"missing column(s): {', '.join(missing)}; the header must name them")
    known = set(required) | set(optional)
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise CsvFileError(f"unknown column(s): {', '.join(unknown)}; allowed: {', '.join([*required, *optional])}")
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise CsvFileError(f"column(s) named twice: {', '.join(duplicates)}")
