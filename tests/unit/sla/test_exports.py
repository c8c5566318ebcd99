"""The public surface of fieldpilot.sla is what `__all__` says, and nothing it names is missing."""

from __future__ import annotations

import fieldpilot.sla


def test_every_exported_name_exists_and_is_public() -> None:
    for name in fieldpilot.sla.__all__:
        assert not name.startswith("_")
        assert getattr(fieldpilot.sla, name).__module__.startswith("fieldpilot.sla.")


def test_the_service_layer_names_are_exported() -> None:
    expected = {"BusinessCalendar", "SlaTargets", "Milestone", "SlaPolicy", "select_policy", "compute_sla"}

    assert expected <= set(fieldpilot.sla.__all__)
