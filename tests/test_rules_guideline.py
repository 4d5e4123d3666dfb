"""The guideline file as another municipality edits it: what the loader reads, and the plain
message naming the item and the problem for each mistake. Also the law notices and periods.

The file is loaded from a dict (no YAML round trip) to keep `make mutation` fast.
"""
import copy
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

from dumpning_kit.errors import GuidelineError
from dumpning_kit.guideline import (DeadlineRule, LawRef, _Loader, _swedish_date, condition_leaves,
                                    condition_questions, default_guideline, load_guideline)

GUIDELINE = Path(__file__).resolve().parent.parent / "dumpning_kit" / "guidelines" / "bengtsfors.yaml"
RAW = yaml.safe_load(GUIDELINE.read_text(encoding="utf-8"))
PATH = Path("/kommun/riktlinje.yaml")


def load(mutate=None):
    raw = copy.deepcopy(RAW)
    if mutate:
        mutate(raw)
    return _Loader(PATH, raw).load()


def fails(mutate) -> str:
    with pytest.raises(GuidelineError) as e:
        load(mutate)
    return str(e.value)


def step(raw, sid):
    return next(s for s in raw["steps"] if s["id"] == sid)


def question(raw, qid):
    return next(q for s in raw["steps"] for q in s.get("questions") or [] if q["id"] == qid)


def action(raw, aid):
    return next(a for a in raw["actions"] if a["id"] == aid)


def deadline(raw, did):
    return next(d for d in raw["deadlines"] if d["id"] == did)


def document(raw, did):
    return next(d for d in raw["documents"] if d["id"] == did)


# ---- what the loader reads --------------------------------------------------------------------

def test_questions_are_read_as_written():
    g = load()
    q = g.question("barn_antal")
    assert (q.type, q.step, q.section, q.required, q.min, q.max) == ("integer", "arendeuppgifter", "1", True, 1, 20)
    assert q.relevant == {"question": "barn_i_hushallet", "equals": "ja"}
    q = g.question("forsta_kontakt")
    assert (q.not_future, q.not_before) == (True, "ankomstdatum")
    q = g.question("barn_i_hushallet")
    assert q.section == "1.1.2.1" and q.options == {"ja": "Ja", "nej": "Nej"}
    assert q.law == LawRef("barnkonventionen", "artikel 3", "barnkonventionen:artikel 3")
    assert g.question("egen_vilja").options == {"ja": "Ja", "nej": "Nej", "vet_ej": "Vet inte"}
    q = g.question("namn")
    assert (q.sensitive, q.max_length, q.required, q.consent, q.not_future, q.not_before) == \
        (True, 200, True, False, False, None)
    assert g.question("diarienummer").hint == "Som i verksamhetssystemet, till exempel SN 2026/123."
    assert g.question("bedomning_kommentar").hint == ""
    q = g.question("samtycke_motivering")
    assert q.consent and not q.required and q.step == "kontakt" and q.section == "2.1"
    q = g.question("motivering_begard_datum")
    assert q.requires == {"question": "samtycke_motivering", "equals": "ja"}
    assert q.requires_message.startswith("Personen måste samtycka")
    assert g.question("stallforetradare").options["god_man"] == "God man"
    assert g.question("barn_antal").law is None


def test_indicators_are_read_as_written():
    g = load()
    (ind,) = g.question("form").indicators
    assert ind.when == ("socialt_kontrakt", "nekat_bistand", "etablering") and ind.suggests == "misstanke"
    (ind,) = g.question("pagaende_bistand").indicators  # a single dict with a single answer
    assert ind.when == ("ja",) and ind.text == "Personen hade pågående bistånd i den tidigare kommunen."
    assert g.question("eget_initiativ").indicators == ()


