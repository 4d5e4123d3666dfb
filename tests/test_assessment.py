"""The suggestion and the action plan, rule by rule, with every question of each story answered.

The situation-by-situation table written from the guideline's text is tests/decision_table.yaml
(tests/test_decision_table.py); these tests pin the mechanics the table relies on.
"""
import datetime as dt

import pytest

from dumpning_kit.assessment import CaseState
from dumpning_kit.guideline import default_guideline, evaluate3

D = dt.date
TODAY = D(2026, 11, 27)
CORE = {"diarienummer": "SN 2026/1", "namn": "Test Testsson", "personnummer": "19811218-9876",
        "handlaggare": "Anna", "tidigare_kommun": "0180", "ankomstdatum": D(2026, 10, 1),
        "forsta_kontakt": D(2026, 10, 2), "barn_i_hushallet": "nej", "stallforetradare": "ingen"}
# Everyday facts that are also signs in 1.1.1 and 1.1.3; answered "nej" unless a story says otherwise.
QUIET = {"skyddad_flytt": "nej", "formell_begaran_inkommen": "nej", "pagaende_bistand": "nej",
         "form": "inget_sarskilt", "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej",
         "fick_kontaktuppgifter": "nej", "sokte_hjalp_direkt": "nej", "vill_atervanda": "nej"}
# 1.1.1, the first form: the social contract was ended and the person was told to call a landlord here.
DUMPING = {**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
           "pagaende_bistand": "ja", "form": "socialt_kontrakt", "hanvisad_hyresvard": "ja",
           "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja", "vill_atervanda": "ja"}
VOLUNTARY = {**QUIET, "eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "nej"}


def state(answers, decision=None, today=TODAY, closed=False):
    return CaseState(default_guideline(), {**CORE, **answers}, decision=decision, today=today, closed=closed)


def plan(st):
    return {i.action.id: i.status for i in st.action_plan}


def test_nothing_assessed_yet():
    st = state({})
    assert st.classification == "ej_bedomd" and st.reasons == ()
    assert not st.step_applies("kontakt")
    assert st.step_status(default_guideline().step("kontakt")).reason.startswith("Steget gäller")
    assert plan(st) == {"dokumentera_bedomning": "att_gora"}


def test_voluntary_move_with_everyday_signs_is_no_dumping():
    """1.1: dumping is a move "utan att personen själv tagit initiativ och uttryckt en egen vilja"."""
    st = state({**VOLUNTARY, "pagaende_bistand": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja",
                "hanvisad_hyresvard": "ja"})
    assert st.classification == "inga_tecken"
    assert [r.text for r in st.reasons] == ["Personen tog själv initiativet till flytten.",
                                            "Personen har själv uttryckt en vilja att flytta hit."]
    assert {s.question.id for s in st.signals} == {"pagaende_bistand", "fick_kontaktuppgifter",
                                                   "sokte_hjalp_direkt", "hanvisad_hyresvard"}
    assert plan(st) == {"dokumentera_bedomning": "att_gora"}
    assert not st.step_applies("kontakt") and not st.step_applies("aterforing")


def test_form_one_is_a_suspicion_explained_by_the_rules_and_opens_2_1_with_genast():
    st = state({**DUMPING, "misstanke_datum": D(2026, 11, 26)})
    assert st.classification == "misstanke"
    assert [r.kind for r in st.reasons] == ["krav"] * 4
    assert "Ingen samverkan mellan kommunernas socialtjänster föregick flytten." in [r.text for r in st.reasons]
    assert plan(st) == {"dokumentera_bedomning": "att_gora", "kontakta_kommun": "att_gora",
                        "krav_motivering": "vantar_samtycke", "dokumentera_upplevelse": "att_gora",
                        "skicka_skrivelse": "att_gora"}
    item = {i.action.id: i for i in st.action_plan}["kontakta_kommun"]
    assert (item.deadline.due, item.deadline.status) == (D(2026, 11, 27), "idag")
    assert st.next_action.action.id == "kontakta_kommun"  # before recording the decision


def test_supporting_signs_never_create_a_suspicion():
    """Every 1.1.1, 1.1.2.2 and 1.1.3 sign at once, but cooperation before the move: no suspicion."""
    every_sign = {**DUMPING, "folkbokford_hos_annan": "ja", "samverkan_fore_flytten": "ja"}
    st = state(every_sign)
    assert st.classification == "oklart"
    assert st.reasons[0].kind == "motstridigt"
    assert "Flytten föregicks av samverkan mellan kommunernas socialtjänster." in [r.text for r in st.reasons]
    assert not st.step_applies("kontakt")


def test_protected_move_with_cooperation_is_justified_despite_everyday_signs():
    st = state({**VOLUNTARY, "samverkan_fore_flytten": "ja", "skyddad_flytt": "ja", "pagaende_bistand": "ja",
                "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja"})
    assert st.classification == "berattigad"


def test_protected_move_with_cooperation_unknown_is_not_yet_justified():
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "vet_ej", "samverkan_fore_flytten": "vet_ej",
                "skyddad_flytt": "ja"})
    assert st.classification == "oklart"
    asks = [r.text for r in st.reasons]
    assert all(r.kind == "ta_reda_pa" for r in st.reasons)
    assert "Kontrollera om socialtjänsterna i de två kommunerna samverkade före flytten." in asks
    assert "Ta reda på om personen själv har uttryckt en vilja att flytta hit." in asks


