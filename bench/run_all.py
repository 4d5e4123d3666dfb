"""Run every bench/bench_*.py once and print one table of their headline figures.

    python bench/run_all.py [--only app,register] [--timeout 1800]   (what `make bench` runs)

Each script prints its headline figures as ``BENCH <key> = <value> | <explanation>`` lines
(docs: the shared benchmark contract); this runner streams each script's own output, reads
those lines, notes the load average (os.getloadavg, 1/5/15 min) just before and just after
each script, and ends with one table: every figure of the run, with the load it was
measured under, then the explanations.

Exit status: 0 when every script ran and met its target; 3 when all ran but one reported a
missed target (exit 3 from the script); 1 when a script failed (any other exit status, a
timeout, or no BENCH line at all): the table still shows the others.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_LINE = re.compile(r"^BENCH\s+(?P<key>[A-Za-z0-9_.\-]+)\s*=\s*(?P<value>\S+)\s*\|\s*(?P<why>.*)$")
#: Run first, in this order (the quick, app-level figures); any other bench_*.py follows by name.
PREFERRED = ("bench_app.py", "bench_load.py", "bench_kernels.py", "bench_hub.py", "bench_register.py",
             "bench_export.py", "bench_pdf_engine.py")
MISSED_TARGET = 3


@dataclass
class Result:
    script: str
    returncode: int | None = None
    seconds: float = 0.0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    figures: list[tuple[str, str, str]] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    problem: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.problem)


def scripts(only: set[str] | None = None, folder: Path = HERE) -> list[Path]:
    found = {p.name: p for p in folder.glob("bench_*.py")}
    order = [found[n] for n in PREFERRED if n in found] + [found[n] for n in sorted(found) if n not in PREFERRED]
    if only:
        order = [p for p in order if p.stem.removeprefix("bench_") in only or p.stem in only]
    return order


def run_one(path: Path, timeout: float) -> Result:
    res = Result(path.name, load_before=os.getloadavg())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PYTHONUNBUFFERED": "1"}
    print(f"\n=== {path.name}  (belastning före: {fmt_load(res.load_before)})", flush=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE,  # noqa: S603
                            stderr=subprocess.STDOUT, text=True, bufsize=1)

    def read() -> None:  # streamed, so a long bench shows progress
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            line = line.rstrip("\n")
            res.tail = (res.tail + [line])[-15:]
            m = BENCH_LINE.match(line.strip())
            if m:
                res.figures.append((m["key"], m["value"], m["why"].strip()))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        res.returncode = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # the bench's own process; its children see their pipe close
        proc.wait()
        res.problem = f"avbrutet efter {timeout:.0f} s (timeout)"
    reader.join(timeout=10)
    res.seconds = time.perf_counter() - t0
    res.load_after = os.getloadavg()
    if not res.problem:
        if res.returncode not in (0, MISSED_TARGET):
            res.problem = f"avslutades med kod {res.returncode}"
        elif not res.figures:
            res.problem = "skrev ingen BENCH-rad"
    print(f"=== {path.name}: {res.seconds:.0f} s, belastning efter: {fmt_load(res.load_after)}"
          + (f"  MISSLYCKADES: {res.problem}" if res.problem else
             "  (mål missat)" if res.returncode == MISSED_TARGET else ""), flush=True)
    return res


def fmt_load(load: tuple[float, float, float]) -> str:
    return "/".join(f"{x:.2f}" for x in load)


def summary(results: list[Result]) -> str:
    rows = [(key, value, r.script, f"{fmt_load(r.load_before)} -> {fmt_load(r.load_after)}")
            for r in results for key, value, _ in r.figures]
    head = ("figur", "värde", "skript", "belastning före -> efter (1/5/15 min)")
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(4)]
    line = lambda cols: "  ".join(str(c).ljust(w) for c, w in zip(cols, widths)).rstrip()  # noqa: E731
    out = ["", "=" * 78, f"SAMMANFATTNING, en körning, {time.strftime('%Y-%m-%d %H:%M')}, "
           f"{os.cpu_count()} kärnor", "=" * 78, line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    out += ["", "Förklaringar:"]
    out += [f"  {key}: {why}" for r in results for key, _, why in r.figures]
    failed = [r for r in results if r.failed]
    missed = [r for r in results if not r.failed and r.returncode == MISSED_TARGET]
    if missed:
        out += ["", "Mål missat (skriptet avslutades med kod 3): " + ", ".join(r.script for r in missed)]
    for r in failed:
        out += ["", f"MISSLYCKADES: {r.script}: {r.problem}. Sista raderna:"] + [f"  | {t}" for t in r.tail]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated short names, e.g. app,register")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per script (default 1800)")
    ap.add_argument("--dir", type=Path, default=HERE, help="folder of the bench_*.py scripts (default: bench/)")
    args = ap.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()} if args.only else None
    todo = scripts(only, args.dir)
    if not todo:
        print("make bench: hittade inga bench/bench_*.py att köra", file=sys.stderr)
        return 2
    print(f"Kör {len(todo)} benchmarkskript, ett i taget: " + ", ".join(p.name for p in todo), flush=True)
    results = [run_one(p, args.timeout) for p in todo]
    print(summary(results), flush=True)
    failed = [r.script for r in results if r.failed]
    if failed:
        print(f"make bench: {len(failed)} av {len(results)} skript misslyckades: {', '.join(failed)}",
              file=sys.stderr)
        return 1
    if any(r.returncode == MISSED_TARGET for r in results):
        print("make bench: alla skript kördes, men minst ett mål missades (se tabellen)", file=sys.stderr)
        return MISSED_TARGET
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
