"""The 290 Swedish municipalities with SCB kommunkod (shipped copy of SCB's list, CC0)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CSV = Path(__file__).resolve().parent / "data" / "kommuner.csv"


@dataclass(frozen=True)
class Municipality:
    code: str          # "1460", always four digits as a string
    name: str          # "Bengtsfors kommun"
    short: str         # "Bengtsfors"
    county_code: str
    county: str        # "Västra Götalands län"


@lru_cache(maxsize=1)
def all_municipalities() -> dict[str, Municipality]:
    with CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["municipality_code"]: Municipality(r["municipality_code"], r["municipality_name"],
                                                 r["municipality_name_short"], r["county_code"], r["county_name"])
            for r in rows}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    out = {}
    for m in all_municipalities().values():
        out[m.name.casefold()] = m.code
        out[m.short.casefold()] = m.code
    return out


def find(value: str) -> Municipality | None:
    """A municipality from its four-digit code or its name ('Bengtsfors' or 'Bengtsfors kommun')."""
    v = str(value).strip()
    labelled = re.search(r"\((\d{4})\)$", v)  # "Göteborg (1480)", as the form's list shows it
    if labelled:
        v = labelled.group(1)
    if v.isdigit():
        return all_municipalities().get(v.zfill(4))
    code = _by_name().get(" ".join(v.split()).casefold())
    return all_municipalities()[code] if code else None


def choices() -> list[tuple[str, str]]:
    """(label, code) pairs sorted by name, for drop-downs."""
    return sorted(((f"{m.short} ({m.code})", m.code) for m in all_municipalities().values()),
                  key=lambda t: t[0].casefold())
