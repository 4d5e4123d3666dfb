"""Schema migrations (Alembic, shipped in dumpning_kit/migrations), run from Python: no alembic.ini.

SQLite files are upgraded by Store() itself; a file made by the old ``metadata.create_all``
(no alembic_version table) is recognised, its missing tables are created, it is stamped at
revision 0001 and upgraded. PostgreSQL is upgraded only by `dumpning-kit db setup`
(dumpning_kit.teamdb), never by Store().
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

#: The newest revision (tests/test_migrations.py checks it against the scripts).
HEAD = "0002"
LEGACY = "0001"
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


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to HEAD. Returns (revision before, revision after)."""
    from alembic import command
    with engine.connect() as conn:
        before = current(conn)
        if before == HEAD:
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
