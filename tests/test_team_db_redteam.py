"""Red team of the team database's security model (issue 10, point 2).

Every attack runs as a logged-in caseworker (or analyst) with arbitrary SQL, through REAL peer
authentication: an operating-system account and a PostgreSQL role of the same name made with
`dumpning-kit db add-user`, and `runuser -u ACCOUNT -- psql` over the Unix socket, no password.
Each test asserts that an attack is refused AND that nothing changed (the log, the trigger, the
grants), so it fails if the protection it names is removed. Attacks that succeeded are not
tests here; they are fixed in the migration (a write event as a read key, an open transaction
keeping the read window open) or listed in the red-team report.
Every account and role made here carries the prefix "rdt" and is removed at the end.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from conftest import postgres_url, reset_postgres
from dumpning_kit.store import READ_KINDS, Store

pytestmark = pytest.mark.postgres
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"

CORE = {"diarienummer": "SN 2026/17", "namn": "Åsa Öberg-Testsson", "personnummer": "198112189876",
        "handlaggare": "Anna", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-10-01",
        "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "ja", "barn_antal": "2",
        "hyresvard_namn": "Fastighets AB Exempelhuset"}
SECRET_TEXT = "Jag hade inget val, sa Åsa."
MOTIVATION = "Motiveringen nämner Åsa Öberg-Testsson vid namn."
IDENTIFYING = ("Åsa", "Öberg", "19811218-9876", "198112189876", "SN 2026/17", SECRET_TEXT, "Exempelhuset",
               "Motiveringen")


# ---- helpers (kept here so this file does not depend on test_team_db's internals) ----------

def cli(*args: str, url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DUMPNING_DATABASE_URL"}
    env["DUMPNING_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "dumpning_kit.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def db_name(url: str) -> str:
    return make_url(url).database


def psql(account: str, sql: str, url: str, *extra: str, stdin: str | None = None, env: dict | None = None,
         timeout: int = 60) -> subprocess.CompletedProcess:
    """psql as that OS account over the Unix socket (peer authentication, no password). With
    ``stdin`` the lines are sent one by one (separate statements of one session)."""
    full = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **(env or {})}
    cmd = [RUNUSER, "-u", account, "--", "env", *[f"{k}={v}" for k, v in full.items()],
           "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db_name(url), *extra]
    if sql:
        cmd += ["-c", sql]
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/", timeout=timeout, input=stdin)


def refused(r: subprocess.CompletedProcess, *words: str) -> bool:
    """The statement failed with an error (and, if given, one of ``words`` in it)."""
    err = r.stderr.lower()
    return r.returncode != 0 and "error" in err and (not words or any(w.lower() in err for w in words))


DENIED = ("permission denied", "must be owner", "must be superuser", "must have admin option",
          "only superuser", "not allowed")


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
    """make(kind, role): an OS account and a PostgreSQL role of the same name (db add-user)."""
    prefix = "rdt" + uuid.uuid4().hex[:6]
    made: list[str] = []

    def make(kind: str, role: str = "handlaggare") -> str:
        if shutil.which("useradd") is None or os.geteuid() != 0:
            pytest.fail("the peer-authentication attacks need root and useradd (CI runs as root)")
        name = f"{prefix}_{kind}"
        subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
        made.append(name)
        r = cli("db", "add-user", name, "--role", role, url=owner_url)
        assert r.returncode == 0, r.stderr
        return name

    yield make
    engine = sa.create_engine(owner_url)
    try:
        for name in made:
            try:
                with engine.begin() as conn:
                    if conn.exec_driver_sql(f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'").first():
                        db = conn.exec_driver_sql("SELECT current_database()").scalar_one()
                        conn.exec_driver_sql(f'REVOKE ALL ON DATABASE "{db}" FROM "{name}"')  # granted by db add-user
                    conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
            finally:
                subprocess.run(["userdel", name], check=False)
    finally:
        engine.dispose()


def a_case(owner_url: str, decided: bool = False, **more) -> int:
    s = Store(owner_url)
    try:
        case = s.create_case({**CORE, **more}, user="anna")
        case = s.save_answers(case.id, case.version, {"upplevelse": SECRET_TEXT}, user="anna")
        if decided:
            case = s.record_decision(case.id, case.version, "faststalld", MOTIVATION, user="anna")
        return case.id
    finally:
        s.close()


def log_of(owner) -> list[tuple]:
    with owner.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            'SELECT id, case_id, at, "user", kind, version, detail::text FROM events ORDER BY id'))]


def register_log_of(owner) -> list[tuple]:
    with owner.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            'SELECT id, at, "user", purpose, fields::text FROM register_reads ORDER BY id'))]


def schema_state(owner) -> dict:
    """What an attacker would have to change: the trigger, the functions, grants, rules, policies."""
    with owner.connect() as conn:
        q = lambda sql: conn.execute(sa.text(sql)).all()  # noqa: E731
        return {
            "trigger": q("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'cases'::regclass "
                         "AND NOT tgisinternal ORDER BY 1"),
            "functions": q("SELECT p.oid::regprocedure::text, md5(p.prosrc), pg_get_userbyid(p.proowner), "
                           "p.prosecdef, p.proconfig::text, p.proacl::text FROM pg_proc p "
                           "WHERE p.proname LIKE 'dumpning%' ORDER BY 1"),
            "tables": q("SELECT c.relname, pg_get_userbyid(c.relowner), c.relacl::text, c.relrowsecurity, "
                        "c.relhasrules FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = current_schema() ORDER BY 1"),
            "columns": q("SELECT attrelid::regclass::text, attname, attacl::text FROM pg_attribute "
                         "WHERE attrelid = 'cases'::regclass AND attacl IS NOT NULL ORDER BY 1, 2"),
            "schemas": q("SELECT nspname, pg_get_userbyid(nspowner), nspacl::text FROM pg_namespace "
                         "WHERE nspname NOT LIKE 'pg_%' ORDER BY 1"),
            "policies": q("SELECT count(*) FROM pg_policy"),
            "roles": q("SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, "
                       "r.rolconfig::text, array(SELECT g.rolname FROM pg_auth_members m "
                       "JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1)::text "
                       "FROM pg_roles r WHERE r.rolname LIKE 'rdt%' OR r.rolname LIKE 'dumpning%' ORDER BY 1"),
            "database": q("SELECT datacl::text FROM pg_database WHERE datname = current_database()"),
            "sequences": q("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
                           "ORDER BY 1"),
            "alembic": q("SELECT version_num FROM alembic_version"),
        }


# ---- privileges: the schema, the tables, the roles -----------------------------------------

ADMIN_ATTACKS = {
    # the log itself
    "DELETE through a CTE": "WITH d AS (DELETE FROM events RETURNING 1) SELECT count(*) FROM d",
    "DELETE no rows": "DELETE FROM events WHERE false",
    "TRUNCATE register_reads": "TRUNCATE register_reads",
    "DROP events": "DROP TABLE events",
    "ALTER events": "ALTER TABLE events ALTER COLUMN \"user\" DROP NOT NULL",
    "UPDATE register_reads": "UPDATE register_reads SET \"user\" = 'x'",
    "INSERT register_reads": "INSERT INTO register_reads (at, \"user\", purpose, fields, case_count, case_ranges) "
                             "VALUES (now(), 'x', 'x', '[]', 0, '[]')",
    # the trigger and the functions
    "DISABLE TRIGGER ALL": "ALTER TABLE cases DISABLE TRIGGER ALL",
    "DROP TRIGGER": "DROP TRIGGER dumpning_cases_written ON cases",
    "own BEFORE trigger that swallows updates": "CREATE TRIGGER rdt BEFORE UPDATE ON cases FOR EACH ROW "
                                                "EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "RULE instead of update": "CREATE RULE rdt AS ON UPDATE TO cases DO INSTEAD NOTHING",
    "row level security": "ALTER TABLE cases ENABLE ROW LEVEL SECURITY",
    "policy": "CREATE POLICY rdt ON cases USING (true)",
    "take the table": "ALTER TABLE cases OWNER TO CURRENT_USER",
    "replace the actor function": "CREATE OR REPLACE FUNCTION dumpning_actor() RETURNS text LANGUAGE sql "
                                  "AS $$SELECT 'kollega'$$",
    "take the actor function": "ALTER FUNCTION dumpning_actor() OWNER TO CURRENT_USER",
    "reset the actor function's search_path": "ALTER FUNCTION dumpning_read_cases(integer[]) RESET search_path",
    "drop a read function": "DROP FUNCTION dumpning_may_read(integer)",
    "replace the view": "CREATE OR REPLACE VIEW cases_pseudonymised AS SELECT * FROM cases",
    "write through the view": "UPDATE cases_pseudonymised SET status = 'x'",
    # schema and database
    "function in public": "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT now()$$",
    "operator in public": "CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = texteq)",
    "own schema": "CREATE SCHEMA rdt",
    "publication": "CREATE PUBLICATION rdt FOR TABLE cases",
    "extension dblink": "CREATE EXTENSION dblink",
    "extension file_fdw": "CREATE EXTENSION file_fdw",
    "extension postgres_fdw": "CREATE EXTENSION postgres_fdw",
    "migration state": "UPDATE alembic_version SET version_num = '0001'",
    "index": "CREATE INDEX rdt ON cases (id)",
    "statistics object": "CREATE STATISTICS rdt ON id, version FROM cases",
    "comment": "COMMENT ON TABLE cases IS 'x'",
    "cluster": "CLUSTER cases USING cases_pkey",
    # sequences
    "setval cases": "SELECT setval('cases_id_seq', 1000)",
    "setval events": "SELECT setval('events_id_seq', 1)",
    "nextval events": "SELECT nextval('events_id_seq')",
    "setval register_reads": "SELECT setval('register_reads_id_seq', 1)",
    # roles and session
    "SET ROLE to the analysts": "SET ROLE dumpning_analytiker",
    "SET ROLE to postgres": "SET ROLE postgres",
    "SESSION AUTHORIZATION postgres": "SET SESSION AUTHORIZATION postgres",
    "grant the group on": "GRANT dumpning_handlaggare TO PUBLIC",
    "CREATEROLE for oneself": "ALTER ROLE CURRENT_USER CREATEROLE",
    "SUPERUSER for oneself": "ALTER ROLE CURRENT_USER SUPERUSER",
    "BYPASSRLS for oneself": "ALTER ROLE CURRENT_USER BYPASSRLS",
    "a new role": "CREATE ROLE rdt_new LOGIN",
    "skip triggers (replica)": "SET session_replication_role = replica",
    "stop statement logging": "SET log_statement = 'none'",
    "ALTER SYSTEM": "ALTER SYSTEM SET log_statement = 'none'",
    "LOAD a library": "LOAD 'plpgsql'",
    # server files
    "pg_read_file": "SELECT pg_read_file('/etc/passwd')",
    "pg_read_binary_file": "SELECT pg_read_binary_file('pg_hba.conf')",
    "pg_ls_dir": "SELECT pg_ls_dir('.')",
    "lo_import": "SELECT lo_import('/etc/passwd')",
    "lo_export": "SELECT lo_export(lo_create(0), '/tmp/rdt-export')",
    "COPY TO a file": "COPY (SELECT 1) TO '/tmp/rdt-copy'",
    "COPY FROM PROGRAM": "COPY alembic_version FROM PROGRAM 'id'",
    "untrusted language": "CREATE FUNCTION pg_temp.x() RETURNS int LANGUAGE c AS 'x', 'y'",
}


def test_caseworker_cannot_change_the_machinery_the_log_depends_on(owner_url, owner, people):
    cid = a_case(owner_url)
    anna = people("admin")
    before, log = schema_state(owner), log_of(owner)
    held = owner.connect()  # an owner's session the caseworker tries to end
    pid = held.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    attacks = {**ADMIN_ATTACKS, "terminate the owner's session": f"SELECT pg_terminate_backend({pid})",
               "cancel the owner's query": f"SELECT pg_cancel_backend({pid})"}
    failed = {what: psql(anna, sql, owner_url) for what, sql in attacks.items()}
    assert held.execute(sa.text("SELECT 1")).scalar() == 1
    held.close()
    through = {what: (r.stdout, r.stderr) for what, r in failed.items() if not refused(r)}
    assert not through, through
    # a grant of a privilege one does not hold is only a warning in PostgreSQL: it must change nothing
    r = psql(anna, "GRANT SELECT (answers) ON cases TO CURRENT_USER", owner_url)
    assert "no privileges were granted" in r.stderr
    r = psql(anna, "GRANT INSERT ON events TO CURRENT_USER", owner_url)
    assert "no privileges were granted" in r.stderr or refused(r)
    assert schema_state(owner) == before
    assert log_of(owner) == log
    assert not os.path.exists("/tmp/rdt-copy") and not os.path.exists("/tmp/rdt-export")
    with owner.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cases WHERE id = :i"), {"i": cid}).scalar() == 1


def test_the_session_cannot_name_another_person(owner_url, owner, people):
    """dumpning.user names the person only in the owner's own session: not as a session setting,
    not as the role's default, not in the connection options."""
    cid = a_case(owner_url)
    anna, bo = people("namn"), people("kollega")
    setting = 'dumpning."user"'
    attacks = [
        ("", dict(stdin=f"SET {setting} = '{bo}';\nUPDATE cases SET status = status WHERE id = {cid};\n")),
        ("", dict(env={"PGOPTIONS": f"-c dumpning.user={bo}"},
                  stdin=f"UPDATE cases SET next_due = next_due WHERE id = {cid};\n")),
        ("", dict(stdin=f"SELECT set_config('dumpning.user', '{bo}', false);\n"
                        f"SELECT dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{}}');\n")),
        ("", dict(stdin=f"SELECT set_config('dumpning.user', 'anna', false);\n"  # the case's own caseworker
                        f"SELECT dumpning_log_register_read(ARRAY['namn'], 'granskning');\n")),
    ]
    r = psql(anna, f"ALTER ROLE CURRENT_USER SET {setting} = '{bo}'", owner_url)
    if r.returncode == 0:  # a role may set its own defaults; it must not matter
        attacks.append(("", dict(stdin=f"UPDATE cases SET version = version WHERE id = {cid};\n")))
    n = len(log_of(owner))
    for sql, kw in attacks:
        r = psql(anna, sql, owner_url, **kw)
        assert r.returncode == 0, r.stderr
    new = log_of(owner)[n:]
    assert len(new) == len(attacks) - 1 and {e[3] for e in new} == {anna}, new
    [(user,)] = [r[2:3] for r in register_log_of(owner)]
    assert user == anna


