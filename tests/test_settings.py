"""Where the data lives and who is working: the same answer from every folder and every entry point."""
from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

from dumpning_kit import settings

ROOT = Path(__file__).resolve().parent.parent
PROBE = "from dumpning_kit.settings import data_dir; print(data_dir(create=False))"


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUMPNING_")}
    return {**env, **extra}


def test_default_data_dir_is_the_clones_data_folder_from_any_folder(tmp_path):
    """CLI (repo root), Voilà kernels and JupyterLab (notebooks/), nbconvert anywhere: one folder."""
    seen = set()
    for cwd in (ROOT, ROOT / "notebooks", ROOT / "dumpning_kit", tmp_path):
        out = subprocess.run([sys.executable, "-c", PROBE], cwd=cwd, env=_clean_env(), capture_output=True,
                             text=True, check=True).stdout.strip()
        seen.add(out)
    assert seen == {str(ROOT / "data")}
    override = tmp_path / "annan"
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT / "notebooks",
                         env=_clean_env(DUMPNING_DATA_DIR=str(override)), capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == str(override)


def test_installed_package_uses_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DUMPNING_DATA_DIR")
    monkeypatch.setattr(settings, "source_checkout", lambda: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / ".local" / "share"))
    assert settings.data_dir(create=False) == tmp_path / ".local" / "share" / "dumpning-kit"
    d = settings.data_dir()
    assert d.is_dir() and d.stat().st_mode & 0o777 == 0o700


def test_shipped_folders_in_a_clone():
    assert settings.shipped_dir("notebooks") == ROOT / "notebooks"
    assert (settings.shipped_dir("templates") / "dumpning_dokument" / "index.html.j2").is_file()


def test_the_os_account_is_never_the_decider(store, monkeypatch):
    """Without DUMPNING_USER or a hub user, the case's handläggare is recorded, never e.g. 'root'."""
    monkeypatch.delenv("DUMPNING_USER")
    os_user = getpass.getuser()
    from dumpning_kit.documents.sample import make_sample_case
    case = make_sample_case(store)  # creates, saves, decides without naming a user
    case = store.close_case(case.id, case.version)
    store.log(case.id, "last")
    worker = case.answers["handlaggare"]
    assert worker != os_user
    assert {e.user for e in store.events(case.id)} == {worker}
    assert case.decision.by == worker
    assert settings.current_user() == settings.UNKNOWN_USER
    monkeypatch.setenv("DUMPNING_USER", "Dana Handläggare")
    store.log(case.id, "last")
    assert store.events(case.id)[-1].user == "Dana Handläggare"
    monkeypatch.setenv("JUPYTERHUB_USER", "dana.h")  # the hub's login wins
    assert settings.current_user("Anna") == "dana.h"


def test_readme_register_columns_guide_is_current():
    """The README's guide to the register's columns is what the generator makes from the guideline."""
    from dumpning_kit import columns
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(columns.START):text.index(columns.END) + len(columns.END)]
    assert section == columns.readme_section(), "run: python -m dumpning_kit.columns --write"
    assert section.count("\n| `") == len(columns.register_columns(columns.default_guideline()))
    assert "| `eget_initiativ` | Tog personen själv initiativet till flytten? (avsnitt 1.1) |" in section
    cells = [c.strip() for c in section.split("|")]
    assert "`pseudonym`" in cells and "`namn`" not in cells and "`personnummer`" not in cells


def test_readme_names_every_command_and_url():
    from dumpning_kit.cli import build_parser
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert f"dumpning-kit {name}" in text, name
    for needle in ("dumpning-kit assess --answers FILE.json", "PORT=", "/voila/render/oversikt.ipynb",
                   "/voila/render/utbildning.ipynb", "DUMPNING_DATA_DIR", "DUMPNING_USER", "--undertecknare",
                   "Demo Demosson", "DUMPNING_SCENARIOS", "environment.yml"):
        assert needle in text, needle