def test_formal_request_is_cooperation_not_dumping():
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "ja",
                "formell_begaran_inkommen": "ja", "inkommen_begaran_datum": D(2026, 11, 20)})
    assert st.classification == "berattigad"
    assert plan(st) == {"dokumentera_bedomning": "att_gora", "besvara_inkommen_begaran": "att_gora"}
    item = {i.action.id: i for i in st.action_plan}["besvara_inkommen_begaran"]
    assert item.deadline.due == D(2026, 12, 21)  # 20 December 2026 is a Sunday
    assert st.next_action.action.id == "besvara_inkommen_begaran"


def test_initiative_without_own_will_is_conflicting():
    st = state({**QUIET, "eget_initiativ": "ja", "egen_vilja": "nej", "samverkan_fore_flytten": "nej"})
    assert st.classification == "oklart"
    texts = [r.text for r in st.reasons]
    assert texts[0] == default_guideline().conflict_text
    assert "Personen tog själv initiativet till flytten." in texts
    assert "Personen har inte uttryckt en egen vilja att flytta hit." in texts


def test_unknown_necessary_fact_asks_for_it():
    st = state({**DUMPING, "samverkan_fore_flytten": "vet_ej"})
    assert st.classification == "oklart"
    assert [r.text for r in st.reasons] == ["Kontrollera om socialtjänsterna i de två kommunerna samverkade före flytten."]


def test_all_unknown_is_unclear_not_unassessed():
    st = state({"eget_initiativ": "vet_ej", "egen_vilja": "vet_ej", "samverkan_fore_flytten": "vet_ej",
                "skyddad_flytt": "vet_ej", "formell_begaran_inkommen": "nej"})
    assert st.classification == "oklart"
    assert len(st.reasons) == 4


def test_three_valued_logic():
    a = {"x": "ja", "y": "vet_ej"}
    assert evaluate3({"question": "x", "equals": "ja"}, a) is True
    assert evaluate3({"question": "x", "equals": "nej"}, a) is False
    assert evaluate3({"question": "y", "equals": "ja"}, a) is None
    assert evaluate3({"question": "z", "equals": "ja"}, a) is None
    assert evaluate3({"not": {"question": "y", "equals": "ja"}}, a) is None
    assert evaluate3({"not": {"question": "x", "equals": "nej"}}, a) is True
    assert evaluate3({"any": [{"question": "y", "equals": "ja"}, {"question": "x", "equals": "ja"}]}, a) is True
    assert evaluate3({"any": [{"question": "y", "equals": "ja"}, {"question": "x", "equals": "nej"}]}, a) is None
    assert evaluate3({"any": [{"question": "x", "equals": "nej"}, {"question": "x", "in": ["nej"]}]}, a) is False
    assert evaluate3({"all": [{"question": "y", "equals": "ja"}, {"question": "x", "equals": "nej"}]}, a) is False
    assert evaluate3({"all": [{"question": "y", "equals": "ja"}, {"question": "x", "equals": "ja"}]}, a) is None
    assert evaluate3({"all": [{"question": "x", "in": ["ja"]}, {"question": "x", "equals": "ja"}]}, a) is True
    assert evaluate3({"question": "z", "answered": False}, a) is True


