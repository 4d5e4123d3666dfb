"""Load and validate a guideline file, and evaluate its structured conditions (no eval)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import GuidelineError

QUESTION_TYPES = {"text", "textarea", "yes_no", "yes_no_unknown", "choice", "integer", "date", "personnummer", "kommun"}
YES_NO = {"ja": "Ja", "nej": "Nej"}
YES_NO_UNKNOWN = {"ja": "Ja", "nej": "Nej", "vet_ej": "Vet inte"}
SUGGESTIONS = {"misstanke", "berattigad"}
OUTCOMES = ("misstanke", "berattigad", "inga_tecken")
DECISIONS_REQUIRED = {"faststalld", "inte_dumpning"}
DECISIONS_ALLOWED = {"faststalld", "inte_dumpning", "misstanke"}
ACTION_KINDS = {"required", "follow_up"}
UNKNOWN_ANSWERS = (None, "vet_ej")
_NUMBERS = {1: "en", 2: "två", 3: "tre", 4: "fyra", 5: "fem", 6: "sex", 7: "sju", 8: "åtta", 9: "nio",
            10: "tio", 11: "elva", 12: "tolv"}
CORE_QUESTIONS = ("diarienummer", "namn", "personnummer", "handlaggare", "tidigare_kommun", "ankomstdatum")
CONDITION_LEAVES = {"question", "classification", "decision", "step_applies", "deadline_passed", "closed"}


@dataclass(frozen=True)
class LawRef:
    law: str          # key in Guideline.laws, e.g. "sol2001"
    provision: str    # "2 a kap. 10 §", as the guideline cites it
    key: str          # "sol2001:2 a kap. 10 §"


@dataclass(frozen=True)
class Indicator:
    when: tuple[str, ...]
    suggests: str
    text: str


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: str
    step: str
    section: str
    hint: str = ""
    required: bool = False
    options: dict[str, str] = field(default_factory=dict)
    relevant: Any = None
    requires: Any = None
    requires_message: str = ""
    indicators: tuple[Indicator, ...] = ()
    law: LawRef | None = None
    consent: bool = False
    sensitive: bool = False
    max_length: int | None = None
    min: int | None = None
    max: int | None = None
    not_future: bool = False
    not_before: str | None = None


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    section: str
    intro: str = ""
    applies: Any = None
    not_applicable: str = ""
    questions: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Action:
    id: str
    label: str
    section: str
    step: str
    applies: Any = None
    done_when: Any = None
    deadline: str | None = None
    document: str | None = None
    consent: str | None = None
    law: LawRef | None = None
    kind: str = "required"          # "required" | "follow_up" (waiting, following up)


@dataclass(frozen=True)
class Requirement:
    when: Any
    text: str     # what holds when it is met, in plain Swedish
    ask: str      # what to find out while it is unknown


@dataclass(frozen=True)
class Outcome:
    id: str
    section: str
    requires: tuple[Requirement, ...]
    supported_by: tuple[str, ...] = ()


def _count(n: int, one: str, many: str) -> str:
    return f"{_NUMBERS.get(n, str(n))} {one if n == 1 else many}"


@dataclass(frozen=True)
class DeadlineRule:
    id: str
    label: str
    section: str
    explanation: str = ""
    from_question: str | None = None
    date_question: str | None = None
    months: int = 0
    days: int = 0
    weeks: int = 0
    workdays: int = 0
    law: LawRef | None = None

    @property
    def period_text(self) -> str:
        """The rule's period in words: 'en månad', 'två månader', 'en arbetsdag'."""
        parts = []
        if self.months:
            parts.append(_count(self.months, "månad", "månader"))
        if self.weeks:
            parts.append(_count(self.weeks, "vecka", "veckor"))
        if self.days:
            parts.append(_count(self.days, "dag", "dagar"))
        if self.workdays:
            parts.append(_count(self.workdays, "arbetsdag", "arbetsdagar"))
        return " och ".join(parts)


