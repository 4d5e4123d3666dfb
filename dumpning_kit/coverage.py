"""Which guideline sections are covered by questions, actions, deadlines and documents."""
from __future__ import annotations

from .guideline import Guideline, default_guideline


def coverage_rows(g: Guideline | None = None) -> list[dict]:
    g = g or default_guideline()
    rows = []
    for s in g.sections:
        def under(sec: str) -> bool:  # 1.1.2 covers 1.1.2.1 and 1.1.2.2
            return sec == s.id or sec.startswith(s.id + ".")
        rows.append({
            "section": s.id, "title": s.title,
            "questions": sum(1 for q in g.questions.values() if under(q.section)),
            "actions": sum(1 for a in g.actions if under(a.section)),
            "deadlines": sum(1 for d in g.deadlines if under(d.section)),
            "documents": sum(1 for d in g.documents if under(d.section)),
        })
    return rows
