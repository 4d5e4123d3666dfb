"""The rules behind what a caseworker is told: step status, consent, the IVO gate, the order of
"Nästa att göra", the explanation of the suggestion.

Expected values come from the guideline file's own rules and texts (bengtsfors.yaml and the
guideline's sections 1.1, 2.1-2.4) and from dates counted by hand; never from the code under test.
Every case is answered completely, as its story says (tests/test_assessment.py's dicts).
"""
import dataclasses
import datetime as dt

import pytest

from dumpning_kit.assessment import CaseState, assess
from dumpning_kit.case import Case, Decision
from dumpning_kit.guideline import Context, default_guideline, evaluate, evaluate3

from test_assessment import BACK, CORE, DUMPING, QUIET, VOLUNTARY

D = dt.date
TODAY = D(2026, 11, 27)  # a Friday
G = default_guideline()

ASK_INITIATIV = "Ta reda på om personen själv tog initiativet till flytten."
ASK_VILJA = "Ta reda på om personen själv har uttryckt en vilja att flytta hit."
ASK_SAMVERKAN = "Kontrollera om socialtjänsterna i de två kommunerna samverkade före flytten."
ASK_BEHOV = ("Ta reda på om flytten gjordes för personens behov, till exempel för att skydda personen "
             "efter våld i nära relation.")
ASK_BEGARAN = ("Kontrollera om den tidigare kommunen har skickat en formell begäran om överflyttning "
               "enligt 2 a kap. 10 §.")


def state(answers, decision=None, today=TODAY, closed=False, g=G, core=True):
    return CaseState(g, {**(CORE if core else {}), **answers}, decision=decision, today=today, closed=closed)


def items(st):
    return {i.action.id: i for i in st.action_plan}


def with_action(g, action_id, **changes):
    return dataclasses.replace(g, actions=tuple(dataclasses.replace(a, **changes) if a.id == action_id else a
                                                for a in g.actions))


# ---- the step status a caseworker sees ("Inte påbörjat", "Pågår", "Klart") --------------------

BEDOMNING_REQUIRED = ["eget_initiativ", "egen_vilja", "samverkan_fore_flytten", "skyddad_flytt",
                      "formell_begaran_inkommen"]


def test_a_step_with_nothing_answered_is_not_started():
    s = state({}).step_status(G.step("bedomning"))
    assert (s.applies, s.status, s.label, s.reason) == (True, "ej_paborjat", "Inte påbörjat", "")
    assert [q.id for q in s.missing] == BEDOMNING_REQUIRED


def test_a_step_with_unanswered_required_questions_is_in_progress_not_done():
    s = state({"eget_initiativ": "nej", "egen_vilja": "nej", "pagaende_bistand": "ja"}).step_status(
        G.step("bedomning"))
    assert (s.status, s.label) == ("ofullstandigt", "Pågår")
    assert [q.id for q in s.missing] == ["samverkan_fore_flytten", "skyddad_flytt", "formell_begaran_inkommen"]
    # an optional question alone also starts the step, but does not finish it
    s = state({"pagaende_bistand": "ja"}).step_status(G.step("bedomning"))
    assert s.status == "ofullstandigt" and len(s.missing) == 5


def test_a_step_is_done_when_every_required_relevant_question_is_answered():
    s = state(DUMPING).step_status(G.step("bedomning"))
    assert (s.status, s.label, s.missing) == ("klart", "Klart", ())
    # "Vet inte" is an answer: the step is done, the suggestion says what to find out
    s = state({**DUMPING, "samverkan_fore_flytten": "vet_ej"}).step_status(G.step("bedomning"))
    assert s.status == "klart"


def test_a_required_question_that_is_not_relevant_does_not_block_the_step():
    # barn_antal is required, but only relevant when there are children
    s = state({}).step_status(G.step("arendeuppgifter"))
    assert (s.status, s.missing) == ("klart", ())
    s = state({"barn_i_hushallet": "ja"}).step_status(G.step("arendeuppgifter"))
    assert s.status == "ofullstandigt" and [q.id for q in s.missing] == ["barn_antal"]
    s = state({"barn_i_hushallet": "ja", "barn_antal": 2}).step_status(G.step("arendeuppgifter"))
    assert s.status == "klart"


