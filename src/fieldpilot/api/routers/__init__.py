"""Routers, one module per resource family: auth (+ /me), users (+ API keys), orders,
technicians, catalog (skills, parts, warehouses, customers, sites, assets, SLA policies,
triage rules, built by crud.py) and tracking (the public customer link)."""
