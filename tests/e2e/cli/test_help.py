"""Every command explains itself with --help."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fieldpilot.cli.main import app
from tests.e2e.cli.helpers import flat

COMMANDS = [
    [],
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["db", "current"],
    ["demo"],
    ["users"],
    ["users", "create"],
    ["import"],
    ["import", "csv"],
    ["simulate"],
    ["bench"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "fieldpilot")
def test_help_explains_the_command(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(flat(result.output)) > 80


def test_top_level_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])

    for name in ("serve", "db", "demo", "users", "import", "simulate", "bench"):
        assert name in result.output


def test_version_is_printed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output.startswith("fieldpilot ")


def _command_paths(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in getattr(group, "commands", {}).items():
        paths.append((*prefix, name))
        paths.extend(_command_paths(command, (*prefix, name)))
    return paths


def test_the_cli_reference_documents_every_command() -> None:
    reference = (Path(__file__).resolve().parents[3] / "docs" / "cli.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ `(fieldpilot[^`]*)`", reference, flags=re.MULTILINE))

    missing = [
        " ".join(("fieldpilot", *path))
        for path in _command_paths(typer.main.get_command(app))
        if path[0] != "bench" and " ".join(("fieldpilot", *path)) not in headings
    ]

    assert missing == [], "regenerate docs/cli.md (see its first lines)"
