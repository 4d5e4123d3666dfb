"""The decision table: situations written from the guideline's text alone, before the code ran.

tests/decision_table.yaml holds complete, realistic answer sets (every question the story's
steps show is answered as the story says), each with the classification, the whole action
plan, the next action and the deadlines the guideline's sentences imply, and the sentence.
It was written by someone who had not seen the code's answers; where the first run
disagreed, the guideline's text settled it (see the `settled:` notes in the file).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from dumpning_kit.assessment import CaseState
from dumpning_kit.case import validate_answers
from dumpning_kit.guideline import default_guideline
from dumpning_kit.settings import default_settings
from dumpning_kit.testdata import is_test_personnummer

TABLE = yaml.safe_load((Path(__file__).parent / "decision_table.yaml").read_text(encoding="utf-8"))
STATUS = {"att_gora": "open", "vantar_samtycke": "open", "klar": "done", "inget_samtycke": "no_consent"}


def _date(v):
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def state_of(case: dict) -> CaseState:
    g = default_guideline()
    today = _date(case["today"])
    raw = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in case["answers"].items()}
    # The answers must pass the same server-side validation as the app's: a story cannot be
    # made to come out with answers a caseworker could not save.
    answers = validate_answers(g, raw, set(raw), today=today, own_code=default_settings().municipality_code,
                               state_factory=lambda a: CaseState(g, a, decision=case.get("decision"), today=today))
    return CaseState(g, answers, decision=case.get("decision"), closed=bool(case.get("closed")), today=today)


def test_the_table_is_large_complete_and_fictitious():
    g = default_guideline()
    assert len(TABLE) >= 40
    assert len({c["id"] for c in TABLE}) == len(TABLE)
    text = " ".join(" ".join(s.text.split()) for s in g.sections)
    for case in TABLE:
        assert is_test_personnummer(case["answers"]["personnummer"]), case["id"]
        assert case["quote"] and case["story"], case["id"]
        if case["expect"]["classification"] != "ej_bedomd":  # the rules' own questions are never left blank
            for q in g.classification_questions:
                assert q in case["answers"], (case["id"], q)
    assert {c["expect"]["classification"] for c in TABLE} == {"ej_bedomd", "inga_tecken", "oklart", "misstanke",
                                                              "berattigad"}
    assert {c.get("decision") for c in TABLE} == {None, "misstanke", "faststalld", "inte_dumpning"}
    assert text  # the sections are quoted from the guideline file


@pytest.mark.parametrize("case", TABLE, ids=[c["id"] for c in TABLE])
def test_decision_table(case):
    st = state_of(case)
    want = case["expect"]
    got_plan = {i.action.id: STATUS[i.status] for i in st.action_plan}
    assert st.classification == want["classification"], [r.text for r in st.reasons]
    assert got_plan == want["plan"]
    nxt = st.next_action
    assert (nxt.action.id if nxt else None) == want["next_action"]
    for rule_id, due in (want.get("deadlines") or {}).items():
        assert st.deadline_due(rule_id) == _date(due), rule_id
