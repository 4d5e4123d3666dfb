"""Benchmark: every document of one case as PDF vs one `jupyter nbconvert --to webpdf`.

    python bench/bench_export.py [--repeat 5] [--json out.json] [--keep DIR]

All measurements are wall-clock times of fresh processes, run in turns (A, B, C, A, B, C,
...) so that load on the machine hits them alike; medians are reported.

* ``A  whole set``: ``python -m dumpning_kit.cli export ID --all --format pdf``: imports,
  the store, every document the guideline allows for a complete fictitious case (six),
  printed by one Chromium; also the time inside the process for ``export_case`` alone.
* ``B  webpdf``: ``jupyter nbconvert --to webpdf`` of a one-cell notebook (one PDF). Stock
  nbconvert cannot find a browser here (it wants Playwright's own Chromium); that failure
  is shown, then it is timed with a ``PLAYWRIGHT_BROWSERS_PATH`` folder whose entries point
  at the system Chromium.
* ``C  exporter``: one PDF of the same notebook with ``render.SystemChromiumPDFExporter``
  in a fresh process.

Target: A <= 1.5 x B. Kept honest: every PDF of the last whole set and of the last webpdf run
is read back with pdftotext (a real PDF with text in it, the case's documents naming its
diarienummer), so a run that wrote nothing cannot look fast. Headline figures are printed as
``BENCH key = value | explanation`` lines (bench/run_all.py), with the load average at start and end.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench_pdf_engine import one_cell_notebook, playwright_shim  # noqa: E402

TODAY = "2026-11-27"  # the sample case's dates are set for this day
TARGET = 1.5


def worker_exporter_once(nb_path: str, out_path: str) -> None:
    import nbformat  # noqa: PLC0415

    from dumpning_kit.render import SystemChromiumPDFExporter  # noqa: PLC0415

    with SystemChromiumPDFExporter() as ex:
        data, _ = ex.from_notebook_node(nbformat.read(nb_path, as_version=4))
    Path(out_path).write_bytes(data)


def worker_inside(case_id: str, out: str) -> None:
    """export_case alone, imports and store excluded: what the UI's "Skapa alla" costs."""
    from dumpning_kit import export  # noqa: PLC0415
    from dumpning_kit.store import Store  # noqa: PLC0415

    store = Store()
    t = time.perf_counter()
    paths = export.export_case(store, int(case_id), None, formats=("pdf",), out_dir=out)
    print(json.dumps({"export_case_s": time.perf_counter() - t, "files": len(paths)}))


