"""Builders of domain objects with every value object filled in: `a_technician(**overrides)`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fieldpilot.domain.resources import (
    Absence,
    ApiKey,
    Asset,
    Certification,
    Customer,
    Part,
    Site,
    Skill,
    Technician,
    User,
    Warehouse,
    WeeklyShift,
)
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import (
    Channel,
    CustomerTier,
    LocalTimeRange,
    Location,
    PartLine,
    Priority,
    Role,
    SkillRequirement,
    TimeWindow,
)
from fieldpilot.domain.work_order import HistoryEntry, OrderLock, OrderStatus, SlaLogEntry, SlaLogKind, WorkOrder
from fieldpilot.service.unit_of_work import DecisionRecord, IdempotencyRecord
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def a_skill(**overrides: Any) -> Skill:
    return Skill(**{"code": "hvac", "name": "Heating and cooling", "description": "HVAC work", **overrides})


def a_technician(**overrides: Any) -> Technician:
    values: dict[str, Any] = {
        "id": "tech-1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "home_base": Location(48.8566, 2.3522),
        "timezone": "Europe/Paris",
        "skills": {"hvac": 3, "electrical": 2},
        "certifications": (Certification("gas-safe", date(2027, 1, 31)), Certification("first-aid")),
        "shifts": (
            WeeklyShift(0, time(8), time(17), (LocalTimeRange(time(12), time(12, 30)),)),
            WeeklyShift(1, time(8), time(16)),
        ),
        "absences": (Absence(T0 + timedelta(days=10), T0 + timedelta(days=12), "holiday"),),
        "van_stock": {"filter-a": 4, "fuse-10a": 12},
        "tools": frozenset({"ladder", "multimeter"}),
        "territories": frozenset({"paris-north"}),
        "depot_id": "depot-1",
        "max_overtime_minutes": 60,
        "user_id": "user-7",
    }
    return Technician(**{**values, **overrides})


def a_customer(**overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "id": "cust-1",
        "name": "ACME",
        "tier": CustomerTier.VIP,
        "email": "ops@acme.test",
        "phone": "+33 1 23 45 67 89",
        "excluded_technicians": frozenset({"tech-9"}),
        "required_technicians": frozenset({"tech-1", "tech-2"}),
    }
    return Customer(**{**values, **overrides})


def a_site(**overrides: Any) -> Site:
    values: dict[str, Any] = {
        "id": "site-1",
        "customer_id": "cust-1",
        "name": "HQ",
        "address": "1 rue de Rivoli, Paris",
        "location": Location(48.86, 2.34),
        "access_notes": "badge at reception",
        "territory": "paris-north",
    }
    return Site(**{**values, **overrides})


def an_asset(**overrides: Any) -> Asset:
    values = {
        "id": "asset-1",
        "site_id": "site-1",
        "model": "Boiler X",
        "serial": "SN-1",
        "installed_on": date(2020, 5, 1),
    }
    return Asset(**{**values, **overrides})


def a_part(**overrides: Any) -> Part:
    return Part(**{"code": "filter-a", "name": "Filter A", "unit_cost_cents": 1250, **overrides})


def a_warehouse(**overrides: Any) -> Warehouse:
    values: dict[str, Any] = {
        "id": "wh-1",
        "name": "Main depot",
        "location": Location(48.9, 2.4),
        "stock": {"filter-a": 100, "fuse-10a": 0},
    }
    return Warehouse(**{**values, **overrides})


def a_user(**overrides: Any) -> User:
    values: dict[str, Any] = {
        "id": "user-1",
        "username": "dispatch",
        "password_hash": "$argon2id$v=19$...",
        "role": Role.DISPATCHER,
        "full_name": "Dee Spatch",
    }
    return User(**{**values, **overrides})


def an_api_key(**overrides: Any) -> ApiKey:
    values: dict[str, Any] = {
        "id": "key-1",
        "name": "ERP",
        "prefix": "fpk_abc",
        "secret_hash": "hash",
        "created_at": T0,
    }
    return ApiKey(**{**values, **overrides})


def an_sla_policy(**overrides: Any) -> SlaPolicy:
    working = (LocalTimeRange(time(8), time(18)),)
    values: dict[str, Any] = {
        "id": "gold",
        "name": "Gold",
        "targets": SlaTargets(dispatch=30, arrival=240, resolution=480),
        "calendar": BusinessCalendar("Europe/Paris", dict.fromkeys(range(5), working), frozenset({date(2026, 5, 1)})),
        "priority": Priority.P1,
        "tier": CustomerTier.VIP,
        "service_type": "repair",
        "pause_reasons": frozenset({"customer_absent", "parts"}),
        "at_risk_fraction": 0.75,
    }
    return SlaPolicy(**{**values, **overrides})


def a_work_order(**overrides: Any) -> WorkOrder:
    values: dict[str, Any] = {
        "id": "wo-1",
        "customer_id": "cust-1",
        "site_id": "site-1",
        "service_type": "repair",
        "created_at": T0,
        "tracking_token": f"tok-{overrides.get('id', 'wo-1')}",
        "description": "Boiler makes a noise",
        "channel": Channel.PHONE,
        "asset_id": "asset-1",
        "required_skills": (SkillRequirement("hvac", 2), SkillRequirement("electrical")),
        "required_parts": (PartLine("filter-a", 2),),
        "required_tools": frozenset({"ladder"}),
        "estimated_duration_minutes": 90,
        "priority": Priority.P2,
        "time_window": TimeWindow(T0 + timedelta(hours=1), T0 + timedelta(hours=9)),
        "is_appointment": True,
        "custom_fields": {"floor": 3, "ticket": "ERP-1", "urgent": True, "ratio": 0.5},
        "status": OrderStatus.ASSIGNED,
        "technician_id": "tech-1",
        "planned_start": T0 + timedelta(hours=2),
        "eta_window": TimeWindow(T0 + timedelta(hours=1, minutes=45), T0 + timedelta(hours=2, minutes=45)),
        "lock": OrderLock.ASSIGNMENT,
        "sla_policy_id": "gold",
        "sla_log": [
            SlaLogEntry(T0, SlaLogKind.START, "gold"),
            SlaLogEntry(T0, SlaLogKind.POLICY, "gold", "initial"),
        ],
        "sla_state": "ok",
        "sla_next_deadline": T0 + timedelta(hours=4),
        "sla_risk_at": T0 + timedelta(hours=3),
        "milestones": {"dispatched": T0 + timedelta(minutes=5)},
        "history": [
            HistoryEntry(T0, "api", "create", None, OrderStatus.NEW),
            HistoryEntry(
                T0 + timedelta(minutes=5),
                "dispatcher",
                "assign",
                OrderStatus.NEW,
                OrderStatus.ASSIGNED,
                "",
                "tech-1",
            ),
        ],
        "updated_at": T0 + timedelta(minutes=5),
    }
    return WorkOrder(**{**values, **overrides})


def a_decision(**overrides: Any) -> DecisionRecord:
    values: dict[str, Any] = {
        "id": "dec-1",
        "order_id": "wo-1",
        "created_at": T0,
        "kind": "insertion",
        "body": {
            "chosen": "tech-1",
            "cost": {"travel_s": 600},
            "runners_up": [{"id": "tech-2", "why": "skill"}],
        },
    }
    return DecisionRecord(**{**values, **overrides})


def an_idempotency_record(**overrides: Any) -> IdempotencyRecord:
    values: dict[str, Any] = {
        "key": "k-1",
        "scope": "user-1:POST /orders",
        "fingerprint": "sha256:abc",
        "resource_kind": "work_order",
        "resource_id": "wo-1",
        "response": {"status": 201, "body": {"id": "wo-1"}},
        "created_at": T0,
    }
    return IdempotencyRecord(**{**values, **overrides})


def a_triage_rule(**overrides: Any) -> TriageRule:
    values: dict[str, Any] = {
        "id": "rule-1",
        "name": "Gas leaks first",
        "service_type": "repair",
        "tier": CustomerTier.VIP,
        "keywords": ("gas", "smell"),
        "priority": Priority.P1,
        "required_skills": (SkillRequirement("gas", 3),),
        "duration_minutes": 45,
    }
    return TriageRule(**{**values, **overrides})