def test_steps_actions_deadlines_documents_are_read_as_written():
    g = load()
    s = g.step("kontakt")
    assert (s.title, s.section) == ("Kontakt med berörd kommun", "2.1")
    assert s.not_applicable.startswith("Steget gäller vid misstanke") and s.applies is not None
    assert g.step("bedomning").intro.startswith("Fråga öppet och låt personen berätta")
    assert g.step("arendeuppgifter").applies is None and g.step("arendeuppgifter").not_applicable == ""
    a = next(a for a in g.actions if a.id == "invanta_svar")
    assert (a.step, a.section, a.kind, a.deadline, a.document, a.consent) == \
        ("aterforing", "2.2", "follow_up", "svar_pa_begaran", None, None)
    assert a.law == LawRef("sol2001", "2 a kap. 10 §", "sol2001:2 a kap. 10 §")
    a = next(a for a in g.actions if a.id == "krav_motivering")
    assert (a.kind, a.consent, a.applies) == ("required", "samtycke_motivering", {"step_applies": "kontakt"})
    assert next(a for a in g.actions if a.id == "dokumentera_bedomning").document == "bedomning"
    d = g.deadline("svar_pa_begaran")
    assert (d.from_question, d.date_question, d.months, d.weeks, d.days, d.workdays) == \
        ("begaran_mottagen", None, 1, 0, 0, 0)
    assert d.label == "Den andra kommunens svar på begäran om överflyttning" and d.section == "2.2"
    assert d.explanation.startswith("Riktlinjen anger en månad efter att den andra kommunen tog emot begäran")
    assert g.deadline("kontakt_genast").workdays == 1
    assert g.deadline("ivo_beslut_vantas").months == 3
    r = g.deadline("radrum")
    assert (r.from_question, r.date_question, r.months, r.law) == (None, "radrum_till", 0, None)
    doc = g.document("begaran")
    assert doc.title.startswith("Begäran om överflyttning") and doc.section == "2.2"
    assert doc.refusal.startswith("En begäran förutsätter misstanke") and doc.law.provision == "2 a kap. 10 §"
    assert g.document("bedomning").requires == {"question": "diarienummer", "answered": True}


def test_the_guideline_head_classification_and_decision():
    g = load()
    assert (g.id, g.title, g.municipality, g.source) == ("bengtsfors", "Riktlinjer mot social dumpning",
                                                         "Bengtsfors kommun", PATH)
    assert [o.id for o in g.outcomes] == ["misstanke", "berattigad", "inga_tecken"]
    assert [o.section for o in g.outcomes] == ["1.1"] * 3
    assert g.outcomes[0].supported_by[0] == "pagaende_bistand" and g.outcomes[2].supported_by == ()
    assert g.outcomes[0].requires[0].text == "Personen tog inte själv initiativet till flytten."
    assert g.conflict_text == ("Svaren pekar åt olika håll. Prata med personen igen och kontrollera uppgifterna "
                               "med den tidigare kommunen innan du bedömer ärendet.")
    assert g.classification_labels["oklart"] == "Oklart – utred vidare"
    assert g.decision_options == {"misstanke": "Misstanke om social dumpning",
                                  "faststalld": "Fastställd social dumpning", "inte_dumpning": "Inte social dumpning"}
    assert g.decision_section == "1.1.3"
    assert g.decision_hint.startswith("Registrera en misstanke när du själv misstänker social dumpning, även om")
    assert "  " not in g.decision_hint and "\n" not in g.decision_hint
    assert g.section("2.1").title and g.section("9.9") is None
    assert g.sections[0].text == g.sections[0].text.strip()
    assert g.classification_questions == ("eget_initiativ", "egen_vilja", "samverkan_fore_flytten",
                                          "formell_begaran_inkommen", "skyddad_flytt")
    assert g.laws["sol2001"]["short"] == "SoL (2001:453)"


def test_optional_parts_have_defaults():
    def strip(r):
        r.pop("municipality")
        r["decision"].pop("section")
        r["decision"].pop("hint")
        action(r, "invanta_svar").pop("kind")
        deadline(r, "radrum").pop("explanation")
        question(r, "namn").pop("max_length")
    g = load(strip)
    assert g.municipality == "" and g.decision_section == "1.1.3" and g.decision_hint == ""
    assert next(a for a in g.actions if a.id == "invanta_svar").kind == "required"
    assert g.deadline("radrum").explanation == "" and g.question("namn").max_length is None
    # a question without its own section takes its step's
    g = load(lambda r: question(r, "namn").pop("section", None))
    assert g.question("namn").section == "1"


def test_a_text_is_stripped_and_a_blank_text_is_missing():
    g = load(lambda r: question(r, "namn").__setitem__("label", "  Namn  "))
    assert g.question("namn").label == "Namn"
    assert "fråga 'namn': 'label' saknas" in fails(lambda r: question(r, "namn").__setitem__("label", "   "))


# ---- periods in the texts ---------------------------------------------------------------------------

