"""Shared paths for the solver tests: small instances committed under tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture
def solomon_dir() -> Path:
    return DATA / "solomon"


@pytest.fixture
def homberger_dir() -> Path:
    return DATA / "homberger"


@pytest.fixture
def trsp_dir() -> Path:
    return DATA / "trsp"
