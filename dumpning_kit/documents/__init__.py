"""The guideline's documents, one small builder module per document.

A builder turns a case into a :class:`Draft`: which Jinja template to fill, with which
values, who it goes to, who signs it and its date. It checks first that everything the
document needs is filled in; if not it raises :class:`DocumentRefused` with a Swedish
sentence naming what to fill in and where. The document texts live in
``templates/<id>.html.j2`` so a municipality can adjust the wording without code.

The templates are rendered with autoescaping on and ``StrictUndefined``: every value a
caseworker typed is HTML-escaped, and a value a template expects but the builder did not
provide is an error, never an empty placeholder. Values are data, never templates, so a
name such as ``{{ 7*7 }}`` is printed literally.
"""
from __future__ import annotations

import datetime as dt
import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from .. import municipalities
from ..assessment import CaseState
from ..case import Case
from ..errors import UserError
from ..guideline import Guideline, LawRef, Question
from ..render import swedish_date
from ..settings import Settings, signature_lines

TEMPLATES = Path(__file__).resolve().parent / "templates"


class DocumentRefused(UserError):
    """The document cannot be made for this case yet. ``str(err)`` is the Swedish reason."""

    def __init__(self, doc_id: str, message: str, missing: tuple[str, ...] = ()):
        self.doc_id, self.missing = doc_id, tuple(missing)
        super().__init__(message)


@dataclass
class Draft:
    """Everything a document needs apart from the letterhead, before rendering."""

    template: str
    values: dict[str, Any]
    date: dt.date
    title: str
    signature: list[str] = field(default_factory=list)
    recipient_lines: list[str] = field(default_factory=list)
    sender: str = ""  # the letterhead's second line: the committee or the social services


# ---- reading a case ---------------------------------------------------------------------

class Source:
    """One case as the builders see it: only answers that are relevant now count."""

    def __init__(self, g: Guideline, settings: Settings, case: Case, state: CaseState, doc_id: str):
        self.g, self.settings, self.case, self.state, self.doc_id = g, settings, case, state, doc_id
        self.today = state.today
        self._missing: list[str] = []
        self._missing_ids: list[str] = []

    # answers
    def a(self, qid: str) -> Any:
        v = self.state.answers.get(qid)
        return None if isinstance(v, str) and not v.strip() else v

    def show(self, qid: str) -> str | None:
        """An answer as a reader sees it: option labels, Swedish dates, municipality names."""
        return display(self.g.question(qid), self.a(qid)) if qid in self.g.questions else None

    def label(self, qid: str) -> str:
        return self.g.question(qid).label

    @property
    def name(self) -> str:
        return str(self.a("namn") or "")

    @property
    def other(self) -> municipalities.Municipality:
        return municipalities.find(str(self.a("tidigare_kommun")))  # checked by need_core()

    @property
    def own(self) -> str:
        return self.settings.municipality

    @property
    def social_services(self) -> str:
        """'Socialtjänsten' from 'Socialtjänsten, Bengtsfors kommun' (the letterhead names the municipality)."""
        s = self.settings.social_services
        suffix = f", {self.settings.municipality}"
        return s[: -len(suffix)] if s.endswith(suffix) else s

    def law(self, ref: LawRef | None) -> str:
        return tie_citations(self.g.law_text(ref))

    def law_key(self, key: str) -> LawRef:
        law, provision = key.split(":", 1)
        return LawRef(law, provision.strip(), key)

    # needs
    def need(self, *qids: str) -> None:
        """Record every question among ``qids`` that has no answer (shown together later)."""
        for qid in qids:
            if self.a(qid) is None and qid not in self._missing_ids:
                q = self.g.question(qid)
                self._missing_ids.append(qid)
                self._missing.append(f"”{q.label.rstrip('?')}” i steget {self.g.step(q.step).title}")

    def need_setting(self, ok: bool, text: str) -> None:
        if not ok:
            self._missing.append(text)

    def need_core(self) -> None:
        self.need("diarienummer", "namn", "personnummer", "handlaggare", "tidigare_kommun")
        code = self.a("tidigare_kommun")
        if code is not None and municipalities.find(str(code)) is None:
            self._missing.append(f"en giltig kommun i ”{self.label('tidigare_kommun')}” i steget "
                                 f"{self.g.step(self.g.question('tidigare_kommun').step).title}")

    def need_signatory(self) -> None:
        """Letters never wait for a signatory: without a name they get lines to sign by hand
        (see settings.signatory_for)."""

    def refuse(self, message: str) -> None:
        raise DocumentRefused(self.doc_id, message)

    def check(self) -> None:
        """Raise one refusal listing everything that is missing."""
        if not self._missing:
            return
        if len(self._missing) == 1:
            text = f"Fyll i {self._missing[0]}."
        else:
            text = "Fyll i: " + "; ".join(self._missing) + "."
        raise DocumentRefused(self.doc_id, text, tuple(self._missing_ids))

    # common pieces
    def person_facts(self) -> list[tuple[str, str]]:
        facts = [("Namn", self.name), ("Personnummer", str(self.a("personnummer"))),
                 ("Diarienummer", self.case.diarienummer)]
        return facts

    def caseworker_signature(self) -> list[str]:
        return [str(self.a("handlaggare")), f"Handläggare, {self.social_services.lower()}"
                if self.social_services else "Handläggare"]

    def committee_signature(self) -> list[str]:
        return signature_lines(self.settings, self.a("personnummer"))

    def contact_line(self) -> str:
        return f"{self.a('handlaggare')}, {self.social_services.lower()}, {self.settings.municipality}"

    def law_note(self, key: str) -> str:
        """For letters: the cited law is replaced; the new provision only where the municipality mapped it."""
        ref = self.law_key(key)
        law = self.g.laws.get(ref.law) or {}
        if not law.get("replaced_by"):
            return ""
        if self.settings.law_mapping.get(ref.key):
            return tie_citations(self.g.law_note(ref, self.settings.law_mapping))
        when = law.get("replaced_on")
        when_text = f" den {swedish_date(when)}" if isinstance(when, dt.date) else ""
        return (f"{law['name']} har ersatts av {law['replaced_by']}{when_text}. Hänvisningarna följer "
                f"{self.settings.municipality}s riktlinjer.")

    def recipient(self) -> str:
        """The committee the letter goes to: as typed for the case, else 'Socialnämnden i …'."""
        return str(self.a("mottagare") or f"Socialnämnden i {self.other.name}")

    def period(self, rule_id: str) -> str:
        """A deadline rule's period in words ('en månad'), so letters state the guideline's own period."""
        return self.g.deadline(rule_id).period_text

    def date_or_today(self, qid: str) -> dt.date:
        v = self.a(qid)
        return v if isinstance(v, dt.date) else self.today