def test_missing_core_answer_makes_the_case_step_in_progress():
    answers = {k: v for k, v in CORE.items() if k != "handlaggare"}
    s = state(answers, core=False).step_status(G.step("arendeuppgifter"))
    assert s.status == "ofullstandigt" and [q.id for q in s.missing] == ["handlaggare"]


def test_a_step_that_does_not_apply_says_why_from_the_guideline():
    s = state(VOLUNTARY).step_status(G.step("kontakt"))
    assert (s.applies, s.status, s.label, s.missing) == (False, "ej_aktuellt", "Inte aktuellt", ())
    assert s.reason == G.step("kontakt").not_applicable and s.reason.startswith("Steget gäller vid misstanke")


def test_steps_in_the_guideline_order():
    st = state(DUMPING)
    assert [s.step.id for s in st.steps] == [s.id for s in G.steps]
    by_id = {s.step.id: s for s in st.steps}
    assert by_id["kontakt"].applies and by_id["aterforing"].applies      # 2.1 and 2.2 on suspicion
    assert not by_id["bostad"].applies and not by_id["hyresvard"].applies  # 2.3 and 2.4 need the decision
    assert not by_id["inkommen_begaran"].applies


# ---- which steps the caseworker's decision opens ---------------------------------------------------

@pytest.mark.parametrize("answers,decision,expected", [
    # (kontakt 2.1, aterforing 2.2, bostad 2.3, hyresvard 2.4)
    (DUMPING, None, (True, True, False, False)),         # the suggestion alone: misstanke
    (DUMPING, "misstanke", (True, True, False, False)),
    (DUMPING, "faststalld", (True, True, True, True)),
    (DUMPING, "inte_dumpning", (False, False, False, False)),  # ends every 2.1-2.4 action
    (VOLUNTARY, None, (False, False, False, False)),
    (VOLUNTARY, "misstanke", (True, True, False, False)),      # a recorded suspicion starts 2.1
    (VOLUNTARY, "faststalld", (True, True, True, True)),
    (VOLUNTARY, "inte_dumpning", (False, False, False, False)),
])
def test_decisions_open_and_close_the_steps(answers, decision, expected):
    st = state(answers, decision=decision)
    assert tuple(st.step_applies(s) for s in ("kontakt", "aterforing", "bostad", "hyresvard")) == expected


def test_not_dumping_after_an_established_case_closes_2_3_and_2_4_actions():
    answers = {**DUMPING, "misstanke_datum": D(2026, 11, 2), "samtycke_hembesok": "ja",
               "hyresvard_sakerstallt": "nej"}
    assert {"hembesok", "hyresvard_betalningsformaga"} <= set(items(state(answers, decision="faststalld")))
    st = state(answers, decision="inte_dumpning")
    assert set(items(st)) == {"dokumentera_bedomning"}
    assert not st.document_allowed("hembesok")[0]


def test_case_state_of_a_stored_case():
    case = Case({**CORE, **DUMPING, "misstanke_datum": D(2026, 11, 2)},
                decision=Decision("faststalld", "Motivering", D(2026, 11, 20), "Anna"))
    st = assess(G, case, TODAY)
    assert st.decision == "faststalld" and not st.closed and st.today == TODAY
    assert st.step_applies("bostad")
    closed = assess(G, dataclasses.replace(case, status="avslutat", decision=None), TODAY)
    assert closed.closed and closed.decision is None and closed.open_actions == []


# ---- consent ----------------------------------------------------------------------------------------

SUSPECTED = {**DUMPING, "misstanke_datum": D(2026, 11, 26)}


@pytest.mark.parametrize("consent,status,label,is_open", [
    (None, "vantar_samtycke", "Väntar på samtycke", True),
    ("ja", "att_gora", "Att göra", True),
    ("nej", "inget_samtycke", "Görs inte: personen har inte samtyckt", False),
])
def test_consent_states_of_the_demand_for_a_motivation(consent, status, label, is_open):
    """2.1: "kräva en skälig motivering och bedömning" needs the person's consent."""
    answers = {**SUSPECTED, **({"samtycke_motivering": consent} if consent else {})}
    st = state(answers)
    item = items(st)["krav_motivering"]
    assert (item.status, item.label, item.open) == (status, label, is_open)
    assert (item in st.open_actions) is is_open


