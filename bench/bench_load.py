"""Bounded load test: N browser sessions at once create and fill a case each in the real app.

Loopback only. For each N it starts the project's Voilà on a fresh SQLite file, runs N Playwright
sessions concurrently (one Chromium, N contexts), checks in the database that every save is intact,
and reports the time, the failures and what one more session costs in server + kernel memory.

    python bench/bench_load.py [--sessions 1 2 4 8] [--timeout 240]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

from dumpning_kit.server import voila_argv

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    pids = [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split())]
    total = 0
    for p in pids:
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total += int(line.split()[1])
    return total / 1024


async def one_session(browser, url: str, i: int) -> tuple[bool, str]:
    ctx = await browser.new_context(locale="sv-SE")
    page = await ctx.new_page()
    page.set_default_timeout(120_000)
    try:
        await page.goto(url + "/", timeout=240_000)
        await page.get_by_role("button", name="Nytt ärende").click()
        values = {"Diarienummer *": f"LAST {i:03d}", "Personens namn *": f"Last Testsson {i}",
                  "Personnummer eller samordningsnummer *": "19811218-9876", "Handläggare *": f"H{i}",
                  "Kommun som personen flyttade från *": "Göteborg (1480)",
                  "Datum då personen flyttade hit *": "2026-11-02",
                  "Datum då personen kontaktade socialtjänsten här *": "2026-11-03"}
        for label, value in values.items():
            field = page.get_by_label(label, exact=True)
            await field.fill(value)
            await field.blur()
        await page.locator(".dk-q", has_text="Finns det barn i hushållet?").get_by_label("Nej", exact=True).check()
        await page.get_by_role("button", name="Skapa ärendet").click()
        await page.get_by_text("Sparat").first.wait_for()
        await page.get_by_role("button", name="2. Bedömning").click()
        field = page.get_by_label("Övrigt som har betydelse för bedömningen", exact=True)
        await field.fill(f"Anteckning från session {i}: åäö")
        await field.blur()
        await page.get_by_role("button", name="Spara", exact=True).click()
        await page.get_by_text("Sparat").first.wait_for()
        return True, ""
    except Exception as e:  # a bench reports failures instead of stopping
        return False, type(e).__name__
    finally:
        await ctx.close()


async def run(n: int, timeout: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="dk-load-"))
    env = {**os.environ, "DUMPNING_DATA_DIR": str(work / "data")}
    port = free_port()
    log = open(work / "voila.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.server", *voila_argv(port, preheat=True, pool_size=2)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
                break
            time.sleep(0.2)
        await asyncio.sleep(8)
        idle = rss_mib(proc.pid)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium"),
                                              args=ARGS)
            t0 = time.perf_counter()
            results = await asyncio.wait_for(
                asyncio.gather(*(one_session(browser, f"http://127.0.0.1:{port}", i) for i in range(n))), timeout)
            elapsed = time.perf_counter() - t0
            busy = rss_mib(proc.pid)
            await browser.close()
        from dumpning_kit.store import Store
        store = Store(f"sqlite:///{work / 'data' / 'dumpning.sqlite'}")
        intact = sum(1 for i in range(n)
                     if (c := store.find_by_diarienummer(f"LAST {i:03d}")) is not None
                     and c.answers.get("bedomning_kommentar") == f"Anteckning från session {i}: åäö")
        return {"sessions": n, "ok": sum(ok for ok, _ in results), "intact_in_db": intact,
                "errors": sorted({e for ok, e in results if not ok}), "seconds": round(elapsed, 1),
                "rss_idle_mib": round(idle), "rss_busy_mib": round(busy),
                "mib_per_session": round((busy - idle) / n, 1)}
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4, 8])
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    for n in args.sessions:
        r = asyncio.run(run(n, args.timeout))
        print(f"{r['sessions']} sessioner: {r['ok']} klara, {r['intact_in_db']} intakta i databasen, "
              f"{r['seconds']} s, minne {r['rss_idle_mib']} -> {r['rss_busy_mib']} MiB "
              f"({r['mib_per_session']} MiB per session) {r['errors'] or ''}", flush=True)


if __name__ == "__main__":
    main()
