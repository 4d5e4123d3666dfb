"""Benchmark: many PDFs through one PdfRenderer vs one nbconvert webpdf process per PDF.

    python bench/bench_pdf_engine.py [--repeat 3] [--docs 6] [--json out.json] [--sample DIR]

Every measurement runs in a fresh Python process (imports included), as a user would
pay for it:

* ``renderer``: one process, one ``PdfRenderer``, ``--docs`` realistic two-page letters.
* ``webpdf``: ``jupyter nbconvert --to webpdf`` of a one-cell notebook. Stock nbconvert
  cannot find a browser here (it wants Playwright's own Chromium); the failure is
  reported, then it is timed again with a ``PLAYWRIGHT_BROWSERS_PATH`` folder whose
  entries point at the system Chromium, which is what ``--to webpdf`` would cost.
* ``exporter_once``: ``python -c`` converting one notebook with
  ``SystemChromiumPDFExporter`` (one process, one PDF, browser closed at the end).

``--sample DIR`` also writes sample.html, sample.pdf and sample-1.png (pdftoppm, 60 dpi).
Headline figures are printed as ``BENCH key = value | explanation`` lines (bench/run_all.py),
with the load average at start and end.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def sample_document(n: int = 0):
    from dumpning_kit.render import Document, Letterhead  # noqa: PLC0415

    rows = "".join(
        f"<tr><td>{d}</td><td>{html.escape(what)}</td></tr>"
        for d, what in [
            ("3 mars 2026", "Ekonomiskt bistånd beviljat"),
            ("14 april 2026", "Placering i stödboende, Öxnered"),
            ("2 juni 2026", "Samordnad individuell plan (SIP)"),
        ]
    )
    paragraphs = "".join(
        f"<p>Stycke {i}: Den enskilde vistas sedan i våras i Härjedalens kommun och önskar "
        "bo nära sin familj. Socialtjänsten bedömer att insatserna långsiktigt ges bäst av "
        "vistelsekommunen och att en överflyttning ligger i linje med hens önskemål.</p>"
        for i in range(1, 12)
    )
    return Document(
        title=f"Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL ({n + 1})",
        body_html=(
            "<h2>Ärendet</h2><p>Bengtsfors kommun begär att Härjedalens kommun tar över "
            "ansvaret för ärendet rörande Åsa Öberg.</p><h2>Insatser</h2>"
            f"<table><thead><tr><th>Datum</th><th>Insats</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<h2>Skäl</h2>{paragraphs}"
        ),
        diarienummer=f"SOC 2026/{137 + n}",
        date=datetime.date(2026, 11, 27),
        letterhead=Letterhead(
            "Bengtsfors kommun",
            "Kommunstyrelsens sociala utskott",
            ["Box 14", "666 21 Bengtsfors", "Telefon 0531-52 60 00"],
        ),
        signature=["Anna Andersson", "Socialsekreterare"],
        recipient_lines=["Härjedalens kommun", "Socialtjänsten", "842 80 Sveg"],
    )


# -- workers (run in child processes) ------------------------------------------


def worker_renderer(n_docs: int) -> dict:
    t0 = time.perf_counter()
    from dumpning_kit.render import PdfRenderer  # noqa: PLC0415

    t_import = time.perf_counter()
    per_doc = []
    with PdfRenderer() as r:
        for i in range(n_docs):
            t = time.perf_counter()
            data = r.pdf(sample_document(i))
            per_doc.append(time.perf_counter() - t)
            assert data.startswith(b"%PDF-")
        launches = r.launch_count
    t_end = time.perf_counter()
    return {
        "import_s": t_import - t0,
        "per_doc_s": per_doc,
        "inside_process_s": t_end - t0,
        "launches": launches,
    }


def worker_exporter_once(nb_path: str, out_path: str) -> dict:
    import nbformat  # noqa: PLC0415

    from dumpning_kit.render import SystemChromiumPDFExporter  # noqa: PLC0415

    with SystemChromiumPDFExporter() as ex:
        data, _ = ex.from_notebook_node(nbformat.read(nb_path, as_version=4))
    Path(out_path).write_bytes(data)
    return {"bytes": len(data)}


# -- driver -----------------------------------------------------------------------


def run(cmd: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    return time.perf_counter() - t, proc


def one_cell_notebook(path: Path) -> None:
    import nbformat  # noqa: PLC0415

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Prov\n\nEn cell med åäö."))
    nbformat.write(nb, path)


def playwright_shim(folder: Path, chromium: str) -> Path:
    """A Playwright browsers folder whose Chromium entries point at the system Chromium."""
    import playwright  # noqa: PLC0415

    browsers = json.loads(
        (Path(playwright.__file__).parent / "driver/package/browsers.json").read_text()
    )["browsers"]
    rev = {b["name"]: b["revision"] for b in browsers}
    for name, sub, exe in (
        ("chromium", "chrome-linux64", "chrome"),
        ("chromium-headless-shell", "chrome-headless-shell-linux64", "chrome-headless-shell"),
    ):
        d = folder / f"{name.replace('-', '_')}-{rev[name]}" / sub
        d.mkdir(parents=True, exist_ok=True)
        link = d / exe
        if not link.exists():
            link.symlink_to(chromium)
        (d.parent / "INSTALLATION_COMPLETE").touch()
        (d.parent / "DEPENDENCIES_VALIDATED").touch()
    return folder


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--docs", type=int, default=6)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--sample", type=Path)
    ap.add_argument("--worker", choices=["renderer", "exporter_once"], help=argparse.SUPPRESS)
    ap.add_argument("worker_args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.worker == "renderer":
        print(json.dumps(worker_renderer(a.docs)))
        return 0
    if a.worker == "exporter_once":
        print(json.dumps(worker_exporter_once(*a.worker_args)))
        return 0

    from dumpning_kit.render import find_chromium  # noqa: PLC0415

    print("LOAD start " + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)
    chromium = find_chromium()
    py = sys.executable
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    nbconvert = [py, "-m", "nbconvert"]
    results: dict = {"chromium": chromium, "docs": a.docs, "repeat": a.repeat}

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        nb = tmp / "en_cell.ipynb"
        one_cell_notebook(nb)

        # 1. N documents, one renderer, one process
        walls, details = [], []
        for _ in range(a.repeat):
            wall, proc = run([py, __file__, "--worker", "renderer", "--docs", str(a.docs)], env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            walls.append(wall)
            details.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        first = [d["per_doc_s"][0] for d in details]
        rest = [x for d in details for x in d["per_doc_s"][1:]]
        results["renderer"] = {
            "wall_s_median": statistics.median(walls),
            "walls_s": walls,
            "first_doc_s_median": statistics.median(first),
            "later_doc_s_median": statistics.median(rest) if rest else None,
            "import_s_median": statistics.median(d["import_s"] for d in details),
            "launches": [d["launches"] for d in details],
        }

        # 2. stock `jupyter nbconvert --to webpdf`
        wall, proc = run([*nbconvert, "--to", "webpdf", "--output-dir", str(tmp / "stock"), str(nb)], env)
        err = [ln for ln in proc.stderr.splitlines() if "chromium" in ln.lower() or "Error" in ln]
        results["webpdf_stock"] = {"returncode": proc.returncode, "wall_s": wall, "error": err[-1:] or None}

        # 2b. the same with a Playwright browsers folder pointing at the system Chromium
        shim_env = {**env, "PLAYWRIGHT_BROWSERS_PATH": str(playwright_shim(tmp / "pw", chromium))}
        walls, rc = [], 0
        for i in range(a.repeat):
            wall, proc = run(
                [*nbconvert, "--to", "webpdf", "--WebPDFExporter.disable_sandbox=True",
                 "--output-dir", str(tmp / f"shim{i}"), str(nb)],
                shim_env,
            )  # fmt: skip
            rc = rc or proc.returncode
            walls.append(wall)
        results["webpdf_shim"] = {
            "returncode": rc,
            "wall_s_median": statistics.median(walls),
            "walls_s": walls,
            "error": None if rc == 0 else proc.stderr.strip().splitlines()[-1:],
        }

        # 3. our exporter, once, fresh process
        walls = []
        for i in range(a.repeat):
            wall, proc = run([py, __file__, "--worker", "exporter_once", str(nb), str(tmp / f"own{i}.pdf")], env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return 1
            walls.append(wall)
        results["exporter_once"] = {"wall_s_median": statistics.median(walls), "walls_s": walls}

    r = results["renderer"]
    print(f"Chromium: {chromium}; {a.docs} documents; median of {a.repeat} runs, fresh process each")
    print(f"  PdfRenderer, {a.docs} PDFs in one process ........ {r['wall_s_median']:.2f} s "
          f"(first PDF {r['first_doc_s_median']:.2f} s incl. browser launch, then "
          f"{r['later_doc_s_median']:.3f} s each; launches per run {r['launches']})")  # fmt: skip
    s = results["webpdf_stock"]
    print(f"  jupyter nbconvert --to webpdf (stock) ........... "
          f"{'exit ' + str(s['returncode']) + ' after ' + format(s['wall_s'], '.2f') + ' s: ' + str(s['error']) if s['returncode'] else format(s['wall_s'], '.2f') + ' s'}")  # fmt: skip
    s = results["webpdf_shim"]
    print(f"  jupyter nbconvert --to webpdf (browsers shim) ... "
          f"{s['wall_s_median']:.2f} s per PDF" + (f" (FAILED: {s['error']})" if s["returncode"] else ""))  # fmt: skip
    e = results["exporter_once"]
    print(f"  python -c SystemChromiumPDFExporter, 1 PDF ...... {e['wall_s_median']:.2f} s per PDF")
    if not s["returncode"]:
        print(f"  => {a.docs} PDFs as separate webpdf processes ≈ {a.docs * s['wall_s_median']:.1f} s "
              f"vs {r['wall_s_median']:.1f} s with one PdfRenderer")  # fmt: skip
    print(f"  => {a.docs} PDFs as separate exporter processes ≈ {a.docs * e['wall_s_median']:.1f} s")

    if not s["returncode"]:
        print(f"BENCH pdf.renderer_vs_webpdf = {r['wall_s_median'] / (a.docs * s['wall_s_median']):.2f}x | "
              f"{a.docs} PDFs through one PdfRenderer process / {a.docs} separate `nbconvert --to webpdf` "
              f"processes (medians of {a.repeat})")
    if r["later_doc_s_median"] is not None:
        print(f"BENCH pdf.renderer_later_doc = {r['later_doc_s_median']:.3f}s | each PDF after the first in one "
              f"PdfRenderer (browser already up), median")
    print(f"BENCH pdf.exporter_vs_webpdf = {e['wall_s_median'] / s['wall_s_median']:.2f}x | one PDF, "
          f"SystemChromiumPDFExporter in a fresh process / one `nbconvert --to webpdf` (medians of {a.repeat})")
    print("LOAD end " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    if a.sample:
        from dumpning_kit.render import PdfRenderer, to_html  # noqa: PLC0415

        a.sample.mkdir(parents=True, exist_ok=True)
        doc = sample_document()
        (a.sample / "sample.html").write_text(to_html(doc), encoding="utf-8")
        with PdfRenderer() as rr:
            (a.sample / "sample.pdf").write_bytes(rr.pdf(doc))
        subprocess.run(  # noqa: S603
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1",  # noqa: S607
             str(a.sample / "sample.pdf"), str(a.sample / "sample")],
            check=False,
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
