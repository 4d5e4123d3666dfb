"""The caseworker app under the team server (JupyterHub + PostgreSQL) against the local app.

Brings up a throw-away team server exactly as `make hub` does (deploy/teamserver.py, its own name,
ports and two accounts; removed afterwards) and a local `dumpning-kit serve` (same Voilà options,
preheated kernel, SQLite), then measures in headless Chromium:

- login to first widget: under the hub from submitting the hub's login form (PAM, spawning the
  caseworker's server, OAuth, page) to the case list's "Nytt ärende" button; locally from starting
  `dumpning-kit serve` to the same button (started while the hub runs) (the local app's equivalent of logging in);
- reload: a reload of the case list once the server runs (median of 5, hub and local reloads
  interleaved, with time between them for the preheated kernel to be refilled), hub vs local: the 1.5x target of issue 10;
- memory: resident memory (RSS) of every process of one logged-in caseworker's account (their
  server and its kernels), mean over the two caseworkers.

Run as root: `.venv/bin/python bench/bench_hub.py`. Prints `BENCH key = value | explanation` lines.
"""
from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "deploy"))
import teamserver  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--lang=sv-SE"]
RELOADS = 5
PAUSE = 8.0  # seconds between reloads: the preheated kernel pool refills in the background
TOKEN = "bench-" + secrets.token_hex(8)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_widget(page, timeout=240_000) -> None:
    page.get_by_role("button", name="Nytt ärende").wait_for(state="visible", timeout=timeout)


def rss_mib(user: str) -> float:
    out = subprocess.run(["ps", "-u", user, "-o", "rss="], capture_output=True, text=True).stdout
    return sum(int(x) for x in out.split()) / 1024


class LocalApp:
    """`dumpning-kit serve` (SQLite, preheated), started and opened like a caseworker on one machine."""

    def __init__(self, browser, tmp: Path):
        self.port = free_port()
        env = {**os.environ, "DUMPNING_DATA_DIR": str(tmp / "local-data"), "DUMPNING_TOKEN": TOKEN,
               "DUMPNING_TODAY": "2026-11-27"}
        env.pop("DUMPNING_DATABASE_URL", None)
        t = time.perf_counter()
        self.proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "dumpning-kit"), "serve", "--port", str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.perf_counter() - t > 180:
                    raise RuntimeError("dumpning-kit serve did not start")
                time.sleep(0.1)
        self.ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
        self.page = self.ctx.new_page()
        self.page.goto(f"http://127.0.0.1:{self.port}/?token={TOKEN}", wait_until="commit", timeout=240_000)
        first_widget(self.page)
        self.login = time.perf_counter() - t

    def stop(self):
        self.ctx.close()
        self.proc.terminate()
        self.proc.wait(20)


def reload_once(page) -> float:
    t = time.perf_counter()
    page.reload(wait_until="commit")
    first_widget(page)
    return time.perf_counter() - t


def hub_login(browser, team, user):
    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{team.url}/hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(team.users[user])
    t = time.perf_counter()
    page.locator("#login_submit").click()
    first_widget(page)
    return ctx, page, time.perf_counter() - t


def main() -> int:
    if os.geteuid() != 0:
        sys.stderr.write("bench_hub: kör som root (teamservern skapar konton och databasroller).\n")
        return 2
    from playwright.sync_api import sync_playwright
    import tempfile
    print(f"load average at start: {os.getloadavg()}")
    name = "dkhubb" + secrets.token_hex(3)
    users = {f"{name}anna": "Anna-" + secrets.token_hex(6), f"{name}bosse": "Bosse-" + secrets.token_hex(6)}
    team = teamserver.Instance(name, users, free_port(), free_port(), free_port(), today="2026-11-27")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium"),
                                    args=CHROMIUM_ARGS)
        local = None
        try:
            team.setup()
            team.start()
            anna, bosse = users
            local = LocalApp(browser, Path(tmp))
            ctx_a, page_a, login_hub = hub_login(browser, team, anna)
            reload_hub, reload_local = [], []
            for _ in range(RELOADS):  # interleaved, so both see the same load on the shared machine
                time.sleep(PAUSE)
                reload_hub.append(reload_once(page_a))
                time.sleep(PAUSE)
                reload_local.append(reload_once(local.page))
            login_local = local.login
            local.stop()
            local = None
            ctx_b, page_b, login_hub_b = hub_login(browser, team, bosse)
            time.sleep(PAUSE)  # both servers with their preheated kernel refilled
            rss = [rss_mib(anna), rss_mib(bosse)]
            ctx_a.close()
            ctx_b.close()
        finally:
            if local is not None:
                local.stop()
            team.teardown()
        browser.close()
    lh, rh, ll, rl = statistics.median([login_hub, login_hub_b]), statistics.median(reload_hub), login_local, \
        statistics.median(reload_local)
    print(f"hub logins {login_hub:.2f}/{login_hub_b:.2f} s, hub reloads {[round(x, 2) for x in reload_hub]}, "
          f"local start {ll:.2f} s, local reloads {[round(x, 2) for x in reload_local]}, RSS {[round(x) for x in rss]} MiB")
    print(f"BENCH hub.reload_ratio = {rh / rl:.2f}x | case list reload to first widget, hub {rh:.2f} s vs local "
          f"dumpning-kit serve {rl:.2f} s, median of {RELOADS} interleaved, both preheated (target <= 1.5x)")
    print(f"BENCH hub.login_ratio = {lh / ll:.2f}x | hub login form to first widget incl. spawning the server "
          f"{lh:.2f} s vs local start of dumpning-kit serve to first widget {ll:.2f} s")
    print(f"BENCH hub.login_first_widget = {lh:.2f}s | hub login to the case list, median of 2 caseworkers")
    print(f"BENCH hub.reload_first_widget = {rh:.2f}s | reload of the case list under the hub, median of {RELOADS}")
    print(f"BENCH hub.rss_per_caseworker = {statistics.mean(rss):.0f}MiB | RSS of one logged-in caseworker's "
          f"processes (server + preheated and page kernels), mean of 2")
    print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
