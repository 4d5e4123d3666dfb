"""Answers -> suggested classification, step status, action plan and deadlines.

The kit suggests; the caseworker decides. Nothing here records a decision.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from .case import Case
from .deadlines import DeadlineStatus, due_date, status_of
from .guideline import Action, Context, Guideline, Indicator, Outcome, Question, Step, evaluate, evaluate3

CLASSIFICATION_ORDER = ("ej_bedomd", "inga_tecken", "oklart", "misstanke", "berattigad")


@dataclass(frozen=True)
class Signal:
    question: Question
    answer: str
    indicator: Indicator


@dataclass(frozen=True)
class Reason:
    """One line of the suggestion's explanation."""
    kind: str       # "krav" (a requirement that holds) | "ta_reda_pa" (what to find out) | "motstridigt"
    text: str
    section: str


@dataclass(frozen=True)
class StepStatus:
    step: Step
    applies: bool
    status: str                    # "ej_aktuellt" | "ej_paborjat" | "ofullstandigt" | "klart"
    missing: tuple[Question, ...]  # required and relevant but unanswered
    reason: str                    # why it does not apply, from the guideline

    @property
    def label(self) -> str:
        return {"ej_aktuellt": "Inte aktuellt", "ej_paborjat": "Inte påbörjat",
                "ofullstandigt": "Pågår", "klart": "Klart"}[self.status]


@dataclass(frozen=True)
class ActionItem:
    action: Action
    status: str                  # "klar" | "att_gora" | "vantar_samtycke" | "inget_samtycke"
    deadline: DeadlineStatus | None

    @property
    def label(self) -> str:
        return {"klar": "Klar", "att_gora": "Att göra", "vantar_samtycke": "Väntar på samtycke",
                "inget_samtycke": "Görs inte: personen har inte samtyckt"}[self.status]

    @property
    def open(self) -> bool:
        return self.status in ("att_gora", "vantar_samtycke")


