"""The team database on PostgreSQL guarantees the log (issue 10, point 2).

Every attack is tried as a caseworker who runs code in their own kernel. The core attacks use
REAL peer authentication: an operating-system account and a PostgreSQL role of the same name
(made with `dumpning-kit db add-user`), and the attack runs as that account with
`runuser -u ACCOUNT -- psql` over the Unix socket, with no password anywhere. Store-level
behaviour as a caseworker role connects from the test process over TCP (127.0.0.1) with a
throwaway password set only inside the test (the test process runs as root, whose peer name is
no caseworker). Every account and role made here carries a unique prefix and is removed at the end.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from conftest import postgres_url, reset_postgres
from dumpning_kit import migrate
from dumpning_kit.errors import UserError
from dumpning_kit.store import READ_KINDS, Store

pytestmark = pytest.mark.postgres
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"

CORE = {"diarienummer": "SN 2026/17", "namn": "Åsa Öberg-Testsson", "personnummer": "198112189876",
        "handlaggare": "Anna", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-10-01",
        "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "ja", "barn_antal": "2",
        "hyresvard_namn": "Fastighets AB Exempelhuset"}
SECRET_TEXT = "Jag hade inget val, sa Åsa."
IDENTIFYING = ("Åsa Öberg-Testsson", "19811218-9876", "198112189876", "SN 2026/17", SECRET_TEXT, "Exempelhuset")


def cli(*args: str, url: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "DUMPNING_DATABASE_URL"}
    if url is not None:
        full["DUMPNING_DATABASE_URL"] = url
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "dumpning_kit.cli", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def one_swedish_line(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dumpning-kit: fel:"), r.stderr
    assert "Traceback" not in r.stderr and "Error" not in r.stderr
    return lines[0]


@pytest.fixture
def owner_url():
    url = postgres_url()
    reset_postgres(url)
    yield url
    reset_postgres(url)


@pytest.fixture
def owner(owner_url):
    engine = sa.create_engine(owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def people(owner_url):
    """make(kind, role, account=True): a PostgreSQL role made by `dumpning-kit db add-user` and,
    with account, an OS account of the same name (no home, no login shell)."""
    prefix = "dbt" + uuid.uuid4().hex[:6]
    made: list[tuple[str, bool]] = []

    def make(kind: str, role: str = "handlaggare", account: bool = True) -> str:
        name = f"{prefix}_{kind}"
        if account:
            if shutil.which("useradd") is None or os.geteuid() != 0:
                pytest.fail("the peer-authentication attacks need root and useradd (CI runs as root)")
            subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
        made.append((name, account))
        r = cli("db", "add-user", name, "--role", role, url=owner_url)
        assert r.returncode == 0, r.stderr
        return name

    yield make
    engine = sa.create_engine(owner_url)
    try:
        for name, account in made:
            try:
                with engine.begin() as conn:
                    if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'").first():
                        db = conn.exec_driver_sql("SELECT current_database()").scalar_one()
                        conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{db}" FROM "{name}"')  # granted by db add-user
                    conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
            finally:
                if account:
                    subprocess.run(["userdel", name], check=False)
    finally:
        engine.dispose()


def db_name(url: str) -> str:
    return make_url(url).database


def psql(account: str, sql: str, url: str, *extra: str) -> subprocess.CompletedProcess:
    """psql as that OS account over the Unix socket (peer authentication, no password)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run([RUNUSER, "-u", account, "--", "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                           "-d", db_name(url), "-p", str(make_url(url).port or 5432), *extra, "-c", sql],
                          capture_output=True, text=True, env=env, cwd="/", timeout=60)


def denied(r: subprocess.CompletedProcess) -> bool:
    return r.returncode != 0 and ("permission denied" in r.stderr or "must be owner" in r.stderr
                                  or "ERROR" in r.stderr)


def role_url(owner_url: str, name: str, password: str) -> str:
    u = make_url(owner_url).set(username=name, password=password)
    return u.render_as_string(hide_password=False)


@pytest.fixture
def with_password(owner):
    """Give a role a throwaway password for the test process's TCP connection."""
    def give(name: str) -> str:
        pw = uuid.uuid4().hex
        with owner.begin() as conn:
            conn.exec_driver_sql(f"ALTER ROLE \"{name}\" PASSWORD '{pw}'")
        return pw
    return give


def events_of(owner, case_id: int) -> list[tuple]:
    with owner.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            'SELECT kind, "user", detail FROM events WHERE case_id = :i ORDER BY id'), {"i": case_id})]


