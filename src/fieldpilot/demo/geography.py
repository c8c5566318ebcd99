"""Where the demo company works: Lyon and the communes within about 25 km of its centre.

Coordinates are real (rounded); addresses are made up from real-sounding street names. Everything
random comes from the `random.Random` passed in, so a seed gives the same map every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from fieldpilot.domain.values import Location

TIMEZONE = "Europe/Paris"
CITY = "Lyon"
CENTRE = Location(45.7640, 4.8357)
RADIUS_KM = 25.0
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class Commune:
    name: str
    postcode: str
    location: Location


COMMUNES: tuple[Commune, ...] = tuple(
    Commune(name, postcode, Location(lat, lon))
    for name, postcode, lat, lon in (
        ("Lyon 1er", "69001", 45.7699, 4.8290),
        ("Lyon 2e", "69002", 45.7485, 4.8270),
        ("Lyon 3e", "69003", 45.7597, 4.8560),
        ("Lyon 4e", "69004", 45.7789, 4.8270),
        ("Lyon 5e", "69005", 45.7558, 4.8020),
        ("Lyon 6e", "69006", 45.7729, 4.8520),
        ("Lyon 7e", "69007", 45.7457, 4.8420),
        ("Lyon 8e", "69008", 45.7352, 4.8690),
        ("Lyon 9e", "69009", 45.7740, 4.8050),
        ("Villeurbanne", "69100", 45.7719, 4.8902),
        ("Vénissieux", "69200", 45.6975, 4.8867),
        ("Saint-Fons", "69190", 45.7086, 4.8533),
        ("Oullins", "69600", 45.7147, 4.8075),
        ("Bron", "69500", 45.7386, 4.9131),
        ("Vaulx-en-Velin", "69120", 45.7786, 4.9204),
        ("Caluire-et-Cuire", "69300", 45.7953, 4.8464),
        ("Rillieux-la-Pape", "69140", 45.8214, 4.8983),
        ("Écully", "69130", 45.7744, 4.7775),
        ("Tassin-la-Demi-Lune", "69160", 45.7625, 4.7800),
        ("Sainte-Foy-lès-Lyon", "69110", 45.7336, 4.8025),
        ("Saint-Priest", "69800", 45.6956, 4.9439),
        ("Décines-Charpieu", "69150", 45.7689, 4.9597),
        ("Meyzieu", "69330", 45.7667, 5.0036),
        ("Givors", "69700", 45.5906, 4.7689),
        ("Saint-Genis-Laval", "69230", 45.6953, 4.7931),
        ("Craponne", "69290", 45.7453, 4.7233),
        ("Limonest", "69760", 45.8369, 4.7714),
        ("Neuville-sur-Saône", "69250", 45.8761, 4.8411),
        ("Genas", "69740", 45.7317, 5.0017),
        ("Corbas", "69960", 45.6681, 4.9019),
        ("Mions", "69780", 45.6631, 4.9536),
        ("Francheville", "69340", 45.7364, 4.7636),
    )
)

STREETS: tuple[str, ...] = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "cours Lafayette",
    "rue Garibaldi",
    "avenue des Frères Lumière",
    "rue du Président Édouard Herriot",
    "boulevard des Belges",
    "rue Paul Bert",
    "avenue Berthelot",
    "rue de Marseille",
    "chemin de Montessuy",
    "rue des Tilleuls",
    "allée des Cerisiers",
    "rue Pasteur",
    "route de Vienne",
    "avenue Henri Barbusse",
    "rue Anatole France",
    "rue de la Gare",
    "place de l'Église",
    "rue du Stade",
    "impasse des Lilas",
    "rue Émile Zola",
    "avenue de la Libération",
)


def distance_km(a: Location, b: Location) -> float:
    """Great-circle distance (haversine)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def point_near(rng: random.Random, centre: Location, *, radius_km: float) -> Location:
    """A point uniformly distributed over the disc of `radius_km` around `centre`."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / EARTH_RADIUS_KM
    dlon = distance * math.sin(bearing) / (EARTH_RADIUS_KM * math.cos(math.radians(centre.lat)))
    return Location(round(centre.lat + math.degrees(dlat), 6), round(centre.lon + math.degrees(dlon), 6))


def customer_point(rng: random.Random) -> Location:
    """Most customers live in the dense centre; a third anywhere in the 25 km disc."""
    if rng.random() < 0.65:
        commune = rng.choice(COMMUNES)
        return point_near(rng, commune.location, radius_km=1.5)
    return point_near(rng, CENTRE, radius_km=RADIUS_KM)


def nearest_commune(location: Location) -> Commune:
    return min(COMMUNES, key=lambda c: distance_km(c.location, location))


def address_at(rng: random.Random, location: Location) -> str:
    commune = nearest_commune(location)
    return f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {commune.postcode} {commune.name}"


def territory_of(location: Location) -> str:
    """Two territories split at the latitude of the city centre."""
    return "north" if location.lat >= CENTRE.lat else "south"
