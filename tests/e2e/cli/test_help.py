"""Every command explains itself with --help."""

from __future__ import annotations

import pytest
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
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "fieldpilot")
def test_help_explains_the_command(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert len(flat(result.output)) > 80


def test_top_level_help_lists_every_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])

    for name in ("serve", "db", "demo", "users", "import"):
        assert name in result.output


def test_version_is_printed(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output.startswith("fieldpilot ")
