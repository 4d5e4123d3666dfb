"""The case app against the floor of its architecture, side by side on the same Voilà.

Three measurements, each as a ratio to a plain ipywidgets notebook served by the same server in
the same run (the machine is shared and noisy, so only ratios are comparable across runs):

- start: time from the address to the first visible widget, the case app's case list ("Nytt
  ärende") against ``baseline.ipynb`` (one button, nothing else), cold (a kernel is started for
  the page) and preheated (Voilà's pool has a kernel waiting); loads alternate between the two.
- step: time from the click on a step to that step visible (its heading and its buttons), over
  every step of a full demo case, each change with a save (one text answer is edited before the
  click), against ``floor.ipynb``, which swaps in a step of 15 radio groups on a click. Timed in
  the page (performance.now() from the click event to the first frame where the step is there).
- rss: the kernel of one open case page after its first screen, against the baseline's kernel.

Also the server's own start (process start to its port answering). Loopback only; a bounded
number of loads. Prints ``BENCH key = value | explanation`` lines (see docs and contract).

    python bench/bench_app.py [--loads 5] [--rounds 3] [--only start step rss]
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

from dumpning_kit.server import DEFAULT_APPS, NOTEBOOKS, voila_argv

CHROMIUM = os.environ.get("DUMPNING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "bench-token-4c1d8e0a9b7f2635"

BASELINE = "import ipywidgets as w\nw.Button(description='Tom sida')"

#: The floor: what any ipywidgets page with this layout costs on this Voilà. A row of step buttons,
#: and a click swaps in a new step of 15 radio groups (new widgets, as the app makes them) with a
#: heading and two buttons below, like a step of the case app.
FLOOR = '''import ipywidgets as w
N = 8
body = w.VBox()
buttons = [w.Button(description=f"{i + 1}. Steg {i + 1}") for i in range(N)]
def show(i):
    groups = [w.RadioButtons(options=[("Ja", "ja"), ("Nej", "nej"), ("Vet inte", "vet_ej")], value=None,
                             description=f"Fråga {i + 1}.{k + 1}", style={"description_width": "initial"})
              for k in range(15)]
    body.children = [w.HTML(f"<h2>Steg {i + 1} i golvet</h2>"), *groups,
                     w.HBox([w.Button(description="Spara"), w.Button(description="Spara och gå vidare")])]
for i, b in enumerate(buttons):
    b.on_click(lambda _b, i=i: show(i))
show(0)
w.VBox([w.HTML("<h1>Golv</h1>"), w.HBox(buttons, layout=w.Layout(flex_flow="row wrap")), body])'''

#: In the page: the time from the last click to the first animation frame where `ready()` holds.
WAIT_JS = """([heading, doneText]) => {
  const visible = e => e && e.offsetParent !== null;
  const h = [...document.querySelectorAll('h2')].find(e => e.textContent.trim().startsWith(heading) && visible(e));
  if (!h) return null;
  const done = [...document.querySelectorAll('button, strong')].some(
      b => doneText.includes(b.textContent.trim()) && visible(b));
  return done ? performance.now() - window.__dkClick : null;
}"""
#: What shows that a step is all there: its buttons below the questions, the note that it does not
#: apply, or (the summary) the documents' button at its end.
STEP_DONE = ["Spara", "Steget är inte aktuellt just nu.", "Skapa alla som PDF"]
ARM_JS = ("() => { window.__dkClick = null; document.addEventListener('click', "
          "() => { window.__dkClick = performance.now(); }, {capture: true, once: true}); }")


#: The server as `dumpning-kit serve` runs it, allowed to serve the two bench notebooks as well.
BENCH_APPS = {"baseline": "baseline.ipynb", "floor": "floor.ipynb"}
LAUNCH = ("import sys, dumpning_kit.server as s\n"
          f"s.APPS.update({BENCH_APPS!r})\n"
          "s.main(sys.argv[1:])")


def load_line(label: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"{label}: belastning (load average) {one:.2f} {five:.2f} {fifteen:.2f}"


def bench_line(key: str, value: str, text: str) -> None:
    print(f"BENCH {key} = {value} | {text}", flush=True)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (no interpolation: a real observed value)."""
    s = sorted(values)
    return s[max(0, -(-len(s) * 95 // 100) - 1)]


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_pids(server_pid: int) -> list[int]:
    """The kernel processes the server started (children running ipykernel)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        if int(status.split("PPid:")[1].split()[0]) == server_pid and b"ipykernel" in cmd:
            out.append(int(d.name))
    return out


def rss_mib(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    """The project's Voilà on a work folder (notebooks + data), as `dumpning-kit serve` runs it."""

    def __init__(self, work: Path, preheat: bool, pool_size: int = 1, cull_seconds: int = 900):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "DUMPNING_DATA_DIR": str(work / "data"), "DUMPNING_TOKEN": TOKEN}
        self.log = open(work / f"voila-{self.port}.log", "w")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH,
                                      *voila_argv(self.port, preheat=preheat, pool_size=pool_size,
                                                  cull_seconds=cull_seconds, root=work / "notebooks",
                                                  apps=(*DEFAULT_APPS, *BENCH_APPS))],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("Voilà stopped: " + Path(self.log.name).read_text()[-2000:])
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.3).close()
                break
            time.sleep(0.05)
        self.start_seconds = time.perf_counter() - t0

    def wait_pool(self, kernels: int, timeout: float = 60) -> None:
        """Wait until `kernels` kernels run and have been idle for a moment (a preheated pool is full)."""
        deadline = time.time() + timeout
        while time.time() < deadline and len(kernel_pids(self.proc.pid)) < kernels:
            time.sleep(0.2)
        time.sleep(1.5)  # the pool's kernels have run their notebook's first cells

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def prepare(work: Path) -> tuple[int, list[str]]:
    """Notebooks folder with baseline and floor next to the app's; demo data. Returns the demo case
    with the most steps that apply, and the titles of the app's steps."""
    root = work / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, src in (("baseline.ipynb", BASELINE), ("floor.ipynb", FLOOR)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, root / name)
    (work / "data").mkdir()
    env = {**os.environ, "DUMPNING_DATA_DIR": str(work / "data")}
    code = ("from dumpning_kit.store import Store\nfrom dumpning_kit.demo import create_demo_cases\n"
            "s = Store()\ncreate_demo_cases(s)\n"
            "full = max(s.list_cases(), key=lambda c: (sum(st.applies for st in s.state(c).steps), len(c.answers)))\n"
            "import json\nprint(json.dumps([full.id, [st.title for st in s.g.steps] + ['Sammanställning']]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    case_id, titles = json.loads(out.stdout.splitlines()[-1])
    return case_id, titles


def new_context(browser):
    return browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900},
                               extra_http_headers={"Authorization": f"token {TOKEN}"})


