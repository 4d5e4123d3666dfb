"""bench/run_all.py (what `make bench` runs): every bench_*.py once, their BENCH lines in one
table with the load average around each, and a clear non-zero exit when a script fails."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "bench" / "run_all.py"


def write(folder: Path, name: str, body: str) -> None:
    (folder / name).write_text(body, encoding="utf-8")


def run(folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUNNER), "--dir", str(folder), *extra],
                          capture_output=True, text=True, timeout=120, check=False)


def test_collects_every_bench_line_into_one_table(tmp_path):
    write(tmp_path, "bench_one.py", "print('noise')\nprint('BENCH one.ratio = 1.10x | first, baseline b')\n")
    write(tmp_path, "bench_two.py", "print('BENCH two.p95 = 0.25s | second')\nprint('BENCH two.rss = 88MiB | third')\n")
    write(tmp_path, "helper.py", "raise SystemExit('not a bench script')\n")
    proc = run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    table = proc.stdout.split("SAMMANFATTNING", 1)[1]
    for key, value, script in (("one.ratio", "1.10x", "bench_one.py"), ("two.p95", "0.25s", "bench_two.py"),
                               ("two.rss", "88MiB", "bench_two.py")):
        line = next(ln for ln in table.splitlines() if ln.startswith(key))
        assert value in line and script in line and "->" in line  # load before -> after
    assert "one.ratio: first, baseline b" in table
    assert "noise" in proc.stdout.split("SAMMANFATTNING")[0]  # the scripts' own output is streamed
    assert "helper.py" not in proc.stdout


def test_a_failing_script_fails_the_run_and_the_others_still_show(tmp_path):
    write(tmp_path, "bench_bad.py", "print('halfway')\nraise SystemExit(1)\n")
    write(tmp_path, "bench_mute.py", "print('no figures here')\n")
    write(tmp_path, "bench_good.py", "print('BENCH good.ratio = 0.90x | fine')\n")
    proc = run(tmp_path)
    assert proc.returncode == 1
    assert "good.ratio" in proc.stdout.split("SAMMANFATTNING", 1)[1]
    assert "MISSLYCKADES: bench_bad.py: avslutades med kod 1" in proc.stdout and "| halfway" in proc.stdout
    assert "MISSLYCKADES: bench_mute.py: skrev ingen BENCH-rad" in proc.stdout
    assert "2 av 3 skript misslyckades" in proc.stderr


def test_missed_target_and_timeout(tmp_path):
    write(tmp_path, "bench_slow.py", "print('BENCH slow.ratio = 3.00x | target <= 2x')\nraise SystemExit(3)\n")
    proc = run(tmp_path)
    assert proc.returncode == 3 and "minst ett mål missades" in proc.stderr
    write(tmp_path, "bench_hang.py", "import time\nprint('BENCH hang.x = 1x | before the hang')\ntime.sleep(60)\n")
    proc = run(tmp_path, "--only", "hang", "--timeout", "3")
    assert proc.returncode == 1 and "avbrutet efter 3 s" in proc.stdout
