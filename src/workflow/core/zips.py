"""US ZIP code centroids, offline: ``data/zip_centroids.csv.gz`` is derived from the
``zipcodes`` package (3.0.0, MIT licence; 42,789 codes with latitude, longitude, state
and city), so nothing is downloaded at run time. To refresh it, install ``zipcodes`` and
write ``zip,lat,lon,state,city`` for every code of ``zipcodes.list_all()``.

Distances are in statute miles.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "zip_centroids.csv.gz"
EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0
ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")


@dataclass(frozen=True)
class Centroid:
    zip: str
    latitude: float
    longitude: float
    state: str
    city: str


@cache
def centroids() -> dict[str, Centroid]:
    """Every ZIP code's centroid, read once (about 40 ms)."""
    text = gzip.decompress(DATA.read_bytes()).decode()
    return {
        row["zip"]: Centroid(
            row["zip"], float(row["lat"]), float(row["lon"]), row["state"], row["city"]
        )  # fmt: skip
        for row in csv.DictReader(io.StringIO(text))
    }


def five_digits(value: str | None) -> str | None:
    """The 5-digit ZIP code of ``12345`` or ``12345-6789``; None for anything else."""
    match = ZIP.match((value or "").strip())
    return match.group(1) if match else None


def centroid(value: str | None) -> Centroid | None:
    """The centroid of a ZIP code (ZIP+4 accepted), or None if there is no such code."""
    digits = five_digits(value)
    return centroids().get(digits) if digits else None


def coordinates(value: str | None) -> dict[str, float | None]:
    """``latitude``/``longitude`` columns for an address's ZIP code (None if unknown)."""
    found = centroid(value)
    return {
        "latitude": found.latitude if found else None,
        "longitude": found.longitude if found else None,
    }


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def box(latitude: float, longitude: float, miles: float) -> tuple[float, float, float, float]:
    """(south, north, west, east): a box holding every point within ``miles``."""
    dlat = miles / MILES_PER_DEGREE_LATITUDE
    dlon = miles / (MILES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
