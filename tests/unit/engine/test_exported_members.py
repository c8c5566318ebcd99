"""The engine's public surface is explicit: every name in __all__ exists and comes from the package."""

from __future__ import annotations

import fieldpilot.engine as engine
import fieldpilot.routing as routing


def test_public_names_are_exported_from_their_package() -> None:
    for module in (engine, routing):
        for name in module.__all__:
            member = getattr(module, name)
            assert not name.startswith("_")
            assert getattr(member, "__module__", "").startswith(module.__name__), name
        assert sorted(module.__all__) == list(module.__all__)


def test_reason_codes_are_their_own_names() -> None:
    assert all(code.value == code.name for code in engine.ReasonCode)
    assert all(code.value == code.name for code in engine.ViolationCode)