def settings_file(folder: Path) -> Path:
    """The shipped settings with a signatory (letters need one) and an absolute guideline path."""
    from dumpning_kit.settings import DEFAULT_SETTINGS  # noqa: PLC0415

    text = DEFAULT_SETTINGS.read_text(encoding="utf-8")
    text = text.replace("guideline: ../guidelines/bengtsfors.yaml",
                        f"guideline: {DEFAULT_SETTINGS.parent.parent / 'guidelines' / 'bengtsfors.yaml'}")
    text = text.replace('  name: ""', "  name: Eva Ordförande")
    path = folder / "installningar.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(cmd: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    return time.perf_counter() - t, proc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--keep", type=Path, help="copy the PDFs of the last whole-set run here")
    ap.add_argument("--worker", choices=["exporter_once", "inside"], help=argparse.SUPPRESS)
    ap.add_argument("worker_args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker == "exporter_once":
        worker_exporter_once(*a.worker_args)
        return 0
    if a.worker == "inside":
        worker_inside(*a.worker_args)
        return 0

    from dumpning_kit.render import find_chromium  # noqa: PLC0415

    print(f"LOAD start {load()}", flush=True)
    chromium = find_chromium()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
               "DUMPNING_TODAY": TODAY, "DUMPNING_DATA_DIR": str(tmp / "data"),
               "DUMPNING_DATABASE_URL": f"sqlite:///{tmp / 'data' / 'bench.sqlite'}",
               "DUMPNING_SETTINGS": str(settings_file(tmp)), "DUMPNING_USER": "bench"}
        # The case is made in a child so this process keeps its own settings and clock.
        setup = ("from dumpning_kit.store import Store\n"
                 "from dumpning_kit.documents.sample import make_sample_case\n"
                 "from dumpning_kit.export import allowed_documents\n"
                 "s = Store(); c = make_sample_case(s)\n"
                 "assert all(ok for _, ok, _ in allowed_documents(s, c)), allowed_documents(s, c)\n"
                 "print(c.id, c.diarienummer)")
        proc = subprocess.run([py, "-c", setup], capture_output=True, text=True, env=env, check=True)  # noqa: S603
        case_id, diarienummer = proc.stdout.strip().splitlines()[-1].split(" ", 1)
        nb = tmp / "en_cell.ipynb"
        one_cell_notebook(nb)
        shim_env = {**env, "PLAYWRIGHT_BROWSERS_PATH": str(playwright_shim(tmp / "pw", chromium))}

        stock_wall, stock = run([py, "-m", "nbconvert", "--to", "webpdf", "--output-dir", str(tmp / "stock"),
                                 str(nb)], env)
        stock_err = [ln for ln in stock.stderr.splitlines() if "chromium" in ln.lower()][-1:]

        whole, inside, webpdf, exporter, files = [], [], [], [], 0
        for i in range(a.repeat):
            out = tmp / f"set{i}"
            wall, proc = run([py, "-m", "dumpning_kit.cli", "export", case_id, "--all", "--format", "pdf",
                              "--out", str(out)], env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            whole.append(wall)
            files = len(proc.stdout.split())

            wall, proc = run([*[py, "-m", "nbconvert"], "--to", "webpdf", "--WebPDFExporter.disable_sandbox=True",
                              "--output-dir", str(tmp / f"shim{i}"), str(nb)], shim_env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            webpdf.append(wall)

            wall, proc = run([py, __file__, "--worker", "exporter_once", str(nb), str(tmp / f"own{i}.pdf")], env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            exporter.append(wall)

            _, proc = run([py, __file__, "--worker", "inside", case_id, str(tmp / f"inside{i}")], env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            inside.append(json.loads(proc.stdout.strip().splitlines()[-1])["export_case_s"])
        problems = check_pdfs(sorted((tmp / f"set{a.repeat - 1}").glob("*.pdf")), files, diarienummer)
        problems += check_pdfs(sorted((tmp / f"shim{a.repeat - 1}").glob("*.pdf")), 1, None)
        if problems:
            print("bench_export: PDF:erna håller inte: " + "; ".join(problems), file=sys.stderr)
            return 1
        if a.keep:
            a.keep.mkdir(parents=True, exist_ok=True)
            for p in sorted((tmp / f"set{a.repeat - 1}").glob("*.pdf")):
                shutil.copy(p, a.keep / p.name)

    med = statistics.median
    results = {
        "chromium": chromium, "repeat": a.repeat, "documents": files,
        "whole_set_s": whole, "export_case_inside_s": inside, "webpdf_shim_s": webpdf, "exporter_once_s": exporter,
        "webpdf_stock": {"returncode": stock.returncode, "wall_s": stock_wall, "error": stock_err or None},
    }
    ratio = med(whole) / med(webpdf)
    results["ratio_whole_set_to_webpdf"] = ratio
    results["ratio_whole_set_to_exporter_once"] = med(whole) / med(exporter)
    # Each turn runs A and B back to back; the median of their ratios resists load drift.
    results["ratio_paired_median"] = med(x / y for x, y in zip(whole, webpdf))
    print(f"Chromium {chromium}; medians of {a.repeat} fresh processes each, run in turns")
    print(f"  A  dumpning-kit export --all: {files} PDFs, one browser ... {med(whole):.2f} s "
          f"(export_case alone {med(inside):.2f} s)")
    if stock.returncode:
        print(f"     stock `nbconvert --to webpdf` fails here: exit {stock.returncode}: {stock_err}")
    print(f"  B  nbconvert --to webpdf, 1 PDF (browsers shim) .... {med(webpdf):.2f} s")
    print(f"  C  SystemChromiumPDFExporter, 1 PDF ................ {med(exporter):.2f} s")
    print(f"  A / B = {ratio:.2f} (target <= {TARGET}); per-turn A/B median {results['ratio_paired_median']:.2f}; "
          f"A / C = {results['ratio_whole_set_to_exporter_once']:.2f}")
    paired = [x / y for x, y in zip(whole, webpdf)]
    print(f"BENCH export.all_pdf_ratio = {results['ratio_paired_median']:.2f}x | every document of one case as PDF "
          f"({files} PDFs, `dumpning-kit export --all`, fresh process) / one `nbconvert --to webpdf` of a one-cell "
          f"notebook, median of {a.repeat} pairs in turns (range {min(paired):.2f}-{max(paired):.2f}; ratio of "
          f"medians {ratio:.2f}); target <= {TARGET}x")
    print(f"BENCH export.all_pdf_vs_exporter = {results['ratio_whole_set_to_exporter_once']:.2f}x | the same set / "
          f"one PDF through SystemChromiumPDFExporter in a fresh process (medians)")
    print(f"LOAD end {load()}")
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0 if results["ratio_paired_median"] <= TARGET else 3


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def check_pdfs(paths: list[Path], expected: int, must_name: str | None) -> list[str]:
    """Each file a real PDF whose text pdftotext can read; the case's own documents name the case."""
    problems = [] if len(paths) == expected else [f"{len(paths)} PDF:er, väntade {expected}"]
    for p in paths:
        text = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True,  # noqa: S603,S607
                              check=False).stdout
        if not p.read_bytes().startswith(b"%PDF-") or not text.strip():
            problems.append(f"{p.name} är ingen läsbar PDF")
        elif must_name and must_name not in text:
            problems.append(f"{p.name} nämner inte {must_name}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
