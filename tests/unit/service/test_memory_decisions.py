"""Decision records in the in-memory store: kept serialised once committed, read back equal, as copies."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

from fieldpilot.service.memory import MemoryDatabase, MemoryUnitOfWork
from fieldpilot.service.unit_of_work import DecisionRecord

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def test_committed_decisions_read_back_equal_and_as_copies() -> None:
    db = MemoryDatabase()
    body = {
        "outcome": "assigned",
        "winner": {"technician_id": "T-1", "eta_window": [3600, 5400], "cost": {"total": 12.5}},
        "rejected": [{"technician_id": "T-2", "codes": ["SKILL_MISSING"], "reasons": [{"detail": {"skill": "x"}}]}],
        "pair": (1, 2),
        "none": None,
    }
    kept = copy.deepcopy(body)
    first = DecisionRecord("dec-1", "wo-1", T0, "auto", body)
    with MemoryUnitOfWork(db, lambda: T0) as uow:
        uow.decisions.add(first)
        uow.decisions.add(DecisionRecord("dec-2", "wo-2", T0, "auto", {}))
        assert uow.decisions.for_order("wo-1") == [first]  # uncommitted: its own
        uow.commit()
    with MemoryUnitOfWork(db, lambda: T0) as uow:
        later = DecisionRecord("dec-3", "wo-1", T0, "move", {"mode": "move"})
        uow.decisions.add(later)
        found = uow.decisions.for_order("wo-1")
        assert found == [first, later] and found[0].body["pair"] == (1, 2)
        found[0].body["rejected"][0]["codes"].append("changed")  # a copy: the stored record is untouched
        assert uow.decisions.for_order("wo-1")[0].body == kept
    assert [d.id for d in db.decisions["wo-1"]] == ["dec-1"]