_CITATION = re.compile(r"\d+(?: [a-z])? kap\. \d+ ?§(?: SoL)?(?: \(\d{4}:\d+\))?")


def tie_citations(text: str) -> str:
    """Keep '2 a kap. 10 § SoL' on one line: its spaces become non-breaking."""
    return _CITATION.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)


def display(q: Question, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if q.options and isinstance(value, str):
        return q.options.get(value, value)
    if isinstance(value, dt.date):
        return swedish_date(value)
    if q.type == "kommun":
        m = municipalities.find(str(value))
        return f"{m.name} ({m.code})" if m else str(value)
    return str(value)


# ---- templates ---------------------------------------------------------------------------

def paragraphs(text: Any) -> Markup:
    """Escape free text and keep its shape: blank lines part paragraphs, line breaks stay."""
    if text is None:
        raise ValueError("paragraphs() got no text")  # a builder forgot a need(): fail loudly
    parts = [p.strip("\n") for p in re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").strip())]
    return Markup("".join(f"<p>{'<br>'.join(html.escape(line) for line in p.split(chr(10)))}</p>"
                          for p in parts if p.strip()))


def _date(value: Any) -> str:
    if not isinstance(value, dt.date):
        raise ValueError(f"not a date: {value!r}")
    return swedish_date(value)


def _isolate(value: Any) -> Any:
    """Values printed into a letter lose their direction-control characters, and a value with
    right-to-left letters (Arabic, Hebrew ...) becomes its own direction island (<span
    dir="auto"> is isolated by HTML's own rules): a name cannot turn the rest of the
    paragraph around, personnummer included (issue 12). Markup (|stycken) passes as it is."""
    if isinstance(value, Markup) or not isinstance(value, str) or not value:
        return value
    from ..case import strip_bidi
    value = strip_bidi(value)
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in value):
        return Markup('<span dir="auto">') + value + Markup("</span>")
    return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        finalize=_isolate,
    )
    env.filters["stycken"] = paragraphs
    env.filters["datum"] = _date
    return env


def render_body(draft: Draft) -> str:
    return environment().get_template(draft.template).render(**draft.values)


# ---- registry ----------------------------------------------------------------------------

Builder = Callable[..., Draft]


def builders() -> dict[str, Builder]:
    from . import bedomning, begaran, hembesok, ivo, skrivelse, svar_inkommen_begaran, upplevelse  # noqa: PLC0415
    return {"bedomning": bedomning.draft, "upplevelse": upplevelse.draft, "skrivelse": skrivelse.draft,
            "begaran": begaran.draft, "ivo": ivo.draft, "hembesok": hembesok.draft,
            "svar_inkommen_begaran": svar_inkommen_begaran.draft}
