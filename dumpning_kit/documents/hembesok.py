"""Hembesöksprotokoll (guideline 2.3): only with the person's consent."""
from __future__ import annotations

from . import Draft, Source


def draft(src: Source) -> Draft:
    src.need_core()
    if src.a("samtycke_hembesok") != "ja":  # the guideline's requires says so too; never without consent
        src.refuse(src.g.document("hembesok").refusal)
    src.need("hembesok_datum", "observationer", "boende_adekvat", "rad_givna")
    children = src.a("barn_i_hushallet") == "ja"
    if children:
        src.need("barnperspektiv", "barn_risk")
    if src.a("barn_risk") == "ja":
        src.need("akutboende")
    src.check()
    adequate = src.a("boende_adekvat")
    facts = src.person_facts() + [
        ("Datum för hembesöket", src.show("hembesok_datum")),
        ("Samtycke", "Personen samtyckte till hembesöket."),
        ("Hembesöket gjordes av", src.contact_line()),
    ]
    return Draft(
        template="hembesok.html.j2",
        title=src.g.document("hembesok").title,
        date=src.today,
        sender=src.social_services,
        signature=src.caseworker_signature(),
        values=dict(
            facts=facts, section=src.g.section("2.3"), observationer=src.a("observationer"),
            adequate=adequate, adequate_text=src.show("boende_adekvat"),
            told_to_move=src.a("uppmanad_soka_bostad"), children=children, barn_risk=src.a("barn_risk"),
            barnperspektiv=src.a("barnperspektiv"), akutboende=src.a("akutboende"),
            rad_givna=src.a("rad_givna"),
        ),
    )