def test_consent_given_and_the_demand_made_is_done():
    item = items(state({**SUSPECTED, "samtycke_motivering": "ja",
                        "motivering_begard_datum": D(2026, 11, 26)}))["krav_motivering"]
    assert (item.status, item.label, item.open) == ("klar", "Klar", False)


@pytest.mark.parametrize("consent,status", [(None, "vantar_samtycke"), ("ja", "att_gora"), ("nej", "inget_samtycke")])
def test_consent_states_of_the_home_visit(consent, status):
    answers = {**SUSPECTED, **({"samtycke_hembesok": consent} if consent else {})}
    assert items(state(answers, decision="faststalld"))["hembesok"].status == status


def test_a_refused_consent_is_not_an_overdue_deadline():
    """An action the person has refused is not done and never goes overdue."""
    g = with_action(G, "krav_motivering", deadline="kontakt_genast")
    refused = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 20), "samtycke_motivering": "nej"}, g=g))
    d = refused["krav_motivering"].deadline
    assert (d.due, d.done, d.status, d.days_left) == (D(2026, 11, 23), False, "klar", -4)
    waiting = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 20)}, g=g))["krav_motivering"]
    assert (waiting.status, waiting.deadline.status) == ("vantar_samtycke", "forfallen")
    assert waiting.deadline.describe() == "Förfallen sedan 4 dagar (sista dag 2026-11-23)"
    given = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 26), "samtycke_motivering": "ja"}, g=g))
    assert given["krav_motivering"].deadline.status == "idag"
    done = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 20), "samtycke_motivering": "ja",
                        "motivering_begard_datum": D(2026, 11, 23)}, g=g))["krav_motivering"]
    assert (done.status, done.deadline.done, done.deadline.status) == ("klar", True, "klar")


# ---- deadlines on the plan ---------------------------------------------------------------------------

def test_contact_deadline_is_the_next_working_day_after_the_suspicion():
    # 2.1 "genast": the kit reads it as the next working day; 27 Nov 2026 is a Friday
    d = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 27)}))["kontakta_kommun"].deadline
    assert (d.start, d.due, d.status, d.days_left, d.done) == (D(2026, 11, 27), D(2026, 11, 30), "kommande", 3, False)
    assert d.describe() == "3 dagar kvar (sista dag 2026-11-30)"
    d = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 23)}))["kontakta_kommun"].deadline
    assert (d.due, d.status, d.days_left) == (D(2026, 11, 24), "forfallen", -3)
    assert d.describe() == "Förfallen sedan 3 dagar (sista dag 2026-11-24)"


def test_a_done_action_shows_its_deadline_as_done():
    d = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 23), "kontakt_datum": D(2026, 11, 24),
                     "markerat_oacceptabelt": "ja"}))["kontakta_kommun"]
    assert d.status == "klar" and (d.deadline.done, d.deadline.status) == (True, "klar")
    assert d.deadline.describe() == "Klar (sista dag var 2026-11-24)"
    # contact taken but the conduct not marked as unacceptable: 2.1 is not done
    d = items(state({**DUMPING, "misstanke_datum": D(2026, 11, 23), "kontakt_datum": D(2026, 11, 24),
                     "markerat_oacceptabelt": "nej"}))["kontakta_kommun"]
    assert d.status == "att_gora" and d.deadline.status == "forfallen"


def test_an_action_without_its_anchor_date_has_no_deadline():
    item = items(state(DUMPING))["kontakta_kommun"]  # misstanke_datum not yet answered
    assert item.status == "att_gora" and item.deadline is None
    assert state(DUMPING).deadlines == []


# 22 Oct 2026 + one month = 22 Nov 2026, a Sunday -> Monday 23 Nov (Lag 1930:173, 1 and 2 §§)
SENT = {**BACK, "begaran_skickad": D(2026, 10, 20), "begaran_mottagen": D(2026, 10, 22)}