class CaseState:
    """Everything derived from one case's answers on a given day.

    Each derived property calls a plain ``_name`` method: mutmut 3 does not mutate decorated
    members, and these are the rules a caseworker is told (`make mutation`)."""

    def __init__(self, g: Guideline, answers: dict[str, Any], *, decision: str | None = None,
                 closed: bool = False, today: dt.date, _filtered: bool = False):
        self.g, self.decision, self.closed, self.today = g, decision, closed, today
        self.raw_answers = answers
        self.answers = answers if _filtered else self._effective(answers)
        self.ctx = Context(self.answers, classification=lambda: self.classification, decision=decision,
                           step_applies=self.step_applies, deadline_passed=self.deadline_passed, closed=closed)
        self._applies: dict[str, bool] = {}

    def _effective(self, answers: dict) -> dict:
        """Only the answers to questions that are relevant now. Hidden answers stay stored
        (nothing is lost) but count for nothing, as in XLSForm."""
        qs, eff = self.g.questions, answers
        # Relevance can cascade (2.2 has a chain of seven: bistånd -> begäran -> … -> IVO:s beslut);
        # a fixed six passes stopped short of it. Relevance only narrows along such chains, so the
        # fixed point comes within len(answers) + 1 passes; the bound guards against a cycle.
        for _ in range(len(answers) + 1):
            probe = CaseState(self.g, eff, decision=self.decision, closed=self.closed, today=self.today,
                              _filtered=True)
            new = {k: v for k, v in answers.items() if k not in qs or probe.relevant(qs[k])}
            if new == eff:
                break
            eff = new
        return eff

    @classmethod
    def of(cls, g: Guideline, case: Case, today: dt.date) -> "CaseState":
        return cls(g, case.answers, decision=case.decision.outcome if case.decision else None,
                   closed=case.closed, today=today)

    def holds(self, cond: Any) -> bool:
        return evaluate(cond, self.ctx)

    # ---- classification ----
    def relevant(self, q: Question) -> bool:
        return self.step_applies(q.step) and self.holds(q.relevant)

    @cached_property
    def outcome_checks(self) -> tuple[tuple[Outcome, tuple[bool | None, ...]], ...]:
        """Each outcome of the guideline with the truth of each of its requirements (None: unknown)."""
        return self._outcome_checks()

    def _outcome_checks(self) -> tuple[tuple[Outcome, tuple[bool | None, ...]], ...]:
        return tuple((o, tuple(evaluate3(r.when, self.answers) for r in o.requires)) for o in self.g.outcomes)

    @cached_property
    def classification(self) -> str:
        """The first outcome whose every requirement holds; 'oklart' when none does; 'ej_bedomd'
        until one of the questions the rules name is answered."""
        return self._classification()

    def _classification(self) -> str:
        if all(self.answers.get(q) is None for q in self.g.classification_questions):
            return "ej_bedomd"
        for outcome, checks in self.outcome_checks:
            if all(c is True for c in checks):
                return outcome.id
        return "oklart"

    @cached_property
    def reasons(self) -> tuple[Reason, ...]:
        """Why the suggestion is what it is, in the guideline's terms."""
        return self._reasons()

    def _reasons(self) -> tuple[Reason, ...]:
        c = self.classification
        if c == "ej_bedomd":
            return ()
        if c != "oklart":
            o, checks = next((o, ch) for o, ch in self.outcome_checks if o.id == c)
            return tuple(Reason("krav", r.text, o.section) for r in o.requires)
        possible = [(o, ch) for o, ch in self.outcome_checks if False not in ch]
        out: dict[str, Reason] = {}
        if possible:
            for o, checks in possible:
                for r, v in zip(o.requires, checks):
                    if v is None:
                        out.setdefault(r.ask, Reason("ta_reda_pa", r.ask, o.section))
            return tuple(out.values())
        out[self.g.conflict_text] = Reason("motstridigt", self.g.conflict_text, "1.1")
        for o, checks in self.outcome_checks:
            for r, v in zip(o.requires, checks):
                if v is True:
                    out.setdefault(r.text, Reason("krav", r.text, o.section))
        return tuple(out.values())

    @cached_property
    def signals(self) -> tuple[Signal, ...]:
        """Supporting signs (1.1.1, 1.1.2.2, 1.1.3): they strengthen a suspicion, never create one."""
        return self._signals()

    def _signals(self) -> tuple[Signal, ...]:
        supporting = {q for o in self.g.outcomes for q in o.supported_by}
        out = []
        for qid in supporting & set(self.answers):
            q = self.g.questions[qid]
            for ind in q.indicators:
                if self.answers[qid] in ind.when:
                    out.append(Signal(q, self.answers[qid], ind))
        order = list(self.g.questions)
        return tuple(sorted(out, key=lambda s: order.index(s.question.id)))

    @property
    def classification_label(self) -> str:
        return self.g.classification_labels[self.classification]

    # ---- steps ----
    def step_applies(self, step_id: str) -> bool:
        if step_id not in self._applies:
            self._applies[step_id] = False  # guards against a step whose condition names itself
            self._applies[step_id] = self.holds(self.g.step(step_id).applies)
        return self._applies[step_id]

    def step_status(self, step: Step) -> StepStatus:
        if not self.step_applies(step.id):
            return StepStatus(step, False, "ej_aktuellt", (), step.not_applicable)
        relevant = [q for q in step.questions if self.holds(q.relevant)]
        missing = tuple(q for q in relevant if q.required and q.id not in self.answers)
        answered = any(q.id in self.answers for q in relevant)
        status = "klart" if answered and not missing else ("ofullstandigt" if answered else "ej_paborjat")
        return StepStatus(step, True, status, missing, "")

    @property
    def steps(self) -> list[StepStatus]:
        return [self.step_status(s) for s in self.g.steps]

    # ---- deadlines and actions ----
    def deadline_due(self, rule_id: str) -> dt.date | None:
        return due_date(self.g.deadline(rule_id), self.answers)[1]

    def deadline_passed(self, rule_id: str) -> bool:
        due = self.deadline_due(rule_id)
        return due is not None and self.today > due

    @cached_property
    def action_plan(self) -> tuple[ActionItem, ...]:
        return self._action_plan()

    def _action_plan(self) -> tuple[ActionItem, ...]:
        items = []
        for a in self.g.actions:
            if not self.holds(a.applies):
                continue
            done = self.holds(a.done_when)
            status = "klar" if done else "att_gora"
            if not done and a.consent:
                consent = self.answers.get(a.consent)
                status = {"ja": "att_gora", "nej": "inget_samtycke"}.get(consent, "vantar_samtycke")
            deadline = None
            if a.deadline:
                start, due = due_date(self.g.deadline(a.deadline), self.answers)
                if due is not None:
                    st, left = status_of(due, done or status == "inget_samtycke", self.today)
                    deadline = DeadlineStatus(self.g.deadline(a.deadline), start, due, done, st, left)
            items.append(ActionItem(a, status, deadline))
        return tuple(items)

    @property
    def deadlines(self) -> list[DeadlineStatus]:
        return [i.deadline for i in self.action_plan if i.deadline is not None]

    @property
    def next_deadline(self) -> DeadlineStatus | None:
        return self._next_deadline()

    def _next_deadline(self) -> DeadlineStatus | None:
        open_ = [d for d in self.deadlines if d.status != "klar"]
        return min(open_, key=lambda d: d.due) if open_ and not self.closed else None

    @property
    def open_actions(self) -> list[ActionItem]:
        return self._open_actions()

    def _open_actions(self) -> list[ActionItem]:
        return [i for i in self.action_plan if i.open] if not self.closed else []

    @property
    def next_action(self) -> ActionItem | None:
        """What to do next, by the process: a required step of the guideline before waiting or
        following up; within each, the earliest deadline first, then the guideline's order."""
        return self._next_action()

    def _next_action(self) -> ActionItem | None:
        items = self.open_actions
        if not items:
            return None
        required = [i for i in items if i.action.kind == "required"]
        pool = required or items
        return min(pool, key=lambda i: (i.deadline is None, i.deadline.due if i.deadline else dt.date.max))

    def document_allowed(self, doc_id: str) -> tuple[bool, str]:
        spec = self.g.document(doc_id)
        ok = self.holds(spec.requires)
        return ok, ("" if ok else spec.refusal)