# ---- reading identifying data without a logged read ---------------------------------------

def oracle_attacks(cid: int) -> dict[str, str]:
    cols = "diarienummer, caseworker, status, version, created_at, updated_at, answers"
    vals = "'SN 2026/99', 'x', 'oppet', 1, now(), now(), '{}'"
    return {
        "whole row": "SELECT c FROM cases c",
        "row_to_json": "SELECT row_to_json(c) FROM cases c",
        "TABLE": "TABLE cases",
        "whole-row test in WHERE": "SELECT id FROM cases c WHERE c IS NOT NULL",
        "WHERE on answers": "SELECT id FROM cases WHERE answers::text LIKE '%1981%'",
        "WHERE on caseworker": "SELECT id FROM cases WHERE caseworker = 'Anna'",
        "ORDER BY diarienummer": "SELECT id FROM cases ORDER BY diarienummer",
        "GROUP BY answers": "SELECT count(*) FROM cases GROUP BY answers::text",
        "count of a column": "SELECT count(decision) FROM cases",
        "EXPLAIN ANALYZE with a filter": "EXPLAIN ANALYZE SELECT id FROM cases WHERE answers->>'namn' = 'x'",
        "EXPLAIN": "EXPLAIN SELECT answers FROM cases",
        "COPY the table": "COPY cases TO STDOUT",
        "COPY a query": "COPY (SELECT answers FROM cases) TO STDOUT",
        "UPDATE reading answers in SET": f"UPDATE cases SET answers = answers WHERE id = {cid}",
        "UPDATE reading answers in WHERE": f"UPDATE cases SET version = version WHERE id = {cid} "
                                           "AND answers->>'personnummer' LIKE '1981%'",
        "UPDATE with a subquery oracle": f"UPDATE cases SET version = version WHERE id = {cid} AND EXISTS "
                                         "(SELECT 1 FROM cases d WHERE d.caseworker = 'Anna')",
        "UPDATE FROM self join": "UPDATE cases SET version = cases.version FROM cases d "
                                 "WHERE d.id = cases.id AND d.diarienummer LIKE 'SN%'",
        "UPDATE RETURNING": f"UPDATE cases SET version = version WHERE id = {cid} RETURNING diarienummer",
        "UPDATE RETURNING row": f"UPDATE cases SET version = version WHERE id = {cid} RETURNING cases",
        "INSERT RETURNING *": f"INSERT INTO cases ({cols}) VALUES ({vals}) RETURNING *",
        "INSERT RETURNING answers": f"INSERT INTO cases ({cols}) VALUES ({vals}) RETURNING answers",
        "INSERT SELECT from cases": f"INSERT INTO cases ({cols}) SELECT 'SN x', caseworker, status, 1, now(), "
                                    "now(), answers FROM cases",
        "ON CONFLICT DO UPDATE": f"INSERT INTO cases ({cols}) VALUES ('SN 2026/17', 'x', 'oppet', 1, now(), "
                                 "now(), '{}') ON CONFLICT (diarienummer) DO UPDATE SET version = 7",
        "MERGE on diarienummer": f"MERGE INTO cases c USING (VALUES ({cid})) v(x) ON c.id = v.x "
                                 "AND c.diarienummer = 'SN 2026/17' WHEN MATCHED THEN UPDATE SET version = 9",
        "SELECT FOR UPDATE of answers": "SELECT answers FROM cases FOR UPDATE",
        "events": "SELECT count(*) FROM events",
        "events detail": "SELECT detail FROM events",
        "register_reads": "SELECT count(*) FROM register_reads",
        "pg_statistic": "SELECT count(*) FROM pg_statistic",
        "the internal read check": f"SELECT dumpning_may_read({cid})",
        "the internal log": f"SELECT dumpning_log_reads_internal(ARRAY[{cid}], 'last', '{{}}', true)",
        "the actor function": "SELECT dumpning_actor()",
    }