@pytest.mark.parametrize("today,passed", [(D(2026, 11, 20), False), (D(2026, 11, 22), False),
                                          (D(2026, 11, 23), False), (D(2026, 11, 24), True),
                                          (D(2026, 11, 27), True)])
def test_the_answer_period_passes_only_after_its_last_day(today, passed):
    """2.2: IVO "om den andra kommunen inte har svarat inom en månad": on the last day it still may."""
    st = state(SENT, today=today)
    assert st.deadline_due("svar_pa_begaran") == D(2026, 11, 23)
    assert st.deadline_passed("svar_pa_begaran") is passed
    assert ("ansok_ivo" in items(st)) is passed
    assert st.document_allowed("ivo")[0] is passed
    assert st.relevant(G.question("ivo_ansokan_datum")) is passed
    d = items(st)["invanta_svar"].deadline
    assert d.status == ("forfallen" if passed else ("idag" if today == D(2026, 11, 23) else "kommande"))


def test_a_deadline_without_its_date_never_passes():
    st = state(BACK)
    assert st.deadline_due("svar_pa_begaran") is None and not st.deadline_passed("svar_pa_begaran")
    assert "invanta_svar" not in items(st) and "ansok_ivo" not in items(st)


def test_an_answer_in_time_closes_the_ivo_gate_whatever_it_says_unless_it_rejects():
    accept = state({**SENT, "svar_datum": D(2026, 11, 20), "svar": "accepterar"}, today=D(2026, 11, 27))
    assert "ansok_ivo" not in items(accept) and items(accept)["invanta_svar"].status == "klar"
    reject = state({**SENT, "svar_datum": D(2026, 11, 20), "svar": "avvisar"}, today=D(2026, 11, 21))
    assert items(reject)["ansok_ivo"].status == "att_gora"  # a written rejection: IVO before the month ends
    assert reject.document_allowed("ivo") == (True, "")


def test_refused_documents_give_the_guidelines_reason():
    st = state(VOLUNTARY)
    ok, why = st.document_allowed("skrivelse")
    assert not ok and why == G.document("skrivelse").refusal and why.startswith("En skrivelse skickas vid misstanke")
    ok, why = state(SENT, today=D(2026, 11, 23)).document_allowed("ivo")
    assert not ok and "inte har svarat inom en månad" in why
    assert state(VOLUNTARY).document_allowed("bedomning") == (True, "")


# ---- next deadline and next action ------------------------------------------------------------------

def test_next_deadline_is_the_earliest_open_one():
    answers = {**SENT, "misstanke_datum": D(2026, 10, 2), "svar_datum": D(2026, 11, 20), "svar": "avvisar",
               "hyresvard_sakerstallt": "nej", "ansokt_ekonomiskt_bistand": "ja",
               "berattigad_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja", "radrum_till": D(2027, 2, 23)}
    st = state(answers, decision="faststalld")
    # contact (2 Oct -> 5 Oct) and the return process are done; the answer came: only the rådrum is open
    assert {d.rule.id: d.status for d in st.deadlines} == {"kontakt_genast": "klar", "aterforing_genast": "klar",
                                                            "svar_pa_begaran": "klar", "radrum": "kommande"}
    assert st.next_deadline.rule.id == "radrum" and st.next_deadline.due == D(2027, 2, 23)
    # without the answer the overdue wait comes first
    st = state({**answers, "svar_datum": None, "svar": None}, decision="faststalld")
    assert st.next_deadline.rule.id == "svar_pa_begaran" and st.next_deadline.status == "forfallen"
    assert state(answers, decision="faststalld", closed=True).next_deadline is None


def test_next_action_puts_a_dated_required_step_first():
    st = state(SUSPECTED)
    assert st.next_action.action.id == "kontakta_kommun"  # due 27 Nov, the others have no date
    done = state({**SUSPECTED, "kontakt_datum": D(2026, 11, 26), "markerat_oacceptabelt": "ja"})
    # then the guideline's order among the undated required steps
    assert done.next_action.action.id == "dokumentera_bedomning"
    decided = state({**SUSPECTED, "kontakt_datum": D(2026, 11, 26), "markerat_oacceptabelt": "ja"},
                    decision="faststalld")
    # contact and the decision done: the next undated required step in the guideline's order
    assert decided.next_action.action.id == "krav_motivering"