# ---- the settings file: paths that work from anywhere, and one Swedish line for every mistake ----------

import argparse  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from dumpning_kit.cli import build_parser  # noqa: E402

SHIPPED = settings.DEFAULT_SETTINGS
GUIDELINE = settings.PACKAGE_DIR / "guidelines" / "bengtsfors.yaml"
KIT = Path(sys.executable).with_name("dumpning-kit")  # the console script pip installed
ERROR_LINE = re.compile(r"dumpning-kit: fel: (?P<file>/\S+): (?P<problem>\S.*)")


def kit(tmp_path, *argv, cwd=None, **env) -> subprocess.CompletedProcess:
    """The real `dumpning-kit` command, with a fresh HOME and only the DUMPNING_* variables given here."""
    home = tmp_path / "hem"
    home.mkdir(exist_ok=True)
    full = {**_clean_env(), "HOME": str(home), "DUMPNING_DATA_DIR": str(tmp_path / "data"),
            "DUMPNING_TODAY": "2026-11-27", **env}
    full.pop("XDG_DATA_HOME", None)
    return subprocess.run([str(KIT), *argv], cwd=cwd or tmp_path, env=full, capture_output=True, text=True,
                          timeout=120)


def settings_copy(folder: Path, name: str = "installningar.yaml", **changes) -> Path:
    """The shipped settings file copied (as IT would copy it to /etc/dumpning-kit/) and edited as text."""
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in changes.get("replace", ()):
        assert old in text, old
        text = text.replace(old, new)
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


def two_month_guideline(path: Path) -> Path:
    """A copy of the guideline whose reply period is two months: proof that this copy is the one read."""
    raw = yaml.safe_load(GUIDELINE.read_text(encoding="utf-8"))
    next(d for d in raw["deadlines"] if d["id"] == "svar_pa_begaran")["months"] = 2
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


DUE = ["due-date", "--received", "2026-03-10", "--quiet"]
ONE_MONTH, TWO_MONTHS = "2026-04-10", "2026-05-11"  # 10 May 2026 is a Sunday


def test_the_shipped_settings_work_when_copied_anywhere(tmp_path):
    """The issue: the file copied to /etc broke its relative guideline path. It now names the shipped guideline."""
    assert "\nguideline: bengtsfors\n" in SHIPPED.read_text(encoding="utf-8")
    etc = settings_copy(tmp_path / "etc" / "dumpning-kit")
    out = kit(tmp_path, *DUE, DUMPNING_SETTINGS=str(etc))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, ONE_MONTH, "")
    assert settings.load_settings(etc).guideline_path == GUIDELINE


def test_an_absolute_guideline_path_works(tmp_path):
    own = two_month_guideline(tmp_path / "opt" / "riktlinjer" / "var-riktlinje.yaml")
    etc = settings_copy(tmp_path / "etc", replace=[("guideline: bengtsfors", f"guideline: {own}")])
    out = kit(tmp_path, *DUE, cwd=tmp_path / "opt", DUMPNING_SETTINGS=str(etc))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, TWO_MONTHS, "")


@pytest.mark.parametrize("written, where", [("riktlinje.yaml", "etc/riktlinje.yaml"),
                                            ("./delad/riktlinje.yaml", "etc/delad/riktlinje.yaml"),
                                            ("../riktlinjer/riktlinje.yaml", "riktlinjer/riktlinje.yaml")])
def test_a_relative_guideline_path_counts_from_the_settings_files_folder(tmp_path, written, where):
    two_month_guideline(tmp_path / where)
    etc = settings_copy(tmp_path / "etc", replace=[("guideline: bengtsfors", f"guideline: {written}")])
    elsewhere = tmp_path / "annan-mapp"
    elsewhere.mkdir()
    out = kit(tmp_path, *DUE, cwd=elsewhere, DUMPNING_SETTINGS=str(etc))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, TWO_MONTHS, "")
    # DUMPNING_SETTINGS itself may be relative to the folder the command starts in
    out = kit(tmp_path, *DUE, cwd=tmp_path, DUMPNING_SETTINGS="etc/installningar.yaml")
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, TWO_MONTHS, "")


