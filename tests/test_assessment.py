"""Suggested classification and action plan on distinct scenarios."""
import datetime as dt

import pytest

from dumpning_kit.assessment import CaseState
from dumpning_kit.guideline import default_guideline

D = dt.date
TODAY = D(2026, 11, 27)
CORE = {"diarienummer": "SN 2026/1", "namn": "Test Testsson", "personnummer": "19811218-9876",
        "handlaggare": "Anna", "tidigare_kommun": "0180", "ankomstdatum": D(2026, 10, 1),
        "forsta_kontakt": D(2026, 10, 2), "barn_i_hushallet": "nej"}
DUMPING = {"eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
           "hanvisad_hyresvard": "ja", "form": "socialt_kontrakt"}


def state(answers, decision=None, today=TODAY, closed=False):
    return CaseState(default_guideline(), {**CORE, **answers}, decision=decision, today=today, closed=closed)


def plan(st):
    return {i.action.id: i for i in st.action_plan}


def test_nothing_assessed_yet():
    st = state({})
    assert st.classification == "ej_bedomd"
    assert not st.step_applies("kontakt")
    assert st.step_status(default_guideline().step("kontakt")).reason.startswith("Steget gäller")


def test_no_signs():
    st = state({"eget_initiativ": "ja", "egen_vilja": "ja", "hanvisad_hyresvard": "nej"})
    assert st.classification == "inga_tecken"
    assert set(plan(st)) == {"dokumentera_bedomning"}


def test_social_contract_ended_is_a_suspicion_and_opens_2_1_with_genast_deadline():
    st = state({**DUMPING, "misstanke_datum": D(2026, 11, 26)})
    assert st.classification == "misstanke"
    assert {s.indicator.text for s in st.signals} >= {"Flytten föregicks inte av samverkan mellan kommunernas socialtjänster."}
    p = plan(st)
    assert p["kontakta_kommun"].deadline.due == D(2026, 11, 27)
    assert p["kontakta_kommun"].deadline.status == "idag"
    assert p["krav_motivering"].status == "vantar_samtycke"
    assert "hembesok" not in p  # 2.3 waits for the caseworker's decision


def test_protected_move_after_violence_with_cooperation_is_justified():
    st = state({"eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "ja", "skyddad_flytt": "ja"})
    assert st.classification == "berattigad"
    assert not st.step_applies("kontakt")


def test_formal_request_under_10_paragraph_is_justified():
    st = state({"formell_begaran_inkommen": "ja", "eget_initiativ": "ja"})
    assert st.classification == "berattigad"


def test_mixed_signals_are_unclear():
    st = state({"skyddad_flytt": "ja", "samverkan_fore_flytten": "ja", "hanvisad_hyresvard": "ja", "vill_atervanda": "ja"})
    assert st.classification == "oklart"


def test_single_sign_is_unclear_not_suspicion():
    st = state({"eget_initiativ": "nej", "egen_vilja": "ja"})
    assert st.classification == "oklart"


def test_etablering_follow_up_question_only_counts_when_relevant():
    st = state({"form": "etablering", "forstod_processen": "nej", "eget_initiativ": "vet_ej"})
    assert st.classification == "misstanke"
    st2 = state({"form": "inget_sarskilt", "forstod_processen": "nej"})
    assert "forstod_processen" not in st2.answers  # hidden answers count for nothing
    assert st2.classification == "inga_tecken"


def test_unknown_answers_do_not_count():
    st = state({"eget_initiativ": "vet_ej", "egen_vilja": "vet_ej"})
    assert st.classification == "ej_bedomd"


def test_the_kit_never_decides():
    st = state({**DUMPING, "pagaende_bistand": "ja", "fick_kontaktuppgifter": "ja"})
    assert st.classification == "misstanke"
    assert st.decision is None
    assert not st.step_applies("bostad")  # 2.3 needs "fastställd", which only the caseworker records
    assert plan(st)["dokumentera_bedomning"].status == "att_gora"


def test_older_person_with_care_bistand_request_and_month_deadline():
    answers = {**DUMPING, "misstanke_datum": D(2026, 10, 2), "kontakt_datum": D(2026, 10, 2),
               "markerat_oacceptabelt": "ja", "bistand_vardbehov": "ja", "begaran_skickad": D(2026, 10, 20),
               "begaran_mottagen": D(2026, 10, 22)}
    st = state(answers, decision="faststalld", today=D(2026, 11, 20))
    p = plan(st)
    assert p["invanta_svar"].deadline.due == D(2026, 11, 23)  # 22 Nov 2026 is a Sunday
    assert p["invanta_svar"].deadline.status == "kommande"
    assert "ansok_ivo" not in p
    later = state(answers, decision="faststalld", today=D(2026, 11, 24))
    assert plan(later)["invanta_svar"].deadline.status == "forfallen"
    assert "ansok_ivo" in plan(later)  # no answer within the month: IVO
    assert later.document_allowed("ivo") == (True, "")
    assert not st.document_allowed("ivo")[0]


def test_refusal_opens_ivo_and_home_visit_needs_consent():
    answers = {**DUMPING, "bistand_vardbehov": "ja", "begaran_skickad": D(2026, 10, 20),
               "begaran_mottagen": D(2026, 10, 21), "svar_datum": D(2026, 11, 2), "svar": "avvisar",
               "samtycke_hembesok": "nej"}
    st = state(answers, decision="faststalld")
    p = plan(st)
    assert p["invanta_svar"].status == "klar" and p["invanta_svar"].deadline.status == "klar"
    assert p["ansok_ivo"].status == "att_gora"
    assert p["hembesok"].status == "inget_samtycke"
    assert not st.document_allowed("hembesok")[0]


def test_children_bring_the_child_perspective():
    g = default_guideline()
    st = state({**DUMPING, "barn_i_hushallet": "ja", "barn_antal": 2, "barn_under_15": "ja",
                "bistand_vardbehov": "ja", "samtycke_hembesok": "ja", "hembesok_datum": D(2026, 11, 10),
                "boende_adekvat": "nej_skadligt", "barn_risk": "ja"}, decision="faststalld")
    assert st.relevant(g.question("barnens_situation"))
    assert st.relevant(g.question("barnets_asikt"))
    assert st.relevant(g.question("barnperspektiv"))
    p = plan(st)
    assert p["barn_akutboende"].status == "att_gora"
    assert p["uppmana_ny_bostad"].status == "att_gora"


def test_landlord_radrum_deadline():
    st = state({**DUMPING, "hyresvard_namn": "Fastighets AB Exempelhuset", "hyresvard_sakerstallt": "nej",
                "ansokt_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja", "radrum_till": D(2026, 11, 20)},
               decision="faststalld")
    d = plan(st)["radrum"].deadline
    assert d.status == "forfallen" and d.days_left == -7
    assert st.next_deadline.rule.id == "radrum"