# ---- the caseworker's decision drives the plan --------------------------------------------

def test_recorded_suspicion_starts_2_1_when_the_answers_alone_would_not():
    st = state({**VOLUNTARY, "misstanke_datum": D(2026, 11, 27)}, decision="misstanke")
    assert st.classification == "inga_tecken"  # the suggestion stays what the answers say
    assert st.step_applies("kontakt") and st.step_applies("aterforing")
    assert not st.step_applies("bostad")
    assert plan(st)["kontakta_kommun"] == "att_gora"
    assert plan(st)["dokumentera_bedomning"] == "att_gora"  # a suspicion is not yet the final decision


def test_not_dumping_ends_every_2_1_to_2_4_action():
    answers = {**DUMPING, "misstanke_datum": D(2026, 11, 2), "bistand_vardbehov": "ja",
               "individens_installning": "atervanda", "begaran_skickad": D(2026, 11, 3),
               "begaran_mottagen": D(2026, 11, 4)}
    assert "invanta_svar" in plan(state(answers))
    st = state(answers, decision="inte_dumpning")
    assert plan(st) == {"dokumentera_bedomning": "klar"}
    assert st.next_action is None and st.next_deadline is None
    assert not st.document_allowed("skrivelse")[0] and not st.document_allowed("begaran")[0]


def test_established_dumping_opens_2_3_and_2_4():
    st = state({**DUMPING, "misstanke_datum": D(2026, 11, 2)}, decision="faststalld")
    p = plan(st)
    assert p["hembesok"] == "vantar_samtycke" and p["hyresvard_betalningsformaga"] == "att_gora"
    assert p["dokumentera_bedomning"] == "klar"


# ---- 2.2 ----------------------------------------------------------------------------------

BACK = {**DUMPING, "misstanke_datum": D(2026, 10, 2), "kontakt_datum": D(2026, 10, 2),
        "markerat_oacceptabelt": "ja", "samtycke_motivering": "ja", "motivering_begard_datum": D(2026, 10, 2),
        "upplevelse": "Jag fick inget val.", "mellantvang": "Ja, de sa att jag annars stod utan bostad.",
        "skrivelse_skickad": D(2026, 10, 5), "bistand_vardbehov": "ja", "individens_installning": "atervanda",
        "individens_skal": "Min familj bor kvar där.", "starkast_anknytning": "Tolv år i Stockholm.",
        "insats": "Boendestöd", "behov_fran": D(2026, 1, 1), "behov_till": D(2027, 6, 30)}


def test_ongoing_care_bistand_starts_the_return_process_at_once():
    st = state({**BACK, "misstanke_datum": D(2026, 11, 26), "individens_installning": "vet_ej"})
    item = {i.action.id: i for i in st.action_plan}["inled_aterforing"]
    assert item.status == "att_gora" and item.deadline.due == D(2026, 11, 27)
    assert "skicka_begaran" not in plan(st)  # not until the person wants to return
    assert not st.document_allowed("begaran")[0]


def test_no_request_when_the_person_wants_to_stay():
    st = state({**BACK, "individens_installning": "stanna"})
    assert plan(st)["inled_aterforing"] == "klar"
    assert "skicka_begaran" not in plan(st)
    assert not st.document_allowed("begaran")[0]


def test_no_return_process_without_ongoing_care_bistand():
    st = state({**BACK, "bistand_vardbehov": "nej"})
    assert not {"inled_aterforing", "skicka_begaran", "invanta_svar", "ansok_ivo"} & set(plan(st))


