"""A case: its answers and the caseworker's decision, and server-side validation of answers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from personnummer import personnummer as pnr

from . import municipalities
from .errors import ValidationError
from .guideline import Guideline, Question

MAX_TEXT = 100_000  # hard upper bound whatever the guideline says


@dataclass
class Decision:
    outcome: str            # "faststalld" | "inte_dumpning"
    motivation: str
    date: dt.date
    by: str

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "motivation": self.motivation, "date": self.date.isoformat(), "by": self.by}

    @classmethod
    def from_json(cls, d: dict | None) -> "Decision | None":
        if not d:
            return None
        return cls(d["outcome"], d["motivation"], dt.date.fromisoformat(d["date"]), d["by"])


@dataclass
class Case:
    answers: dict[str, Any] = field(default_factory=dict)
    decision: Decision | None = None
    id: int | None = None
    version: int = 0
    status: str = "oppet"          # "oppet" | "avslutat"
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    closed_at: dt.date | None = None

    @property
    def diarienummer(self) -> str:
        return str(self.answers.get("diarienummer") or "")

    @property
    def closed(self) -> bool:
        return self.status == "avslutat"


def answers_to_json(answers: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in answers.items()}


def answers_from_json(g: Guideline, raw: dict) -> dict:
    qs = g.questions
    out = {}
    for k, v in (raw or {}).items():
        q = qs.get(k)
        if q is not None and q.type == "date" and isinstance(v, str):
            try:
                v = dt.date.fromisoformat(v)
            except ValueError:
                pass
        out[k] = v
    return out


# ---- validation ----------------------------------------------------------------------

def _swedish(d: dt.date) -> str:
    return d.isoformat()


def _text(value: Any) -> str:
    """str() that cannot leak Python's own English errors (e.g. huge integers)."""
    try:
        return str(value).strip()
    except ValueError:
        raise ValueError("Värdet är för långt. Kontrollera vad som står i fältet.") from None


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = _text(value)
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        shown = s if len(s) <= 20 else s[:20] + "…"
        raise ValueError(f"”{shown}” är inte ett datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-15.") from None


def normalise_personnummer(value: Any) -> str:
    """Returns 'ÅÅÅÅMMDD-NNNN' or raises ValueError with a Swedish message."""
    s = _text(value)
    try:
        p = pnr.Personnummer(s)
    except Exception:
        raise ValueError("Personnumret är inte giltigt. Kontrollera siffrorna och skriv det som "
                         "ÅÅÅÅMMDD-NNNN (samordningsnummer går också).") from None
    long = p.format(True)
    return f"{long[:8]}-{long[8:]}"


def is_coordination_number(value: str) -> bool:
    return pnr.Personnummer(value).is_coordination_number()


#: Invisible characters that change the direction of the text around them (LRE, RLE, PDF,
#: LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM). Pasted into a name, an unterminated U+202E
#: would show the rest of a letter's paragraph backwards, personnummer included.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_BIDI_TABLE = {ord(c): None for c in BIDI_CONTROLS}


def strip_bidi(text: str) -> str:
    """text without direction-control characters (for output: letters, reports, files)."""
    return text.translate(_BIDI_TABLE) if isinstance(text, str) else text


