"""Our written answer to a 2 a kap. 10 § request that another municipality sent us (guideline 1.1).

"Mottagande kommuns socialnämnd behandlar den inkomna begäran utan dröjsmål och ska
skriftligen meddela sin inställning." The letter states our position and its reasons.
"""
from __future__ import annotations

from . import Draft, Source

DOC = "svar_inkommen_begaran"
RULE = "svar_pa_inkommen_begaran"


def draft(src: Source) -> Draft:
    spec = src.g.document(DOC)
    src.need_core()
    src.need("inkommen_begaran_datum", "inkommen_begaran_installning")
    src.need_signatory()
    src.check()
    position = src.a("inkommen_begaran_installning")
    return Draft(
        template="svar_inkommen_begaran.html.j2",
        title=spec.title,
        date=src.date_or_today("inkommen_svar_skickat"),
        sender=src.settings.committee,
        recipient_lines=[src.recipient()],
        signature=src.committee_signature(),
        values=dict(
            committee=src.settings.committee, own=src.own, other=src.other.name, name=src.name,
            personnummer=src.a("personnummer"), received=src.a("inkommen_begaran_datum"),
            accepts=position == "accepterar", reasons=src.a("inkommen_begaran_motivering"),
            due=src.state.deadline_due(RULE), law_10=src.law(spec.law), contact=src.contact_line(),
            diarienummer=src.case.diarienummer, law_note=src.law_note("sol2001:2 a kap. 10 §"),
        ),
    )
