"""Backups, restores and purging, on real SQLite files (and PostgreSQL when CI starts one)."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dumpning_kit import cli, maintenance
from dumpning_kit.errors import UserError
from dumpning_kit.settings import data_dir
from dumpning_kit.store import Store

D = dt.date
CORE = {"diarienummer": "SN 2026/17", "namn": "Åsa Öberg-Testsson", "personnummer": "198112189876",
        "handlaggare": "Anna", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-10-01",
        "forsta_kontakt": "2026-10-02", "barn_i_hushallet": "nej"}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rows(path: Path) -> dict:
    """Every row of the kit's tables, straight from the file (read-only)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("cases", "events")}
    finally:
        con.close()


def snapshot(store: Store) -> list:
    return [(c.id, c.version, c.status, c.closed_at, c.answers, c.decision,
             [(e.id, e.kind, e.version, e.user, e.detail, e.at) for e in store.events(c.id)])
            for c in store.list_cases()]


def new_case(store: Store, n: int, **extra) -> object:
    return store.create_case({**CORE, "diarienummer": f"SN 2026/{n}", **extra})


def db_path(store: Store) -> Path:
    return Path(store.url.split("///", 1)[1])


# ---- backup --------------------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from dumpning_kit.store import Store
s = Store(sys.argv[1])
core = {core!r}
ids = [s.create_case({{**core, "diarienummer": f"SN 2026/W{{i}}"}}).id for i in range(3)]
Path(sys.argv[2]).write_text("ready")
i = 0
while not Path(sys.argv[3]).exists() and i < 3000:
    cid = ids[i % 3]
    c = s.get(cid)
    s.save_answers(cid, c.version, {{"upplevelse": f"Sparning {{i}}: " + "å" * (i % 50)}}, user="skrivaren")
    i += 1
