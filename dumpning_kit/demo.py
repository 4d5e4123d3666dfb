"""About 30 fictitious cases at every stage, from first suspicion to IVO.

Every date is counted back from the day the demo is made (``settings.today()``, so
``DUMPNING_TODAY`` is respected), so whenever someone tries the kit the same stages show:
a contact due today, one overdue, a request awaiting its answer, an answer due today, an
unanswered request past its month, IVO applications, a home visit and a rådrum. Answers are
complete for the stage a case has reached, as a caseworker would have filled them in.

A suspected dumping answers "nej" to the three core questions (the person took no initiative,
expressed no own will, no cooperation preceded the move); a voluntary move answers "ja", "ja".
"""
from __future__ import annotations

import datetime as dt
import random

from .deadlines import due_date
from .settings import today
from .store import Store
from .testdata import LANDLORDS, fictitious_person
from .workdays import add_months, add_workdays

SENDERS = ["0180", "1480", "1280", "0184", "1490", "0581", "1485", "0380", "1880", "0180", "1480", "0186"]
CASEWORKERS = ["Anna Handläggare", "Bo Socialsekreterare", "Cecilia Utredare"]

SUSPICION = {"eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
             "skyddad_flytt": "nej", "formell_begaran_inkommen": "nej", "pagaende_bistand": "ja",
             "hanvisad_hyresvard": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja",
             "bedomning_kommentar": "Personen hade bistånd i den tidigare kommunen och fick adressen till en "
                                    "hyresvärd här av sin handläggare där. Ingen kontakt togs med oss före flytten."}
JUSTIFIED = {"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "ja",
             "skyddad_flytt": "ja", "formell_begaran_inkommen": "nej", "pagaende_bistand": "nej",
             "form": "inget_sarskilt", "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej",
             "fick_kontaktuppgifter": "nej", "sokte_hjalp_direkt": "nej", "vill_atervanda": "nej",
             "bedomning_kommentar": "Skyddad flytt efter våld i nära relation, planerad tillsammans med den "
                                    "tidigare kommunen. Personen ville själv flytta hit."}
NO_SIGNS = {"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "vet_ej",
            "skyddad_flytt": "nej", "formell_begaran_inkommen": "nej", "pagaende_bistand": "nej",
            "form": "inget_sarskilt", "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej",
            "fick_kontaktuppgifter": "nej", "sokte_hjalp_direkt": "nej", "vill_atervanda": "nej",
            "bedomning_kommentar": "Personen flyttade hit för ett arbete och en egen lägenhet. Inget tyder på "
                                   "att den tidigare kommunen var inblandad."}

# stage -> how far the case has come. The first round has exactly these dates (see _timeline).
STAGES = ["ny", "kontakt_idag", "kontakt_forfallen", "svar_vantas", "ivo", "kontakt_kommande", "kontakt",
          "beslut", "svar_idag", "svar_forfallen", "avvisad", "ivo_beslut", "hembesok", "radrum",
          "berattigad", "inga_tecken"]


def _d(base: dt.date, days_ago: int) -> dt.date:
    return base - dt.timedelta(days=days_ago)


def _suspected_for_contact_due(base: dt.date) -> dt.date:
    """A suspicion date whose 'next working day' deadline is today (if today is a working day)."""
    for back in range(1, 6):
        d = _d(base, back)
        if add_workdays(d, 1) == base:
            return d
    return _d(base, 1)  # today is a weekend or holiday: the deadline is the next working day


def _received_for_answer_due(base: dt.date, rule) -> dt.date:
    """A date of receipt whose one-month answer deadline is today (if today can be a last day)."""
    for back in range(26, 36):
        d = _d(base, back)
        if due_date(rule, {rule.from_question: d})[1] == base:
            return d
    return add_months(base, -1)


