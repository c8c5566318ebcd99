"""fieldpilot.engine: the dispatch engine, pure (no I/O, no clock, no randomness it was not given).

    problem.py     DispatchProblem snapshot: TechnicianState, OrderRequest, TravelMatrix, ...
    params.py      DispatchParams: cost weights and tolerances, validated, loadable from TOML
    plan.py        Plan / Route / ScheduledVisit: what the engine or a solver proposes
    insertion.py   real time: insert, rank_candidates (offers), evaluate_force_assign, apply_assignment
    explain.py     DecisionRecord and its parts (cost breakdown, runners-up, rejections, unblock hints)
    reasons.py     ReasonCode and the human sentences
    checker.py     check_plan: the independent plan checker
    schedule.py, filters.py, candidates.py, team.py, forced.py   the machinery behind insertion
    solvers/       batch optimisation (the only place that imports the optimisation library)

May import: fieldpilot.domain, fieldpilot.sla, numpy and the standard library.
"""

from __future__ import annotations

from fieldpilot.engine.checker import Violation, ViolationCode, check_plan, check_route
from fieldpilot.engine.explain import Candidate, CostBreakdown, DecisionRecord
from fieldpilot.engine.insertion import (
    ForcedAssignment,
    InsertionDecision,
    Offer,
    apply_assignment,
    evaluate_force_assign,
    insert,
    plan_of,
    rank_candidates,
)
from fieldpilot.engine.params import DispatchParams
from fieldpilot.engine.plan import Plan, Route, ScheduledBreak, ScheduledVisit
from fieldpilot.engine.problem import (
    BreakWindow,
    CongestionProfile,
    DispatchProblem,
    OrderRequest,
    PinKind,
    PlannedVisit,
    Restock,
    TechnicianState,
    TravelMatrix,
    WarehouseStock,
    Window,
)
from fieldpilot.engine.reasons import Reason, ReasonCode

__all__ = [
    "BreakWindow",
    "Candidate",
    "CongestionProfile",
    "CostBreakdown",
    "DecisionRecord",
    "DispatchParams",
    "DispatchProblem",
    "ForcedAssignment",
    "InsertionDecision",
    "Offer",
    "OrderRequest",
    "PinKind",
    "Plan",
    "PlannedVisit",
    "Reason",
    "ReasonCode",
    "Restock",
    "Route",
    "ScheduledBreak",
    "ScheduledVisit",
    "TechnicianState",
    "TravelMatrix",
    "Violation",
    "ViolationCode",
    "WarehouseStock",
    "Window",
    "apply_assignment",
    "check_plan",
    "check_route",
    "evaluate_force_assign",
    "insert",
    "plan_of",
    "rank_candidates",
]
