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
checks the result against CaseState case by case, and every answer column against the
case as the store reads it.

Everything is derived column-wise: status, caseworker, decision, the "answered?" flags of
free text and the yes/no and choice answers are read as one text per case and factorised,
so each distinct combination (a few hundred in 100,000 cases) is parsed and typed once;
dates are factorised all at once and parsed once per distinct date; due dates are computed
once per distinct start date. On SQLite the rows come as a few aggregate strings computed
inside SQLite (two id ranges at once, on their own connections: a case saved during the read
shows either its old or its new version, whole), and the cyclic garbage collector is paused
for the read.
"""
from __future__ import annotations

import datetime as dt
import gc
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
# Every row the register is built from comes through _read_raw, the one place that chooses the
# row source; it returns plain columns (_Raw), whichever database they came from.

#: The characters str.strip() removes (str.isspace()): a free-text answer of nothing but these
#: is unanswered, in SQL as in guideline._answered. tests/test_register.py checks the list.
_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
#: SQLite reads run as id ranges of at most this many ids (no aggregate string near SQLite's
#: length limit), on up to _SQLITE_WORKERS threads at once.
_SQLITE_CHUNK_IDS = 250_000
_SQLITE_WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Columns of few distinct values, read per kind of case rather than per case (besides the codes).
_KIND_COLUMNS = ("status", "caseworker", "_beslut")


def _filters(status: str | None, caseworker: str | None) -> list:
    where = []
    if status:
        where.append(cases.c.status == status)
    if caseworker:
        where.append(cases.c.caseworker == caseworker)
    return where or [true()]


@dataclass
class _Raw:
    """What was read, in id order. Status, caseworker, decision, the "answered?" flags of free
    text and the yes/no and choice answers repeat a lot, so they are kept as one row number per
    case (``key``) into a small table of the distinct combinations (``kinds``)."""
    rows: dict[str, np.ndarray]  # per case: id (int64), closed_at, _beslut_datum, identifiers, scalars,
                                 # dates (ISO text as stored); object arrays, no pandas type inference
    n: int
    key: np.ndarray              # per case: row in kinds
    kinds: pd.DataFrame          # columns _KIND_COLUMNS + plan.flags (bool) + plan.codes, raw values
    dates: np.ndarray            # n x len(plan.dates): the date answers as one block (rows[q] are its columns)


def _read_raw(store: Store, plan: _Plan, ids: tuple[str, ...], status, caseworker) -> _Raw:
    """The rows of the register, in id order, from the store's database."""
    if store.engine.dialect.name == "sqlite":
        return _read_raw_sqlite(store, plan, ids, status, caseworker)
    return _read_raw_generic(store, plan, ids, status, caseworker)


def _flag_expr(value, dialect: str):
    """Answered, as guideline._answered: present and not blank (str.strip's whitespace).
    Free text never leaves the database: only this flag does."""
    stripped = func.btrim(value, _WHITESPACE) if dialect == "postgresql" else func.trim(value, _WHITESPACE)
    return func.coalesce(func.length(stripped), 0) > 0


