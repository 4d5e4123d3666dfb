"""Persistence: cases with optimistic locking, and an append-only event log (who, when, what).

SQLite (one machine): this module writes the events. PostgreSQL (a team): the database does,
see migrations/versions/0002_team_security.py and teamdb.py. With the schema owner's
connection (IT, the CLI, the tests) the store reads the tables directly and may name the
person (SET LOCAL dumpning.user); with a caseworker's own role the triggers write every
change under session_user, and identifying data is read only through functions that log the
read first (committed), then return the rows.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import (JSON, Column, Date, DateTime, ForeignKey, Integer, MetaData, String, Table, Text,
                        create_engine, event, func, insert, select, text, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from .assessment import CaseState
from .case import Case, Decision, answers_from_json, answers_to_json, clean_value, validate_answers
from .errors import StaleWriteError, UserError, ValidationError
from .guideline import Guideline, Question, default_guideline
from .settings import Settings, current_user, database_url, default_settings, today

#: The decision's motivation is checked like a long answer (case.clean_value).
MOTIVATION = Question(id="decision_motivation", type="textarea", label="Motivering", step="bedomning",
                      section="1.1.3", max_length=20000)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("diarienummer", String(40), nullable=False, unique=True),
    Column("caseworker", String(100), nullable=False, index=True),
    Column("status", String(16), nullable=False, default="oppet", index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", Date, nullable=True, index=True),
    Column("next_due", Date, nullable=True, index=True),
    Column("answers", JSON, nullable=False),
    Column("decision", JSON, nullable=True),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(100), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("version", Integer, nullable=True),
    Column("detail", JSON, nullable=False),
)

EVENT_LABELS = {
    "skapat": "Ärendet skapades", "sparat": "Svar sparades", "beslut": "Beslut registrerades",
    "avslutat": "Ärendet avslutades", "oppnat": "Ärendet öppnades", "exporterat": "Dokument skapades",
    "last": "Ärendet lästes", "atertaget": "Ärendet öppnades igen",
    "listat": "Namnet visades i ärendelistan", "sokt": "Ärendet hittades vid en sökning på personnummer",
}
#: Event kinds that record a read of identifying data (no change to the case).
READ_KINDS = ("oppnat", "last", "listat", "sokt", "exporterat")

STALE_MESSAGE = ("Någon annan har sparat ärendet efter att du öppnade det, så dina ändringar sparades inte. "
                 "Kopiera det du skrev, ladda om ärendet och för in dina ändringar igen.")


@dataclass(frozen=True)
class Event:
    id: int
    case_id: int
    at: dt.datetime
    user: str
    kind: str
    version: int | None
    detail: dict

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; they were written as UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            p = Path(path)
            p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not p.exists():
                fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o600)  # owner-only from the first byte
                os.close(fd)
        engine = create_engine(url, connect_args={"timeout": 15})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):
            cur = conn.cursor()
            if path and path != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def _secure_sqlite_files(url: str) -> None:
    if url.startswith("sqlite:///") and ":memory:" not in url:
        base = url.split("///", 1)[1]
        for suffix in ("", "-wal", "-shm"):
            f = Path(base + suffix)
            if f.exists():
                os.chmod(f, 0o600)


NOT_SET_UP = ("Databasen är inte uppsatt för den här versionen av dumpning-kit ({found}, behöver {head}). "
              "IT kör `dumpning-kit db setup` med DUMPNING_DATABASE_URL satt till databasägarens anslutning.")
DENIED = ("Din databasroll ({who}) får inte göra det här. Handläggare läser och ändrar ärenden, analytiker läser "
          "bara det avidentifierade registret; IT ändrar roller med `dumpning-kit db add-user`.")
#: The case rows the register reads inside Store.case_source (PostgreSQL, not the owner).
_SOURCE: contextvars.ContextVar = contextvars.ContextVar("dumpning_case_source", default=None)


def _denied(e: DBAPIError) -> bool:
    return getattr(getattr(e, "orig", None), "sqlstate", None) == "42501"


class Store:
    """All reads and writes of cases. Every write is validated here and logged as an event
    (on PostgreSQL by the database's trigger)."""

    def __init__(self, url: str | None = None, *, guideline: Guideline | None = None,
                 settings: Settings | None = None):
        self.url = url or database_url()
        self.settings = settings or default_settings()
        self.g = guideline or default_guideline()
        self.engine = _make_engine(self.url)
        self.postgres = self.engine.dialect.name == "postgresql"
        #: PostgreSQL only: the schema owner's session (reads directly, may name the person).
        self.trusted = True
        self.db_user: str | None = None
        if self.postgres:
            self._check_postgres()
        else:
            from . import migrate
            migrate.upgrade(self.engine)
            _secure_sqlite_files(self.url)

    def _check_postgres(self) -> None:
        from . import migrate
        from .teamdb import connect_reason
        try:
            with self.engine.connect() as conn:
                found = migrate.current(conn)
                who, owner = conn.execute(text(
                    "SELECT session_user::text, (SELECT tableowner::text FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename = 'cases')")).one()
        except (OperationalError, ProgrammingError, DBAPIError) as e:
            self.engine.dispose()
            if isinstance(e, ProgrammingError) and _denied(e):
                raise UserError(NOT_SET_UP.format(found="ingen läsrätt på alembic_version", head=migrate.HEAD)) \
                    from None
            raise UserError(f"Kunde inte ansluta till databasen "
                            f"{self.engine.url.render_as_string(hide_password=True)}: {connect_reason(e)}") from None
        if found != migrate.HEAD:
            self.engine.dispose()
            raise UserError(NOT_SET_UP.format(found=f"version {found}" if found else "inga tabeller från dumpning-kit",
                                              head=f"version {migrate.HEAD}"))
        self.db_user = who
        self.trusted = who == owner
        if not self.trusted:
            event.listen(self.engine, "before_cursor_execute", self._rewrite_source, retval=True)

    def _person(self, user: str | None, fallback: str | None = None) -> str:
        """Who acts: on PostgreSQL with a person's own role always that role (the database logs
        session_user whatever the client says)."""
        if not self.trusted:
            return self.db_user
        return user or current_user(fallback)

    @contextlib.contextmanager
    def _tx(self, user: str | None = None, step: str | None = None):
        """A write transaction; on PostgreSQL it tells the trigger the step (and, for the
        owner's session only, the person)."""
        try:
            with self.engine.begin() as conn:
                if self.postgres:
                    conn.execute(text("SELECT set_config('dumpning.user', :u, true), "
                                      "set_config('dumpning.step', :s, true)"), {"u": user or "", "s": step or ""})
                yield conn
        except ProgrammingError as e:
            if _denied(e):
                raise UserError(DENIED.format(who=self.db_user)) from None
            raise

    def _call(self, sql: str, params: dict, *, commit: bool, columns=None):
        """A read function (not the owner): returns all rows; permission errors in Swedish."""
        stmt = text(sql)
        if columns is not None:
            stmt = stmt.columns(*columns)
        try:
            if commit:
                with self.engine.begin() as conn:
                    return conn.execute(stmt, params).all()
            with self.engine.connect() as conn:
                return conn.execute(stmt, params).all()
        except ProgrammingError as e:
            if _denied(e):
                raise UserError(DENIED.format(who=self.db_user)) from None
            raise

    def _read_logged(self, ids: list[int]) -> list:
        """Log the read (committed), then read: the database returns nothing unlogged."""
        self._call("SELECT dumpning_log_read(:ids, 'last', CAST(:d AS json), false)",
                   {"ids": ids, "d": '{"via": "arende"}'}, commit=True)
        return self._call("SELECT * FROM dumpning_read_cases(:ids)", {"ids": ids}, commit=False,
                          columns=list(cases.c))

    # ---- the register's source (register.py reads "cases" inside this) ----
    @property
    def logs_register_reads(self) -> bool:
        """True if the database logs the register's identifier reads itself."""
        return not self.trusted

    @contextlib.contextmanager
    def case_source(self, fields: tuple[str, ...], purpose: str, status: str | None = None,
                    caseworker: str | None = None):
        """While open, the register's SELECTs of "cases" read, for a person's own role on
        PostgreSQL, the pseudonymised view (no identifiers) or, with identifier ``fields``, the
        rows of a register read the database has logged first (the cases of that status and
        caseworker, as the register's own log would name them). Elsewhere the table itself."""
        if self.trusted:
            yield
            return
        if fields:
            [(read_id,)] = self._call("SELECT dumpning_log_register_read(:f, :p, :s, :c)",
                                      {"f": list(fields), "p": purpose, "s": status or None,
                                       "c": caseworker or None}, commit=True)
            source = ("WITH cases AS (SELECT * FROM dumpning_register_rows(%(dk_read)s)) ", {"dk_read": read_id})
        else:
            source = ("WITH cases AS (SELECT * FROM cases_pseudonymised) ", {})
        token = _SOURCE.set(source)
        try:
            yield
        finally:
            _SOURCE.reset(token)

    @staticmethod
    def _rewrite_source(conn, cursor, statement, parameters, context, executemany):
        source = _SOURCE.get()
        if source is None or not statement.lstrip().upper().startswith("SELECT") or "FROM cases" not in statement:
            return statement, parameters
        prefix, params = source
        if params:
            parameters = {**(parameters or {}), **params}
        return prefix + statement, parameters

    def close(self) -> None:
        self.engine.dispose()

    # ---- reading ----
    def _row_to_case(self, row) -> Case:
        m = row._mapping
        return Case(answers=answers_from_json(self.g, m["answers"]), decision=Decision.from_json(m["decision"]),
                    id=m["id"], version=m["version"], status=m["status"], created_at=_utc(m["created_at"]),
                    updated_at=_utc(m["updated_at"]), closed_at=m["closed_at"])

    def get(self, case_id: int) -> Case:
        if not self.trusted:
            rows = self._read_logged([int(case_id)])
            row = rows[0] if rows else None
        else:
            with self.engine.connect() as conn:
                row = conn.execute(select(cases).where(cases.c.id == int(case_id))).first()
        if row is None:
            raise UserError(f"Ärende {case_id} finns inte. Det kan ha tagits bort.")
        return self._row_to_case(row)

    def find_by_diarienummer(self, diarienummer: str) -> Case | None:
        if not self.trusted:
            [(found,)] = self._call("SELECT dumpning_log_find(:d)", {"d": diarienummer}, commit=True)
            if found is None:
                return None
            rows = self._call("SELECT * FROM dumpning_read_cases(:ids)", {"ids": [found]}, commit=False,
                              columns=list(cases.c))
            return self._row_to_case(rows[0]) if rows else None
        with self.engine.connect() as conn:
            row = conn.execute(select(cases).where(cases.c.diarienummer == diarienummer)).first()
        return self._row_to_case(row) if row else None

    def list_cases(self, *, status: str | None = None, caseworker: str | None = None) -> list[Case]:
        if not self.trusted:
            p = {"s": status or None, "c": caseworker or None}
            self._call("SELECT dumpning_log_list(:s, :c)", p, commit=True)
            return [self._row_to_case(r) for r in self._call("SELECT * FROM dumpning_list_cases(:s, :c)", p,
                                                             commit=False, columns=list(cases.c))]
        q = select(cases).order_by(cases.c.next_due.is_(None), cases.c.next_due, cases.c.id)
        if status:
            q = q.where(cases.c.status == status)
        if caseworker:
            q = q.where(cases.c.caseworker == caseworker)
        with self.engine.connect() as conn:
            return [self._row_to_case(r) for r in conn.execute(q)]

    def count(self) -> int:
        if not self.trusted:
            return self._call("SELECT count(*) FROM cases_pseudonymised", {}, commit=False)[0][0]
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(cases)).scalar_one()

    def events(self, case_id: int) -> list[Event]:
        if not self.trusted:
            self._call("SELECT dumpning_log_read(:ids, 'last', CAST(:d AS json), false)",
                       {"ids": [int(case_id)], "d": '{"via": "historik"}'}, commit=True)
            rows = self._call("SELECT * FROM dumpning_case_events(:i)", {"i": int(case_id)}, commit=False,
                              columns=list(events.c))
            return [Event(r.id, r.case_id, _utc(r.at), r.user, r.kind, r.version, r.detail) for r in rows]
        with self.engine.connect() as conn:
            rows = conn.execute(select(events).where(events.c.case_id == int(case_id)).order_by(events.c.id))
            return [Event(r.id, r.case_id, _utc(r.at), r.user, r.kind, r.version, r.detail) for r in rows]

    # ---- writing ----
    def state(self, case: Case, on: dt.date | None = None) -> CaseState:
        return CaseState.of(self.g, case, on or today())

    def _validate(self, old: dict, changes: dict, decision: str | None, closed: bool) -> dict:
        merged = {**old, **changes}
        return validate_answers(
            self.g, merged, set(changes), today=today(), own_code=self.settings.municipality_code,
            state_factory=lambda a: CaseState(self.g, a, decision=decision, closed=closed, today=today()))

    def _derived(self, answers: dict, decision: Decision | None, status: str) -> dict:
        case = Case(answers=answers, decision=decision, status=status)
        nd = self.state(case).next_deadline
        return {"next_due": nd.due if nd else None, "diarienummer": answers.get("diarienummer", ""),
                "caseworker": answers.get("handlaggare", "")}

    def create_case(self, answers: dict, user: str | None = None) -> Case:
        user = self._person(user, answers.get("handlaggare"))
        clean = self._validate({}, answers, None, False)
        first = self.g.steps[0]
        state = CaseState(self.g, clean, today=today())
        missing = state.step_status(first).missing
        if missing:
            raise ValidationError({q.id: "Välj ett svar." if q.options else "Fyll i det här fältet." for q in missing})
        now = _now()
        row = {"status": "oppet", "version": 1, "created_at": now, "updated_at": now,
               "answers": answers_to_json(clean), "decision": None, **self._derived(clean, None, "oppet")}
        try:
            with self._tx(user) as conn:
                case_id = conn.execute(insert(cases).values(**row)).inserted_primary_key[0]
                if not self.postgres:  # PostgreSQL: the trigger writes the event
                    self._log(conn, case_id, "skapat", user, 1,
                              {"changes": {k: [None, v] for k, v in answers_to_json(clean).items()}})
        except IntegrityError:
            raise ValidationError({"diarienummer": "Det finns redan ett ärende med det diarienumret."}) from None
        return self.get(case_id)

    def save_answers(self, case_id: int, version: int, changes: dict, user: str | None = None,
                     step: str | None = None) -> Case:
        """Validate and save changed answers. `version` is the version the user opened."""
        case = self.get(case_id)
        user = self._person(user, case.answers.get("handlaggare"))
        if case.version != version:
            raise StaleWriteError(STALE_MESSAGE)
        old = dict(case.answers)
        clean = self._validate(old, changes, case.decision.outcome if case.decision else None, case.closed)
        required_core = {q.id for q in self.g.steps[0].questions if q.required}
        emptied = [k for k in changes if k in required_core and k not in clean]
        if emptied:
            raise ValidationError({k: "Fältet får inte vara tomt." for k in emptied})
        diff = {k: [answers_to_json({k: old.get(k)})[k], answers_to_json({k: clean.get(k)})[k]]
                for k in set(old) | set(clean) if old.get(k) != clean.get(k)}
        if not diff:
            return case
        return self._write(case, user, "sparat", {"answers": answers_to_json(clean)},
                           {"step": step, "changes": diff}, clean, case.decision, case.status)

    def record_decision(self, case_id: int, version: int, outcome: str, motivation: str,
                        user: str | None = None, on: dt.date | None = None) -> Case:
        errors = {}
        if outcome not in self.g.decision_options:
            errors["decision_outcome"] = "Välj ett av besluten."
        motivation = (motivation or "").strip() if isinstance(motivation, str) else ""
        try:  # the same text rules as every answer: no broken or direction-reversing characters
            clean_value(MOTIVATION, motivation)
        except ValueError as e:
            errors["decision_motivation"] = str(e)
        if "decision_motivation" not in errors and len(motivation) < 10:
            errors["decision_motivation"] = "Skriv en motivering till beslutet (minst några meningar)."
        on = on or today()
        if on > today():
            errors["decision_date"] = "Beslutsdatumet kan inte ligga i framtiden."
        if errors:
            raise ValidationError(errors)
        case = self.get(case_id)
        user = self._person(user, case.answers.get("handlaggare"))
        if case.version != version:
            raise StaleWriteError(STALE_MESSAGE)
        decision = Decision(outcome, motivation, on, user)
        old = case.decision.to_json() if case.decision else None
        return self._write(case, user, "beslut", {"decision": decision.to_json()},
                           {"old": old, "new": decision.to_json()}, case.answers, decision, case.status)

    def close_case(self, case_id: int, version: int, user: str | None = None, reopen: bool = False) -> Case:
        case = self.get(case_id)
        user = self._person(user, case.answers.get("handlaggare"))
        if case.version != version:
            raise StaleWriteError(STALE_MESSAGE)
        status = "oppet" if reopen else "avslutat"
        values = {"status": status, "closed_at": None if reopen else today()}
        return self._write(case, user, "atertaget" if reopen else "avslutat", values, {}, case.answers,
                           case.decision, status)

    def _write(self, case: Case, user: str, kind: str, values: dict, detail: dict, answers: dict,
               decision: Decision | None, status: str) -> Case:
        derived = self._derived(answers, decision, status)
        with self._tx(user, detail.get("step")) as conn:
            res = conn.execute(update(cases).where(cases.c.id == case.id, cases.c.version == case.version)
                               .values(**values, **derived, version=case.version + 1, updated_at=_now()))
            if res.rowcount != 1:
                raise StaleWriteError(STALE_MESSAGE)
            if not self.postgres:  # PostgreSQL: the trigger writes the event, from what changed
                self._log(conn, case.id, kind, user, case.version + 1, detail)
        return self.get(case.id)

    def _log_reads_db(self, ids: list[int], kind: str, detail: dict | None, user: str) -> int:
        if kind not in READ_KINDS:
            raise ValueError(f"{kind!r} is not a read event; writes are logged by the database")
        payload = json.dumps(detail or {}, default=str)
        # "listat" for a person's own role: the list read (dumpning_log_list) has logged it already
        repeat = self.trusted or kind != "listat"
        with self._tx(user) as conn:
            return conn.execute(text("SELECT dumpning_log_read(:ids, :k, CAST(:d AS json), :r)"),
                                {"ids": ids, "k": kind, "d": payload, "r": repeat}).scalar_one()

    def log(self, case_id: int, kind: str, detail: dict | None = None, user: str | None = None) -> None:
        """Record a read or an export: privacy law wants to know who saw what."""
        if self.postgres:
            if not self.trusted or user:
                self._log_reads_db([int(case_id)], kind, detail, self._person(user))
                return
        if not user:
            with self.engine.connect() as conn:
                worker = conn.execute(select(cases.c.caseworker).where(cases.c.id == int(case_id))).scalar()
            user = current_user(worker)
        if self.postgres:
            self._log_reads_db([int(case_id)], kind, detail, user)
            return
        with self.engine.begin() as conn:
            self._log(conn, int(case_id), kind, user, None, detail or {})

    @staticmethod
    def _user(case: Case) -> str:
        """Who is working on ``case``: the hub's or DUMPNING_USER's name, else the case's handläggare
        (never the operating-system account)."""
        return current_user(case.answers.get("handlaggare"))

    def log_reads(self, case_ids: Iterable[int], kind: str, detail: dict | None = None,
                  user: str | None = None) -> int:
        """One read event per case, in one transaction (a list page shows many names at once)."""
        ids = [int(i) for i in dict.fromkeys(case_ids)]
        if not ids:
            return 0
        user = user or current_user()
        if self.postgres:
            return self._log_reads_db(ids, kind, detail, self._person(user))
        at = _now()
        payload = json.loads(json.dumps(detail or {}, default=str))
        with self.engine.begin() as conn:
            conn.execute(insert(events), [{"case_id": i, "at": at, "user": user, "kind": kind, "version": None,
                                           "detail": payload} for i in ids])
        return len(ids)

    def read_events(self, case_id: int | None = None, kinds: Iterable[str] = READ_KINDS) -> list[Event]:
        """The logged reads of identifying data, oldest first; of one case or of all."""
        if not self.trusted:
            if case_id is None:
                raise UserError(DENIED.format(who=self.db_user))
            wanted = set(kinds)
            return [e for e in self.events(case_id) if e.kind in wanted]
        q = select(events).where(events.c.kind.in_(list(kinds))).order_by(events.c.id)
        if case_id is not None:
            q = q.where(events.c.case_id == int(case_id))
        with self.engine.connect() as conn:
            return [Event(r.id, r.case_id, _utc(r.at), r.user, r.kind, r.version, r.detail) for r in conn.execute(q)]

    @staticmethod
    def _log(conn, case_id: int, kind: str, user: str, version: int | None, detail: dict) -> None:
        conn.execute(insert(events).values(case_id=case_id, at=_now(), user=user, kind=kind,
                                           version=version, detail=json.loads(json.dumps(detail, default=str))))

    def delete_cases(self, ids: Iterable[int]) -> int:
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        with self._tx() as conn:
            conn.execute(events.delete().where(events.c.case_id.in_(ids)))
            return conn.execute(cases.delete().where(cases.c.id.in_(ids))).rowcount


def open_store(url: str | None = None) -> Store:
    return Store(url)


