"""Schema migrations (Alembic, shipped in dumpning_kit/migrations), run from Python: no alembic.ini.

SQLite files are upgraded by Store() itself; a file made by the old ``metadata.create_all``
(no alembic_version table) is recognised, its missing tables are created, it is stamped at
revision 0001 and upgraded. PostgreSQL is upgraded only by `dumpning-kit db setup`
(dumpning_kit.teamdb), never by Store().
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

#: The newest revision (tests/test_migrations.py checks it against the scripts).
HEAD = "0003"
LEGACY = "0001"
KNOWN = ("0001", "0002", "0003")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def script_head() -> str:
    from alembic.script import ScriptDirectory
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def current(conn: Connection) -> str | None:
    """The database's revision; None if it has no alembic_version table (new or legacy)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def is_legacy(conn: Connection) -> bool:
    """Made by dumpning-kit before migrations: cases and events, but no alembic_version."""
    names = set(inspect(conn).get_table_names())
    return "alembic_version" not in names and {"cases", "events"} <= names


def _sqlite_path(engine: Engine) -> Path | None:
    db = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(db) if db and db != ":memory:" and not db.startswith("file:") else None


@contextlib.contextmanager
def _migration_lock(engine: Engine):
    """One process at a time migrates a SQLite file (preheated kernels open it at once)."""
    path = _sqlite_path(engine)
    if path is None:
        yield
        return
    lock = path.with_name(path.name + "-migrate.lock")
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to HEAD. Returns (revision before, revision after)."""
    with engine.connect() as conn:
        before = current(conn)
    if before == HEAD:
        return before, HEAD
    if before is not None and before not in KNOWN:
        from .errors import UserError
        raise UserError(f"Databasen har versionen {before}, som den här versionen av dumpning-kit inte känner till "
                        "(den är gjord av en nyare version). Uppdatera dumpning-kit; databasen har inte ändrats.")
    with _migration_lock(engine):
        return _upgrade(engine)


def _upgrade(engine: Engine) -> tuple[str | None, str]:
    from alembic import command
    with engine.connect() as conn:
        before = current(conn)
        if before == HEAD:  # another process was first
            return before, HEAD
        cfg = _config(conn)
        if before is None and is_legacy(conn):
            import importlib.util
            spec = importlib.util.spec_from_file_location("_dk_rev1", MIGRATIONS / "versions" / "0001_schema.py")
            rev1 = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(rev1)
            rev1.create_tables(conn)  # e.g. register_reads, made lazily by old versions
            conn.commit()
            command.stamp(cfg, LEGACY)
            conn.commit()
            before = "legacy"
        command.upgrade(cfg, "head")
        conn.commit()
        return before, current(conn)
