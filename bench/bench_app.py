"""Time to the first visible widget: the case app against a one-widget notebook, same Voilà.

Runs the project's own Voilà (dumpning_kit.server) on a copy of the notebooks folder that also
holds `baseline.ipynb` (one Label, nothing else), cold and with preheated kernels, on demo data.
Reports medians and the ratio app / baseline. Loopback only; bounded number of loads.

    python bench/bench_app.py [--loads 6]
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

from dumpning_kit.server import NOTEBOOKS, voila_argv

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(root: Path, env: dict, preheat: bool):
    port = free_port()
    log = open(root / f"voila-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.server", *voila_argv(port, preheat=preheat, root=root)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.3).close()
            break
        time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


def rss_mib(pid: int) -> float:
    total = 0
    for p in [pid, *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split())]:
        with contextlib.suppress(FileNotFoundError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    total += int(line.split()[1])
    return total / 1024


def measure(browser, url: str, selector: str, loads: int, settle: float) -> list[float]:
    times = []
    for _ in range(loads):
        time.sleep(settle)  # let a preheated pool refill before the next page
        page = browser.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(selector, state="visible", timeout=120_000)
        times.append(time.perf_counter() - t0)
        page.close()
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=6)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dk-bench-"))
    root = work / "notebooks"
    shutil.copytree(NOTEBOOKS, root)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nw.Label('Tom sida')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, root / "baseline.ipynb")
    env = {**os.environ, "DUMPNING_DATA_DIR": str(work / "data")}
    subprocess.run([sys.executable, "-m", "dumpning_kit.cli", "demo"], env=env, check=True, capture_output=True)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium"), args=ARGS)
        for mode, preheat, settle in (("kall", False, 0.5), ("förvärmd", True, 6.0)):
            proc, url = start(root, env, preheat)
            time.sleep(8 if preheat else 1)
            try:
                base = measure(browser, url + "/voila/render/baseline.ipynb", "text=Tom sida", args.loads, settle)
                app = measure(browser, url + "/", "text=Nytt ärende", args.loads, settle)
                results[mode] = {"baseline_median_s": statistics.median(base), "app_median_s": statistics.median(app),
                                 "ratio": statistics.median(app) / statistics.median(base),
                                 "server_and_kernels_rss_mib": round(rss_mib(proc.pid), 1)}
            finally:
                proc.terminate()
                proc.wait(15)
        browser.close()
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=1, ensure_ascii=False))
    for mode, r in results.items():
        print(f"{mode}: tom sida {r['baseline_median_s']:.2f} s, ärendeappen {r['app_median_s']:.2f} s, "
              f"kvot {r['ratio']:.2f}")


if __name__ == "__main__":
    main()
