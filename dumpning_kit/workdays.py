"""Swedish time counting under Lag (1930:173) om beräkning av lagstadgad tid."""
from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path

import holidays
from holidays.constants import DE_FACTO, PUBLIC


@lru_cache(maxsize=1)
def _sweden():
    """The package's Swedish calendar class. ``holidays.Sweden`` first imports the module of
    every country in the package (some 280 modules, 0.1 s at a page's start, issue 13); the
    Swedish module needs none of them, so it is loaded on its own. The same class either way."""
    if "holidays.countries" in sys.modules:
        return holidays.Sweden
    try:
        spec = importlib.util.spec_from_file_location(
            "dumpning_kit._holidays_sweden", Path(holidays.__file__).parent / "countries" / "sweden.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.Sweden
    except Exception:  # another layout of the package: the ordinary way
        return holidays.Sweden


@lru_cache(maxsize=64)
def _closed_days(year: int) -> frozenset[dt.date]:
    # PUBLIC: the holidays of Lag (1989:253). DE_FACTO: midsommar-, jul- and nyårsafton,
    # which 2 § also names. The package's other categories (eves "från kl. 14",
    # klämdagar) are ordinary working days and are deliberately left out.
    cal = _sweden()(years=year, include_sundays=False, categories=(PUBLIC, DE_FACTO))
    return frozenset(cal.keys())


def holiday_name(day: dt.date) -> str | None:
    cal = _sweden()(years=day.year, include_sundays=False, categories=(PUBLIC, DE_FACTO), language="sv")
    return cal.get(day)


def is_closed_day(day: dt.date) -> bool:
    """True on Saturdays, Sundays, public holidays, midsommarafton, julafton and nyårsafton."""
    return day.weekday() >= 5 or day in _closed_days(day.year)


def next_open_day(day: dt.date) -> dt.date:
    """The day itself if it is a weekday that is not closed, else the next such day (2 §)."""
    while is_closed_day(day):
        day += dt.timedelta(days=1)
    return day


def add_months(start: dt.date, months: int) -> dt.date:
    """1 §: the same date number; the month's last day if the end month is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_workdays(start: dt.date, workdays: int) -> dt.date:
    day = start
    for _ in range(workdays):
        day = next_open_day(day + dt.timedelta(days=1))
    return day


def period_end(start: dt.date, *, months: int = 0, weeks: int = 0, days: int = 0) -> dt.date:
    """Last day of a period counted from `start`, moved forward under 2 § if needed."""
    end = add_months(start, months) + dt.timedelta(weeks=weeks, days=days)
    return next_open_day(end)