def test_next_action_earliest_deadline_among_required_steps():
    # contact due Monday 30 Nov (suspicion on Friday 27 Nov); the return process has the same date; the
    # request received on 2 Nov must be answered by 2 Dec: the earlier date comes first
    answers = {**SUSPECTED, "misstanke_datum": D(2026, 11, 27), "bistand_vardbehov": "ja",
               "samverkan_fore_flytten": "nej"}
    st = state(answers)
    assert st.next_action.action.id == "kontakta_kommun"
    assert items(st)["inled_aterforing"].deadline.due == D(2026, 11, 30)


def test_a_follow_up_comes_only_when_no_required_step_is_open():
    g = G
    for a in g.actions:
        if a.kind == "required":
            g = with_action(g, a.id, kind="follow_up")
    g = with_action(g, "skicka_skrivelse", kind="required")
    st = state(SUSPECTED, g=g)
    assert st.next_action.action.id == "skicka_skrivelse"  # undated, but the only required step
    g2 = with_action(g, "skicka_skrivelse", kind="follow_up")
    st = state(SUSPECTED, g=g2)
    assert st.next_action.action.id == "kontakta_kommun"   # all follow-ups: the dated one first


def test_no_open_action_no_next_action():
    st = state(VOLUNTARY, decision="inte_dumpning")
    assert [i.status for i in st.action_plan] == ["klar"]
    assert st.open_actions == [] and st.next_action is None and st.next_deadline is None


# ---- the suggestion and its explanation ------------------------------------------------------------------

def test_not_assessed_until_a_rule_question_is_answered():
    st = state({"pagaende_bistand": "ja", "hanvisad_hyresvard": "ja"})  # signs only
    assert st.classification == "ej_bedomd" and st.reasons == ()
    assert st.classification_label == "Inte bedömt än"
    st = state({"eget_initiativ": "vet_ej"})  # "Vet inte" is an answer: now it is unclear
    assert st.classification == "oklart"
    assert st.classification_label == "Oklart – utred vidare"


@pytest.mark.parametrize("answers,classification,label", [
    (DUMPING, "misstanke", "Misstanke om social dumpning"),
    (VOLUNTARY, "inga_tecken", "Inga tecken på social dumpning"),
    ({**VOLUNTARY, "samverkan_fore_flytten": "ja", "skyddad_flytt": "ja"}, "berattigad", "Tecken på berättigad flytt"),
])
def test_labels(answers, classification, label):
    st = state(answers)
    assert (st.classification, st.classification_label) == (classification, label)


def test_a_suspicion_is_explained_by_every_requirement_of_1_1():
    st = state(DUMPING)
    assert [(r.kind, r.text, r.section) for r in st.reasons] == [
        ("krav", "Personen tog inte själv initiativet till flytten.", "1.1"),
        ("krav", "Personen har inte uttryckt en egen vilja att flytta hit.", "1.1"),
        ("krav", "Ingen samverkan mellan kommunernas socialtjänster föregick flytten.", "1.1"),
        ("krav", "Den tidigare kommunen har inte begärt överflyttning av ärendet på formell väg.", "1.1")]


def test_a_justified_move_is_explained_by_cooperation_and_need():
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "ja", "samverkan_fore_flytten": "ja",
                "skyddad_flytt": "ja"})
    assert st.classification == "berattigad"
    assert [r.text for r in st.reasons] == [
        "Flytten föregicks av samverkan mellan kommunernas socialtjänster.",
        "Personens behov stod i centrum, till exempel skydd efter våld i nära relation eller en formell "
        "begäran om överflyttning."]


def test_cooperation_without_a_need_in_centre_is_unclear_and_says_what_to_find_out():
    # no own initiative, no own will, but cooperation and no protection and no formal request
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "ja"})
    assert st.classification == "oklart"
    assert [r.kind for r in st.reasons][0] == "motstridigt"