print(i)
"""


def test_backup_while_another_process_keeps_saving_is_consistent_and_round_trips(tmp_path):
    live = tmp_path / "data" / "dumpning.sqlite"
    url = f"sqlite:///{live}"
    Store(url).close()
    ready, stop = tmp_path / "ready", tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER.format(core=CORE), url, str(ready), str(stop)],
                              stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    try:
        deadline = time.time() + 60
        while not ready.exists():
            assert writer.poll() is None and time.time() < deadline, "the writer did not start"
            time.sleep(0.05)
        backups, seen = [], -1
        for n in range(5):
            # wait until the writer has saved again, so every backup is taken mid-stream
            while (total := sum(r[4] for r in rows(live)["cases"])) <= seen:
                assert writer.poll() is None, "the writer stopped"
                time.sleep(0.01)
            seen = total
            backups.append(maintenance.backup(url, tmp_path / "kopior" / f"b{n}.sqlite"))
    finally:
        stop.write_text("stop")
        out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0
    assert int(out) > 5

    versions = []
    for b in backups:
        assert mode(b) == 0o600
        con = sqlite3.connect(b)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        con.close()
        assert not Path(f"{b}-wal").exists()
        data = rows(b)
        assert len(data["cases"]) == 3
        # A consistent snapshot: every case's version is exactly its number of logged writes,
        # and its stored answer is the last logged new value.
        for case in data["cases"]:
            cid, version, answers = case[0], case[4], case[9]
            evs = [e for e in data["events"] if e[1] == cid]
            assert [e[5] for e in evs] == list(range(1, version + 1))
            if version > 1:
                last = json.loads(evs[-1][6])["changes"]["upplevelse"][1]
                assert json.loads(answers)["upplevelse"] == last
        versions.append(sum(c[4] for c in data["cases"]))
    assert versions == sorted(versions) and versions[0] < versions[-1]  # taken while writes went on

    # Round trip: restore a mid-stream backup into a fresh database; the store reads exactly it.
    fresh = tmp_path / "ny" / "aterstalld.sqlite"
    assert maintenance.restore(backups[2], f"sqlite:///{fresh}") is None  # nothing to keep a copy of
    assert rows(fresh) == rows(backups[2])
    assert mode(fresh) == 0o600
    # And the final state: back up after the writer stopped, restore, compare through Store.
    final = maintenance.backup(url, tmp_path / "kopior" / "slut.sqlite")
    fresh2 = tmp_path / "ny" / "slut.sqlite"
    maintenance.restore(final, f"sqlite:///{fresh2}")
    a, b = Store(url), Store(f"sqlite:///{fresh2}")
    try:
        assert snapshot(a) == snapshot(b) and len(snapshot(b)) == 3
    finally:
        a.close()
        b.close()


def test_backup_default_name_mode_and_never_overwrites(store):
    new_case(store, 1)
    path = maintenance.backup(store)
    assert path.parent == data_dir() / "backups"
    assert re.fullmatch(r"dumpning-\d{8}-\d{6}(-\d+)?\.sqlite", path.name)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    second = maintenance.backup(store)  # same second: a new name, the first file untouched
    assert second != path and path.exists()
    before = sha(path)
    with pytest.raises(UserError, match="finns redan"):
        maintenance.backup(store, path)
    assert sha(path) == before
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".")] == []  # no temp files left
    assert maintenance.check_backup(path) == {"cases": 1, "events": 1}


def test_backup_of_a_missing_database_or_memory_is_refused_in_swedish(tmp_path):
    with pytest.raises(UserError, match="finns inte"):
        maintenance.backup(f"sqlite:///{tmp_path / 'saknas.sqlite'}")
    with pytest.raises(UserError, match="minnet"):
        maintenance.backup("sqlite://")
    with pytest.raises(UserError, match="själva databasen"):
        s = Store(f"sqlite:///{tmp_path / 'x.sqlite'}")
        s.close()
        maintenance.backup(s, tmp_path / "x.sqlite-wal")


def test_backup_of_postgresql_without_pg_dump_explains_what_to_do(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(UserError) as e:
        maintenance.backup("postgresql+psycopg://dumpning:hemligt@db.example/dumpning")
    msg = str(e.value)
    assert "pg_dump finns inte" in msg and "pg_dump --format=custom" in msg and "pg_restore" in msg
    assert "hemligt" not in msg


# ---- restore -------------------------------------------------------------------------------

def test_restore_replaces_atomically_and_keeps_a_safety_copy(store):
    a = new_case(store, 1)
    store.save_answers(a.id, a.version, {"upplevelse": "Före kopian."})
    saved = maintenance.backup(store)
    b = new_case(store, 2)
    store.save_answers(a.id, 2, {"upplevelse": "Efter kopian."})
    live = db_path(store)
    store.close()

    safety = maintenance.restore(saved, store.url)
    assert safety is not None and safety.parent == data_dir() / "backups"
    assert "fore-aterstallning" in safety.name and mode(safety) == 0o600
    after = Store(store.url)
    try:
        assert [c.id for c in after.list_cases()] == [a.id]
        assert after.get(a.id).answers["upplevelse"] == "Före kopian."
        assert [e.kind for e in after.events(a.id)] == ["skapat", "sparat"]
        assert after.find_by_diarienummer("SN 2026/2") is None
    finally:
        after.close()
    assert mode(live) == 0o600
    assert not [p for p in live.parent.iterdir() if p.name.endswith(".tmp")]
    old = Store(f"sqlite:///{safety}")  # the safety copy holds what was there before
    try:
        assert {c.id for c in old.list_cases()} == {a.id, b.id}
        assert old.get(a.id).answers["upplevelse"] == "Efter kopian."
    finally:
        old.close()


def test_restore_removes_a_stale_wal_so_it_is_never_applied_to_the_new_file(tmp_path):
    live = tmp_path / "data" / "live.sqlite"
    s = Store(f"sqlite:///{live}")
    new_case(s, 1)
    saved = maintenance.backup(s)
    new_case(s, 2)
    s.close()
    Path(f"{live}-wal").write_bytes(b"stale")  # e.g. left by a crash
    Path(f"{live}-shm").write_bytes(b"stale")
    maintenance.restore(saved, f"sqlite:///{live}")
    assert not Path(f"{live}-wal").exists() and not Path(f"{live}-shm").exists()
    s = Store(f"sqlite:///{live}")
    assert s.count() == 1
    s.close()


@pytest.mark.parametrize("make_bad,why", [
    (lambda p: p.write_bytes(b"inte en databas " * 100), "inte en SQLite-databas"),
    (lambda p: p.write_bytes(b""), "saknar tabellen cases"),
    (lambda p: sqlite3.connect(p).executescript("CREATE TABLE cases (id INTEGER); CREATE TABLE events (id INTEGER);"),
     "saknar kolumnerna"),
    (lambda p: sqlite3.connect(p).executescript("CREATE TABLE recept (namn TEXT); INSERT INTO recept VALUES ('x');"),
     "ingen databas från dumpning-kit"),
], ids=["garbage", "empty", "old-schema", "other-sqlite"])
def test_restore_refuses_a_bad_file_and_changes_nothing(store, tmp_path, make_bad, why):
    new_case(store, 1)
    store.close()
    live = db_path(store)
    before = sha(live)
    bad = tmp_path / "dalig.sqlite"
    make_bad(bad)
    with pytest.raises(UserError) as e:
        maintenance.restore(bad, store.url)
    assert why in str(e.value) and "Inget har ändrats" in str(e.value)
    assert sha(live) == before
    assert not (data_dir() / "backups").exists() or not list((data_dir() / "backups").iterdir())
    assert not [p for p in live.parent.iterdir() if p.name.endswith(".tmp")]


def test_restore_refuses_a_corrupted_backup(store, tmp_path):
    for n in range(40):  # enough rows for several b-tree pages
        new_case(store, n, upplevelse="Text " * 200)
    saved = maintenance.backup(store)
    broken = tmp_path / "trasig.sqlite"
    data = bytearray(saved.read_bytes())
    page = 4096 if len(data) > 4 * 4096 else 1024
    data[2 * page: 2 * page + 64] = b"\xff" * 64  # smash a b-tree page header
    broken.write_bytes(bytes(data))
    store.close()
    before = sha(db_path(store))
    with pytest.raises(UserError, match="(skadad|inte en SQLite-databas)"):
        maintenance.restore(broken, store.url)
    assert sha(db_path(store)) == before


def test_restore_refuses_while_the_database_is_in_use(store):
    new_case(store, 1)
    saved = maintenance.backup(store)
    new_case(store, 2)
    with pytest.raises(UserError, match="används just nu"):
        maintenance.restore(saved, store.url)  # `store` still has its connections open
    assert store.count() == 2
    new_case(store, 3)  # and the app can go on saving
    assert store.count() == 3


# ---- purge ---------------------------------------------------------------------------------

def _closed(store, n, on: str, monkeypatch, **extra):
    case = new_case(store, n, **extra)
    monkeypatch.setenv("DUMPNING_TODAY", on)
    case = store.close_case(case.id, case.version)
    monkeypatch.setenv("DUMPNING_TODAY", "2026-11-27")
    return case


def _folder(case) -> Path:
    f = data_dir() / "exports" / f"{case.id}-fake"
    return f


@pytest.fixture
def purge_cases(store, monkeypatch):
    old = _closed(store, 1, "2019-03-01", monkeypatch)
    older = _closed(store, 2, "2018-01-15", monkeypatch)
    reopened = _closed(store, 3, "2019-03-01", monkeypatch)
    reopened = store.close_case(reopened.id, reopened.version, reopen=True)
    recent = _closed(store, 4, "2025-06-01", monkeypatch)
    open_ = new_case(store, 5)
    cases = {"old": old, "older": older, "reopened": reopened, "recent": recent, "open": open_}
    for c in cases.values():
        store.log(c.id, "exporterat", {"document": "bedomning"})
        f = _folder(c)
        f.mkdir(parents=True)
        (f / "SN-2026-bedomning.pdf").write_bytes(b"%PDF personuppgifter")
    return cases


def test_purge_dry_run_lists_and_deletes_nothing(store, purge_cases):
    before = snapshot(store)
    got = maintenance.purge(store, D(2020, 1, 1), dry_run=True, folder=_folder)
    assert [(r["id"], r["diarienummer"], r["closed_at"]) for r in got] == [
        (purge_cases["older"].id, "SN 2026/2", D(2018, 1, 15)),
        (purge_cases["old"].id, "SN 2026/1", D(2019, 3, 1))]
    assert all(r["folder"] == _folder(purge_cases[k]).resolve() for r, k in zip(got, ("older", "old")))
    assert snapshot(store) == before
    assert all(_folder(c).exists() for c in purge_cases.values())


def test_purge_deletes_closed_cases_events_and_folders_but_never_open_ones(store, purge_cases):
    keep = ("reopened", "recent", "open")
    kept_before = {k: (store.get(purge_cases[k].id), store.events(purge_cases[k].id)) for k in keep}
    got = maintenance.purge(store, D(2020, 1, 1), dry_run=False, folder=_folder)
    assert sorted(r["id"] for r in got) == sorted([purge_cases["old"].id, purge_cases["older"].id])
    for k in ("old", "older"):
        with pytest.raises(UserError, match="finns inte"):
            store.get(purge_cases[k].id)
        assert store.events(purge_cases[k].id) == []
        assert not _folder(purge_cases[k]).exists()
    for k in keep:
        assert (store.get(purge_cases[k].id), store.events(purge_cases[k].id)) == kept_before[k]
        assert (_folder(purge_cases[k]) / "SN-2026-bedomning.pdf").exists()
    assert (data_dir() / "exports").exists()
    # Nothing is left in the events table that belongs to no case.
    con = sqlite3.connect(db_path(store))
    assert con.execute("SELECT count(*) FROM events WHERE case_id NOT IN (SELECT id FROM cases)").fetchone()[0] == 0
    con.close()


def test_purge_with_a_late_date_and_force_still_never_deletes_open_cases(store, purge_cases):
    got = maintenance.purge(store, D(2030, 1, 1), dry_run=False, force=True, folder=_folder)
    assert sorted(r["id"] for r in got) == sorted(purge_cases[k].id for k in ("old", "older", "recent"))
    assert sorted(c.id for c in store.list_cases()) == sorted([purge_cases["reopened"].id, purge_cases["open"].id])


def test_purge_keeps_a_case_reopened_after_it_was_listed(store, purge_cases):
    old = purge_cases["old"]

    def folder_and_reopen(case):  # runs while purge lists the cases, before it deletes
        if case.id == old.id:
            fresh = store.get(old.id)
            store.close_case(old.id, fresh.version, reopen=True, user="kollega")
        return _folder(case)

    got = maintenance.purge(store, D(2020, 1, 1), dry_run=False, folder=folder_and_reopen)
    assert [r["id"] for r in got] == [purge_cases["older"].id]
    again = store.get(old.id)
    assert again.status == "oppet" and [e.kind for e in store.events(old.id)][-1] == "atertaget"
    assert _folder(old).exists()


def test_purge_refuses_a_date_within_the_retention_period(store, purge_cases):
    before = snapshot(store)
    assert store.settings.retention_years == 5
    with pytest.raises(UserError) as e:
        maintenance.purge(store, D(2021, 11, 28), dry_run=False, folder=_folder)
    assert "5 år" in str(e.value) and "2021-11-27" in str(e.value) and "Inget har tagits bort" in str(e.value)
    assert snapshot(store) == before
    assert maintenance.purge(store, D(2021, 11, 27), dry_run=True, folder=_folder)  # the limit itself is fine
    assert maintenance.retention_limit(5, D(2028, 2, 29)) == D(2023, 2, 28)


def test_purge_uses_the_export_folders_and_stays_inside_them(store, purge_cases, monkeypatch):
    export = pytest.importorskip("dumpning_kit.export")
    case = purge_cases["old"]
    real = export.export_dir(store.get(case.id))
    real.mkdir(parents=True)
    (real / "x.html").write_text("<p>personuppgifter</p>")
    got = maintenance.purge(store, D(2019, 1, 1), dry_run=True)  # only "older"
    assert [r["id"] for r in got] == [purge_cases["older"].id]
    maintenance.purge(store, D(2020, 1, 1), dry_run=False)
    assert not real.exists()
    with pytest.raises(UserError, match="utanför"):
        maintenance.purge(store, D(2026, 1, 1), dry_run=True, force=True, folder=lambda c: data_dir())


def test_purge_removes_register_exports_reports_and_old_case_folders(store, purge_cases):
    """Issue 12, point 6: nothing made from a purged case stays in data/exports."""
    from dumpning_kit import analysis, register
    from dumpning_kit.ui import overview
    exports = data_dir() / "exports"
    old = purge_cases["old"]
    purged_pseudonym = register.pseudonym(old.id, register.pseudonym_key())
    made = [register.export_register(store, fmt="csv"), register.export_register(store, fmt="xlsx"),
            analysis.export_report(None, store)]
    (exports / "oversikt-2026-11-01.ics").write_text("BEGIN:VCALENDAR")  # from an older version
    overview.build_overview(store)  # its downloads are data: links, never files
    assert purged_pseudonym in made[0].read_text(encoding="utf-8-sig")
    stale = exports / f"{old.id}-SN-gammalt-diarienummer"  # the folder under an earlier diarienummer
    stale.mkdir()
    (stale / "beslut.pdf").write_bytes(b"%PDF personuppgifter")
    kept_lookalike = exports / f"{old.id}0-annat-arende"  # id 10, 20 ...: not the purged case's folder
    kept_lookalike.mkdir()
    files = sorted(p.name for p in exports.iterdir() if p.is_file())
    assert len(files) == 4

    dry = maintenance.purge(store, D(2020, 1, 1), dry_run=True, folder=_folder)
    assert sorted(p.name for p in dry.files) == files and stale in dry.folders
    assert all(p.exists() for p in made) and stale.exists()

    got = maintenance.purge(store, D(2020, 1, 1), dry_run=False, folder=_folder)
    assert sorted(p.name for p in got.files) == files
    assert not stale.exists() and kept_lookalike.exists()
    assert sorted(p.name for p in exports.iterdir() if p.is_file()) == []
    for k in ("reopened", "recent", "open"):
        assert _folder(purge_cases[k]).exists()
    leftovers = [p for p in exports.rglob("*") if p.is_file() and purged_pseudonym.encode() in p.read_bytes()]
    assert leftovers == []
    # Nothing purged: nothing else removed either.
    again = register.export_register(store, fmt="csv")
    assert maintenance.purge(store, D(2020, 1, 1), dry_run=False, folder=_folder) == [] and again.exists()


# ---- command line --------------------------------------------------------------------------

@pytest.fixture
def run_cli(monkeypatch, capsys):
    """cli.main with the maintenance commands (the lead wires add_commands into build_parser)."""
    original = cli.build_parser

    def build():
        p = original()
        sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
        if "backup" not in sub.choices:
            maintenance.add_commands(sub)
        return p
    monkeypatch.setattr(cli, "build_parser", build)

    def run(*argv):
        try:
            code = cli.main(list(argv))
        except SystemExit as e:
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_cli_backup_restore_and_purge(run_cli, monkeypatch):
    s = Store()
    c = new_case(s, 1)
    monkeypatch.setenv("DUMPNING_TODAY", "2019-01-10")
    s.close_case(c.id, c.version)
    monkeypatch.setenv("DUMPNING_TODAY", "2026-11-27")
    new_case(s, 2)
    s.close()

    code, out, err = run_cli("backup")
    assert code == 0, err
    path = Path(re.search(r"sparad: (\S+)", out).group(1))
    assert path.exists() and "2 ärenden" in out and "kontrollen av filen gick bra" in out

    code, out, err = run_cli("restore", str(path))
    assert code == 2 and "--yes" in err and len(err.strip().splitlines()) == 1
    assert "ersätter hela databasen" in out and "2 ärenden" in out
    code, out, err = run_cli("restore", str(path), "--yes")
    assert code == 0 and "återställd" in out and "före återställningen" in out

    code, out, err = run_cli("purge", "--closed-before", "2020-01-01", "--dry-run")
    assert code == 0 and "Provkörning" in out and "SN 2026/1 " in out and "Inget har tagits bort" in out
    code, out, err = run_cli("purge", "--closed-before", "2020-01-01")
    assert code == 0 and "Borttaget: 1" in out
    assert Store().count() == 1

    for bad in (["purge", "--closed-before", "1/1/2020"], ["purge", "--closed-before", "2026-01-01"],
                ["purge"], ["restore", "finns-inte.sqlite", "--yes"], ["backup", "--out", str(path)]):
        code, out, err = run_cli(*bad)
        assert code == 2, bad
        assert len(err.strip().splitlines()) == 1 and err.startswith("dumpning-kit: fel:"), (bad, err)


# ---- PostgreSQL ----------------------------------------------------------------------------

@pytest.mark.postgres
def test_postgresql_backup_and_restore_with_pg_tools(tmp_path):
    url = os.environ.get("DUMPNING_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set DUMPNING_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("no PostgreSQL: set DUMPNING_TEST_POSTGRES_URL")
    if not (maintenance.shutil.which("pg_dump") and maintenance.shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore not installed")
    from conftest import reset_postgres
    reset_postgres(url)  # empty schema + `dumpning-kit db setup`
    s = Store(url)
    try:
        a = new_case(s, 1)
        saved = maintenance.backup(s)
        assert saved.suffix == ".dump" and mode(saved) == 0o600 and saved.read_bytes()[:5] == b"PGDMP"
        assert maintenance.check_backup(saved) == {"cases": None, "events": None}
        new_case(s, 2)
        s.engine.dispose()  # idle connections would not block, but be polite
        safety = maintenance.restore(saved, url)
        assert safety.exists() and mode(safety) == 0o600
        assert [c.id for c in s.list_cases()] == [a.id]
        assert [e.kind for e in s.events(a.id)] == ["skapat"]
        # A file that is not a pg_dump archive is refused and nothing changes.
        junk = tmp_path / "skrap.dump"
        junk.write_bytes(b"PGDMP but not really")
        with pytest.raises(UserError, match="ingen läsbar säkerhetskopia"):
            maintenance.restore(junk, url)
        assert s.count() == 1
    finally:
        s.close()
