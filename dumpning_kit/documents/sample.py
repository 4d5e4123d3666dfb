"""A fictitious case for tests, benchmarks and demonstrations of the documents.

The person is made up; the personnummer is from Skatteverket's test series. By default
every document of the guideline can be made for the case (with today 2026-11-27, as the
tests fix it, and a signatory in the settings); the keyword arguments take it back to
earlier or other situations.
"""
from __future__ import annotations

import datetime as dt

from ..case import Case
from ..store import Store

D = dt.date
PERSONNUMMER = "19811218-9876"  # Skatteverket's test series (birth number 987)


def make_sample_case(store: Store, *, name: str = "Åsa Öberg-Testsson", diarienummer: str = "SN 2026/123",
                     consent: str = "ja", received: dt.date | None = D(2026, 9, 30), answer: dt.date | None = None,
                     home_consent: str = "ja", children: bool = True, wish: str = "atervanda",
                     experience: bool = True, decision: bool = True, user: str | None = None) -> Case:
    """A case of social dumping from Göteborg, as far as the arguments say.

    ``received``: when Göteborg received the request (None: no request sent yet);
    ``answer``: the date of a written refusal (None: no answer); ``consent``: the answer to
    samtycke_motivering; ``home_consent``: to samtycke_hembesok; ``decision``: whether the
    caseworker has recorded "fastställd social dumpning" (the home visit needs it).
    """
    core = {"diarienummer": diarienummer, "namn": name, "personnummer": PERSONNUMMER,
            "handlaggare": "Anna Handläggare", "tidigare_kommun": "1480", "ankomstdatum": D(2026, 8, 3),
            "forsta_kontakt": D(2026, 8, 4), "barn_i_hushallet": "ja" if children else "nej",
            "stallforetradare": "god_man"}
    if children:
        core.update(barn_antal=2, barn_under_15="ja")
    c = store.create_case(core, user=user)
    assess = {"eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej", "skyddad_flytt": "nej",
              "formell_begaran_inkommen": "nej", "pagaende_bistand": "ja", "form": "socialt_kontrakt",
              "hanvisad_hyresvard": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja",
              "vill_atervanda": "ja"}
    if children:
        assess["barnens_situation"] = ("Barnen fick byta skola mitt i terminen.\n\n"
                                       "De saknar sina kompisar och fritidsgården på Hisingen.")
    c = store.save_answers(c.id, c.version, assess, user=user)
    contact = {"misstanke_datum": D(2026, 8, 5), "kontakt_datum": D(2026, 8, 6),
               "kontakt_person": "Enhetschef Örjan Åberg", "markerat_oacceptabelt": "ja",
               "samtycke_motivering": consent, "skrivelse_skickad": D(2026, 8, 12)}
    if consent == "ja":
        contact["motivering_begard_datum"] = D(2026, 8, 7)
    if experience:
        contact["upplevelse"] = ("Jag fick veta att kontraktet inte skulle förlängas.\n"
                                 "De sa att det fanns en lägenhet i Bengtsfors, fast jag aldrig hade varit här.")
        contact["mellantvang"] = "Jag kände att jag inte hade något val: ”Annars står du på gatan.”"
    c = store.save_answers(c.id, c.version, contact, user=user)
    if decision:
        c = store.record_decision(c.id, c.version, "faststalld",
                                  "Personen tog inte själv initiativet och flytten föregicks inte av samverkan.",
                                  user=user, on=D(2026, 8, 10))
    back = {"bistand_vardbehov": "ja", "individens_installning": wish,
            "individens_skal": "Personen har sitt nätverk och sin läkarkontakt i Göteborg.",
            "stallforetradarens_asikt": "Gode mannen stöder en återgång till Göteborg.",
            "starkast_anknytning": "Personen har bott i Göteborg i tolv år och har sin vårdkontakt där.",
            "insats": "Boendestöd enligt 4 kap. 1 § SoL (2001:453), beviljat av Göteborgs kommun.",
            "behov_fran": D(2026, 1, 1), "behov_till": D(2027, 12, 31)}
    if children:
        back["barnets_asikt"] = "Barnet (9 år) säger att hon vill gå kvar i sin gamla skola."
    if received is not None:
        back.update(begaran_skickad=received - dt.timedelta(days=2), begaran_mottagen=received)
    c = store.save_answers(c.id, c.version, back, user=user)
    if answer is not None:
        c = store.save_answers(c.id, c.version, {"svar_datum": answer, "svar": "avvisar"}, user=user)
    if decision:
        home = {"samtycke_hembesok": home_consent}
        if home_consent == "ja":
            home.update(hembesok_datum=D(2026, 8, 20),
                        observationer="Ett rum och kök för tre personer. Fukt i badrummet.",
                        boende_adekvat="nej_olampligt", uppmanad_soka_bostad="ja",
                        rad_givna="Råd om bostadssökande och kontakt med budget- och skuldrådgivningen.")
            if children:
                home.update(barn_risk="nej", barnperspektiv="Barnen delar säng; ingen akut risk sågs.")
        c = store.save_answers(c.id, c.version, home, user=user)
    return c


def make_incoming_request_case(store: Store, *, position: str | None = "accepterar", answered: bool = True,
                               diarienummer: str = "SN 2026/140", user: str | None = None) -> Case:
    """A protected move from Borås prepared in cooperation, where Borås' social committee has sent
    us a formal request under 2 a kap. 10 § to take over the case (the receiving side of 1.1)."""
    core = {"diarienummer": diarienummer, "namn": "Maja Provqvist", "personnummer": "19790412-9801",
            "handlaggare": "Anna Handläggare", "tidigare_kommun": "1490", "ankomstdatum": D(2026, 10, 19),
            "forsta_kontakt": D(2026, 10, 20), "barn_i_hushallet": "nej", "stallforetradare": "ingen"}
    c = store.create_case(core, user=user)
    assess = {"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "ja", "skyddad_flytt": "ja",
              "formell_begaran_inkommen": "ja", "pagaende_bistand": "ja", "form": "inget_sarskilt",
              "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej", "fick_kontaktuppgifter": "ja",
              "sokte_hjalp_direkt": "ja", "vill_atervanda": "nej",
              "bedomning_kommentar": "Skyddad flytt efter våld i nära relation, planerad tillsammans med Borås."}
    c = store.save_answers(c.id, c.version, assess, user=user)
    request = {"inkommen_begaran_datum": D(2026, 11, 2)}
    if position is not None:
        request.update(inkommen_begaran_installning=position,
                       inkommen_begaran_motivering=(
                           "Personen har flyttat hit för att skydda sig och vill bo kvar här.\n\n"
                           "Hon har sin starkaste anknytning här nu, och behovet av stöd väntas vara länge."))
        if answered:
            request["inkommen_svar_skickat"] = D(2026, 11, 16)
    return store.save_answers(c.id, c.version, request, user=user)
