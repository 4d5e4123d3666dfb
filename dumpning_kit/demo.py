"""About 30 fictitious cases at every stage, from first suspicion to IVO."""
from __future__ import annotations

import datetime as dt
import random

from .settings import today
from .store import Store
from .testdata import LANDLORDS, fictitious_person

SENDERS = ["0180", "1480", "1280", "0184", "1490", "0581", "1485", "0380", "1880", "0180", "1480", "0186"]
CASEWORKERS = ["Anna Handläggare", "Bo Socialsekreterare", "Cecilia Utredare"]

SUSPICION = {"eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
             "skyddad_flytt": "nej", "formell_begaran_inkommen": "nej", "pagaende_bistand": "ja",
             "hanvisad_hyresvard": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja"}
JUSTIFIED = {"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "ja",
             "skyddad_flytt": "ja", "formell_begaran_inkommen": "nej", "pagaende_bistand": "nej",
             "form": "inget_sarskilt", "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej",
             "fick_kontaktuppgifter": "nej", "vill_atervanda": "nej"}
NO_SIGNS = {"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "vet_ej",
            "skyddad_flytt": "nej", "pagaende_bistand": "nej", "form": "inget_sarskilt",
            "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej", "vill_atervanda": "nej"}

# stage -> how far the case has come
STAGES = ["ny", "bedomd", "kontakt", "beslut", "begaran", "svar_ute", "avvisad", "ivo", "ivo_beslut",
          "hembesok", "radrum", "berattigad", "inga_tecken"]


def _d(base: dt.date, days_ago: int) -> dt.date:
    return base - dt.timedelta(days=days_ago)


def create_demo_cases(store: Store, count: int = 30, seed: int = 1460) -> list[int]:
    rng = random.Random(seed)
    base = today()
    ids = []
    year = base.year
    for i in range(count):
        stage = STAGES[i % len(STAGES)]
        worker = CASEWORKERS[i % len(CASEWORKERS)]
        name, pnr = fictitious_person(rng)
        start = rng.randint(20, 200) if stage not in ("ny", "bedomd") else rng.randint(1, 10)
        if stage in ("ivo", "ivo_beslut", "avvisad", "svar_ute"):
            start = rng.randint(60, 300)
        arrived = _d(base, start)
        children = rng.random() < 0.45
        core = {"diarienummer": f"SN {year}/{1000 + i}", "namn": name, "personnummer": pnr,
                "handlaggare": worker, "tidigare_kommun": rng.choice(SENDERS), "ankomstdatum": arrived,
                "forsta_kontakt": arrived + dt.timedelta(days=rng.randint(0, 3)),
                "barn_i_hushallet": "ja" if children else "nej",
                "stallforetradare": rng.choice(["ingen", "ingen", "ingen", "god_man"])}
        if children:
            core["barn_antal"] = rng.randint(1, 4)
            core["barn_under_15"] = rng.choice(["ja", "nej"])
        case = store.create_case(core, user=worker)
        ids.append(case.id)
        if stage == "ny":
            continue
        first = core["forsta_kontakt"]
        if stage == "berattigad":
            case = store.save_answers(case.id, case.version, JUSTIFIED, user=worker, step="bedomning")
            case = store.record_decision(case.id, case.version, "inte_dumpning",
                                         "Flytten skedde efter våld i nära relation och i samverkan mellan "
                                         "kommunerna. Personen tog själv initiativet.", user=worker,
                                         on=first + dt.timedelta(days=2))
            if rng.random() < 0.7:
                store.close_case(case.id, case.version, user=worker)
            continue
        if stage == "inga_tecken":
            store.save_answers(case.id, case.version, NO_SIGNS, user=worker, step="bedomning")
            continue
        form = rng.choice(["socialt_kontrakt", "nekat_bistand", "etablering"])
        answers = dict(SUSPICION, form=form, vill_atervanda=rng.choice(["ja", "nej", "vet_ej"]),
                       folkbokford_hos_annan=rng.choice(["ja", "nej"]))
        if form == "etablering":
            answers["forstod_processen"] = "nej"
        if children:
            answers["barnens_situation"] = "Barnen har fått byta skola mitt i terminen och saknar sina kamrater."
        case = store.save_answers(case.id, case.version, answers, user=worker, step="bedomning")
        suspected = first + dt.timedelta(days=1)
        if stage == "bedomd":
            store.save_answers(case.id, case.version, {"misstanke_datum": min(suspected, base)}, user=worker,
                               step="kontakt")
            continue
        contact = {"misstanke_datum": suspected, "kontakt_datum": suspected + dt.timedelta(days=1),
                   "kontakt_person": "Enhetschef, socialtjänsten", "markerat_oacceptabelt": "ja",
                   "samtycke_motivering": rng.choice(["ja", "ja", "nej"]),
                   "upplevelse": "Personen berättar att hen fick veta att kontraktet inte skulle förlängas och att "
                                 "det fanns en lägenhet här. Hen visste inte var Bengtsfors låg.",
                   "mellantvang": "Personen kände att hen inte hade något val: ”Annars stod jag på gatan.”"}
        if contact["samtycke_motivering"] == "ja":
            contact["motivering_begard_datum"] = suspected + dt.timedelta(days=2)
        contact["skrivelse_skickad"] = suspected + dt.timedelta(days=7)
        case = store.save_answers(case.id, case.version, contact, user=worker, step="kontakt")
        if stage == "kontakt":
            continue
        case = store.record_decision(case.id, case.version, "faststalld",
                                     "Personen tog inte själv initiativet, flytten föregicks inte av samverkan och "
                                     "den tidigare kommunen hänvisade till en hyresvärd här.",
                                     user=worker, on=suspected + dt.timedelta(days=3))
        if stage == "beslut":
            continue
        if stage in ("hembesok", "radrum"):
            visit = suspected + dt.timedelta(days=10)
            home = {"samtycke_hembesok": "ja", "hembesok_datum": visit,
                    "observationer": "Lägenheten har ett rum och kök för hela familjen, fukt i badrummet.",
                    "boende_adekvat": "nej_olampligt", "uppmanad_soka_bostad": "ja",
                    "rad_givna": "Personen fick råd om bostadssökande och kontakt med budget- och skuldrådgivning."}
            if children:
                home.update({"barn_risk": "nej", "barnperspektiv": "Barnen delar säng; ingen akut risk sågs."})
            case = store.save_answers(case.id, case.version, home, user=worker, step="bostad")
            landlord = {"hyresvard_namn": rng.choice(LANDLORDS), "hyresvard_sakerstallt": "nej",
                        "ansokt_ekonomiskt_bistand": "ja"}
            if stage == "radrum":
                landlord.update({"radrum_beviljat": "ja", "radrum_till": base + dt.timedelta(days=rng.randint(-5, 60))})
            store.save_answers(case.id, case.version, landlord, user=worker, step="hyresvard")
            continue
        sent = suspected + dt.timedelta(days=5)
        if stage == "svar_ute":  # the answer is still out: due soon, today, or just overdue
            sent = max(_d(base, rng.randint(3, 45)), suspected)
        received = min(sent + dt.timedelta(days=1), base)
        req = {"bistand_vardbehov": "ja", "individens_installning": "atervanda",
               "individens_skal": "Personen har sitt nätverk och sin läkarkontakt i den tidigare kommunen.",
               "starkast_anknytning": "Personen har bott i den tidigare kommunen i tolv år, har sina barns skola "
                                      "och sin vårdkontakt där.",
               "insats": "Bistånd i form av boendestöd enligt 4 kap. 1 § SoL (2001:453).",
               "behov_fran": arrived, "behov_till": arrived + dt.timedelta(days=365),
               "begaran_skickad": sent, "begaran_mottagen": received}
        if core.get("barn_under_15") == "ja":
            req["barnets_asikt"] = "Barnet säger att det vill gå kvar i sin gamla skola."
        if core["stallforetradare"] == "god_man":
            req["stallforetradarens_asikt"] = "Gode mannen stöder en återgång."
        case = store.save_answers(case.id, case.version, req, user=worker, step="aterforing")
        if stage in ("begaran", "svar_ute"):
            continue
        answer = received + dt.timedelta(days=rng.randint(10, 30))
        case = store.save_answers(case.id, case.version, {"svar_datum": answer, "svar": "avvisar"}, user=worker,
                                  step="aterforing")
        if stage == "avvisad":
            continue
        ivo = answer + dt.timedelta(days=7)
        case = store.save_answers(case.id, case.version, {"ivo_ansokan_datum": ivo}, user=worker, step="aterforing")
        if stage == "ivo_beslut":
            decided = min(ivo + dt.timedelta(days=80), base)
            store.save_answers(case.id, case.version, {"ivo_beslut_datum": decided,
                                                       "ivo_beslut": rng.choice(["bifall", "bifall", "avslag"])},
                               user=worker, step="aterforing")
    return ids
