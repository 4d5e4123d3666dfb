"""Server-side validation of answers, rule by rule, with the Swedish message the caseworker reads.

Limits come from the guideline file (barn_antal: min 1, max 20; diarienummer: max 40 characters);
the personnummer are Skatteverket's test numbers (birth-number series 980-999).
"""
import datetime as dt

import pytest

from dumpning_kit.assessment import CaseState
from dumpning_kit.case import (Case, Decision, answers_from_json, answers_to_json, clean_value,
                               is_coordination_number, normalise_personnummer, parse_date, validate_answers)
from dumpning_kit.errors import ValidationError
from dumpning_kit.guideline import default_guideline

D = dt.date
TODAY = D(2026, 11, 27)
G = default_guideline()
Q = G.question
OWN = "1460"  # Bengtsfors


def errors_of(merged, changed, **kw):
    with pytest.raises(ValidationError) as e:
        validate_answers(G, merged, set(changed), today=TODAY, **kw)
    return e.value.errors


# ---- integers: barn_antal is 1-20 in the guideline -----------------------------------------

@pytest.mark.parametrize("value,message", [
    (0, "Talet får inte vara mindre än 1."),
    (-5, "Talet får inte vara mindre än 1."),
    ("0", "Talet får inte vara mindre än 1."),
    (21, "Talet får inte vara större än 20."),
    ("två", "Skriv ett heltal, till exempel 2."),
    ("2.5", "Skriv ett heltal, till exempel 2."),
    (True, "Skriv ett heltal."),
    (False, "Skriv ett heltal."),
])
def test_barn_antal_refuses_what_the_guideline_does_not_allow(value, message):
    with pytest.raises(ValueError) as e:
        clean_value(Q("barn_antal"), value)
    assert str(e.value) == message


@pytest.mark.parametrize("value,n", [(1, 1), ("1", 1), (" 3 ", 3), (20, 20), ("20", 20)])
def test_barn_antal_accepts_1_to_20(value, n):
    assert clean_value(Q("barn_antal"), value) == n


# ---- empty, text, choices ---------------------------------------------------------------------

@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_empty_means_no_answer(value):
    for qid in ("namn", "barn_antal", "ankomstdatum", "barn_i_hushallet", "upplevelse"):
        assert clean_value(Q(qid), value) is None


def test_text_is_trimmed_and_a_textarea_keeps_its_leading_indent():
    assert clean_value(Q("namn"), "  Test Testsson  ") == "Test Testsson"
    assert clean_value(Q("upplevelse"), "  rad 1\n  rad 2  \n") == "  rad 1\n  rad 2"


def test_text_must_be_text():
    with pytest.raises(ValueError, match=r"^Svaret ska vara text\.$"):
        clean_value(Q("namn"), 12)


def test_text_length_limit_from_the_guideline():
    assert clean_value(Q("diarienummer"), "x" * 40) == "x" * 40
    with pytest.raises(ValueError) as e:
        clean_value(Q("diarienummer"), "x" * 41)
    assert str(e.value) == "Texten är för lång: högst 40 tecken, nu 41."
    # the limit counts the trimmed text
    assert clean_value(Q("diarienummer"), " " + "x" * 40 + " ") == "x" * 40


def test_text_without_its_own_limit_has_the_hard_limit():
    import dataclasses
    q = dataclasses.replace(Q("namn"), max_length=None)
    assert len(clean_value(q, "å" * 100_000)) == 100_000
    with pytest.raises(ValueError, match="högst 100000 tecken, nu 100001"):
        clean_value(q, "å" * 100_001)
    big = dataclasses.replace(Q("namn"), max_length=500_000)  # a file cannot lift the hard limit
    with pytest.raises(ValueError, match="högst 100000 tecken"):
        clean_value(big, "å" * 100_001)


def test_null_character_and_lone_surrogate_are_refused_in_swedish():
    with pytest.raises(ValueError) as e:
        clean_value(Q("namn"), "Test\x00")
    assert str(e.value) == "Texten innehåller ett otillåtet tecken (nolltecken). Ta bort det och försök igen."
    with pytest.raises(ValueError) as e:
        clean_value(Q("upplevelse"), "halv \ud83d emoji")
    assert str(e.value) == ("Texten innehåller ett trasigt tecken (till exempel en halv emoji). "
                            "Ta bort det och försök igen.")


