"""The team database on PostgreSQL: `dumpning-kit db setup` and `dumpning-kit db add-user`.

setup (run with the schema owner's connection): migrates to the newest revision (the event
triggers and the read functions are migration 0002), creates the NOLOGIN group roles
dumpning_handlaggare and dumpning_analytiker, the pseudonymised view and the grants:

- caseworkers (dumpning_handlaggare) may INSERT and UPDATE cases and SELECT only its
  non-identifying columns; they have no DELETE or TRUNCATE anywhere and no privilege at all on
  events and register_reads. They read identifying data only through the SECURITY DEFINER
  functions, which log the read in the same transaction; the trigger writes every change to
  events with session_user as the person.
- analysts (dumpning_analytiker) may only SELECT the view cases_pseudonymised.

add-user creates a LOGIN role without a password (peer authentication over the Unix socket:
the role has the same name as the person's operating-system account) in one of the groups.
"""
from __future__ import annotations

import re

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, ProgrammingError

from .errors import UserError
from .guideline import Guideline

GROUPS = {"handlaggare": "dumpning_handlaggare", "analytiker": "dumpning_analytiker"}
VIEW = "cases_pseudonymised"
NAME_RE = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")
#: Answer types an analyst may see as values; every other answer only as "answered" (true).
VALUE_TYPES = ("yes_no", "yes_no_unknown", "choice", "kommun", "integer", "date")
IDENTIFIERS = ("diarienummer", "namn", "personnummer", "handlaggare", "hyresvard_namn")
#: Free text the register turns into a pseudonym (register.TEXT_COLUMNS): in the view a keyed
#: token (md5 of an owner-only secret and the folded text), so recurring landlords stay visible.
TOKENISED = ("hyresvard_namn",)
#: What a caseworker may see of cases directly: enough for UPDATE ... WHERE id AND version.
CASEWORKER_SELECT = ("id", "version", "status", "created_at", "updated_at", "closed_at", "next_due")
CASEWORKER_WRITE = ("diarienummer", "caseworker", "status", "version", "created_at", "updated_at", "closed_at",
                    "next_due", "answers", "decision")
CASEWORKER_FUNCTIONS = ("dumpning_log_read(integer[], text, json, boolean)", "dumpning_log_find(text)",
                        "dumpning_log_list(text, text)", "dumpning_read_cases(integer[])",
                        "dumpning_list_cases(text, text)", "dumpning_case_events(integer)",
                        "dumpning_log_register_read(text[], text, text, text)", "dumpning_register_rows(integer)")

SETUP_HINT = "Kör `dumpning-kit db setup` med DUMPNING_DATABASE_URL satt till databasägarens anslutning."


def _url(url: str | None) -> str:
    import os
    url = url if url is not None else os.environ.get("DUMPNING_DATABASE_URL", "")
    if not url:
        raise UserError("DUMPNING_DATABASE_URL är inte satt. Sätt den till databasägarens anslutning, till exempel "
                        "postgresql+psycopg://dumpning:lösenord@127.0.0.1/dumpning.")
    if not url.startswith("postgresql"):
        raise UserError("DUMPNING_DATABASE_URL pekar inte på PostgreSQL (den ska börja med postgresql+psycopg://); "
                        "team-databasen finns bara i PostgreSQL.")
    return url


def _engine(url: str) -> Engine:
    try:
        return create_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError):
        raise UserError("DUMPNING_DATABASE_URL är ingen giltig databasadress, till exempel "
                        "postgresql+psycopg://dumpning:lösenord@127.0.0.1/dumpning.") from None


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except (OperationalError, DBAPIError) as e:
        raise UserError(f"Kunde inte ansluta till databasen {engine.url.render_as_string(hide_password=True)}: "
                        f"{connect_reason(e)}") from None


def connect_reason(e: Exception) -> str:
    """Why a connection failed, in Swedish (the driver's message is English)."""
    msg = str(getattr(e, "orig", e))
    if "password authentication failed" in msg or "no password supplied" in msg:
        return "användarnamnet eller lösenordet godtogs inte."
    if "Peer authentication failed" in msg:
        return "servern känner inte igen kontot (peer-inloggning kräver en roll med samma namn som kontot)."
    if "does not exist" in msg and "database" in msg:
        return "databasen finns inte."
    if "does not exist" in msg and "role" in msg:
        return "rollen finns inte. IT lägger till den med `dumpning-kit db add-user`."
    if "Connection refused" in msg or "No such file" in msg or "could not translate host" in msg \
            or "timeout" in msg.lower():
        return "ingen databasserver svarar på den adressen och porten."
    return "kontrollera adress, port, användarnamn och lösenord."