def test_what_to_find_out_lists_each_unknown_once_in_rule_order():
    st = state({**QUIET, "eget_initiativ": "vet_ej", "egen_vilja": "vet_ej", "samverkan_fore_flytten": "vet_ej",
                "skyddad_flytt": "vet_ej"})
    assert st.classification == "oklart"
    # the cooperation question is in two outcomes with the same text: asked once
    assert [(r.kind, r.text) for r in st.reasons] == [("ta_reda_pa", ASK_INITIATIV), ("ta_reda_pa", ASK_VILJA),
                                                      ("ta_reda_pa", ASK_SAMVERKAN), ("ta_reda_pa", ASK_BEHOV)]


def test_only_outcomes_still_possible_say_what_to_find_out():
    # own initiative "ja" rules out a suspicion; will unknown: only "inga tecken" is possible
    st = state({**QUIET, "eget_initiativ": "ja", "egen_vilja": "vet_ej", "samverkan_fore_flytten": "nej"})
    assert st.classification == "oklart"
    assert [(r.kind, r.text) for r in st.reasons] == [("ta_reda_pa", ASK_VILJA)]


def test_conflicting_answers_list_the_facts_that_hold_once():
    st = state({**QUIET, "eget_initiativ": "ja", "egen_vilja": "nej", "samverkan_fore_flytten": "ja"})
    assert st.classification == "oklart"
    assert [(r.kind, r.text, r.section) for r in st.reasons] == [
        ("motstridigt", G.conflict_text, "1.1"),
        ("krav", "Personen har inte uttryckt en egen vilja att flytta hit.", "1.1"),
        ("krav", "Den tidigare kommunen har inte begärt överflyttning av ärendet på formell väg.", "1.1"),
        ("krav", "Flytten föregicks av samverkan mellan kommunernas socialtjänster.", "1.1"),
        ("krav", "Personen tog själv initiativet till flytten.", "1.1")]


def test_a_formal_request_rules_out_a_suspicion():
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
                "formell_begaran_inkommen": "ja"})
    assert st.classification == "oklart"  # no cooperation, yet a formal request: conflicting
    assert ("krav", "Flytten föregicks av samverkan mellan kommunernas socialtjänster.") not in \
        [(r.kind, r.text) for r in st.reasons]


# ---- supporting signs --------------------------------------------------------------------------------------

def test_supporting_signs_follow_the_indicators_and_the_question_order():
    st = state({**DUMPING, "folkbokford_hos_annan": "ja"})
    assert [(s.question.id, s.answer) for s in st.signals] == [
        ("pagaende_bistand", "ja"), ("form", "socialt_kontrakt"), ("hanvisad_hyresvard", "ja"),
        ("folkbokford_hos_annan", "ja"), ("fick_kontaktuppgifter", "ja"), ("sokte_hjalp_direkt", "ja"),
        ("vill_atervanda", "ja")]
    assert st.signals[1].indicator.text == "Flytten följde ett av de vanliga mönstren för social dumpning."


@pytest.mark.parametrize("form,sign", [("socialt_kontrakt", True), ("nekat_bistand", True), ("etablering", True),
                                       ("annat", False), ("inget_sarskilt", False)])
def test_the_forms_of_1_1_1_are_signs(form, sign):
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
                "form": form})
    assert ("form" in {s.question.id for s in st.signals}) is sign


def test_no_sign_from_a_no_or_a_hidden_answer():
    st = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
                "vill_atervanda": "vet_ej"})
    assert st.signals == ()
    # "förstod processen" is asked only after the etablering form; hidden, its answer counts for nothing
    hidden = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
                    "form": "annat", "forstod_processen": "nej"})
    assert hidden.signals == () and "forstod_processen" not in hidden.answers
    assert hidden.raw_answers["forstod_processen"] == "nej"  # stored, not lost
    shown = state({**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
                   "form": "etablering", "forstod_processen": "nej"})
    assert [s.question.id for s in shown.signals] == ["form", "forstod_processen"]


