"""The dumpning-kit command: output contract, exit codes, demo data."""
import json
import subprocess
import sys


def run(*args, env=None):
    return subprocess.run([sys.executable, "-m", "dumpning_kit.cli", *args], capture_output=True, text=True, env=env)


def test_due_date_prints_date_first_and_explains_in_swedish():
    r = run("due-date", "--received", "2026-11-25")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "2026-12-28"
    assert "juldagen" in r.stdout and "lag (1930:173)" in r.stdout


def test_due_date_plain_month_end():
    assert run("due-date", "--received", "2028-01-31").stdout.splitlines()[0] == "2028-02-29"


def test_due_date_bad_input_is_one_line_exit_2_and_nothing_on_stdout():
    for bad in (["--received", "2026-02-30"], ["--received", "igår"], []):
        r = run("due-date", *bad)
        assert r.returncode == 2, bad
        assert r.stdout == ""
        assert len(r.stderr.strip().splitlines()) == 1
        assert r.stderr.startswith("dumpning-kit: fel:")


def test_demo_and_cases_json():
    r = run("demo")
    assert r.returncode == 0, r.stderr
    rows = json.loads(run("cases", "--format", "json").stdout)
    assert len(rows) == 30
    assert {"id", "diarienummer", "status", "next_deadline"} <= set(rows[0])
    statuses = {x["bedomning"] for x in rows}
    assert {"misstanke", "berattigad", "ej_bedomd", "inga_tecken"} <= statuses
    assert any(x["next_deadline_status"] == "forfallen" for x in rows)
    assert any(x["beslut"] == "faststalld" for x in rows)
    dues = [x["next_deadline"] for x in rows if x["next_deadline"]]
    assert dues == sorted(dues)
    r = run("demo")
    assert r.returncode == 2 and "--force" in r.stderr
    table = run("cases")
    assert "SN 2026/1000" in table.stdout


def test_demo_uses_only_test_personnummer():
    from dumpning_kit.store import Store
    from dumpning_kit.testdata import is_test_personnummer
    assert run("demo").returncode == 0
    for case in Store().list_cases():
        assert is_test_personnummer(case.answers["personnummer"])


def test_unknown_command_is_one_line():
    r = run("flyga")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