def _first_line(e: Exception) -> str:
    orig = getattr(e, "orig", e)
    return " ".join(str(orig).strip().splitlines()[:1]) or e.__class__.__name__


def _check_owner(conn: Connection) -> str:
    """The connection must be the database's owner with CREATEROLE (or a superuser)."""
    who, owner, createrole, superuser = conn.execute(text(
        "SELECT session_user::text, pg_get_userbyid(d.datdba)::text, r.rolcreaterole, r.rolsuper "
        "FROM pg_database d, pg_roles r WHERE d.datname = current_database() AND r.rolname = session_user"
    )).one()
    if superuser:
        raise UserError(f"Anslut som databasens ägare ({owner}), inte som superanvändaren {who}: tabellerna och "
                        "funktionerna ska ägas av ägaren.")
    if who != owner:
        raise UserError(f"Rollen {who} äger inte databasen (ägaren är {owner}) och får inte sätta upp den. "
                        "Använd ägarens anslutning.")
    if not createrole:
        raise UserError(f"Rollen {who} saknar rätten CREATEROLE och kan inte skapa rollerna. "
                        f"Ge den rätten: ALTER ROLE {who} CREATEROLE;")
    return who


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def view_sql(g: Guideline) -> str:
    """The pseudonymised view: no name, personnummer, diarienummer, caseworker, free text or
    decision motivation; free-text answers only as true (answered)."""
    keep = [q.id for q in g.questions.values()
            if q.type in VALUE_TYPES and not q.sensitive and q.id not in IDENTIFIERS]
    tokens = [q for q in TOKENISED if q in g.questions]
    flags = [q.id for q in g.questions.values() if q.id not in keep and q.id not in tokens]

    def arr(ids):
        return "ARRAY[" + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + "]::text[]" if ids \
            else "ARRAY[]::text[]"
    return f"""
CREATE OR REPLACE VIEW {VIEW} AS
SELECT c.id, NULL::varchar(40) AS diarienummer, NULL::varchar(100) AS caseworker, c.status, c.version,
       c.created_at, c.updated_at, c.closed_at, c.next_due,
       (SELECT coalesce(jsonb_object_agg(e.key, CASE
                  WHEN e.key = ANY ({arr(keep)}) THEN e.value
                  WHEN e.key = ANY ({arr(tokens)}) THEN to_jsonb('T' || left(md5(
                       (SELECT salt FROM dumpning_secret WHERE id = 1)
                       || lower(regexp_replace(btrim(e.value #>> '{{}}'), '\\s+', ' ', 'g'))), 16))
                  ELSE to_jsonb(true) END), '{{}}'::jsonb)
        FROM jsonb_each(c.answers::jsonb) e
        WHERE e.key = ANY ({arr(keep)})
           OR (e.key = ANY ({arr(flags + tokens)}) AND e.value <> 'null'::jsonb
               AND length(btrim(coalesce(e.value #>> '{{}}', ''))) > 0))::json AS answers,
       CASE WHEN c.decision IS NULL THEN NULL
            ELSE json_build_object('outcome', c.decision -> 'outcome', 'date', c.decision -> 'date') END AS decision
FROM cases c"""