def test_answer_period_then_ivo_only_without_an_answer():
    answers = {**BACK, "begaran_skickad": D(2026, 10, 20), "begaran_mottagen": D(2026, 10, 22)}
    before = state(answers, today=D(2026, 11, 23))
    assert {i.action.id: i for i in before.action_plan}["invanta_svar"].deadline.due == D(2026, 11, 23)
    assert "ansok_ivo" not in plan(before)  # the answer's last day: not yet
    assert not before.document_allowed("ivo")[0]
    after = state(answers, today=D(2026, 11, 24))
    assert plan(after)["ansok_ivo"] == "att_gora" and after.document_allowed("ivo") == (True, "")
    assert after.next_action.action.id == "dokumentera_bedomning"  # no decision yet: the guideline's order
    assert state(answers, decision="faststalld", today=D(2026, 11, 24)).next_action.action.id == "ansok_ivo"
    late_yes = state({**answers, "svar_datum": D(2026, 11, 25), "svar": "accepterar"}, decision="faststalld",
                     today=D(2026, 11, 27))
    assert "ansok_ivo" not in plan(late_yes) and plan(late_yes)["invanta_svar"] == "klar"
    assert late_yes.next_action.action.id == "hembesok"  # the acceptance ends 2.2; 2.3 remains


def test_registered_ivo_application_ends_the_wait_for_the_answer():
    answers = {**BACK, "begaran_skickad": D(2026, 10, 1), "begaran_mottagen": D(2026, 10, 2),
               "ivo_ansokan_datum": D(2026, 11, 10)}
    st = state(answers)
    assert plan(st)["invanta_svar"] == "klar" and plan(st)["ansok_ivo"] == "klar"
    assert st.next_deadline.rule.id == "ivo_beslut_vantas"
    assert st.next_deadline.due == D(2027, 2, 10)


def test_written_rejection_puts_ivo_before_a_distant_follow_up():
    answers = {**BACK, "begaran_skickad": D(2026, 11, 2), "begaran_mottagen": D(2026, 11, 3),
               "svar_datum": D(2026, 11, 20), "svar": "avvisar", "samtycke_hembesok": "nej",
               "hyresvard_namn": "Fastighets AB Exempelhuset", "hyresvard_sakerstallt": "nej",
               "ansokt_ekonomiskt_bistand": "ja", "berattigad_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja",
               "radrum_till": D(2027, 2, 23)}
    st = state(answers, decision="faststalld")
    assert plan(st)["ansok_ivo"] == "att_gora" and plan(st)["radrum"] == "att_gora"
    assert st.next_action.action.id == "ansok_ivo"
    assert st.next_deadline.rule.id == "radrum"  # the headline deadline is still the only dated one


# ---- 2.3 and 2.4 --------------------------------------------------------------------------

def test_emergency_housing_stays_open_until_it_is_arranged():
    g = default_guideline()
    answers = {**DUMPING, "barn_i_hushallet": "ja", "barn_antal": 2, "barn_under_15": "ja",
               "samtycke_hembesok": "ja", "hembesok_datum": D(2026, 11, 10), "boende_adekvat": "nej_skadligt",
               "barn_risk": "ja", "akutboende": "nej"}
    st = state(answers, decision="faststalld")
    assert st.relevant(g.question("barnperspektiv"))
    assert plan(st)["barn_akutboende"] == "att_gora" and plan(st)["uppmana_ny_bostad"] == "att_gora"
    assert plan(state({**answers, "akutboende": "ja"}, decision="faststalld"))["barn_akutboende"] == "klar"


def test_radrum_needs_entitlement_not_only_an_application():
    g = default_guideline()
    answers = {**DUMPING, "hyresvard_sakerstallt": "nej", "ansokt_ekonomiskt_bistand": "ja"}
    st = state({**answers, "berattigad_ekonomiskt_bistand": "nej", "radrum_beviljat": "ja",
                "radrum_till": D(2026, 12, 20)}, decision="faststalld")
    assert not st.relevant(g.question("radrum_beviljat")) and "radrum" not in plan(st)
    st = state({**answers, "berattigad_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja",
                "radrum_till": D(2026, 11, 20)}, decision="faststalld")
    d = {i.action.id: i for i in st.action_plan}["radrum"].deadline
    assert d.status == "forfallen" and d.days_left == -7
    assert d.describe() == "Förfallen sedan 7 dagar (sista dag 2026-11-20)"


