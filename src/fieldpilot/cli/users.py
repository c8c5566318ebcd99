"""`fieldpilot users`: create users (passwords typed in hidden, or read from standard input)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from fieldpilot.cli.output import console, fail
from fieldpilot.cli.settings import DatabaseUrlOption, load_settings
from fieldpilot.domain.commands import CreateUser
from fieldpilot.domain.errors import FieldpilotError
from fieldpilot.domain.values import Role

users_app = typer.Typer(
    rich_markup_mode="markdown", help="User accounts for the API and the web console.", no_args_is_help=True
)

HUMAN_ROLES = [role.value for role in Role if role is not Role.INTEGRATION]


@users_app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="Login name, unique.")],
    role: Annotated[
        str,
        typer.Option(help=f"One of: {', '.join(HUMAN_ROLES)}.", case_sensitive=False),
    ] = Role.DISPATCHER.value,
    full_name: Annotated[str, typer.Option(help="Name shown in the console.")] = "",
    technician_id: Annotated[
        str | None, typer.Option(help="Technician this user is (required for the technician role).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first line of standard input."),
    ] = False,
    database_url: DatabaseUrlOption = None,
) -> None:
    """Create a user. The password is asked for twice with hidden input (at least 10 characters).

    Example: fieldpilot users create alice --role dispatcher --full-name "Alice Martin"
    """
    if role.lower() not in HUMAN_ROLES:
        fail(f"unknown role {role!r}; choose one of: {', '.join(HUMAN_ROLES)}", code=2)
    settings = load_settings(database_url=database_url)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    from fieldpilot.bootstrap import bootstrap
    from fieldpilot.cli.serving import check_database

    check_database(settings)
    services = bootstrap(settings)
    try:
        services.bus.handle(
            CreateUser(
                username=username,
                password=password,
                role=Role(role.lower()),
                full_name=full_name,
                technician_id=technician_id,
                actor="cli",
            )
        )
    except FieldpilotError as error:
        fail(error.message)
    finally:
        services.dispose()
    console.print(f"[green]✓[/] created user [bold]{username}[/] with role {role.lower()}")