def first_widget(ctx, url: str, selector: str) -> float:
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(selector, state="visible", timeout=180_000)
    elapsed = time.perf_counter() - t0
    page.close(run_before_unload=True)  # Voilà's page close call stops the kernel at once
    return elapsed


def bench_start(browser, work: Path, loads: int) -> dict:
    out = {}
    for mode, preheat in (("cold", False), ("preheated", True)):
        srv = Server(work, preheat=preheat)
        out.setdefault("server_start", []).append(srv.start_seconds)
        try:
            ctx = new_context(browser)
            if preheat:
                srv.wait_pool(3)  # app, baseline, floor: one kernel each
            base, app = [], []
            for i in range(loads + 1):  # the first pair warms the server's own caches; not counted
                for name, url, sel in (("base", srv.url + "/voila/render/baseline.ipynb", "text=Tom sida"),
                                       ("app", srv.url + "/", "text=Nytt ärende")):
                    if preheat:
                        srv.wait_pool(3)
                    else:
                        time.sleep(0.5)
                    t = first_widget(ctx, url, sel)
                    if i:
                        (base if name == "base" else app).append(t)
            ctx.close()
        finally:
            srv.stop()
        out[mode] = {"base": base, "app": app, "ratio": statistics.median(app) / statistics.median(base)}
    return out