@pytest.mark.parametrize("qid,value", [("barn_i_hushallet", "ja"), ("barn_i_hushallet", "nej"),
                                       ("egen_vilja", "vet_ej"), ("stallforetradare", "god_man")])
def test_choice_accepts_its_options(qid, value):
    assert clean_value(Q(qid), value) == value


@pytest.mark.parametrize("qid,value", [("barn_i_hushallet", "vet_ej"), ("barn_i_hushallet", "Ja"),
                                       ("stallforetradare", "nej"), ("egen_vilja", 1)])
def test_choice_refuses_anything_else(qid, value):
    with pytest.raises(ValueError, match=r"^Välj ett av alternativen\.$"):
        clean_value(Q(qid), value)


# ---- dates ------------------------------------------------------------------------------------

def test_dates():
    q = Q("ankomstdatum")
    assert clean_value(q, "2026-10-01") == D(2026, 10, 1)
    assert clean_value(q, " 2026-10-01 ") == D(2026, 10, 1)
    assert clean_value(q, D(2026, 10, 1)) == D(2026, 10, 1)
    assert clean_value(q, dt.datetime(2026, 10, 1, 23, 59)) == D(2026, 10, 1)
    assert clean_value(q, "1900-01-01") == D(1900, 1, 1)
    assert clean_value(q, "2200-12-31") == D(2200, 12, 31)
    for out_of_range in ("1899-12-31", "2201-01-01"):
        with pytest.raises(ValueError, match=r"^Datumet ligger utanför det rimliga intervallet\.$"):
            clean_value(q, out_of_range)
    with pytest.raises(ValueError) as e:
        clean_value(q, "1 oktober")
    assert str(e.value) == "”1 oktober” är inte ett datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-15."
    with pytest.raises(ValueError) as e:
        parse_date("x" * 25)
    assert str(e.value).startswith("”" + "x" * 20 + "…” är inte ett datum.")
    with pytest.raises(ValueError) as e:
        parse_date("x" * 20)
    assert str(e.value).startswith("”" + "x" * 20 + "” är inte ett datum.")


# ---- personnummer and municipality --------------------------------------------------------------

def test_personnummer_is_normalised_to_the_long_form():
    assert normalise_personnummer("811218-9876") == "19811218-9876"
    assert normalise_personnummer("198112189876") == "19811218-9876"
    assert clean_value(Q("personnummer"), " 8112189876 ") == "19811218-9876"
    with pytest.raises(ValueError) as e:
        normalise_personnummer("19811218-9875")  # wrong check digit
    assert str(e.value) == ("Personnumret är inte giltigt. Kontrollera siffrorna och skriv det som "
                            "ÅÅÅÅMMDD-NNNN (samordningsnummer går också).")


def test_coordination_number():
    assert is_coordination_number("19811278-9873")       # day 18 + 60: a samordningsnummer
    assert not is_coordination_number("19811218-9876")


def test_municipality_by_name_or_code_but_not_the_own():
    q = Q("tidigare_kommun")
    assert clean_value(q, "Göteborg") == "1480"
    assert clean_value(q, "1480", own_code=OWN) == "1480"
    assert clean_value(q, "Bengtsfors") == "1460"  # no own code given: allowed
    with pytest.raises(ValueError) as e:
        clean_value(q, "Bengtsfors", own_code=OWN)
    assert str(e.value) == "Välj den kommun som personen flyttade från, inte den egna kommunen."
    with pytest.raises(ValueError) as e:
        clean_value(q, "Atlantis")
    assert str(e.value) == ("Kommunen finns inte. Skriv kommunens namn eller dess fyrsiffriga kommunkod, "
                            "till exempel Göteborg eller 1480.")


def test_unknown_question_type():
    import dataclasses
    with pytest.raises(ValueError, match=r"^Okänd frågetyp\.$"):
        clean_value(dataclasses.replace(Q("namn"), type="foto"), "x")


# ---- validate_answers: cross-field rules -----------------------------------------------------------

BASE = {"ankomstdatum": D(2026, 10, 1), "forsta_kontakt": D(2026, 10, 2)}


