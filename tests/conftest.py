"""Shared fixtures: isolated data folders, a real Voilà server, and Debian's Chromium."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--lang=sv-SE"]
TODAY = "2026-11-27"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own data folder and a fixed 'today'."""
    monkeypatch.setenv("DUMPNING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DUMPNING_TODAY", TODAY)
    monkeypatch.setenv("DUMPNING_USER", "testhandlaggare")
    monkeypatch.delenv("DUMPNING_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    yield


@pytest.fixture
def store(tmp_path):
    from dumpning_kit.store import Store
    s = Store(f"sqlite:///{tmp_path / 'data' / 'test.sqlite'}")
    yield s
    s.close()


def postgres_url() -> str:
    """The test server's owner URL (DUMPNING_TEST_POSTGRES_URL); in CI a missing server fails."""
    url = os.environ.get("DUMPNING_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must start PostgreSQL and set DUMPNING_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("no PostgreSQL: set DUMPNING_TEST_POSTGRES_URL (bash .ci/postgres-setup prints one)")
    return url


def reset_postgres(url: str) -> None:
    """An empty schema, then `dumpning-kit db setup` (the database is owned by the test role)."""
    from sqlalchemy import create_engine
    from dumpning_kit import teamdb
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET client_min_messages = warning")
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()
    teamdb.setup(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    """The store on a real SQLite file and on a real PostgreSQL server (CI starts one), the
    latter set up by `dumpning-kit db setup` and used with the owner's URL."""
    from dumpning_kit.store import Store
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'data' / 'test.sqlite'}")
    else:
        url = postgres_url()
        reset_postgres(url)  # every test starts from an empty database
        s = Store(url)
    yield s
    s.close()


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: The fixed token every test server uses (DUMPNING_TOKEN); the `page` fixture sends it as an
#: Authorization header, so tests that are not about authentication keep using plain URLs.
TEST_TOKEN = "test-token-7f3a9c2e51d84b06"


class VoilaServer:
    def __init__(self, data_dir: Path, env: dict | None = None, preheat: bool = False, **argv_options):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        from dumpning_kit.server import voila_argv
        full_env = {**os.environ, "DUMPNING_DATA_DIR": str(data_dir), "DUMPNING_TOKEN": TEST_TOKEN, **(env or {})}
        self.token = full_env["DUMPNING_TOKEN"]
        self.login_url = f"{self.url}/?token={self.token}"  # what `dumpning-kit serve` prints
        self.log = open(data_dir.parent / f"voila-{self.port}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.server",
                                      *voila_argv(self.port, preheat=preheat, **argv_options)],
                                     env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voilà exited: {Path(self.log.name).read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            time.sleep(0.2)
        raise RuntimeError("Voilà did not start within 60 s")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture
def voila_server_factory(tmp_path):
    servers = []

    def make(env: dict | None = None, preheat: bool = False, **argv_options) -> VoilaServer:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
        srv = VoilaServer(data, env={"DUMPNING_TODAY": os.environ.get("DUMPNING_TODAY", TODAY), **(env or {})},
                          preheat=preheat, **argv_options)
        servers.append(srv)
        return srv
    yield make
    for s in servers:
        s.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect
    expect.set_options(timeout=30_000)  # a page load runs the notebook first; the machines are shared
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900},
                              extra_http_headers={"Authorization": f"token {TEST_TOKEN}"})
    pg = ctx.new_page()
    pg.set_default_timeout(30000)
    pg.set_default_navigation_timeout(120_000)  # Voilà runs the notebook before the page loads
    yield pg
    ctx.close()