@dataclass(frozen=True)
class DocumentSpec:
    id: str
    title: str
    section: str
    requires: Any = None
    refusal: str = ""
    law: LawRef | None = None
    applies: Any = None   # the kind of case the document belongs to (None: every case)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Guideline:
    id: str
    title: str
    municipality: str
    laws: dict[str, dict]
    steps: tuple[Step, ...]
    actions: tuple[Action, ...]
    deadlines: tuple[DeadlineRule, ...]
    documents: tuple[DocumentSpec, ...]
    sections: tuple[Section, ...]
    outcomes: tuple[Outcome, ...]
    conflict_text: str
    classification_labels: dict[str, str]
    decision_options: dict[str, str]
    decision_section: str
    decision_hint: str
    source: Path

    @property
    def classification_questions(self) -> tuple[str, ...]:
        """The questions that the classification rules name, in order of first mention."""
        out: dict[str, None] = {}
        for o in self.outcomes:
            for r in o.requires:
                for q in condition_questions(r.when):
                    out[q] = None
        return tuple(out)

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for s in self.steps for q in s.questions}

    def question(self, qid: str) -> Question:
        return self.questions[qid]

    def step(self, sid: str) -> Step:
        return next(s for s in self.steps if s.id == sid)

    def section(self, sid: str) -> Section | None:
        return next((s for s in self.sections if s.id == sid), None)

    def deadline(self, did: str) -> DeadlineRule:
        return next(d for d in self.deadlines if d.id == did)

    def document(self, did: str) -> DocumentSpec:
        return next(d for d in self.documents if d.id == did)

    def law_text(self, ref: LawRef | None) -> str:
        """The citation as written, e.g. '2 a kap. 10 § SoL (2001:453)'."""
        if ref is None:
            return ""
        return f"{ref.provision} {self.laws[ref.law].get('short') or self.laws[ref.law]['name']}"

    def law_note(self, ref: LawRef | None, mapping: dict | None = None) -> str:
        """A plain note that the cited law is replaced, with the municipality's own mapping if any."""
        if ref is None:
            return ""
        law = self.laws[ref.law]
        if not law.get("replaced_by"):
            return ""
        when = law.get("replaced_on")
        when_text = f" den {_swedish_date(when)}" if isinstance(when, dt.date) else ""
        note = f"{law['name']} har ersatts av {law['replaced_by']}{when_text}."
        mapped = (mapping or {}).get(ref.key)
        if mapped:
            return f"{note} Motsvarande bestämmelse enligt kommunens tolkning: {mapped}."
        return f"{note} Kommunen har inte angett motsvarande bestämmelse i den nya lagen."


    def replacement_notice(self, mapping: dict | None = None) -> str:
        """One plain paragraph: which cited laws are replaced, and the municipality's own mapping."""
        parts = []
        for key, law in self.laws.items():
            if not law.get("replaced_by"):
                continue
            when = law.get("replaced_on")
            when_text = f" den {_swedish_date(when)}" if isinstance(when, dt.date) else ""
            parts.append(f"Riktlinjen hänvisar till {law['name']}, som har ersatts av {law['replaced_by']}{when_text}. "
                         "Hänvisningarna står kvar som i riktlinjen.")
            own = {k.split(":", 1)[1]: v for k, v in (mapping or {}).items() if k.startswith(key + ":")}
            if own:
                parts.append("Kommunens egen tolkning av motsvarande bestämmelser: " +
                             "; ".join(f"{old} → {new}" for old, new in own.items()) + ".")
            else:
                parts.append("Kommunen har inte angett motsvarande bestämmelser i den nya lagen.")
        return " ".join(parts)


_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
           "september", "oktober", "november", "december"]