def test_identifying_columns_are_no_oracle(owner_url, owner, people):
    """RETURNING, WHERE, SET, ON CONFLICT, MERGE, COPY, EXPLAIN: each needs SELECT on the
    identifying columns, which a caseworker does not have."""
    cid = a_case(owner_url, decided=True)
    anna = people("orakel")
    log = log_of(owner)
    for what, sql in oracle_attacks(cid).items():
        r = psql(anna, sql, owner_url)
        assert refused(r, "permission denied"), (what, r.stdout, r.stderr)
        assert not any(x in r.stdout + r.stderr for x in IDENTIFYING), (what, r.stdout, r.stderr)
    assert log_of(owner) == log  # nothing was written or logged by the failed attempts
    with owner.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 1


def test_error_messages_do_not_echo_identifying_values(owner_url, owner, people):
    """A unique violation does not show the key (PostgreSQL hides DETAIL without SELECT on it); an
    error in the trigger or a cast does not show the case's answers."""
    cid = a_case(owner_url, decided=True)
    anna = people("fel")
    cols = "diarienummer, caseworker, status, version, created_at, updated_at, answers"
    for sql in (f"INSERT INTO cases ({cols}) VALUES ('SN 2026/17', 'x', 'oppet', 1, now(), now(), '{{}}')",
                f"UPDATE cases SET diarienummer = 'SN 2026/17', caseworker = repeat('x', 101) WHERE id = {cid}",
                f"UPDATE cases SET answers = '[1, 2]' WHERE id = {cid}",
                f"UPDATE cases SET answers = '\"text\"' WHERE id = {cid}",
                f"UPDATE cases SET decision = 'inte json' WHERE id = {cid}",
                f"UPDATE cases SET version = NULL WHERE id = {cid}"):
        r = psql(anna, sql, owner_url, "-v", "VERBOSITY=verbose")
        assert refused(r), (sql, r.stdout)
        assert "Key (" not in r.stderr, (sql, r.stderr)
        assert not any(x in r.stderr for x in IDENTIFYING if x != "SN 2026/17"), (sql, r.stderr)
        assert "Anna" not in r.stderr and "1981" not in r.stderr and "Göteborg" not in r.stderr, (sql, r.stderr)
    with owner.connect() as conn:
        answers = conn.execute(sa.text("SELECT answers FROM cases WHERE id = :i"), {"i": cid}).scalar()
    assert answers["namn"] == CORE["namn"]