def test_period_placeholders_follow_the_rule():
    def two_months(r):
        deadline(r, "svar_pa_begaran")["months"] = 2
    g = load(two_months)
    assert g.deadline("svar_pa_begaran").explanation.startswith("Riktlinjen anger två månader efter att")
    assert "inte har svarat inom två månader" in g.document("ivo").refusal
    assert "inte har svarat inom två månader" in g.question("ivo_ansokan_datum").requires_message
    # other rules keep theirs
    assert "högst en månad" in g.question("inkommen_begaran_datum").hint


def test_period_placeholder_in_a_list_and_for_workdays():
    def edit(r):
        r["sections"][0]["title"] = "Inom {period:kontakt_genast}"
        r["classification"]["outcomes"][0]["supported_by"] = list(r["classification"]["outcomes"][0]["supported_by"])
        step(r, "bedomning")["intro"] = "A {period:ivo_beslut_vantas} B {period:kontakt_genast}"
    g = load(edit)
    assert g.sections[0].title == "Inom en arbetsdag"
    assert g.step("bedomning").intro == "A tre månader B en arbetsdag"


@pytest.mark.parametrize("text,problem", [
    ("Inom {period:finns_inte}.", "okänd tidsfrist 'finns_inte' i {period:finns_inte}"),
    ("Inom {period:radrum}.", "okänd tidsfrist 'radrum' i {period:radrum}"),  # a date rule has no period
    ("Inom {period}.", "okänd tidsfrist '' i {period}"),  # outside a deadline: no own rule
])
def test_unknown_period_placeholder(text, problem):
    msg = fails(lambda r: step(r, "bedomning").__setitem__("intro", text))
    assert msg == f"{PATH}: texterna: {problem}"


@pytest.mark.parametrize("kw,text", [
    ({"months": 1}, "en månad"), ({"months": 2}, "två månader"), ({"months": 12}, "tolv månader"),
    ({"weeks": 1}, "en vecka"), ({"weeks": 3}, "tre veckor"), ({"days": 1}, "en dag"), ({"days": 10}, "tio dagar"),
    ({"days": 30}, "30 dagar"), ({"workdays": 1}, "en arbetsdag"), ({"workdays": 5}, "fem arbetsdagar"),
    ({"months": 1, "weeks": 2}, "en månad och två veckor"),
    ({"months": 1, "weeks": 1, "days": 4, "workdays": 2}, "en månad och en vecka och fyra dagar och två arbetsdagar"),
    ({}, ""),
])
def test_period_text_in_words(kw, text):
    assert DeadlineRule("x", "X", "2.2", from_question="q", **kw).period_text == text


# ---- law references ------------------------------------------------------------------------------------

def test_law_text_and_notice():
    g = load()
    ref = g.deadline("svar_pa_begaran").law
    assert g.law_text(ref) == "2 a kap. 10 § SoL (2001:453)"
    assert g.law_text(None) == "" and g.law_note(None) == ""
    assert g.law_note(ref) == ("Socialtjänstlagen (2001:453) har ersatts av Socialtjänstlag (2025:400) den "
                               "1 juli 2025. Kommunen har inte angett motsvarande bestämmelse i den nya lagen.")
    assert g.law_note(ref, {"sol2001:2 a kap. 10 §": "X kap. Y §"}) == (
        "Socialtjänstlagen (2001:453) har ersatts av Socialtjänstlag (2025:400) den 1 juli 2025. "
        "Motsvarande bestämmelse enligt kommunens tolkning: X kap. Y §.")
    child = g.question("barn_i_hushallet").law
    assert g.law_text(child) == "artikel 3 Barnkonventionen" and g.law_note(child) == ""


def test_law_text_without_a_short_name_uses_the_name():
    g = load(lambda r: r["laws"]["barnkonventionen"].pop("short"))
    assert g.law_text(g.question("barn_i_hushallet").law) == "artikel 3 Barnkonventionen (lag 2018:1197)"


def test_law_note_without_a_date():
    g = load(lambda r: r["laws"]["sol2001"].pop("replaced_on"))
    assert g.law_note(g.deadline("svar_pa_begaran").law).startswith(
        "Socialtjänstlagen (2001:453) har ersatts av Socialtjänstlag (2025:400). Kommunen")
    assert g.replacement_notice().startswith("Riktlinjen hänvisar till Socialtjänstlagen (2001:453), som har "
                                             "ersatts av Socialtjänstlag (2025:400). Hänvisningarna")


