"""Deadline rules -> due dates, status and the plain Swedish line a caseworker reads.

Every expected date is counted by hand on the 2026 calendar under Lag (1930:173):
1 § same date number (or the month's last day), 2 § a closed last day moves to the next weekday.
"""
import datetime as dt

import pytest

from dumpning_kit.deadlines import STATUS_LABELS, DeadlineStatus, due_date, status_of
from dumpning_kit.guideline import DeadlineRule

D = dt.date
TODAY = D(2026, 11, 27)  # a Friday


def rule(**kw):
    return DeadlineRule(id="r", label="Regel", section="2.2", **kw)


def status(due, st, left, done=False):
    return DeadlineStatus(rule(from_question="x", months=1), None, due, done, st, left)


# ---- status_of ----------------------------------------------------------------------------

@pytest.mark.parametrize("due,done,expected", [
    (D(2026, 11, 26), False, ("forfallen", -1)),   # yesterday: one day overdue
    (D(2026, 11, 24), False, ("forfallen", -3)),
    (D(2026, 11, 27), False, ("idag", 0)),          # the last day itself is not overdue
    (D(2026, 11, 28), False, ("kommande", 1)),
    (D(2026, 12, 27), False, ("kommande", 30)),
    (D(2026, 11, 24), True, ("klar", -3)),          # done: never overdue, days still counted
    (D(2026, 11, 27), True, ("klar", 0)),
    (D(2026, 12, 1), True, ("klar", 4)),
])
def test_status_of(due, done, expected):
    assert status_of(due, done, TODAY) == expected


# ---- the line the caseworker reads ----------------------------------------------------------

@pytest.mark.parametrize("due,st,left,text", [
    (D(2026, 11, 24), "forfallen", -3, "Förfallen sedan 3 dagar (sista dag 2026-11-24)"),
    (D(2026, 11, 26), "forfallen", -1, "Förfallen sedan 1 dag (sista dag 2026-11-26)"),
    (D(2026, 11, 27), "idag", 0, "Sista dag i dag (2026-11-27)"),
    (D(2026, 11, 28), "kommande", 1, "1 dag kvar (sista dag 2026-11-28)"),
    (D(2026, 11, 30), "kommande", 3, "3 dagar kvar (sista dag 2026-11-30)"),
    (D(2026, 11, 20), "klar", -7, "Klar (sista dag var 2026-11-20)"),
    (D(2026, 12, 20), "klar", 23, "Klar (sista dag var 2026-12-20)"),
])
def test_describe(due, st, left, text):
    assert status(due, st, left).describe() == text


def test_describe_never_says_a_negative_number():
    for left in range(-40, 41):
        due = TODAY + dt.timedelta(days=left)
        st, n = status_of(due, False, TODAY)
        line = DeadlineStatus(rule(from_question="x", months=1), None, due, False, st, n).describe()
        assert "-" not in line.split("(")[0], line


@pytest.mark.parametrize("st,label", [("forfallen", "Förfallen"), ("idag", "I dag"), ("kommande", "Kommande"),
                                      ("klar", "Klar")])
def test_status_labels(st, label):
    assert status(TODAY, st, 0).status_label == label
    assert STATUS_LABELS[st] == label


# ---- due_date -------------------------------------------------------------------------------

def test_a_date_question_rule_is_the_date_itself():
    r = rule(date_question="radrum_till")
    assert due_date(r, {"radrum_till": D(2026, 12, 20)}) == (None, D(2026, 12, 20))  # a Sunday: not moved
    assert due_date(r, {}) == (None, None)
    assert due_date(r, {"radrum_till": "2026-12-20"}) == (None, None)  # not a date: no deadline


def test_a_period_rule_needs_its_start_date():
    r = rule(from_question="begaran_mottagen", months=1)
    assert due_date(r, {}) == (None, None)
    assert due_date(r, {"begaran_mottagen": "2026-10-22"}) == (None, None)
    assert due_date(r, {"begaran_mottagen": None}) == (None, None)


@pytest.mark.parametrize("kw,start,due", [
    ({"months": 1}, D(2026, 10, 22), D(2026, 11, 23)),     # 22 Nov is a Sunday -> Monday
    ({"months": 1}, D(2026, 10, 27), D(2026, 11, 27)),     # a Friday: no move
    ({"months": 2}, D(2026, 10, 27), D(2026, 12, 28)),     # 27 Dec is a Sunday -> Monday 28
    ({"months": 3}, D(2026, 11, 10), D(2027, 2, 10)),
    ({"weeks": 2}, D(2026, 11, 2), D(2026, 11, 16)),
    ({"days": 10}, D(2026, 11, 2), D(2026, 11, 12)),
    ({"days": 5}, D(2026, 11, 2), D(2026, 11, 9)),         # 7 Nov is a Saturday -> Monday 9
    ({"months": 1, "weeks": 1, "days": 1}, D(2026, 10, 1), D(2026, 11, 9)),  # 1 Nov + 8 days
    ({"workdays": 1}, D(2026, 11, 26), D(2026, 11, 27)),
    ({"workdays": 1}, D(2026, 11, 27), D(2026, 11, 30)),   # Friday -> Monday
    ({"workdays": 2}, D(2026, 12, 23), D(2026, 12, 29)),   # julafton, juldagen, weekend
])
def test_due_dates_counted_by_hand(kw, start, due):
    r = rule(from_question="start", **kw)
    assert due_date(r, {"start": start}) == (start, due)


def test_workdays_take_precedence_only_when_set():
    # a rule with workdays counts open days, not calendar days
    r = rule(from_question="start", workdays=3)
    assert due_date(r, {"start": D(2026, 11, 26)})[1] == D(2026, 12, 1)