def test_statistics_and_catalogs_hold_no_identifying_values(owner_url, owner, people):
    for i in range(3):
        a_case(owner_url, diarienummer=f"SN 2026/{17 + i}")
    anna, eva = people("stat"), people("statanalys", "analytiker")
    with owner.connect() as conn:
        conn.execute(sa.text("ANALYZE cases"))
        conn.execute(sa.text("ANALYZE events"))
        conn.commit()
        # the owner does have most_common_vals / histograms of the identifying columns
        assert conn.execute(sa.text("SELECT count(*) FROM pg_stats WHERE tablename = 'cases' "
                                    "AND attname IN ('diarienummer', 'caseworker')")).scalar() == 2
    # an owner's session in flight with identifying text in its query
    slow = subprocess.Popen(["psql", "-XAtq", owner_url.replace("+psycopg", ""), "-c",
                             "SELECT pg_sleep(6), 'Åsa Öberg-Testsson 198112189876'"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with owner.connect() as conn:  # wait until the owner's query is visibly running
            import time
            for _ in range(50):
                if conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(6)%' "
                                        "AND pid <> pg_backend_pid()")).scalar():
                    break
                conn.rollback()  # the statistics snapshot is per transaction
                time.sleep(0.1)
            else:
                pytest.fail("the owner's query did not start")
        for who in (anna, eva):
            r = psql(who, "SELECT attname, most_common_vals, histogram_bounds FROM pg_stats "
                          "WHERE tablename IN ('cases', 'events', 'register_reads')", owner_url)
            assert r.returncode == 0, r.stderr
            seen = {line.split("|")[0] for line in r.stdout.splitlines()}
            assert not seen & {"answers", "diarienummer", "caseworker", "decision", "detail", "user"}, seen
            assert not any(x in r.stdout for x in IDENTIFYING)
            for sql in ("SELECT count(*) FROM pg_statistic", "SELECT count(*) FROM pg_statistic_ext_data"):
                assert refused(psql(who, sql, owner_url), "permission denied")
            r = psql(who, "SELECT coalesce(query, '') FROM pg_stat_activity", owner_url)
            assert "<insufficient privilege>" in r.stdout and not any(x in r.stdout for x in IDENTIFYING), r.stdout
    finally:
        slow.kill()
        slow.wait()