def test_replacement_notice():
    g = load()
    assert g.replacement_notice() == (
        "Riktlinjen hänvisar till Socialtjänstlagen (2001:453), som har ersatts av Socialtjänstlag (2025:400) den "
        "1 juli 2025. Hänvisningarna står kvar som i riktlinjen. "
        "Kommunen har inte angett motsvarande bestämmelser i den nya lagen.")
    own = g.replacement_notice({"sol2001:2 a kap. 10 §": "A", "sol2001:4 kap. 1 §": "B", "lag1930:2 §": "C"})
    assert own.endswith("Kommunens egen tolkning av motsvarande bestämmelser: 2 a kap. 10 § → A; 4 kap. 1 § → B.")
    assert load(lambda r: r["laws"]["sol2001"].pop("replaced_by")).replacement_notice() == ""


@pytest.mark.parametrize("d,text", [(dt.date(2025, 7, 1), "1 juli 2025"), (dt.date(2026, 1, 31), "31 januari 2026"),
                                    (dt.date(2026, 12, 24), "24 december 2026")])
def test_swedish_date(d, text):
    assert _swedish_date(d) == text


# ---- broken files: one message naming the file, the item and the problem ---------------------------------

def _set(getter, key, value):
    return lambda r: getter(r).__setitem__(key, value)


def _pop(getter, key):
    return lambda r: getter(r).pop(key)


