"""Dokumentation av individens upplevelse (guideline 2.1), including the pressure the person felt."""
from __future__ import annotations

from . import Draft, Source

# Short answers from the assessment that give the account its context (free texts stay out).
CONTEXT_QUESTIONS = ("eget_initiativ", "egen_vilja", "form", "forstod_processen", "hanvisad_hyresvard",
                     "folkbokford_hos_annan", "fick_kontaktuppgifter", "vill_atervanda")


def draft(src: Source) -> Draft:
    src.need_core()
    src.need("upplevelse", "mellantvang")  # 2.1: the experience of pressure must be clear
    src.check()
    facts = src.person_facts() + [
        ("Flyttade från", src.other.name),
        *([("Flyttade hit", src.show("ankomstdatum"))] if src.a("ankomstdatum") else []),
        *([("Kontaktade socialtjänsten här", src.show("forsta_kontakt"))] if src.a("forsta_kontakt") else []),
        ("Dokumenterat av", src.contact_line()),
    ]
    context = [(src.label(q), src.show(q)) for q in CONTEXT_QUESTIONS if src.a(q) is not None]
    return Draft(
        template="upplevelse.html.j2",
        title=src.g.document("upplevelse").title,
        date=src.today,
        sender=src.social_services,
        signature=src.caseworker_signature(),
        values=dict(facts=facts, context=context, upplevelse=src.a("upplevelse"),
                    mellantvang=src.a("mellantvang"), own=src.own, other=src.other.name,
                    section=src.g.section("2.1")),
    )
