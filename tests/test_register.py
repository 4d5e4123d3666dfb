"""The case register: typed columns, pseudonymisation (also in exported files), logged
identifier reads, deadlines that agree with CaseState case by case, and the .ics calendar."""
from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import stat

import icalendar
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, update

from dumpning_kit import ics, register
from dumpning_kit.assessment import CaseState
from dumpning_kit.demo import create_demo_cases
from dumpning_kit.guideline import _answered
from dumpning_kit.settings import data_dir
from dumpning_kit.store import Store, cases

TODAY = dt.date(2026, 11, 27)
DATE_COLUMNS = ["ankomstdatum", "forsta_kontakt", "begaran_mottagen", "svar_datum", "ivo_ansokan_datum",
                "ivo_beslut_datum", "beslut_datum", "avslutad", "nasta_frist"]


@pytest.fixture
def demo(store):
    create_demo_cases(store)
    return store


def secrets_of(store: Store) -> set[str]:
    """Every identifier and free-text value stored for the demo cases: none may leak."""
    g = store.g
    free = {q.id for q in g.questions.values() if q.type == "textarea" or q.sensitive}
    out = set()
    for c in store.list_cases():
        out.add(c.diarienummer)
        for k, v in c.answers.items():
            if k in free or k in ("diarienummer", "kontakt_person"):
                out.add(str(v))
        pnr = str(c.answers["personnummer"])
        out |= {pnr, pnr.replace("-", ""), pnr[2:], pnr[2:].replace("-", "")}
        if c.decision:
            out.add(c.decision.motivation)
    return {s for s in out if s}


def assert_no_secrets(text: str, secrets: set[str]) -> None:
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"leaked: {leaked[:3]}"


