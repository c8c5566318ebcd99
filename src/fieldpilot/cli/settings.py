"""Build the one Settings object of a command from the environment plus command-line overrides.

Each command calls `load_settings(...)` once and passes the result down; nothing reads the
environment at import time. An invalid setting ends the command with exit code 2.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from fieldpilot.cli.output import fail
from fieldpilot.config import Settings

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database (default: FIELDPILOT_DATABASE_URL or sqlite:///fieldpilot.db).",
        show_default=False,
    ),
]
HostOption = Annotated[
    str | None, typer.Option("--host", help="Interface to listen on (default: FIELDPILOT_HOST or 127.0.0.1).")
]
PortOption = Annotated[
    int | None, typer.Option("--port", help="TCP port (default: FIELDPILOT_PORT or 8000).", min=1, max=65535)
]


def load_settings(**overrides: Any) -> Settings:
    """Settings from FIELDPILOT_* variables; options given on the command line win."""
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in error.errors())
        fail(f"invalid settings: {problems}", code=2)
