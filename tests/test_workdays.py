"""Deadlines counted as Lag (1930:173) says, on the Swedish calendar."""
import datetime as dt

import pytest

from dumpning_kit.workdays import add_months, add_workdays, is_closed_day, next_open_day, period_end

D = dt.date


@pytest.mark.parametrize("start,months,expected", [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),   # short month: last day of February
    (D(2028, 1, 31), 1, D(2028, 2, 29)),   # leap year
    (D(2026, 3, 31), 1, D(2026, 4, 30)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),  # over the year end
    (D(2026, 8, 31), 6, D(2027, 2, 28)),
    (D(2026, 5, 10), 0, D(2026, 5, 10)),
])
def test_add_months_follows_1_paragraph(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize("day,closed", [
    (D(2026, 4, 3), True),    # långfredagen
    (D(2026, 4, 4), True),    # påskafton (a Saturday)
    (D(2026, 4, 6), True),    # annandag påsk
    (D(2026, 5, 14), True),   # Kristi himmelsfärdsdag
    (D(2026, 5, 15), False),  # klämdag: an ordinary working day
    (D(2026, 5, 13), False),  # dagen före Kristi himmelsfärd (från kl. 14): working day
    (D(2026, 6, 19), True),   # midsommarafton
    (D(2026, 6, 18), False),  # dagen före midsommarafton
    (D(2026, 12, 24), True),  # julafton
    (D(2026, 12, 31), True),  # nyårsafton
    (D(2026, 1, 5), False),   # trettondagsafton: a working day
    (D(2026, 1, 6), True),    # trettondedag jul
    (D(2026, 4, 30), False),  # valborgsmässoafton: a working day
    (D(2026, 10, 30), False), # dagen före alla helgons dag
    (D(2026, 11, 27), False), # an ordinary Friday
    (D(2026, 11, 28), True),  # Saturday
    (D(2026, 11, 29), True),  # Sunday
    (D(2027, 6, 6), True),    # nationaldagen (a Sunday in 2027)
    (D(2029, 6, 6), True),    # nationaldagen on a Wednesday
])
def test_closed_days(day, closed):
    assert is_closed_day(day) is closed


@pytest.mark.parametrize("received,due", [
    (D(2026, 1, 31), D(2026, 3, 2)),    # 28 Feb 2026 is a Saturday -> Monday 2 March
    (D(2028, 1, 31), D(2028, 2, 29)),   # leap year, a Tuesday
    (D(2026, 3, 3), D(2026, 4, 7)),     # 3 April långfredag, then påsk -> Tuesday 7 April
    (D(2026, 4, 14), D(2026, 5, 15)),   # Kristi himmelsfärd -> the klämdag, Friday 15 May
    (D(2026, 5, 19), D(2026, 6, 22)),   # 19 June midsommarafton, 20 midsommardagen, 21 Sunday
    (D(2026, 11, 24), D(2026, 12, 28)), # julafton is a Thursday: 24 Dec -> 28 Dec
    (D(2026, 11, 25), D(2026, 12, 28)), # juldagen
    (D(2026, 11, 30), D(2026, 12, 30)), # 30 December is an ordinary working day
    (D(2026, 12, 6), D(2027, 1, 7)),    # trettondedag jul -> 7 January
    (D(2026, 12, 5), D(2027, 1, 5)),    # trettondagsafton is a working day: no move
    (D(2026, 4, 15), D(2026, 5, 15)),   # the klämdag itself is a working day
])
def test_answer_deadline_moves_to_next_weekday(received, due):
    assert period_end(received, months=1) == due


def test_next_open_day_and_workdays():
    assert next_open_day(D(2026, 12, 24)) == D(2026, 12, 28)
    assert next_open_day(D(2026, 12, 31)) == D(2027, 1, 4)  # nyårsafton, nyårsdagen (Fri), weekend
    assert add_workdays(D(2026, 11, 27), 1) == D(2026, 11, 30)
    assert add_workdays(D(2026, 12, 23), 1) == D(2026, 12, 28)


# ---- hand-computed cases that pin each rule (written for `make mutation`) -------------------

from dumpning_kit.workdays import holiday_name  # noqa: E402


@pytest.mark.parametrize("day,name", [
    (D(2026, 12, 24), "Julafton"),
    (D(2026, 6, 20), "Midsommardagen"),        # a Saturday: closed anyway, but it is a holiday
    (D(2026, 4, 3), "Långfredagen"),
    (D(2026, 1, 1), "Nyårsdagen"),
    (D(2026, 11, 29), None),                   # an ordinary Sunday has no holiday name
    (D(2026, 11, 27), None),                   # an ordinary Friday
    (D(2026, 1, 5), None),                     # trettondagsafton is no holiday under 2 §
])
def test_holiday_name_in_swedish(day, name):
    assert holiday_name(day) == name


def test_a_weekday_holiday_is_closed_and_the_next_day_is_open():
    # nyårsdagen 2026 is a Thursday, 2 January a Friday; 1 May 2026 a Friday
    assert is_closed_day(D(2026, 1, 1)) and not is_closed_day(D(2026, 1, 2))
    assert is_closed_day(D(2026, 5, 1)) and next_open_day(D(2026, 5, 1)) == D(2026, 5, 4)
    assert next_open_day(D(2026, 11, 27)) == D(2026, 11, 27)  # an open day stays
    assert next_open_day(D(2026, 11, 28)) == D(2026, 11, 30)  # Saturday -> Monday


@pytest.mark.parametrize("start,months,expected", [
    (D(2026, 11, 30), 1, D(2026, 12, 30)),   # month 12: no wrap into a 13th month
    (D(2026, 12, 31), 2, D(2027, 2, 28)),
    (D(2026, 1, 15), 11, D(2026, 12, 15)),
    (D(2026, 1, 15), 12, D(2027, 1, 15)),
    (D(2026, 1, 15), 23, D(2027, 12, 15)),
    (D(2026, 1, 15), 24, D(2028, 1, 15)),
    (D(2026, 5, 30), 1, D(2026, 6, 30)),     # the day number is kept when the month has it
    (D(2026, 3, 1), -1, D(2026, 2, 1)),
])
def test_add_months_month_arithmetic(start, months, expected):
    assert add_months(start, months) == expected


def test_add_workdays_counts_open_days_only():
    assert add_workdays(D(2026, 11, 27), 0) == D(2026, 11, 27)
    assert add_workdays(D(2026, 11, 26), 1) == D(2026, 11, 27)   # Thursday -> Friday
    assert add_workdays(D(2026, 11, 26), 2) == D(2026, 11, 30)   # over the weekend
    assert add_workdays(D(2026, 11, 27), 5) == D(2026, 12, 4)
    assert add_workdays(D(2026, 12, 22), 3) == D(2026, 12, 29)   # 23; 24-27 closed; 28, 29


def test_period_end_defaults_count_nothing_but_2_paragraph():
    assert period_end(D(2026, 11, 27)) == D(2026, 11, 27)                 # Friday: no period, no move
    assert period_end(D(2026, 11, 28)) == D(2026, 11, 30)                 # Saturday -> Monday
    assert period_end(D(2026, 11, 2), weeks=2) == D(2026, 11, 16)
    assert period_end(D(2026, 11, 2), days=10) == D(2026, 11, 12)
    assert period_end(D(2026, 11, 2), weeks=1, days=5) == D(2026, 11, 16)  # 14 Nov is a Saturday