def _kinds(df: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Row number per case into the distinct combinations of these columns."""
    if not len(df):
        return np.zeros(0, dtype=np.int64), pd.DataFrame([[None] * len(columns)], columns=columns, dtype=object)
    key = df.groupby(columns, dropna=False, sort=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(df))).groupby(key).first().to_numpy()
    return np.asarray(key, dtype=np.int64), df[columns].iloc[first].reset_index(drop=True)


def _read_raw_generic(store, plan, ids, status, caseworker) -> _Raw:
    """Any dialect with JSON paths (PostgreSQL: ->>): one column per answer."""
    A, D = cases.c.answers, cases.c.decision
    cols = [cases.c.id, cases.c.status, cases.c.caseworker, cases.c.closed_at,
            D["outcome"].as_string().label("_beslut"), D["date"].as_string().label("_beslut_datum")]
    if "diarienummer" in ids:
        cols.append(cases.c.diarienummer)
    cols += [A[f].as_string().label(f) for f in ("namn", "personnummer") if f in ids]
    # Whole JSON values (not ->> text): a stray 2 or true must reach CaseState as the store reads it.
    cols += [A[q].label(q) for q in plan.codes + plan.scalars + plan.dates]
    cols += [_flag_expr(A[q].as_string(), store.engine.dialect.name).label(q) for q in plan.flags]
    stmt = select(*cols).where(*_filters(status, caseworker)).order_by(cases.c.id)
    with store.engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).all(), columns=[c.name for c in cols], dtype=object)
    for q in plan.flags:
        df[q] = df[q].astype(bool)
    kind_cols = list(_KIND_COLUMNS + plan.flags + plan.codes)
    key, kinds = _kinds(df, kind_cols)
    rows = {c: df[c].to_numpy(dtype=object) for c in df.columns if c not in kind_cols}
    rows["id"] = rows["id"].astype(np.int64)
    dates = df[list(plan.dates)].to_numpy(dtype=object).reshape(len(df), len(plan.dates))
    return _Raw(rows, len(df), key, kinds, dates)


def _sqlite_query(plan: _Plan, ids: tuple[str, ...], status, caseworker) -> tuple[str, list, list[str]]:
    """SQL for one aggregate row per id range, computed inside SQLite in one step (with the
    GIL released); every json_extract of a row shares SQLite's parse of its answers:

    0. the ids, joined by commas;
    1. per case, one JSON array of its kind (status, caseworker, decision, the free-text flags
       and the code answers), joined by U+001F (never in JSON text), so that they can be
       factorised as text and only the distinct ones parsed;
    2. per case, one JSON array of its other answers (dates, kommun, integers, identifiers);
    3. closing date and decision date, JSON values joined by commas.

    Paths and values are bound parameters. Returns the SQL, the parameters before the id range,
    and the names of the fields of (2)."""
    params: list = []

    def extract(keys) -> str:
        params.extend(f'$."{k}"' for k in keys)
        marks = ", ".join("?" * len(keys))
        return f"json_extract(answers, {marks})" if len(keys) > 1 else f"json_array(json_extract(answers, {marks}))"

    kind = ["status", "caseworker", "json_extract(decision, ?)"]
    params.append('$."outcome"')
    for q in plan.flags:
        params.extend((f'$."{q}"', _WHITESPACE))
        kind.append("coalesce(length(trim(json_extract(answers, ?), ?)), 0) > 0")
    if plan.codes:
        kind.append(extract(plan.codes))
    fields = [f for f in ("namn", "personnummer") if f in ids] + list(plan.dates + plan.scalars)
    rest = extract(fields) if fields else "json_array()"
    params.append('$."date"')
    dates = "json_quote(closed_at) || ',' || json_quote(json_extract(decision, ?))"
    if "diarienummer" in ids:
        dates += " || ',' || json_quote(diarienummer)"
    where = ["1"]
    for column, value in (("status", status), ("caseworker", caseworker)):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (f"SELECT group_concat(id), group_concat(json_array({', '.join(kind)}), char(31)), "
           f"group_concat({rest}, ','), group_concat({dates}, ',') "
           f"FROM cases WHERE {' AND '.join(where)} AND id >= ? AND id < ?")
    return sql, params, fields


def _sqlite_cursor_run(store: Store, sql: str, params) -> list[tuple]:
    with store.engine.connect() as conn:
        cur = conn.connection.driver_connection.cursor()
        try:
            return cur.execute(sql, params).fetchall()
        finally:
            cur.close()


def _read_raw_sqlite(store, plan, ids, status, caseworker) -> _Raw:
    """SQLite: the whole register in a few aggregate rows (see _sqlite_query), each range on
    its own connection and, when the database is a file, two ranges at once (SQLite works with
    the GIL released, so they really run in parallel). Meanwhile this thread computes the case
    pseudonyms from the ids (read first, from an index) and loads the holiday calendar.
    Each case is one row of one range, read whole."""
    sql, params, fields = _sqlite_query(plan, ids, status, caseworker)
    where, wparams = ["1"], []
    for column, value in (("status", status), ("caseworker", caseworker)):
        if value:
            where.append(f"{column} = ?")
            wparams.append(value)
    first_ids = np.sort(np.array([r[0] for r in _sqlite_cursor_run(
        store, f"SELECT id FROM cases WHERE {' AND '.join(where)}", wparams)], dtype=np.int64))
    if not len(first_ids):
        return _empty_raw(plan, ids, fields)
    lo, hi = int(first_ids[0]), int(first_ids[-1])
    url = store.engine.url
    in_memory = (url.database or "") in ("", ":memory:") or "mode=memory" in str(url)
    workers = 1 if in_memory else _SQLITE_WORKERS
    pieces = max(workers if len(first_ids) >= 20_000 else 1, -(-(hi - lo + 1) // _SQLITE_CHUNK_IDS))
    bounds = np.unique(np.concatenate(([lo], first_ids[np.linspace(0, len(first_ids), pieces + 1)
                                                      .astype(int)[1:-1]], [hi + 1])))
    ranges = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]

    def run(r: tuple[int, int]) -> tuple:
        return _sqlite_cursor_run(store, sql, (*params, *r))[0]

    if workers == 1 or len(ranges) == 1:
        _warm_up(first_ids)
        results = [run(r) for r in ranges]
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(min(workers, len(ranges))) as pool:
            futures = [pool.submit(run, r) for r in ranges]
            _warm_up(first_ids)
            results = [f.result() for f in futures]
    results = [r for r in results if r[0] is not None]
    if not results:
        return _empty_raw(plan, ids, fields)

    id_arr = np.array(",".join(r[0] for r in results).split(","), dtype=np.int64)
    n = len(id_arr)
    # SQLite scans a table in id order, but nothing promises it: check, and sort if needed.
    order = None if (np.diff(id_arr) > 0).all() else np.argsort(id_arr, kind="stable")

    texts: list[str] = []
    for r in results:
        texts += r[1].split("\x1f")
    kind_text = np.array(texts, dtype=object)
    rest = json.loads("[" + ",".join(r[2] for r in results) + "]")
    block = np.empty((n, len(fields)), dtype=object)
    if fields:
        block[:] = rest  # a stray list or object value stays one element
    flat = json.loads("[" + ",".join(r[3] for r in results) + "]")
    pairs = _objects(flat, len(flat)).reshape(n, -1)
    if order is not None:
        id_arr, kind_text, block, pairs = id_arr[order], kind_text[order], block[order], pairs[order]

    rows: dict[str, np.ndarray] = {"id": id_arr, "closed_at": pairs[:, 0], "_beslut_datum": pairs[:, 1]}
    if "diarienummer" in ids:
        rows["diarienummer"] = pairs[:, 2]
    for j, q in enumerate(fields):
        rows[q] = block[:, j]
    key, uniques = pd.factorize(kind_text, use_na_sentinel=False)
    kind_cols = list(_KIND_COLUMNS + plan.flags + plan.codes)
    parsed = json.loads("[" + ",".join(uniques) + "]")
    width = len(_KIND_COLUMNS) + len(plan.flags)
    table = [r[:width] + (r[width] if plan.codes else []) for r in parsed]
    kinds = pd.DataFrame(table, columns=kind_cols, dtype=object)
    for q in plan.flags:
        kinds[q] = kinds[q].astype(bool)
    j = len(fields) - len(plan.dates + plan.scalars)  # the dates follow the identifiers
    return _Raw(rows, n, np.asarray(key, dtype=np.int64), kinds, block[:, j:j + len(plan.dates)])


def _warm_up(ids: np.ndarray) -> None:
    """What the register needs whatever the rows say, done while SQLite reads: the case
    pseudonyms (remembered in _PSEUDONYM_CACHE) and the holiday calendar's import."""
    _pseudonyms(ids)
    from .workdays import is_closed_day
    is_closed_day(dt.date(2000, 1, 1))


def _empty_raw(plan: _Plan, ids: tuple[str, ...], fields: list[str]) -> _Raw:
    empty = np.array([], dtype=object)
    rows = {"id": np.array([], dtype=np.int64), "closed_at": empty, "_beslut_datum": empty}
    if "diarienummer" in ids:
        rows["diarienummer"] = empty
    rows.update({q: empty for q in fields})
    key, kinds = _kinds(pd.DataFrame(), list(_KIND_COLUMNS + plan.flags + plan.codes))
    return _Raw(rows, 0, key, kinds, np.empty((0, len(plan.dates)), dtype=object))


def _objects(values, n: int) -> np.ndarray:
    """An object array of exactly these values."""
    return np.fromiter(values, dtype=object, count=n)


# ---- typed register -----------------------------------------------------------------------

def _map_unique(values, fn, dtype=object) -> np.ndarray:
    """fn applied once per distinct value (dates and codes repeat a lot); NA gets fn(None)."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values,
                                  use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=dtype)
    return mapped[codes]  # code -1 (NA) picks the last entry


def _parse_dates(uniques) -> np.ndarray:
    """Distinct values -> datetime64[ns], NaT for anything that is not an ISO date string
    (due_date ignores it too), with one NaT more at the end for factorize's NA code -1."""
    texts = [u if isinstance(u, str) else None for u in uniques] + [None]  # a stray number is no date
    parsed = pd.to_datetime(pd.Series(texts, dtype=object), format="%Y-%m-%d", errors="coerce")
    return parsed.to_numpy().astype("datetime64[ns]")


def _to_dates(values) -> pd.Series:
    """ISO date strings -> datetime64[ns], parsed once per distinct value."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Series(_parse_dates(uniques)[codes], dtype="datetime64[ns]")


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
    # The read makes a few million short-lived objects that hold no cycles; the cyclic garbage
    # collector would walk them again and again (a third of the time). Paused, and put back as it was.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(store, ids, status, caseworker, today, purpose)
    finally:
        if collecting:
            gc.enable()


def _combine(parts: list[tuple[np.ndarray, int]], n: int) -> np.ndarray:
    """One group number per case from small integer columns (values 0..size-1), numbered in
    order of first appearance: what DataFrame.groupby(sort=False).ngroup() gives, without the frame."""
    acc, size = np.zeros(n, dtype=np.int64), 1
    for values, card in parts:
        card = max(int(card), 1)
        if size * card >= 2**62:
            acc, uniques = pd.factorize(acc)
            size = max(len(uniques), 1)
        acc = acc * card + values.astype(np.int64)
        size *= card
    return pd.factorize(acc)[0].astype(np.int64)


def _per_kind(kinds: pd.DataFrame, column: str, fn, dtype=object) -> np.ndarray:
    return np.array([fn(v) for v in kinds[column]], dtype=dtype)


def _build(store: Store, ids: tuple[str, ...], status, caseworker, today: dt.date, purpose: str) -> Register:
    g = store.g
    plan = _plan(g)
    with store.case_source(ids, purpose, status, caseworker):  # PostgreSQL roles: a view, or a logged read
        raw = _read_raw(store, plan, ids, status, caseworker)
    rows, n, key, kinds = raw.rows, raw.n, raw.key, raw.kinds
    today_ts = pd.Timestamp(today)
    today64 = today_ts.to_datetime64()

    # -- dates: every date answer of every case factorised at once, each distinct text parsed once
    if plan.dates and n:
        date_codes, date_uniques = pd.factorize(raw.dates.ravel(), use_na_sentinel=True)
        date_codes = date_codes.reshape(n, len(plan.dates))
    else:
        date_codes, date_uniques = np.full((n, len(plan.dates)), -1, dtype=np.int64), []
    date_values = _parse_dates(date_uniques)  # NaT last, for code -1
    date_answered = np.array([_answered(u) for u in date_uniques] + [False], dtype=np.int8)
    date_col = {q: j for j, q in enumerate(plan.dates)}
    dates = {q: pd.Series(date_values[date_codes[:, j]], dtype="datetime64[ns]") for q, j in date_col.items()}

    # -- every rule's due date per case, from the package's due_date (once per distinct start date)
    starts = date_values.astype("datetime64[D]").astype(object)  # datetime.date, None for NaT
    due_cols: dict[str, np.ndarray] = {}
    parts: list[tuple[np.ndarray, int]] = [(key, len(kinds))]
    for rule in g.deadlines:
        q = rule.from_question or rule.date_question
        if q not in date_col:
            due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        else:
            per_start = np.array([_due(rule, d) if d is not None else None for d in starts], dtype="datetime64[ns]")
            due = per_start[date_codes[:, date_col[q]]]
        due_cols[rule.id] = due
        parts.append((np.where(np.isnat(due), 0, 1 + (due < today64)), 3))  # none, not passed, passed

    # -- the rest of the key: everything else CaseState's action plan can depend on (status,
    # decision, the code answers and the free-text flags are in the kind already)
    for q in plan.value_refs:
        if q not in plan.codes:
            codes, uniques = pd.factorize(rows[q].astype(str), use_na_sentinel=False)
            parts.append((codes, len(uniques)))
    for q in plan.answered_refs:
        if q in plan.codes or q in plan.flags:
            continue
        if q in date_col:
            parts.append((date_answered[date_codes[:, date_col[q]]], 2))
        else:
            parts.append((_map_unique(rows[q], _answered, np.int8), 2))
    group = _combine(parts, n)

    # -- one CaseState per kind of case
    ngroups = int(group.max()) + 1 if n else 0
    first = np.full(ngroups, n, dtype=np.int64)
    np.minimum.at(first, group, np.arange(n))
    classification = np.empty(ngroups, dtype=object)
    open_rules: list[tuple[str, ...]] = []
    for gi, i in enumerate(first):
        kind = kinds.iloc[int(key[i])]
        decision = kind["_beslut"]
        st = CaseState(g, _representative(plan, {k: v[i] for k, v in rows.items()}, kind),
                       decision=decision if isinstance(decision, str) else None,
                       closed=kind["status"] == "avslutat", today=today)
        classification[gi] = st.classification
        open_rules.append(() if st.closed else
                          tuple(dict.fromkeys(d.rule.id for d in st.deadlines if d.status != "klar")))

    # -- next deadline per case: the earliest open one, ties in action-plan order (as CaseState)
    next_rule = np.full(n, -1, dtype=np.int16)
    next_due = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    rule_ids = [d.id for d in g.deadlines]
    rule_no = {r: k for k, r in enumerate(rule_ids)}
    lists: dict[tuple[str, ...], int] = {}  # the distinct lists of open rules
    list_of_group = np.array([lists.setdefault(r, len(lists)) for r in open_rules], dtype=np.int64)
    list_of_case = list_of_group[group] if n else np.array([], dtype=np.int64)
    order = np.argsort(list_of_case, kind="stable")  # cases with the same list together, in id order
    bounds = np.searchsorted(list_of_case[order], np.arange(len(lists) + 1))
    dl_rows, dl_rule, dl_due = [], [], []
    for k, rules in enumerate(lists):
        if not rules:
            continue
        idx = order[bounds[k]:bounds[k + 1]]
        stack = np.vstack([due_cols[r][idx] for r in rules])
        pick = np.where(np.isnat(stack), np.datetime64("2262-01-01", "ns"), stack).argmin(axis=0)
        next_due[idx] = stack[pick, np.arange(len(idx))]
        next_rule[idx] = np.array([rule_no[r] for r in rules], dtype=np.int16)[pick]
        for r, due in zip(rules, stack):
            dl_rows.append(idx)
            dl_rule.append(np.full(len(idx), rule_no[r], dtype=np.int16))
            dl_due.append(due)

    cols = _typed(rows, key, kinds, plan, g, ids, dates)
    labels_list = list(g.classification_labels)
    cls_codes = pd.Categorical(classification, categories=labels_list).codes
    cols["bedomning"] = pd.Categorical.from_codes(cls_codes[group] if n else np.array([], dtype=np.int8),
                                                  labels_list)
    labels = [d.label for d in g.deadlines]
    label_names = list(dict.fromkeys(labels))
    due_next = pd.Series(next_due, dtype="datetime64[ns]")
    cols["nasta_frist"] = due_next.array
    cols["nasta_frist_id"] = pd.Categorical.from_codes(next_rule, rule_ids)
    label_code = np.array([label_names.index(x) for x in labels] + [-1], dtype=np.int16)
    cols["nasta_frist_namn"] = pd.Categorical.from_codes(label_code[next_rule], label_names)
    cols["nasta_frist_status"] = _status(next_due, today)
    cols["dagar_kvar"] = _days_left(due_next, today_ts).array
    front = [c for c in FRONT_COLUMNS if c in cols] + [c for c in cols if c not in FRONT_COLUMNS]
    out = pd.DataFrame({c: cols[c] for c in front}, index=pd.RangeIndex(n))

    # -- the open deadlines, one row per case and deadline, by date and then case id
    row_i = np.concatenate(dl_rows) if dl_rows else np.array([], dtype=np.int64)
    rule_i = np.concatenate(dl_rule) if dl_rule else np.array([], dtype=np.int16)
    due_i = np.concatenate(dl_due) if dl_due else np.array([], dtype="datetime64[ns]")
    has = ~np.isnat(due_i)
    row_i, rule_i, due_i = row_i[has], rule_i[has], due_i[has]
    sort = np.lexsort((row_i, due_i))
    row_i, rule_i, due_i = row_i[sort], rule_i[sort], due_i[sort]
    keep = [c for c in ("id", "diarienummer") if c in out.columns] + ["pseudonym"] + \
        (["handlaggare"] if "handlaggare" in out.columns else [])
    deadlines = out[keep].take(row_i).reset_index(drop=True)
    for col, values in (("frist_id", rule_ids), ("frist_namn", labels), ("avsnitt", [d.section for d in g.deadlines])):
        deadlines[col] = pd.array(np.array(values, dtype=object)[rule_i], dtype="string")
    deadlines["sista_dag"] = pd.Series(due_i, dtype="datetime64[ns]")
    deadlines["status"] = _status(due_i, today)
    deadlines["dagar_kvar"] = _days_left(deadlines["sista_dag"], today_ts)

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


def _representative(plan: _Plan, row: dict, kind: pd.Series) -> dict:
    """Answers for CaseState, as the store would read them; free text as a placeholder,
    since a condition only asks whether it is answered."""
    answers = {}
    for q in plan.codes:
        if _answered(kind[q]):
            answers[q] = kind[q]
    for q in plan.scalars:
        if _answered(row[q]):
            answers[q] = row[q]
    for q in plan.dates:
        if _answered(row[q]):
            answers[q] = _py_date(row[q])
    for q in plan.flags:
        if bool(kind[q]):
            answers[q] = "x"
    return answers


def _status(due, today: dt.date) -> pd.Categorical:
    """forfallen / idag / kommande from deadlines.status_of, once per distinct date."""
    codes, uniques = pd.factorize(np.asarray(due, dtype="datetime64[ns]"), use_na_sentinel=True)
    days = np.asarray(uniques, dtype="datetime64[D]").astype(object)
    status = np.array([status_of(d, False, today)[0] for d in days] + [None], dtype=object)[codes]
    return pd.Categorical(status, categories=["forfallen", "idag", "kommande"])


def _days_left(due: pd.Series, today_ts: pd.Timestamp) -> pd.Series:
    return (due - today_ts).dt.days.astype("Int64")


def _spread(per_unique: pd.Categorical, codes: np.ndarray) -> pd.Categorical:
    """A categorical computed once per distinct value, spread to every case by its code (-1: NA)."""
    table = np.append(per_unique.codes, -1).astype(per_unique.codes.dtype)
    return pd.Categorical.from_codes(table[codes], dtype=per_unique.dtype)


def _category_per_unique(values: np.ndarray, fn=None) -> pd.Categorical:
    """_category of fn(value) per case, computed once per distinct value."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [fn(u) for u in uniques] if fn else list(uniques)
    return _spread(_category(np.array(mapped, dtype=object)), codes)  # every distinct value occurs


def _typed(rows: dict[str, np.ndarray], key: np.ndarray, kinds: pd.DataFrame, plan: _Plan, g: Guideline,
           ids: tuple[str, ...], dates: dict) -> dict[str, Any]:
    """The typed columns, as a dict: the DataFrame is built once, in column order, by the caller.
    Whatever repeats is computed once per distinct value (or kind of case) and spread by row number."""
    qs = g.questions
    out: dict[str, Any] = {}
    if "id" in ids:
        out["id"] = pd.array(rows["id"].astype(np.int64), dtype="Int64")
    for f in ("diarienummer", "namn", "personnummer"):
        if f in ids:
            out[f] = pd.array(rows[f], dtype="string")
    out["pseudonym"] = pd.array(np.array(_pseudonyms(rows["id"]), dtype=object), dtype="string")
    out["status"] = _categorical(kinds, key, "status", ["oppet", "avslutat"])
    if "handlaggare" in ids:
        out["handlaggare"] = _category_per_unique(kinds["caseworker"].to_numpy(dtype=object)[key]) if len(key) \
            else _category(np.array([], dtype=object))
    out["beslut"] = _categorical(kinds, key, "_beslut", list(g.decision_options))
    out["beslut_datum"] = _to_dates(rows["_beslut_datum"])
    out["avslutad"] = _to_dates(_map_unique(rows["closed_at"], lambda d: d.isoformat()
                                            if isinstance(d, dt.date) else d))

    table = municipalities.all_municipalities()
    for q in plan.output:
        t = qs[q].type
        if q in TEXT_COLUMNS:  # free text: a pseudonym by default, the text itself only as an identifier
            text = _map_unique(rows[q], lambda v: " ".join(str(v).split()) if _answered(v) else None)
            if q == "hyresvard_namn":
                secret = pseudonym_key()
                out["hyresvard"] = pd.array(_map_unique(text, lambda v: landlord_pseudonym(v, secret) if v else None),
                                            dtype="string")
            if q in ids:
                out[q] = pd.array(text, dtype="string")
            continue
        if t == "date":
            out[q] = dates[q]
        elif t in _VALUE_TYPES:
            out[q] = _categorical(kinds, key, q, list(qs[q].options))
        elif t == "integer":
            codes, uniques = pd.factorize(rows[q], use_na_sentinel=True)
            per_unique = pd.to_numeric(pd.Series(list(uniques) + [None], dtype=object), errors="coerce")
            out[q] = pd.Series(per_unique.to_numpy()[codes]).astype("Int64")
        elif t == "kommun":
            # kommunkod as text with its leading zero ("0180"), named from SCB's list.
            code = _map_unique(rows[q], lambda v: str(v).zfill(4) if _answered(v) else None)
            out[q] = pd.array(code, dtype="string")
            if q == "tidigare_kommun":
                for col, attr in (("kommun_namn", "short"), ("lan", "county"), ("lan_kod", "county_code")):
                    out[col] = _category_per_unique(code, lambda c, a=attr: getattr(table[c], a)
                                                    if c in table else None)
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