BROKEN = [
    (_pop(lambda r: r, "id"), "filen: 'id' saknas"),
    (_pop(lambda r: r, "title"), "filen: 'title' saknas"),
    (_set(lambda r: r, "steps", []), "filen: 'steps' saknas"),
    (_pop(lambda r: r, "sections"), "filen: 'sections' saknas"),
    (_pop(lambda r: r["sections"][0], "title"), f"avsnitt {RAW['sections'][0]['id']}: 'title' saknas"),
    (_pop(lambda r: r["steps"][0], "section"), "steg 'arendeuppgifter': 'section' saknas"),
    (_set(lambda r: r["steps"][0], "section", "7"), "steg 'arendeuppgifter': okänt avsnitt '7'"),
    (_pop(lambda r: r["steps"][0], "id"), "steg 'None': 'id' saknas"),
    (_pop(lambda r: r["steps"][0], "title"), "steg 'arendeuppgifter': 'title' saknas"),
    (_pop(lambda r: question(r, "namn"), "id"), "fråga 'None': 'id' saknas"),
    (_pop(lambda r: question(r, "namn"), "type"), "fråga 'namn': 'type' saknas"),
    (_set(lambda r: question(r, "namn"), "type", "slider"),
     "fråga 'namn': okänd typ 'slider' (tillåtna: choice, date, integer, kommun, personnummer, text, textarea, "
     "yes_no, yes_no_unknown)"),
    (_pop(lambda r: question(r, "form"), "options"), "fråga 'form': en flervalsfråga måste ha 'options'"),
    (_set(lambda r: question(r, "pagaende_bistand"), "indicator", {"when": "ja", "suggests": "kanske", "text": "x"}),
     "fråga 'pagaende_bistand': indikatorn föreslår okänt 'kanske'"),
    (_set(lambda r: question(r, "pagaende_bistand"), "indicator", [{"when": ["ja", "kanske"], "suggests": "misstanke",
                                                                    "text": "x"}]),
     "fråga 'pagaende_bistand': indikatorn gäller okänt svar 'kanske'"),
    (_set(lambda r: question(r, "pagaende_bistand"), "indicator", {"when": "ja", "suggests": "misstanke"}),
     "fråga 'pagaende_bistand': 'text' saknas"),
    (_set(lambda r: question(r, "namn"), "law", "sol2001"),
     "fråga 'namn': law 'sol2001' ska skrivas som lag:bestämmelse, till exempel sol2001:2 a kap. 10 §"),
    (_set(lambda r: question(r, "namn"), "law", 12),
     "fråga 'namn': law '12' ska skrivas som lag:bestämmelse"),
    (_set(lambda r: question(r, "namn"), "law", "okand:1 §"), "fråga 'namn': okänd lag 'okand' (finns inte under laws)"),
    (_set(lambda r: question(r, "forsta_kontakt"), "not_before", "finns_inte"),
     "fråga 'forsta_kontakt': okänd fråga 'finns_inte' i not_before"),
    (_set(lambda r: question(r, "namn"), "requires", {"question": "finns_inte", "answered": True}),
     "fråga 'namn': villkoret hänvisar till okänd fråga 'finns_inte'"),
    (lambda r: r["steps"][0]["questions"].remove(question(r, "ankomstdatum")),
     "steps: kärnfrågan 'ankomstdatum' saknas (verktyget behöver diarienummer, namn, personnummer, handlaggare, "
     "tidigare_kommun, ankomstdatum)"),
    (_set(lambda r: deadline(r, "radrum"), "from", "ankomstdatum"),
     "tidsfrist 'radrum': ange antingen 'from' (en datumfråga och en period) eller 'date' (en datumfråga)"),
    (_pop(lambda r: deadline(r, "radrum"), "date"), "tidsfrist 'radrum': ange antingen 'from'"),
    (_set(lambda r: deadline(r, "radrum"), "date", "finns_inte"), "tidsfrist 'radrum': okänd fråga 'finns_inte'"),
    (_pop(lambda r: deadline(r, "radrum"), "label"), "tidsfrist 'radrum': 'label' saknas"),
    (_pop(lambda r: deadline(r, "radrum"), "section"), "tidsfrist 'radrum': 'section' saknas"),
    (_set(lambda r: deadline(r, "radrum"), "law", "x"), "tidsfrist 'radrum': law 'x' ska skrivas"),
    (_pop(lambda r: document(r, "ivo"), "title"), "dokument 'ivo': 'title' saknas"),
    (_pop(lambda r: document(r, "ivo"), "refusal"), "dokument 'ivo': 'refusal' saknas"),
    (_pop(lambda r: document(r, "ivo"), "section"), "dokument 'ivo': 'section' saknas"),
    (_set(lambda r: document(r, "ivo"), "requires", {"step_applies": "finns_inte"}),
     "dokument 'ivo': villkoret hänvisar till okänd steg 'finns_inte'"),
    (_set(lambda r: action(r, "radrum"), "step", "finns_inte"), "åtgärd 'radrum': okänt steg 'finns_inte'"),
    (_set(lambda r: action(r, "radrum"), "deadline", "finns_inte"), "åtgärd 'radrum': okänd tidsfrist 'finns_inte'"),
    (_set(lambda r: action(r, "radrum"), "document", "finns_inte"), "åtgärd 'radrum': okänt dokument 'finns_inte'"),
    (_set(lambda r: action(r, "hembesok"), "consent", "finns_inte"),
     "åtgärd 'hembesok': okänd samtyckesfråga 'finns_inte'"),
    (_pop(lambda r: action(r, "radrum"), "done_when"), "åtgärd 'radrum': 'done_when' saknas"),
    (_pop(lambda r: action(r, "radrum"), "label"), "åtgärd 'radrum': 'label' saknas"),
    (_set(lambda r: action(r, "radrum"), "kind", "snart"),
     "åtgärd 'radrum': okänd kind 'snart' (tillåtna: follow_up, required)"),
    (_set(lambda r: action(r, "radrum"), "applies", {"deadline_passed": "finns_inte"}),
     "åtgärd 'radrum': villkoret hänvisar till okänd tidsfrist 'finns_inte'"),
    (_set(lambda r: action(r, "radrum"), "done_when", {"decision": "kanske"}),
     "åtgärd 'radrum': villkoret hänvisar till okänd beslut 'kanske'"),
    (_set(lambda r: action(r, "radrum"), "done_when", {"classification": "kanske"}),
     "åtgärd 'radrum': villkoret hänvisar till okänd bedömning 'kanske'"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"any": []}), "steg 'kontakt': all/any ska vara en lista med villkor"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"all": {"closed": True}}),
     "steg 'kontakt': all/any ska vara en lista med villkor"),
    (_set(lambda r: step(r, "kontakt"), "applies", {}), "steg 'kontakt': villkoret {} är inte ett uppslag"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"not": {"step_applies": "finns_inte"}}),
     "steg 'kontakt': villkoret hänvisar till okänd steg 'finns_inte'"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"any": [{"all": [{"question": "finns_inte", "equals": "ja"}]}]}),
     "steg 'kontakt': villkoret hänvisar till okänd fråga 'finns_inte'"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"decision": "faststalld", "closed": True}),
     "steg 'kontakt': okänt villkor"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"when": "alltid"}), "steg 'kontakt': okänt villkor"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"question": "namn", "equals": "x", "in": ["y"]}),
     "steg 'kontakt': villkoret på frågan 'namn' behöver exakt ett av equals, in, answered"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"question": "namn"}),
     "villkoret på frågan 'namn' behöver exakt ett av equals, in, answered"),
    (_set(lambda r: step(r, "kontakt"), "applies", {"decision": ["misstanke", "kanske"]}),
     "steg 'kontakt': villkoret hänvisar till okänd beslut 'kanske'"),
    (lambda r: r["classification"].pop("labels"), "classification: etiketten 'ej_bedomd' saknas"),
    (lambda r: r["classification"]["labels"].pop("berattigad"), "classification: etiketten 'berattigad' saknas"),
    (lambda r: r["classification"].pop("conflict"),
     "classification: 'conflict' saknas (texten när svaren pekar åt olika håll)"),
    (lambda r: r["classification"].__setitem__("outcomes", []),
     "classification: 'outcomes' saknas: reglerna för förslaget (misstanke, berattigad, inga_tecken)"),
    (lambda r: r["classification"].__setitem__("outcomes", {"id": "misstanke"}), "classification: 'outcomes' saknas"),
    (lambda r: r["classification"]["outcomes"].append(copy.deepcopy(r["classification"]["outcomes"][0])),
     "bedömningen 'misstanke': förslaget finns redan"),
    (lambda r: r["classification"]["outcomes"][2].__setitem__("id", "oklart"),
     "bedömningen 'oklart': okänt förslag (tillåtna: misstanke, berattigad, inga_tecken)"),
    (lambda r: r["classification"]["outcomes"][0].__setitem__("requires", []),
     "bedömningen 'misstanke': 'requires' ska vara en lista med krav"),
    (lambda r: r["classification"]["outcomes"][0].pop("requires"),
     "bedömningen 'misstanke': 'requires' ska vara en lista med krav"),
    (lambda r: r["classification"]["outcomes"][0]["requires"][0].pop("text"), "bedömningen 'misstanke': 'text' saknas"),
    (lambda r: r["classification"]["outcomes"][0].pop("section"), "bedömningen 'misstanke': 'section' saknas"),
    (lambda r: r["classification"]["outcomes"][0]["requires"][0].__setitem__(
        "when", {"not": {"step_applies": "kontakt"}}),
     "bedömningen 'misstanke': kraven får bara bygga på svar på frågor (question, all, any, not)"),
    (lambda r: r["classification"]["outcomes"][0]["supported_by"].append("finns_inte"),
     "bedömningen 'misstanke': supported_by hänvisar till okänd fråga 'finns_inte'"),
    (lambda r: r["classification"]["outcomes"][0]["supported_by"].append("namn"),
     "bedömningen 'misstanke': frågan 'namn' i supported_by har ingen indikator med text"),
    (lambda r: r["decision"]["options"].pop("faststalld"),
     "decision: options ska vara faststalld och inte_dumpning, och får också ha misstanke"),
    (lambda r: r["decision"]["options"].__setitem__("kanske", "Kanske"), "decision: options ska vara faststalld"),
    (lambda r: r.pop("decision"), "decision: options ska vara faststalld"),
]


