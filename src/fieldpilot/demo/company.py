"""The demo company's people and places: depots, technicians, customers, sites and assets.

`generate_company(seed=..., today=...)` builds plain domain objects from one `random.Random(seed)`;
nothing here touches a database. Ids are stable (`tech_001`, `cus_0001`, `site_0001`, ...) so that
loading twice can recognise what is already there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, time, timedelta

from fieldpilot.demo import catalogue
from fieldpilot.demo.geography import TIMEZONE, address_at, customer_point, point_near, territory_of
from fieldpilot.domain.resources import (
    Asset,
    Certification,
    Customer,
    Site,
    Technician,
    Warehouse,
    WeeklyShift,
)
from fieldpilot.domain.values import CustomerTier, LocalTimeRange, Location

FIRST_NAMES = (
    "Camille", "Lucas", "Léa", "Hugo", "Chloé", "Nathan", "Manon", "Théo", "Inès", "Louis",
    "Sarah", "Mathis", "Emma", "Yanis", "Jade", "Karim", "Julie", "Antoine", "Nadia", "Paul",
    "Aurélie", "Mehdi", "Claire", "Romain", "Sofia", "Bastien", "Élodie", "Rachid", "Laura", "Kevin",
)  # fmt: skip
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "Andre", "Mercier", "Dupont", "Lambert", "Bonnet",
    "Francois", "Martinez", "Benali",
)  # fmt: skip
BUSINESS_KINDS = (
    "Boulangerie", "Résidence", "Clinique", "Hôtel", "Pharmacie", "Restaurant", "Cabinet",
    "Supermarché", "École", "Garage", "Agence", "Copropriété", "Brasserie", "Laboratoire",
)  # fmt: skip
BUSINESS_NAMES = (
    "des Tilleuls", "du Parc", "Bellecour", "Saint-Jean", "de la Croix-Rousse", "Confluence",
    "du Rhône", "de la Saône", "Fourvière", "des Brotteaux", "Part-Dieu", "Monplaisir",
    "Gerland", "des Terreaux", "Jean Macé", "Vaise", "Perrache", "Montchat",
)  # fmt: skip

# Skill mixes of the trades the company employs: (skill, lowest level, highest level).
ARCHETYPES: tuple[tuple[tuple[str, int, int], ...], ...] = (
    (("boiler", 2, 5), ("plumbing", 1, 3)),
    (("boiler", 1, 4), ("hvac", 1, 2)),
    (("electrical", 2, 5), ("network", 1, 3)),
    (("hvac", 2, 5), ("refrigeration", 1, 4), ("electrical", 1, 2)),
    (("plumbing", 2, 5),),
    (("elevator", 2, 5), ("electrical", 1, 3)),
    (("network", 2, 5), ("electrical", 1, 2)),
    (("fire_safety", 1, 4), ("electrical", 1, 3)),
)

# Weekly patterns: (start, end, lunch start, lunch end, works Saturday morning).
SHIFT_PATTERNS = (
    (time(8), time(17), time(12), time(13), False),
    (time(7), time(16), time(11, 30), time(12, 30), False),
    (time(10), time(19), time(14), time(15), False),
    (time(8), time(17), time(12, 30), time(13, 30), True),
)

DEPOTS: dict[str, tuple[str, Location]] = {
    "wh_north": ("Dépôt Nord — Rillieux-la-Pape", Location(45.8192, 4.8861)),
    "wh_south": ("Dépôt Sud — Vénissieux", Location(45.6981, 4.8792)),
}

TIER_WEIGHTS = ((CustomerTier.STANDARD, 70), (CustomerTier.PRIORITY, 20), (CustomerTier.VIP, 10))


@dataclass(frozen=True)
class DemoCompany:
    warehouses: tuple[Warehouse, ...]
    technicians: tuple[Technician, ...]
    customers: tuple[Customer, ...]
    sites: tuple[Site, ...]
    assets: tuple[Asset, ...]


def generate_company(*, seed: int, today: date, technicians: int = 40, customers: int = 300) -> DemoCompany:
    rng = random.Random(seed)
    warehouses = _warehouses(rng)
    techs = tuple(_technician(rng, number=n, today=today) for n in range(1, technicians + 1))
    people: list[Customer] = []
    sites: list[Site] = []
    assets: list[Asset] = []
    for number in range(1, customers + 1):
        customer = _customer(rng, number)
        people.append(customer)
        site_count = 1 if customer.tier is CustomerTier.STANDARD else rng.randint(1, 3)
        for _ in range(site_count):
            site = _site(rng, customer=customer, number=len(sites) + 1)
            sites.append(site)
            assets.extend(_assets(rng, site=site, first_number=len(assets) + 1, today=today))
    return DemoCompany(warehouses, techs, tuple(people), tuple(sites), tuple(assets))


def _warehouses(rng: random.Random) -> tuple[Warehouse, ...]:
    def stock() -> dict[str, int]:
        return {code: rng.randint(5, 60) for code in catalogue.PART_CODES}

    return tuple(Warehouse(depot_id, name, location, stock()) for depot_id, (name, location) in DEPOTS.items())


def _technician(rng: random.Random, *, number: int, today: date) -> Technician:
    archetype = ARCHETYPES[(number - 1) % len(ARCHETYPES)]
    skills = {skill: rng.randint(low, high) for skill, low, high in archetype}
    depot = "wh_north" if number % 2 else "wh_south"
    home = point_near(rng, DEPOTS[depot][1], radius_km=8.0)
    parts_for_skills = [part for s in catalogue.SERVICE_TYPES if s.skill in skills for part in s.parts]
    van_stock = {
        part: rng.randint(1, 4)
        for part in rng.sample(sorted(set(parts_for_skills)), k=min(6, len(set(parts_for_skills))))
    }
    tools = frozenset(tool for skill in skills for tool in catalogue.TOOLS_BY_SKILL[skill])
    territories = frozenset({"north"} if depot == "wh_north" else {"south"})
    if rng.random() < 0.2:
        territories = frozenset({"north", "south"})
    return Technician(
        id=f"tech_{number:03d}",
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        home_base=home,
        timezone=TIMEZONE,
        skills=skills,
        certifications=_certifications(rng, skills=skills, today=today),
        shifts=_shifts(rng),
        van_stock=van_stock,
        tools=tools,
        territories=territories,
        depot_id=depot,
        max_overtime_minutes=rng.choice((0, 30, 60, 90)),
    )


def _certifications(rng: random.Random, *, skills: dict[str, int], today: date) -> tuple[Certification, ...]:
    certs = []
    for code, skill in catalogue.CERTIFICATIONS.items():
        if skill not in skills:
            continue
        roll = rng.random()
        if roll < 0.15:  # expiring within the next month: the dashboard should warn
            expires = today + timedelta(days=rng.randint(3, 30))
        elif roll < 0.2:  # already expired: the engine must not send them on such jobs
            expires = today - timedelta(days=rng.randint(1, 60))
        else:
            expires = today + timedelta(days=rng.randint(120, 1000))
        certs.append(Certification(code, expires))
    if rng.random() < 0.5:
        certs.append(Certification("working_at_height", today + timedelta(days=rng.randint(60, 900))))
    return tuple(certs)


def _shifts(rng: random.Random) -> tuple[WeeklyShift, ...]:
    start, end, lunch_start, lunch_end, saturday = rng.choice(SHIFT_PATTERNS)
    lunch = (LocalTimeRange(lunch_start, lunch_end),)
    shifts = [WeeklyShift(weekday=day, start=start, end=end, breaks=lunch) for day in range(5)]
    if saturday:
        shifts.append(WeeklyShift(weekday=5, start=time(8), end=time(12)))
    return tuple(shifts)


def _customer(rng: random.Random, number: int) -> Customer:
    tier = rng.choices([t for t, _ in TIER_WEIGHTS], weights=[w for _, w in TIER_WEIGHTS])[0]
    if tier is CustomerTier.STANDARD and rng.random() < 0.6:
        last = rng.choice(LAST_NAMES)
        name = f"{rng.choice(FIRST_NAMES)} {last}"
        slug = last.lower()
    else:
        name = f"{rng.choice(BUSINESS_KINDS)} {rng.choice(BUSINESS_NAMES)}"
        slug = name.split()[0].lower()
    slug = slug.encode("ascii", "ignore").decode() or "client"
    return Customer(
        id=f"cus_{number:04d}",
        name=name,
        tier=tier,
        email=f"{slug}.{number:04d}@example.com",
        phone="+33 4 " + " ".join(str(rng.randint(10, 99)) for _ in range(4)),
    )


def _site(rng: random.Random, *, customer: Customer, number: int) -> Site:
    location = customer_point(rng)
    notes = rng.choice(("", "", "Code porte 4821B", "Ask at reception", "Parking in the courtyard",
                        "Dog on site", "Key box by the gate"))  # fmt: skip
    return Site(
        id=f"site_{number:04d}",
        customer_id=customer.id,
        name=customer.name if number % 3 else f"{customer.name} — annexe",
        address=address_at(rng, location),
        location=location,
        access_notes=notes,
        territory=territory_of(location),
    )


def _assets(rng: random.Random, *, site: Site, first_number: int, today: date) -> list[Asset]:
    kinds = rng.sample(catalogue.SERVICE_TYPES, k=rng.randint(1, 3))
    assets = []
    for offset, kind in enumerate(kinds):
        model = rng.choice(kind.asset_models)
        installed = today - timedelta(days=rng.randint(90, 15 * 365))
        assets.append(
            Asset(
                id=f"asset_{first_number + offset:05d}",
                site_id=site.id,
                model=model,
                serial=f"{model[:3].upper()}-{rng.randint(100000, 999999)}",
                installed_on=installed,
            )
        )
    return assets
