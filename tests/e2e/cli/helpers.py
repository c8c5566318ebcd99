"""Small helpers shared by the CLI end-to-end tests."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "import"
SMALL_DEMO = ["--technicians", "4", "--customers", "6", "--orders", "4"]


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def flat(text: str) -> str:
    """Output with every run of whitespace made one space (Rich may wrap long lines)."""
    return " ".join(text.split())
