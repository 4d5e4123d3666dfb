"""The case register as a pandas DataFrame: one row per case, typed columns.

The default view (``read_register``) is pseudonymised for analysts: no name,
personnummer, diarienummer, staff name, free text or decision motivation; a stable
pseudonym per case ("P-3f9a1c0b2d", an HMAC-SHA256 of the case id under a secret key
kept in the data folder) and per landlord ("H-5c01d2e3", the same HMAC of the folded
name). Identifiers come only through ``read_identified(store, fields, purpose=...)``,
which names its purpose and logs who read which fields of which cases.

Deadlines come from the package's own rules (``assessment.CaseState``), evaluated once
per *kind* of case rather than once per case: everything CaseState decides about a
case's action plan depends only on the answers its conditions look at (values where a
condition compares them, "answered or not" where it only asks that), the decision,
whether the case is closed, and whether each deadline has passed. Cases that agree on
all of that share one CaseState evaluation; their due dates are then computed per case
with ``deadlines.due_date`` (cached per distinct start date). tests/test_register.py
checks the result against CaseState case by case.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, func, insert, select, true

from . import municipalities
from .assessment import CaseState
from .case import strip_bidi
from .deadlines import due_date, status_of
from .guideline import DeadlineRule, Guideline
from .settings import current_user, data_dir, today as settings_today
from .store import Store, cases

__all__ = ["IDENTIFIER_FIELDS", "Register", "read_register", "load_register", "read_identified", "pseudonym",
           "pseudonym_key", "landlord_pseudonym", "is_company_name", "landlord_names",
           "identifier_reads", "log_identifier_read", "register_reads", "TEXT_COLUMNS", "exports_dir",
           "write_private", "to_csv_bytes", "to_xlsx_bytes", "export_register"]

#: Identifier columns a caller may ask for through read_identified. "id" is the store's case
#: id, "handlaggare" the caseworker's name, "hyresvard_namn" the landlord as typed (free text:
#: it may be a private person).
IDENTIFIER_FIELDS = ("id", "diarienummer", "namn", "personnummer", "handlaggare", "hyresvard_namn")
#: The only short free-text answers the register carries (guideline 2.4: recurring landlords).
TEXT_COLUMNS = ("hyresvard_namn",)
KEY_FILE = "pseudonym.key"
PSEUDONYM_PREFIX = "P-"
LANDLORD_PREFIX = "H-"
LANDLORD_HEX = 8
PSEUDONYM_HEX = 10  # 40 bits: no collision expected below millions of cases (6 hex would clash at 100k)

_VALUE_TYPES = ("yes_no", "yes_no_unknown", "choice")
_SCALAR_TYPES = ("kommun", "integer")

# ---- audit log of identifier reads --------------------------------------------------------
# One row per read, not one event per case: the team overview reads every open case each
# time it opens, and one event per case per view would bury each case's own history and
# grow the event table by the size of the register on every click. The case ids read are
# kept as ranges, so "who has seen case 17's identifiers?" is one query
# (identifier_reads). No FK to cases: the audit trail must outlive a purged case.
_audit_metadata = MetaData()
register_reads = Table(
    "register_reads", _audit_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user", String(100), nullable=False),
    Column("purpose", String(100), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("case_count", Integer, nullable=False),
    Column("case_ranges", JSON, nullable=False),
)


def _id_ranges(ids: Iterable[int]) -> list[list[int]]:
    """[[first, last], ...] of consecutive ids: 100,000 ids in one range are one pair."""
    a = np.unique(np.fromiter((int(i) for i in ids), dtype=np.int64) if not isinstance(ids, (np.ndarray, pd.Series))
                  else np.asarray(ids, dtype=np.int64))
    if not len(a):
        return []
    breaks = np.flatnonzero(np.diff(a) != 1)
    starts = np.concatenate(([a[0]], a[breaks + 1]))
    ends = np.concatenate((a[breaks], [a[-1]]))
    return [[int(x), int(y)] for x, y in zip(starts, ends)]


def _check_purpose(purpose: Any) -> str:
    if not isinstance(purpose, str) or len(purpose.strip()) < 3:
        raise ValueError("Ange syftet med att läsa identifierande uppgifter ur registret, till exempel "
                         "purpose=\"granskning av handläggningstider\". Läsningen loggas med syftet.")
    return " ".join(purpose.split())[:100]


def log_identifier_read(store: Store, ids: Iterable[int], fields: tuple[str, ...], purpose: str) -> None:
    """One audit row for a read of identifiers: who (the signed-in user, settings.current_user),
    when, which fields, which cases (as id ranges) and why."""
    purpose = _check_purpose(purpose)
    ranges = _id_ranges(ids)
    if not ranges:
        return
    _audit_metadata.create_all(store.engine, checkfirst=True)
    with store.engine.begin() as conn:
        conn.execute(insert(register_reads).values(
            at=dt.datetime.now(dt.timezone.utc), user=current_user(), purpose=purpose,
            fields=list(fields), case_count=sum(b - a + 1 for a, b in ranges), case_ranges=ranges))


def identifier_reads(store: Store, case_id: int | None = None) -> list[dict]:
    """Logged identifier reads, newest first; with case_id only those that included that case."""
    _audit_metadata.create_all(store.engine, checkfirst=True)
    with store.engine.connect() as conn:
        rows = conn.execute(select(register_reads).order_by(register_reads.c.id.desc())).all()
    out = []
    for r in rows:
        if case_id is not None and not any(a <= int(case_id) <= b for a, b in r.case_ranges):
            continue
        at = r.at if r.at.tzinfo else r.at.replace(tzinfo=dt.timezone.utc)
        out.append({"at": at, "user": r.user, "purpose": r.purpose, "fields": list(r.fields),
                    "case_count": r.case_count})
    return out


# ---- pseudonyms ---------------------------------------------------------------------------

def pseudonym_key(folder: Path | None = None) -> bytes:
    """The secret pseudonym key, created owner-only (0600) in the data folder on first use.

    Created by link() from a private temporary file, so two processes starting at once
    agree on one key and nobody ever reads a half-written file.
    """
    folder = Path(folder) if folder else data_dir()
    path = folder / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = folder / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.write(fd, secrets.token_hex(32).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process won; use its key
    finally:
        tmp.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def pseudonym(case_id: int, key: bytes) -> str:
    """'P-' and the first 10 hex digits of HMAC-SHA256(key, 'case:<id>')."""
    digest = hmac.digest(key, f"case:{int(case_id)}".encode("ascii"), "sha256")
    return PSEUDONYM_PREFIX + digest.hex()[:PSEUDONYM_HEX]


_PSEUDONYM_CACHE: dict[bytes, dict[int, str]] = {}


def _pseudonyms(ids: Iterable[int]) -> list[str]:
    """pseudonym() for many ids. The same HMAC-SHA256 (RFC 2104), with the key's inner and
    outer hash states computed once and copied per id: twice as fast as hmac.digest per call.
    Remembered per key, so a refreshed overview does not redo them."""
    key = pseudonym_key()
    cache = _PSEUDONYM_CACHE.setdefault(key, {})
    ids = [int(i) for i in ids]
    if len(cache) > 2_000_000:
        cache.clear()
    missing = [i for i in ids if i not in cache]
    if missing:
        block = key if len(key) <= 64 else hashlib.sha256(key).digest()
        block = block.ljust(64, b"\0")
        inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        for i in missing:
            h = inner.copy()
            h.update(b"case:%d" % i)
            o = outer.copy()
            o.update(h.digest())
            cache[i] = PSEUDONYM_PREFIX + o.hexdigest()[:PSEUDONYM_HEX]
    return [cache[i] for i in ids]


def _fold_landlord(name: str) -> str:
    return " ".join(str(name).casefold().split())


def landlord_pseudonym(name: str, key: bytes) -> str:
    """'H-' and 8 hex digits of HMAC-SHA256(key, 'landlord:<name folded>'): the same landlord
    typed as 'Testbo AB' or ' testbo  ab' gets the same pseudonym, and the name cannot be read back."""
    digest = hmac.digest(key, ("landlord:" + _fold_landlord(name)).encode("utf-8", "replace"), "sha256")
    return LANDLORD_PREFIX + digest.hex()[:LANDLORD_HEX]


#: A legal form in the name: only then is a landlord treated as a company (never a private person).
_COMPANY_FORM = re.compile(
    r"(?:^|[\s,(])(?:AB|HB|KB|Aktiebolag(?:et)?|Handelsbolag(?:et)?|Kommanditbolag(?:et)?|"
    r"Ekonomisk förening|Bostadsrättsförening(?:en)?|BRF|Brf|Stiftelse(?:n)?)(?:$|[\s,.)])|\(publ\)")


def is_company_name(name: str) -> bool:
    """True if the landlord's name carries a legal form (AB, HB, KB, ekonomisk förening, stiftelse ...)."""
    return bool(_COMPANY_FORM.search(str(name)))