@pytest.mark.parametrize("mutate,message", BROKEN)
def test_a_broken_file_names_the_item_and_the_problem(mutate, message):
    msg = fails(mutate)
    assert msg.startswith(f"{PATH}: ") and message in msg, msg


def test_a_duplicate_question_id():
    def dup(r):
        q = copy.deepcopy(question(r, "namn"))
        step(r, "bedomning")["questions"].append(q)
    assert fails(dup) == f"{PATH}: fråga 'namn': id:t används redan"


def test_a_closed_condition_needs_no_reference():
    g = load(_set(lambda r: action(r, "radrum"), "applies", {"closed": False}))
    assert next(a for a in g.actions if a.id == "radrum").applies == {"closed": False}


def test_condition_walkers():
    cond = {"all": [{"question": "a", "equals": "ja"},
                    {"any": [{"not": {"question": "b", "answered": True}}, {"decision": "any"}]},
                    {"step_applies": "kontakt"}]}
    assert condition_questions(cond) == ["a", "b"]
    assert condition_leaves(cond) == ["question", "question", "decision", "step_applies"]
    assert condition_questions(None) == [] and condition_leaves("x") == []
    assert condition_questions({"closed": True}) == []


# ---- reading the file -------------------------------------------------------------------------------------

def test_load_guideline_messages(tmp_path):
    p = tmp_path / "lista.yaml"
    p.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(GuidelineError) as e:
        load_guideline(p)
    assert str(e.value) == f"{p}: filen ska innehålla ett uppslag med steps, sections m.m."
    p.write_text("id: x\ntitle: y\nsteps: [1]\nsections: [{id: '1', title: t}]\n", encoding="utf-8")
    with pytest.raises(GuidelineError) as e:
        load_guideline(p)
    assert str(e.value).startswith(f"{p}: filen har fel form (")
    with pytest.raises(GuidelineError) as e:
        load_guideline(tmp_path / "saknas.yaml")
    assert str(e.value) == f"{tmp_path / 'saknas.yaml'}: riktlinjefilen finns inte."
    p.write_text("a: [\n", encoding="utf-8")
    with pytest.raises(GuidelineError) as e:
        load_guideline(p)
    assert str(e.value).startswith(f"{p}: filen är inte giltig YAML (")
    g = load_guideline(str(GUIDELINE))
    assert g.source == GUIDELINE and g.id == "bengtsfors"