def setup(url: str | None = None, guideline: Guideline | None = None) -> dict:
    """Migrate, create roles, view and grants. Idempotent. Returns what it found and did."""
    from . import migrate
    from .guideline import default_guideline
    engine = _engine(_url(url))
    try:
        with _connect(engine) as conn:
            owner = _check_owner(conn)
        before, after = migrate.upgrade(engine)
        g = guideline or default_guideline()
        with engine.begin() as conn:
            created = []
            for group in GROUPS.values():
                exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": group}).first()
                if not exists:
                    # Roles are cluster-wide: another database's setup may create it at the same moment.
                    conn.exec_driver_sql(
                        f"DO $$ BEGIN CREATE ROLE {group} NOLOGIN; "
                        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$")
                    created.append(group)
            schema = _q(conn, conn.execute(text("SELECT current_schema()")).scalar_one())
            hl, an = GROUPS["handlaggare"], GROUPS["analytiker"]
            conn.exec_driver_sql(view_sql(g))
            stmts = [
                f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
                f"GRANT USAGE ON SCHEMA {schema} TO {hl}, {an}",
                f"REVOKE ALL ON cases, events, register_reads, alembic_version, {VIEW} FROM PUBLIC",
                f"REVOKE ALL ON cases, events, register_reads, alembic_version, {VIEW} FROM {hl}, {an}",
                "REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + schema + f" FROM PUBLIC, {hl}, {an}",
                f"GRANT SELECT ON alembic_version TO {hl}, {an}",
                f"GRANT SELECT ({', '.join(CASEWORKER_SELECT)}) ON cases TO {hl}",
                f"GRANT INSERT ({', '.join(CASEWORKER_WRITE)}) ON cases TO {hl}",
                f"GRANT UPDATE ({', '.join(CASEWORKER_WRITE)}) ON cases TO {hl}",
                f"GRANT USAGE ON SEQUENCE cases_id_seq TO {hl}",
                f"GRANT SELECT ON {VIEW} TO {an}, {hl}",
                f"ALTER VIEW {VIEW} OWNER TO {_q(conn, owner)}",
            ]
            for f in CASEWORKER_FUNCTIONS:
                stmts.append(f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC, {an}")
                stmts.append(f"GRANT EXECUTE ON FUNCTION {f} TO {hl}")
            for s in stmts:
                conn.exec_driver_sql(s)
        return {"owner": owner, "before": before, "after": after, "created_roles": created}
    except ProgrammingError as e:
        raise UserError(f"Databasen vägrade: {_first_line(e)}") from None
    finally:
        engine.dispose()


def check_name(name: str, *, owner: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise UserError(f"Namnet {name!r} går inte att använda: det ska vara personens kontonamn på servern, med "
                        "små bokstäver a–z, siffror, punkt, bindestreck eller understreck (högst 63 tecken).")
    if name.startswith("pg_") or name in GROUPS.values() or name in ("public", "postgres", owner):
        raise UserError(f"Namnet {name} är reserverat och kan inte bli en användare.")
    return name


def add_user(name: str, role: str, url: str | None = None) -> dict:
    """Create (or move) LOGIN role ``name`` without password in the group of ``role``."""
    if role not in GROUPS:
        raise UserError(f"Okänd roll {role!r}: välj handlaggare eller analytiker.")
    engine = _engine(_url(url))
    try:
        with _connect(engine) as conn:
            owner = _check_owner(conn)
            check_name(name, owner=owner)
            group = GROUPS[role]
            have = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": group}).first()
            if not have:
                raise UserError(f"Rollen {group} finns inte än. {SETUP_HINT}")
            row = conn.execute(text("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
                                    "FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
            q = _q(conn, name)
            if row is not None and any(row):
                raise UserError(f"Rollen {name} finns redan och har administratörsrättigheter; den kan inte bli "
                                "handläggare eller analytiker.")
            if row is not None:
                members = set(conn.execute(text(
                    "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                    "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :n"), {"n": name}).scalars())
                if members - set(GROUPS.values()):
                    raise UserError(f"Rollen {name} finns redan och är medlem i andra roller "
                                    f"({', '.join(sorted(members - set(GROUPS.values())))}); ta bort dem först.")
            if row is None:
                conn.exec_driver_sql(f"CREATE ROLE {q} LOGIN PASSWORD NULL")
            else:
                conn.exec_driver_sql(f"ALTER ROLE {q} LOGIN PASSWORD NULL")
            for other in GROUPS.values():
                if other != group:
                    conn.exec_driver_sql(f"REVOKE {other} FROM {q}")
            conn.exec_driver_sql(f"GRANT {group} TO {q}")
            conn.commit()
            return {"name": name, "group": group, "created": row is None}
    except ProgrammingError as e:
        raise UserError(f"Databasen vägrade: {_first_line(e)}") from None
    finally:
        engine.dispose()