def _timeline(stage: str, base: dt.date, shift: int, store: Store) -> dict:
    """Anchor dates for one case: 'suspected' (misstanke_datum) and, where the stage has one,
    'received' (the other municipality got the request), 'answered', 'ivo', 'decided'."""
    t: dict = {}
    if stage == "ny":
        t["suspected"] = None
        t["arrived"] = _d(base, 2 + shift)
    elif stage == "kontakt_idag":
        t["suspected"] = _suspected_for_contact_due(base)
    elif stage == "kontakt_kommande":
        t["suspected"] = base
    elif stage == "kontakt_forfallen":
        t["suspected"] = _d(base, 6 + shift)
    elif stage == "kontakt":
        t["suspected"] = _d(base, 12 + shift)
    elif stage == "beslut":
        t["suspected"] = _d(base, 20 + shift)
    elif stage == "svar_vantas":
        t["received"] = _d(base, 10 + shift)
    elif stage == "svar_idag":
        t["received"] = _received_for_answer_due(base, store.g.deadline("svar_pa_begaran"))
    elif stage == "svar_forfallen":
        t["received"] = _d(base, 45 + shift)
    elif stage == "avvisad":
        t["received"], t["answered"] = _d(base, 25 + shift), _d(base, 5 + shift)
    elif stage == "ivo":
        t["received"], t["answered"], t["ivo"] = _d(base, 50 + shift), _d(base, 30 + shift), _d(base, 20 + shift)
    elif stage == "ivo_beslut":
        t["received"], t["answered"] = _d(base, 160 + shift), _d(base, 140 + shift)
        t["ivo"], t["decided"] = _d(base, 130 + shift), _d(base, 15 + shift)
    elif stage in ("hembesok", "radrum"):
        t["suspected"] = _d(base, 30 + shift)
    else:  # berattigad, inga_tecken
        t["suspected"] = None
        t["arrived"] = _d(base, 9 + shift)
    if "received" in t:  # the request went out a day before it was received, after the decision
        t["suspected"] = t["received"] - dt.timedelta(days=14)
    if t.get("suspected") is not None:
        t["arrived"] = t["suspected"] - dt.timedelta(days=3)
    return t