def assess(g: Guideline, case: Case, today: dt.date) -> CaseState:
    return CaseState.of(g, case, today)


def verdict(st: CaseState) -> dict:
    """The kit's verdict as plain data (the `assess` command's JSON): suggestion, reasons, plan."""
    def deadline(d: DeadlineStatus | None) -> dict | None:
        return None if d is None else {"id": d.rule.id, "label": d.rule.label, "due": d.due.isoformat(),
                                       "status": d.status, "text": d.describe()}
    nxt = st.next_action
    return {
        "classification": st.classification,
        "classification_label": st.classification_label,
        "reasons": [{"kind": r.kind, "text": r.text, "section": r.section} for r in st.reasons],
        "supporting_signs": [{"question": s.question.id, "text": s.indicator.text, "section": s.question.section}
                             for s in st.signals],
        "decision": st.decision,
        "steps": {s.step.id: s.status for s in st.steps},
        "plan": [{"id": i.action.id, "label": i.action.label, "section": i.action.section, "status": i.status,
                  "deadline": deadline(i.deadline)} for i in st.action_plan],
        "open_actions": [i.action.id for i in st.open_actions],
        "next_action": nxt.action.id if nxt else None,
        "deadlines": [deadline(d) for d in st.deadlines],
        "today": st.today.isoformat(),
    }
