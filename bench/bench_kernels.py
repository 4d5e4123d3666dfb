"""Kernels alive after many page views: each closed page's kernel must stop at once.

Starts the real app (preheated, as `dumpning-kit serve` runs it) on demo data, opens the case
list and then N cases one after the other in Chromium, the way a caseworker clicks through
them, and counts the server's kernel processes and their memory after each view.

    .venv/bin/python bench/bench_kernels.py [--views 25]
"""
from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=sv-SE"]


def kernel_pids(server_pid: int) -> list[int]:
    """The kernel processes the server started (children running ipykernel)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        ppid = int(status.split("PPid:")[1].split()[0])
        if ppid == server_pid and b"ipykernel" in cmd:
            out.append(int(d.name))
    return out


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


def wait_for_kernels(server_pid: int, at_most: int, timeout: float = 20.0) -> list[int]:
    """Kernel pids once there are at most `at_most` (shutdown takes a moment), or after timeout."""
    deadline = time.time() + timeout
    pids = kernel_pids(server_pid)
    while len(pids) > at_most and time.time() < deadline:
        time.sleep(0.25)
        pids = kernel_pids(server_pid)
    return pids


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int, token: str, preheat: bool = True) -> subprocess.Popen:
    from dumpning_kit.server import voila_argv
    env = {**os.environ, "DUMPNING_DATA_DIR": str(data_dir), "DUMPNING_TOKEN": token}
    log = open(data_dir / f"voila-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.server", *voila_argv(port, preheat=preheat)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("Voilà did not start")


def page_views(page, base: str, case_ids: list[int], views: int, server_pid: int, report=None) -> list[int]:
    """Open `views` case pages in a row (from the list page already open); returns the kernel count
    after each view. Expected: 2 (the open page's kernel and the preheated one waiting)."""
    from playwright.sync_api import expect
    counts = []
    for i in range(views):
        url = f"{base}/?arende={case_ids[i % len(case_ids)]}"
        page.goto(url, wait_until="load", timeout=180_000)
        expect(page.locator("h1").first).to_be_visible(timeout=120_000)
        page.wait_for_function("document.cookie.includes('_xsrf')", timeout=30_000)
        # the previous page's kernel is shut down by its close call; the pool refills one
        pids = wait_for_kernels(server_pid, at_most=2)
        counts.append(len(pids))
        if report:
            report(i + 1, len(pids), rss_mib(pids))
    return counts


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--views", type=int, default=25)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    from dumpning_kit.demo import create_demo_cases
    from dumpning_kit.store import Store
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = Store(f"sqlite:///{data / 'dumpning.sqlite'}")
        ids = create_demo_cases(store, count=30)
        store.close()
        port, token = free_port(), "bench-token-0123456789"
        proc = start_server(data, port, token)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_context(locale="sv-SE").new_page()
                page.goto(f"http://127.0.0.1:{port}/?token={token}", timeout=180_000)  # token -> cookie
                page.locator("h1").first.wait_for(timeout=120_000)  # the case list, view 0
                t0 = time.time()
                counts = page_views(page, f"http://127.0.0.1:{port}", ids, args.views, proc.pid,
                                    report=lambda n, k, mib: print(f"vy {n:>2}: {k} kärnor, {mib:.0f} MiB"))
                elapsed = time.time() - t0
                browser.close()
            pids = kernel_pids(proc.pid)
            print(f"Efter {args.views} sidvisningar: {len(pids)} kärnor igång ({rss_mib(pids):.0f} MiB), "
                  f"högst {max(counts)} under körningen, {elapsed / args.views:.1f} s per sidvisning.")
        finally:
            proc.terminate()
            proc.wait(20)
            log = next(data.glob("voila-*.log")).read_text()
            if os.environ.get("BENCH_LOG"):
                Path(os.environ["BENCH_LOG"]).write_text(log)
            print(f"Kärnor som stängdes medan servern körde: {log.count('Kernel shutdown:')}; "
                  f"nekade stängningsanrop: {log.count('403 POST /voila/api/shutdown/')}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
