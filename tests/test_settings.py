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
