"""Bedömning och sammanställning (guideline 1.1.3): the whole case on paper.

Case data, every relevant answer grouped by guideline section, the indicators and the
suggested classification, the caseworker's decision, the action plan with deadlines, the
case's dates and its event log, and the note that the cited law has been replaced.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from ..render import swedish_date
from . import Draft, Source

STOCKHOLM = ZoneInfo("Europe/Stockholm")
#: Reads of a case are logged too, but say nothing about what was done in it.
HIDDEN_EVENTS = frozenset({"oppnat", "last"})


def _when(t) -> str:
    local = t.astimezone(STOCKHOLM)
    return f"{swedish_date(local.date())} kl. {local:%H:%M}"


def _event_text(src: Source, e) -> str:
    from ..store import EVENT_LABELS  # noqa: PLC0415 - store imports assessment; keep this module light
    what = EVENT_LABELS.get(e.kind, e.kind)
    changes = e.detail.get("changes") or {}
    if changes:
        labels = [src.g.questions[k].label.rstrip("?") for k in changes if k in src.g.questions]
        shown = labels[:6]
        what += ": " + ", ".join(shown) + (f" och {len(labels) - 6} till" if len(labels) > 6 else "")
    if e.kind == "beslut":
        what += ": " + src.g.decision_options.get((e.detail.get("new") or {}).get("outcome"), "")
    if e.kind == "exporterat":
        fmt = str(e.detail.get("format", "")).upper()
        what += f": {e.detail.get('title', '')}" + (f" ({fmt})" if fmt else "")
    return what


def draft(src: Source, events=()) -> Draft:
    src.need("diarienummer")
    src.check()
    g, st = src.g, src.state
    sections = []
    for s in g.sections:
        rows = []
        for q in g.questions.values():
            if q.section != s.id or src.a(q.id) is None:
                continue
            rows.append(dict(label=q.label, answer=src.show(q.id), long=q.type == "textarea",
                             law=g.law_text(q.law)))
        if rows:
            sections.append(dict(id=s.id, title=s.title, rows=rows))
    d = src.case.decision
    decision = None
    if d is not None:
        decision = dict(outcome=g.decision_options.get(d.outcome, d.outcome), motivation=d.motivation,
                        date=d.date, by=d.by)
    actions = [dict(label=i.action.label, section=i.action.section, law=g.law_text(i.action.law),
                    status=i.label, deadline=i.deadline.describe() if i.deadline else "")
               for i in st.action_plan]
    dates = [(v, q.label.rstrip("?")) for q in g.questions.values() if q.type == "date"
             for v in [src.a(q.id)] if v is not None]
    if d is not None:
        dates.append((d.date, f"Beslut: {g.decision_options.get(d.outcome, d.outcome)}"))
    dates.sort(key=lambda r: r[0])
    log = [(_when(e.at), e.user, _event_text(src, e)) for e in events if e.kind not in HIDDEN_EVENTS]
    status = "Avslutat" if src.case.closed else "Öppet"
    facts = src.person_facts() + [
        ("Handläggare", str(src.a("handlaggare") or "")),
        ("Ärendets status", status),
    ]
    return Draft(
        template="bedomning.html.j2",
        title=g.document("bedomning").title,
        date=src.today,
        sender=src.social_services,
        signature=src.caseworker_signature() if src.a("handlaggare") else [],
        values=dict(
            facts=[(k, v) for k, v in facts if v], guideline=g.title, own=src.own, sections=sections,
            classification=st.classification_label,
            reasons=[(r.text, r.section) for r in st.reasons], reasons_lead=_reasons_lead(st),
            signals=[(s.indicator.text, s.question.section) for s in st.signals
                     if st.classification in ("misstanke", "oklart")],
            signals_lead=("Det här stärker misstanken:" if st.classification == "misstanke" else
                          "Det här kan stärka en misstanke, men räcker inte ensamt:"),
            decision=decision, decision_section=g.decision_section, actions=actions, dates=dates,
            log=log, notice=g.replacement_notice(src.settings.law_mapping),
        ),
    )


def _reasons_lead(st) -> str:
    if st.classification == "oklart":
        if st.reasons and st.reasons[0].kind == "motstridigt":
            return "Svaren pekar åt olika håll:"
        return "Det här behöver utredas innan ärendet kan bedömas:"
    return "Därför:"
