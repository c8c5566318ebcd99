"""The demo company's catalogues: skills, parts, tools, service types, SLA policies, triage rules.

Fixed data (no randomness): the same catalogue whatever the seed, so demo data and documentation
can refer to codes such as `boiler` or `sla_p1_vip`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from fieldpilot.demo.geography import TIMEZONE
from fieldpilot.domain.resources import Part, Skill
from fieldpilot.domain.triage import TriageRule
from fieldpilot.domain.values import CustomerTier, LocalTimeRange, Priority, SkillRequirement
from fieldpilot.sla.calendar import BusinessCalendar
from fieldpilot.sla.policy import SlaPolicy, SlaTargets

# Catalogue rows as plain tuples; `skills()` and `parts()` build fresh domain objects on each call
# (objects built at import time would predate the storage mapping and could not be stored).
_SKILLS: tuple[tuple[str, str, str], ...] = (
    ("boiler", "Gas boilers", "Installation, servicing and repair of gas boilers"),
    ("electrical", "Electrical", "Low-voltage installations, panels and faults"),
    ("hvac", "HVAC", "Heat pumps, air conditioning and ventilation"),
    ("plumbing", "Plumbing", "Leaks, pipes, water heaters and sanitary fittings"),
    ("elevator", "Elevators", "Lift breakdowns, releases and periodic inspections"),
    ("network", "Networks", "LAN, Wi-Fi, routers and structured cabling"),
    ("refrigeration", "Refrigeration", "Cold rooms and commercial refrigeration"),
    ("fire_safety", "Fire safety", "Fire alarms, extinguishers and smoke detectors"),
)

# Certification code -> the skill it belongs to.
CERTIFICATIONS: dict[str, str] = {
    "gas_safe": "boiler",
    "elec_habilitation_br": "electrical",
    "f_gas_cat1": "hvac",
    "lift_release": "elevator",
    "fire_apsad": "fire_safety",
}

_PARTS: tuple[tuple[str, str, int], ...] = (
    ("thermocouple", "Thermocouple", 1850),
    ("gas_valve", "Gas valve", 14500),
    ("ignition_electrode", "Ignition electrode", 2400),
    ("boiler_pcb", "Boiler control board", 26000),
    ("expansion_vessel", "Expansion vessel 8 l", 6200),
    ("circulator_pump", "Circulator pump", 18900),
    ("pressure_relief_valve", "Pressure relief valve", 2900),
    ("flue_gasket", "Flue gasket kit", 1200),
    ("breaker_16a", "Circuit breaker 16 A", 1100),
    ("rcd_40a", "Residual-current device 40 A", 5400),
    ("contactor_25a", "Contactor 25 A", 3800),
    ("led_panel", "LED panel 60x60", 3500),
    ("fan_motor", "Fan motor", 9800),
    ("capacitor_35uf", "Run capacitor 35 µF", 1600),
    ("refrigerant_r32", "Refrigerant R32 (kg)", 4500),
    ("filter_drier", "Filter drier", 2100),
    ("thermostat", "Room thermostat", 5900),
    ("ball_valve_22", "Ball valve 22 mm", 950),
    ("flex_hose", "Flexible hose", 700),
    ("cartridge_tap", "Tap cartridge", 1450),
    ("water_heater_element", "Water heater element", 3900),
    ("door_sensor_lift", "Lift door sensor", 21000),
    ("lift_push_button", "Lift push button", 4800),
    ("switch_24p", "Network switch 24 ports", 32000),
    ("sfp_module", "SFP module", 6500),
    ("wifi_ap", "Wi-Fi 6 access point", 18000),
    ("cat6_patch", "Cat6 patch cord", 400),
    ("smoke_detector", "Smoke detector", 2500),
    ("fire_extinguisher_6kg", "Extinguisher 6 kg", 6900),
    ("alarm_battery", "Alarm panel battery", 3100),
)
PART_CODES: tuple[str, ...] = tuple(code for code, _, _ in _PARTS)
SKILL_CODES: tuple[str, ...] = tuple(code for code, _, _ in _SKILLS)


def skills() -> tuple[Skill, ...]:
    return tuple(Skill(code, name, description) for code, name, description in _SKILLS)


def parts() -> tuple[Part, ...]:
    return tuple(Part(code, name, cents) for code, name, cents in _PARTS)


TOOLS_BY_SKILL: dict[str, tuple[str, ...]] = {
    "boiler": ("gas_analyser", "manometer"),
    "electrical": ("multimeter", "insulation_tester"),
    "hvac": ("manifold_gauges", "vacuum_pump"),
    "plumbing": ("pipe_press", "drain_camera"),
    "elevator": ("lift_key_set", "multimeter"),
    "network": ("cable_tester", "laptop"),
    "refrigeration": ("manifold_gauges", "leak_detector"),
    "fire_safety": ("smoke_tester", "ladder_3m"),
}


@dataclass(frozen=True, slots=True)
class ServiceType:
    code: str
    skill: str
    min_level: int
    duration_minutes: int
    priority: Priority
    parts: tuple[str, ...]
    asset_models: tuple[str, ...]
    complaints: tuple[str, ...]


SERVICE_TYPES: tuple[ServiceType, ...] = (
    ServiceType(
        "boiler_repair",
        "boiler",
        2,
        90,
        Priority.P3,
        ("thermocouple", "gas_valve", "ignition_electrode", "boiler_pcb", "circulator_pump"),
        ("Viessmann Vitodens 100-W", "Saunier Duval ThemaPlus", "Frisquet Prestige"),
        (
            "Boiler shows fault code F28",
            "Boiler keeps locking out",
            "No hot water since this morning",
            "No heat in the apartment",
            "Boiler makes a banging noise",
            "Smell of gas near the boiler",
        ),
    ),
    ServiceType(
        "boiler_service",
        "boiler",
        1,
        60,
        Priority.P4,
        ("flue_gasket", "pressure_relief_valve"),
        ("Viessmann Vitodens 100-W", "De Dietrich Naneo", "Chaffoteaux Mira"),
        ("Annual boiler service", "Yearly safety check of the boiler"),
    ),
    ServiceType(
        "electrical_fault",
        "electrical",
        2,
        75,
        Priority.P3,
        ("breaker_16a", "rcd_40a", "contactor_25a", "led_panel"),
        ("Legrand DX3 panel", "Schneider Resi9 panel"),
        (
            "Breaker trips repeatedly",
            "Power out in half of the shop",
            "Lights flicker in the office",
            "Sparks from a wall socket",
            "RCD trips when it rains",
        ),
    ),
    ServiceType(
        "hvac_repair",
        "hvac",
        2,
        120,
        Priority.P3,
        ("fan_motor", "capacitor_35uf", "refrigerant_r32", "thermostat"),
        ("Daikin Altherma 3", "Mitsubishi Ecodan", "Atlantic Alfea Extensa"),
        (
            "Air conditioning blows warm air",
            "Heat pump in error E7",
            "Outdoor unit very noisy",
            "No heat from the heat pump",
        ),
    ),
    ServiceType(
        "hvac_maintenance",
        "hvac",
        1,
        90,
        Priority.P4,
        ("filter_drier",),
        ("Daikin Altherma 3", "Carrier XPower"),
        ("Seasonal maintenance of the heat pump", "Filter replacement and check"),
    ),
    ServiceType(
        "plumbing_leak",
        "plumbing",
        2,
        60,
        Priority.P3,
        ("ball_valve_22", "flex_hose", "cartridge_tap", "water_heater_element"),
        ("Atlantic Calypso 200 l", "Thermor Duralis 150 l"),
        (
            "Leak under the kitchen sink",
            "Water heater dripping",
            "Burst pipe in the basement",
            "Toilet keeps running",
            "Low water pressure on all taps",
        ),
    ),
    ServiceType(
        "elevator_breakdown",
        "elevator",
        3,
        120,
        Priority.P2,
        ("door_sensor_lift", "lift_push_button"),
        ("Schindler 3300", "Otis Gen2", "Kone MonoSpace 500"),
        (
            "Lift stopped at the 3rd floor",
            "Lift doors do not close",
            "Person trapped in the lift",
            "Lift noisy between floors",
        ),
    ),
    ServiceType(
        "elevator_inspection",
        "elevator",
        2,
        90,
        Priority.P4,
        (),
        ("Schindler 3300", "Otis Gen2", "Kone MonoSpace 500"),
        ("Six-weekly lift inspection",),
    ),
    ServiceType(
        "network_outage",
        "network",
        2,
        60,
        Priority.P2,
        ("switch_24p", "sfp_module", "wifi_ap", "cat6_patch"),
        ("Cisco Catalyst 9200", "Ubiquiti UniFi U6", "HPE Aruba 2930F"),
        (
            "Network down in the whole office",
            "Wi-Fi drops every few minutes",
            "Tills offline",
            "Site offline since the storm",
        ),
    ),
    ServiceType(
        "cold_room_repair",
        "refrigeration",
        2,
        120,
        Priority.P2,
        ("fan_motor", "refrigerant_r32", "filter_drier"),
        ("Tecumseh cold room unit", "Danfoss Optyma"),
        ("Cold room temperature rising", "Freezer alarm at 3 °C", "Ice build-up on the evaporator"),
    ),
    ServiceType(
        "fire_alarm_check",
        "fire_safety",
        1,
        60,
        Priority.P4,
        ("smoke_detector", "alarm_battery", "fire_extinguisher_6kg"),
        ("Siemens Cerberus FC360", "Honeywell Esser IQ8"),
        ("Annual fire alarm test", "Fire panel shows a fault", "Extinguisher check"),
    ),
)

SERVICE_TYPE_BY_CODE = {s.code: s for s in SERVICE_TYPES}

# French public holidays, so the business calendars skip them.
HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in (
        "2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
        "2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25",
        "2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-08", "2027-05-17",
        "2027-07-14", "2027-08-15", "2027-11-01", "2027-11-11", "2027-12-25",
    )
)  # fmt: skip


def office_hours() -> BusinessCalendar:
    """Monday to Friday 08:00-18:00, Saturday 08:00-12:00, Lyon time, French holidays off."""
    weekday = (LocalTimeRange(time(8), time(18)),)
    hours = {day: weekday for day in range(5)} | {5: (LocalTimeRange(time(8), time(12)),)}
    return BusinessCalendar(TIMEZONE, hours, HOLIDAYS)


# (dispatch, arrival, resolution) in business minutes, per priority and tier.
_TARGETS: dict[tuple[Priority, CustomerTier], tuple[int, int, int]] = {
    (Priority.P1, CustomerTier.VIP): (10, 120, 360),
    (Priority.P1, CustomerTier.PRIORITY): (15, 180, 480),
    (Priority.P1, CustomerTier.STANDARD): (30, 240, 600),
    (Priority.P2, CustomerTier.VIP): (30, 240, 600),
    (Priority.P2, CustomerTier.PRIORITY): (60, 360, 900),
    (Priority.P2, CustomerTier.STANDARD): (90, 480, 1200),
    (Priority.P3, CustomerTier.VIP): (120, 600, 1200),
    (Priority.P3, CustomerTier.PRIORITY): (240, 1200, 2400),
    (Priority.P3, CustomerTier.STANDARD): (480, 1800, 3000),
    (Priority.P4, CustomerTier.VIP): (480, 2400, 4800),
    (Priority.P4, CustomerTier.PRIORITY): (960, 3000, 6000),
    (Priority.P4, CustomerTier.STANDARD): (1440, 4800, 9600),
}

# Holds that stop the clock: waiting on the customer or on parts is not the company's fault.
PAUSE_REASONS = frozenset({"customer_unavailable", "awaiting_parts", "access_denied"})


def sla_policies() -> tuple[SlaPolicy, ...]:
    """One policy per priority x tier; P1 runs round the clock, the others on office hours."""
    always, office = BusinessCalendar.always(TIMEZONE), office_hours()
    return tuple(
        SlaPolicy(
            id=f"sla_p{int(priority)}_{tier.value}",
            name=f"P{int(priority)} {tier.value}",
            targets=SlaTargets(dispatch=dispatch, arrival=arrival, resolution=resolution),
            calendar=always if priority is Priority.P1 else office,
            priority=priority,
            tier=tier,
            pause_reasons=PAUSE_REASONS,
        )
        for (priority, tier), (dispatch, arrival, resolution) in _TARGETS.items()
    )


def _rule(rule_id: str, name: str, **fields: object) -> TriageRule:
    return TriageRule(id=rule_id, name=name, **fields)  # type: ignore[arg-type]


def triage_rules() -> tuple[TriageRule, ...]:
    """Per service type: skills, duration, default priority; keyword rules raise urgency."""
    per_type = tuple(
        _rule(
            f"tr_{s.code}",
            f"{s.code.replace('_', ' ').capitalize()} defaults",
            service_type=s.code,
            priority=s.priority,
            required_skills=(SkillRequirement(s.skill, s.min_level),),
            duration_minutes=s.duration_minutes,
        )
        for s in SERVICE_TYPES
    )
    urgent = (
        _rule("tr_gas_leak", "Gas leak", keywords=("gas leak", "smell of gas", "odeur de gaz"),
              priority=Priority.P1, required_skills=(SkillRequirement("boiler", 3),)),
        _rule("tr_no_heat", "No heat", keywords=("no heat", "pas de chauffage"), priority=Priority.P1),
        _rule("tr_trapped", "Person trapped", keywords=("trapped", "bloqué"), priority=Priority.P1),
        _rule("tr_flood", "Flooding", keywords=("burst pipe", "flood"), priority=Priority.P1),
        _rule("tr_sparks", "Sparks or burning", keywords=("sparks", "burning smell"), priority=Priority.P1),
        _rule("tr_offline", "Site offline", keywords=("offline", "network down"), priority=Priority.P2),
        _rule("tr_freezer", "Freezer alarm", keywords=("freezer alarm",), priority=Priority.P2),
    )  # fmt: skip
    vip = (
        _rule("tr_vip_boiler", "VIP boiler repair", service_type="boiler_repair", tier=CustomerTier.VIP,
              priority=Priority.P2),
        _rule("tr_vip_hvac", "VIP HVAC repair", service_type="hvac_repair", tier=CustomerTier.VIP,
              priority=Priority.P2),
    )  # fmt: skip
    return per_type + urgent + vip
