"""`fieldpilot users create`: hidden prompt or standard input, domain rules enforced."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from fieldpilot.cli.main import app
from tests.e2e.cli.helpers import flat


def test_creates_a_user_with_the_password_from_stdin(runner: CliRunner, demo_db: str, services_for: Any) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "alice", "--role", "dispatcher", "--password-stdin", "--database-url", demo_db],
        input="correct horse battery\n",
    )

    assert result.exit_code == 0, result.output
    services = services_for(demo_db)
    with services.uow_factory() as uow:
        alice = uow.users.get_by_username("alice")
    assert alice is not None
    assert services.deps.hasher.verify(alice.password_hash, "correct horse battery")


def test_prompts_twice_for_a_hidden_password(runner: CliRunner, demo_db: str) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "bob", "--role", "manager", "--database-url", demo_db],
        input="a-long-password\na-long-password\n",
    )

    assert result.exit_code == 0, result.output
    assert "a-long-password" not in result.output


def test_refuses_a_short_password_and_a_taken_username(runner: CliRunner, demo_db: str) -> None:
    args = ["users", "create", "admin", "--password-stdin", "--database-url", demo_db]

    short = runner.invoke(app, args, input="short\n")
    taken = runner.invoke(app, args, input="long-enough-password\n")

    assert short.exit_code == 1
    assert "at least 10 characters" in flat(short.output)
    assert taken.exit_code == 1
    assert "already exists" in flat(taken.output)


def test_refuses_an_unknown_role(runner: CliRunner, demo_db: str) -> None:
    result = runner.invoke(
        app, ["users", "create", "carol", "--role", "pilot", "--password-stdin", "--database-url", demo_db]
    )

    assert result.exit_code == 2
    assert "unknown role" in flat(result.output)