def test_landlord_check_done_only_with_a_real_answer():
    st = state({**DUMPING, "hyresvard_sakerstallt": "vet_ej"}, decision="faststalld")
    assert plan(st)["hyresvard_betalningsformaga"] == "att_gora"


def test_closed_case_has_no_next_action():
    st = state({**DUMPING, "misstanke_datum": D(2026, 11, 2)}, closed=True)
    assert st.next_action is None and st.next_deadline is None and st.open_actions == []


# ---- periods come from the guideline file -------------------------------------------------

@pytest.mark.parametrize("months,text", [(1, "en månad"), (2, "två månader"), (3, "tre månader"), (13, "13 månader")])
def test_period_text(months, text):
    import dataclasses
    rule = dataclasses.replace(default_guideline().deadline("svar_pa_begaran"), months=months)
    assert rule.period_text == text


def test_period_placeholders_are_filled_from_the_rule():
    g = default_guideline()
    assert "en månad" in g.question("begaran_mottagen").hint
    assert "{" not in g.document("ivo").refusal and "en månad" in g.document("ivo").refusal
    assert "tre månader" in g.deadline("ivo_beslut_vantas").explanation


def test_earliest_deadline_first_whatever_the_files_order():
    """A recorded suspicion on a case that also has an incoming request: contacting the other
    municipality "genast" (due today) comes before answering the request (due in December),
    although the answer is listed first in the guideline file."""
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "ja",
                "formell_begaran_inkommen": "ja", "inkommen_begaran_datum": D(2026, 11, 20),
                "misstanke_datum": D(2026, 11, 26)}, decision="misstanke")
    order = [i.action.id for i in st.open_actions]
    assert order.index("besvara_inkommen_begaran") < order.index("kontakta_kommun")
    assert st.next_action.action.id == "kontakta_kommun"


def test_what_to_find_out_names_section_1_1():
    st = state({**DUMPING, "samverkan_fore_flytten": "vet_ej"})
    assert [(r.kind, r.section) for r in st.reasons] == [("ta_reda_pa", "1.1")]


def test_verdict_as_data():
    from dumpning_kit.assessment import verdict
    v = verdict(state({**DUMPING, "misstanke_datum": D(2026, 11, 26)}))
    assert v["classification"] == "misstanke" and v["classification_label"] == "Misstanke om social dumpning"
    assert v["reasons"][0] == {"kind": "krav", "text": "Personen tog inte själv initiativet till flytten.",
                               "section": "1.1"}
    assert v["supporting_signs"][0] == {"question": "pagaende_bistand",
                                        "text": "Personen hade pågående bistånd i den tidigare kommunen.",
                                        "section": "1.1.1"}
    assert v["decision"] is None and v["today"] == "2026-11-27"
    assert v["steps"]["kontakt"] == "klart" and v["steps"]["bostad"] == "ej_aktuellt"
    assert v["plan"][1] == {"id": "kontakta_kommun", "label": "Kontakta genast den tidigare kommunen och markera att "
                            "agerandet inte är acceptabelt", "section": "2.1", "status": "att_gora",
                            "deadline": {"id": "kontakt_genast", "label": "Kontakt med den tidigare kommunen",
                                         "due": "2026-11-27", "status": "idag",
                                         "text": "Sista dag i dag (2026-11-27)"}}
    assert v["plan"][0]["deadline"] is None
    assert v["open_actions"] == ["dokumentera_bedomning", "kontakta_kommun", "krav_motivering",
                                 "dokumentera_upplevelse", "skicka_skrivelse"]
    assert v["next_action"] == "kontakta_kommun"
    assert v["deadlines"] == [v["plan"][1]["deadline"]]
    assert verdict(state({}, closed=True))["next_action"] is None