def test_a_valid_law_mapping_and_settings_with_every_key(tmp_path):
    logo = tmp_path / "etc" / "logga.png"
    logo.parent.mkdir(parents=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    etc = settings_copy(tmp_path / "etc", replace=[
        ("law_mapping: {}", 'law_mapping:\n  "sol2001:2 a kap. 10 §": "16 kap. 4 § SoL (2025:400)"'),
        ("logo: null", "logo: logga.png"), ("retention_years: 5", "retention_years: 7"),
        ("chromium_path: null", "chromium_path: /usr/bin/chromium\nreport_names_landlord_companies: true")])
    s = settings.load_settings(etc)
    assert s.law_mapping == {"sol2001:2 a kap. 10 §": "16 kap. 4 § SoL (2025:400)"}
    assert (s.logo, s.retention_years, s.chromium_path, s.report_names_landlord_companies) == \
        (logo, 7, "/usr/bin/chromium", True)
    assert s.address == ("Box 14", "666 21 Bengtsfors") and s.municipality_code == "1460"
    assert s.signatory_title == "Ordförande, kommunstyrelsens sociala utskott" and s.source == etc
    out = kit(tmp_path, *DUE, DUMPNING_SETTINGS=str(etc))
    assert (out.returncode, out.stdout.strip(), out.stderr) == (0, ONE_MONTH, "")
    # an unquoted code that YAML reads as the same number still works, as before
    assert settings.load_settings(settings_copy(tmp_path / "b", replace=[('"1460"', "1460")])).municipality_code \
        == "1460"


def _broken(tmp_path: Path) -> list[tuple[str, Path, dict, str]]:
    """(case, settings file, extra environment, the problem the line must state)."""
    etc = tmp_path / "etc" / "dumpning-kit"
    cases = []

    def add(name, problem, *, text=None, replace=(), env=None):
        if text is not None:
            etc.mkdir(parents=True, exist_ok=True)
            (etc / f"{name}.yaml").write_text(text, encoding="utf-8")
            p = etc / f"{name}.yaml"
        else:
            p = settings_copy(etc, f"{name}.yaml", replace=replace)
        cases.append((name, p, env or {}, problem))

    old = "guideline: ../guidelines/bengtsfors.yaml"
    add("gammal-relativ", f"riktlinjefilen {tmp_path}/etc/guidelines/bengtsfors.yaml (guideline: ../guidelines/"
        f"bengtsfors.yaml) finns inte. En relativ sökväg räknas från inställningsfilens mapp {etc}. Riktlinjen "
        "som följer med verktyget får du med guideline: bengtsfors.", replace=[("guideline: bengtsfors", old)])
    add("absolut-saknas", f"riktlinjefilen {tmp_path}/saknas/r.yaml (guideline: {tmp_path}/saknas/r.yaml) finns "
        "inte.", replace=[("guideline: bengtsfors", f"guideline: {tmp_path}/saknas/r.yaml")])
    add("relativ-saknas", f"riktlinjefilen {etc}/var.yaml (guideline: var.yaml) finns inte. En relativ sökväg "
        f"räknas från inställningsfilens mapp {etc}.", replace=[("guideline: bengtsfors", "guideline: var.yaml")])
    add("riktlinjen-mapp", f"riktlinjefilen {etc} (guideline: ./) är en mapp, inte en fil.", replace=[("guideline: bengtsfors",
                                                                                    "guideline: ./")])
    add("okant-namn", "guideline: ingen riktlinje med namnet 'bengtsfor' följer med verktyget (det finns "
        "bengtsfors).", replace=[("guideline: bengtsfors", "guideline: bengtsfor")])
    add("guideline-lista", "inställningen guideline ska vara en sökväg till riktlinjefilen, inte en lista.",
        replace=[("guideline: bengtsfors", "guideline: [bengtsfors]")])
    add("lagnyckel", "law_mapping: 'sol2001:2a kap. 10 §' är ingen bestämmelse i en ersatt lag som riktlinjen "
        "hänvisar till (skriv lag:bestämmelse precis som i riktlinjen). Menar du 'sol2001:2 a kap. 10 §'?",
        replace=[("law_mapping: {}", 'law_mapping: {"sol2001:2a kap. 10 §": "16 kap. 4 § SoL (2025:400)"}')])
    add("lagnyckel-okand", "law_mapping: 'sol2001:9 kap. 9 §' är ingen bestämmelse i en ersatt lag som riktlinjen "
        "hänvisar till (skriv lag:bestämmelse precis som i riktlinjen). Riktlinjen hänvisar till "
        "'sol2001:2 a kap. 10 §', 'sol2001:2 a kap. 11 §' och 'sol2001:4 kap. 1 §'.",
        replace=[("law_mapping: {}", 'law_mapping: {"sol2001:9 kap. 9 §": "X"}')])
    add("lag-ej-ersatt", "law_mapping: 'barnkonventionen:artikel 3' är ingen bestämmelse i en ersatt lag",
        replace=[("law_mapping: {}", 'law_mapping: {"barnkonventionen:artikel 3": "X"}')])
    add("lag-tom", "law_mapping: 'sol2001:2 a kap. 10 §' ska följas av den motsvarande bestämmelsen i den nya "
        "lagen, som text", replace=[("law_mapping: {}", 'law_mapping: {"sol2001:2 a kap. 10 §": ""}')])
    add("lag-lista", "inställningen law_mapping ska ha en rad per bestämmelse",
        replace=[("law_mapping: {}", "law_mapping: [sol2001]")])
    add("kommunkod", "kommunkoden '9999' (municipality_code) finns inte bland Sveriges 290 kommuner.",
        replace=[('"1460"', '"9999"')])
    add("kommunkod-tal", "kommunkoden '0076' (municipality_code) finns inte bland Sveriges 290 kommuner. Skriv "
        "koden inom citattecken, till exempel \"0114\"", replace=[('"1460"', "0114")])  # YAML: octal 76
    add("kommunkod-annan", "kommunkoden 1465 (municipality_code) är Svenljunga kommun, men municipality är "
        "'Bengtsfors kommun'. Rätta koden eller namnet.", replace=[('"1460"', '"1465"')])
    add("kommunkod-lista", "kommunkoden (municipality_code) ska vara fyra siffror inom citattecken",
        replace=[('"1460"', "[1460]")])
    add("inte-yaml", "filen är inte giltig YAML: fel på rad 3, kolumn 1.",
        text="municipality: Bengtsfors kommun\naddress: [Box 14\n")
    add("tabb", "filen är inte giltig YAML: fel på rad 2, kolumn 1.", text="municipality: X\n\tcommittee: Y\n")
    add("lista", "filen ska bestå av inställningar som namn: värde", text="- municipality\n- committee\n")
    add("text", "filen ska bestå av inställningar som namn: värde", text="Bengtsfors kommun\n")
    add("tom", "inställningarna municipality, municipality_code, committee och guideline saknas.", text="")
    add("saknar-kod", "inställningen municipality_code saknas.", replace=[('municipality_code: "1460"\n', "")])
    add("okand-nyckel", "okänd inställning 'guidline'. Menar du guideline?",
        replace=[("guideline: bengtsfors", "guidline: bengtsfors")])
    add("okand-nyckel-2", "okänd inställning 'databas'. De inställningar som finns är municipality, "
        "municipality_code, committee,", replace=[("chromium_path: null", "databas: postgresql://x")])
    add("namn-lista", "inställningen municipality ska vara en text, inte en lista.",
        replace=[("municipality: Bengtsfors kommun", "municipality: [Bengtsfors kommun]")])
    add("adress-text", "inställningen address ska vara en lista med rader",
        replace=[("address:\n  - Box 14\n  - 666 21 Bengtsfors", "address: Box 14, 666 21 Bengtsfors")])
    add("gallring", "inställningen retention_years ska vara ett helt antal år, från 1 till 100, inte 'fem'.",
        replace=[("retention_years: 5", "retention_years: fem")])
    add("gallring-noll", "inställningen retention_years ska vara ett helt antal år, från 1 till 100, inte '0'.",
        replace=[("retention_years: 5", "retention_years: 0")])
    add("flagga", "inställningen report_names_landlord_companies ska vara true eller false, inte 'ja'.",
        replace=[("chromium_path: null", "report_names_landlord_companies: ja")])
    add("undertecknare", "inställningen signatory ska ha name och title",
        replace=[('signatory:\n  name: ""\n  title: Ordförande, kommunstyrelsens sociala utskott',
          "signatory: Anna Andersson")])
    add("undertecknare-nyckel", "okänd inställning 'titel' under signatory. Där finns bara name och title.",
        replace=[("  title: Ordförande", "  titel: Ordförande")])
    add("logga-saknas", f"logotypen {etc}/logga.png (logo: logga.png) finns inte.",
        replace=[("logo: null", "logo: logga.png")])
    add("logga-typ", "logotypen logga.bmp (logo) kan inte användas: använd en PNG-, JPEG-, GIF- eller SVG-fil.",
        replace=[("logo: null", "logo: logga.bmp")])
    add("chromium-tal", "inställningen chromium_path ska vara en sökväg till Chromium, inte ett tal.",
        replace=[("chromium_path: null", "chromium_path: 5")])
    cases.append(("fil-saknas", etc / "finns-inte.yaml", {},
                  "inställningsfilen finns inte (DUMPNING_SETTINGS pekar på den)."))
    cases.append(("fil-mapp", etc, {}, "det är en mapp, inte inställningsfilen (DUMPNING_SETTINGS pekar på den)."))
    (etc / "latin1.yaml").write_bytes("municipality: Bengtsfors kommun\ncommittee: Sociala utskottet för "
                                      "Bengtsfors östra\n".encode("latin-1"))
    cases.append(("latin1", etc / "latin1.yaml", {}, "inställningsfilen är inte sparad som UTF-8."))
    ok = settings_copy(etc, "ok.yaml")
    cases.append(("miljo-riktlinje", ok, {"DUMPNING_GUIDELINE": str(tmp_path / "r.yaml")},
                  "riktlinjefilen finns inte (DUMPNING_GUIDELINE pekar på den)."))
    return cases


def every_command() -> list[list[str]]:
    """One argument list per command and subcommand of `dumpning-kit`, from the parser itself, so a command
    added later is tried too. Required values are placeholders: the settings are read before any is used."""
    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
        argv, subs = list(prefix), None
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                subs = a
            elif not a.option_strings and a.dest != "help":
                argv.append(a.choices[0] if a.choices else "1")
            elif a.required:
                argv += [a.option_strings[0], a.choices[0] if a.choices else "1"]
        if subs is None:
            return [argv]
        return [cmd for name, sub in subs.choices.items() for cmd in walk(sub, argv + [name])]
    return walk(build_parser(), [])


def assert_one_swedish_line(out: subprocess.CompletedProcess, file: Path, problem: str, what: str) -> str:
    assert out.returncode == 2, (what, out.returncode, out.stderr[-2000:])
    assert out.stdout == "", (what, out.stdout)
    lines = out.stderr.splitlines()
    assert len(lines) == 1, (what, out.stderr[-3000:])
    m = ERROR_LINE.fullmatch(lines[0])
    assert m, (what, lines[0])
    assert m["file"] == str(file), (what, lines[0])
    assert problem in m["problem"], (what, lines[0])
    for english in ("Traceback", "Error", "error:", "No such file", "not found", "while parsing", "column", "expected"):
        assert english not in lines[0], (what, english, lines[0])
    return lines[0]


def test_every_command_is_tried():
    names = {cmd[0] for cmd in every_command()}
    assert {"serve", "slides", "assess", "export", "demo", "report", "cases", "coverage", "due-date", "backup",
            "restore", "purge"} <= names
    assert ["export", "1"] in every_command() and ["assess", "--answers", "1"] in every_command()


def test_every_broken_settings_file_gives_one_swedish_line_and_exit_2(tmp_path):
    """Each mistake through the real CLI, rotating through the commands; the line names the file and the problem."""
    commands = every_command()
    cases = _broken(tmp_path)
    assert len(cases) >= 35
    for i, (name, path, env, problem) in enumerate(cases):
        for argv in (commands[i % len(commands)], DUE):
            out = kit(tmp_path, *argv, DUMPNING_SETTINGS=str(path), **env)
            named = Path(env["DUMPNING_GUIDELINE"]) if "DUMPNING_GUIDELINE" in env else path
            assert_one_swedish_line(out, named, problem, f"{name}: {' '.join(argv)}")
    assert not (tmp_path / "data").exists()  # nothing ran: no database, no data folder


def test_every_command_refuses_the_settings_copied_to_etc_with_the_old_relative_path(tmp_path):
    """Exactly the issue's case, through every command (serve, report, db ... included): never a traceback."""
    etc = settings_copy(tmp_path / "etc" / "dumpning-kit",
                        replace=[("guideline: bengtsfors", "guideline: ../guidelines/bengtsfors.yaml")])
    seen = set()
    for argv in every_command():
        out = kit(tmp_path, *argv, DUMPNING_SETTINGS=str(etc))
        seen.add(assert_one_swedish_line(out, etc, "guideline: bengtsfors", " ".join(argv)))
    assert len(seen) == 1  # the same line from every command
    assert not (tmp_path / "data").exists()


def test_load_settings_raises_the_same_sentence(tmp_path):
    from dumpning_kit.errors import GuidelineError
    p = settings_copy(tmp_path, replace=[('"1460"', '"9999"')])
    with pytest.raises(GuidelineError) as e:
        settings.load_settings(p)
    out = kit(tmp_path, "coverage", DUMPNING_SETTINGS=str(p))
    assert out.stderr.strip() == f"dumpning-kit: fel: {e.value}"


def test_a_file_the_account_may_not_read_is_named(tmp_path, monkeypatch):
    """Under the hub the kit runs as each caseworker's account: a settings or guideline file that account
    cannot read is said so (tested by refusing access, since the tests may run as root)."""
    from dumpning_kit.errors import GuidelineError
    own = two_month_guideline(tmp_path / "etc" / "riktlinje.yaml")
    etc = settings_copy(tmp_path / "etc", replace=[("guideline: bengtsfors", "guideline: riktlinje.yaml")])
    real_read, real_access = Path.read_text, os.access

    def read_text(self, *a, **k):
        if self == etc:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self, *a, **k)
    monkeypatch.setattr(Path, "read_text", read_text)
    with pytest.raises(GuidelineError) as e:
        settings.load_settings(etc)
    assert str(e.value) == f"{etc}: inställningsfilen går inte att läsa: kontot som kör verktyget saknar " \
                           "behörighet till den."
    monkeypatch.setattr(Path, "read_text", real_read)
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == own else real_access(p, mode))
    with pytest.raises(GuidelineError) as e:
        settings.load_settings(etc)
    assert str(e.value) == f"{etc}: riktlinjefilen {own} (guideline: riktlinje.yaml) går inte att läsa: kontot " \
                           "som kör verktyget saknar behörighet till den."