def a_case(owner_url: str) -> int:
    s = Store(owner_url)
    try:
        case = s.create_case(CORE, user="anna")
        return s.save_answers(case.id, case.version, {"upplevelse": SECRET_TEXT}, user="anna").id
    finally:
        s.close()


# ---- db setup and db add-user ----------------------------------------------------------

def test_db_setup_is_idempotent_and_makes_the_groups_grants_and_trigger(owner_url, owner):
    r = cli("db", "setup", url=owner_url)
    assert r.returncode == 0 and f"version {migrate.HEAD}" in r.stdout, r.stderr
    r = cli("db", "setup", url=owner_url)  # again: nothing breaks, nothing doubles
    assert r.returncode == 0, r.stderr
    with owner.connect() as conn:
        roles = dict(conn.execute(sa.text("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN "
                                          "('dumpning_handlaggare', 'dumpning_analytiker')")).all())
        assert roles == {"dumpning_handlaggare": False, "dumpning_analytiker": False}
        priv = {p: conn.execute(sa.text(f"SELECT has_table_privilege('dumpning_handlaggare', 'events', '{p}')")
                                ).scalar() for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")}
        assert priv == dict.fromkeys(priv, False)
        cols = {c: conn.execute(sa.text(f"SELECT has_column_privilege('dumpning_handlaggare', 'cases', '{c}', "
                                        "'SELECT')")).scalar() for c in ("id", "version", "answers",
                                                                          "diarienummer", "decision")}
        assert cols == {"id": True, "version": True, "answers": False, "diarienummer": False, "decision": False}
        assert not conn.execute(sa.text("SELECT has_table_privilege('dumpning_handlaggare', 'cases', 'DELETE')"
                                        )).scalar()
        assert conn.execute(sa.text("SELECT count(*) FROM pg_trigger WHERE tgname = 'dumpning_cases_written'")
                            ).scalar() == 1
        definers = conn.execute(sa.text(
            "SELECT count(*) FROM pg_proc WHERE proname LIKE 'dumpning_%' AND prosecdef "
            "AND pg_get_userbyid(proowner) = session_user AND array_to_string(proconfig, ',') LIKE 'search_path=%'"
        )).scalar()
        assert definers == 13  # every function: SECURITY DEFINER, owned by the owner, fixed search_path


def test_db_commands_refuse_bad_input_with_one_swedish_line(owner_url, people, with_password):
    assert "inte satt" in one_swedish_line(cli("db", "setup"))
    assert "PostgreSQL" in one_swedish_line(cli("db", "setup", url="sqlite:///x.sqlite"))
    assert "giltig" in one_swedish_line(cli("db", "setup", url="postgresql+nosuchdriver://a@b/c"))
    wrong = make_url(owner_url).set(password="fel-lösenord").render_as_string(hide_password=False)
    line = one_swedish_line(cli("db", "setup", url=wrong))
    assert "lösenordet godtogs inte" in line and "fel-lösenord" not in line
    closed = make_url(owner_url).set(port=1).render_as_string(hide_password=False)
    assert "ingen databasserver svarar" in one_swedish_line(cli("db", "setup", url=closed))
    # insufficient privilege: a caseworker's own role cannot set up or add people
    name = people("priv", account=False)
    worker = role_url(owner_url, name, with_password(name))
    assert "äger inte databasen" in one_swedish_line(cli("db", "setup", url=worker))
    assert "äger inte databasen" in one_swedish_line(cli("db", "add-user", "dbtx_ny", "--role", "handlaggare",
                                                         url=worker))
    for bad in ("Anna", "anna svensson", "1anna", "anna;drop", "a" * 64, "ånna", ""):
        assert "går inte att använda" in one_swedish_line(cli("db", "add-user", bad, "--role", "handlaggare",
                                                              url=owner_url)), bad
    owner_name = make_url(owner_url).username
    for reserved in ("pg_monitor", "pg_signal_backend", "dumpning_handlaggare", "dumpning_analytiker", "postgres",
                     owner_name):
        assert "reserverat" in one_swedish_line(cli("db", "add-user", reserved, "--role", "analytiker",
                                                    url=owner_url)), reserved
    for role in ("admin", "Handlaggare", ""):
        assert "Okänd roll" in one_swedish_line(cli("db", "add-user", "dbtx_ok", "--role", role, url=owner_url))
    r = cli("db", "add-user", "dbtx_ok", url=owner_url)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    r = cli("db", url=owner_url)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


def test_add_user_makes_a_passwordless_login_role_in_one_group(owner_url, owner, people):
    name = people("grupp", "handlaggare", account=False)
    r = cli("db", "add-user", name, "--role", "analytiker", url=owner_url)  # moved, not in both
    assert r.returncode == 0 and "Uppdaterade" in r.stdout
    with owner.connect() as conn:
        groups = set(conn.execute(sa.text(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n"), {"n": name}).scalars())
        login, superuser, createrole = conn.execute(sa.text(
            "SELECT rolcanlogin, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = :n"), {"n": name}).one()
    assert groups == {"dumpning_analytiker"} and login and not superuser and not createrole
    r = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-XAtq", "-c",
                        f"SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = '{name}'"],
                       capture_output=True, text=True, cwd="/")
    assert r.stdout.strip() == "t", r.stderr  # no password exists that could be stolen


def test_a_caseworker_of_another_database_cannot_connect_here(owner_url, owner, people):
    """The group roles are cluster-wide; CONNECT is granted per person by `db add-user`, not to PUBLIC."""
    here = people("har", "handlaggare")
    elsewhere = people("annan", "handlaggare")
    with owner.begin() as conn:  # as if added to another municipality's database on the same cluster
        conn.exec_driver_sql(f'REVOKE CONNECT ON DATABASE "{db_name(owner_url)}" FROM "{elsewhere}"')
    r = psql(elsewhere, "SELECT 1", owner_url)
    assert r.returncode != 0 and "permission denied for database" in r.stderr, r.stderr
    r = psql(here, "SELECT count(*) FROM cases_pseudonymised", owner_url)
    assert r.returncode == 0, r.stderr


# ---- attacks as a caseworker, with real peer authentication ------------------------------

def test_caseworker_cannot_change_delete_or_forge_the_log(owner_url, owner, people):
    cid = a_case(owner_url)
    anna, bo = people("anna"), people("bo")
    before = events_of(owner, cid)
    assert [e[0] for e in before] == ["skapat", "sparat"]
    attacks = {
        "UPDATE of an event": 'UPDATE events SET "user" = \'nagon\', kind = \'last\'',
        "DELETE of an event": "DELETE FROM events",
        "TRUNCATE events": "TRUNCATE events",
        "TRUNCATE cases": "TRUNCATE cases CASCADE",
        "DELETE of a case": "DELETE FROM cases",
        "direct INSERT into events": f'INSERT INTO events (case_id, at, "user", kind, detail) '
                                     f"VALUES ({cid}, now(), '{bo}', 'beslut', '{{}}')",
        "register_reads changed": "DELETE FROM register_reads",
        "trigger switched off": "ALTER TABLE cases DISABLE TRIGGER dumpning_cases_written",
        "triggers skipped (replica)": "SET session_replication_role = replica",
        "becoming the owner": f"SET ROLE {make_url(owner_url).username}",
        "session as the owner": f"SET SESSION AUTHORIZATION {make_url(owner_url).username}",
        "calling the trigger function": "SELECT dumpning_cases_written()",
        "calling the internal log": f"SELECT dumpning_log_reads_internal(ARRAY[{cid}], 'last', '{{}}', true)",
        "forging a write event through the read log": f"SELECT dumpning_log_read(ARRAY[{cid}], 'sparat', '{{}}')",
        "forging a decision event": f"SELECT dumpning_log_read(ARRAY[{cid}], 'beslut', '{{}}')",
        "an own function in the schema": "CREATE FUNCTION public.x() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "an own table in the schema": "CREATE TABLE public.events2 (id int)",
        "copying the cases out": "COPY cases TO STDOUT",
        "copying the log out": "COPY (SELECT * FROM events) TO STDOUT",
        "changing a case's id": f"UPDATE cases SET id = 999 WHERE id = {cid}",
    }
    results = {what: psql(anna, sql, owner_url) for what, sql in attacks.items()}
    for what, r in results.items():
        assert denied(r), (what, r.stdout, r.stderr)
    assert events_of(owner, cid) == before  # nothing happened to the log
    with owner.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 1


def test_caseworker_cannot_read_identifying_data_directly(owner_url, owner, people):
    cid = a_case(owner_url)
    anna = people("las")
    for sql in ("SELECT answers FROM cases", "SELECT * FROM cases", "SELECT diarienummer FROM cases",
                "SELECT answers->>'personnummer' FROM cases", "SELECT decision FROM cases",
                "SELECT caseworker FROM cases",
                "SELECT * FROM events", "SELECT detail FROM events", "SELECT * FROM register_reads",
                f"SELECT id FROM cases WHERE answers->>'personnummer' LIKE '1981%'",
                f"UPDATE cases SET version = version WHERE id = {cid} RETURNING answers",
                f"UPDATE cases SET version = version WHERE id = {cid} AND diarienummer LIKE 'SN%'"):
        r = psql(anna, sql, owner_url)
        assert denied(r) and "permission denied" in r.stderr, (sql, r.stdout, r.stderr)
        assert not any(x in r.stdout + r.stderr for x in IDENTIFYING), sql
    # what a caseworker may read directly: the non-identifying columns
    r = psql(anna, "SELECT id, version, status FROM cases", owner_url)
    assert r.returncode == 0 and r.stdout.strip() == f"{cid}|2|oppet", r.stderr


def test_a_read_through_the_functions_is_always_logged_first(owner_url, owner, people):
    cid = a_case(owner_url)
    anna = people("funk")
    base = len(events_of(owner, cid))
    # without a logged read the function returns nothing
    r = psql(anna, f"SELECT count(*) FROM dumpning_read_cases(ARRAY[{cid}])", owner_url)
    assert r.returncode == 0 and r.stdout.strip() == "0", r.stderr
    # logged and read in one transaction, then rolled back: nothing is returned, nothing is left
    r = psql(anna, f"BEGIN; SELECT dumpning_log_read(ARRAY[{cid}], 'last', '{{}}'); "
                   f"SAVEPOINT s; SELECT dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{}}'); RELEASE s; "
                   f"SELECT count(*) FROM dumpning_read_cases(ARRAY[{cid}]); "
                   f"SELECT count(*) FROM dumpning_case_events({cid}); ROLLBACK;", owner_url)
    assert r.returncode == 0 and r.stdout.split() == ["1", "1", "0", "0"], (r.stdout, r.stderr)
    assert len(events_of(owner, cid)) == base
    # the register with identifiers likewise: a register read logged in the same transaction is no key
    r = psql(anna, "BEGIN; SELECT count(*) FROM dumpning_register_rows("
                   "dumpning_log_register_read(ARRAY['namn'], 'nyfikenhet')); ROLLBACK;", owner_url)
    assert denied(r) and "inte loggad" in r.stderr
    # a colleague's logged read is no key for anna
    bo = people("funkbo")
    assert psql(bo, f"SELECT dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{}}')", owner_url).returncode == 0
    r = psql(anna, f"SELECT count(*) FROM dumpning_read_cases(ARRAY[{cid}])", owner_url)
    assert r.stdout.strip() == "0"
    # logged (committed), then read: the data comes, and the log names anna's role
    r = psql(anna, f"SELECT dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{\"vy\": \"psql\"}}')", owner_url)
    assert r.returncode == 0 and r.stdout.strip() == "1", r.stderr
    r = psql(anna, f"SELECT answers->>'personnummer' FROM dumpning_read_cases(ARRAY[{cid}])", owner_url)
    assert r.stdout.strip() == "19811218-9876", r.stderr
    reads = [(k, u) for k, u, _ in events_of(owner, cid)[base:]]
    assert reads == [("oppnat", bo), ("oppnat", anna)]
    # a search by diarienummer logs too
    r = psql(anna, "SELECT dumpning_log_find('SN 2026/17')", owner_url)
    assert r.stdout.strip() == str(cid)


def test_a_direct_write_cannot_misstate_who_decided_or_hide_a_column_change(owner_url, owner, people):
    """Migration 0003: the database stamps the decision's author, logs changes outside the answers
    with old and new value, and refuses a status the log would misread."""
    cid = a_case(owner_url)
    anna, bo = people("skriv"), people("skrivkollega")
    forged = '{"outcome": "inte_dumpning", "motivation": "Ingen dumpning enligt utredningen.", ' \
             f'"date": "2026-11-27", "by": "{bo}"}}'
    r = psql(anna, f"UPDATE cases SET decision = '{forged}' WHERE id = {cid}", owner_url)
    assert r.returncode == 0, r.stderr
    with owner.connect() as conn:
        by = conn.execute(sa.text("SELECT decision->>'by' FROM cases WHERE id = :i"), {"i": cid}).scalar_one()
    assert by == anna  # not the colleague the caseworker named
    kind, user, detail = events_of(owner, cid)[-1]
    assert (kind, user) == ("beslut", anna) and detail["new"]["by"] == anna
    r = psql(anna, f"UPDATE cases SET caseworker = 'Någon Annan', created_at = '2020-01-01' WHERE id = {cid}",
             owner_url)
    assert r.returncode == 0, r.stderr
    kind, user, detail = events_of(owner, cid)[-1]
    assert (kind, user) == ("sparat", anna)
    assert detail["columns"]["caseworker"] == ["Anna", "Någon Annan"], detail
    assert set(detail["columns"]) == {"caseworker", "created_at"}
    n = len(events_of(owner, cid))
    r = psql(anna, f"UPDATE cases SET status = 'raderad' WHERE id = {cid}", owner_url)
    assert r.returncode != 0 and "ck_cases_status" in r.stderr, r.stderr
    assert len(events_of(owner, cid)) == n


def test_an_event_under_another_name_is_impossible(owner_url, owner, people):
    cid = a_case(owner_url)
    anna, bo = people("namn"), people("kollega")
    # a caseworker who claims to be the colleague (the owner's setting for the CLI) changes the case
    r = psql(anna, f"BEGIN; SELECT set_config('dumpning.user', '{bo}', true); SET LOCAL dumpning.step = 'bedomning'; "
                   f"UPDATE cases SET version = version + 1, answers = '{{\"diarienummer\": \"SN 2026/17\"}}' "
                   f"WHERE id = {cid} AND version = 2; COMMIT;", owner_url)
    assert r.returncode == 0, r.stderr
    kind, user, detail = events_of(owner, cid)[-1]
    assert (kind, user) == ("sparat", anna) and detail["step"] == "bedomning"
    # the overwrite is in the log, with what it destroyed
    assert detail["changes"]["upplevelse"] == [SECRET_TEXT, None]
    r = psql(anna, f"BEGIN; SELECT set_config('dumpning.user', '{bo}', true); "
                   f"SELECT dumpning_log_read(ARRAY[{cid}], 'exporterat', '{{}}'); COMMIT;", owner_url)
    assert r.returncode == 0
    assert events_of(owner, cid)[-1][:2] == ("exporterat", anna)
    # and anna cannot log in as bo: peer authentication checks the OS account
    r = psql(anna, "SELECT 1", owner_url, "-U", bo)
    assert r.returncode != 0 and "Peer authentication failed" in r.stderr
    # nor over TCP without a password (none exists)
    r = psql(anna, "SELECT 1", owner_url, "-h", "127.0.0.1", "-w")
    assert r.returncode != 0


def test_analyst_reads_only_the_pseudonymised_view(owner_url, owner, people):
    cid = a_case(owner_url)
    s = Store(owner_url)
    s.record_decision(cid, 2, "faststalld", "Motiveringen nämner Åsa Öberg-Testsson vid namn.", user="anna")
    s.close()
    eva = people("analys", "analytiker")
    for sql in ("SELECT * FROM cases", "SELECT id FROM cases", "SELECT * FROM events", "SELECT * FROM register_reads",
                f"SELECT dumpning_log_read(ARRAY[{cid}], 'last', '{{}}')",
                f"SELECT * FROM dumpning_read_cases(ARRAY[{cid}])",
                "SELECT dumpning_log_register_read(ARRAY['namn'], 'analys')",
                f"UPDATE cases SET version = 9 WHERE id = {cid}"):
        r = psql(eva, sql, owner_url)
        assert denied(r) and "permission denied" in r.stderr, (sql, r.stderr)
    r = psql(eva, "SELECT row_to_json(v) FROM cases_pseudonymised v", owner_url)
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
    import json
    row = json.loads(r.stdout.strip())
    assert not any(x in r.stdout for x in IDENTIFYING + ("Motiveringen", "Anna")), r.stdout
    assert row["diarienummer"] is None and row["caseworker"] is None
    assert row["answers"]["tidigare_kommun"] == "1480" and row["answers"]["barn_antal"] == 2
    assert row["answers"]["upplevelse"] is True  # free text only as "answered"
    token = row["answers"]["hyresvard_namn"]  # the landlord: a keyed token, the same for the same name
    assert token.startswith("T") and len(token) == 17 and "Exempel" not in token
    r = psql(eva, "SELECT * FROM dumpning_secret", owner_url)
    assert denied(r) and "permission denied" in r.stderr
    assert row["decision"] == {"outcome": "faststalld", "date": "2026-11-27"}


# ---- the Store as a caseworker's or an analyst's own role ----------------------------------

def test_store_as_a_caseworker_role_lets_the_database_log_everything(owner_url, owner, people, with_password,
                                                                     monkeypatch):
    """TCP with a throwaway password (see the module docstring); the environment names a colleague."""
    anna, bo = people("app", account=False), people("appbo", account=False)
    monkeypatch.setenv("JUPYTERHUB_USER", bo)
    monkeypatch.setenv("DUMPNING_USER", bo)
    s = Store(role_url(owner_url, anna, with_password(anna)))
    try:
        assert not s.trusted and s.db_user == anna
        case = s.create_case(CORE, user=bo)
        case = s.save_answers(case.id, case.version, {"upplevelse": SECRET_TEXT}, user=bo, step="upplevelse")
        case = s.record_decision(case.id, case.version, "misstanke", "Personen tog inget initiativ till flytten.",
                                 user=bo)
        assert case.decision.by == anna  # the decision names the role, not what the client claimed
        case = s.close_case(case.id, case.version, user=bo)
        case = s.close_case(case.id, case.version, reopen=True)
        s.log(case.id, "oppnat", {"vy": "arende"}, user=bo)
        assert s.log_reads([case.id], "listat", {"vy": "arendelista"}) == 0  # she has just worked on it
        with pytest.raises(ValueError):
            s.log(case.id, "sparat", {})
        history = s.events(case.id)  # the app's history view reads the log through the database
        kinds = [e.kind for e in history]
        assert [k for k in kinds if k not in READ_KINDS] == ["skapat", "sparat", "beslut", "avslutat", "atertaget"]
        assert "oppnat" in kinds
        assert {e.user for e in history} == {anna}
        saved = history[kinds.index("sparat")]
        assert saved.detail == {"step": "upplevelse", "changes": {"upplevelse": [None, SECRET_TEXT]}}
        assert saved.version == 2
        created = history[0].detail["changes"]
        assert created["personnummer"] == [None, "19811218-9876"] and created["barn_antal"] == [None, 2]
        decided = history[kinds.index("beslut")].detail
        assert decided["old"] is None and decided["new"]["outcome"] == "misstanke"
        # reads go through the logging functions and appear in the log
        assert [c.id for c in s.list_cases()] == [case.id]
        assert s.find_by_diarienummer("SN 2026/17").id == case.id and s.find_by_diarienummer("SN 0") is None
        assert s.count() == 1
        assert s.get(case.id).answers["upplevelse"] == SECRET_TEXT
        with pytest.raises(UserError, match="får inte"):
            s.delete_cases([case.id])
        with pytest.raises(UserError, match="får inte"):
            s.read_events()
    finally:
        s.close()
    rows = events_of(owner, case.id)
    assert {u for _, u, _ in rows} == {anna} and bo not in str(rows)
    # a stale write is refused as before, and nothing is logged for it
    s = Store(role_url(owner_url, anna, with_password(anna)))
    try:
        from dumpning_kit.errors import StaleWriteError
        n = len(events_of(owner, case.id))
        with pytest.raises(StaleWriteError):
            s.save_answers(case.id, 1, {"upplevelse": "annat"})
        assert len(events_of(owner, case.id)) == n
    finally:
        s.close()


def test_store_reads_are_logged_for_a_caseworker_role(owner_url, owner, people, with_password):
    cid = a_case(owner_url)
    anna = people("lasapp", account=False)
    s = Store(role_url(owner_url, anna, with_password(anna)))
    try:
        base = len(events_of(owner, cid))
        assert s.get(cid).answers["namn"] == CORE["namn"]
        assert events_of(owner, cid)[base:][0][:2] == ("last", anna)
        s.get(cid)  # the same person again within minutes: one event is enough
        assert len(events_of(owner, cid)) == base + 1
        # the case list: one "listat" per case, also when the app logs the names it shows
        other = people("lasannan", account=False)
        t = Store(role_url(owner_url, other, with_password(other)))
        try:
            [listed] = t.list_cases()
            t.log_reads([listed.id], "listat", {"vy": "arendelista"})
            t.log_reads([listed.id], "sokt", {"vy": "arendelista", "sokning": "personnummer"})
        finally:
            t.close()
        assert [k for k, u, _ in events_of(owner, cid) if u == other] == ["listat", "sokt"]
    finally:
        s.close()


def test_register_for_a_caseworker_and_an_analyst_role(owner_url, owner, people, with_password):
    from dumpning_kit.register import identifier_reads, load_register, read_identified
    cid = a_case(owner_url)
    o = Store(owner_url)
    closed = o.create_case({**CORE, "diarienummer": "SN 2026/18"}, user="bo")
    o.close_case(closed.id, closed.version, user="bo")
    o.close()
    anna, eva = people("reg", account=False), people("regeva", "analytiker", account=False)
    s = Store(role_url(owner_url, anna, with_password(anna)))
    try:
        reg = read_identified(s, ("id", "diarienummer", "handlaggare"), purpose="teamöversikt", status="oppet")
        assert list(reg.cases["id"]) == [cid] and list(reg.cases["diarienummer"]) == ["SN 2026/17"]
        assert list(reg.cases["handlaggare"]) == ["Anna"] and "namn" not in reg.cases
        team_deadlines = reg.deadlines
        pseud = load_register(s, status="oppet")
        assert len(pseud) == 1 and "diarienummer" not in pseud and "id" not in pseud
    finally:
        s.close()
    with owner.connect() as conn:
        [(user, purpose, fields, count)] = conn.execute(sa.text(
            'SELECT "user", purpose, fields, case_count FROM register_reads')).all()
    assert (user, purpose, fields, count) == (anna, "teamöversikt", ["id", "diarienummer", "handlaggare"], 1)
    s = Store(owner_url)
    try:
        assert identifier_reads(s, cid)[0]["user"] == anna
        assert identifier_reads(s, closed.id) == []  # the closed case was not read
        full = load_register(s, status="oppet")
        own = read_identified(s, ("id", "diarienummer", "handlaggare"), purpose="jämförelse i testet",
                              status="oppet")
        assert own.deadlines.equals(team_deadlines)
        diff = [c for c in own.cases if not own.cases[c].astype(str).equals(reg.cases[c].astype(str))]
        assert diff == ["hyresvard"], diff  # the landlord's pseudonym comes from the view's keyed token
        assert reg.cases["hyresvard"].iat[0].startswith("H-")
    finally:
        s.close()

    a = Store(role_url(owner_url, eva, with_password(eva)))
    try:
        assert len(load_register(a)) == 2
        df = load_register(a, status="oppet")
        assert len(df) == 1 and df["pseudonym"].iat[0] == full["pseudonym"].iat[0]
        for col in ("tidigare_kommun", "bedomning", "nasta_frist", "barn_antal"):
            assert list(df[col].astype(str)) == list(full[col].astype(str)), col
        assert not any(x in df.to_csv() for x in IDENTIFYING)
        assert df["hyresvard"].iat[0] == reg.cases["hyresvard"].iat[0]  # the same landlord, the same pseudonym
        with pytest.raises(UserError, match="får inte"):
            read_identified(a, ("namn",), purpose="nyfikenhet")
        with pytest.raises(UserError, match="får inte"):
            a.list_cases()
        with pytest.raises(UserError, match="får inte"):
            a.get(cid)
    finally:
        a.close()


def test_store_on_a_database_without_setup_names_the_command(owner_url, owner, people, with_password):
    anna = people("utan", account=False)
    url = role_url(owner_url, anna, with_password(anna))
    with owner.begin() as conn:
        conn.exec_driver_sql("SET client_min_messages = warning")
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    with pytest.raises(UserError, match="dumpning-kit db setup"):
        Store(url)
    with pytest.raises(UserError, match="dumpning-kit db setup"):
        Store(owner_url)
