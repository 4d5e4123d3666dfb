"""Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL (guideline 2.2)."""
from __future__ import annotations

from . import Draft, Source

RULE = "svar_pa_begaran"


def draft(src: Source) -> Draft:
    spec = src.g.document("begaran")
    src.need_core()
    src.need("starkast_anknytning", "insats")
    if src.a("individens_installning") != "atervanda":  # 2.2: the process is run together with the person
        src.refuse(spec.refusal)
    src.need_signatory()
    src.check()
    other = src.other
    received = src.a("begaran_mottagen")
    due = src.state.deadline_due(RULE) if received else None
    wish = src.a("individens_installning")
    return Draft(
        template="begaran.html.j2",
        title=spec.title,
        date=src.date_or_today("begaran_skickad"),
        sender=src.settings.committee,
        recipient_lines=[src.recipient()],
        signature=src.committee_signature(),
        values=dict(
            committee=src.settings.committee, own=src.own, other=other.name, name=src.name,
            personnummer=src.a("personnummer"), arrived=src.a("ankomstdatum"),
            first_contact=src.a("forsta_kontakt"),
            no_cooperation=src.a("samverkan_fore_flytten") == "nej",
            insats=src.a("insats"), starkast_anknytning=src.a("starkast_anknytning"),
            wish={"atervanda": f"Personen vill återvända till {other.name}.",
                  "stanna": f"Personen vill stanna i {src.own}.",
                  "vet_ej": "Personen har inte bestämt sig än."}.get(wish),
            individens_skal=src.a("individens_skal"), barnets_asikt=src.a("barnets_asikt"),
            representative=src.show("stallforetradare") if src.a("stallforetradarens_asikt") else None,
            stallforetradarens_asikt=src.a("stallforetradarens_asikt"),
            need_from=src.a("behov_fran"), need_to=src.a("behov_till"),
            due=due, period=src.period(RULE), law_10=src.law(spec.law),
            law_11=src.law(src.law_key("sol2001:2 a kap. 11 §")),
            contact=src.contact_line(), diarienummer=src.case.diarienummer,
            law_note=src.law_note("sol2001:2 a kap. 10 §"),
        ),
    )
