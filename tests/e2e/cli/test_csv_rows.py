"""Reading import files: header checks, line numbers, and cell parsing that names the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldpilot.cli.csv_rows import CellError, CsvFileError, CsvRow, read_csv


def _write(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_line_numbers_count_the_header_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    path = _write(tmp_path, 'id,note\na,"two\nlines"\n\nb,plain\n', bom=True)

    rows = read_csv(path, required=["id"], optional=["note"])

    assert [(r.line, r.cells["id"]) for r in rows] == [(2, "a"), (5, "b")]
    assert rows[0].cells["note"] == "two\nlines"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("name\nx\n", "missing column(s): id"),
        ("id,colour\nx,red\n", "unknown column(s): colour"),
        ("id,id\nx,y\n", "named twice: id"),
        ("id\nx,y\n", "2 cells but only 1 columns"),
    ],
)
def test_a_bad_file_is_refused_with_a_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CsvFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(_write(tmp_path, text), required=["id"], optional=[])


def test_cells_are_parsed_or_blamed_on_their_column() -> None:
    row = CsvRow(7, {"skills": "boiler:3; plumbing", "lat": "north", "when": "2026-12-01T09:00"})

    assert row.counts("skills") == {"boiler": 3, "plumbing": 1}
    with pytest.raises(CellError) as not_a_number:
        row.number("lat")
    with pytest.raises(CellError) as no_offset:
        row.moment("when")

    assert not_a_number.value.field == "lat"
    assert no_offset.value.field == "when"
    assert "UTC offset" in no_offset.value.message