# ---- what the guideline's conditions look at ----------------------------------------------

@dataclass(frozen=True)
class _Plan:
    """Which answers to read and which of them decide a case's action plan."""
    codes: tuple[str, ...]      # yes/no and choice answers, read as values
    scalars: tuple[str, ...]    # kommun, integer and allowed short text, read as values
    dates: tuple[str, ...]      # date answers
    flags: tuple[str, ...]      # free text a condition asks "answered?" about: read as a flag only
    value_refs: tuple[str, ...]     # answers whose value a condition (or indicator, consent) looks at
    answered_refs: tuple[str, ...]  # answers a condition only asks "answered?" about
    output: tuple[str, ...]     # answer columns the pseudonymised register shows
    rules: tuple[str, ...]      # deadline rule ids


def _walk(cond: Any, values: set, answered: set) -> None:
    if cond is None:
        return
    if "all" in cond or "any" in cond:
        for part in cond.get("all", cond.get("any")):
            _walk(part, values, answered)
    elif "not" in cond:
        _walk(cond["not"], values, answered)
    elif "question" in cond:
        (answered if "answered" in cond else values).add(cond["question"])


def _plan(g: Guideline) -> _Plan:
    cached = _PLANS.get(id(g))
    if cached is not None and cached[0] is g:
        return cached[1]
    qs = g.questions
    values: set[str] = set()
    answered: set[str] = set()
    for s in g.steps:
        _walk(s.applies, values, answered)
        for q in s.questions:
            _walk(q.relevant, values, answered)
            _walk(q.requires, values, answered)
            if q.indicators:
                values.add(q.id)  # supporting signs compare the value
    for o in g.outcomes:
        for r in o.requires:
            _walk(r.when, values, answered)
    for a in g.actions:
        _walk(a.applies, values, answered)
        _walk(a.done_when, values, answered)
        if a.consent:
            values.add(a.consent)
    for d in g.deadlines:
        answered.add(d.from_question or d.date_question)
    answered -= values

    def readable(q) -> bool:  # may appear in the pseudonymised register
        return not q.sensitive and (q.type in _VALUE_TYPES + _SCALAR_TYPES + ("date",) or q.id in TEXT_COLUMNS)

    codes = tuple(q.id for q in qs.values() if q.type in _VALUE_TYPES and (readable(q) or q.id in values))
    dates = tuple(q.id for q in qs.values() if q.type == "date" and (readable(q) or q.id in values | answered))
    scalars = tuple(q.id for q in qs.values() if q.id not in codes and q.id not in dates
                    and ((q.type in _SCALAR_TYPES or q.id in TEXT_COLUMNS) and readable(q) or q.id in values))
    flags = tuple(q for q in sorted(answered) if q not in codes + dates + scalars)
    output = tuple(q for q in codes + scalars + dates if readable(qs[q]))
    plan = _Plan(codes, scalars, dates, flags, tuple(sorted(values)), tuple(sorted(answered)), output,
                 tuple(d.id for d in g.deadlines))
    _PLANS[id(g)] = (g, plan)
    return plan