def test_hidden_answers_cascade_out_of_the_plan():
    """Without ongoing care bistånd no return process: every dated answer below it counts for nothing.

    The chain is seven deep (bistand_vardbehov -> begaran_skickad -> begaran_mottagen -> svar_datum -> svar
    -> ivo_ansokan_datum -> ivo_beslut_datum -> ivo_beslut); with a fixed six passes IVO's decision stayed."""
    answers = {**SENT, "misstanke_datum": D(2026, 10, 2), "bistand_vardbehov": "nej",
               "svar_datum": D(2026, 11, 20), "svar": "avvisar", "ivo_ansokan_datum": D(2026, 11, 24),
               "ivo_beslut_datum": D(2026, 11, 26), "ivo_beslut": "bifall"}
    st = state(answers)
    hidden = {"individens_installning", "begaran_skickad", "begaran_mottagen", "svar_datum", "svar",
              "ivo_ansokan_datum", "ivo_beslut_datum", "ivo_beslut"}
    assert not hidden & set(st.answers) and hidden <= set(st.raw_answers)
    assert not {"skicka_begaran", "invanta_svar", "ansok_ivo", "invanta_ivo"} & set(items(st))


def test_children_hidden_when_there_are_none():
    st = state({**DUMPING, "barn_i_hushallet": "nej", "barn_antal": 3})
    assert "barn_antal" not in st.answers and st.raw_answers["barn_antal"] == 3


# ---- the condition language ----------------------------------------------------------------------------

def ctx(answers=None, **kw):
    return Context(answers or {}, **kw)


@pytest.mark.parametrize("cond,decision,expected", [
    ({"decision": "any"}, None, False), ({"decision": "any"}, "misstanke", True),
    ({"decision": "any"}, "inte_dumpning", True),
    ({"decision": "none"}, None, True), ({"decision": "none"}, "faststalld", False),
    ({"decision": "faststalld"}, "faststalld", True), ({"decision": "faststalld"}, "misstanke", False),
    ({"decision": "faststalld"}, None, False),
    ({"decision": ["misstanke", "faststalld"]}, "misstanke", True),
    ({"decision": ["misstanke", "faststalld"]}, "inte_dumpning", False),
    ({"decision": ["misstanke", "faststalld"]}, None, False),
])
def test_decision_conditions(cond, decision, expected):
    assert evaluate(cond, ctx(decision=decision)) is expected


def test_question_conditions():
    a = {"x": "ja", "blank": "  ", "d": D(2026, 1, 1)}
    assert evaluate(None, ctx(a)) is True
    assert evaluate({"question": "x", "equals": "ja"}, ctx(a)) is True
    assert evaluate({"question": "x", "equals": "nej"}, ctx(a)) is False
    assert evaluate({"question": "x", "in": ["nej", "ja"]}, ctx(a)) is True
    assert evaluate({"question": "x", "in": ["nej"]}, ctx(a)) is False
    assert evaluate({"question": "x", "answered": True}, ctx(a)) is True
    assert evaluate({"question": "x", "answered": False}, ctx(a)) is False
    assert evaluate({"question": "blank", "answered": True}, ctx(a)) is False  # whitespace is no answer
    assert evaluate({"question": "blank", "answered": False}, ctx(a)) is True
    assert evaluate({"question": "d", "answered": True}, ctx(a)) is True
    assert evaluate({"question": "y", "answered": True}, ctx(a)) is False
    assert evaluate({"question": "y", "answered": False}, ctx(a)) is True


def test_combinators():
    a = {"x": "ja", "y": "nej"}
    t, f = {"question": "x", "equals": "ja"}, {"question": "y", "equals": "ja"}
    assert evaluate({"all": [t, t]}, ctx(a)) and not evaluate({"all": [t, f]}, ctx(a))
    assert evaluate({"any": [f, t]}, ctx(a)) and not evaluate({"any": [f, f]}, ctx(a))
    assert evaluate({"not": f}, ctx(a)) and not evaluate({"not": t}, ctx(a))