# ---- the functions: search_path, crafted arguments, windows --------------------------------

def test_temp_objects_do_not_hijack_the_security_definer_functions(owner_url, owner, people):
    """The caseworker may create temporary tables and functions (TEMP is PostgreSQL's default for
    PUBLIC). Shadows of the tables, of now() and of the actor function in pg_temp, with pg_temp
    first on the session's search_path, change nothing inside the functions."""
    cid = a_case(owner_url)
    anna = people("skugga")
    fake = (f"CREATE TEMP TABLE events (id int, case_id int, at timestamptz, \"user\" text, kind text, "
            f"version int, detail json);\n"
            f"INSERT INTO pg_temp.events VALUES (1, {cid}, now() - interval '1 minute', current_user, 'last', "
            f"NULL, '{{}}');\n"
            "CREATE TEMP TABLE register_reads AS SELECT 1 AS id, now() - interval '1 minute' AS at, "
            "current_user::text AS \"user\", 'x'::text AS purpose, '[\"namn\"]'::json AS fields, "
            "1 AS case_count, '[[1, 1000]]'::json AS case_ranges;\n"
            "CREATE TEMP TABLE cases (id int);\n"
            "CREATE FUNCTION pg_temp.dumpning_actor() RETURNS text LANGUAGE sql AS $$SELECT 'kollega'$$;\n"
            "CREATE FUNCTION pg_temp.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT 'infinity'::timestamptz$$;\n"
            "CREATE FUNCTION pg_temp.clock_timestamp() RETURNS timestamptz LANGUAGE sql "
            "AS $$SELECT '-infinity'::timestamptz$$;\n"
            "CREATE FUNCTION pg_temp.transaction_timestamp() RETURNS timestamptz LANGUAGE sql "
            "AS $$SELECT 'infinity'::timestamptz$$;\n"
            "SET search_path = pg_temp, public;\n")
    n = len(log_of(owner))
    r = psql(anna, "", owner_url, stdin=fake + (
        f"SELECT 'read', count(*) FROM public.dumpning_read_cases(ARRAY[{cid}]);\n"
        f"SELECT 'events', count(*) FROM public.dumpning_case_events({cid});\n"
        f"SELECT 'list', count(*) FROM public.dumpning_list_cases(NULL, NULL);\n"
        "SELECT 'register', count(*) FROM public.dumpning_register_rows(1);\n"))
    assert refused(r, "inte loggad"), (r.stdout, r.stderr)  # the fake register read is no key
    assert r.stdout.split() == ["read|0", "events|0", "list|0"], (r.stdout, r.stderr)
    # a real logged read in this shadowed session is written to the real log, under the real name
    r = psql(anna, "", owner_url, stdin=fake + (
        f"SELECT public.dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{}}');\n"
        f"UPDATE public.cases SET version = version WHERE id = {cid};\n"
        f"SELECT 'read', count(*) FROM public.dumpning_read_cases(ARRAY[{cid}]);\n"))
    assert r.returncode == 0 and r.stdout.split()[-1] == "read|1", (r.stdout, r.stderr)
    new = log_of(owner)[n:]
    assert [(e[3], e[4]) for e in new] == [(anna, "oppnat"), (anna, "sparat")], new
    with owner.connect() as conn:
        assert conn.execute(sa.text("SELECT bool_and(at < now() AND at > now() - interval '1 minute') "
                                    "FROM events WHERE id > :n"), {"n": new[0][0] - 1}).scalar()