def _swedish_date(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


# ---- loading -------------------------------------------------------------------------

class _Loader:
    def __init__(self, path: Path, raw: dict):
        self.path, self.raw = path, raw

    def fail(self, item: str, problem: str):
        raise GuidelineError(f"{self.path}: {item}: {problem}")

    def text(self, d: dict, key: str, item: str, required: bool = True) -> str:
        v = d.get(key)
        if v is None or (isinstance(v, str) and not v.strip()):
            if required:
                self.fail(item, f"'{key}' saknas")
            return ""
        return str(v).strip()

    def law(self, d: dict, item: str) -> LawRef | None:
        v = d.get("law")
        if v is None:
            return None
        if not isinstance(v, str) or ":" not in v:
            self.fail(item, f"law '{v}' ska skrivas som lag:bestämmelse, till exempel sol2001:2 a kap. 10 §")
        law, provision = v.split(":", 1)
        if law not in self.raw.get("laws", {}):
            self.fail(item, f"okänd lag '{law}' (finns inte under laws)")
        return LawRef(law, provision.strip(), f"{law}:{provision.strip()}")

    def load(self) -> Guideline:
        raw = self.raw
        # Deadlines first: every "{period:ID}" in the file's texts says the rule's own period,
        # so a municipality that changes a period changes every sentence that states it.
        periods = {}
        for d in raw.get("deadlines") or []:
            if isinstance(d, dict) and d.get("id"):
                periods[str(d["id"])] = DeadlineRule(
                    id=str(d["id"]), label="", section="", months=int(d.get("months") or 0),
                    days=int(d.get("days") or 0), weeks=int(d.get("weeks") or 0),
                    workdays=int(d.get("workdays") or 0)).period_text
        raw = self.raw = _substitute_periods(raw, periods, self)
        for key in ("id", "title", "steps", "sections"):
            if not raw.get(key):
                self.fail("filen", f"'{key}' saknas")
        sections = tuple(Section(str(s["id"]), self.text(s, "title", f"avsnitt {s.get('id')}"), str(s.get("text", "")).strip())
                         for s in raw["sections"])
        section_ids = {s.id for s in sections}

        def section_of(d: dict, item: str, default: str | None = None) -> str:
            sid = str(d.get("section") or default or "")
            if not sid:
                self.fail(item, "'section' saknas")
            if sid not in section_ids:
                self.fail(item, f"okänt avsnitt '{sid}'")
            return sid

        steps, seen = [], set()
        for s in raw["steps"]:
            sitem = f"steg '{s.get('id')}'"
            sid = self.text(s, "id", sitem)
            ssec = section_of(s, sitem)
            questions = []
            for q in s.get("questions") or []:
                qitem = f"fråga '{q.get('id')}'"
                qid = self.text(q, "id", qitem)
                if qid in seen:
                    self.fail(qitem, "id:t används redan")
                seen.add(qid)
                qtype = self.text(q, "type", qitem)
                if qtype not in QUESTION_TYPES:
                    self.fail(qitem, f"okänd typ '{qtype}' (tillåtna: {', '.join(sorted(QUESTION_TYPES))})")
                options = {"yes_no": YES_NO, "yes_no_unknown": YES_NO_UNKNOWN}.get(qtype) or \
                    {str(k): str(v) for k, v in (q.get("options") or {}).items()}
                if qtype == "choice" and not options:
                    self.fail(qitem, "en flervalsfråga måste ha 'options'")
                inds = q.get("indicator") or []
                inds = [inds] if isinstance(inds, dict) else inds
                indicators = []
                for ind in inds:
                    when = ind.get("when")
                    when = tuple(str(w) for w in (when if isinstance(when, list) else [when]))
                    if ind.get("suggests") not in SUGGESTIONS:
                        self.fail(qitem, f"indikatorn föreslår okänt '{ind.get('suggests')}'")
                    bad = [w for w in when if w not in options]
                    if bad:
                        self.fail(qitem, f"indikatorn gäller okänt svar '{bad[0]}'")
                    indicators.append(Indicator(when, ind["suggests"], self.text(ind, "text", qitem)))
                questions.append(Question(
                    id=qid, type=qtype, label=self.text(q, "label", qitem), step=sid,
                    section=section_of(q, qitem, ssec), hint=str(q.get("hint") or "").strip(),
                    required=bool(q.get("required")), options=options, relevant=q.get("relevant"),
                    requires=q.get("requires"), requires_message=str(q.get("requires_message") or ""),
                    indicators=tuple(indicators), law=self.law(q, qitem), consent=bool(q.get("consent")),
                    sensitive=bool(q.get("sensitive")), max_length=q.get("max_length"),
                    min=q.get("min"), max=q.get("max"), not_future=bool(q.get("not_future")),
                    not_before=q.get("not_before")))
            steps.append(Step(sid, self.text(s, "title", sitem), ssec, str(s.get("intro") or "").strip(),
                              s.get("applies"), str(s.get("not_applicable") or "").strip(), tuple(questions)))
        qids = {q.id for s in steps for q in s.questions}
        missing_core = [c for c in CORE_QUESTIONS if c not in qids]
        if missing_core:
            self.fail("steps", f"kärnfrågan '{missing_core[0]}' saknas (verktyget behöver {', '.join(CORE_QUESTIONS)})")
        step_ids = {s.id for s in steps}

        deadlines = []
        for d in raw.get("deadlines") or []:
            ditem = f"tidsfrist '{d.get('id')}'"
            frm, date_q = d.get("from"), d.get("date")
            if bool(frm) == bool(date_q):
                self.fail(ditem, "ange antingen 'from' (en datumfråga och en period) eller 'date' (en datumfråga)")
            for ref in (frm, date_q):
                if ref and ref not in qids:
                    self.fail(ditem, f"okänd fråga '{ref}'")
            deadlines.append(DeadlineRule(
                id=self.text(d, "id", ditem), label=self.text(d, "label", ditem), section=section_of(d, ditem),
                explanation=str(d.get("explanation") or "").strip(), from_question=frm, date_question=date_q,
                months=int(d.get("months") or 0), days=int(d.get("days") or 0), weeks=int(d.get("weeks") or 0),
                workdays=int(d.get("workdays") or 0), law=self.law(d, ditem)))
        deadline_ids = {d.id for d in deadlines}

        documents = []
        for d in raw.get("documents") or []:
            ditem = f"dokument '{d.get('id')}'"
            documents.append(DocumentSpec(self.text(d, "id", ditem), self.text(d, "title", ditem), section_of(d, ditem),
                                          d.get("requires"), self.text(d, "refusal", ditem), self.law(d, ditem),
                                          d.get("applies")))
        document_ids = {d.id for d in documents}

        actions = []
        for a in raw.get("actions") or []:
            aitem = f"åtgärd '{a.get('id')}'"
            if a.get("step") not in step_ids:
                self.fail(aitem, f"okänt steg '{a.get('step')}'")
            if a.get("deadline") and a["deadline"] not in deadline_ids:
                self.fail(aitem, f"okänd tidsfrist '{a['deadline']}'")
            if a.get("document") and a["document"] not in document_ids:
                self.fail(aitem, f"okänt dokument '{a['document']}'")
            if a.get("consent") and a["consent"] not in qids:
                self.fail(aitem, f"okänd samtyckesfråga '{a['consent']}'")
            if not a.get("done_when"):
                self.fail(aitem, "'done_when' saknas")
            actions.append(Action(self.text(a, "id", aitem), self.text(a, "label", aitem), section_of(a, aitem),
                                  a["step"], a.get("applies"), a["done_when"], a.get("deadline"), a.get("document"),
                                  a.get("consent"), self.law(a, aitem), self.kind(a, aitem)))

        cls = raw.get("classification") or {}
        dec = raw.get("decision") or {}
        outcomes = self.outcomes(cls, section_of)
        g = Guideline(
            id=str(raw["id"]), title=str(raw["title"]), municipality=str(raw.get("municipality") or ""),
            laws=dict(raw.get("laws") or {}), steps=tuple(steps), actions=tuple(actions),
            deadlines=tuple(deadlines), documents=tuple(documents), sections=sections,
            outcomes=outcomes, conflict_text=" ".join(str(cls.get("conflict") or "").split()),
            classification_labels=dict(cls.get("labels") or {}),
            decision_options=dict(dec.get("options") or {}), decision_section=str(dec.get("section") or "1.1.3"),
            decision_hint=" ".join(str(dec.get("hint") or "").split()),
            source=self.path)
        for key in ("ej_bedomd", "inga_tecken", "oklart", "misstanke", "berattigad"):
            if key not in g.classification_labels:
                self.fail("classification", f"etiketten '{key}' saknas")
        if not g.conflict_text:
            self.fail("classification", "'conflict' saknas (texten när svaren pekar åt olika håll)")
        opts = set(g.decision_options)
        if not DECISIONS_REQUIRED <= opts or not opts <= DECISIONS_ALLOWED:
            self.fail("decision", "options ska vara faststalld och inte_dumpning, och får också ha misstanke")

        # Check every condition's references.
        known = {"question": qids, "step_applies": step_ids, "deadline_passed": deadline_ids,
                 "classification": set(g.classification_labels), "decision": {*g.decision_options, "any", "none"}}
        for s in steps:
            self.check_condition(s.applies, f"steg '{s.id}'", known)
            for q in s.questions:
                self.check_condition(q.relevant, f"fråga '{q.id}'", known)
                self.check_condition(q.requires, f"fråga '{q.id}'", known)
                if q.not_before and q.not_before not in qids:
                    self.fail(f"fråga '{q.id}'", f"okänd fråga '{q.not_before}' i not_before")
        for a in actions:
            self.check_condition(a.applies, f"åtgärd '{a.id}'", known)
            self.check_condition(a.done_when, f"åtgärd '{a.id}'", known)
        for d in documents:
            self.check_condition(d.requires, f"dokument '{d.id}'", known)
            self.check_condition(d.applies, f"dokument '{d.id}'", known)
        qs = g.questions
        for o in outcomes:
            for r in o.requires:
                self.check_condition(r.when, f"bedömningen '{o.id}'", known)
                leaves = condition_leaves(r.when)
                if any(k != "question" for k in leaves):
                    self.fail(f"bedömningen '{o.id}'", "kraven får bara bygga på svar på frågor (question, all, any, not)")
            for qid in o.supported_by:
                if qid not in qs:
                    self.fail(f"bedömningen '{o.id}'", f"supported_by hänvisar till okänd fråga '{qid}'")
                if not qs[qid].indicators:
                    self.fail(f"bedömningen '{o.id}'", f"frågan '{qid}' i supported_by har ingen indikator med text")
        return g

    def kind(self, a: dict, item: str) -> str:
        kind = str(a.get("kind") or "required")
        if kind not in ACTION_KINDS:
            self.fail(item, f"okänd kind '{kind}' (tillåtna: {', '.join(sorted(ACTION_KINDS))})")
        return kind

    def outcomes(self, cls: dict, section_of) -> tuple[Outcome, ...]:
        raw = cls.get("outcomes")
        if not isinstance(raw, list) or not raw:
            self.fail("classification", "'outcomes' saknas: reglerna för förslaget (misstanke, berattigad, inga_tecken)")
        out, seen = [], set()
        for o in raw:
            oid = str((o or {}).get("id") or "")
            item = f"bedömningen '{oid}'"
            if oid not in OUTCOMES:
                self.fail(item, f"okänt förslag (tillåtna: {', '.join(OUTCOMES)})")
            if oid in seen:
                self.fail(item, "förslaget finns redan")
            seen.add(oid)
            reqs = o.get("requires")
            if not isinstance(reqs, list) or not reqs:
                self.fail(item, "'requires' ska vara en lista med krav")
            requires = tuple(Requirement(r.get("when"), self.text(r, "text", item), self.text(r, "ask", item))
                             for r in reqs)
            out.append(Outcome(oid, section_of(o, item), requires,
                               tuple(str(q) for q in (o.get("supported_by") or []))))
        return tuple(out)

    def check_condition(self, cond: Any, item: str, known: dict) -> None:
        if cond is None:
            return
        if not isinstance(cond, dict) or not cond:
            self.fail(item, f"villkoret {cond!r} är inte ett uppslag")
        if "all" in cond or "any" in cond:
            parts = cond.get("all", cond.get("any"))
            if not isinstance(parts, list) or not parts:
                self.fail(item, "all/any ska vara en lista med villkor")
            for p in parts:
                self.check_condition(p, item, known)
            return
        if "not" in cond:
            self.check_condition(cond["not"], item, known)
            return
        leaf = [k for k in cond if k in CONDITION_LEAVES]
        if len(leaf) != 1:
            self.fail(item, f"okänt villkor {cond!r}")
        kind = leaf[0]
        if kind == "closed":
            return
        value = cond[kind]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if str(v) not in known[kind]:
                what = {"question": "fråga", "step_applies": "steg", "deadline_passed": "tidsfrist",
                        "classification": "bedömning", "decision": "beslut"}[kind]
                self.fail(item, f"villkoret hänvisar till okänd {what} '{v}'")
        if kind == "question":
            ops = [k for k in cond if k != "question"]
            if len(ops) != 1 or ops[0] not in ("equals", "in", "answered"):
                self.fail(item, f"villkoret på frågan '{value}' behöver exakt ett av equals, in, answered")


def _substitute_periods(value: Any, periods: dict[str, str], loader: "_Loader", own: str | None = None) -> Any:
    """Replace "{period:ID}" (and "{period}" inside a deadline) with the rule's period in words."""
    if isinstance(value, dict):
        if own is None and any(k in value for k in ("months", "weeks", "days", "workdays")):
            own = str(value.get("id") or "")
        return {k: _substitute_periods(v, periods, loader, own) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute_periods(v, periods, loader, own) for v in value]
    if isinstance(value, str) and "{period" in value:
        def sub(m: re.Match) -> str:
            rid = m.group(1) or own
            if rid not in periods or not periods[rid]:
                loader.fail("texterna", f"okänd tidsfrist '{rid or ''}' i {m.group(0)}")
            return periods[rid]
        return re.sub(r"\{period(?::([a-z0-9_]+))?\}", sub, value)
    return value


def _leaves(cond: Any) -> list[dict]:
    """The leaf conditions of a condition, through all/any/not."""
    if not isinstance(cond, dict):
        return []
    for key in ("all", "any"):
        if key in cond:
            return [leaf for c in cond[key] for leaf in _leaves(c)]
    return _leaves(cond["not"]) if "not" in cond else [cond]


def condition_leaves(cond: Any) -> list[str]:
    """The kinds of leaf conditions ('question', 'decision', …) a condition uses."""
    return [k for leaf in _leaves(cond) for k in leaf if k in CONDITION_LEAVES]


def condition_questions(cond: Any) -> list[str]:
    """The question ids a condition names."""
    return [str(leaf["question"]) for leaf in _leaves(cond) if "question" in leaf]


def load_guideline(path: str | Path) -> Guideline:
    path = Path(path)
    try:
        # libyaml's loader when PyYAML has it: the same safe loading, 7x faster (issue 13)
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError:
        raise GuidelineError(f"{path}: riktlinjefilen finns inte.") from None
    except yaml.YAMLError as e:
        raise GuidelineError(f"{path}: filen är inte giltig YAML ({e}).") from None
    if not isinstance(raw, dict):
        raise GuidelineError(f"{path}: filen ska innehålla ett uppslag med steps, sections m.m.")
    try:
        return _Loader(path, raw).load()
    except GuidelineError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise GuidelineError(f"{path}: filen har fel form ({e}).") from None


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> Guideline:
    return load_guideline(path)


def default_guideline() -> Guideline:
    from .settings import default_settings
    p = default_settings().guideline_path
    return _cached(str(p), p.stat().st_mtime)


# ---- conditions ----------------------------------------------------------------------

class Context:
    """What conditions are evaluated against. Callables are used lazily to avoid cycles."""

    def __init__(self, answers: dict, *, classification=None, decision=None, step_applies=None,
                 deadline_passed=None, closed: bool = False):
        self.answers = answers
        self._classification = classification
        self.decision = decision
        self._step_applies = step_applies
        self._deadline_passed = deadline_passed
        self.closed = closed

    @property
    def classification(self) -> str:
        c = self._classification
        return c() if callable(c) else c


def _answered(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip())


def evaluate(cond: Any, ctx: Context) -> bool:
    """Evaluate a structured condition. None means 'always'."""
    if cond is None:
        return True
    if "all" in cond:
        return all(evaluate(c, ctx) for c in cond["all"])
    if "any" in cond:
        return any(evaluate(c, ctx) for c in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], ctx)
    if "question" in cond:
        v = ctx.answers.get(cond["question"])
        if "answered" in cond:
            return _answered(v) == bool(cond["answered"])
        if "equals" in cond:
            return v == cond["equals"]
        return v in cond["in"]
    if "classification" in cond:
        want = cond["classification"]
        return ctx.classification in (want if isinstance(want, list) else [want])
    if "decision" in cond:
        want = cond["decision"]
        if want == "any":
            return ctx.decision is not None
        if want == "none":
            return ctx.decision is None
        return ctx.decision in (want if isinstance(want, list) else [want])
    if "step_applies" in cond:
        return bool(ctx._step_applies and ctx._step_applies(cond["step_applies"]))
    if "deadline_passed" in cond:
        return bool(ctx._deadline_passed and ctx._deadline_passed(cond["deadline_passed"]))
    if "closed" in cond:
        return ctx.closed == bool(cond["closed"])
    raise ValueError(f"unknown condition {cond!r}")  # the loader rejects these first


def evaluate3(cond: Any, answers: dict) -> bool | None:
    """Kleene's three-valued reading of a condition on answers: None while a question it needs
    is unanswered or answered "Vet inte". Used by the classification rules."""
    if "all" in cond:
        vals = [evaluate3(c, answers) for c in cond["all"]]
        return False if False in vals else (None if None in vals else True)
    if "any" in cond:
        vals = [evaluate3(c, answers) for c in cond["any"]]
        return True if True in vals else (None if None in vals else False)
    if "not" in cond:
        v = evaluate3(cond["not"], answers)
        return None if v is None else not v
    if cond.get("answered") is not None:
        return evaluate(cond, Context(answers))
    if answers.get(cond["question"]) in UNKNOWN_ANSWERS:
        return None
    return evaluate(cond, Context(answers))
