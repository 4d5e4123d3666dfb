"""Training: fictitious scenarios, feedback from the kit's own rules, a score and a certificate.

Scenarios live in ``scenarios/<guideline id>.yaml`` as data. Every expected answer there is
checked against the same code the caseworker app uses (:class:`assessment.CaseState` on
the scenario's answers, deadlines from the guideline's rules and the Swedish calendar),
so training and practice cannot drift apart without a test failing (:func:`drift`).

A trainee's answer is judged against the kit's live answer, never against a retyped one,
and the feedback quotes the guideline section from the guideline file.

User-visible text is Swedish; identifiers are English.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from .assessment import CLASSIFICATION_ORDER, CaseState
from .case import clean_value, validate_answers
from .errors import GuidelineError, UserError, ValidationError
from .guideline import Guideline, default_guideline
from .testdata import is_test_personnummer
from .workdays import add_months, holiday_name, is_closed_day

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"

#: kind -> the question as the trainee sees it
QUESTION_KINDS: dict[str, str] = {
    "classification": "Är detta social dumpning?",
    "steps": "Vilka steg gäller?",
    "documentation": "Vad måste dokumenteras?",
    "deadline": "När infaller fristen?",
    "consent": "Vad kräver samtycke?",
    "choice": "Vad säger riktlinjen?",
}
#: kind -> the guideline section cited when the scenario file does not name one
DEFAULT_SECTIONS = {"classification": "1.1", "steps": "2", "documentation": "2.1", "consent": "2.1"}
MULTI_KINDS = ("steps", "documentation", "consent")
#: Question types that stand for a municipality: the stories use invented ones ("Exempelstad"),
#: which the list of Sweden's municipalities cannot hold, so these are never asked for.
NOT_IN_STORIES = ("kommun",)

_ID = re.compile(r"^[a-z0-9_]{1,60}$")
_WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"]
NAME_MAX = 100


class ScenarioError(GuidelineError):
    """The scenario file is broken. The message names the file, the scenario and the problem."""


def _norm(text: str) -> str:
    """Whitespace-insensitive form of a text, for finding a quote in the guideline's text."""
    return " ".join(str(text).split())


def swedish_date(d: dt.date, weekday: bool = False) -> str:
    """'16 november 2026', or 'måndag 16 november 2026'."""
    text = f"{d.day} {_MONTHS[d.month - 1]} {d.year}"
    return f"{_WEEKDAYS[d.weekday()]} {text}" if weekday else text


# ---- the data -------------------------------------------------------------------------

@dataclass(frozen=True)
class ChoiceOption:
    """One option of a "choice" question. An option is right when its quote stands in the
    cited section of the guideline: the answer key is the guideline's own text."""
    id: str
    text: str
    quote: str = ""


@dataclass(frozen=True)
class TrainingQuestion:
    id: str
    kind: str
    prompt: str
    section: str
    expected: Any                 # str | tuple[str, ...] | dt.date, as written in the file
    deadline: str | None = None   # deadline rule id, for kind "deadline"
    explanation: str = ""         # the trainer's own words, shown after the kit's
    options: tuple[ChoiceOption, ...] = ()   # kind "choice"
    several: bool = False         # kind "choice": more than one option may be right

    @property
    def multiple(self) -> bool:
        """The trainee picks any number of options (checkboxes), not exactly one."""
        return self.kind in MULTI_KINDS or (self.kind == "choice" and self.several)


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    story: str
    answers: dict                 # cleaned answers, dates included, as the case would hold them
    dates: tuple[str, ...]        # which answers are the scenario's dates, in file order
    decision: str | None
    today: dt.date
    questions: tuple[TrainingQuestion, ...]
    unanswered: dict = field(default_factory=dict)   # question id -> why the story leaves it open

    def question(self, qid: str) -> TrainingQuestion:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def state(self, g: Guideline) -> CaseState:
        """The kit's own assessment of this case on the scenario's day."""
        return CaseState(g, dict(self.answers), decision=self.decision, today=self.today)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in re.split(r"\n\s*\n", self.story) if p.strip()]


@dataclass(frozen=True)
class ScenarioSet:
    id: str
    title: str
    guideline_id: str
    scenarios: tuple[Scenario, ...]
    source: Path
    pass_mark: int = 80           # percent of all questions right on the first try

    def scenario(self, sid: str) -> Scenario:
        for s in self.scenarios:
            if s.id == sid:
                return s
        raise KeyError(sid)

    @property
    def question_count(self) -> int:
        return sum(len(s.questions) for s in self.scenarios)


# ---- loading and validation -------------------------------------------------------------