_PLANS: dict[int, tuple[Guideline, _Plan]] = {}


# ---- reading ------------------------------------------------------------------------------

def _filters(status: str | None, caseworker: str | None) -> list:
    where = []
    if status:
        where.append(cases.c.status == status)
    if caseworker:
        where.append(cases.c.caseworker == caseworker)
    return where or [true()]


@dataclass
class _Raw:
    """What was read. Codes (yes/no and choice answers) repeat a lot, so they are kept as one
    row number per case into a small table of the distinct combinations."""
    rows: dict[str, np.ndarray]  # object arrays: id, status, caseworker, closed_at, _beslut, _beslut_datum,
                                 # identifiers, scalars, flags (bool), dates (ISO str). Not a DataFrame:
                                 # pandas would spend half a second inferring types it does not need.
    n: int
    codes_key: np.ndarray        # per case: row in codes_table
    codes_table: pd.DataFrame    # distinct combinations of the code answers (raw values)


def _read_raw(store: Store, plan: _Plan, ids: tuple[str, ...], status, caseworker) -> _Raw:
    if store.engine.dialect.name == "sqlite":
        return _read_raw_sqlite(store, plan, ids, status, caseworker)
    return _read_raw_generic(store, plan, ids, status, caseworker)


def _base_columns(ids: tuple[str, ...], sqlite: bool = False) -> list:
    def field(col, key: str):
        # SQLite: plain json_extract, whose bind values need no processing (raw cursor below).
        return func.json_extract(col, f'$."{key}"') if sqlite else col[key].as_string()
    cols = [cases.c.id, cases.c.status, cases.c.caseworker, cases.c.closed_at,
            field(cases.c.decision, "outcome").label("_beslut"),
            field(cases.c.decision, "date").label("_beslut_datum")]
    if "diarienummer" in ids:
        cols.append(cases.c.diarienummer)
    for f in ("namn", "personnummer"):
        if f in ids:
            cols.append(field(cases.c.answers, f).label(f))
    return cols


def _flag_expr(value):
    """Answered, as guideline._answered: present and not blank. Free text never leaves the database."""
    return func.coalesce(func.length(func.trim(value)), 0) > 0


