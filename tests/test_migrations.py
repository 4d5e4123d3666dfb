"""Schema migrations (Alembic, shipped in the package): new SQLite files start at the newest
revision, a file made by the old metadata.create_all upgrades without loss, and on PostgreSQL
Store() never migrates but tells IT to run `dumpning-kit db setup`."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
import sqlalchemy as sa

from conftest import postgres_url, reset_postgres
from dumpning_kit import migrate
from dumpning_kit.errors import UserError
from dumpning_kit.store import READ_KINDS, Store

CORE = {"diarienummer": "SN 2025/4", "namn": "Åsa Öberg-Testsson", "personnummer": "198112189876",
        "handlaggare": "Anna", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-10-01",
        "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "ja", "barn_antal": "2"}


def test_head_constant_and_read_kinds_match_the_migration_scripts():
    import importlib.util
    from alembic.script import ScriptDirectory
    assert migrate.script_head() == migrate.HEAD
    assert sorted(r.revision for r in ScriptDirectory(str(migrate.MIGRATIONS)).walk_revisions()) == list(migrate.KNOWN)
    spec = importlib.util.spec_from_file_location("rev2", migrate.MIGRATIONS / "versions" / "0002_team_security.py")
    rev2 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev2)
    assert tuple(rev2.READ_KINDS) == READ_KINDS


def _legacy_file(path):
    """A database exactly as dumpning-kit made it before migrations: the old store's
    metadata.create_all (cases, events; register_reads only once the register was read), then a
    case with two events written by the old store's statements."""
    md = sa.MetaData()
    cases = sa.Table(
        "cases", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("diarienummer", sa.String(40), nullable=False, unique=True),
        sa.Column("caseworker", sa.String(100), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, default="oppet", index=True),
        sa.Column("version", sa.Integer, nullable=False, default=1),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.Date, nullable=True, index=True),
        sa.Column("next_due", sa.Date, nullable=True, index=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("decision", sa.JSON, nullable=True),
    )
    events = sa.Table(
        "events", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    engine = sa.create_engine(f"sqlite:///{path}")
    md.create_all(engine)
    now = dt.datetime(2026, 10, 2, 9, 30, tzinfo=dt.timezone.utc)
    answers = {"diarienummer": "SN 2025/4", "namn": "Åsa Öberg-Testsson", "personnummer": "19811218-9876",
               "handlaggare": "Anna", "tidigare_kommun": "1480", "ankomstdatum": "2026-10-01",
               "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "ja", "barn_antal": 2,
               "upplevelse": "Jag hade inget val."}
    with engine.begin() as conn:
        cid = conn.execute(sa.insert(cases).values(
            diarienummer="SN 2025/4", caseworker="Anna", status="oppet", version=2, created_at=now,
            updated_at=now, closed_at=None, next_due=dt.date(2026, 11, 30), answers=answers,
            decision=None)).inserted_primary_key[0]
        conn.execute(sa.insert(events), [
            {"case_id": cid, "at": now, "user": "anna", "kind": "skapat", "version": 1,
             "detail": {"changes": {k: [None, v] for k, v in answers.items() if k != "upplevelse"}}},
            {"case_id": cid, "at": now, "user": "anna", "kind": "sparat", "version": 2,
             "detail": {"step": "upplevelse", "changes": {"upplevelse": [None, "Jag hade inget val."]}}},
        ])
    engine.dispose()
    return cid


def test_new_sqlite_file_starts_at_the_newest_revision(tmp_path):
    path = tmp_path / "data" / "ny.sqlite"
    s = Store(f"sqlite:///{path}")
    s.close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.HEAD,)]
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"cases", "events", "register_reads", "alembic_version"} <= tables
    con.close()
    Store(f"sqlite:///{path}").close()  # opening again changes nothing
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.HEAD,)]
    con.close()


def test_legacy_sqlite_file_is_stamped_and_upgraded_without_loss(tmp_path):
    path = tmp_path / "data" / "gammal.sqlite"
    path.parent.mkdir(parents=True)
    cid = _legacy_file(path)
    con = sqlite3.connect(path)
    before = con.execute("SELECT * FROM cases").fetchall(), con.execute("SELECT * FROM events").fetchall()
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert names == {"cases", "events"}  # the old file: no alembic_version, no register_reads

    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert migrate.is_legacy(conn) and migrate.current(conn) is None
    engine.dispose()

    s = Store(f"sqlite:///{path}")
    [case] = s.list_cases()
    assert case.id == cid and case.version == 2 and case.answers["upplevelse"] == "Jag hade inget val."
    assert case.answers["ankomstdatum"] == dt.date(2026, 10, 1) and case.answers["barn_antal"] == 2
    assert [(e.kind, e.user) for e in s.events(cid)] == [("skapat", "anna"), ("sparat", "anna")]
    # the upgraded file works as a new one: a save appends to the same log, the register reads it
    case = s.save_answers(cid, 2, {"eget_initiativ": "nej"}, user="bo", step="bedomning")
    assert [e.kind for e in s.events(cid)] == ["skapat", "sparat", "sparat"] and case.version == 3
    from dumpning_kit.register import identifier_reads, read_identified
    assert list(read_identified(s, ("id",), purpose="kontroll av uppgraderingen").cases["id"]) == [cid]
    assert identifier_reads(s, cid)[0]["purpose"] == "kontroll av uppgraderingen"
    s.close()

    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.HEAD,)]
    after_events = con.execute("SELECT * FROM events ORDER BY id").fetchall()
    assert after_events[:2] == before[1]  # the old rows, unchanged
    assert json.loads(after_events[2][6])["changes"]["eget_initiativ"] == [None, "nej"]
    con.close()


def test_a_database_at_an_unknown_revision_is_not_touched(tmp_path):
    path = tmp_path / "data" / "framtid.sqlite"
    Store(f"sqlite:///{path}").close()
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    with pytest.raises(UserError, match="nyare version.*inte ändrats"):
        Store(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]
    con.close()


@pytest.mark.postgres
def test_postgres_store_never_migrates_and_names_db_setup():
    url = postgres_url()
    reset_postgres(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # an empty schema, as before `db setup`
        conn.exec_driver_sql("SET client_min_messages = warning")
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    try:
        with pytest.raises(UserError, match="dumpning-kit db setup") as e:
            Store(url)
        assert "inga tabeller" in str(e.value)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []  # Store() created nothing
        # only the first revision (an older kit's schema): still refused, still untouched
        from alembic import command
        with engine.connect() as conn:
            command.upgrade(migrate._config(conn), "0001")
            conn.commit()
        with pytest.raises(UserError, match="version 0001.*dumpning-kit db setup"):
            Store(url)
        with engine.connect() as conn:
            assert migrate.current(conn) == "0001"
            assert conn.execute(sa.text("SELECT count(*) FROM pg_trigger WHERE tgname = 'dumpning_cases_written'")
                                ).scalar() == 0
    finally:
        engine.dispose()
        reset_postgres(url)


def test_processes_opening_a_new_file_at_once_all_succeed(tmp_path):
    """Preheated kernels open the same new SQLite file at the same moment: one migrates, the
    others wait for it."""
    import subprocess
    import sys
    path = tmp_path / "data" / "samtidigt.sqlite"
    path.parent.mkdir(parents=True)
    code = ("import sys; from dumpning_kit.store import Store; "
            f"s = Store('sqlite:///{path}'); print(s.count()); s.close()")
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert all(rc == 0 and out.strip() == "0" for out, err, rc in results), results
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrate.HEAD,)]
    con.close()