def test_a_write_event_is_no_key_to_read_a_case(owner_url, owner, people):
    """An UPDATE that changes nothing is logged as "sparat"; it must not let the caseworker read
    the case without a read event (before the fix, it did: any event of the person counted)."""
    cid = a_case(owner_url, decided=True)
    anna = people("skriv")
    r = psql(anna, f"UPDATE cases SET status = status WHERE id = {cid}", owner_url)
    assert r.returncode == 0, r.stderr
    for sql in (f"SELECT count(*) FROM dumpning_read_cases(ARRAY[{cid}])",
                f"SELECT count(*) FROM dumpning_case_events({cid})",
                "SELECT count(*) FROM dumpning_list_cases(NULL, NULL)"):
        r = psql(anna, sql, owner_url)
        assert r.returncode == 0 and r.stdout.strip() == "0", (sql, r.stdout, r.stderr)
    # the search by diarienummer does not treat the write as a recent read either: it logs
    n = len(log_of(owner))
    r = psql(anna, "SELECT dumpning_log_find('SN 2026/17')", owner_url)
    assert r.stdout.strip() == str(cid)
    assert [(e[3], e[4]) for e in log_of(owner)[n:]] == [(anna, "last")]
    r = psql(anna, f"SELECT answers->>'namn' FROM dumpning_read_cases(ARRAY[{cid}])", owner_url)
    assert r.stdout.strip() == CORE["namn"]


def test_an_open_transaction_does_not_keep_the_read_window_open(owner_url, owner, people):
    """One logged read opens the case for 15 minutes on the clock. Before the fix the window was
    measured from now(), the start of the reading transaction, so a transaction kept open
    (or a long DO block) read the case and every later change of it for hours."""
    cid = a_case(owner_url)
    anna = people("fonster")
    assert psql(anna, f"SELECT dumpning_log_read(ARRAY[{cid}], 'oppnat', '{{}}')", owner_url).returncode == 0
    r = psql(anna, "SELECT dumpning_log_register_read(ARRAY['namn'], 'granskning')", owner_url)
    read_id = int(r.stdout.strip())
    with owner.begin() as conn:  # the read was 15 minutes less a few seconds ago
        conn.execute(sa.text("UPDATE events SET at = clock_timestamp() - interval '14 minutes 45 seconds' "
                             "WHERE \"user\" = :u"), {"u": anna})
        conn.execute(sa.text("UPDATE register_reads SET at = clock_timestamp() - interval '14 minutes 45 seconds' "
                             "WHERE \"user\" = :u"), {"u": anna})
    r = psql(anna, "", owner_url, stdin=(
        "BEGIN;\n"
        f"SELECT 'case', count(*) FROM dumpning_read_cases(ARRAY[{cid}]);\n"
        f"SELECT 'register', count(*) FROM dumpning_register_rows({read_id});\n"
        "SELECT 'slept' FROM pg_sleep(17);\n"
        f"SELECT 'case later', count(*) FROM dumpning_read_cases(ARRAY[{cid}]);\n"
        f"SELECT 'events later', count(*) FROM dumpning_case_events({cid});\n"
        "SAVEPOINT s;\n"
        f"SELECT 'register later', count(*) FROM dumpning_register_rows({read_id});\n"), timeout=90)
    lines = r.stdout.split("\n")
    assert lines[:5] == ["case|1", "register|1", "slept", "case later|0", "events later|0"], (r.stdout, r.stderr)
    assert refused(r, "inte loggad"), r.stderr