def test_default_guideline_is_cached_and_is_the_shipped_file():
    assert default_guideline() is default_guideline()
    assert default_guideline().source.name == "bengtsfors.yaml"


def test_guideline_lookups():
    g = load()
    assert g.step("bostad").section == "2.3"
    assert g.deadline("radrum").section == "2.4"
    assert g.document("hembesok").section == "2.3"
    assert g.question("radrum_till").step == "hyresvard"
    assert list(g.questions)[:3] == ["diarienummer", "namn", "personnummer"]
    with pytest.raises(KeyError):
        g.question("finns_inte")
    assert dataclasses.replace(g, outcomes=()).classification_questions == ()


# ---- edges found by `make mutation` ---------------------------------------------------------------

@pytest.mark.parametrize("kw,text", [({"weeks": 2}, "två veckor"), ({"days": 10}, "tio dagar"),
                                     ({"workdays": 3}, "tre arbetsdagar"), ({"months": 4}, "fyra månader")])
def test_a_deadline_says_its_own_period(kw, text):
    def add(r):
        r["deadlines"].append({"id": "egen", "label": "Egen", "section": "2.2", "from": "ankomstdatum",
                               "explanation": "Inom {period} från ankomsten.", **kw})
    g = load(add)
    assert g.deadline("egen").explanation == f"Inom {text} från ankomsten."
    assert g.deadline("egen").period_text == text


def test_a_deadline_without_an_id_is_named_in_the_message():
    msg = fails(lambda r: r["deadlines"].append({"label": "X", "section": "2.2", "from": "ankomstdatum",
                                                 "months": 1}))
    assert msg == f"{PATH}: tidsfrist 'None': 'id' saknas"


def test_a_law_provision_is_trimmed_and_may_hold_a_colon():
    g = load(_set(lambda r: question(r, "namn"), "law", "sol2001:  4 kap. 1 §: första stycket "))
    assert g.question("namn").law == LawRef("sol2001", "4 kap. 1 §: första stycket",
                                            "sol2001:4 kap. 1 §: första stycket")


def test_replacement_notice_covers_every_replaced_law_in_any_order():
    def reorder(r):
        r["laws"] = {"lag1930": r["laws"]["lag1930"], "sol2001": r["laws"]["sol2001"],
                     "barnkonventionen": r["laws"]["barnkonventionen"]}
    assert load(reorder).replacement_notice().startswith("Riktlinjen hänvisar till Socialtjänstlagen (2001:453)")


def test_replacement_notice_keeps_a_provision_with_a_colon():
    notice = load().replacement_notice({"sol2001:4 kap. 1 §: första stycket": "X"})
    assert notice.endswith("Kommunens egen tolkning av motsvarande bestämmelser: 4 kap. 1 §: första stycket → X.")