def test_valid_answers_are_cleaned_and_empty_ones_dropped():
    out = validate_answers(G, {**BASE, "namn": "  Test  ", "barn_antal": "2", "handlaggare": ""},
                           {"namn", "barn_antal", "handlaggare"}, today=TODAY)
    assert out == {**BASE, "namn": "Test", "barn_antal": 2}


def test_unknown_field_and_one_message_per_field():
    errs = errors_of({**BASE, "hittepa": "x", "barn_antal": 0, "namn": "ok"}, {"hittepa", "barn_antal", "namn"})
    assert errs == {"hittepa": "Okänt fält.", "barn_antal": "Talet får inte vara mindre än 1."}


def test_not_future_allows_today_and_refuses_tomorrow():
    assert validate_answers(G, {"ankomstdatum": TODAY}, {"ankomstdatum"}, today=TODAY) == {"ankomstdatum": TODAY}
    errs = errors_of({"ankomstdatum": D(2026, 11, 28)}, {"ankomstdatum"})
    assert errs == {"ankomstdatum": "Datumet kan inte ligga i framtiden (i dag är det 2026-11-27)."}


def test_not_before_allows_the_same_day_and_refuses_the_day_before():
    same = validate_answers(G, {"ankomstdatum": D(2026, 10, 1), "forsta_kontakt": D(2026, 10, 1)},
                            {"forsta_kontakt"}, today=TODAY)
    assert same["forsta_kontakt"] == D(2026, 10, 1)
    errs = errors_of({"ankomstdatum": D(2026, 10, 1), "forsta_kontakt": D(2026, 9, 30)}, {"forsta_kontakt"})
    assert errs == {"forsta_kontakt": "Datumet kan inte vara före datum då personen flyttade hit (2026-10-01)."}


def test_not_before_without_the_earlier_date_is_fine():
    assert validate_answers(G, {"forsta_kontakt": D(2026, 9, 30)}, {"forsta_kontakt"}, today=TODAY) == \
        {"forsta_kontakt": D(2026, 9, 30)}


def test_moving_an_earlier_date_past_a_later_one_is_refused_on_the_earlier_date():
    errs = errors_of({"ankomstdatum": D(2026, 10, 5), "forsta_kontakt": D(2026, 10, 2)}, {"ankomstdatum"})
    assert errs == {"ankomstdatum": "Datumet kan inte vara efter datum då personen kontaktade socialtjänsten här "
                                    "(2026-10-02)."}
    # the same day is fine
    ok = validate_answers(G, {"ankomstdatum": D(2026, 10, 2), "forsta_kontakt": D(2026, 10, 2)}, {"ankomstdatum"},
                          today=TODAY)
    assert ok["ankomstdatum"] == D(2026, 10, 2)


def test_an_invalid_earlier_date_gets_its_own_message_only():
    errs = errors_of({"ankomstdatum": "igår", "forsta_kontakt": D(2026, 10, 2)}, {"ankomstdatum"})
    assert list(errs) == ["ankomstdatum"] and "är inte ett datum" in errs["ankomstdatum"]


def test_a_future_date_is_not_also_compared_with_the_earlier_date():
    errs = errors_of({"ankomstdatum": D(2026, 10, 1), "forsta_kontakt": D(2026, 12, 1)}, {"forsta_kontakt"})
    assert errs == {"forsta_kontakt": "Datumet kan inte ligga i framtiden (i dag är det 2026-11-27)."}


def factory(answers):
    # the consent question is in step 2.1, which applies once a suspicion is recorded
    return CaseState(G, answers, decision="misstanke", today=TODAY)


def test_consent_gate_refuses_a_request_without_consent():
    """2.1: a motivation is demanded only with the person's consent."""
    a = {"motivering_begard_datum": D(2026, 11, 2)}
    errs = errors_of(a, {"motivering_begard_datum"}, state_factory=factory)
    assert errs == {"motivering_begard_datum": Q("motivering_begard_datum").requires_message}
    assert errs["motivering_begard_datum"].startswith("Personen måste samtycka")
    errs = errors_of({**a, "samtycke_motivering": "nej"}, {"motivering_begard_datum"}, state_factory=factory)
    assert "motivering_begard_datum" in errs
    ok = validate_answers(G, {**a, "samtycke_motivering": "ja"}, {"motivering_begard_datum"}, today=TODAY,
                          state_factory=factory)
    assert ok["motivering_begard_datum"] == D(2026, 11, 2)
    # without a state factory the gate is not checked (training)
    assert validate_answers(G, a, {"motivering_begard_datum"}, today=TODAY) == a


