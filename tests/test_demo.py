"""The demo stays alive: whatever day it is made, every stage shows, and its letters come out."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from dumpning_kit import export
from dumpning_kit.demo import STAGES, create_demo_cases
from dumpning_kit.testdata import is_test_personnummer
from dumpning_kit.workdays import is_closed_day

# A Friday (the tests' day), a Monday, the day after a long holiday, a Saturday and a leap day.
DAYS = ["2026-11-27", "2027-03-01", "2027-01-07", "2026-12-05", "2028-02-29"]


def _states(store):
    return [(c, store.state(c)) for c in store.list_cases()]


@pytest.mark.parametrize("day", DAYS)
def test_every_stage_shows_on_any_day(day, tmp_path, monkeypatch):
    from dumpning_kit.store import Store
    monkeypatch.setenv("DUMPNING_TODAY", day)
    today = dt.date.fromisoformat(day)
    store = Store(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    ids = create_demo_cases(store)
    assert len(ids) == 30
    rows = _states(store)
    by_rule = Counter((d.rule.id, d.status) for _, st in rows for d in st.deadlines)
    if not is_closed_day(today):
        assert by_rule[("kontakt_genast", "idag")] >= 1          # a contact due today
        assert by_rule[("svar_pa_begaran", "idag")] >= 1         # an answer due today
    assert by_rule[("kontakt_genast", "forfallen")] >= 1          # one overdue
    assert by_rule[("svar_pa_begaran", "kommande")] >= 1          # a request awaiting its answer
    assert by_rule[("svar_pa_begaran", "forfallen")] >= 1         # unanswered past the month
    assert by_rule[("ivo_beslut_vantas", "kommande")] >= 1        # an IVO application waiting
    assert by_rule[("radrum", "kommande")] >= 1
    classes = Counter(st.classification for _, st in rows)
    assert {"misstanke", "berattigad", "ej_bedomd", "inga_tecken"} <= set(classes)
    for case, st in rows:
        assert is_test_personnummer(case.answers["personnummer"])
        for qid, value in case.answers.items():
            if isinstance(value, dt.date):
                assert value <= today or qid in ("radrum_till", "behov_till"), (case.diarienummer, qid, value)
        if st.classification == "misstanke":  # the three core answers of a suspected dumping
            assert [case.answers.get(q) for q in ("eget_initiativ", "egen_vilja", "samverkan_fore_flytten")] \
                == ["nej", "nej", "nej"]
        if st.classification in ("berattigad", "inga_tecken"):
            assert [case.answers.get(q) for q in ("eget_initiativ", "egen_vilja")] == ["ja", "ja"]
    store.close()


def test_demo_answers_are_complete_for_the_stage_reached(store):
    """Every question that is relevant at the stage a case reached is answered, as a caseworker would."""
    create_demo_cases(store)
    for case, st in _states(store):
        reached = {q.step for q in store.g.questions.values() if case.answers.get(q.id) is not None}
        for q in store.g.questions.values():
            if q.step in reached and st.relevant(q) and q.step not in ("aterforing", "bostad", "hyresvard"):
                if q.id in ("kontakt_datum", "kontakt_person", "markerat_oacceptabelt", "samtycke_motivering",
                            "motivering_begard_datum", "upplevelse", "mellantvang", "skrivelse_skickad") \
                        and case.answers.get("kontakt_datum") is None:
                    continue  # the contact is still to be made: that is the stage
                if q.id == "motivering_begard_datum" and case.answers.get("samtycke_motivering") == "nej":
                    continue
                if q.id == "mottagare":
                    continue  # left blank on purpose: the letters go to "Socialnämnden i …"
                assert case.answers.get(q.id) is not None, (case.diarienummer, q.id)


def test_demo_letters_come_out_without_editing_a_file(store):
    """The shipped settings have no signatory: the demo's letters still build, with a fictitious one."""
    create_demo_cases(store)
    made = Counter()
    for case in store.list_cases():
        for spec, ok, why in export.allowed_documents(store, case):
            if ok:
                doc = export.build_document(store, case, spec.id)
                made[spec.id] += 1
                if spec.id in ("skrivelse", "begaran", "ivo"):
                    assert doc.signature[0] == "Demo Demosson" and "påhittad" in doc.signature[1]
            else:
                assert "skriver under" not in why
    assert set(made) == {"bedomning", "upplevelse", "skrivelse", "begaran", "ivo", "hembesok"}


def test_stages_are_all_used():
    assert len(STAGES) == len(set(STAGES)) and len(STAGES) <= 30