def _step_change(page, button_name: str, heading: str, done: list[str]) -> float:
    page.evaluate(ARM_JS)
    page.get_by_role("button", name=button_name, exact=False).first.click()
    handle = page.wait_for_function(WAIT_JS, arg=[heading, done], polling="raf", timeout=120_000)
    return float(handle.json_value())


def _edit_one_text(page, i: int) -> bool:
    """Change one text answer of the current step, so the step change saves (as a caseworker's would)."""
    candidates = [page.locator(".dk-wizard textarea")]
    candidates += [page.get_by_label(label, exact=True) for label in ("Handläggare *", "Hyresvärdens namn",
                                                                         "Hyresvärdens namn *")]
    for loc in candidates:
        for k in range(loc.count()):
            f = loc.nth(k)
            if f.is_visible() and f.is_editable():
                old = f.input_value()
                f.fill((old.rstrip(" .0123456789") or "Bänk") + f" {i}.")
                f.blur()
                time.sleep(0.8)  # the kernel has taken the change (and refreshed the panel) before the click
                return True
    return False


def bench_steps(browser, work: Path, case_id: int, titles: list[str], rounds: int) -> dict:
    srv = Server(work, preheat=False)
    app_times, floor_times, per_step, first_visit = [], [], {}, {}
    try:
        ctx = new_context(browser)
        floor = ctx.new_page()
        floor.goto(srv.url + "/voila/render/floor.ipynb", timeout=180_000)
        floor.wait_for_selector("text=Steg 1 i golvet", timeout=180_000)
        app = ctx.new_page()
        app.goto(f"{srv.url}/?arende={case_id}", timeout=180_000)
        app.wait_for_selector("h1:has-text('Ärende')", timeout=180_000)
        n = len(titles)
        order = [*range(1, n), 0]  # 2, 3, ..., the summary, then back to 1
        edits = saves = 0
        for r in range(rounds + 1):  # the first round warms caches and lazy imports; not counted
            for i in order:
                floor.bring_to_front()
                t = _step_change(floor, f"{i + 1}. Steg {i + 1}", f"Steg {i + 1} i golvet", ["Spara"])
                if r:
                    floor_times.append(t)
                app.bring_to_front()
                edits += 1
                saves += _edit_one_text(app, edits)
                t = _step_change(app, f"{i + 1}. {titles[i]}", titles[i], STEP_DONE)
                if r:
                    app_times.append(t)
                    per_step.setdefault(titles[i], []).append(t)
                else:
                    first_visit[titles[i]] = t
        ctx.close()
    finally:
        srv.stop()
    return {"app": app_times, "floor": floor_times, "per_step": per_step, "saves": saves, "changes": edits,
            "first_visit": first_visit}


