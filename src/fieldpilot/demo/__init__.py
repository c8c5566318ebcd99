"""fieldpilot.demo: a seeded demo company around Lyon, loaded through the real message bus.

    geography.py  the city, its communes, addresses and territories
    catalogue.py  skills, parts, tools, service types, SLA policies, triage rules (fixed data)
    company.py    depots, technicians, customers, sites, assets (from `random.Random(seed)`)
    orders.py     a day of open work orders across channels, some already assigned
    loader.py     plan_demo / load_demo / demo users / the demo API key

An adapter-level package: it may import domain, sla and service, never storage, api or cli.
"""

from __future__ import annotations

from fieldpilot.demo.loader import (
    DemoClock,
    DemoPlan,
    DemoUser,
    LoadReport,
    create_demo_users,
    demo_users,
    issue_demo_api_key,
    load_demo,
    plan_demo,
)

__all__ = [
    "DemoClock",
    "DemoPlan",
    "DemoUser",
    "LoadReport",
    "create_demo_users",
    "demo_users",
    "issue_demo_api_key",
    "load_demo",
    "plan_demo",
]