def test_the_read_functions_resist_crafted_arguments(owner_url, owner, people):
    cid = a_case(owner_url)
    anna, bo = people("argument"), people("argbo")
    r = psql(bo, "SELECT dumpning_log_register_read(ARRAY['namn'], 'bos granskning')", owner_url)
    bos_read = int(r.stdout.strip())
    n, m = len(log_of(owner)), len(register_log_of(owner))
    nothing = {
        "injection in the diarienummer": "SELECT dumpning_log_find($$' OR '1'='1$$)",
        "injection in the status": "SELECT dumpning_log_list($$x' OR 1=1 --$$, NULL)",
        "injection in the caseworker": "SELECT dumpning_log_list(NULL, $$' OR ''='$$)",
        "NULL diarienummer": "SELECT dumpning_log_find(NULL)",
        "NULL ids": "SELECT dumpning_log_read(NULL, 'last', '{}')",
        "empty ids": "SELECT dumpning_log_read(ARRAY[]::int[], 'last', '{}')",
        "ids that do not exist": "SELECT dumpning_log_read(ARRAY[-1, 0, 2147483647], 'last', '{}')",
        "read of NULL": "SELECT count(*) FROM dumpning_read_cases(NULL)",
        "read of many ids": "SELECT count(*) FROM dumpning_read_cases(ARRAY(SELECT generate_series(1, 100000)))",
        "events of NULL": "SELECT count(*) FROM dumpning_case_events(NULL)",
    }
    for what, sql in nothing.items():
        r = psql(anna, sql, owner_url)
        assert r.returncode == 0 and r.stdout.strip() in ("", "0"), (what, r.stdout, r.stderr)
    errors = {
        "a write kind": f"SELECT dumpning_log_read(ARRAY[{cid}], 'skapat', '{{}}')",
        "a kind with a space": f"SELECT dumpning_log_read(ARRAY[{cid}], 'last ', '{{}}')",
        "a kind in capitals": f"SELECT dumpning_log_read(ARRAY[{cid}], 'LAST', '{{}}')",
        "a NULL kind": f"SELECT dumpning_log_read(ARRAY[{cid}], NULL, '{{}}')",
        "an injected kind": f"SELECT dumpning_log_read(ARRAY[{cid}], $$last') --$$, '{{}}')",
        "a detail that is no JSON": f"SELECT dumpning_log_read(ARRAY[{cid}], 'last', 'inte json')",
        "register: answers": "SELECT dumpning_log_register_read(ARRAY['answers'], 'granskning')",
        "register: decision": "SELECT dumpning_log_register_read(ARRAY['decision'], 'granskning')",
        "register: NULL field": "SELECT dumpning_log_register_read(ARRAY[NULL]::text[], 'granskning')",
        "register: no fields": "SELECT dumpning_log_register_read(ARRAY[]::text[], 'granskning')",
        "register: injected field": "SELECT dumpning_log_register_read(ARRAY[$$namn') --$$], 'granskning')",
        "register: no purpose": "SELECT dumpning_log_register_read(ARRAY['namn'], NULL)",
        "register: blank purpose": "SELECT dumpning_log_register_read(ARRAY['namn'], E' \\t\\n ')",
        "register rows of a colleague's read": f"SELECT count(*) FROM dumpning_register_rows({bos_read})",
        "register rows of no read": "SELECT count(*) FROM dumpning_register_rows(NULL)",
    }
    for what, sql in errors.items():
        r = psql(anna, sql, owner_url)
        assert refused(r), (what, r.stdout, r.stderr)
        assert not any(x in r.stdout + r.stderr for x in IDENTIFYING), what
    assert len(log_of(owner)) == n and len(register_log_of(owner)) == m
    # the read kinds are the only kinds a caseworker can log, each under her own name
    for kind in READ_KINDS:
        assert psql(anna, f"SELECT dumpning_log_read(ARRAY[{cid}], '{kind}', '{{}}')", owner_url).returncode == 0
    assert [(e[3], e[4]) for e in log_of(owner)[n:]] == [(anna, k) for k in READ_KINDS]


# ---- writes that try to slip past the trigger --------------------------------------------

def test_every_way_of_writing_a_case_is_logged(owner_url, owner, people):
    cid = a_case(owner_url)
    anna = people("skrivvag")
    cols = "diarienummer, caseworker, status, version, created_at, updated_at, answers"
    steps = [
        ("COPY FROM STDIN", dict(sql=f"COPY cases ({cols}) FROM STDIN",
                                 stdin="SN 2026/50\tAnna\toppet\t1\t2026-11-27\t2026-11-27\t{\"namn\": \"X\"}\n\\.\n"),
         ["skapat"]),
        ("INSERT ON CONFLICT DO NOTHING", dict(sql=f"INSERT INTO cases ({cols}) VALUES ('SN 2026/51', 'Anna', "
                                                   "'oppet', 1, now(), now(), '{}') ON CONFLICT DO NOTHING"),
         ["skapat"]),
        ("UPDATE in a CTE", dict(sql=f"WITH u AS (UPDATE cases SET version = version + 1 WHERE id = {cid} "
                                     "RETURNING id) SELECT count(*) FROM u"), ["sparat"]),
        ("UPDATE of many rows", dict(sql="UPDATE cases SET next_due = NULL"), ["sparat"] * 3),
        ("decision set directly", dict(sql=f"UPDATE cases SET decision = '{{\"outcome\": \"x\"}}' WHERE id = {cid}"),
         ["beslut"]),
        ("answers overwritten blind", dict(sql=f"UPDATE cases SET answers = '{{}}' WHERE id = {cid}"), ["sparat"]),
        ("kept in a subtransaction", dict(sql="", stdin=(
            f"BEGIN;\nSAVEPOINT a;\nUPDATE cases SET version = 40 WHERE id = {cid};\nROLLBACK TO a;\n"
            f"SAVEPOINT b;\nUPDATE cases SET version = 41 WHERE id = {cid};\nRELEASE b;\nCOMMIT;\n")), ["sparat"]),
    ]
    for what, kw, kinds in steps:
        n = len(log_of(owner))
        r = psql(anna, kw["sql"], owner_url, stdin=kw.get("stdin"))
        assert r.returncode == 0, (what, r.stderr)
        new = log_of(owner)[n:]
        if kinds is None:
            assert [e[3] for e in new] == [anna], (what, new)
        else:
            assert [(e[3], e[4]) for e in new] == [(anna, k) for k in kinds], (what, new)
    # a status the log would misread as a reopening is refused by the database (migration 0003)
    n = len(log_of(owner))
    r = psql(anna, f"UPDATE cases SET status = 'raderad' WHERE id = {cid}", owner_url)
    assert r.returncode != 0 and "ck_cases_status" in r.stderr, r.stderr
    assert len(log_of(owner)) == n
    # the blind overwrite kept what it destroyed in the log
    with owner.connect() as conn:
        detail = conn.execute(sa.text("SELECT detail FROM events WHERE case_id = :i AND kind = 'sparat' "
                                      "ORDER BY id DESC OFFSET 1 LIMIT 1"), {"i": cid}).scalar()
    assert detail["changes"]["personnummer"] == ["19811218-9876", None]
    assert detail["changes"]["upplevelse"] == [SECRET_TEXT, None]


