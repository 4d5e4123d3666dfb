"""Deadline rules from the guideline -> due dates and status (kommande, idag, förfallen, klar)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .guideline import DeadlineRule
from .workdays import add_workdays, period_end

STATUS_LABELS = {"forfallen": "Förfallen", "idag": "I dag", "kommande": "Kommande", "klar": "Klar"}


@dataclass(frozen=True)
class DeadlineStatus:
    rule: DeadlineRule
    start: dt.date | None
    due: dt.date
    done: bool
    status: str          # "forfallen" | "idag" | "kommande" | "klar"
    days_left: int       # negative when overdue

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def describe(self) -> str:
        """A plain Swedish line, e.g. 'Förfallen sedan 3 dagar (2026-03-02)'."""
        d = self.due.isoformat()
        if self.status == "klar":
            return f"Klar (sista dag var {d})"
        if self.status == "idag":
            return f"Sista dag i dag ({d})"
        if self.status == "forfallen":
            n = -self.days_left
            return f"Förfallen sedan {n} {'dag' if n == 1 else 'dagar'} (sista dag {d})"
        n = self.days_left
        return f"{n} {'dag' if n == 1 else 'dagar'} kvar (sista dag {d})"


def due_date(rule: DeadlineRule, answers: dict) -> tuple[dt.date | None, dt.date | None]:
    """(start, due) for a rule, or (None, None) while its anchor date is unanswered."""
    if rule.date_question:
        d = answers.get(rule.date_question)
        return (None, d) if isinstance(d, dt.date) else (None, None)
    start = answers.get(rule.from_question)
    if not isinstance(start, dt.date):
        return None, None
    if rule.workdays:
        return start, add_workdays(start, rule.workdays)
    return start, period_end(start, months=rule.months, weeks=rule.weeks, days=rule.days)


def status_of(due: dt.date, done: bool, today: dt.date) -> tuple[str, int]:
    days_left = (due - today).days
    if done:
        return "klar", days_left
    if days_left < 0:
        return "forfallen", days_left
    return ("idag" if days_left == 0 else "kommande"), days_left