def _read_raw_generic(store, plan, ids, status, caseworker) -> _Raw:
    """Any dialect with JSON paths (PostgreSQL: ->>): one column per answer."""
    A = cases.c.answers
    cols = _base_columns(ids)
    # Whole JSON values (not ->> text): a stray 2 or true must reach CaseState as the store reads it.
    cols += [A[q].label(q) for q in plan.codes + plan.scalars + plan.dates]
    cols += [_flag_expr(A[q].as_string()).label(q) for q in plan.flags]
    stmt = select(*cols).where(*_filters(status, caseworker)).order_by(cases.c.id)
    with store.engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).all(), columns=[c.name for c in cols], dtype=object)
    codes = list(plan.codes)
    if codes and len(df):
        key = df.groupby(codes, dropna=False, sort=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(df))).groupby(key).first().to_numpy()
        table = df[codes].iloc[first].reset_index(drop=True)
    else:
        key, table = np.zeros(len(df), dtype=np.int64), pd.DataFrame([[None] * len(codes)], columns=codes)
    return _Raw({c: df[c].to_numpy(dtype=object) for c in df.columns if c not in codes}, len(df), key, table)


def _read_raw_sqlite(store, plan, ids, status, caseworker) -> _Raw:
    """SQLite: json_extract with many paths returns one small JSON array per row, computed in
    SQLite's C code, and each call parses the document again, so there are only two: the
    yes/no and choice codes (factorised before they are parsed: few distinct combinations),
    and the dates and other values (all rows parsed by one json.loads call)."""
    A = cases.c.answers
    base = _base_columns(ids, sqlite=True)
    rest = plan.dates + plan.scalars
    extra = []
    if plan.codes:
        extra.append(func.json_extract(A, *[f'$."{q}"' for q in plan.codes]).label("_codes"))
    if rest:
        extra.append(func.json_extract(A, *[f'$."{q}"' for q in rest]).label("_rest"))
    extra += [_flag_expr(func.json_extract(A, f'$."{q}"')).label(q) for q in plan.flags]
    where = _filters(status, caseworker)
    rows = _fetch_sqlite(store, base + extra, where)
    names = [c.name for c in base + extra]
    n = len(rows)
    cols = dict(zip(names, zip(*rows))) if n else {k: () for k in names}
    data = {k: np.array(v, dtype=object) if n else np.array([], dtype=object)
            for k, v in cols.items() if k not in ("_codes", "_rest")}
    width = len(plan.codes)
    if plan.codes and n:
        key, uniques = pd.factorize(pd.Series(cols["_codes"], dtype=object), use_na_sentinel=False)
        table = pd.DataFrame([json.loads(u) if isinstance(u, str) else [None] * width for u in uniques],
                             columns=list(plan.codes), dtype=object)
    else:
        key, table = np.zeros(n, dtype=np.int64), pd.DataFrame([[None] * width], columns=list(plan.codes))
    if rest:
        nulls = "[" + ",".join(["null"] * len(rest)) + "]"
        parsed = json.loads("[" + ",".join(t or nulls for t in cols["_rest"]) + "]") if n else []
        values = np.array(parsed, dtype=object).reshape(n, len(rest))
        data.update({q: values[:, j] for j, q in enumerate(rest)})
    return _Raw(data, n, np.asarray(key, dtype=np.int64), table)


def _fetch_sqlite(store: Store, columns: list, where: list) -> list[tuple]:
    """Rows in id order, through the DB-API cursor: SQLAlchemy's per-row processing would
    cost more than the query. (Reading id ranges on two threads was tried: sqlite3 releases
    the GIL while SQLite works, but building the rows needs it, and nothing was gained.)"""
    stmt = select(*columns).where(*where).order_by(cases.c.id)
    compiled = stmt.compile(dialect=store.engine.dialect)
    params = tuple(compiled.params[k] for k in compiled.positiontup)
    with store.engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        try:
            return cur.execute(str(compiled), params).fetchall()
        finally:
            cur.close()


# ---- typed register -----------------------------------------------------------------------