class _Loader:
    def __init__(self, path: Path, raw: dict, g: Guideline, own_code: str | None):
        self.path, self.raw, self.g, self.own_code = path, raw, g, own_code

    def fail(self, item: str, problem: str):
        raise ScenarioError(f"{self.path}: {item}: {problem}")

    def text(self, value: Any, item: str) -> str:
        """A text from the file with "{period:RULE}" replaced by the rule's period in words
        ("en månad"), so that training never states a period the guideline file does not set."""
        periods = {d.id: d.period_text for d in self.g.deadlines}

        def sub(m: re.Match) -> str:
            if m.group(1) not in periods or not periods[m.group(1)]:
                self.fail(item, f"okänd tidsfrist '{m.group(1)}' i {m.group(0)} "
                                f"(tillåtna: {', '.join(d.id for d in self.g.deadlines)})")
            return periods[m.group(1)]

        return re.sub(r"\{period:([a-z0-9_]+)\}", sub, str(value or "")).strip()

    def date(self, value: Any, item: str, what: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(item, f"{what} '{value}' är inget datum. Skriv ÅÅÅÅ-MM-DD, till exempel 2026-11-27.")

    def ids(self, value: Any, item: str, allowed: dict[str, str], what: str) -> tuple[str, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            self.fail(item, f"expected ska vara en lista med {what}-id, till exempel [kontakt, aterforing]")
        out = []
        for v in value:
            if str(v) not in allowed:
                self.fail(item, f"okänt {what}-id '{v}' i expected (tillåtna: {', '.join(allowed)})")
            if str(v) in out:
                self.fail(item, f"{what}-id '{v}' står två gånger i expected")
            out.append(str(v))
        return tuple(out)

    def load(self) -> ScenarioSet:
        raw, g = self.raw, self.g
        for key in ("id", "title", "scenarios"):
            if not raw.get(key):
                self.fail("filen", f"'{key}' saknas")
        if raw.get("guideline") and str(raw["guideline"]) != g.id:
            self.fail("filen", f"övningsfallen är skrivna för riktlinjen '{raw['guideline']}', "
                               f"men verktyget använder riktlinjen '{g.id}'")
        if not isinstance(raw["scenarios"], list):
            self.fail("filen", "'scenarios' ska vara en lista med övningsfall")
        pass_mark = raw.get("pass_mark")
        if pass_mark is None:
            self.fail("filen", "'pass_mark' saknas: ange hur många procent av frågorna som ska vara rätt på "
                               "första försöket för godkänt, till exempel pass_mark: 80")
        if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
            self.fail("filen", f"pass_mark ska vara ett heltal från 1 till 100 (procent), inte '{pass_mark}'")
        from .settings import today as settings_today
        default_today = self.date(raw.get("today") or settings_today(), "filen", "today")
        scenarios, seen = [], set()
        for i, s in enumerate(raw["scenarios"], start=1):
            if not isinstance(s, dict):
                self.fail(f"övningsfall nr {i}", "ska vara ett uppslag med id, title, story ...")
            sc = self.scenario(s, i, default_today)
            if sc.id in seen:
                self.fail(f"övningsfall '{sc.id}'", "id:t används redan av ett annat övningsfall")
            seen.add(sc.id)
            scenarios.append(sc)
        return ScenarioSet(str(raw["id"]), str(raw["title"]), g.id, tuple(scenarios), self.path, pass_mark)

    def scenario(self, s: dict, index: int, default_today: dt.date) -> Scenario:
        g = self.g
        sid = str(s.get("id") or "").strip()
        item = f"övningsfall '{sid}'" if sid else f"övningsfall nr {index}"
        if not sid:
            self.fail(item, "'id' saknas")
        if not _ID.match(sid):
            self.fail(item, "id får bara innehålla små bokstäver a–z, siffror och _")
        for key in ("title", "story"):
            if not str(s.get(key) or "").strip():
                self.fail(item, f"'{key}' saknas")
        today = self.date(s["today"], item, "today") if s.get("today") else default_today
        decision = s.get("decision")
        if decision is not None and decision not in g.decision_options:
            self.fail(item, f"okänt beslut '{decision}' (tillåtna: {', '.join(g.decision_options)})")

        qs = g.questions
        answers_raw = s.get("answers") or {}
        dates_raw = s.get("dates") or {}
        if not isinstance(answers_raw, dict) or not isinstance(dates_raw, dict):
            self.fail(item, "answers och dates ska vara uppslag: frågans id: svar")
        for key in answers_raw:
            if key not in qs:
                self.fail(item, f"answers: okänd fråga '{key}' (finns inte i riktlinjen)")
            if qs[key].type == "date":
                self.fail(item, f"answers: '{key}' är en datumfråga; skriv den under dates")
        for key in dates_raw:
            if key not in qs:
                self.fail(item, f"dates: okänd fråga '{key}' (finns inte i riktlinjen)")
            if qs[key].type != "date":
                self.fail(item, f"dates: '{key}' är ingen datumfråga; skriv den under answers")
        merged = {**{str(k): v for k, v in answers_raw.items()}, **{str(k): v for k, v in dates_raw.items()}}
        for key, value in merged.items():
            q = qs[key]
            try:
                merged[key] = clean_value(q, value, own_code=self.own_code)
            except ValueError as e:
                where = "dates" if q.type == "date" else "answers"
                self.fail(item, f"{where}: svaret på '{key}' ({value!r}) går inte att använda: {e}")
            if q.type == "personnummer" and not is_test_personnummer(merged[key]):
                self.fail(item, f"answers: personnumret för '{key}' måste komma från Skatteverkets testserie "
                                "(födelsenummer 980–999), se dumpning_kit/testdata.py")
        merged = {k: v for k, v in merged.items() if v is not None}
        try:
            # Types, ranges and the order of dates. Consent gates and relevance depend on the
            # rules and are checked by drift(), so that a rule change never stops loading.
            merged = validate_answers(g, merged, set(merged), today=today, own_code=self.own_code)
        except ValidationError as e:
            first = next(iter(e.errors))
            self.fail(item, f"svaret på '{first}' stämmer inte med riktlinjens regler: {e.errors[first]}")
        # Answers that the rules make irrelevant are reported by drift(), not here: a change
        # of the guideline must not stop the training from loading.

        unanswered_raw = s.get("unanswered") or {}
        if not isinstance(unanswered_raw, dict):
            self.fail(item, "unanswered ska vara ett uppslag: frågans id: varför berättelsen lämnar den öppen")
        unanswered = {}
        for key, why in unanswered_raw.items():
            if str(key) not in qs:
                self.fail(item, f"unanswered: okänd fråga '{key}' (finns inte i riktlinjen)")
            if str(key) in merged:
                self.fail(item, f"unanswered: '{key}' har ett svar under answers eller dates; ta bort det ena")
            if not str(why or "").strip():
                self.fail(item, f"unanswered: skriv varför berättelsen lämnar '{key}' obesvarad")
            unanswered[str(key)] = self.text(why, item)

        raw_questions = s.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            self.fail(item, "'questions' saknas eller är tom: ange minst en fråga")
        questions, qids = [], set()
        for j, q in enumerate(raw_questions, start=1):
            tq = self.question(q, item, j, merged)
            if tq.id in qids:
                self.fail(item, f"fråge-id '{tq.id}' används två gånger; ge frågorna egna id med 'id:'")
            qids.add(tq.id)
            questions.append(tq)
        return Scenario(sid, self.text(s["title"], item), self.text(s["story"], item), merged,
                        tuple(k for k in dates_raw), decision, today, tuple(questions), unanswered)

    def question(self, q: Any, sitem: str, index: int, answers: dict) -> TrainingQuestion:
        g = self.g
        if not isinstance(q, dict):
            self.fail(sitem, f"fråga nr {index} ska vara ett uppslag med kind och expected")
        kind = str(q.get("kind") or "")
        qid = str(q.get("id") or kind)
        item = f"{sitem}, fråga '{qid or index}'"
        if kind not in QUESTION_KINDS:
            self.fail(item, f"okänd kind '{kind}' (tillåtna: {', '.join(QUESTION_KINDS)})")
        if not _ID.match(qid):
            self.fail(item, "id får bara innehålla små bokstäver a–z, siffror och _")
        if "expected" not in q:
            self.fail(item, "'expected' saknas")
        expected, rule_id = q["expected"], None
        options, several = (), False
        if kind == "choice":
            options, several, expected = self.choice(q, item)
        elif kind == "classification":
            labels = {k: v for k, v in g.classification_labels.items() if k != "ej_bedomd"}
            if expected not in labels:
                self.fail(item, f"okänd bedömning '{expected}' (tillåtna: {', '.join(labels)})")
        elif kind == "steps":
            expected = self.ids(expected, item, {s.id: s.title for s in conditional_steps(g)}, "steg")
        elif kind == "documentation":
            expected = self.ids(expected, item, {d.id: d.title for d in g.documents}, "dokument")
        elif kind == "consent":
            expected = self.ids(expected, item, {a.id: a.label for a in g.actions}, "åtgärds")
        else:
            rule_id = str(q.get("deadline") or "")
            if rule_id not in {d.id for d in g.deadlines}:
                self.fail(item, f"okänd tidsfrist '{rule_id}' i deadline "
                                f"(tillåtna: {', '.join(d.id for d in g.deadlines)})")
            expected = self.date(expected, item, "expected")
            rule = g.deadline(rule_id)
            anchor = rule.from_question or rule.date_question
            if anchor not in answers:
                self.fail(item, f"fristen kan inte räknas ut: övningsfallet saknar datum för '{anchor}' under dates")
        if kind == "choice" and not q.get("section"):
            self.fail(item, "'section' saknas: en flervalsfråga gäller ett avsnitt i riktlinjen, och svaren "
                            "hämtas ur dess text")
        if kind == "choice" and not str(q.get("prompt") or "").strip():
            self.fail(item, "'prompt' saknas: skriv frågan som deltagaren ska svara på")
        section = str(q.get("section") or (g.deadline(rule_id).section if rule_id else DEFAULT_SECTIONS[kind]))
        if g.section(section) is None:
            self.fail(item, f"okänt avsnitt '{section}' (finns inte under sections i riktlinjen)")
        return TrainingQuestion(qid, kind, self.text(q.get("prompt") or QUESTION_KINDS[kind], item), section,
                                expected, rule_id, self.text(q.get("explanation"), item), options, several)

    def choice(self, q: dict, item: str) -> tuple[tuple[ChoiceOption, ...], bool, Any]:
        raw = q.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail(item, "'options' ska vara en lista med minst två svarsalternativ (id, text och, för de "
                            "rätta, quote: orden ur riktlinjen)")
        options, seen = [], set()
        for k, o in enumerate(raw, start=1):
            if not isinstance(o, dict):
                self.fail(item, f"svarsalternativ nr {k} ska vara ett uppslag med id och text")
            oid = str(o.get("id") or "")
            if not _ID.match(oid):
                self.fail(item, f"svarsalternativ nr {k}: id saknas eller innehåller annat än a–z, siffror och _")
            if oid in seen:
                self.fail(item, f"svarsalternativet '{oid}' står två gånger")
            seen.add(oid)
            text = self.text(o.get("text"), item)
            if not text:
                self.fail(item, f"svarsalternativet '{oid}': 'text' saknas")
            options.append(ChoiceOption(oid, text, _norm(o.get("quote") or "")))
        several = bool(q.get("multiple", False))
        expected = q["expected"]
        if several:
            expected = self.ids(expected, item, {o.id: o.text for o in options}, "svarsalternativ")
            if not expected:
                self.fail(item, "expected ska ange minst ett rätt svarsalternativ")
        elif str(expected) not in seen:
            self.fail(item, f"okänt svarsalternativ '{expected}' i expected (tillåtna: {', '.join(seen)}); "
                            "skriv multiple: true om flera alternativ kan vara rätt")
        else:
            expected = str(expected)
        right = set(expected) if several else {expected}
        for o in options:
            if o.id in right and not o.quote:
                self.fail(item, f"svarsalternativet '{o.id}' är rätt enligt expected men saknar quote: skriv de "
                                "ord i riktlinjens avsnitt som visar att det är rätt")
        return tuple(options), several, expected


def load_scenarios(path: str | os.PathLike | None = None, g: Guideline | None = None,
                   own_code: str | None = None) -> ScenarioSet:
    """Load and validate a scenario file against the guideline. Raises ScenarioError."""
    g = g or default_guideline()
    if own_code is None:
        from .settings import default_settings
        own_code = default_settings().municipality_code
    path = Path(path) if path else default_scenarios_path(g)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{path}: filen med övningsfall finns inte.") from None
    except yaml.YAMLError as e:
        raise ScenarioError(f"{path}: filen är inte giltig YAML ({e}).") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: filen ska innehålla ett uppslag med id, title och scenarios.")
    return _Loader(path, raw, g, own_code).load()


def default_scenarios_path(g: Guideline | None = None) -> Path:
    """$DUMPNING_SCENARIOS, else scenarios/<guideline id>.yaml in the package."""
    env = os.environ.get("DUMPNING_SCENARIOS")
    return Path(env) if env else SCENARIOS_DIR / f"{(g or default_guideline()).id}.yaml"


@lru_cache(maxsize=4)
def _cached(path: str, mtime: float, guideline_source: str, guideline_mtime: float) -> ScenarioSet:
    return load_scenarios(path)


def default_scenarios() -> ScenarioSet:
    g = default_guideline()
    p = default_scenarios_path(g)
    if not p.exists():
        raise ScenarioError(f"{p}: filen med övningsfall finns inte.")
    return _cached(str(p), p.stat().st_mtime, str(g.source), g.source.stat().st_mtime)


# ---- what the kit says ------------------------------------------------------------------

def conditional_steps(g: Guideline):
    """The steps that apply only under a condition: the ones worth asking about."""
    return [s for s in g.steps if s.applies is not None]


def required_documents(g: Guideline, state: CaseState) -> list[str]:
    """Documents the case calls for as it stands.

    A document named by an action in the plan is required unless that action waits for,
    or lacks, the person's consent. A document no action names (the assessment itself)
    is required whenever its own precondition holds.
    """
    named = {a.document for a in g.actions if a.document}
    wanted = {i.action.document for i in state.action_plan
              if i.action.document and i.status not in ("vantar_samtycke", "inget_samtycke")}
    wanted |= {d.id for d in g.documents if d.id not in named and state.holds(d.requires)}
    return [d.id for d in g.documents if d.id in wanted]


def kit_answer(g: Guideline, sc: Scenario, q: TrainingQuestion) -> Any:
    """The right answer as the kit computes it now: str, tuple of ids, or a date."""
    state = sc.state(g)
    if q.kind == "classification":
        return state.classification
    if q.kind == "steps":
        return tuple(s.id for s in conditional_steps(g) if state.step_applies(s.id))
    if q.kind == "documentation":
        return tuple(required_documents(g, state))
    if q.kind == "consent":
        return tuple(i.action.id for i in state.action_plan if i.action.consent)
    if q.kind == "choice":
        right = tuple(o.id for o in q.options if quote_found(g, q.section, o.quote))
        return right if q.several else (right[0] if len(right) == 1 else right)
    return state.deadline_due(q.deadline)


def quote_found(g: Guideline, section_id: str, quote: str) -> bool:
    """True if the quote stands, word for word, in the section's text in the guideline file."""
    section = g.section(section_id)
    return bool(quote) and section is not None and _norm(quote) in _norm(section.text)


def choices(g: Guideline, sc: Scenario, q: TrainingQuestion) -> list[tuple[str, str]]:
    """(label, value) pairs the trainee chooses from; labels come from the guideline file."""
    if q.kind == "classification":
        return [(g.classification_labels[k], k) for k in CLASSIFICATION_ORDER if k != "ej_bedomd"]
    if q.kind == "steps":
        return [(f"{s.title} (avsnitt {s.section})", s.id) for s in conditional_steps(g)]
    if q.kind == "documentation":
        return [(f"{d.title} (avsnitt {d.section})", d.id) for d in g.documents]
    if q.kind == "consent":
        return [(i.action.label, i.action.id) for i in sc.state(g).action_plan]
    if q.kind == "choice":
        return [(o.text, o.id) for o in q.options]
    return []


def _same(q: TrainingQuestion, a: Any, b: Any) -> bool:
    if q.multiple:
        return set(a or ()) == set(b or ())
    return a == b


def unanswered_questions(g: Guideline, sc: Scenario, state: CaseState | None = None) -> list[str]:
    """Questions the caseworker's form shows for this case that the scenario leaves blank
    without saying why (``unanswered``). A scenario answers everything its story tells."""
    state = state or sc.state(g)
    out = []
    for step in g.steps:
        if not state.step_applies(step.id):
            continue
        for q in step.questions:
            if q.id in state.answers or q.id in sc.unanswered or q.type in NOT_IN_STORIES:
                continue
            if not state.holds(q.relevant):
                continue
            if q.requires is not None and not state.holds(q.requires):
                continue  # the form would refuse an answer now (a consent not given, for example)
            out.append(q.id)
    return out


def drift(g: Guideline, scenarios: ScenarioSet | Iterable[Scenario]) -> list[str]:
    """Swedish lines for every expected answer in the file that the kit no longer gives."""
    items = scenarios.scenarios if isinstance(scenarios, ScenarioSet) else scenarios
    out = []
    for sc in items:
        state = sc.state(g)
        for key in sc.answers:
            q = g.questions[key]
            if key not in state.answers:
                out.append(f"Övningsfall '{sc.id}': svaret på '{key}' räknas inte, eftersom frågan inte är aktuell "
                           "med de andra svaren. Ta bort svaret eller ändra de svar som frågan hänger på.")
            elif q.requires is not None and not state.holds(q.requires):
                out.append(f"Övningsfall '{sc.id}': svaret på '{key}' går inte ihop med riktlinjens regler: "
                           f"{q.requires_message or 'villkoret för frågan är inte uppfyllt.'}")
        for key in unanswered_questions(g, sc, state):
            out.append(f"Övningsfall '{sc.id}': frågan '{key}' ({g.questions[key].label}) visas i fallet men "
                       "har inget svar. Svara som berättelsen säger, eller skriv under unanswered varför "
                       "berättelsen lämnar den öppen.")
        for key in sc.unanswered:
            if key in sc.answers:
                out.append(f"Övningsfall '{sc.id}': '{key}' står både under unanswered och bland svaren.")
        for q in sc.questions:
            live = kit_answer(g, sc, q)
            if q.kind == "choice":
                for o in q.options:
                    if o.quote and not quote_found(g, q.section, o.quote):
                        out.append(f"Övningsfall '{sc.id}', fråga '{q.id}': citatet för svarsalternativet "
                                   f"'{o.id}' står inte längre i avsnitt {q.section} i riktlinjen: ”{o.quote}”.")
            if not _same(q, q.expected, live):
                out.append(f"Övningsfall '{sc.id}', fråga '{q.id}': filen säger {_plain(q.expected)}, "
                           f"men verktyget räknar nu fram {_plain(live)}.")
    return out


def _plain(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, (tuple, list)):
        return "[" + ", ".join(str(x) for x in v) + "]" if v else "[] (inget)"
    return str(v)


# ---- feedback ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Feedback:
    correct: bool
    headline: str                  # "Rätt!" / "Inte riktigt."
    given: str                     # the trainee's answer, in words
    expected: str                  # the kit's answer, in words
    explanation: str               # why, in plain Swedish
    points: tuple[str, ...]        # details, one line each
    trainer_note: str              # the trainer's explanation from the scenario file
    section_id: str
    section_title: str
    section_text: str              # quoted from the guideline file, not retyped
    law: str = ""                  # e.g. "2 a kap. 10 § SoL (2001:453)"

    @property
    def section_heading(self) -> str:
        return f"Avsnitt {self.section_id} {self.section_title}"


def _ids_text(labels: dict[str, str], ids: Iterable[str]) -> str:
    ids = list(ids)
    return "; ".join(labels.get(i, i).rstrip(".") for i in ids) if ids else "Inget av alternativen"


def normalise_answer(g: Guideline, sc: Scenario, q: TrainingQuestion, answer: Any) -> Any:
    """Check an answer from a widget (any client can set widget values). Raises UserError."""
    if q.kind == "deadline":
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            raise UserError("Välj ett datum först.")
        if isinstance(answer, dt.datetime):
            return answer.date()
        if isinstance(answer, dt.date):
            return answer
        try:
            return dt.date.fromisoformat(str(answer).strip())
        except ValueError:
            raise UserError("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-12-28.") from None
    allowed = {v for _, v in choices(g, sc, q)}
    if not q.multiple:
        if not isinstance(answer, str) or answer not in allowed:
            raise UserError("Välj ett av alternativen först.")
        return answer
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise UserError("Välj bland alternativen.")
    picked = tuple(dict.fromkeys(str(a) for a in answer))
    if any(a not in allowed for a in picked):
        raise UserError("Välj bland alternativen.")
    return picked


def evaluate(g: Guideline, sc: Scenario, q: TrainingQuestion, answer: Any) -> Feedback:
    """Judge a trainee's answer against the kit's own assessment of the scenario."""
    answer = normalise_answer(g, sc, q, answer)
    state = sc.state(g)
    live = kit_answer(g, sc, q)
    correct = _same(q, answer, live)
    law = ""
    if q.kind == "classification":
        given, expected = g.classification_labels[answer], g.classification_labels[live]
        explanation, points = _explain_classification(g, state)
    elif q.kind == "steps":
        labels = {s.id: s.title for s in g.steps}
        given, expected = _ids_text(labels, answer), _ids_text(labels, live)
        explanation, points = _explain_steps(g, state)
    elif q.kind == "documentation":
        labels = {d.id: d.title for d in g.documents}
        given, expected = _ids_text(labels, answer), _ids_text(labels, live)
        explanation, points = _explain_documents(g, state, live)
    elif q.kind == "consent":
        labels = {a.id: a.label for a in g.actions}
        given, expected = _ids_text(labels, answer), _ids_text(labels, live)
        explanation, points = _explain_consent(g, state)
    elif q.kind == "choice":
        labels = {o.id: o.text for o in q.options}
        given = _ids_text(labels, answer if q.several else [answer])
        expected = _ids_text(labels, live if isinstance(live, tuple) else [live])
        explanation, points = _explain_choice(g, q)
    else:
        rule = g.deadline(q.deadline)
        given = swedish_date(answer, weekday=True)
        law = g.law_text(rule.law)
        if live is None:  # the rules no longer give this deadline for the case (drift() tells the trainer)
            expected = "Ingen frist i det här fallet"
            explanation, points = ("Med riktlinjens regler i dag gäller den här fristen inte i fallet.", [])
        else:
            expected = swedish_date(live, weekday=True)
            explanation, points = _explain_deadline(g, state, rule)
    section = g.section(q.section)
    return Feedback(correct, "Rätt!" if correct else "Inte riktigt.", given, expected, explanation,
                    tuple(points), q.explanation, section.id, section.title, section.text, law)


def _explain_classification(g: Guideline, state: CaseState) -> tuple[str, list[str]]:
    """The suggestion in the guideline's terms (section 1.1 as rules), then the supporting signs."""
    c, reasons = state.classification, state.reasons
    lead = f"Verktyget föreslår: {state.classification_label}."
    if c == "oklart" and reasons and reasons[0].kind == "motstridigt":
        text = f"{lead} {reasons[0].text}"
        points, seen = [], set()
        for outcome, checks in state.outcome_checks:  # what holds, grouped by the outcome it points to
            for r, holds in zip(outcome.requires, checks):
                if holds is True and r.text not in seen:
                    seen.add(r.text)
                    points.append(f"Stämmer med ”{g.classification_labels[outcome.id]}”: {r.text}")
    elif c == "oklart":
        text = f"{lead} Ett villkor i avsnitt 1.1 är inte klarlagt än, så riktlinjen ger inget svar ännu."
        points = [r.text for r in reasons]
    elif c == "ej_bedomd":
        text, points = f"{lead} Fallet saknar svar på bedömningsfrågorna.", []
    else:
        text = f"{lead} Alla villkor i avsnitt 1.1 för förslaget är uppfyllda."
        points = [f"Uppfyllt: {r.text}" for r in reasons]
    if state.signals:
        head = ("Stärker misstanken" if c == "misstanke" else
                "Kan stärka en misstanke men räcker inte ensamt")
        points += [f"{head} (avsnitt {s.question.section}): {s.indicator.text}" for s in state.signals]
    text += (" Tecknen i avsnitt 1.1.1, 1.1.2.2 och 1.1.3 kan stärka en misstanke men skapar ingen på egen hand. "
             "Förslaget är ett stöd: det är handläggaren som beslutar, med motivering.")
    if state.decision:
        text += f" Registrerat beslut i fallet: {g.decision_options[state.decision]}."
    return text, points


def _explain_choice(g: Guideline, q: TrainingQuestion) -> tuple[str, list[str]]:
    section = g.section(q.section)
    text = f"Svaret står i riktlinjens text, avsnitt {section.id} {section.title}."
    points = []
    for o in q.options:
        if quote_found(g, q.section, o.quote):
            points.append(f"{o.text.rstrip('.')} – ja, riktlinjen säger: ”{o.quote}”.")
        else:
            points.append(f"{o.text.rstrip('.')} – nej, det står inte i avsnitt {section.id}.")
    return text, points


def _explain_steps(g: Guideline, state: CaseState) -> tuple[str, list[str]]:
    always = [s.title for s in g.steps if s.applies is None]
    text = (f"{' och '.join(always)} gäller i alla ärenden. Övriga steg gäller bara under vissa villkor "
            "i riktlinjen.")
    points = []
    for s in conditional_steps(g):
        if state.step_applies(s.id):
            points.append(f"{s.title} (avsnitt {s.section}): gäller i det här fallet.")
        else:
            points.append(f"{s.title} (avsnitt {s.section}): gäller inte. {s.not_applicable}".strip())
    return text, points


def _explain_documents(g: Guideline, state: CaseState, live: tuple[str, ...]) -> tuple[str, list[str]]:
    by_doc = {i.action.document: i for i in state.action_plan if i.action.document}
    points = []
    for d in g.documents:
        item = by_doc.get(d.id)
        if d.id in live:
            why = f"åtgärden ”{item.action.label}”" if item else "dokumenteras i varje ärende"
            points.append(f"{d.title} (avsnitt {d.section}): ja – {why}.")
        elif item and item.status == "inget_samtycke":
            points.append(f"{d.title}: nej – personen har inte samtyckt.")
        elif item and item.status == "vantar_samtycke":
            points.append(f"{d.title}: först om personen samtycker.")
    text = ("Det som ska dokumenteras följer av åtgärderna som gäller i fallet. Personens upplevelse ska "
            "dokumenteras så att det tydligt framgår om hen upplevde så kallat mellantvång.")
    return text, points


def _explain_consent(g: Guideline, state: CaseState) -> tuple[str, list[str]]:
    replies = {"ja": "personen har samtyckt", "nej": "personen har sagt nej"}
    points = []
    for i in state.action_plan:
        if i.action.consent:
            reply = replies.get(state.answers.get(i.action.consent), "personen har inte svarat än")
            points.append(f"{i.action.label} (avsnitt {i.action.section}): kräver samtycke – {reply}.")
    text = ("Riktlinjen kräver den enskildes samtycke för vissa åtgärder. Övriga åtgärder i fallet "
            "kräver inget samtycke enligt riktlinjen.")
    if not points:
        points = ["Ingen av åtgärderna i det här fallet kräver samtycke."]
    return text, points


def _closed_reason(day: dt.date) -> str:
    """'julafton', 'alla helgons dag', or 'ingen vardag' for an ordinary weekend day."""
    name = holiday_name(day)
    if name:  # "Julafton" -> "julafton"; names of persons and countries keep their capital
        return name if name.split()[0] in ("Kristi", "Sveriges") else name[0].lower() + name[1:]
    return "ingen vardag"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _explain_deadline(g: Guideline, state: CaseState, rule) -> tuple[str, list[str]]:
    qs = g.questions
    due = state.deadline_due(rule.id)
    points: list[str] = []
    if rule.date_question:
        anchor = qs[rule.date_question].label
        text = f"Fristen är det datum som står i ”{anchor}”: {swedish_date(due, weekday=True)}."
    else:
        start = state.answers[rule.from_question]
        anchor = qs[rule.from_question].label
        text = f"{rule.label} räknas från ”{anchor}”: {swedish_date(start, weekday=True)}."
        if rule.workdays:
            points.append(f"Räkna {rule.period_text} framåt. Lördagar, söndagar och helgdagar räknas inte.")
            day = start + dt.timedelta(days=1)
            while day < due:
                if is_closed_day(day):
                    name = holiday_name(day)
                    points.append(_cap(f"{swedish_date(day, weekday=True)} är ingen arbetsdag"
                                       f"{f' ({_closed_reason(day)})' if name else ''}."))
                day += dt.timedelta(days=1)
        else:
            raw = add_months(start, rule.months) + dt.timedelta(weeks=rule.weeks, days=rule.days)
            points.append(_cap(f"{rule.period_text} senare är {swedish_date(raw, weekday=True)} "
                               "(lag 1930:173, 1 §)."))
            day = raw
            while day < due:
                points.append(_cap(f"{swedish_date(day, weekday=True)} är {_closed_reason(day)}, så fristen "
                                   "flyttas till nästa dag (lag 1930:173, 2 §)."))
                day += dt.timedelta(days=1)
        points.append(f"Sista dag: {swedish_date(due, weekday=True)}.")
    if rule.explanation:
        points.append(rule.explanation)
    status = next((d for d in state.deadlines if d.rule.id == rule.id), None)
    if status is not None and status.status == "klar":
        points.append("I övningen är åtgärden redan gjord.")
    elif state.today > due:
        points.append(f"I övningen är det {swedish_date(state.today)}, så fristen har gått ut.")
    else:
        left = (due - state.today).days
        when = "sista dagen är i dag" if left == 0 else f"{left} {'dag' if left == 1 else 'dagar'} kvar"
        points.append(f"I övningen är det {swedish_date(state.today)}: {when}.")
    return text, points


# ---- score ----------------------------------------------------------------------------

@dataclass
class Score:
    """First answer to each question counts; later answers are practice."""
    scenarios: ScenarioSet
    results: dict[tuple[str, str], bool] = field(default_factory=dict)
    sections: dict[tuple[str, str], str] = field(default_factory=dict)
    attempts: int = 0

    def record(self, sc: Scenario, q: TrainingQuestion, fb: Feedback) -> bool:
        """Count an answer. True if it was the first answer to that question (so it counted)."""
        self.attempts += 1
        key = (sc.id, q.id)
        if key in self.results:
            return False
        self.results[key] = fb.correct
        self.sections[key] = fb.section_id
        return True

    def answered(self, sc: Scenario, q: TrainingQuestion) -> bool:
        return (sc.id, q.id) in self.results

    @property
    def total(self) -> int:
        return self.scenarios.question_count

    @property
    def answered_count(self) -> int:
        return len(self.results)

    @property
    def correct_count(self) -> int:
        return sum(1 for v in self.results.values() if v)

    @property
    def percent(self) -> int:
        return round(100 * self.correct_count / self.answered_count) if self.answered_count else 0

    @property
    def pass_mark(self) -> int:
        return self.scenarios.pass_mark

    @property
    def total_percent(self) -> int:
        """Right on the first try, out of every question in the training (not only those answered)."""
        return round(100 * self.correct_count / self.total) if self.total else 0

    @property
    def passed(self) -> bool:
        """The pass mark (percent of all questions right on the first try) is reached. Exact: no rounding up."""
        return self.total > 0 and 100 * self.correct_count >= self.pass_mark * self.total

    @property
    def needed(self) -> int:
        """How many questions must be right on the first try to pass."""
        return -(-self.pass_mark * self.total // 100)

    def pass_text(self) -> str:
        head = (f"Gränsen för godkänt är {self.pass_mark} % av alla frågor rätt på första försöket, det vill säga "
                f"{self.needed} av {self.total} frågor.")
        if self.passed:
            return f"{head} Du har {self.correct_count} rätt ({self.total_percent} %): gränsen är nådd, godkänt."
        return (f"{head} Du har {self.correct_count} rätt ({self.total_percent} %): gränsen är inte nådd "
                f"än.")

    def scenarios_done(self) -> list[Scenario]:
        return [s for s in self.scenarios.scenarios if all((s.id, q.id) in self.results for q in s.questions)]

    def sections_to_review(self) -> list[str]:
        wrong = {self.sections[k] for k, ok in self.results.items() if not ok}
        return sorted(wrong, key=lambda s: [int(x) for x in s.split(".") if x.isdigit()])

    def sections_practised(self) -> list[str]:
        return sorted(set(self.sections.values()), key=lambda s: [int(x) for x in s.split(".") if x.isdigit()])

    def summary(self, g: Guideline) -> str:
        if not self.results:
            return (f"Du har inte svarat på någon fråga än. Det finns {self.total} frågor i "
                    f"{len(self.scenarios.scenarios)} övningsfall.")
        text = (f"Du har svarat på {self.answered_count} av {self.total} frågor. {self.correct_count} av "
                f"{self.answered_count} var rätt på första försöket ({self.percent} %).")
        review = self.sections_to_review()
        if review:
            names = ", ".join(f"{s} {g.section(s).title}" for s in review)
            text += f" Läs gärna igen: {names}."
        return f"{text} {self.pass_text()}"


# ---- certificate ------------------------------------------------------------------------

def clean_name(name: Any) -> str:
    """The trainee's typed name, trimmed. Raises UserError (Swedish)."""
    text = " ".join(str(name or "").split())
    text = "".join(ch for ch in text if ch.isprintable())
    if not text:
        raise UserError("Skriv ditt namn för att skapa intyget.")
    if len(text) > NAME_MAX:
        raise UserError(f"Namnet är för långt: högst {NAME_MAX} tecken.")
    return text


def certificate_html(name: str, score: Score, g: Guideline | None = None, *, date: dt.date | None = None,
                     settings=None) -> str:
    """A static, offline Swedish HTML certificate through nbconvert (the kit's document template).

    Holds the typed name (escaped) and the result, nothing else about the trainee, and no
    details of the fictitious cases beyond their titles.
    """
    from html import escape

    from .render import Document, Letterhead, to_html
    from .settings import default_settings, today

    g = g or default_guideline()
    settings = settings or default_settings()
    name = clean_name(name)
    if not score.answered_count:
        raise UserError("Svara på minst en fråga innan du skapar ett intyg.")
    date = date or today()
    e = lambda s: escape(str(s), quote=True)  # noqa: E731
    done = score.scenarios_done()
    parts = [
        f'<p class="dk-cert-name" style="font-size: 1.4em; font-weight: bold">{e(name)}</p>',
        f"<p>har övat på {e(g.title)} ({e(g.municipality)}) med påhittade övningsfall.</p>",
        "<h2>Resultat</h2>",
        f"<p>{score.correct_count} av {score.answered_count} besvarade frågor rätt på första försöket "
        f"({score.percent} %). Det finns {score.total} frågor i övningen.</p>",
        f'<p class="dk-cert-pass"><strong>{"Godkänt" if score.passed else "Inte godkänt än"}.</strong> '
        f"Gränsen för godkänt är {score.pass_mark} % av alla frågor rätt på första försöket "
        f"({score.needed} av {score.total}). Resultatet är {score.correct_count} av {score.total} "
        f"({score.total_percent} %), så gränsen är {'nådd' if score.passed else 'inte nådd'}.</p>",
    ]
    if done:
        parts.append(f"<h2>Genomförda övningsfall ({len(done)} av {len(score.scenarios.scenarios)})</h2><ul>")
        parts += [f"<li>{e(s.title)}</li>" for s in done]
        parts.append("</ul>")
    practised = score.sections_practised()
    if practised:
        parts.append("<h2>Avsnitt i riktlinjen som övningen tog upp</h2><ul>")
        parts += [f"<li>{e(s)} {e(g.section(s).title)}</li>" for s in practised]
        parts.append("</ul>")
    parts.append("<p><small>Intyget visar resultatet av en övning. Övningsfallen är påhittade och "
                 "intyget innehåller inga uppgifter om verkliga ärenden.</small></p>")
    doc = Document(title="Utbildningsintyg", body_html="\n".join(parts), diarienummer="", date=date,
                   letterhead=Letterhead(municipality=settings.municipality, body=settings.social_services))
    return to_html(doc)


# ---- slides ---------------------------------------------------------------------------

#: Cell metadata that marks the notebook cell standing for every scenario in the file.
SLIDES_MARK = {"dumpning": {"slides": "scenarios"}}


def _marked(cell) -> bool:
    return (cell.get("metadata", {}).get("dumpning") or {}).get("slides") == "scenarios"


def expand_notebook(nb, scenarios: ScenarioSet | None = None):
    """One slide per scenario in the file, in place of the marked cell.

    The training notebook has a single cell ``app.scenarios()`` marked with SLIDES_MARK: run as
    it is (JupyterLab, nbclient, the app's Voilà page) it shows every scenario one after the
    other. For the slides it becomes one cell ``app.scenario("<id>")`` per scenario, each its
    own slide, so a scenario added to the file gets its slide without editing the notebook.
    A broken scenario file leaves the cell as it is: the cell then shows the problem.
    """
    import nbformat

    if not any(_marked(c) for c in nb.cells):
        return nb
    try:
        scenarios = scenarios or default_scenarios()
    except GuidelineError:
        return nb
    cells = []
    for cell in nb.cells:
        if not _marked(cell):
            cells.append(cell)
            continue
        for sc in scenarios.scenarios:
            new = nbformat.v4.new_code_cell(f'app.scenario("{sc.id}")')
            new.metadata = {"slideshow": {"slide_type": "slide"}, "dumpning": {"scenario": sc.id}}
            cells.append(new)
    nb.cells = cells
    return nb


try:  # the slides template (voila/templates/dumpning_reveal/conf.json) runs this before the notebook
    from nbconvert.preprocessors import Preprocessor as _Preprocessor
except ImportError:  # pragma: no cover - nbconvert is a dependency of the kit
    _Preprocessor = object


class ScenarioSlides(_Preprocessor):
    """nbconvert preprocessor: :func:`expand_notebook` on the notebook about to be shown as slides."""

    def preprocess(self, nb, resources):
        return expand_notebook(nb), resources