def test_consent_gate_has_a_default_message():
    import dataclasses
    steps = tuple(dataclasses.replace(s, questions=tuple(
        dataclasses.replace(q, requires_message="") if q.id == "motivering_begard_datum" else q
        for q in s.questions)) for s in G.steps)
    g = dataclasses.replace(G, steps=steps)
    with pytest.raises(ValidationError) as e:
        validate_answers(g, {"motivering_begard_datum": D(2026, 11, 2)}, {"motivering_begard_datum"}, today=TODAY,
                         state_factory=lambda a: CaseState(g, a, decision="misstanke", today=TODAY))
    assert e.value.errors == {"motivering_begard_datum": "Det här kan inte registreras än."}


# ---- the case record ---------------------------------------------------------------------------------

def test_json_round_trip_of_answers_and_decision():
    answers = {"ankomstdatum": D(2026, 10, 1), "namn": "Test", "barn_antal": 2}
    raw = answers_to_json(answers)
    assert raw == {"ankomstdatum": "2026-10-01", "namn": "Test", "barn_antal": 2}
    assert answers_from_json(G, raw) == answers
    # a text that looks like a date stays text; a broken date stays as it was; unknown keys are kept
    assert answers_from_json(G, {"namn": "2026-10-01", "ankomstdatum": "igår", "x": 1}) == \
        {"namn": "2026-10-01", "ankomstdatum": "igår", "x": 1}
    assert answers_from_json(G, None) == {}
    d = Decision("faststalld", "Motivering", D(2026, 11, 20), "Anna")
    assert d.to_json() == {"outcome": "faststalld", "motivation": "Motivering", "date": "2026-11-20", "by": "Anna"}
    assert Decision.from_json(d.to_json()) == d
    assert Decision.from_json(None) is None and Decision.from_json({}) is None


def test_case_properties():
    c = Case({"diarienummer": "SN 2026/1"})
    assert c.diarienummer == "SN 2026/1" and not c.closed and c.status == "oppet" and c.version == 0
    assert Case().diarienummer == "" and Case().answers == {} and Case().decision is None
    assert Case(status="avslutat").closed


# ---- edges found by `make mutation` ---------------------------------------------------------------

def test_a_huge_number_is_refused_without_pythons_own_message():
    msg = "Värdet är för långt. Kontrollera vad som står i fältet."
    for call in (lambda: parse_date(10 ** 5000), lambda: normalise_personnummer(10 ** 5000),
                 lambda: clean_value(Q("tidigare_kommun"), 10 ** 5000)):
        with pytest.raises(ValueError) as e:
            call()
        assert str(e.value) == msg


def test_a_long_wrong_date_is_shortened_after_20_characters():
    with pytest.raises(ValueError) as e:
        parse_date("y" * 21)
    assert str(e.value).startswith("”" + "y" * 20 + "…” är inte ett datum.")


def test_a_label_ending_in_a_question_mark_reads_as_part_of_the_sentence():
    import dataclasses
    steps = tuple(dataclasses.replace(s, questions=tuple(
        dataclasses.replace(q, label="När flyttade personen hit?") if q.id == "ankomstdatum" else
        dataclasses.replace(q, label="När kontaktade personen oss?") if q.id == "forsta_kontakt" else q
        for q in s.questions)) for s in G.steps)
    g = dataclasses.replace(G, steps=steps)
    with pytest.raises(ValidationError) as e:
        validate_answers(g, {"ankomstdatum": D(2026, 10, 1), "forsta_kontakt": D(2026, 9, 30)}, {"forsta_kontakt"},
                         today=TODAY)
    assert e.value.errors == {"forsta_kontakt": "Datumet kan inte vara före när flyttade personen hit (2026-10-01)."}
    with pytest.raises(ValidationError) as e:
        validate_answers(g, {"ankomstdatum": D(2026, 10, 5), "forsta_kontakt": D(2026, 10, 2)}, {"ankomstdatum"},
                         today=TODAY)
    assert e.value.errors == {"ankomstdatum": "Datumet kan inte vara efter när kontaktade personen oss (2026-10-02)."}


