"""Fictitious people for demos, training and tests.

Personnummer come from the series that Skatteverket sets aside for testing: birth numbers
980–999, which are never given to real people. Nothing here describes a real person.
"""
from __future__ import annotations

import datetime as dt
import random


def _luhn_check(nine: str) -> int:
    total = 0
    for i, ch in enumerate(nine):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def test_personnummer(born: dt.date, serial: int, coordination: bool = False) -> str:
    """'ÅÅÅÅMMDD-NNNC' with a birth number in Skatteverket's test series (980–999)."""
    if not 980 <= serial <= 999:
        raise ValueError("serial must be in Skatteverket's test series 980-999")
    day = born.day + (60 if coordination else 0)
    nine = f"{born:%y%m}{day:02d}{serial}"
    return f"{born:%Y%m}{day:02d}-{serial}{_luhn_check(nine)}"


def is_test_personnummer(value: str) -> bool:
    digits = "".join(c for c in value if c.isdigit())
    return len(digits) in (10, 12) and 980 <= int(digits[-4:-1]) <= 999


FIRST_NAMES = ["Amina", "Erik", "Fatima", "Johan", "Leila", "Mats", "Nour", "Sara", "Omar", "Karin",
               "Yusuf", "Helena", "Ali", "Maja", "Tomas", "Samira", "Per", "Elin", "Hassan", "Lena"]
LAST_NAMES = ["Testsson", "Provander", "Exempelberg", "Fiktivsson", "Demoström", "Övningsdal",
              "Låtsasson", "Påhittad", "Testlund", "Provqvist"]
LANDLORDS = ["Fastighets AB Exempelhuset", "Bostads AB Provgården", "Hyresvärden Testbo AB",
             "Fiktiva Fastigheter i Dalsland AB"]


def fictitious_person(rng: random.Random) -> tuple[str, str]:
    born = dt.date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return name, test_personnummer(born, rng.randint(980, 999), coordination=rng.random() < 0.1)