def clean_value(q: Question, value: Any, *, own_code: str | None = None) -> Any:
    """Type-check and normalise one answer. None/'' means 'no answer'. Raises ValueError (Swedish)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    t = q.type
    if t in ("text", "textarea"):
        if not isinstance(value, str):
            raise ValueError("Svaret ska vara text.")
        limit = min(q.max_length or MAX_TEXT, MAX_TEXT)
        text = value.strip() if t == "text" else value.rstrip()
        if "\x00" in text:
            raise ValueError("Texten innehåller ett otillåtet tecken (nolltecken). Ta bort det och försök igen.")
        # A lone surrogate (half an emoji from a broken paste), or the U+FFFD that ui.safe_text
        # puts in its place when it comes from the browser.
        broken = "\ufffd" in text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            broken = True
        if broken:
            raise ValueError("Texten innehåller ett trasigt tecken (till exempel en halv emoji). "
                             "Ta bort det och försök igen.")
        if not BIDI_CONTROLS.isdisjoint(text):
            raise ValueError("Texten innehåller ett osynligt tecken som vänder textens riktning (till exempel "
                             "från en kopierad webbsida). Skriv in texten för hand i stället för att klistra in "
                             "den, och försök igen.")
        if len(text) > limit:
            raise ValueError(f"Texten är för lång: högst {limit} tecken, nu {len(text)}.")
        return text
    if t in ("yes_no", "yes_no_unknown", "choice"):
        if not isinstance(value, str) or value not in q.options:
            raise ValueError("Välj ett av alternativen.")
        return value
    if t == "integer":
        if isinstance(value, bool):
            raise ValueError("Skriv ett heltal.")
        try:
            n = int(str(value).strip())
        except ValueError:
            raise ValueError("Skriv ett heltal, till exempel 2.") from None
        if q.min is not None and n < q.min:
            raise ValueError(f"Talet får inte vara mindre än {q.min}.")
        if q.max is not None and n > q.max:
            raise ValueError(f"Talet får inte vara större än {q.max}.")
        return n
    if t == "date":
        d = parse_date(value)
        if not dt.date(1900, 1, 1) <= d <= dt.date(2200, 12, 31):
            raise ValueError("Datumet ligger utanför det rimliga intervallet.")
        return d
    if t == "personnummer":
        return normalise_personnummer(value)
    if t == "kommun":
        m = municipalities.find(_text(value))
        if m is None:
            raise ValueError("Kommunen finns inte. Skriv kommunens namn eller dess fyrsiffriga kommunkod, "
                             "till exempel Göteborg eller 1480.")
        if own_code and m.code == own_code:
            raise ValueError("Välj den kommun som personen flyttade från, inte den egna kommunen.")
        return m.code
    raise ValueError("Okänd frågetyp.")


def validate_answers(g: Guideline, merged: dict, changed: set[str], *, today: dt.date,
                     own_code: str | None = None, state_factory=None) -> dict:
    """Clean the changed answers inside `merged` and check cross-field rules.

    Returns the cleaned merged answers. Raises ValidationError with one message per field.
    `state_factory(answers)` gives an assessment state for consent gates (requires).
    """
    qs = g.questions
    errors: dict[str, str] = {}
    out = dict(merged)
    for qid in changed:
        q = qs.get(qid)
        if q is None:
            errors[qid] = "Okänt fält."
            continue
        try:
            out[qid] = clean_value(q, merged.get(qid), own_code=own_code)
        except ValueError as e:
            errors[qid] = str(e)
            out.pop(qid, None)  # never compare a raw, invalid value in the rules below
    out = {k: v for k, v in out.items() if v is not None}
    for qid in changed:
        q = qs.get(qid)
        if q is None or qid in errors or qid not in out:
            continue
        v = out[qid]
        if q.type == "date":
            if q.not_future and v > today:
                errors[qid] = f"Datumet kan inte ligga i framtiden (i dag är det {_swedish(today)})."
            elif q.not_before and isinstance(out.get(q.not_before), dt.date) and v < out[q.not_before]:
                other = qs[q.not_before].label.rstrip("?").lower()
                errors[qid] = f"Datumet kan inte vara före {other} ({_swedish(out[q.not_before])})."
    # A later date that now lies before a changed earlier date is an error too.
    for q in qs.values():
        if q.type == "date" and q.not_before in changed and q.id not in changed and q.id not in errors:
            v, first = out.get(q.id), out.get(q.not_before)
            if isinstance(v, dt.date) and isinstance(first, dt.date) and v < first and q.not_before not in errors:
                errors[q.not_before] = f"Datumet kan inte vara efter {q.label.rstrip('?').lower()} ({_swedish(v)})."
    if state_factory is not None:
        state = state_factory(out)
        for qid in changed:
            q = qs.get(qid)
            if q is not None and q.requires is not None and qid in out and qid not in errors:
                if not state.holds(q.requires):
                    errors[qid] = q.requires_message or "Det här kan inte registreras än."
    if errors:
        raise ValidationError(errors)
    return out
