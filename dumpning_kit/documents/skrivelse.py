"""Skrivelse from the social committee to the municipality that moved the person (guideline 2.1).

Two variants. Both say plainly that the conduct is not acceptable and does not serve the
individual. Only with the person's consent (``samtycke_motivering`` = ja) does the letter
name the person and demand a reasonable motivation and assessment; without consent it
says nothing that identifies the person (social services secrecy) and demands nothing.
By default the variant follows the consent; asking for the demanding variant without
consent is refused.
"""
from __future__ import annotations

import re

from . import Draft, Source

CONSENT = "samtycke_motivering"


def draft(src: Source, krav_motivering: bool | None = None) -> Draft:
    src.need_core()
    src.need_signatory()
    if src.case.decision is not None and src.case.decision.outcome == "inte_dumpning":
        src.refuse("Handläggaren har beslutat att det inte är social dumpning. Då skickas ingen skrivelse "
                   "(avsnitt 2.1).")
    consent = src.a(CONSENT)
    demand = consent == "ja" if krav_motivering is None else bool(krav_motivering)
    if demand and consent != "ja":
        q = src.g.question(CONSENT)
        why = ("Personen har sagt nej till att vi kräver en motivering"
               if consent == "nej" else f"Frågan ”{q.label.rstrip('?')}” är inte besvarad")
        src.refuse(f"Skrivelsen kan inte kräva en motivering och bedömning. {why} (steget "
                   f"{src.g.step(q.step).title}). Utan personens samtycke får vi inte kräva en motivering "
                   "(avsnitt 2.1). Skapa skrivelsen utan krav, eller registrera samtycket först.")
    src.check()
    other = src.other
    # What makes it a suspicion (1.1) and what supports it, without our guideline's section references.
    facts = [r.text for r in src.state.reasons if r.kind == "krav"] if src.state.classification == "misstanke" else []
    signals = [re.sub(r"\s*\(avsnitt [^)]*\)", "", t)
               for t in facts + [s.indicator.text for s in src.state.signals]] if demand else []
    return Draft(
        template="skrivelse.html.j2",
        title=f"Flytt till {src.own} utan samverkan mellan socialtjänsterna",
        date=src.date_or_today("skrivelse_skickad"),
        sender=src.settings.committee,
        recipient_lines=[src.recipient()],
        signature=src.committee_signature(),
        values=dict(
            demand=demand, other=other.name, own=src.own, committee=src.settings.committee,
            name=src.name, personnummer=src.a("personnummer"), arrived=src.a("ankomstdatum"),
            signals=signals, contact=src.contact_line(), diarienummer=src.case.diarienummer,
            law_10=src.law(src.law_key("sol2001:2 a kap. 10 §")),
            law_note=src.law_note("sol2001:2 a kap. 10 §"),
        ),
    )
