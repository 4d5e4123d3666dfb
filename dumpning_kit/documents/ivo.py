"""Ansökan till IVO om överflyttning av ärende enligt 2 a kap. 11 § SoL (guideline 2.2).

Sets out what IVO asks an application to contain: why the strongest connection, the
person's wishes (a child's view, a god man's or förvaltare's view), why the transfer should
happen anyway if the person opposes it, the measure and its legal basis, how long the need
lasts with dates, other circumstances including the effects on children, and the
attachments.
"""
from __future__ import annotations

from . import Draft, Source

RULE = "svar_pa_begaran"
#: Where the reasons for a transfer against the person's will are written, if the
#: guideline has such a question. Without it such an application is refused.
AGAINST_WILL = "skal_trots_motstand"


def draft(src: Source) -> Draft:
    spec = src.g.document("ivo")
    src.need_core()
    src.need("starkast_anknytning", "individens_installning", "individens_skal", "insats", "behov_fran",
             "behov_till", "begaran_skickad", "begaran_mottagen")
    if src.a("barn_i_hushallet") == "ja":
        src.need("barnens_situation")
    if src.a("barn_under_15") == "ja":
        src.need("barnets_asikt")
    if src.a("stallforetradare") not in (None, "ingen"):
        src.need("stallforetradarens_asikt")
    opposes = src.a("individens_installning") == "stanna"
    if opposes:
        if AGAINST_WILL in src.g.questions:
            src.need(AGAINST_WILL)
        else:
            src.refuse("Personen vill stanna här. En ansökan mot personens vilja måste utförligt förklara "
                       "varför ärendet ändå ska flyttas över, och riktlinjefilen har ingen fråga för det "
                       f"({AGAINST_WILL}). Be systemförvaltaren lägga till frågan.")
    if src.a("individens_installning") == "vet_ej":
        q = src.g.question("individens_installning")
        src.refuse(f"IVO behöver veta vilken kommun personen vill ska ansvara. Ta reda på det och fyll i "
                   f"”{q.label.rstrip('?')}” i steget {src.g.step(q.step).title}.")
    if src.a("svar") == "accepterar":
        src.refuse("Den andra kommunen har svarat att den tar tillbaka ärendet. Då behövs ingen ansökan till IVO.")
    src.need_signatory()
    src.need_setting(bool(src.settings.ivo_address),
                     f"IVO:s adress (ivo_address) i inställningsfilen {src.settings.source.name} – "
                     "be systemförvaltaren om hjälp")
    src.check()

    other = src.other
    rejected = src.a("svar") == "avvisar" and src.a("svar_datum") is not None
    due = src.state.deadline_due(RULE)
    wish = {"atervanda": f"Personen vill att {other.name} ska ansvara för ärendet och vill återvända dit.",
            "stanna": f"Personen vill att {src.own} ska ansvara för ärendet och vill stanna här. "
                      "Personen motsätter sig alltså överflyttningen."}[src.a("individens_installning")]
    representative = src.show("stallforetradare") if src.a("stallforetradarens_asikt") else None
    decision = src.case.decision if src.case.decision and src.case.decision.outcome == "faststalld" else None
    attachments = [
        f"Beslutet att ansöka hos IVO: justerat protokollsutdrag från {src.settings.committee.lower()}, "
        "eller delegationsbeslutet om en tjänsteperson fattade beslutet.",
        f"Kopia av vår begäran om överflyttning till {other.name}, daterad {src.show('begaran_skickad')}.",
    ]
    if rejected:
        attachments.append(f"Kopia av svaret från {other.name}, daterat {src.show('svar_datum')}, "
                           "där begäran avvisas.")
    attachments.append(f"Bedömning och sammanställning i ärendet {src.case.diarienummer} (underlag för beslutet).")
    return Draft(
        template="ivo.html.j2",
        title=spec.title,
        date=src.date_or_today("ivo_ansokan_datum"),
        sender=src.settings.committee,
        recipient_lines=list(src.settings.ivo_address),
        signature=src.committee_signature(),
        values=dict(
            own=src.own, other=other.name, other_code=other.code, committee=src.settings.committee,
            name=src.name, personnummer=src.a("personnummer"), arrived=src.a("ankomstdatum"),
            law_10=src.law(src.law_key("sol2001:2 a kap. 10 §")), law_11=src.law(spec.law),
            sent=src.a("begaran_skickad"), received=src.a("begaran_mottagen"), due=due, period=src.period(RULE),
            rejected=rejected, answer_date=src.a("svar_datum"),
            starkast_anknytning=src.a("starkast_anknytning"), wish=wish,
            individens_skal=src.a("individens_skal"),
            child_under_15=src.a("barn_under_15") == "ja", barnets_asikt=src.a("barnets_asikt"),
            representative=representative, stallforetradarens_asikt=src.a("stallforetradarens_asikt"),
            opposes=opposes, against_will=src.a(AGAINST_WILL) if opposes else None,
            insats=src.a("insats"), need_from=src.a("behov_fran"), need_to=src.a("behov_till"),
            children=src.a("barn_i_hushallet") == "ja", barn_antal=src.a("barn_antal"),
            barnens_situation=src.a("barnens_situation"), barnperspektiv=src.a("barnperspektiv"),
            decision=decision, no_cooperation=src.a("samverkan_fore_flytten") == "nej",
            attachments=attachments, contact=src.contact_line(), diarienummer=src.case.diarienummer,
            law_note=src.law_note("sol2001:2 a kap. 11 §"),
        ),
    )
