"""Training: scenarios agree with the kit's own rules, feedback quotes the guideline,
the score, the certificate, the notebook (headless and in Voilà)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import nbformat
import pytest
import yaml

from dumpning_kit import training as tr
from dumpning_kit.assessment import CaseState
from dumpning_kit.deadlines import due_date
from dumpning_kit.errors import UserError
from dumpning_kit.guideline import default_guideline, load_guideline
from dumpning_kit.testdata import LAST_NAMES, is_test_personnummer

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "dumpning_kit" / "scenarios" / "bengtsfors.yaml"
GUIDELINE = ROOT / "dumpning_kit" / "guidelines" / "bengtsfors.yaml"
NOTEBOOK = ROOT / "notebooks" / "utbildning.ipynb"
RAW = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
QUESTION_IDS = [(s["id"], q.get("id") or q["kind"]) for s in RAW["scenarios"] for q in s["questions"]]
PNR = re.compile(r"\b(\d{6}|\d{8})[-+]?\d{4}\b")


@pytest.fixture
def g():
    return default_guideline()


@pytest.fixture
def scenarios(g):
    return tr.load_scenarios(SCENARIOS, g)


# ---- the scenario file ---------------------------------------------------------------

def test_the_file_covers_the_cases_the_trainers_asked_for(scenarios):
    assert len(scenarios.scenarios) >= 12
    by_id = {s.id: s for s in scenarios.scenarios}
    themes = {
        "kontrakt_familj": lambda s: s.answers["form"] == "socialt_kontrakt" and s.answers["barn_i_hushallet"] == "ja",
        "skyddad_flytt": lambda s: s.answers["skyddad_flytt"] == "ja" and s.answers["samverkan_fore_flytten"] == "ja",
        "etablering": lambda s: s.answers["form"] == "etablering" and s.answers["forstod_processen"] == "nej",
        "aldre_vard": lambda s: s.answers["bistand_vardbehov"] == "ja" and "begaran_mottagen" in s.answers,
        "hyresvard_affarsmodell": lambda s: s.answers["hyresvard_sakerstallt"] == "nej",
        "vill_stanna": lambda s: s.answers["vill_atervanda"] == "nej",
        "folkbokforing_slakting": lambda s: s.answers["folkbokford_hos_annan"] == "ja",
        "inga_tecken": lambda s: True,
        # The receiving side of 1.1: a request under 2 a kap. 10 § that another municipality sent us.
        "inkommen_begaran": lambda s: s.answers["formell_begaran_inkommen"] == "ja"
        and "inkommen_begaran_datum" in s.answers and s.question("steps").expected == ("inkommen_begaran",),
        # The caseworker's decision drives the plan, whatever the suggestion.
        "registrerad_misstanke": lambda s: s.decision == "misstanke" and s.question("classification").expected == "oklart"
        and set(s.question("steps").expected) == {"kontakt", "aterforing"},
        "beslut_inte_dumpning": lambda s: s.decision == "inte_dumpning" and s.question("steps").expected == (),
        # 1.1.2 and 1.1.2.1: why dumping is unacceptable, for the individual and for children.
        "individperspektiv": lambda s: {q.section for q in s.questions if q.kind == "choice"} == {"1.1.2", "1.1.2.1"}
        and s.answers["barn_i_hushallet"] == "ja",
    }
    for sid, check in themes.items():
        assert check(by_id[sid]), sid
    kinds = {q.kind for s in scenarios.scenarios for q in s.questions}
    assert kinds == set(tr.QUESTION_KINDS)
    # 2.2: a request under 2 a kap. 10 §, the one-month deadline, and the IVO application.
    older = by_id["aldre_vard"]
    assert older.question("deadline").deadline == "svar_pa_begaran"
    assert {"begaran", "ivo"} <= set(older.question("documentation").expected)
    assert "hyresvard" in by_id["hyresvard_affarsmodell"].question("steps").expected
    assert by_id["inga_tecken"].question("classification").expected == "inga_tecken"
    assert by_id["skyddad_flytt"].question("classification").expected == "berattigad"


@pytest.mark.parametrize("sid,qid", QUESTION_IDS)
def test_every_expected_answer_agrees_with_the_kit(g, scenarios, sid, qid):
    sc = scenarios.scenario(sid)
    q = sc.question(qid)
    state = CaseState(g, dict(sc.answers), decision=sc.decision, today=sc.today)
    if q.kind == "classification":
        assert state.classification == q.expected, state.signals
    elif q.kind == "deadline":
        # Computed live from the guideline's rule and the Swedish calendar.
        assert due_date(g.deadline(q.deadline), state.answers)[1] == q.expected
    elif q.kind == "steps":
        assert {s.id for s in g.steps if s.applies is not None and state.step_applies(s.id)} == set(q.expected)
    elif q.kind == "consent":
        assert {i.action.id for i in state.action_plan if i.action.consent} == set(q.expected)
    elif q.kind == "choice":
        # The answer key is the guideline's own text: the right options quote the cited section.
        text = " ".join(g.section(q.section).text.split())
        right = {o.id for o in q.options if o.quote and o.quote in text}
        assert right == (set(q.expected) if q.several else {q.expected})
        assert all(not o.quote for o in q.options if o.id not in right)
    else:
        assert set(tr.required_documents(g, state)) == set(q.expected)
    assert tr.evaluate(g, sc, q, q.expected).correct


@pytest.mark.parametrize("sid", [s["id"] for s in RAW["scenarios"]])
def test_every_scenario_answers_every_question_its_story_shows(g, scenarios, sid):
    """Complete answers: every question the caseworker's form shows for the case is answered,
    or the scenario says why the story leaves it open (an event that has not happened yet)."""
    sc = scenarios.scenario(sid)
    state = sc.state(g)
    shown = [q for st in g.steps if state.step_applies(st.id) for q in st.questions
             if state.holds(q.relevant) and (q.requires is None or state.holds(q.requires)) and q.type != "kommun"]
    blank = [q.id for q in shown if q.id not in state.answers and q.id not in sc.unanswered]
    assert blank == []
    assert tr.unanswered_questions(g, sc) == []
    for qid in g.classification_questions:  # the questions section 1.1's rules name, never left open
        assert qid in state.answers, qid
    assert set(sc.unanswered) <= {q.id for q in shown}, "unanswered names a question the form does not show"


def test_skyddad_flytt_is_answered_as_its_story_says(g, scenarios):
    sc = scenarios.scenario("skyddad_flytt")
    # She met the social worker the day she came, whose name and number she had from the planning.
    assert sc.answers["sokte_hjalp_direkt"] == "ja" and sc.answers["fick_kontaktuppgifter"] == "ja"
    assert not sc.unanswered
    state = sc.state(g)
    assert state.classification == "berattigad"
    assert [r.text for r in state.reasons] == [r.text for r in g.outcomes[1].requires]
    # The everyday facts of 1.1.3 are there, and they do not outvote the cooperation.
    assert {s.question.id for s in state.signals} == {"fick_kontaktuppgifter", "sokte_hjalp_direkt"}


def test_a_blank_question_is_reported_as_drift(g, tmp_path):
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    sc = next(s for s in raw["scenarios"] if s["id"] == "skyddad_flytt")
    del sc["answers"]["sokte_hjalp_direkt"]
    raw["scenarios"] = [sc]
    problems = tr.drift(g, tr.load_scenarios(_write(tmp_path, raw), g))
    assert problems == ["Övningsfall 'skyddad_flytt': frågan 'sokte_hjalp_direkt' (Sökte personen hjälp hos oss "
                        "kort efter ankomsten?) visas i fallet men har inget svar. Svara som berättelsen säger, "
                        "eller skriv under unanswered varför berättelsen lämnar den öppen."]


def test_no_drift_between_the_file_and_the_kit(g, scenarios):
    assert tr.drift(g, scenarios) == []


def test_known_deadlines_follow_lag_1930_173(g, scenarios):
    older = scenarios.scenario("aldre_vard")
    assert tr.kit_answer(g, older, older.question("deadline")) == dt.date(2026, 11, 16)  # 15 Nov is a Sunday
    jul = scenarios.scenario("stodboende_jul")
    assert tr.kit_answer(g, jul, jul.question("deadline")) == dt.date(2026, 12, 28)  # julafton, helgdagar, helg
    # The IVO step is due in one case (no answer within a month) and not yet in the other.
    assert "ivo" in tr.kit_answer(g, older, older.question("documentation"))
    assert "ivo" not in tr.kit_answer(g, jul, jul.question("documentation"))


def _guideline_copy(tmp_path, edit):
    raw = yaml.safe_load(GUIDELINE.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "bengtsfors.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_guideline(path)


def test_a_rule_change_in_the_guideline_shows_up_as_drift(tmp_path):
    def two_months(raw):
        for d in raw["deadlines"]:
            if d["id"] in ("svar_pa_begaran", "svar_pa_inkommen_begaran"):
                d["months"] = 2

    g2 = _guideline_copy(tmp_path, two_months)
    problems = tr.drift(g2, tr.load_scenarios(SCENARIOS, g2))
    assert any("'aldre_vard', fråga 'deadline'" in p for p in problems)
    assert any("'stodboende_jul', fråga 'deadline'" in p for p in problems)
    assert any("'inkommen_begaran', fråga 'deadline'" in p for p in problems)

    sc = tr.load_scenarios(SCENARIOS, g2)
    older = sc.scenario("aldre_vard")
    # Training states the period from the rule, never a fixed "en månad".
    assert "två månader" in older.question("documentation").explanation
    fb = tr.evaluate(g2, older, older.question("deadline"), "2026-12-15")
    assert any(p.startswith("Två månader senare är ") for p in fb.points)
    texts = [t for s in sc.scenarios for t in (s.story, *(q.explanation for q in s.questions))]
    assert not [t for t in texts if "en månad" in t]

    def stricter(raw):  # a municipality that also requires ongoing bistånd for a suspicion
        cls = raw["classification"]["outcomes"][0]
        cls["requires"].append({"when": {"question": "pagaende_bistand", "equals": "ja"},
                                "text": "Personen hade pågående bistånd.", "ask": "Ta reda på om personen hade bistånd."})

    g3 = _guideline_copy(tmp_path, stricter)
    problems = tr.drift(g3, tr.load_scenarios(SCENARIOS, g3))
    assert "Övningsfall 'etablering', fråga 'classification': filen säger misstanke, men verktyget räknar nu fram " \
           "oklart." in problems

    def reworded(raw):  # 1.1.2.1 reworded: a quote in the answer key no longer stands in the text
        sec = next(s for s in raw["sections"] if s["id"] == "1.1.2.1")
        sec["text"] = sec["text"].replace("rycks bort från sitt sociala sammanhang", "lämnar sitt sammanhang")

    g4 = _guideline_copy(tmp_path, reworded)
    problems = tr.drift(g4, tr.load_scenarios(SCENARIOS, g4))
    assert any("'individperspektiv', fråga 'foljder_individ': citatet för svarsalternativet 'sammanhang'" in p
               for p in problems)
    assert any("'individperspektiv', fråga 'foljder_individ': filen säger" in p for p in problems)


def test_an_answer_that_does_not_count_is_reported(g, tmp_path):
    path = _write(tmp_path, _one(**{"answers.forstod_processen": "nej"}))  # only asked after etablering
    problems = tr.drift(g, tr.load_scenarios(path, g))
    assert problems == ["Övningsfall 'kontrakt_familj': svaret på 'forstod_processen' räknas inte, eftersom frågan "
                        "inte är aktuell med de andra svaren. Ta bort svaret eller ändra de svar som frågan hänger på."]


def test_an_answer_against_a_consent_gate_is_reported(g, tmp_path):
    raw = _one(**{"answers.samtycke_motivering": "nej", "dates.motivering_begard_datum": "2026-11-10"})
    problems = tr.drift(g, tr.load_scenarios(_write(tmp_path, raw), g))
    assert problems == ["Övningsfall 'kontrakt_familj': svaret på 'motivering_begard_datum' går inte ihop med "
                        "riktlinjens regler: " + g.question("motivering_begard_datum").requires_message]


def test_a_deadline_the_rules_no_longer_give_is_feedback_not_a_crash(g, scenarios):
    sc = scenarios.scenario("stodboende_jul")
    stale = tr.Scenario(sc.id, sc.title, sc.story, {**sc.answers, "bistand_vardbehov": "nej"}, sc.dates,
                        sc.decision, sc.today, sc.questions)
    fb = tr.evaluate(g, stale, stale.question("deadline"), "2026-12-28")
    assert not fb.correct and fb.expected == "Ingen frist i det här fallet"
    assert any("'stodboende_jul', fråga 'deadline'" in p for p in tr.drift(g, [stale]))


def test_people_are_fictitious_and_personnummer_from_the_test_series(scenarios):
    text = SCENARIOS.read_text(encoding="utf-8")
    for sc in scenarios.scenarios:
        pnr = sc.answers.get("personnummer")
        assert pnr is None or is_test_personnummer(pnr), sc.id
        name = sc.answers.get("namn", "")
        assert not name or name.split()[-1] in LAST_NAMES, name
    for match in PNR.finditer(text):
        assert is_test_personnummer(match.group(0)), match.group(0)


# ---- validation of the file ------------------------------------------------------------

def _write(tmp_path, raw) -> Path:
    path = tmp_path / "ovningar.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _one(**changes):
    """A copy of the first scenario with some keys changed (None removes a key)."""
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    sc = raw["scenarios"][0]
    for key, value in changes.items():
        target, _, sub = key.partition(".")
        if sub:
            if value is None:
                sc[target].pop(sub, None)
            else:
                sc[target][sub] = value
        elif value is None:
            sc.pop(target, None)
        else:
            sc[target] = value
    raw["scenarios"] = [sc]
    return raw


CHOICE = {"id": "val", "kind": "choice", "section": "1.1.2", "prompt": "Varför?", "expected": "ratt",
          "options": [{"id": "ratt", "text": "Så att det inte blir normaliserat.", "quote": "tillåts bli normaliserat"},
                      {"id": "fel", "text": "För kostnadens skull."}]}

BROKEN = [
    (lambda: _one(**{"answers.finns_inte": "ja"}), "answers: okänd fråga 'finns_inte'"),
    (lambda: _one(**{"answers.eget_initiativ": "kanske"}), "svaret på 'eget_initiativ'"),
    (lambda: _one(**{"answers.ankomstdatum": "2026-11-02"}), "'ankomstdatum' är en datumfråga"),
    (lambda: _one(**{"dates.namn": "2026-11-02"}), "'namn' är ingen datumfråga"),
    (lambda: _one(**{"dates.misstanke_datum": "6 november"}), "svaret på 'misstanke_datum'"),
    (lambda: _one(**{"answers.personnummer": "19121212-1212"}), "Skatteverkets testserie"),
    (lambda: _one(**{"dates.kontakt_datum": "2026-12-24"}), "framtiden"),
    (lambda: _one(story=None), "'story' saknas"),
    (lambda: _one(id="Med Mellanslag"), "id får bara innehålla"),
    (lambda: _one(decision="kanske"), "okänt beslut 'kanske'"),
    (lambda: _one(questions=[]), "'questions' saknas eller är tom"),
    (lambda: _one(questions=[{"kind": "gissa", "expected": "x"}]), "okänd kind 'gissa'"),
    (lambda: _one(questions=[{"kind": "classification"}]), "'expected' saknas"),
    (lambda: _one(questions=[{"kind": "classification", "expected": "kanske"}]), "okänd bedömning 'kanske'"),
    (lambda: _one(questions=[{"kind": "steps", "expected": ["arendeuppgifter"]}]), "okänt steg-id 'arendeuppgifter'"),
    (lambda: _one(questions=[{"kind": "steps", "expected": "kontakt"}]), "ska vara en lista"),
    (lambda: _one(questions=[{"kind": "documentation", "expected": ["brev"]}]), "okänt dokument-id 'brev'"),
    (lambda: _one(questions=[{"kind": "consent", "expected": ["allt"]}]), "okänt åtgärds-id 'allt'"),
    (lambda: _one(questions=[{"kind": "deadline", "deadline": "snart", "expected": "2026-11-09"}]),
     "okänd tidsfrist 'snart'"),
    (lambda: _one(questions=[{"kind": "deadline", "deadline": "svar_pa_begaran", "expected": "2026-11-09"}]),
     "saknar datum för 'begaran_mottagen'"),
    (lambda: _one(questions=[{"kind": "classification", "expected": "misstanke", "section": "9.9"}]),
     "okänt avsnitt '9.9'"),
    (lambda: _one(questions=[{"kind": "classification", "expected": "misstanke"},
                             {"kind": "classification", "expected": "misstanke"}]), "används två gånger"),
    (lambda: _one(**{"unanswered.finns_inte": "Har inte hänt."}), "unanswered: okänd fråga 'finns_inte'"),
    (lambda: _one(**{"unanswered.kontakt_datum": "Har inte hänt."}), "'kontakt_datum' har ett svar"),
    (lambda: _one(**{"unanswered.skrivelse_skickad": " "}), "skriv varför berättelsen lämnar 'skrivelse_skickad'"),
    (lambda: _one(story="Svar inom {period:snart}."), "okänd tidsfrist 'snart' i {period:snart}"),
    (lambda: _one(questions=[dict(CHOICE, options=CHOICE["options"][:1])]), "minst två svarsalternativ"),
    (lambda: _one(questions=[dict(CHOICE, expected="kanske")]), "okänt svarsalternativ 'kanske'"),
    (lambda: _one(questions=[dict(CHOICE, expected="fel")]), "saknar quote"),
    (lambda: _one(questions=[dict(CHOICE, multiple=True, expected=["ratt", "okant"])]),
     "okänt svarsalternativ-id 'okant'"),
    (lambda: _one(questions=[{k: v for k, v in CHOICE.items() if k != "section"}]), "'section' saknas"),
    (lambda: _one(questions=[{k: v for k, v in CHOICE.items() if k != "prompt"}]), "'prompt' saknas"),
    (lambda: _one(questions=[dict(CHOICE, options=[CHOICE["options"][0], CHOICE["options"][0]])]), "står två gånger"),
]


@pytest.mark.parametrize("make,problem", BROKEN, ids=[p for _, p in BROKEN])
def test_a_broken_scenario_names_file_scenario_and_problem(g, tmp_path, make, problem):
    path = _write(tmp_path, make())
    with pytest.raises(tr.ScenarioError) as err:
        tr.load_scenarios(path, g)
    message = str(err.value)
    assert str(path) in message
    assert "övningsfall" in message
    assert problem in message


def test_file_level_errors(g, tmp_path):
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    raw["scenarios"].append(dict(raw["scenarios"][0]))
    with pytest.raises(tr.ScenarioError, match="'kontrakt_familj': id:t används redan"):
        tr.load_scenarios(_write(tmp_path, raw), g)
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    raw["guideline"] = "annan_kommun"
    with pytest.raises(tr.ScenarioError, match="skrivna för riktlinjen 'annan_kommun'"):
        tr.load_scenarios(_write(tmp_path, raw), g)
    bad = tmp_path / "trasig.yaml"
    bad.write_text("scenarios: [\n", encoding="utf-8")
    with pytest.raises(tr.ScenarioError, match="trasig.yaml: filen är inte giltig YAML"):
        tr.load_scenarios(bad, g)
    with pytest.raises(tr.ScenarioError, match="finns inte"):
        tr.load_scenarios(tmp_path / "saknas.yaml", g)
    for mark, problem in [(None, "'pass_mark' saknas"), (0, "från 1 till 100"), (101, "från 1 till 100"),
                          ("80 %", "från 1 till 100"), (True, "från 1 till 100")]:
        raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
        raw.pop("pass_mark")
        if mark is not None:
            raw["pass_mark"] = mark
        with pytest.raises(tr.ScenarioError, match=problem):
            tr.load_scenarios(_write(tmp_path, raw), g)


def test_default_scenarios_follow_the_guideline(monkeypatch):
    assert tr.default_scenarios().source == SCENARIOS
    monkeypatch.setenv("DUMPNING_SCENARIOS", "/finns/inte.yaml")
    with pytest.raises(tr.ScenarioError):
        tr.default_scenarios()


# ---- feedback and score -----------------------------------------------------------------

def test_feedback_quotes_the_guideline_section_from_the_file(g, scenarios):
    sc = scenarios.scenario("stodboende_jul")
    q = sc.question("deadline")
    wrong = tr.evaluate(g, sc, q, dt.date(2026, 12, 24))
    assert not wrong.correct and wrong.headline == "Inte riktigt."
    assert wrong.expected == "måndag 28 december 2026"
    assert (wrong.section_id, wrong.section_title) == ("2.2", g.section("2.2").title)
    assert wrong.section_text == g.section("2.2").text
    assert "2 a kap 10 § Socialtjänstlagen" in wrong.section_text  # the guideline's own wording
    assert wrong.law == "2 a kap. 10 § SoL (2001:453)"
    assert any("julafton" in p for p in wrong.points)
    assert tr.evaluate(g, sc, q, "2026-12-28").correct

    classification = tr.evaluate(g, sc, sc.question("classification"), "oklart")
    assert not classification.correct
    assert classification.expected == g.classification_labels["misstanke"]
    assert any("Personen hade pågående bistånd" in p for p in classification.points)
    assert classification.section_text == g.section("1.1.1").text


def test_classification_feedback_explains_the_rules_not_a_count(g, scenarios):
    sc = scenarios.scenario("kontrakt_familj")
    fb = tr.evaluate(g, sc, sc.question("classification"), "inga_tecken")
    assert not fb.correct
    assert "Alla villkor i avsnitt 1.1 för förslaget är uppfyllda" in fb.explanation
    assert "skapar ingen på egen hand" in fb.explanation and "Fastställd social dumpning" in fb.explanation
    rules = [f"Uppfyllt: {r.text}" for r in g.outcomes[0].requires]
    assert list(fb.points[:len(rules)]) == rules
    assert "Stärker misstanken (avsnitt 1.1.2.2): Personen hänvisades till en hyresvärd i kommunen." in fb.points
    assert not re.search(r"\d+ tecken|minst", fb.explanation)

    # Facts that rule out every outcome: each is named with the outcome it points to.
    sc = scenarios.scenario("registrerad_misstanke")
    fb = tr.evaluate(g, sc, sc.question("classification"), "oklart")
    assert fb.correct and fb.explanation.startswith("Verktyget föreslår: Oklart – utred vidare. " + g.conflict_text)
    assert "Stämmer med ”Misstanke om social dumpning”: Personen tog inte själv initiativet till flytten." in fb.points
    assert "Stämmer med ”Inga tecken på social dumpning”: Personen har själv uttryckt en vilja att flytta hit." \
        in fb.points
    assert any(p.startswith("Kan stärka en misstanke men räcker inte ensamt (avsnitt 1.1.2.2)") for p in fb.points)

    # An unknown necessary fact: what to find out.
    unknown = tr.Scenario(sc.id, sc.title, sc.story, {**sc.answers, "egen_vilja": "vet_ej"}, sc.dates, None,
                          sc.today, sc.questions)
    fb = tr.evaluate(g, unknown, sc.question("classification"), "misstanke")
    assert not fb.correct and "inte klarlagt" in fb.explanation
    assert "Ta reda på om personen själv har uttryckt en vilja att flytta hit." in fb.points


def test_choice_feedback_quotes_the_section(g, scenarios):
    sc = scenarios.scenario("individperspektiv")
    q = sc.question("foljder_individ")
    assert q.multiple and [label for label, _ in tr.choices(g, sc, q)][0] == q.options[0].text
    fb = tr.evaluate(g, sc, q, ["traumatisk", "battre_ekonomi"])
    assert not fb.correct and fb.section_id == "1.1.2.1" and fb.section_text == g.section("1.1.2.1").text
    assert ("Personen rycks bort från sitt sociala sammanhang – ja, riktlinjen säger: ”individerna rycks bort "
            "från sitt sociala sammanhang”.") in fb.points
    assert "Personen får oftast bättre ekonomi i den nya kommunen – nej, det står inte i avsnitt 1.1.2.1." in fb.points
    assert tr.evaluate(g, sc, q, list(reversed(q.expected))).correct  # order does not matter
    single = sc.question("barnkonventionen")
    assert not single.multiple
    assert tr.evaluate(g, sc, single, "artikel_3").correct
    assert not tr.evaluate(g, sc, single, "artikel_12").correct
    for bad in (["artikel_3"], "artikel_99", None):
        with pytest.raises(UserError):
            tr.evaluate(g, sc, single, bad)
    with pytest.raises(UserError):
        tr.evaluate(g, sc, q, ["traumatisk", "hittepa"])


def test_feedback_explains_consent_and_documents(g, scenarios):
    sc = scenarios.scenario("hyresvard_affarsmodell")
    consent = tr.evaluate(g, sc, sc.question("consent"), ["krav_motivering"])
    assert not consent.correct
    assert any("hembesök" in p and "sagt nej" in p for p in consent.points)
    docs = tr.evaluate(g, sc, sc.question("documentation"), ["bedomning", "upplevelse", "skrivelse", "hembesok"])
    assert not docs.correct
    assert any(p.startswith("Hembesöksprotokoll: nej") for p in docs.points)
    steps = tr.evaluate(g, scenarios.scenario("inga_tecken"), scenarios.scenario("inga_tecken").question("steps"), [])
    assert steps.correct and steps.given == "Inget av alternativen"


@pytest.mark.parametrize("qid,answer", [
    ("classification", "fastställd"), ("classification", None), ("steps", "kontakt"),
    ("steps", ["kontakt", "hackat"]), ("deadline", "igår"), ("deadline", None), ("consent", [1, 2]),
])
def test_answers_from_widgets_are_checked(g, scenarios, qid, answer):
    sc = scenarios.scenario("kontrakt_familj")
    with pytest.raises(UserError):
        tr.evaluate(g, sc, sc.question(qid), answer)


def test_score_counts_the_first_answer(g, scenarios):
    score = tr.Score(scenarios)
    sc = scenarios.scenario("etablering")
    q = sc.question("classification")
    assert "inte svarat" in score.summary(g)
    assert score.record(sc, q, tr.evaluate(g, sc, q, "oklart")) is True
    assert score.record(sc, q, tr.evaluate(g, sc, q, "misstanke")) is False
    assert (score.answered_count, score.correct_count, score.attempts) == (1, 0, 2)
    assert score.sections_to_review() == ["1.1.1"]
    for other in sc.questions[1:]:
        score.record(sc, other, tr.evaluate(g, sc, other, tr.kit_answer(g, sc, other)))
    assert [s.id for s in score.scenarios_done()] == ["etablering"]
    assert score.correct_count == len(sc.questions) - 1
    summary = score.summary(g)
    assert f"{len(sc.questions)} av {scenarios.question_count} frågor" in summary
    assert "1.1.1 Olika former" in summary


# ---- certificate -------------------------------------------------------------------------

def _played(g, scenarios) -> tr.Score:
    score = tr.Score(scenarios)
    for sid in ("kontrakt_familj", "aldre_vard"):
        sc = scenarios.scenario(sid)
        for q in sc.questions:
            score.record(sc, q, tr.evaluate(g, sc, q, tr.kit_answer(g, sc, q)))
    return score


def test_certificate_escapes_the_name_and_holds_no_other_personal_data(g, scenarios):
    score = _played(g, scenarios)
    html = tr.certificate_html("<script>alert(1)</script>", score, g, date=dt.date(2026, 11, 27))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert re.search(r'<html[^>]*\blang="sv"', html)
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)  # offline: nothing fetched
    assert "@import" not in html
    assert "Utbildningsintyg" in html and "27 november 2026" in html
    assert f"{score.correct_count} av {score.answered_count}" in html
    assert "Familjen vars sociala kontrakt sades upp" in html  # titles of completed scenarios only
    assert not PNR.search(re.sub(r"<style.*?</style>", "", html, flags=re.S))
    for sc in scenarios.scenarios:
        assert sc.answers.get("namn", "§") not in html
        assert sc.paragraphs[0] not in html
    assert "testhandlaggare" not in html  # the logged-in user is not written on it


def _pass_file(tmp_path, mark: int) -> Path:
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    raw["pass_mark"] = mark
    return _write(tmp_path, raw)


def _right(g, scenarios, n: int) -> tr.Score:
    """A score with the first n questions of the file right and the rest wrong, all answered."""
    score, k = tr.Score(scenarios), 0
    for sc in scenarios.scenarios:
        for q in sc.questions:
            live = tr.kit_answer(g, sc, q)
            if k >= n:  # a wrong answer of the right type
                if q.kind == "deadline":
                    live = dt.date(2030, 1, 1)
                elif q.multiple:
                    live = [] if live else [v for _, v in tr.choices(g, sc, q)][:1]
                else:
                    live = next(v for _, v in tr.choices(g, sc, q) if v != live)
            fb = tr.evaluate(g, sc, q, live)
            assert fb.correct == (k < n), (sc.id, q.id)
            score.record(sc, q, fb)
            k += 1
    return score


def test_certificate_states_the_pass_mark_from_the_file(g, tmp_path):
    scenarios = tr.load_scenarios(_pass_file(tmp_path, 75), g)
    total = scenarios.question_count
    needed = -(-75 * total // 100)
    at = _right(g, scenarios, needed)
    assert at.passed and at.pass_mark == 75 and at.needed == needed
    html = tr.certificate_html("Kim Övningsdal", at, g, date=dt.date(2026, 11, 27))
    text = re.sub(r"<[^>]+>", " ", html)
    assert "Godkänt." in text and "Gränsen för godkänt är 75 % av alla frågor rätt på första försöket" in text
    assert f"({needed} av {total})" in text and "så gränsen är nådd" in text
    below = _right(g, scenarios, needed - 1)
    assert not below.passed
    text = re.sub(r"<[^>]+>", " ", tr.certificate_html("Kim Övningsdal", below, g))
    assert "Inte godkänt än." in text and "så gränsen är inte nådd" in text and "75 %" in text
    assert "gränsen är inte nådd än" in below.summary(g)
    # Another mark in the file, the same answers: the certificate follows the file.
    strict = tr.load_scenarios(_pass_file(tmp_path, 100), g)
    score = _right(g, strict, needed)
    assert not score.passed and "100 %" in tr.certificate_html("Kim Övningsdal", score, g)
    # Answering only some questions never passes on a high percentage of those answered.
    few = tr.Score(scenarios)
    sc = scenarios.scenarios[0]
    few.record(sc, sc.questions[0], tr.evaluate(g, sc, sc.questions[0], tr.kit_answer(g, sc, sc.questions[0])))
    assert few.percent == 100 and not few.passed


@pytest.mark.parametrize("name,problem", [("", "Skriv ditt namn"), ("   ", "Skriv ditt namn"),
                                          ("x" * 101, "för långt")])
def test_certificate_needs_a_reasonable_name(g, scenarios, name, problem):
    with pytest.raises(UserError, match=problem):
        tr.certificate_html(name, _played(g, scenarios), g)


def test_certificate_needs_an_answer(g, scenarios):
    with pytest.raises(UserError, match="minst en fråga"):
        tr.certificate_html("Kim Övningsdal", tr.Score(scenarios), g)


# ---- widgets without a browser --------------------------------------------------------------

def test_widgets_give_feedback_and_escape_typed_values(g, scenarios):
    from dumpning_kit.ui.training import TrainingApp

    app = TrainingApp(scenarios, g)
    score_view = app.score_panel()
    app.scenario("kontrakt_familj")
    view = app.questions[("kontrakt_familj", "classification")]
    view.answer()
    assert 'role="alert"' in view.feedback.value  # nothing chosen yet
    view.input.value = "misstanke"
    fb = view.answer()
    assert fb.correct
    assert 'role="status"' in view.feedback.value and "Rätt!" in view.feedback.value
    assert "Avsnitt 1.1.1" in view.feedback.value
    assert "1 av " in score_view.children[-1].value
    assert ("kontrakt_familj", "steps") not in app.questions  # built when the trainee gets there
    sc = scenarios.scenario("kontrakt_familj")
    steps = app.question_view(sc, sc.question("steps"), 2)
    for box, value in steps.checkboxes:
        box.value = value in ("kontakt", "aterforing")
    assert not steps.answer().correct
    missing = app.scenario("finns_inte")
    assert "finns inte" in missing.children[-1].value

    # The guideline slides explain section 1.1's rules and the supporting signs, not a count.
    assert "Misstanke om social dumpning: " + g.outcomes[0].requires[0].text in app.section_html("1.1")
    assert "aldrig skapa en på egen hand" in app.section_html("1.1.3")
    assert "Sökte personen hjälp hos oss kort efter ankomsten?" in app.section_html("1.1.3")

    cert = app.certificate_panel()
    assert f"Gränsen för godkänt är {scenarios.pass_mark} %" in cert.children[1].value
    name, button, out = cert.children[2], cert.children[3], cert.children[4]
    name.value = '<img src=x onerror="alert(1)">'
    button.click()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in out.value
    assert "<img" not in out.value.replace("&lt;img", "")
    assert 'download="utbildningsintyg.html"' in out.value


def test_practice_form_is_the_caseworker_app_on_a_throwaway_database():
    import ipywidgets as w

    from dumpning_kit.ui.training import practice_form

    widget = practice_form()
    assert isinstance(widget, w.Widget)


# ---- the notebook ----------------------------------------------------------------------------

def test_notebook_is_committed_without_outputs_and_has_slides():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    slides = [c for c in nb.cells if c.metadata.get("slideshow", {}).get("slide_type") == "slide"]
    assert nb.cells[0] in slides and len(slides) >= 12
    sources = "\n".join(c.source for c in code)
    # No scenario is named in the notebook: one marked cell stands for every scenario in the file.
    assert 'app.scenario("' not in sources
    marked = [c for c in code if c.metadata.get("dumpning") == {"slides": "scenarios"}]
    assert len(marked) == 1 and "app.scenarios_panel()" in marked[0].source
    assert "practice_panel()" in sources and "scenario_picker()" in sources


def _with_extra_scenario(tmp_path) -> Path:
    raw = yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))
    extra = yaml.safe_load(yaml.safe_dump(next(s for s in raw["scenarios"] if s["id"] == "inga_tecken")))
    extra.update(id="extra_fall", title="Ett extra övningsfall från utbildaren")
    raw["scenarios"].append(extra)
    return _write(tmp_path, raw)


def test_every_scenario_in_the_file_gets_its_own_slide(g, tmp_path):
    scenarios = tr.load_scenarios(_with_extra_scenario(tmp_path), g)
    nb = tr.expand_notebook(nbformat.read(NOTEBOOK, as_version=4), scenarios)
    nbformat.validate(nb)
    cells = [c for c in nb.cells if c.metadata.get("dumpning", {}).get("scenario")]
    assert [c.metadata["dumpning"]["scenario"] for c in cells] == [s.id for s in scenarios.scenarios]
    assert cells[-1].source == 'app.scenario("extra_fall")'
    assert all(c.metadata["slideshow"]["slide_type"] == "slide" for c in cells)
    assert not [c for c in nb.cells if c.metadata.get("dumpning") == {"slides": "scenarios"}]
    # The slides template runs the expansion before the notebook (nbconvert preprocessor in conf.json).
    import json
    conf = json.loads((ROOT / "dumpning_kit/voila/templates/dumpning_reveal/conf.json").read_text())
    kinds = [p["type"] for p in conf["preprocessors"].values()]
    assert kinds == ["dumpning_kit.training.ScenarioSlides"]
    from traitlets.utils.importstring import import_item
    nb2, _ = import_item(kinds[0])().preprocess(nbformat.read(NOTEBOOK, as_version=4), {})
    assert len([c for c in nb2.cells if c.metadata.get("dumpning", {}).get("scenario")]) == len(RAW["scenarios"])


def test_notebook_runs_headless_and_shows_a_new_scenario(tmp_path, monkeypatch):
    import json

    from nbclient import NotebookClient

    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("DUMPNING_SCENARIOS", str(_with_extra_scenario(tmp_path)))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == sum(1 for c in nb.cells if c.cell_type == "code")
    state = json.dumps(nb.metadata["widgets"], ensure_ascii=False)
    for sc in RAW["scenarios"]:
        assert f"<h2>{sc['title']}</h2>" in state, sc["id"]
    assert "<h2>Ett extra övningsfall från utbildaren</h2>" in state


# ---- in Voilà, in Chromium -------------------------------------------------------------------

@pytest.mark.browser
def test_a_trainee_answers_in_voila_and_sees_feedback(voila_server_factory, page):
    from playwright.sync_api import expect

    server = voila_server_factory()
    page.goto(server.url + "/voila/render/utbildning.ipynb")
    box = page.locator(".dk-q-kontrakt_familj-classification").first
    expect(box).to_be_visible(timeout=90000)
    box.get_by_label("Misstanke om social dumpning", exact=True).check()
    box.get_by_role("button", name="Svara").click()
    status = box.locator("[role=status]", has_text="Rätt!")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Avsnitt 1.1.1")
    expect(status).to_contain_text(default_guideline().section("1.1.1").text[:60])
    expect(page.get_by_text(re.compile(r"Du har svarat på 1 av \d+ frågor"))).to_be_visible()

    # A date question by keyboard: the date picker is labelled and takes an ISO date.
    deadline = page.locator(".dk-q-aldre_vard-deadline").first
    page.locator(".dk-scenario", has_text="Den äldre kvinnan").get_by_label("Visa fråga:").select_option(
        label="Fråga 4: När infaller fristen?")
    expect(deadline).to_be_visible()
    deadline.get_by_label("Sista dag:").fill("2026-11-15")
    deadline.get_by_role("button", name="Svara").press("Enter")
    expect(deadline.locator("[role=status]", has_text="Inte riktigt.")).to_be_visible()
    expect(deadline.locator("[role=status]")).to_contain_text("måndag 16 november 2026")


@pytest.fixture
def slides_server(tmp_path):
    """`dumpning-kit slides` as a trainer starts it, on a free port."""
    import contextlib
    import os
    import socket
    import subprocess
    import sys
    import time

    started = []

    def start(env: dict) -> str:
        with contextlib.closing(socket.socket()) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(tmp_path / f"slides-{port}.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.cli", "slides", f"--port={port}"],
                                env={**os.environ, "DUMPNING_DATA_DIR": str(tmp_path / "data"), **env},
                                stdout=log, stderr=subprocess.STDOUT)
        started.append((proc, log))
        deadline = time.time() + 60
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / log.name).read_text()[-2000:])
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}/"
            time.sleep(0.2)
        raise RuntimeError("the slides did not start within 60 s")

    yield start
    for proc, log in started:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.mark.browser
def test_slides_show_a_new_scenario_on_its_own_slide(slides_server, page, tmp_path):
    from playwright.sync_api import expect

    url = slides_server({"DUMPNING_SCENARIOS": str(_with_extra_scenario(tmp_path))})
    page.goto(url)
    slides = page.locator(".reveal .slides > section")
    expect(page.locator(".dk-q-extra_fall-classification").first).to_be_attached(timeout=120000)
    headings = page.locator(".reveal .slides > section .dk-scenario h2")
    expect(headings).to_have_count(len(RAW["scenarios"]) + 1)
    titles = [t.strip() for t in headings.all_text_contents()]
    assert titles == [s["title"] for s in RAW["scenarios"]] + ["Ett extra övningsfall från utbildaren"]
    index = page.evaluate("""() => [...document.querySelectorAll('.reveal .slides > section')]
        .findIndex(s => s.querySelector('.dk-q-extra_fall-classification'))""")
    assert index > 0 and slides.count() > index
    page.evaluate(f"location.hash = '#/{index}'")  # reveal.js follows the address, as a bookmark would
    current = page.locator(".reveal .slides > section.present")
    expect(current).to_contain_text("Ett extra övningsfall från utbildaren")
    box = current.locator(".dk-q-extra_fall-classification")
    box.get_by_label("Inga tecken på social dumpning", exact=True).check()
    box.get_by_role("button", name="Svara").click()
    status = box.locator("[role=status]", has_text="Rätt!")
    expect(status).to_be_visible()
    expect(status).to_contain_text("Uppfyllt: Personen tog själv initiativet till flytten.")