def test_other_leaves():
    assert evaluate({"classification": "misstanke"}, ctx(classification=lambda: "misstanke"))
    assert evaluate({"classification": ["oklart", "misstanke"]}, ctx(classification="misstanke"))
    assert not evaluate({"classification": "misstanke"}, ctx(classification="oklart"))
    assert evaluate({"step_applies": "s"}, ctx(step_applies=lambda s: s == "s"))
    assert not evaluate({"step_applies": "t"}, ctx(step_applies=lambda s: s == "s"))
    assert evaluate({"step_applies": "s"}, ctx()) is False
    assert evaluate({"deadline_passed": "d"}, ctx(deadline_passed=lambda d: True)) is True
    assert evaluate({"deadline_passed": "d"}, ctx(deadline_passed=lambda d: False)) is False
    assert evaluate({"deadline_passed": "d"}, ctx()) is False
    assert evaluate({"closed": True}, ctx(closed=True)) and not evaluate({"closed": True}, ctx())
    assert evaluate({"closed": False}, ctx()) and not evaluate({"closed": False}, ctx(closed=True))
    with pytest.raises(ValueError):
        evaluate({"okand": 1}, ctx())


def test_three_valued_reading():
    a = {"x": "ja", "u": "vet_ej", "blank": None}
    assert evaluate3({"question": "u", "equals": "vet_ej"}, a) is None  # "Vet inte" is unknown
    assert evaluate3({"question": "blank", "equals": "ja"}, a) is None
    assert evaluate3({"question": "x", "in": ["ja", "nej"]}, a) is True
    assert evaluate3({"question": "u", "answered": True}, a) is True   # answered reads the answer itself
    assert evaluate3({"question": "blank", "answered": True}, a) is False
    assert evaluate3({"not": {"question": "x", "equals": "ja"}}, a) is False
    assert evaluate3({"all": [{"question": "x", "equals": "ja"}, {"question": "x", "equals": "ja"}]}, a) is True
    assert evaluate3({"any": [{"question": "x", "equals": "nej"}, {"question": "u", "equals": "ja"}]}, a) is None
    assert evaluate3({"any": [{"question": "x", "equals": "nej"}, {"question": "x", "equals": "nej"}]}, a) is False
    assert evaluate3({"all": [{"question": "u", "equals": "ja"}, {"question": "u", "equals": "ja"}]}, a) is None


def test_a_step_whose_condition_names_itself_does_not_apply():
    g = dataclasses.replace(G, steps=tuple(dataclasses.replace(s, applies={"step_applies": "bostad"})
                                           if s.id == "bostad" else s for s in G.steps))
    st = state(DUMPING, decision="faststalld", g=g)
    assert st.step_applies("bostad") is False and st.step_applies("kontakt") is True
    assert "hembesok" not in items(st)


def test_a_case_is_open_unless_said_otherwise():
    st = CaseState(G, {**CORE, **SUSPECTED}, today=TODAY)
    assert not st.closed and st.open_actions and st.next_action.action.id == "kontakta_kommun"


def test_closing_the_case_ends_the_follow_up_of_the_radrum():
    """2.4: the rådrum is followed up while the case is open ("done_when: closed")."""
    answers = {**DUMPING, "hyresvard_sakerstallt": "nej", "ansokt_ekonomiskt_bistand": "ja",
               "berattigad_ekonomiskt_bistand": "ja", "radrum_beviljat": "ja", "radrum_till": D(2027, 2, 23)}
    assert items(state(answers, decision="faststalld"))["radrum"].status == "att_gora"
    st = state(answers, decision="faststalld", closed=True)
    assert items(st)["radrum"].status == "klar" and items(st)["radrum"].deadline.status == "klar"


def test_relevance_sees_whether_the_case_is_closed():
    steps = tuple(dataclasses.replace(s, questions=tuple(dataclasses.replace(q, relevant={"closed": True})
                                                         if q.id == "bedomning_kommentar" else q
                                                         for q in s.questions)) for s in G.steps)
    g = dataclasses.replace(G, steps=steps)
    answers = {**VOLUNTARY, "bedomning_kommentar": "Avslutat efter uppföljning."}
    assert "bedomning_kommentar" in state(answers, g=g, closed=True).answers
    assert "bedomning_kommentar" not in state(answers, g=g).answers


def test_a_short_cascade_is_followed_to_its_end():
    # three dates of 2.2 and nothing above them: each hides the next
    st = CaseState(G, {"begaran_skickad": D(2026, 10, 20), "begaran_mottagen": D(2026, 10, 22),
                       "svar_datum": D(2026, 11, 20)}, decision="misstanke", today=TODAY)
    assert st.answers == {}