def test_an_edited_guideline_file_is_read_again(tmp_path, monkeypatch):
    import os
    from dumpning_kit.settings import default_settings
    p = tmp_path / "riktlinje.yaml"
    p.write_text(GUIDELINE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("DUMPNING_GUIDELINE", str(p))
    default_settings.cache_clear()
    try:
        assert default_guideline().municipality == "Bengtsfors kommun"
        p.write_text(GUIDELINE.read_text(encoding="utf-8").replace("municipality: Bengtsfors kommun",
                                                                    "municipality: Exempelby kommun"),
                     encoding="utf-8")
        st = p.stat()
        os.utime(p, (st.st_atime, st.st_mtime + 10))
        assert default_guideline().municipality == "Exempelby kommun"
    finally:
        monkeypatch.delenv("DUMPNING_GUIDELINE")
        default_settings.cache_clear()


def test_the_evaluator_refuses_an_unknown_condition_by_name():
    from dumpning_kit.guideline import Context, evaluate
    with pytest.raises(ValueError, match=r"unknown condition \{'okand': 1\}"):
        evaluate({"okand": 1}, Context({}))


def test_an_outcome_without_an_id():
    msg = fails(lambda r: r["classification"]["outcomes"][2].pop("id"))
    assert msg == f"{PATH}: bedömningen '': okänt förslag (tillåtna: misstanke, berattigad, inga_tecken)"
    msg = fails(lambda r: r["classification"]["outcomes"].__setitem__(2, None))
    assert msg == f"{PATH}: bedömningen '': okänt förslag (tillåtna: misstanke, berattigad, inga_tecken)"


def test_a_file_without_laws_names_the_unknown_law():
    assert fails(lambda r: r.pop("laws")).endswith("okänd lag 'barnkonventionen' (finns inte under laws)")


def test_a_gate_without_its_own_message_has_none():
    # case.validate_answers then shows its own default sentence, never a placeholder
    g = load(lambda r: question(r, "motivering_begard_datum").pop("requires_message"))
    assert g.question("motivering_begard_datum").requires_message == ""


@pytest.mark.parametrize("mutate,message", [
    (lambda r: document(r, "ivo").pop("id"), "dokument 'None': 'id' saknas"),
    (lambda r: action(r, "radrum").pop("section"), "åtgärd 'radrum': 'section' saknas"),
    (lambda r: r["deadlines"].append({"label": "X", "section": "2.2", "from": "ankomstdatum", "months": 1,
                                      "explanation": "Inom {period}."}), "texterna: okänd tidsfrist '' i {period}"),
])
def test_more_broken_items(mutate, message):
    assert fails(mutate) == f"{PATH}: {message}"


def test_a_period_placeholder_in_a_list_inside_a_rule():
    raw = copy.deepcopy(RAW)
    deadline(raw, "svar_pa_begaran")["notes"] = ["Inom {period}.", {"text": "Senast {period}."}]
    loader = _Loader(PATH, raw)
    loader.load()
    assert deadline(loader.raw, "svar_pa_begaran")["notes"] == ["Inom en månad.", {"text": "Senast en månad."}]


def test_a_section_without_text_has_empty_text():
    g = load(lambda r: r["sections"][0].pop("text", None))
    assert g.sections[0].text == ""


def test_a_step_without_intro_has_none():
    assert load(lambda r: step(r, "kontakt").pop("intro", None)).step("kontakt").intro == ""


@pytest.mark.parametrize("mutate,message", [
    (_set(lambda r: document(r, "ivo"), "law", "x"), "dokument 'ivo': law 'x' ska skrivas som lag:bestämmelse"),
    (_set(lambda r: action(r, "radrum"), "law", "x"), "åtgärd 'radrum': law 'x' ska skrivas som lag:bestämmelse"),
    (_pop(lambda r: action(r, "radrum"), "id"), "åtgärd 'None': 'id' saknas"),
])
def test_items_named_in_law_and_id_errors(mutate, message):
    assert fails(mutate).startswith(f"{PATH}: {message}")


def test_the_decision_section_is_read_from_the_file():
    assert load(lambda r: r["decision"].__setitem__("section", "1.1")).decision_section == "1.1"


def test_a_municipality_may_offer_only_the_two_required_decisions():
    def two(r):
        r["decision"]["options"].pop("misstanke")
        step(r, "kontakt")["applies"]["any"][0]["decision"] = ["faststalld"]  # shared with 2.2 (YAML anchor)
    assert set(load(two).decision_options) == {"faststalld", "inte_dumpning"}


@pytest.mark.parametrize("which", ["any", "none"])
def test_decision_any_and_none_are_known(which):
    g = load(_set(lambda r: action(r, "radrum"), "applies", {"decision": which}))
    assert next(a for a in g.actions if a.id == "radrum").applies == {"decision": which}
