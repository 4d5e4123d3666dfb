"""The case store on real SQLite files: round trip, audit log, stale writes, reopening."""
import datetime as dt
import os
import sqlite3
import stat
import subprocess
import sys

import pytest


from dumpning_kit.errors import StaleWriteError, ValidationError
from dumpning_kit.store import Store

D = dt.date
CORE = {"diarienummer": "SN 2026/17", "namn": "Åsa Öberg-Testsson", "personnummer": "198112189876",
        "handlaggare": "Anna", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-10-01",
        "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "ja", "barn_antal": "2"}


def test_round_trip_normalises_and_logs(any_store):
    store = any_store
    case = store.create_case(CORE, user="anna")
    assert case.id and case.version == 1
    assert case.answers["personnummer"] == "19811218-9876"
    assert case.answers["tidigare_kommun"] == "1480"
    assert case.answers["ankomstdatum"] == D(2026, 10, 1)
    assert case.answers["barn_antal"] == 2
    case = store.save_answers(case.id, 1, {"eget_initiativ": "nej", "egen_vilja": "nej"}, user="bo", step="bedomning")
    again = store.get(case.id)
    assert again.answers == case.answers and again.version == 2
    ev = store.events(case.id)
    assert [e.kind for e in ev] == ["skapat", "sparat"]
    assert ev[1].user == "bo" and ev[1].detail["changes"]["eget_initiativ"] == [None, "nej"]
    assert ev[1].at.tzinfo is not None


def test_stale_write_is_refused_and_nothing_is_overwritten(any_store):
    store = any_store
    case = store.create_case(CORE)
    store.save_answers(case.id, case.version, {"upplevelse": "Första webbläsarens text."})
    with pytest.raises(StaleWriteError, match="ladda om"):
        store.save_answers(case.id, case.version, {"upplevelse": "Andra webbläsarens text."})
    assert store.get(case.id).answers["upplevelse"] == "Första webbläsarens text."
    assert len(store.events(case.id)) == 2


def test_decision_needs_motivation_and_is_logged(any_store):
    store = any_store
    case = store.create_case(CORE)
    with pytest.raises(ValidationError) as e:
        store.record_decision(case.id, case.version, "faststalld", "kort")
    assert "motivering" in e.value.errors["decision_motivation"]
    with pytest.raises(ValidationError):
        store.record_decision(case.id, case.version, "kanske", "En lång och tydlig motivering.")
    case = store.record_decision(case.id, case.version, "faststalld", "Personen tog inte själv initiativet.", user="anna")
    assert case.decision.outcome == "faststalld" and case.decision.by == "anna"
    assert case.decision.date == D(2026, 11, 27)
    assert store.events(case.id)[-1].kind == "beslut"


@pytest.mark.parametrize("changes,field,text", [
    ({"personnummer": "19811218-9877"}, "personnummer", "inte giltigt"),
    ({"ankomstdatum": "2027-01-01"}, "ankomstdatum", "framtiden"),
    ({"forsta_kontakt": "2026-09-01"}, "forsta_kontakt", "före datum då personen flyttade hit"),
    ({"ankomstdatum": "2026-10-05"}, "ankomstdatum", "efter"),
    ({"tidigare_kommun": "Atlantis"}, "tidigare_kommun", "finns inte"),
    ({"tidigare_kommun": "1460"}, "tidigare_kommun", "inte den egna kommunen"),
    ({"barn_antal": "många"}, "barn_antal", "heltal"),
    ({"barn_antal": 99}, "barn_antal", "större än 20"),
    ({"eget_initiativ": "kanske"}, "eget_initiativ", "alternativen"),
    ({"ankomstdatum": "1/10/2026"}, "ankomstdatum", "ÅÅÅÅ-MM-DD"),
    ({"namn": ""}, "namn", "tomt"),
    ({"okand_fraga": "x"}, "okand_fraga", "Okänt fält"),
    ({"hembesok_datum": "2026-11-01"}, "hembesok_datum", "samtycke"),
    ({"ivo_ansokan_datum": "2026-11-01"}, "ivo_ansokan_datum", "IVO"),
])
def test_invalid_answers_are_refused_in_swedish_and_nothing_is_saved(any_store, changes, field, text):
    store = any_store
    case = store.create_case(CORE)
    with pytest.raises(ValidationError) as e:
        store.save_answers(case.id, case.version, changes)
    assert text in e.value.errors[field]
    assert store.get(case.id).version == 1 and len(store.events(case.id)) == 1


def test_samordningsnummer_is_accepted(any_store):
    store = any_store
    case = store.create_case({**CORE, "personnummer": "19811278-9873"})
    assert case.answers["personnummer"] == "19811278-9873"


def test_case_needs_complete_case_data(any_store):
    store = any_store
    with pytest.raises(ValidationError) as e:
        store.create_case({"diarienummer": "SN 1"})
    assert "namn" in e.value.errors and "personnummer" in e.value.errors
    store.create_case(CORE)
    with pytest.raises(ValidationError, match="diarienumret"):
        store.create_case(CORE)
    assert store.count() == 1


def test_sqlite_file_is_owner_only_and_wal(tmp_path):
    path = tmp_path / "data" / "fil.sqlite"
    s = Store(f"sqlite:///{path}")
    s.create_case(CORE)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    s.close()


def test_reopening_after_the_process_exits(tmp_path):
    path = tmp_path / "data" / "delad.sqlite"
    code = (
        "from dumpning_kit.store import Store\n"
        f"s = Store('sqlite:///{path}')\n"
        f"c = s.create_case({CORE!r}, user='anna')\n"
        "s.save_answers(c.id, c.version, {'upplevelse': 'Jag hade inget val. ÅÄÖ åäö'}, user='anna')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    s = Store(f"sqlite:///{path}")
    [case] = s.list_cases()
    assert case.answers["upplevelse"] == "Jag hade inget val. ÅÄÖ åäö"
    assert [e.kind for e in s.events(case.id)] == ["skapat", "sparat"]


def test_database_url_selects_the_database(tmp_path, monkeypatch):
    other = tmp_path / "annan.sqlite"
    monkeypatch.setenv("DUMPNING_DATABASE_URL", f"sqlite:///{other}")
    s = Store()
    s.create_case(CORE)
    assert other.exists() and s.count() == 1


def test_read_and_export_events(any_store):
    store = any_store
    case = store.create_case(CORE)
    store.log(case.id, "last", {"vy": "arende"}, user="bo")
    assert store.events(case.id)[-1].kind == "last"


def test_jupyterhub_user_is_recorded(store, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "anna.handlaggare")
    case = store.create_case(CORE)
    store.log(case.id, "last", {"vy": "oversikt"})
    assert {e.user for e in store.events(case.id)} == {"anna.handlaggare"}


def test_decision_motivation_follows_the_text_rules(store):
    """A broken paste (U+FFFD from the browser) or a direction-reversing character is refused in the
    motivation as in every answer; nothing is recorded."""
    case = store.create_case(CORE)
    for bad, needle in (("Personen tog inget initiativ \ufffd till flytten.", "trasigt tecken"),
                        ("Personen tog inget \u202e initiativ till flytten.", "vänder textens riktning"),
                        ("x" * 20001, "högst 20000 tecken")):
        with pytest.raises(ValidationError) as e:
            store.record_decision(case.id, case.version, "misstanke", bad)
        assert needle in e.value.errors["decision_motivation"]
        assert store.get(case.id).decision is None
    case = store.record_decision(case.id, case.version, "misstanke", "Personen tog inget initiativ till flytten.")
    assert case.decision.outcome == "misstanke"
