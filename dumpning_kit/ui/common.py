"""Small shared pieces for the widget views: escaping, Swedish dates, badges, messages."""
from __future__ import annotations

import datetime as dt
import html
from zoneinfo import ZoneInfo

import ipywidgets as w

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
          "oktober", "november", "december"]


def esc(value) -> str:
    """Escape anything a user typed before it goes into an HTML widget (without direction-control
    characters: an old name with U+202E cannot turn the page's text around, issue 12)."""
    from ..case import strip_bidi
    return html.escape(strip_bidi("" if value is None else str(value)), quote=True)


def fmt_date(d: dt.date | None) -> str:
    return d.isoformat() if d else "–"


def long_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def fmt_time(t: dt.datetime) -> str:
    """'2026-11-27 10:32' in Swedish local time."""
    return t.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def badge(status: str, text: str) -> str:
    return f'<span class="dk-badge dk-{esc(status)}">{esc(text)}</span>'


def html_widget(content: str = "", **layout) -> w.HTML:
    return w.HTML(content, layout=w.Layout(**layout) if layout else None)


def message(kind: str, text: str) -> str:
    """kind: 'error' | 'ok' | 'hint'. role=alert for errors so screen readers announce them."""
    role = ' role="alert"' if kind == "error" else ' role="status"'
    return f'<div class="dk-{kind}"{role}>{esc(text)}</div>'
