"""Open deadlines as an .ics calendar that Outlook, Google and Apple calendars import.

One all-day VEVENT per open deadline of a case. The SUMMARY names the deadline and the
diarienummer, never the person: a calendar is synced to phones and shared more widely
than the case system. UIDs are stable (case id + deadline rule), so importing a newer
file updates the events instead of duplicating them.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import icalendar
import pandas as pd

from .settings import default_settings

PRODID = "-//dumpning-kit//Frister social dumpning//SV"
CALENDAR_NAME = "Frister – social dumpning"
STATUS_TEXT = {"forfallen": "Förfallen", "idag": "Sista dag i dag", "kommande": "Kommande"}


def _uid(case_id: int, rule_id: str, municipality_code: str) -> str:
    return f"dumpning-kit-{municipality_code}-arende-{int(case_id)}-{rule_id}@dumpning-kit.invalid"


def calendar_from_deadlines(deadlines: pd.DataFrame, *, municipality_code: str | None = None,
                            stamp: dt.datetime | None = None) -> icalendar.Calendar:
    """A VCALENDAR from read_identified(..., ("id", "diarienummer", "handlaggare")).deadlines
    (or any frame with id, diarienummer, frist_id, frist_namn, sista_dag, avsnitt, handlaggare)."""
    missing = {"id", "diarienummer", "frist_id", "frist_namn", "sista_dag"} - set(deadlines.columns)
    if missing:
        raise ValueError(f"deadlines frame lacks columns {sorted(missing)}")
    code = municipality_code or default_settings().municipality_code
    stamp = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")  # Outlook imports PUBLISH calendars as plain appointments
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("x-wr-timezone", "Europe/Stockholm")
    for row in deadlines.itertuples(index=False):
        if pd.isna(row.sista_dag) or pd.isna(row.id):
            continue
        day = pd.Timestamp(row.sista_dag).date()
        ev = icalendar.Event()
        ev.add("uid", _uid(row.id, row.frist_id, code))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", day)                       # VALUE=DATE: an all-day event
        ev.add("dtend", day + dt.timedelta(days=1))  # exclusive end, as RFC 5545 wants
        ev.add("summary", f"{row.diarienummer} – sista dag: {row.frist_namn}")
        lines = [f"Diarienummer: {row.diarienummer}", f"Frist: {row.frist_namn}", f"Sista dag: {day.isoformat()}"]
        section = getattr(row, "avsnitt", None)
        if isinstance(section, str) and section:
            lines.append(f"Riktlinjen, avsnitt {section}")
        worker = getattr(row, "handlaggare", None)
        if isinstance(worker, str) and worker:
            lines.append(f"Handläggare: {worker}")
        ev.add("description", "\n".join(lines))
        ev.add("categories", ["Social dumpning"])
        ev.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
        cal.add_component(ev)
    return cal


def to_ics(deadlines: pd.DataFrame, **kwargs) -> bytes:
    return calendar_from_deadlines(deadlines, **kwargs).to_ical()


def write_ics(deadlines: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write the calendar owner-only (it carries diarienummer)."""
    from .register import write_private
    return write_private(Path(path), to_ics(deadlines, **kwargs))


def open_deadlines_ics(store=None, *, caseworker: str | None = None) -> bytes:
    """Every open deadline in the database (or one caseworker's) as .ics bytes. Logged read."""
    from .register import read_identified
    reg = read_identified(store, ("id", "diarienummer", "handlaggare"), status="oppet", caseworker=caseworker,
                          purpose="kalenderfil")
    return to_ics(reg.deadlines)