def test_columns_and_dtypes(demo):
    df = register.load_register(demo)
    assert len(df) == 30
    for col in DATE_COLUMNS:
        assert df[col].dtype == "datetime64[ns]", col
    assert pd.api.types.is_string_dtype(df["tidigare_kommun"])
    assert df["tidigare_kommun"].str.fullmatch(r"\d{4}").all()
    assert "0180" in set(df["tidigare_kommun"])  # Stockholm keeps its leading zero
    row = df[df["tidigare_kommun"] == "0180"].iloc[0]
    assert row["kommun_namn"] == "Stockholm" and row["lan"] == "Stockholms län" and row["lan_kod"] == "01"
    assert df["barn"].dtype == "boolean" and df["barn_antal"].dtype == "Int64"
    assert (df.loc[df["barn"] == False, "barn_antal"] == 0).all()  # noqa: E712
    assert (df.loc[df["barn"] == True, "barn_antal"] >= 1).all()  # noqa: E712
    for col in ("status", "bedomning", "beslut", "form", "svar", "ivo_beslut", "nasta_frist_status"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert set(df["status"].cat.categories) == {"oppet", "avslutat"}
    assert df["svarstid_dagar"].dtype == "Int64" and df["dagar_kvar"].dtype == "Int64"
    answered = df[df["svar_datum"].notna()]
    assert len(answered) and (answered["svarstid_dagar"]
                              == (answered["svar_datum"] - answered["begaran_mottagen"]).dt.days).all()
    assert "hyresvard_namn" not in df and "handlaggare" not in df
    assert df["hyresvard"].notna().any() and df["hyresvard"].dropna().str.fullmatch(r"H-[0-9a-f]{8}").all()
    named = register.read_identified(demo, ("hyresvard_namn",), purpose="test").cases
    assert pd.api.types.is_string_dtype(named["hyresvard_namn"])
    # One landlord, one pseudonym, however it was typed (the same fold as analysis.landlords used to).
    pairs = named.dropna(subset=["hyresvard_namn"]).groupby("hyresvard", observed=True)["hyresvard_namn"].nunique()
    assert len(pairs) >= 1 and (pairs == 1).all()  # the demo has one recurring landlord (2.4)
    key = register.pseudonym_key()
    assert register.landlord_pseudonym(" testbo   AB", key) == register.landlord_pseudonym("Testbo ab", key)
    assert df["pseudonym"].str.fullmatch(r"P-[0-9a-f]{10}").all() and df["pseudonym"].is_unique
    assert df["nasta_frist_status"].isin(["forfallen", "kommande"]).any()


def test_empty_register_has_the_same_shape(store):
    empty = register.read_identified(store, True, purpose="test")
    assert len(empty.cases) == 0 and len(empty.deadlines) == 0
    assert list(register.read_register(store).cases.columns) == [
        c for c in empty.cases.columns if c not in register.IDENTIFIER_FIELDS]
    create_demo_cases(store)
    full = register.read_identified(store, True, purpose="test")
    assert list(empty.cases.columns) == list(full.cases.columns)
    for col in full.cases.columns:  # categories depend on the data; the kind of column does not
        a, b = empty.cases[col].dtype, full.cases[col].dtype
        assert a == b or isinstance(a, pd.CategoricalDtype) and isinstance(b, pd.CategoricalDtype), col
    assert list(empty.deadlines.columns) == list(full.deadlines.columns)


def expected(store: Store, case, today: dt.date):
    st = CaseState.of(store.g, case, today)
    nd = st.next_deadline
    open_ = set() if case.closed else {(d.rule.id, d.due) for d in st.deadlines if d.status != "klar"}
    return ((nd.due, nd.rule.id, nd.status, nd.days_left) if nd else None), st.classification, open_


def compare_with_casestate(store: Store, today: dt.date) -> int:
    reg = register.read_identified(store, ("id",), today=today, purpose="test")
    df = reg.cases.set_index("id")
    dl = reg.deadlines
    checked = 0
    for case in store.list_cases():
        nd, classification, open_ = expected(store, case, today)
        row = df.loc[case.id]
        got = None if pd.isna(row["nasta_frist"]) else (
            row["nasta_frist"].date(), row["nasta_frist_id"], row["nasta_frist_status"], int(row["dagar_kvar"]))
        assert got == nd, (case.id, got, nd)
        assert row["bedomning"] == classification, case.id
        mine = {(r.frist_id, r.sista_dag.date()) for r in dl[dl["id"] == case.id].itertuples()}
        assert mine == open_, (case.id, mine, open_)
        checked += 1
    return checked


def compare_answers_with_store(store: Store, df: pd.DataFrame) -> int:
    """Every answer column of the register against the case as the store reads it, case by case:
    an independent, per-case reading of what the register derives column-wise."""
    g = store.g
    df = df.set_index("id")
    checked = 0
    for case in store.list_cases():
        row = df.loc[case.id]
        a = case.answers
        for q in g.questions.values():
            if q.id not in df.columns or q.id in register.TEXT_COLUMNS:
                continue
            v, got = a.get(q.id), row[q.id]
            if q.type == "date":
                want = v if isinstance(v, dt.date) else None
                assert (None if pd.isna(got) else got.date()) == want, (case.id, q.id, got, v)
            elif q.type in ("yes_no", "yes_no_unknown", "choice"):
                want = v if isinstance(v, str) and v in q.options else None
                assert (None if pd.isna(got) else got) == want, (case.id, q.id, got, v)
            elif q.type == "kommun":
                want = str(v).zfill(4) if v is not None and str(v).strip() else None
                assert (None if pd.isna(got) else got) == want, (case.id, q.id, got, v)
        assert row["status"] == case.status
        want = case.decision.outcome if case.decision else None
        assert (None if pd.isna(row["beslut"]) else row["beslut"]) == want, case.id
        checked += 1
    return checked


def test_deadlines_agree_with_casestate_on_demo_data(demo):
    assert compare_with_casestate(demo, TODAY) == 30
    for days in (-200, -30, 10, 40, 400):  # the same cases seen on other days
        compare_with_casestate(demo, TODAY + dt.timedelta(days=days))


def test_deadlines_agree_with_casestate_on_scrambled_answers(demo):
    """Cases the UI would never produce (answers dropped, dates moved, decisions and status
    flipped, without validation) must still come out exactly as CaseState says."""
    rng = random.Random(7)
    g = demo.g
    dates = [q.id for q in g.questions.values() if q.type == "date"]
    flags = register._plan(g).flags  # free text a condition only asks "answered?" about
    assert flags
    blanks = ["", " ", "\n\t", "\u00a0", "\u2003\u3000 ", "  x  ", "Något hände.", 3]
    with demo.engine.begin() as conn:
        rows = conn.execute(select(cases.c.id, cases.c.answers, cases.c.decision, cases.c.status)).all()
        for _ in range(4):  # 4 x 30 variants
            for r in rows:
                answers = dict(r.answers)
                for k in list(answers):
                    if k not in ("diarienummer", "namn", "personnummer", "handlaggare") and rng.random() < 0.2:
                        del answers[k]
                for k in dates:
                    if k in answers and rng.random() < 0.5:
                        answers[k] = (dt.date.fromisoformat(answers[k])
                                      + dt.timedelta(days=rng.randint(-90, 90))).isoformat()
                if rng.random() < 0.1 and "begaran_mottagen" in answers:
                    answers["begaran_mottagen"] = "inte ett datum"
                if rng.random() < 0.05 and "svar_datum" in answers:
                    answers["svar_datum"] = 5  # stray JSON types, as an old import might leave them
                if rng.random() < 0.05:
                    answers["svar"] = True
                if rng.random() < 0.5:  # blank in every way str.strip() knows, or not blank at all
                    answers[rng.choice(flags)] = rng.choice(blanks)
                decision = r.decision
                if rng.random() < 0.3:
                    decision = {"outcome": rng.choice(["faststalld", "inte_dumpning"]), "motivation": "Test.",
                                "date": "2026-10-01", "by": "x"} if rng.random() < 0.7 else None
                status = rng.choice(["oppet", "oppet", "avslutat"])
                answers["diarienummer"] = f"{answers['diarienummer']}-{rng.random():.8f}"
                conn.execute(cases.insert().values(
                    diarienummer=answers["diarienummer"], caseworker=answers["handlaggare"], status=status,
                    version=1, created_at=dt.datetime.now(dt.timezone.utc),
                    updated_at=dt.datetime.now(dt.timezone.utc), answers=answers, decision=decision))
    assert compare_with_casestate(demo, TODAY) == 150
    assert compare_answers_with_store(demo, register.read_identified(demo, ("id",), purpose="test").cases) == 150
    by_id = {c.id: c.answers for c in demo.list_cases()}
    plan = register._plan(g)
    for read in (register._read_raw_sqlite, register._read_raw_generic):  # "answered?" as guideline._answered
        raw = read(demo, plan, (), None, None)
        for q in flags:
            got = raw.kinds[q].to_numpy()[raw.key]
            want = [_answered(by_id[int(i)].get(q)) for i in raw.rows["id"]]
            assert list(got) == want, (read.__name__, q)
    fast = register.read_identified(demo, True, purpose="test")
    with pytest.MonkeyPatch.context() as mp:  # PostgreSQL's reading agrees on the scrambled cases too
        mp.setattr(register, "_read_raw_sqlite", register._read_raw_generic)
        slow = register.read_identified(demo, True, purpose="test")
    pd.testing.assert_frame_equal(fast.cases, slow.cases)
    pd.testing.assert_frame_equal(fast.deadlines, slow.deadlines)


def test_whitespace_is_what_str_strip_removes():
    """A free-text answer of only these is unanswered in SQL, as guideline._answered says in Python."""
    assert set(register._WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_sqlite_read_in_ranges_and_threads_gives_the_same_register(demo, monkeypatch):
    """The SQLite read splits the ids into ranges, two at a time on their own connections;
    one range on one thread must give exactly the same frames."""
    whole = register.read_identified(demo, True, purpose="test")
    calls = []
    real = register._sqlite_cursor_run
    monkeypatch.setattr(register, "_sqlite_cursor_run", lambda *a: calls.append(a[2]) or real(*a))
    monkeypatch.setattr(register, "_SQLITE_CHUNK_IDS", 7)
    monkeypatch.setattr(register, "_SQLITE_WORKERS", 2)
    ranged = register.read_identified(demo, True, purpose="test")
    assert len(calls) - 1 >= 30 // 7  # the id list, then one query per range
    monkeypatch.setattr(register, "_SQLITE_WORKERS", 1)
    serial = register.read_identified(demo, True, purpose="test")
    for other in (ranged, serial):
        pd.testing.assert_frame_equal(whole.cases, other.cases)
        pd.testing.assert_frame_equal(whole.deadlines, other.deadlines)
    only = register.read_identified(demo, ("id",), status="avslutat", purpose="test").cases
    assert len(only) and set(register.load_register(demo, status="avslutat")["pseudonym"]) == \
        {register.pseudonym(i, register.pseudonym_key()) for i in only["id"]}


def test_the_read_puts_the_garbage_collector_back(demo):
    import gc
    register.load_register(demo)
    assert gc.isenabled()
    gc.disable()
    try:
        register.load_register(demo)
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_generic_sql_path_gives_the_same_register(demo, monkeypatch):
    """PostgreSQL reads one column per answer (->>); the same code runs on SQLite here."""
    fast = register.read_identified(demo, True, purpose="test")
    monkeypatch.setattr(register, "_read_raw_sqlite", register._read_raw_generic)
    slow = register.read_identified(demo, True, purpose="test")
    pd.testing.assert_frame_equal(fast.cases, slow.cases)
    pd.testing.assert_frame_equal(fast.deadlines, slow.deadlines)


def test_pseudonymised_view_and_its_files_leak_nothing(demo):
    secrets = secrets_of(demo)
    df = register.load_register(demo)
    for col in ("id", "diarienummer", "namn", "personnummer", "kontakt_person", "upplevelse", "mellantvang",
                "barnens_situation", "starkast_anknytning", "insats", "motivation"):
        assert col not in df.columns
    textarea = {q.id for q in demo.g.questions.values() if q.type == "textarea" or q.sensitive}
    assert not textarea & set(df.columns)
    assert_no_secrets(df.astype(str).to_csv(), secrets)

    csv_path = register.export_register(demo, fmt="csv")
    xlsx_path = register.export_register(demo, fmt="xlsx")
    assert csv_path.parent == data_dir() / "exports"
    for p in (csv_path, xlsx_path):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows åäö
    back = pd.read_csv(csv_path, sep=";", dtype=str, encoding="utf-8-sig")
    assert len(back) == 30 and "pseudonym" in back.columns
    assert "0180" in set(back["tidigare_kommun"])
    assert_no_secrets(raw.decode("utf-8-sig"), secrets)
    wb = openpyxl.load_workbook(xlsx_path)
    cells = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    assert "pseudonym" in cells
    assert_no_secrets(cells, secrets)


def test_identifiers_only_through_the_logged_function(demo, monkeypatch):
    register.load_register(demo)
    assert register.identifier_reads(demo) == []  # the pseudonymised view is not an identifier read
    for kwargs in ({"identifiers": True}, {"identifiers": ("id",), "purpose": "x"}, {"caseworker": "Bo"}):
        with pytest.raises(TypeError, match="read_identified"):
            register.read_register(demo, **kwargs)
    for purpose in ("", "  ", None, "x"):  # the purpose must be named
        with pytest.raises(ValueError, match="syftet"):
            register.read_identified(demo, ("diarienummer",), purpose=purpose)
    assert register.identifier_reads(demo) == []
    monkeypatch.setenv("DUMPNING_USER", "granskare")  # the signed-in user (settings.current_user)
    df = register.read_identified(demo, ("diarienummer",), purpose="granskning av svarstider").cases
    assert "diarienummer" in df.columns and "personnummer" not in df.columns and "namn" not in df.columns
    assert "handlaggare" not in df.columns and "hyresvard_namn" not in df.columns
    monkeypatch.setenv("DUMPNING_USER", "testhandlaggare")
    full = register.read_identified(demo, True, purpose="test").cases
    assert set(register.IDENTIFIER_FIELDS) <= set(full.columns)
    reads = register.identifier_reads(demo)
    assert len(reads) == 2  # one row per read, however many cases
    assert reads[1]["user"] == "granskare" and reads[1]["fields"] == ["diarienummer"]
    assert reads[1]["case_count"] == 30 and reads[1]["purpose"] == "granskning av svarstider"
    assert reads[0]["user"] == "testhandlaggare" and reads[0]["fields"] == list(register.IDENTIFIER_FIELDS)
    assert len(register.identifier_reads(demo, case_id=17)) == 2
    assert register.identifier_reads(demo, case_id=999) == []
    only = register.read_identified(demo, ("id",), caseworker="Anna Handläggare", purpose="test").cases
    assert register.identifier_reads(demo)[0]["case_count"] == len(only) == 10
    # Landlord names: a logged read too, and only names with a company form come back.
    names = register.landlord_names(demo, purpose="nämndrapport")
    assert register.identifier_reads(demo)[0]["fields"] == ["hyresvard_namn"]
    assert names and all("AB" in v.split() and k.startswith("H-") for k, v in names.items())
    assert register.is_company_name("Fastighets AB Exempelhuset") and register.is_company_name("Brf Tallen")
    assert register.is_company_name("Stiftelsen Hem") and not register.is_company_name("Abbe Svensson")
    assert not register.is_company_name("Sven Svensson") and not register.is_company_name("Labbet Hyr Ut")
    with pytest.raises(ValueError):
        register.read_identified(demo, ("adress",), purpose="test")


def test_id_ranges_are_compact():
    assert register._id_ranges([5, 1, 2, 3, 7, 8]) == [[1, 3], [5, 5], [7, 8]]
    assert register._id_ranges(range(1, 100_001)) == [[1, 100_000]]


def test_pseudonyms_are_stable_and_the_key_is_private(demo):
    a = register.load_register(demo)
    b = register.read_identified(demo, ("id",), purpose="test").cases
    assert list(a["pseudonym"]) == list(b["pseudonym"])
    key_file = data_dir() / register.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = register.pseudonym_key()
    assert len(key) == 32
    assert b.set_index("id")["pseudonym"].to_dict() == {i: register.pseudonym(i, key) for i in b["id"]}
    assert register.pseudonym(1, key) != register.pseudonym(1, os.urandom(32))
    register._PSEUDONYM_CACHE.clear()  # the fast batch path gives exactly hmac.digest's answers
    many = list(range(1, 3000, 7))
    assert register._pseudonyms(many) == [register.pseudonym(i, key) for i in many]
    assert not any(f.name.startswith(".") for f in data_dir().iterdir())  # no temporary key files left


def test_filters(demo):
    assert set(register.load_register(demo, status="oppet")["status"]) == {"oppet"}
    closed = register.load_register(demo, status="avslutat")
    assert len(closed) and closed["nasta_frist"].isna().all()
    bo = register.read_identified(demo, ("handlaggare",), caseworker="Bo Socialsekreterare", purpose="test").cases
    assert set(bo["handlaggare"]) == {"Bo Socialsekreterare"}
    assert register.read_identified(demo, ("id",), caseworker="Ingen Alls", purpose="test").cases.empty


def test_spreadsheet_formulas_are_neutralised(demo):
    with demo.engine.begin() as conn:
        row = conn.execute(select(cases.c.id, cases.c.answers).where(cases.c.id == 11)).one()
        answers = {**row.answers, "hyresvard_namn": '=HYPERLINK("http://example.invalid","AB")'}
        conn.execute(update(cases).where(cases.c.id == 11).values(answers=answers))
    df = register.read_identified(demo, ("hyresvard_namn",), purpose="test").cases
    csv = register.to_csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv
    wb = openpyxl.load_workbook(io.BytesIO(register.to_xlsx_bytes(df)))
    values = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert values and all(c.data_type == "s" and c.value.startswith("'=") for c in values)


def test_ics_parses_back_with_the_right_dates(demo):
    reg = register.read_identified(demo, ("id", "diarienummer", "handlaggare"), status="oppet", purpose="test")
    names = {c.answers["namn"] for c in demo.list_cases()}
    pnrs = {c.answers["personnummer"] for c in demo.list_cases()}
    data = ics.to_ics(reg.deadlines)
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["version"]) == "2.0" and "dumpning-kit" in str(cal["prodid"])
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(reg.deadlines) > 5
    want = {(int(r.id), r.frist_id): (r.sista_dag.date(), r.diarienummer, r.frist_namn)
            for r in reg.deadlines.itertuples()}
    uids = set()
    for ev in events:
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)  # all-day
        m = re.fullmatch(r"dumpning-kit-1460-arende-(\d+)-(\w+)@dumpning-kit\.invalid", str(ev["uid"]))
        due, dnr, label = want[(int(m.group(1)), m.group(2))]
        assert start == due
        summary = str(ev["summary"])
        assert dnr in summary and label in summary
        text = summary + str(ev.get("description", ""))
        assert not any(n in text for n in names) and not any(p in text or p.replace("-", "") in text for p in pnrs)
        uids.add(str(ev["uid"]))
    assert len(uids) == len(events)
    again = {str(e["uid"]) for e in icalendar.Calendar.from_ical(ics.to_ics(reg.deadlines)).walk("VEVENT")}
    assert again == uids  # stable: a new import updates instead of duplicating
    assert b"BEGIN:VCALENDAR" in data and b"\r\n" in data


def test_ics_of_an_empty_register_is_valid(store):
    data = ics.open_deadlines_ics(store)
    cal = icalendar.Calendar.from_ical(data)
    assert list(cal.walk("VEVENT")) == [] and str(cal["version"]) == "2.0"