def bench_rss(browser, work: Path, case_id: int) -> dict:
    srv = Server(work, preheat=False)
    out = {}
    try:
        ctx = new_context(browser)
        for name, url, sel in (("base", srv.url + "/voila/render/baseline.ipynb", "text=Tom sida"),
                               ("case", f"{srv.url}/?arende={case_id}", "h1:has-text('Ärende')"),
                               ("list", srv.url + "/", "text=Nytt ärende")):
            before = set(kernel_pids(srv.proc.pid))
            page = ctx.new_page()
            page.goto(url, timeout=180_000)
            page.wait_for_selector(sel, timeout=180_000)
            time.sleep(2)
            new = [pid for pid in kernel_pids(srv.proc.pid) if pid not in before]
            out[name] = rss_mib(new[0]) if len(new) == 1 else float("nan")
            page.close(run_before_unload=True)
        ctx.close()
    finally:
        srv.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=5, help="page loads per notebook and mode")
    ap.add_argument("--rounds", type=int, default=3, help="walks through all steps")
    ap.add_argument("--only", nargs="+", default=["start", "step", "rss"], choices=["start", "step", "rss"])
    args = ap.parse_args()
    print(load_line("start"), flush=True)
    from playwright.sync_api import sync_playwright
    work = Path(tempfile.mkdtemp(prefix="dk-bench-app-"))
    try:
        case_id, titles = prepare(work)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            if "start" in args.only:
                r = bench_start(browser, work, args.loads)
                for mode, label in (("cold", "kall kärna"), ("preheated", "förvärmd kärna")):
                    m = r[mode]
                    print(f"start, {label}: tom sida {statistics.median(m['base']):.2f} s "
                          f"({min(m['base']):.2f}-{max(m['base']):.2f}), ärendeappen {statistics.median(m['app']):.2f} s "
                          f"({min(m['app']):.2f}-{max(m['app']):.2f})", flush=True)
                bench_line("app.cold_start_ratio", f"{r['cold']['ratio']:.2f}x",
                           f"first widget, case list vs one-button notebook, same Voilà, no preheat, "
                           f"median of {args.loads} each (target <= 1.2x)")
                bench_line("app.preheated_start_ratio", f"{r['preheated']['ratio']:.2f}x",
                           f"first widget, case list vs one-button notebook, same Voilà, preheated pool, "
                           f"median of {args.loads} each (target <= 1.2x)")
                bench_line("app.server_start_s", f"{statistics.median(r['server_start']):.2f}s",
                           "dumpning-kit server process start to its port answering, median of 2")
            if "step" in args.only:
                r = bench_steps(browser, work, case_id, titles, args.rounds)
                for title, ts in r["per_step"].items():
                    print(f"steg {title}: median {statistics.median(ts):.0f} ms, högst {max(ts):.0f} ms", flush=True)
                a, f = r["app"], r["floor"]
                print(f"steg: ärendeappen median {statistics.median(a):.0f} ms p95 {p95(a):.0f} ms max {max(a):.0f} ms; "
                      f"golvet median {statistics.median(f):.0f} ms p95 {p95(f):.0f} ms max {max(f):.0f} ms; "
                      f"{r['saves']} av {r['changes']} stegbyten sparade en ändring", flush=True)
                bench_line("app.step_median_ratio", f"{statistics.median(a) / statistics.median(f):.2f}x",
                           f"click to step visible, save included, case app vs floor notebook (15 radio groups), "
                           f"{len(a)} changes each, median (target <= 1.0x)")
                bench_line("app.step_p95_ratio", f"{p95(a) / p95(f):.2f}x",
                           f"same {len(a)} step changes, 95th percentile app vs floor (target <= 1.2x)")
                bench_line("app.step_max_ms", f"{max(a):.0f}ms", f"slowest single step change of the app "
                           f"(floor's slowest {max(f):.0f} ms)")
                first = r["first_visit"]
                print("första besöket per steg (ingår inte ovan): " + ", ".join(f"{k} {v:.0f} ms" for k, v in first.items()))
                bench_line("app.step_first_visit_max_ms", f"{max(first.values()):.0f}ms",
                           f"slowest first visit of a step in a newly opened case (warm-up round, not in the "
                           f"ratios; floor's median {statistics.median(f):.0f} ms)")
            if "rss" in args.only:
                r = bench_rss(browser, work, case_id)
                print(f"kärnans minne (RSS): tom sida {r['base']:.0f} MiB, ärendelistan {r['list']:.0f} MiB, "
                      f"öppet ärende {r['case']:.0f} MiB", flush=True)
                bench_line("app.case_kernel_rss_mib", f"{r['case']:.0f}MiB",
                           f"kernel RSS of one open case page after its first screen (one-button notebook's "
                           f"kernel {r['base']:.0f} MiB; target <= 100 MiB)")
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        print(load_line("slut"), flush=True)


if __name__ == "__main__":
    main()