def test_no_login_as_the_owner_or_a_superuser_without_a_password(owner_url, people):
    anna = people("inloggning")
    owner_name = make_url(owner_url).username
    for extra in (["-U", owner_name], ["-U", "postgres"], ["-U", "dumpning_handlaggare"]):
        r = psql(anna, "SELECT 1", owner_url, *extra)
        assert r.returncode != 0 and ("Peer authentication failed" in r.stderr or "not permitted" in r.stderr), \
            (extra, r.stderr)
    for extra in (["-h", "127.0.0.1", "-w"], ["-h", "127.0.0.1", "-w", "-U", owner_name]):
        r = psql(anna, "SELECT 1", owner_url, *extra)
        assert r.returncode != 0 and "password" in r.stderr.lower(), (extra, r.stderr)


# ---- the analyst ---------------------------------------------------------------------------

def test_analyst_sees_no_free_text_identifier_or_motivation_in_any_way(owner_url, owner, people):
    """Every text, textarea and personnummer question of the guideline gets a marker; none
    of them, nor the decision's motivation, reaches the analyst: not in the view, not through a
    leaky function in WHERE, not in EXPLAIN, not in the statistics."""
    from dumpning_kit.guideline import default_guideline
    g = default_guideline()
    free = [q.id for q in g.questions.values() if q.type in ("text", "textarea")]
    assert len(free) >= 20  # the guideline's free-text questions, all of them
    markers = {qid: f"MARK{i:02d}x" for i, qid in enumerate(free)}
    cid = a_case(owner_url, decided=True)
    with owner.begin() as conn:  # the markers straight into the row (the owner; no validation in between)
        row = conn.execute(sa.text("SELECT answers FROM cases WHERE id = :i"), {"i": cid}).scalar()
        row.update(markers)
        row["okand_nyckel"] = "MARKunknown"
        conn.execute(sa.text("UPDATE cases SET answers = CAST(:a AS json) WHERE id = :i"),
                     {"a": json.dumps(row), "i": cid})
        conn.execute(sa.text("ANALYZE cases"))
    eva = people("analys", "analytiker")
    leak = ("CREATE FUNCTION pg_temp.leak(anyelement) RETURNS bool LANGUAGE plpgsql COST 0.000001 "
            "AS $$ BEGIN RAISE NOTICE 'leak %', $1; RETURN true; END $$;\n")
    r = psql(eva, "", owner_url, stdin=leak + (
        "SELECT row_to_json(v) FROM cases_pseudonymised v;\n"
        "SELECT count(*) FROM cases_pseudonymised v WHERE pg_temp.leak(v.answers) AND pg_temp.leak(v.decision) "
        "AND pg_temp.leak(v.diarienummer) AND pg_temp.leak(v.caseworker);\n"
        "EXPLAIN (VERBOSE, ANALYZE) SELECT * FROM cases_pseudonymised;\n"
        "SELECT pg_get_viewdef('cases_pseudonymised');\n"
        "SELECT attname, most_common_vals, histogram_bounds FROM pg_stats WHERE tablename = 'cases';\n"))
    assert r.returncode == 0, r.stderr
    out = r.stdout + r.stderr
    assert "NOTICE" in r.stderr and "leak" in r.stderr  # the leaky function did run
    assert "MARK" not in out and not any(x in out for x in IDENTIFYING), out
    view = json.loads(r.stdout.splitlines()[0])
    assert view["diarienummer"] is None and view["caseworker"] is None
    assert set(view["decision"]) == {"outcome", "date"}
    from dumpning_kit.teamdb import TOKENISED
    plain = {q: v for q, v in view["answers"].items() if q in markers and q not in TOKENISED}
    assert plain == dict.fromkeys(set(markers) - set(TOKENISED), True)  # only "answered"
    for q in TOKENISED:  # a keyed token, not the text
        assert view["answers"][q].startswith("T") and len(view["answers"][q]) == 17, view["answers"][q]
    assert "okand_nyckel" not in view["answers"]
    for sql in ("SELECT count(*) FROM cases", "SELECT count(id) FROM cases", "SELECT count(*) FROM events",
                "SELECT count(*) FROM register_reads", f"SELECT dumpning_log_find('SN 2026/17')",
                "SELECT count(*) FROM dumpning_register_rows(1)", "SELECT dumpning_actor()",
                "UPDATE cases_pseudonymised SET status = 'x'", "DELETE FROM cases_pseudonymised",
                "COPY cases (id) TO STDOUT", "SELECT nextval('cases_id_seq')",
                "CREATE VIEW public.rdt AS SELECT 1", "SET ROLE dumpning_handlaggare"):
        r = psql(eva, sql, owner_url)
        assert refused(r, *DENIED), (sql, r.stdout, r.stderr)
