"""Backups, restores and purging old closed cases (the commands backup, restore and purge).

    backup(store_or_url=None, dest=None)           -> Path of a checked, owner-only copy
    restore(src, url=None)                        -> Path of the safety copy of the old database (or None)
    purge(store, closed_before, dry_run=True)     -> [{"id", "diarienummer", "closed_at", "folder"}, ...]
                                                     (.files: the register exports and reports it removes)

SQLite
------
``backup`` uses SQLite's online backup API: a consistent snapshot taken while the app keeps
saving (WAL readers do not block writers). The copy is a single file (journal mode DELETE),
mode 0600, and must pass ``PRAGMA integrity_check`` before it gets its final name. Default
destination: ``data/backups/dumpning-YYYYMMDD-HHMMSS.sqlite``. An existing file is never
overwritten.

``restore`` checks the file first (integrity_check, the kit's tables), refuses while anything
else has the database open (stop ``dumpning-kit serve`` first), copies the current database to
``data/backups/dumpning-fore-aterstallning-*.sqlite``, then swaps the new file in atomically
(temporary file next to the database, ``os.replace``, stale ``-wal``/``-shm`` removed).

PostgreSQL
----------
``backup`` and ``restore`` call PostgreSQL's own tools when they are installed
(Debian: ``apt install postgresql-client``, same major version as the server or newer).
The password is passed in ``PGPASSWORD``, never on the command line. By hand::

    # back up (custom format: compressed, restorable table by table)
    PGPASSWORD=... pg_dump --format=custom --file=dumpning-20261127.dump \\
        "postgresql://dumpning@localhost:5432/dumpning"
    # check a backup: lists the tables and data it holds
    pg_restore --list dumpning-20261127.dump
    # restore (stop the app first; all or nothing)
    PGPASSWORD=... pg_restore --clean --if-exists --no-owner --no-privileges \\
        --single-transaction --exit-on-error \\
        --dbname="postgresql://dumpning@localhost:5432/dumpning" dumpning-20261127.dump

Note that ``DUMPNING_DATABASE_URL`` names SQLAlchemy's driver (``postgresql+psycopg://``);
pg_dump wants plain ``postgresql://``.

Backups hold the same sensitive personal data as the database (OSL 26 kap., GDPR): keep them
owner-only, and delete them on the same schedule as the cases (``purge`` does not touch them).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.parse
from contextlib import closing
from pathlib import Path
from typing import Any, Callable

from .errors import UserError
from .settings import data_dir, database_url, today

__all__ = ["add_commands", "backup", "check_backup", "purge", "restore", "retention_limit"]

KIT_TABLES = ("cases", "events")
PG_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format file
_SIDECARS = ("-wal", "-shm", "-journal")


# ---- URLs and paths ----------------------------------------------------------------------

def _url_of(store_or_url: Any) -> str:
    if store_or_url is None:
        return database_url()
    if isinstance(store_or_url, str):
        return store_or_url
    url = getattr(store_or_url, "url", None)
    if isinstance(url, str):
        return url
    raise TypeError(f"expected a Store or a database URL, got {type(store_or_url).__name__}")


def _make_url(url: str):
    from sqlalchemy.engine import make_url as parse  # lazy: keep `dumpning-kit --help` fast
    return parse(url)


def _kind(url: str) -> str:
    try:
        driver = _make_url(url).drivername
    except Exception:  # noqa: BLE001 - any parse error is the user's URL
        # never echo the URL: it may hold a password
        raise UserError("Databasadressen går inte att läsa. Kontrollera DUMPNING_DATABASE_URL.") from None
    if driver.startswith("sqlite"):
        return "sqlite"
    if driver.startswith("postgresql"):
        return "postgresql"
    raise UserError("Säkerhetskopiering och återställning fungerar bara med SQLite och PostgreSQL. "
                    "Använd databasens egna verktyg för andra databaser.")


def _sqlite_path(url: str) -> Path:
    db = _make_url(url).database
    if not db or db == ":memory:" or db.startswith("file:"):
        raise UserError("Databasen ligger bara i minnet eller anges som en URI och kan inte säkerhetskopieras "
                        "eller återställas här. Ange en vanlig fil i DUMPNING_DATABASE_URL.")
    return Path(db).expanduser().absolute()


def _stamp() -> str:
    return dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def _backups_dir() -> Path:
    d = data_dir() / "backups"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _fresh_path(folder: Path, stem: str, suffix: str) -> Path:
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists():  # two backups in the same second: never overwrite the first
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_next_to(path: Path, tag: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{tag}-", suffix=".tmp")  # mode 0600
    os.close(fd)
    return Path(tmp)


def _exists(dest: Path) -> UserError:
    return UserError(f"Filen {dest} finns redan. Välj ett annat filnamn: en befintlig fil skrivs aldrig över.")


def _publish(tmp: Path, dest: Path) -> None:
    """Give tmp its final name without ever overwriting an existing file."""
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, dest)  # fails if dest exists, atomically
    except FileExistsError:
        raise _exists(dest) from None
    except OSError:  # file systems without hard links
        if dest.exists():
            raise _exists(dest) from None
        os.replace(tmp, dest)
    else:
        tmp.unlink()
    _fsync_dir(dest.parent)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


# ---- SQLite checks -----------------------------------------------------------------------

def _check_connection(con: sqlite3.Connection) -> tuple[int, int]:
    """(cases, events) if this is an intact kit database, else UserError saying why."""
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError:
        raise UserError("filen är inte en SQLite-databas eller är skadad.") from None
    if rows != ["ok"]:
        raise UserError(f"filen är skadad (integrity_check: {'; '.join(map(str, rows[:3]))}).")
    from .store import metadata
    for name in KIT_TABLES:
        have = {r[1] for r in con.execute(f"PRAGMA table_info({name})")}
        need = {c.name for c in metadata.tables[name].columns}
        if not have:
            raise UserError(f"filen saknar tabellen {name} och är alltså ingen databas från dumpning-kit.")
        if need - have:
            raise UserError(f"tabellen {name} saknar kolumnerna {', '.join(sorted(need - have))}; "
                            "filen är inte från den här versionen av dumpning-kit.")
    n_cases, n_events = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in KIT_TABLES)
    return n_cases, n_events


def _open_readonly(path: Path) -> sqlite3.Connection:
    # Read-only: checking a backup must not change it. A WAL file without its -shm may need rw.
    con = sqlite3.connect(f"file:{urllib.parse.quote(str(path))}?mode=ro", uri=True, timeout=15)
    try:
        con.execute("SELECT 1 FROM sqlite_master LIMIT 1")
        return con
    except sqlite3.OperationalError:
        con.close()
        return sqlite3.connect(str(path), timeout=15)


def _copy_into(src: Path, tmp: Path) -> tuple[int, int]:
    """Online-copy the SQLite file src into tmp (a snapshot), make tmp one file, check it."""
    try:
        with closing(_open_readonly(src)) as s, closing(sqlite3.connect(str(tmp))) as d:
            s.backup(d)
            d.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
            counts = _check_connection(d)
    except sqlite3.OperationalError as e:
        text = str(e).lower()
        if "locked" in text or "busy" in text:
            raise UserError("databasen var låst för länge av ett annat program. "
                            "Försök igen om en stund.") from None
        if "unable to open" in text:
            raise UserError("filen går inte att öppna (behörighet eller sökväg).") from None
        raise UserError("filen är inte en SQLite-databas eller är skadad.") from None
    except sqlite3.DatabaseError:
        raise UserError("filen är inte en SQLite-databas eller är skadad.") from None
    _fsync_file(tmp)
    return counts


def check_backup(src: str | os.PathLike) -> dict:
    """Check a backup file without changing anything: {"cases": n, "events": m} or UserError."""
    src = Path(src).expanduser()
    if not src.is_file():
        raise UserError(f"Filen {src} finns inte.")
    with open(src, "rb") as f:
        magic = f.read(5)
    if magic == PG_MAGIC:
        return _pg_check(src)
    tmpdir = Path(tempfile.mkdtemp(prefix="dumpning-check-"))  # 0700
    try:
        tmp = tmpdir / "check.sqlite"
        try:
            n_cases, n_events = _copy_into(src, tmp)
        except UserError as e:
            raise UserError(f"Filen {src} kan inte användas: {e}") from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return {"cases": n_cases, "events": n_events}


# ---- backup ------------------------------------------------------------------------------

def backup(store_or_url: Any = None, dest: str | os.PathLike | None = None) -> Path:
    """A consistent, checked, owner-only copy of the database; returns its path.

    ``store_or_url``: a Store, a database URL, or None for the configured database.
    ``dest``: the file to write (never overwritten); default data_dir()/backups/dumpning-<time>.sqlite
    (``.dump`` for PostgreSQL).
    """
    url = _url_of(store_or_url)
    if _kind(url) == "postgresql":
        return _pg_backup(url, dest)
    src = _sqlite_path(url)
    if not src.is_file():
        raise UserError(f"Databasen {src} finns inte, så det finns inget att säkerhetskopiera.")
    if dest:
        dest = Path(dest).expanduser().absolute()
    else:
        dest = _fresh_path(_backups_dir(), f"dumpning-{_stamp()}", ".sqlite")
    if dest.exists():
        raise _exists(dest)
    if dest.resolve() in {Path(str(src) + s).resolve() for s in ("", *_SIDECARS)}:
        raise UserError("Säkerhetskopian kan inte skrivas över själva databasen. Välj en annan fil.")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = _temp_next_to(dest, "backup")
    except OSError as e:
        raise UserError(f"Mappen {dest.parent} går inte att skriva i: {e.strerror or e}.") from None
    try:
        try:
            _copy_into(src, tmp)
        except UserError as e:
            raise UserError(f"Säkerhetskopian misslyckades: databasen {src}: {e} "
                            "Ingen fil skrevs. Kontakta systemförvaltaren.") from None
        _publish(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


# ---- restore -----------------------------------------------------------------------------

def restore(src: str | os.PathLike, url: Any = None) -> Path | None:
    """Replace the database with the backup ``src``; returns the safety copy of the old database.

    Refuses (UserError, nothing changed) a file that fails integrity_check or is not the kit's,
    and a database that something else has open. Stop the app first.
    """
    url = _url_of(url)
    src = Path(src).expanduser()
    if not src.is_file():
        raise UserError(f"Filen {src} finns inte.")
    if _kind(url) == "postgresql":
        return _pg_restore(src, url)
    target = _sqlite_path(url)
    if src.resolve() == target.resolve():
        raise UserError("Filen är själva databasen. Välj en säkerhetskopia att återställa från.")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = _temp_next_to(target, "restore")
    lock: sqlite3.Connection | None = None
    try:
        try:
            _copy_into(src, tmp)
        except UserError as e:
            raise UserError(f"Filen {src} kan inte återställas: {e} Inget har ändrats.") from None
        safety = None
        if target.exists():
            lock = _lock_exclusively(target)
            safety = _safety_copy(target, intact=lock is not None)
        os.replace(tmp, target)  # atomic: readers see the old file or the new one, never half
        os.chmod(target, 0o600)
        for s in _SIDECARS:  # the old database's journal must never be applied to the new file
            Path(str(target) + s).unlink(missing_ok=True)
        _fsync_dir(target.parent)
        return safety
    finally:
        tmp.unlink(missing_ok=True)
        if lock is not None:
            lock.close()


def _lock_exclusively(target: Path) -> sqlite3.Connection | None:
    """Hold the current database exclusively, or refuse if anything else has it open.

    Leaving WAL mode needs the only connection, so it doubles as a check that the app is
    stopped; it also checkpoints the WAL into the file. None if the file is no database.
    """
    busy = UserError("Databasen används just nu (appen eller ett annat kommando är igång). "
                     "Stoppa dumpning-kit serve och försök igen. Inget har ändrats.")
    con = sqlite3.connect(str(target), timeout=2, isolation_level=None)
    try:
        mode = con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        if str(mode).lower() != "delete":
            raise busy
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        return con
    except UserError:
        con.close()
        raise
    except sqlite3.OperationalError as e:
        con.close()
        if "locked" in str(e) or "busy" in str(e):
            raise busy from None
        return None
    except sqlite3.DatabaseError:  # the current file is broken: keep it as it is
        con.close()
        return None


def _safety_copy(target: Path, *, intact: bool) -> Path:
    """Copy the current database (and, if it is broken, its journal files) to data/backups/."""
    dest = _fresh_path(_backups_dir(), f"dumpning-fore-aterstallning-{_stamp()}", ".sqlite")
    # Under the exclusive lock in DELETE mode the main file alone is complete.
    for s in ("",) if intact else ("", *_SIDECARS):
        part = Path(str(target) + s)
        if not part.exists():
            continue
        out = Path(str(dest) + s)
        tmp = _temp_next_to(out, "safety")
        try:
            shutil.copyfile(part, tmp)
            _fsync_file(tmp)
            _publish(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return dest


# ---- PostgreSQL ----------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise UserError(
            f"{name} finns inte på den här datorn. Säkerhetskopiera PostgreSQL med PostgreSQL:s egna verktyg "
            "(paketet postgresql-client): pg_dump --format=custom --file=dumpning.dump "
            "\"postgresql://ANVÄNDARE@VÄRD/DATABAS\" och återställ med pg_restore --clean --if-exists "
            "--single-transaction --dbname=\"postgresql://ANVÄNDARE@VÄRD/DATABAS\" dumpning.dump.")
    return exe


def _pg_target(url: str) -> tuple[str, dict]:
    """(libpq URL without password, environment with PGPASSWORD): no password in `ps`."""
    u = _make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = u.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(argv: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(argv, env=env, capture_output=True, text=True)


def _last_line(text: str) -> str:
    lines = [x.strip() for x in (text or "").splitlines() if x.strip()]
    return lines[-1] if lines else "okänt fel"


def _pg_check(path: Path) -> dict:
    r = _run([_pg_tool("pg_restore"), "--list", str(path)])
    if r.returncode != 0:
        raise UserError(f"Filen {path} är ingen läsbar säkerhetskopia från pg_dump ({_last_line(r.stderr)}).")
    # Lines look like "3345; 0 16390 TABLE DATA public cases dumpning".
    missing = [t for t in KIT_TABLES if not re.search(rf"^\d+; \d+ \d+ TABLE DATA \S+ {t} ", r.stdout, re.M)]
    if missing:
        raise UserError(f"Filen {path} saknar tabellen {', '.join(missing)} och är alltså ingen "
                        "säkerhetskopia av dumpning-kit.")
    return {"cases": None, "events": None}


def _pg_backup(url: str, dest: Any) -> Path:
    exe = _pg_tool("pg_dump")
    if dest:
        dest = Path(dest).expanduser().absolute()
    else:
        dest = _fresh_path(_backups_dir(), f"dumpning-{_stamp()}", ".dump")
    if dest.exists():
        raise _exists(dest)
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target, env = _pg_target(url)
    tmp = _temp_next_to(dest, "backup")  # pg_dump truncates it and keeps its mode 0600
    try:
        r = _run([exe, "--format=custom", f"--file={tmp}", f"--dbname={target}"], env)
        if r.returncode != 0:
            raise UserError(f"pg_dump misslyckades: {_last_line(r.stderr)}. Ingen säkerhetskopia skrevs.")
        try:
            _pg_check(tmp)
        except UserError as e:
            raise UserError(f"Säkerhetskopian blev inte fullständig: {e}") from None
        _publish(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _pg_restore(src: Path, url: str) -> Path:
    exe = _pg_tool("pg_restore")
    _pg_check(src)
    safety = _pg_backup(url, _fresh_path(_backups_dir(), f"dumpning-fore-aterstallning-{_stamp()}", ".dump"))
    target, env = _pg_target(url)
    r = _run([exe, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={target}", str(src)], env)
    if r.returncode != 0:
        raise UserError(f"Återställningen misslyckades och ingenting ändrades (allt eller inget): "
                        f"{_last_line(r.stderr)}. Databasen före försöket finns också i {safety}.")
    return safety


# ---- purge -------------------------------------------------------------------------------

def retention_limit(years: int, on: dt.date | None = None) -> dt.date:
    """The date `years` years before `on` (29 February -> 28 February)."""
    on = on or today()
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


#: Files in data/exports made from the whole register (register-*.csv/.xlsx, analys-*.html,
#: calendar files, older versions' oversikt-* downloads): they hold purged cases too.
DERIVED_SUFFIXES = (".csv", ".xlsx", ".ics", ".html", ".pdf", ".json")


class PurgeResult(list):
    """The purged (or, on a dry run, purgeable) cases; ``files``: register-wide exports and
    reports removed with them (or that would be), ``folders``: every case folder removed."""
    files: list[Path]
    folders: list[Path]

    def __init__(self, rows=(), files=(), folders=()):
        super().__init__(rows)
        self.files = list(files)
        self.folders = list(folders)


def derived_files(exports: Path | None = None) -> list[Path]:
    """Register exports and reports in data/exports (top-level files; case folders are not here)."""
    exports = exports or data_dir() / "exports"
    if not exports.is_dir():
        return []
    return sorted(p for p in exports.iterdir()
                  if p.is_file() and not p.is_symlink() and p.suffix.lower() in DERIVED_SUFFIXES)


def _case_folders(exports: Path, case_id: int) -> list[Path]:
    """Every folder of a case in data/exports: "<id>-<diarienummer>", also under an older
    diarienummer (a changed diarienummer gives a new folder name, the old one stays)."""
    if not exports.is_dir():
        return []
    prefix = f"{int(case_id)}-"
    return sorted(p for p in exports.iterdir() if p.is_dir() and not p.is_symlink() and p.name.startswith(prefix))


def _default_folder(case) -> Path:
    from .export import export_dir  # heavy import (nbconvert): only when purging
    return export_dir(case)


def purge(store, closed_before: dt.date, dry_run: bool = True, *, force: bool = False,
          folder: Callable[[Any], Path] | None = None) -> PurgeResult:
    """Delete closed cases closed before ``closed_before``, their events, their export
    folders (also those under an older diarienummer) and every register-wide export or
    report in data/exports (register-*.csv/.xlsx, analys-*.html, .ics): those were made
    with the purged cases in them. The team overview writes no files (downloads are data: links).

    Returns one dict per case (id, diarienummer, closed_at, folder or None), with ``.files``
    (derived files removed) and ``.folders``. ``dry_run`` deletes nothing. A date later than
    today minus the settings' retention_years is refused unless ``force``. Open cases are
    never deleted, even if they were reopened meanwhile. ``folder(case)`` gives a case's
    export folder (default: export.export_dir).
    """
    from sqlalchemy import select
    from .store import cases as t_cases, events as t_events
    if isinstance(closed_before, dt.datetime):
        closed_before = closed_before.date()
    if not isinstance(closed_before, dt.date):
        raise UserError("Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2020-01-01.")
    years = store.settings.retention_years
    limit = retention_limit(years)
    if closed_before > limit and not force:
        raise UserError(f"Avslutade ärenden ska sparas i {years} år enligt inställningarna, så datumet får vara "
                        f"högst {limit.isoformat()}. Inget har tagits bort. Använd --force bara om nämnden har "
                        "beslutat om en kortare tid.")
    folder = folder or _default_folder
    exports = (data_dir() / "exports").resolve()
    found = []
    for case in store.list_cases(status="avslutat"):
        if case.status != "avslutat" or case.closed_at is None or not case.closed_at < closed_before:
            continue
        f = Path(folder(case)).resolve()
        if exports not in f.parents:  # only ever delete inside data/exports
            raise UserError(f"Mappen {f} ligger utanför {exports}; inget har tagits bort.")
        paths = list(dict.fromkeys([f, *_case_folders(exports, case.id)]))
        found.append({"id": case.id, "diarienummer": case.diarienummer, "closed_at": case.closed_at,
                      "folder": f if f.exists() else None, "_paths": paths})
    found.sort(key=lambda r: (r["closed_at"], r["id"]))

    def public(rows):
        return [{k: v for k, v in r.items() if k != "_paths"} for r in rows]

    if dry_run or not found:
        return PurgeResult(public(found), derived_files(exports) if found else [],
                           [p for r in found for p in r["_paths"] if p.exists()])

    # The guard is checked again inside the transaction that deletes: a case reopened
    # after it was listed stays, with its whole log.
    ids = [r["id"] for r in found]
    guard = (t_cases.c.status == "avslutat") & (t_cases.c.closed_at < closed_before)
    with store.engine.begin() as conn:
        ok = set(conn.execute(select(t_cases.c.id).where(guard, t_cases.c.id.in_(ids)).with_for_update()).scalars())
        # Events first, through the guard: on SQLite this statement also takes the write lock.
        conn.execute(t_events.delete().where(t_events.c.case_id.in_(
            select(t_cases.c.id).where(guard, t_cases.c.id.in_(ok)))))
        conn.execute(t_cases.delete().where(guard, t_cases.c.id.in_(ok)))
        left = set(conn.execute(select(t_cases.c.id).where(t_cases.c.id.in_(ok))).scalars())
    deleted = [r for r in found if r["id"] in ok - left]
    failed, folders, files = [], [], []
    for r in deleted:
        for path in r["_paths"]:
            if path.exists():
                try:
                    shutil.rmtree(path)
                    folders.append(path)
                except OSError as e:
                    failed.append(f"{path} ({e.strerror or e})")
    if deleted:
        for path in derived_files(exports):
            try:
                path.unlink()
                files.append(path)
            except FileNotFoundError:
                pass
            except OSError as e:
                failed.append(f"{path} ({e.strerror or e})")
    if failed:
        raise UserError(f"Ärendena togs bort ur databasen, men {', '.join(failed)} kunde inte tas bort. "
                        "Ta bort det för hand: det innehåller personuppgifter.")
    return PurgeResult(public(deleted), files, folders)


# ---- command line ------------------------------------------------------------------------

def _counts_text(info: dict) -> str:
    if info.get("cases") is None:
        return ""
    return f"{info['cases']} ärenden och {info['events']} händelser"


def cmd_backup(args) -> int:
    path = backup(None, args.out)
    print(f"Säkerhetskopian är sparad: {path}")
    info = check_backup(path)
    if info["cases"] is not None:
        print(f"Den innehåller {_counts_text(info)}, och kontrollen av filen gick bra.")
    else:
        print("Kontrollen gick bra: pg_restore kan läsa filen, och den innehåller ärendena och händelserna.")
    print("Filen innehåller sekretessbelagda personuppgifter. Förvara den lika säkert som databasen "
          "och ta bort den när ärendena ska gallras.")
    return 0


def cmd_restore(args) -> int:
    url = database_url()
    src = Path(args.file).expanduser()
    info = check_backup(src)
    shown = url.split("///", 1)[1] if _kind(url) == "sqlite" else _make_url(url).render_as_string(hide_password=True)
    counts = _counts_text(info)
    print(f"Säkerhetskopian {src} är hel{f' och innehåller {counts}' if counts else ''}.")
    print(f"Återställningen ersätter hela databasen {shown} med säkerhetskopian.")
    print(f"Den nuvarande databasen sparas först i mappen {data_dir() / 'backups'}. Det som har sparats "
          "efter att säkerhetskopian gjordes finns sedan bara där.")
    if not args.yes:
        raise UserError("inget har ändrats. Stoppa appen och kör kommandot igen med --yes för att återställa.")
    safety = restore(src, url)
    print(f"Databasen är återställd från {src}.")
    if safety is not None:
        print(f"Databasen som den såg ut före återställningen finns i {safety}.")
    return 0


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"ogiltigt datum '{text}': skriv det som ÅÅÅÅ-MM-DD, till exempel 2020-01-01.") from None


def cmd_purge(args) -> int:
    from .store import Store
    before = _parse_date(args.closed_before)
    store = Store()
    try:
        rows = purge(store, before, args.dry_run, force=args.force)
    finally:
        store.close()
    if not rows:
        print(f"Inga ärenden avslutades före {before.isoformat()}. Inget har tagits bort.")
        return 0
    if args.dry_run:
        print(f"Provkörning: de här {len(rows)} avslutade ärendena skulle tas bort, med händelselogg och "
              f"sparade dokument:")
    else:
        print(f"Borttaget: {len(rows)} avslutade ärenden, med händelselogg och sparade dokument:")
    for r in rows:
        docs = "  (mapp med dokument)" if r["folder"] else ""
        print(f"  Id {r['id']:>5}  {r['diarienummer']:<16}  avslutat {r['closed_at'].isoformat()}{docs}")
    files = getattr(rows, "files", [])
    if files:
        what = "skulle också tas bort" if args.dry_run else "togs också bort"
        print(f"Registerutdrag och rapporter som innehåller ärendena {what} ({len(files)} st):")
        for f in files:
            print(f"  {f.name}")
    if args.dry_run:
        print("Inget har tagits bort. Kör kommandot utan --dry-run för att ta bort dem.")
    else:
        print("Äldre säkerhetskopior innehåller fortfarande ärendena. Ta bort dem enligt samma gallringsregler.")
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register backup, restore and purge on the dumpning-kit command's subparsers."""
    s = subparsers.add_parser("backup", help="gör en säkerhetskopia av databasen (går bra medan appen är igång)")
    s.add_argument("--out", metavar="FIL",
                   help="filen att skriva (standard: data/backups/dumpning-ÅÅÅÅMMDD-TTMMSS.sqlite); "
                        "en befintlig fil skrivs aldrig över")
    s.set_defaults(func=cmd_backup)

    s = subparsers.add_parser("restore", help="ersätt databasen med en säkerhetskopia (stoppa appen först)")
    s.add_argument("file", metavar="FIL", help="säkerhetskopian att återställa från")
    s.add_argument("--yes", action="store_true",
                     help="återställ på riktigt; utan --yes visas bara vad som skulle hända")
    s.set_defaults(func=cmd_restore)

    s = subparsers.add_parser("purge", help="ta bort avslutade ärenden som är äldre än gallringstiden")
    s.add_argument("--closed-before", required=True, metavar="ÅÅÅÅ-MM-DD",
                   help="ta bort ärenden som avslutades före det här datumet")
    s.add_argument("--dry-run", action="store_true", help="visa vad som skulle tas bort, utan att ta bort något")
    s.add_argument("--force", action="store_true",
                   help="tillåt ett datum inom gallringstiden i inställningarna (retention_years)")
    s.set_defaults(func=cmd_purge)
