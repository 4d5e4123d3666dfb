"""Packaging: environment.yml keeps step with pyproject.toml, and a wheel built from the repository
serves the app and exports a document from any folder (installed in a fresh venv outside the tree)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import socket
import time
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_NAMES = {"matplotlib-base": "matplotlib"}  # conda-forge name -> PyPI name


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(3).replace(" ", "")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = dict(_split(r) for r in project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted.update(_split(r) for r in extra)
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env["channels"] == ["conda-forge"]
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed.update(_split(r) for r in dep["pip"])
            continue
        name, spec = _split(dep)
        if name in ("python", "pip"):
            continue
        listed[CONDA_NAMES.get(name, name)] = spec
    assert listed == wanted
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert py.replace("python", "") == project["requires-python"]


def _site_packages(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return Path(out)


def fresh_venv(where: Path) -> Path:
    """A venv outside the source tree that sees the test venv's third-party packages (no download),
    but not its editable dumpning_kit. Returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    (_site_packages(python) / "outer-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip(python: Path, *args: str, cwd: Path | None = None) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *args], check=True,
                   cwd=cwd, capture_output=True)


def newcomer_env(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUMPNING_", "JUPYTER", "XDG_", "VIRTUAL_ENV"))}
    # The shared packages' data files (nbconvert's and Voilà's base templates) live under the test
    # venv's share/jupyter, which a fresh venv does not search on its own; a real install has them.
    env.update(HOME=str(home), PYTHONNOUSERSITE="1", JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"),
               **extra)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return env


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"nothing listens on port {port}")


def printed_app_url(log_path, seconds: float = 60) -> str:
    """The address with the secret key that `serve` prints on a line of its own, as a newcomer copies it."""
    import re
    deadline = time.time() + seconds
    while time.time() < deadline:
        m = re.search(r"^(http://\S+\?token=\S+)$", Path(log_path).read_text(encoding="utf-8", errors="replace"), re.M)
        if m:
            return m.group(1)
        time.sleep(0.3)
    raise AssertionError(f"serve printed no address with a key: {Path(log_path).read_text()[-2000:]}")


@pytest.mark.browser
def test_wheel_serves_the_app_and_exports_from_any_folder(tmp_path, page):
    from playwright.sync_api import expect

    from conftest import free_port
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    [wheel] = dist.glob("dumpning_kit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("dumpning_kit/_shipped/notebooks/arende.ipynb", "dumpning_kit/_shipped/notebooks/oversikt.ipynb",
              "dumpning_kit/_shipped/notebooks/utbildning.ipynb", "dumpning_kit/_shipped/notebooks/analys.ipynb",
              "dumpning_kit/_shipped/templates/dumpning_dokument/index.html.j2",
              "dumpning_kit/voila/templates/dumpning/index.html.j2", "dumpning_kit/guidelines/bengtsfors.yaml"):
        assert f in names, f
    python = fresh_venv(tmp_path / "venv")
    pip(python, "--no-deps", str(wheel))
    kit = tmp_path / "venv" / "bin" / "dumpning-kit"
    home, work = tmp_path / "home", tmp_path / "somewhere"
    home.mkdir()
    work.mkdir()
    env = newcomer_env(home)
    r = subprocess.run([str(kit), "demo"], cwd=work, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = home / ".local" / "share" / "dumpning-kit"
    assert (data / "dumpning.sqlite").is_file()
    r = subprocess.run([str(kit), "export", "SN 2026/1004", "--document", "ivo"], cwd=work, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pdf = Path(r.stdout.strip())
    assert pdf.is_relative_to(data / "exports") and pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Demo Demosson" in text and "Ansökan till IVO" in text
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([str(kit), "serve", "--port", str(port), "--no-preheat"], cwd=work, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        page.context.set_extra_http_headers({})  # no test token: only what serve printed
        page.goto(printed_app_url(tmp_path / "serve.log"))
        expect(page.get_by_role("link", name="SN 2026/1004")).to_be_visible(timeout=120_000)
        assert "Traceback" not in page.content()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
    assert list(work.iterdir()) == []  # nothing written in the folder it ran from