def create_demo_cases(store: Store, count: int = 30, seed: int = 1460) -> list[int]:
    rng = random.Random(seed)
    base = today()
    ids = []
    year = base.year
    for i in range(count):
        stage = STAGES[i % len(STAGES)]
        shift = 7 * (i // len(STAGES))  # later rounds are a week older, same stages
        worker = CASEWORKERS[i % len(CASEWORKERS)]
        name, pnr = fictitious_person(rng)
        t = _timeline(stage, base, shift, store)
        arrived = t["arrived"]
        suspected = t.get("suspected")
        first = arrived + dt.timedelta(days=1 if suspected is None else rng.randint(0, 2))
        if suspected is not None:
            first = min(first, suspected)
        first = min(first, base)
        children = rng.random() < 0.45
        core = {"diarienummer": f"SN {year}/{1000 + i}", "namn": name, "personnummer": pnr,
                "handlaggare": worker, "tidigare_kommun": rng.choice(SENDERS), "ankomstdatum": arrived,
                "forsta_kontakt": first, "barn_i_hushallet": "ja" if children else "nej",
                "stallforetradare": rng.choice(["ingen", "ingen", "ingen", "god_man"])}
        if children:
            core["barn_antal"] = rng.randint(1, 4)
            core["barn_under_15"] = rng.choice(["ja", "nej"])
        case = store.create_case(core, user=worker)
        ids.append(case.id)
        if stage == "ny":
            continue
        if stage == "berattigad":
            case = store.save_answers(case.id, case.version, _with_children(JUSTIFIED, children), user=worker,
                                      step="bedomning")
            case = store.record_decision(case.id, case.version, "inte_dumpning",
                                         "Flytten skedde efter våld i nära relation och i samverkan mellan "
                                         "kommunerna. Personen tog själv initiativet.", user=worker,
                                         on=min(first + dt.timedelta(days=2), base))
            if i % 2 == 0:
                store.close_case(case.id, case.version, user=worker)
            continue
        if stage == "inga_tecken":
            store.save_answers(case.id, case.version, _with_children(NO_SIGNS, children), user=worker,
                               step="bedomning")
            continue
        form = rng.choice(["socialt_kontrakt", "nekat_bistand", "etablering"])
        answers = dict(SUSPICION, form=form, vill_atervanda=rng.choice(["ja", "ja", "vet_ej"]),
                       folkbokford_hos_annan=rng.choice(["ja", "nej"]))
        if form == "etablering":
            answers["forstod_processen"] = "nej"
        case = store.save_answers(case.id, case.version, _with_children(answers, children), user=worker,
                                  step="bedomning")
        if stage in ("kontakt_idag", "kontakt_kommande", "kontakt_forfallen"):
            store.save_answers(case.id, case.version, {"misstanke_datum": suspected}, user=worker, step="kontakt")
            continue
        contact_day = add_workdays(suspected, 1)
        contact = {"misstanke_datum": suspected, "kontakt_datum": contact_day,
                   "kontakt_person": "Enhetschef, socialtjänsten", "markerat_oacceptabelt": "ja",
                   "samtycke_motivering": rng.choice(["ja", "ja", "nej"]),
                   "upplevelse": "Personen berättar att hen fick veta att kontraktet inte skulle förlängas och att "
                                 "det fanns en lägenhet här. Hen visste inte var Bengtsfors låg.",
                   "mellantvang": "Personen kände att hen inte hade något val: ”Annars stod jag på gatan.”",
                   "skrivelse_skickad": min(contact_day + dt.timedelta(days=2), base)}
        if contact["samtycke_motivering"] == "ja":
            contact["motivering_begard_datum"] = contact_day
        case = store.save_answers(case.id, case.version, contact, user=worker, step="kontakt")
        if stage == "kontakt":
            continue
        case = store.record_decision(case.id, case.version, "faststalld",
                                     "Personen tog inte själv initiativet och uttryckte ingen egen vilja att "
                                     "flytta, flytten föregicks inte av samverkan och den tidigare kommunen "
                                     "hänvisade till en hyresvärd här.",
                                     user=worker, on=min(suspected + dt.timedelta(days=3), base))
        if stage == "beslut":
            continue
        if stage in ("hembesok", "radrum"):
            case = _home_visit(store, case, worker, suspected, base, children, rng, stage)
            continue
        received = t["received"]
        sent = received - dt.timedelta(days=1)
        wish = "atervanda" if i % 5 else "stanna"
        req = {"bistand_vardbehov": "ja", "individens_installning": wish,
               "individens_skal": ("Personen har sitt nätverk och sin läkarkontakt i den tidigare kommunen."
                                   if wish == "atervanda" else
                                   "Personen vill bo kvar här nära sin syster, men har sitt stöd och sin vård där."),
               "starkast_anknytning": "Personen har bott i den tidigare kommunen i tolv år, har sina barns skola "
                                      "och sin vårdkontakt där.",
               "insats": "Bistånd i form av boendestöd enligt 4 kap. 1 § SoL (2001:453).",
               "behov_fran": arrived, "behov_till": arrived + dt.timedelta(days=365),
               "begaran_skickad": sent, "begaran_mottagen": received}
        if wish == "stanna":
            req["skal_trots_motstand"] = ("Personens behov av vård och stöd tillgodoses bäst där hen har sin "
                                          "läkare och sitt nätverk sedan tolv år.")
        if core.get("barn_under_15") == "ja":
            req["barnets_asikt"] = "Barnet säger att det vill gå kvar i sin gamla skola."
        if core["stallforetradare"] == "god_man":
            req["stallforetradarens_asikt"] = "Gode mannen stöder en återgång."
        case = store.save_answers(case.id, case.version, req, user=worker, step="aterforing")
        if stage in ("svar_vantas", "svar_idag", "svar_forfallen"):
            continue
        case = store.save_answers(case.id, case.version, {"svar_datum": t["answered"], "svar": "avvisar"},
                                  user=worker, step="aterforing")
        if stage == "avvisad":
            continue
        case = store.save_answers(case.id, case.version, {"ivo_ansokan_datum": t["ivo"]}, user=worker,
                                  step="aterforing")
        if stage == "ivo_beslut":
            store.save_answers(case.id, case.version, {"ivo_beslut_datum": t["decided"],
                                                       "ivo_beslut": "bifall" if i % 3 else "avslag"},
                               user=worker, step="aterforing")
    return ids


def _with_children(answers: dict, children: bool) -> dict:
    if not children:
        return answers
    return dict(answers, barnens_situation="Barnen har fått byta skola mitt i terminen och saknar sina kamrater.")


def _home_visit(store: Store, case, worker: str, suspected: dt.date, base: dt.date, children: bool,
                rng: random.Random, stage: str):
    visit = min(suspected + dt.timedelta(days=10), base)
    home = {"samtycke_hembesok": "ja", "hembesok_datum": visit,
            "observationer": "Lägenheten har ett rum och kök för hela familjen, fukt i badrummet.",
            "boende_adekvat": "nej_olampligt", "uppmanad_soka_bostad": "ja",
            "rad_givna": "Personen fick råd om bostadssökande och kontakt med budget- och skuldrådgivning."}
    if children:
        home.update({"barn_risk": "nej", "barnperspektiv": "Barnen delar säng; ingen akut risk sågs."})
    case = store.save_answers(case.id, case.version, home, user=worker, step="bostad")
    # One landlord recurs, as 2.4 warns ("affärsmodell för privata hyresaktörer"), so the report shows it.
    landlord = {"hyresvard_namn": LANDLORDS[2], "hyresvard_sakerstallt": "nej",
                "ansokt_ekonomiskt_bistand": "ja"}
    if stage == "radrum":  # 2.4: rådrum only for someone entitled to ekonomiskt bistånd
        landlord.update({"berattigad_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja",
                         "radrum_till": base + dt.timedelta(days=14)})
    else:
        landlord["radrum_beviljat"] = "nej"
    return store.save_answers(case.id, case.version, landlord, user=worker, step="hyresvard")


def stage_of(index: int) -> str:
    """The stage of the demo's case number ``index`` (0-based), for tests and the README."""
    return STAGES[index % len(STAGES)]