def _map_unique(values, fn, dtype=object) -> np.ndarray:
    """fn applied once per distinct value (dates and codes repeat a lot); NA gets fn(None)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values,
                                  use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=dtype)
    return mapped[codes]  # code -1 (NA) picks the last entry


def _to_dates(values, factorised=None) -> pd.Series:
    """ISO date strings -> datetime64; anything else becomes NaT (due_date ignores it too)."""
    codes, uniques = factorised or pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    texts = [u if isinstance(u, str) else None for u in uniques] + [None]  # a stray number is no date
    parsed = pd.to_datetime(pd.Series(texts, dtype=object), format="%Y-%m-%d", errors="coerce")
    return pd.Series(parsed.to_numpy()[codes], dtype="datetime64[ns]")


def _category(values) -> pd.Categorical:
    """Low-cardinality text (names of municipalities, counties, caseworkers, deadlines)."""
    return pd.Categorical(pd.Series(values, dtype=object).where(pd.notna(values), None))


def _py_date(v: Any) -> Any:
    """A stored date answer as the store reads it (case.answers_from_json)."""
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            return v
    return v


def _answered(v: Any) -> bool:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return False
    return not (isinstance(v, str) and not v.strip())


def _categorical(raw_table: pd.DataFrame, key: np.ndarray, q: str, categories: list[str]) -> pd.Categorical:
    """A code column built at the level of distinct combinations, then spread by row number."""
    lookup = {c: i for i, c in enumerate(categories)}
    per_unique = np.array([lookup.get(v, -1) if isinstance(v, str) else -1 for v in raw_table[q]], dtype=np.int16)
    return pd.Categorical.from_codes(per_unique[key] if len(key) else np.array([], dtype=np.int16), categories)


@dataclass
class Register:
    """The register (one row per case) and its open deadlines (one row per case and deadline)."""
    cases: pd.DataFrame
    deadlines: pd.DataFrame
    today: dt.date
    identifiers: tuple[str, ...]


def _identifier_fields(identifiers: bool | Iterable[str]) -> tuple[str, ...]:
    if identifiers is True:
        return IDENTIFIER_FIELDS
    if not identifiers:
        return ()
    fields = tuple(dict.fromkeys(identifiers))
    unknown = [f for f in fields if f not in IDENTIFIER_FIELDS]
    if unknown:
        raise ValueError(f"unknown identifier field {unknown[0]!r}; choose from {IDENTIFIER_FIELDS}")
    return fields


@lru_cache(maxsize=65536)
def _due(rule: DeadlineRule, anchor: dt.date) -> dt.date | None:
    return due_date(rule, {rule.from_question or rule.date_question: anchor})[1]


def read_register(store: Store | None = None, *, status: str | None = None, today: dt.date | None = None,
                  **refused) -> Register:
    """The pseudonymised register: every case (optionally only one status) with its deadlines.

    No name, personnummer, diarienummer, staff name or free text; case and landlord
    pseudonyms instead. Identifiers only through read_identified, which logs the read.
    """
    if refused:
        raise TypeError(f"read_register() takes no {', '.join(sorted(refused))}: identifiers and caseworker "
                        "filters come only through read_identified(store, fields, purpose=...), which logs the read")
    own = store is None
    store = store or Store()
    try:
        return _read(store, (), status, None, today or settings_today(), "")
    finally:
        if own:
            store.close()


def read_identified(store: Store | None, fields: bool | Iterable[str], *, purpose: str,
                    status: str | None = None, caseworker: str | None = None,
                    today: dt.date | None = None) -> Register:
    """The register with identifiers: the one way to read them, and every read is logged.

    ``fields``: some of IDENTIFIER_FIELDS (True: all of them), e.g. ``("id", "diarienummer",
    "handlaggare")`` for the team overview. ``purpose`` says why, in words ("teamöversikt",
    "kalenderfil"); the log row names the signed-in user (settings.current_user), the time,
    the fields, the cases read (as id ranges) and the purpose (identifier_reads).
    """
    ids = _identifier_fields(fields)
    purpose = _check_purpose(purpose)
    if not ids:
        raise ValueError("read_identified needs at least one identifier field; use read_register without them")
    own = store is None
    store = store or Store()
    try:
        return _read(store, ids, status, caseworker, today or settings_today(), purpose)
    finally:
        if own:
            store.close()


def load_register(store: Store | None = None, **kwargs) -> pd.DataFrame:
    """The pseudonymised register as one DataFrame; see read_register for the arguments."""
    return read_register(store, **kwargs).cases


def landlord_names(store: Store, *, purpose: str) -> dict[str, str]:
    """Landlord pseudonym -> name, for landlords whose name carries a company form (AB, HB ...)
    only: a private person as landlord is never named. A logged read of hyresvard_namn."""
    reg = read_identified(store, ("hyresvard_namn",), purpose=purpose)
    df = reg.cases[reg.cases["hyresvard_namn"].notna()]
    out: dict[str, str] = {}
    for pseud, part in df.groupby("hyresvard", observed=True):
        name = part["hyresvard_namn"].mode().iat[0]  # the commonest spelling
        if is_company_name(name):
            out[str(pseud)] = str(name)
    return out


def _read(store: Store, ids: tuple[str, ...], status, caseworker, today: dt.date, purpose: str) -> Register:
    g = store.g
    plan = _plan(g)
    with store.case_source(ids, purpose, status, caseworker):  # PostgreSQL roles: a view, or a logged read
        raw = _read_raw(store, plan, ids, status, caseworker)
    rows, n, ckey, ctable = raw.rows, raw.n, raw.codes_key, raw.codes_table
    today_ts = pd.Timestamp(today)

    # -- every rule's due date per case, from the package's due_date (once per start date)
    factorised = {q: pd.factorize(rows[q], use_na_sentinel=True) for q in plan.dates}  # dates repeat a lot
    dates = {q: _to_dates(rows[q], factorised[q]) for q in plan.dates}
    due_cols: dict[str, np.ndarray] = {}
    key = pd.DataFrame({"_codes": ckey})
    for rule in g.deadlines:
        anchor = dates.get(rule.from_question or rule.date_question)
        if anchor is None:
            due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            due = pd.to_datetime(pd.Series(_map_unique(
                anchor, lambda d, r=rule: _due(r, d.date()) if d is not None else None))).to_numpy("datetime64[ns]")
        due_cols[rule.id] = due
        key[f"p:{rule.id}"] = np.where(np.isnat(due), -1, due < today_ts.to_datetime64()).astype(np.int8)

    # -- the rest of the key: everything else CaseState's action plan can depend on
    for q in plan.value_refs:
        if q not in plan.codes:
            key[f"v:{q}"] = rows[q].astype(str)
    for q in plan.answered_refs:
        if q in plan.codes:
            per_unique = np.array([_answered(v) for v in ctable[q]], dtype=bool)
            key[f"a:{q}"] = per_unique[ckey] if n else np.array([], dtype=bool)
        elif q in plan.flags:
            key[f"a:{q}"] = rows[q].astype(bool)
        elif q in factorised:
            codes, uniques = factorised[q]
            key[f"a:{q}"] = np.array([_answered(u) for u in uniques] + [False], dtype=bool)[codes]
        else:
            key[f"a:{q}"] = _map_unique(rows[q], _answered, bool)
    key["_beslut"] = rows["_beslut"].astype(str)
    key["_closed"] = rows["status"] == "avslutat"
    group = key.groupby(list(key.columns), sort=False, dropna=False).ngroup().to_numpy() if n \
        else np.array([], dtype=np.int64)

    # -- one CaseState per kind of case
    first = pd.Series(np.arange(n)).groupby(group).first().to_numpy() if n else np.array([], dtype=np.int64)
    classification = np.empty(len(first), dtype=object)
    open_rules: list[tuple[str, ...]] = []
    for gi, i in enumerate(first):
        decision = rows["_beslut"][i]
        st = CaseState(g, _representative(plan, {k: v[i] for k, v in rows.items()}, ctable.iloc[int(ckey[i])]),
                       decision=decision if isinstance(decision, str) else None,
                       closed=rows["status"][i] == "avslutat", today=today)
        classification[gi] = st.classification
        open_rules.append(() if st.closed else
                          tuple(dict.fromkeys(d.rule.id for d in st.deadlines if d.status != "klar")))

    # -- next deadline per case: the earliest open one, ties in action-plan order (as CaseState)
    next_rule = np.full(n, None, dtype=object)
    next_due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    parts = []
    by_rules: dict[tuple[str, ...], list[int]] = {}
    for gi, rules in enumerate(open_rules):
        if rules:
            by_rules.setdefault(rules, []).append(gi)
    for rules, gis in by_rules.items():
        idx = np.flatnonzero(np.isin(group, gis))
        stack = np.vstack([due_cols[r][idx] for r in rules])
        pick = np.where(np.isnat(stack), np.datetime64("2262-01-01", "ns"), stack).argmin(axis=0)
        next_due[idx] = stack[pick, np.arange(len(idx))]
        next_rule[idx] = np.asarray(rules, dtype=object)[pick]
        parts += [pd.DataFrame({"_row": idx, "frist_id": r, "sista_dag": due_cols[r][idx]}) for r in rules]

    cols = _typed(rows, ckey, ctable, plan, g, ids, dates)
    cols["bedomning"] = pd.Categorical.from_codes(
        pd.Categorical(classification, categories=list(g.classification_labels)).codes[group]
        if n else np.array([], dtype=np.int8), list(g.classification_labels))
    labels = {d.id: d.label for d in g.deadlines}
    due_next = pd.Series(next_due, dtype="datetime64[ns]")
    cols["nasta_frist"] = due_next.array
    cols["nasta_frist_id"] = pd.Categorical(next_rule, categories=[d.id for d in g.deadlines])
    cols["nasta_frist_namn"] = pd.Categorical(_map_unique(next_rule, labels.get),
                                              categories=list(dict.fromkeys(labels.values())))
    cols["nasta_frist_status"] = _status(due_next, today)
    cols["dagar_kvar"] = _days_left(due_next, today_ts).array
    order = [c for c in FRONT_COLUMNS if c in cols] + [c for c in cols if c not in FRONT_COLUMNS]
    out = pd.DataFrame({c: cols[c] for c in order}, index=pd.RangeIndex(n))

    dl = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {"_row": pd.Series(dtype=np.int64), "frist_id": pd.Series(dtype=object),
         "sista_dag": pd.Series(dtype="datetime64[ns]")})
    dl = dl[dl["sista_dag"].notna()]
    keep = [c for c in ("id", "diarienummer") if c in out.columns] + ["pseudonym"] + \
        (["handlaggare"] if "handlaggare" in out.columns else [])
    deadlines = out[keep].iloc[dl["_row"].to_numpy()].reset_index(drop=True)
    deadlines["frist_id"] = pd.Series(dl["frist_id"].to_numpy(), dtype="string")
    deadlines["frist_namn"] = pd.Series(_map_unique(dl["frist_id"].to_numpy(), labels.get), dtype="string")
    sections = {d.id: d.section for d in g.deadlines}
    deadlines["avsnitt"] = pd.Series(_map_unique(dl["frist_id"].to_numpy(), sections.get), dtype="string")
    deadlines["sista_dag"] = pd.Series(dl["sista_dag"].to_numpy(), dtype="datetime64[ns]")
    deadlines["status"] = _status(deadlines["sista_dag"], today)
    deadlines["dagar_kvar"] = _days_left(deadlines["sista_dag"], today_ts)
    order = np.lexsort((dl["_row"].to_numpy(), deadlines["sista_dag"].to_numpy()))  # by date, then case id
    deadlines = deadlines.iloc[order].reset_index(drop=True)

    if ids and n and not store.logs_register_reads:
        log_identifier_read(store, rows["id"], ids, purpose)
    return Register(out, deadlines, today, ids)


#: Columns first in the register, in this order; the other answers follow.
FRONT_COLUMNS = (
    "id", "diarienummer", "namn", "personnummer", "pseudonym", "status", "handlaggare", "bedomning",
    "beslut", "beslut_datum", "avslutad", "tidigare_kommun", "kommun_namn", "lan", "lan_kod",
    "ankomstdatum", "forsta_kontakt", "barn", "barn_antal", "form", "hyresvard", "hyresvard_namn",
    "begaran_skickad", "begaran_mottagen", "svar_datum", "svar", "svarstid_dagar",
    "ivo_ansokan_datum", "ivo_beslut_datum", "ivo_beslut",
    "nasta_frist", "nasta_frist_id", "nasta_frist_namn", "nasta_frist_status", "dagar_kvar",
)


def _representative(plan: _Plan, row: dict, codes: pd.Series) -> dict:
    """Answers for CaseState, as the store would read them; free text as a placeholder,
    since a condition only asks whether it is answered."""
    answers = {}
    for q in plan.codes:
        if _answered(codes[q]):
            answers[q] = codes[q]
    for q in plan.scalars:
        if _answered(row[q]):
            answers[q] = row[q]
    for q in plan.dates:
        if _answered(row[q]):
            answers[q] = _py_date(row[q])
    for q in plan.flags:
        if bool(row[q]):
            answers[q] = "x"
    return answers


def _status(due: pd.Series, today: dt.date) -> pd.Categorical:
    """forfallen / idag / kommande from deadlines.status_of, once per distinct date."""
    status = _map_unique(due, lambda d: status_of(d.date(), False, today)[0] if d is not None else None)
    return pd.Categorical(status, categories=["forfallen", "idag", "kommande"])


def _days_left(due: pd.Series, today_ts: pd.Timestamp) -> pd.Series:
    return (due - today_ts).dt.days.astype("Int64")


def _typed(rows: dict[str, np.ndarray], ckey: np.ndarray, ctable: pd.DataFrame, plan: _Plan, g: Guideline,
           ids: tuple[str, ...], dates: dict) -> dict[str, Any]:
    """The typed columns, as a dict: the DataFrame is built once, in column order, by the caller."""
    qs = g.questions
    out: dict[str, Any] = {}
    if "id" in ids:
        out["id"] = pd.array(rows["id"].astype(np.int64), dtype="Int64")
    for f in ("diarienummer", "namn", "personnummer"):
        if f in ids:
            out[f] = pd.array(rows[f], dtype="string")
    out["pseudonym"] = pd.array(_pseudonyms(rows["id"]), dtype="string")
    out["status"] = pd.Categorical(rows["status"], categories=["oppet", "avslutat"])
    if "handlaggare" in ids:
        out["handlaggare"] = _category(rows["caseworker"])
    out["beslut"] = pd.Categorical(rows["_beslut"], categories=list(g.decision_options))
    out["beslut_datum"] = _to_dates(rows["_beslut_datum"])
    out["avslutad"] = _to_dates(_map_unique(rows["closed_at"], lambda d: d.isoformat()
                                            if isinstance(d, dt.date) else d))

    table = municipalities.all_municipalities()
    for q in plan.output:
        t = qs[q].type
        if q in TEXT_COLUMNS:  # free text: a pseudonym by default, the text itself only as an identifier
            text = _map_unique(rows[q], lambda v: " ".join(str(v).split()) if _answered(v) else None)
            if q == "hyresvard_namn":
                key = pseudonym_key()
                out["hyresvard"] = pd.array(_map_unique(text, lambda v: landlord_pseudonym(v, key) if v else None),
                                            dtype="string")
            if q in ids:
                out[q] = pd.array(text, dtype="string")
            continue
        if t == "date":
            out[q] = dates[q]
        elif t in _VALUE_TYPES:
            out[q] = _categorical(ctable, ckey, q, list(qs[q].options))
        elif t == "integer":
            out[q] = pd.to_numeric(pd.Series(rows[q], dtype=object), errors="coerce").astype("Int64")
        elif t == "kommun":
            # kommunkod as text with its leading zero ("0180"), named from SCB's list.
            code = _map_unique(rows[q], lambda v: str(v).zfill(4) if _answered(v) else None)
            out[q] = pd.array(code, dtype="string")
            if q == "tidigare_kommun":
                for col, attr in (("kommun_namn", "short"), ("lan", "county"), ("lan_kod", "county_code")):
                    out[col] = _category(_map_unique(code, lambda c, a=attr: getattr(table[c], a)
                                                     if c in table and c is not None else None))
        else:
            out[q] = pd.array(_map_unique(rows[q], lambda v: " ".join(str(v).split()) if _answered(v) else None),
                              dtype="string")

    # Children: a yes/no and a count (0 when there are none).
    if "barn_i_hushallet" in out:
        kids = pd.Series(out["barn_i_hushallet"]).map({"ja": True, "nej": False}).astype("boolean")
        out["barn"] = kids.array
        if "barn_antal" in out:
            out["barn_antal"] = out["barn_antal"].mask(kids.eq(False).fillna(False).to_numpy(dtype=bool), 0).array
    if "begaran_mottagen" in out and "svar_datum" in out:
        out["svarstid_dagar"] = (out["svar_datum"] - out["begaran_mottagen"]).dt.days.astype("Int64").array
    return {k: (v.array if isinstance(v, pd.Series) else v) for k, v in out.items()}


# ---- export files -------------------------------------------------------------------------

def exports_dir() -> Path:
    """data folder/exports, owner-only: exports hold register data."""
    d = data_dir() / "exports"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def write_private(path: Path, data: bytes) -> Path:
    """Write a file readable by its owner only (0600 from the first byte), replacing it atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _for_export(df: pd.DataFrame) -> pd.DataFrame:
    """Plain values for CSV/Excel: dates without a time, NA as empty, and no text that a
    spreadsheet would run as a formula (user-typed names are quoted with a leading '), and no
    direction-control character (case.BIDI_CONTROLS)."""
    out = pd.DataFrame(index=df.index)
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[c] = pd.Series([d.date() if pd.notna(d) else None for d in col], index=df.index, dtype=object)
        elif isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col) \
                or col.dtype == object:
            vals = col.astype(object).where(col.notna(), None)
            vals = vals.map(lambda v: strip_bidi(v) if isinstance(v, str) else v)  # no U+202E in a file
            out[c] = vals.map(lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v)
        else:
            out[c] = col.astype(object).where(col.notna(), None)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV as Swedish Excel opens it: semicolons, UTF-8 with BOM (åäö intact), ISO dates."""
    return _for_export(df).to_csv(index=False, sep=";", lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "Ärenden") -> bytes:
    import io
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        data = _for_export(df)
        data.to_excel(xl, sheet_name=sheet[:31], index=False)
        ws = xl.sheets[sheet[:31]]
        ws.freeze_panes = "A2"
        for i, c in enumerate(data.columns, start=1):  # readable widths without measuring every cell
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(max(len(str(c)) + 2, 12), 40)
    return buf.getvalue()


def export_register(store: Store | None = None, *, fmt: str = "csv", path: str | Path | None = None,
                    **read_kwargs) -> Path:
    """Write the (by default pseudonymised) register to exports/ as .csv or .xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError("fmt must be 'csv' or 'xlsx'")
    df = load_register(store, **read_kwargs)
    path = Path(path) if path else exports_dir() / f"register-{settings_today().isoformat()}.{fmt}"
    return write_private(path, to_csv_bytes(df) if fmt == "csv" else to_xlsx_bytes(df, "Register"))