def test_both_dates_changed_the_message_is_on_the_later_date_only():
    errs = errors_of({"ankomstdatum": D(2026, 10, 5), "forsta_kontakt": D(2026, 10, 2)},
                     {"ankomstdatum", "forsta_kontakt"})
    assert errs == {"forsta_kontakt": "Datumet kan inte vara före datum då personen flyttade hit (2026-10-05)."}


def test_a_wrong_date_gets_its_own_message_not_the_consent_message():
    errs = errors_of({"motivering_begard_datum": D(2026, 12, 1)}, {"motivering_begard_datum"}, state_factory=factory)
    assert errs == {"motivering_begard_datum": "Datumet kan inte ligga i framtiden (i dag är det 2026-11-27)."}


def test_a_later_date_already_wrong_is_not_reported_twice():
    # forsta_kontakt is stored; ankomstdatum changes past it while forsta_kontakt is also refused
    errs = errors_of({"ankomstdatum": D(2026, 10, 5), "forsta_kontakt": "fel"}, {"ankomstdatum", "forsta_kontakt"})
    assert errs == {"forsta_kontakt": "”fel” är inte ett datum. Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-15."}


def test_the_own_municipality_is_refused_through_validate_answers():
    errs = errors_of({"tidigare_kommun": "Bengtsfors"}, {"tidigare_kommun"}, own_code=OWN)
    assert errs == {"tidigare_kommun": "Välj den kommun som personen flyttade från, inte den egna kommunen."}


def test_clearing_a_gated_answer_is_always_allowed():
    # no consent, and the date of the demand is cleared: nothing to refuse
    out = validate_answers(G, {"motivering_begard_datum": ""}, {"motivering_begard_datum"}, today=TODAY,
                           state_factory=factory)
    assert out == {}


def test_stored_dates_that_disagree_do_not_block_saving_another_answer():
    stored = {"ankomstdatum": D(2026, 10, 5), "forsta_kontakt": D(2026, 10, 2)}
    out = validate_answers(G, {**stored, "namn": "Test"}, {"namn"}, today=TODAY)
    assert out == {**stored, "namn": "Test"}


def test_an_invalid_answer_does_not_count_as_answered_for_a_gate():
    """1.1: our answer is registered as sent only once our position ("inställning") is chosen; a
    position that is refused (not one of the options) is not chosen."""
    base = {"formell_begaran_inkommen": "ja", "inkommen_begaran_datum": D(2026, 11, 20)}
    errs = errors_of({**base, "inkommen_begaran_installning": "kanske", "inkommen_svar_skickat": D(2026, 11, 26)},
                     {"inkommen_begaran_installning", "inkommen_svar_skickat"},
                     state_factory=lambda a: CaseState(G, a, today=TODAY))
    assert errs == {"inkommen_begaran_installning": "Välj ett av alternativen.",
                    "inkommen_svar_skickat": "Välj vår inställning till begäran innan du registrerar att svaret "
                                             "har skickats (avsnitt 1.1)."}


def test_every_changed_date_is_checked_whatever_else_changed():
    # many cleared fields next to one future date: the date is still checked, in any order
    cleared = {q: "" for q in ("namn", "handlaggare", "upplevelse", "mellantvang", "kontakt_person", "insats",
                               "hyresvard_namn", "bedomning_kommentar", "barnens_situation", "observationer",
                               "rad_givna", "individens_skal", "starkast_anknytning", "mottagare",
                               "skal_trots_motstand", "barnets_asikt", "stallforetradarens_asikt",
                               "inkommen_begaran_motivering", "barnperspektiv", "diarienummer")}
    errs = errors_of({**cleared, "ankomstdatum": D(2026, 12, 1)}, set(cleared) | {"ankomstdatum"})
    assert errs == {"ankomstdatum": "Datumet kan inte ligga i framtiden (i dag är det 2026-11-27)."}
