"""The dumpning-kit command: output contract, exit codes, demo data."""
import json
import re
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


FORM_ONE = {"diarienummer": "SN 2026/9", "namn": "Kim Testsson", "personnummer": "19811218-9876",
            "handlaggare": "Bo", "tidigare_kommun": "Göteborg", "ankomstdatum": "2026-11-16",
            "forsta_kontakt": "2026-11-17", "barn_i_hushallet": "nej", "stallforetradare": "ingen",
            "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej", "skyddad_flytt": "nej",
            "formell_begaran_inkommen": "nej", "pagaende_bistand": "ja", "form": "socialt_kontrakt",
            "hanvisad_hyresvard": "ja", "folkbokford_hos_annan": "nej", "fick_kontaktuppgifter": "ja",
            "sokte_hjalp_direkt": "ja", "vill_atervanda": "ja", "misstanke_datum": "2026-11-26"}


def write_answers(tmp_path, answers, name="svar.json"):
    p = tmp_path / name
    p.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    return str(p)


def test_assess_json_gives_the_verdict(tmp_path):
    r = run("assess", "--answers", write_answers(tmp_path, FORM_ONE), "--today", "2026-11-27", "--format", "json")
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    assert v["classification"] == "misstanke"
    assert [x["kind"] for x in v["reasons"]] == ["krav"] * 4
    assert v["open_actions"] == ["dokumentera_bedomning", "kontakta_kommun", "krav_motivering",
                                 "dokumentera_upplevelse", "skicka_skrivelse"]
    assert v["next_action"] == "kontakta_kommun"
    assert v["deadlines"] == [{"id": "kontakt_genast", "label": "Kontakt med den tidigare kommunen",
                               "due": "2026-11-27", "status": "idag", "text": "Sista dag i dag (2026-11-27)"}]
    assert {x["question"] for x in v["supporting_signs"]} == {"pagaende_bistand", "form", "hanvisad_hyresvard",
                                                            "fick_kontaktuppgifter", "sokte_hjalp_direkt",
                                                            "vill_atervanda"}


def test_assess_decision_overrides_and_text_is_swedish(tmp_path):
    path = write_answers(tmp_path, FORM_ONE)
    v = json.loads(run("assess", "--answers", path, "--today", "2026-11-27", "--decision", "inte_dumpning",
                       "--format", "json").stdout)
    assert v["classification"] == "misstanke" and v["open_actions"] == [] and v["next_action"] is None
    voluntary = {**FORM_ONE, "eget_initiativ": "ja", "egen_vilja": "ja"}
    v = json.loads(run("assess", "--answers", write_answers(tmp_path, voluntary, "frivillig.json"),
                       "--today", "2026-11-27", "--format", "json").stdout)
    assert v["classification"] == "inga_tecken" and v["open_actions"] == ["dokumentera_bedomning"]
    text = run("assess", "--answers", path, "--today", "2026-11-27").stdout
    assert text.startswith("Förslag: Misstanke om social dumpning\n")
    assert "Nästa att göra: Kontakta genast den tidigare kommunen" in text


def test_assess_bad_input_is_one_swedish_line_and_exit_2(tmp_path):
    bad_json = tmp_path / "trasig.json"
    bad_json.write_text("{", encoding="utf-8")
    cases = [
        (["--answers", str(tmp_path / "saknas.json")], "finns inte"),
        (["--answers", str(bad_json)], "inte giltig JSON"),
        (["--answers", write_answers(tmp_path, ["ja"], "lista.json")], "JSON-objekt"),
        (["--answers", write_answers(tmp_path, {**FORM_ONE, "hitta_pa": "ja"}, "okand.json")], "okänd fråga 'hitta_pa'"),
        (["--answers", write_answers(tmp_path, {**FORM_ONE, "eget_initiativ": "kanske"}, "val.json")],
         "Välj ett av alternativen"),
        (["--answers", write_answers(tmp_path, {**FORM_ONE, "personnummer": "19811218-9877"}, "pnr.json")],
         "Personnumret är inte giltigt"),
        (["--answers", write_answers(tmp_path, FORM_ONE, "ok.json"), "--decision", "kanske"], "okänt beslut"),
        (["--answers", write_answers(tmp_path, FORM_ONE, "ok2.json"), "--today", "i morgon"], "ogiltigt datum"),
        (["--answers", write_answers(tmp_path, FORM_ONE, "ok3.json"), "--today", "2026-11-20"], "framtiden"),
        ([], "--answers"),
    ]
    for args, needle in cases:
        r = run("assess", *args)
        assert r.returncode == 2, (args, r.stdout)
        assert r.stdout == ""
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("dumpning-kit: fel:"), r.stderr
        assert needle in lines[0], (needle, lines[0])
        assert "Traceback" not in r.stderr


def test_due_date_explains_with_the_guideline_files_caveat():
    r = run("due-date", "--received", "2026-11-25")
    assert "det är verktygets tolkning" in r.stdout
    assert "En månad efter är 2026-12-25, som är juldagen." in r.stdout


def test_report_writes_the_analysis_as_offline_html(tmp_path):
    assert run("demo").returncode == 0
    out = tmp_path / "analys.html"
    r = run("report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(out)
    html = out.read_text(encoding="utf-8")
    assert '<html lang="sv"' in html and "<img" in html
    assert not re.search(r'<script[^>]+src="https?://', html) and "mathjax" not in html.lower()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
