"""Load bench: N caseworkers at once, each creating and saving a case in the real app.

Loopback only. Starts the project's Voilà as `dumpning-kit serve` runs it (preheated) on a fresh
SQLite file (or ``--database-url``), and one Chromium with one browser context per caseworker
(lighter than a browser each, and every session is still a real page with real widgets). The
sessions arrive ``--ramp`` seconds apart; each opens the case list, creates a case (step 1), goes
to step 2 and saves a note there. All N pages stay open until the last session is done, so N case
pages are held at once; then each kernel's memory is read. Afterwards the database is read back:
every case and every note must be there, intact. Save latency (click on the save button to
"Sparat" on screen) is timed in the page.

    python bench/bench_load.py [--sessions 20] [--ramp 3.0] [--timeout 1500]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import ARGS, CHROMIUM, TOKEN, Server, bench_line, kernel_pids, load_line, p95, rss_mib  # noqa: E402

#: Click to "Sparat HH:MM" visible, timed in the page (polled every 20 ms, background pages included).
ARM_JS = ("() => { window.__dkClick = null; document.addEventListener('click', "
          "() => { window.__dkClick = performance.now(); }, {capture: true, once: true}); }")
SAVED_JS = """() => {
  const ok = [...document.querySelectorAll('.dk-ok')].some(e => /^Sparat \\d\\d:\\d\\d/.test(e.textContent.trim())
                                                            && e.offsetParent !== null);
  return ok ? performance.now() - window.__dkClick : null;
}"""
NOTE = "Anteckning från session {i}: åäö ÅÄÖ – ”citat”"


def kernels_by_id(server_pid: int, kernel_ids: set) -> list[int]:
    """The processes of the given kernels (their command line names the connection file)."""
    out = []
    for pid in kernel_pids(server_pid):
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace")
            if any(f"kernel-{k}.json" in cmd for k in kernel_ids):
                out.append(pid)
    return out


def values(i: int) -> dict:
    return {"Diarienummer *": f"LAST {i:03d}", "Personens namn *": f"Last Testsson {i}",
            "Personnummer eller samordningsnummer *": "19811218-9876", "Handläggare *": f"Handläggare {i}",
            "Kommun som personen flyttade från *": "Göteborg (1480)",
            "Datum då personen flyttade hit *": "2026-11-02",
            "Datum då personen kontaktade socialtjänsten här *": "2026-11-03"}


async def timed_save(page, button: str) -> float:
    await page.evaluate(ARM_JS)
    await page.get_by_role("button", name=button, exact=True).click()
    handle = await page.wait_for_function(SAVED_JS, polling=20, timeout=600_000)
    return float(await handle.json_value()) / 1000


async def one_session(browser, url: str, i: int, delay: float, all_done: asyncio.Event, done: list) -> dict:
    await asyncio.sleep(delay)
    ctx = await browser.new_context(locale="sv-SE", extra_http_headers={"Authorization": f"token {TOKEN}"})
    page = await ctx.new_page()
    page.set_default_timeout(600_000)
    out = {"ok": False, "saves": [], "error": ""}
    where = "sidan"
    try:
        t0 = time.perf_counter()
        await page.goto(url + "/", timeout=600_000)
        await page.get_by_role("button", name="Nytt ärende").click()
        out["open_s"] = time.perf_counter() - t0
        where = "steg 1"
        for label, value in values(i).items():
            field = page.get_by_label(label, exact=True)
            await field.fill(value)
            await field.blur()
        await page.locator(".dk-q", has_text="Finns det barn i hushållet?").get_by_label("Nej", exact=True).check()
        out["saves"].append(await timed_save(page, "Skapa ärendet"))
        where = "steg 2"
        await page.get_by_role("button", name="2. Bedömning").click()
        field = page.get_by_label("Övrigt som har betydelse för bedömningen", exact=True)
        await field.fill(NOTE.format(i=i))
        await field.blur()
        out["saves"].append(await timed_save(page, "Spara"))
        out["ok"] = True
    except Exception as e:  # a bench reports failures instead of stopping
        out["error"] = f"{where}: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
    finally:
        done.append(i)
        if len(done) >= all_done.n:  # type: ignore[attr-defined]
            all_done.set()
        await all_done.wait()  # every page stays open until the last session is done
        out["page"] = page
        out["ctx"] = ctx
    return out


async def run(n: int, ramp: float, timeout: float, database_url: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="dk-load-"))
    (work / "notebooks").symlink_to(Path(__file__).resolve().parent.parent / "notebooks")
    env_url = database_url or f"sqlite:///{work / 'data' / 'dumpning.sqlite'}"
    (work / "data").mkdir()
    os.environ["DUMPNING_DATABASE_URL"] = env_url
    srv = Server(work, preheat=True, pool_size=2)
    try:
        srv.wait_pool(2)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            all_done = asyncio.Event()
            all_done.n = n  # type: ignore[attr-defined]
            done: list = []
            t0 = time.perf_counter()
            results = await asyncio.wait_for(asyncio.gather(
                *(one_session(browser, srv.url, i, i * ramp, all_done, done) for i in range(n))), timeout)
            elapsed = time.perf_counter() - t0
            await asyncio.sleep(2)
            ids = set()
            for r in results:
                with contextlib.suppress(Exception):
                    ids.add(await r["page"].evaluate(
                        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"))
            pids = kernels_by_id(srv.proc.pid, ids)  # the open case pages' kernels, not the pool's
            kernels = sorted(rss_mib(pid) for pid in pids)
            server = rss_mib(srv.proc.pid)
            for r in results:
                await r.pop("ctx").close()
                r.pop("page")
            await browser.close()
    finally:
        srv.stop()
    from dumpning_kit.store import Store
    store = Store(env_url)
    intact = 0
    for i in range(n):
        c = store.find_by_diarienummer(f"LAST {i:03d}")
        if c is None:
            continue
        want = {"namn": f"Last Testsson {i}", "handlaggare": f"Handläggare {i}", "personnummer": "19811218-9876",
                "bedomning_kommentar": NOTE.format(i=i)}
        intact += all(c.answers.get(k) == v for k, v in want.items())
    store.close()
    saves = [s for r in results for s in r["saves"]]
    return {"n": n, "ok": sum(r["ok"] for r in results), "intact": intact, "seconds": elapsed,
            "errors": sorted({r["error"] for r in results if r["error"]}), "saves": saves,
            "open": [r["open_s"] for r in results if "open_s" in r],
            "kernels": kernels, "server_mib": server, "work": work}


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the server on a kill, too
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[20])
    ap.add_argument("--ramp", type=float, default=3.0, help="seconds between two sessions' arrival")
    ap.add_argument("--timeout", type=float, default=1500)
    ap.add_argument("--database-url", default=None, help="a test database instead of a fresh SQLite file")
    args = ap.parse_args()
    print(load_line("start"), flush=True)
    for n in args.sessions:
        r = asyncio.run(run(n, args.ramp, args.timeout, args.database_url))
        for key in ("kernels", "saves", "open"):
            r[key] = r[key] or [float("nan")]  # nothing measured: say so instead of stopping
        k = r["kernels"]
        print(f"{n} sessioner: {r['ok']} klara, {r['intact']} intakta i databasen, {r['seconds']:.0f} s; "
              f"sidan öppen efter median {statistics.median(r['open']):.1f} s (högst {max(r['open']):.1f} s); "
              f"sparningar median {statistics.median(r['saves']):.2f} s, p95 {p95(r['saves']):.2f} s, "
              f"högst {max(r['saves']):.2f} s; {len(k)} kärnor, median {statistics.median(k):.0f} MiB "
              f"(högst {max(k):.0f}), servern {r['server_mib']:.0f} MiB {r['errors'] or ''}", flush=True)
        bench_line(f"load.sessions_intact_{n}", f"{r['intact']}/{n}",
                   f"{n} concurrent caseworker sessions (one Chromium, a context each), cases and notes read "
                   f"back intact from the database, {r['ok']} sessions without error")
        bench_line(f"load.save_p95_{n}", f"{p95(r['saves']):.2f}s",
                   f"95th percentile of {len(r['saves'])} saves (click to 'Sparat' visible) with {n} sessions; "
                   f"median {statistics.median(r['saves']):.2f}s")
        bench_line(f"load.kernel_rss_{n}", f"{statistics.median(k):.0f}MiB",
                   f"median kernel RSS of {len(k)} open case pages held at once (max {max(k):.0f} MiB; "
                   f"target <= 100 MiB)")
    print(load_line("slut"), flush=True)


if __name__ == "__main__":
    main()
