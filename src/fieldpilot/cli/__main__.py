"""`python -m fieldpilot.cli`: the same as the `fieldpilot` command."""

from __future__ import annotations

from fieldpilot.cli.main import app

app(prog_name="fieldpilot")
