"""The team overview (widgets, grouping, downloads), the analysis functions and report,
the two notebooks run top to bottom with nbclient, and the overview in a real Voilà page."""
from __future__ import annotations

import base64
import io
import os
import re
import stat
from pathlib import Path

import icalendar
import nbformat
import openpyxl
import pandas as pd
import pytest
from nbclient import NotebookClient

from dumpning_kit import analysis, register
from dumpning_kit.demo import create_demo_cases
from dumpning_kit.settings import data_dir
from dumpning_kit.ui import overview as ov

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ROOT = NOTEBOOKS.parent


@pytest.fixture
def demo(store):
    create_demo_cases(store)
    return store


def people(store):
    names = {c.answers["namn"] for c in store.list_cases()}
    pnrs = {c.answers["personnummer"] for c in store.list_cases()}
    return names, pnrs | {p.replace("-", "") for p in pnrs} | {p[2:] for p in pnrs}


def test_groups_by_days_left():
    df = pd.DataFrame({"dagar_kvar": pd.array([-3, 0, 1, 7, 8, None, -1], dtype="Int64"),
                       "nasta_frist": pd.to_datetime(["2026-11-24", "2026-11-27", "2026-11-28", "2026-12-04",
                                                      "2026-12-05", None, "2026-11-26"]),
                       "pseudonym": list("abcdefg")})
    assert list(ov.group_of(df["dagar_kvar"])) == ["forfallen", "idag", "vecka", "vecka", "senare", "ingen",
                                                   "forfallen"]
    groups = ov.group_rows(df)
    assert list(groups["forfallen"]["pseudonym"]) == ["a", "g"]  # earliest first
    assert [len(groups[k]) for k in ("idag", "vecka", "senare", "ingen")] == [1, 2, 1, 1]


def test_overview_on_demo_data(demo):
    o = ov.build_overview(demo)
    html = o.groups.value
    assert "Förfallna" in html and "I dag" in html and "Denna vecka" in html and "Senare" in html
    assert "SN 2026/1002" in html and 'href="../../?arende=3"' in html  # links into the case app
    assert "Anna Handläggare" in html
    names, pnrs = people(demo)
    everything = html + o.summary.value + o.downloads.value
    assert not any(n in everything for n in names) and not any(p in everything for p in pnrs)
    assert "4 förfallna" in o.summary.value
    # Filters: caseworker (options from the data) and group.
    assert ("Cecilia Utredare", "Cecilia Utredare") in o.caseworker.options
    o.caseworker.value = "Cecilia Utredare"
    assert "Anna Handläggare" not in o.groups.value and "Cecilia Utredare" in o.groups.value
    o.group.value = "forfallen"
    assert "Inga ärenden i den här gruppen" in o.groups.value  # the other groups are empty now
    shown = o.shown()
    assert set(shown["handlaggare"]) == {"Cecilia Utredare"} and (shown["dagar_kvar"] < 0).all()
    o.status.value = "avslutat"
    assert "avslutade ärenden" in o.summary.value
    assert "Förfallen sedan" not in o.groups.value
    # Reads with diarienummer are logged, once per load, never with personnummer.
    reads = register.identifier_reads(demo)
    assert reads and all("personnummer" not in r["fields"] for r in reads)
    assert any(r["purpose"] == "teamöversikt" for r in reads)


def download_files(o) -> dict[str, bytes]:
    links = re.findall(r'<a download="([^"]+)" href="data:([^;]+);base64,([^"]+)"', o.downloads.value)
    return {name.rsplit(".", 1)[1]: base64.b64decode(b64) for name, _, b64 in links}


def files_on_disk() -> list:
    return sorted(p for p in data_dir().rglob("*") if p.is_file() and p.suffix in (".ics", ".xlsx", ".csv"))


def test_downloads_are_data_links_and_never_files(demo):
    o = ov.build_overview(demo)
    files = download_files(o)
    assert list(files) == ["ics", "xlsx", "csv"]
    assert files_on_disk() == []  # nothing written: nothing for purge to miss
    names, pnrs = people(demo)
    csv = pd.read_csv(io.BytesIO(files["csv"]), sep=";", encoding="utf-8-sig", dtype=str)
    assert list(csv.columns)[:3] == ["Diarienummer", "Handläggare", "Grupp"]
    assert len(csv) == 29 and "SN 2026/1002" in set(csv["Diarienummer"])
    assert (csv["Grupp"] == "Förfallna").sum() == 4
    wb = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    cells = "\n".join(str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None)
    text = cells + files["csv"].decode("utf-8-sig") + files["ics"].decode()
    assert not any(n in text for n in names) and not any(p in text for p in pnrs)
    cal = icalendar.Calendar.from_ical(files["ics"])
    assert len(list(cal.walk("VEVENT"))) == 16
    # Narrowing the list narrows every file.
    o.caseworker.value = "Anna Handläggare"
    files = download_files(o)
    csv = pd.read_csv(io.BytesIO(files["csv"]), sep=";", encoding="utf-8-sig", dtype=str)
    assert set(csv["Handläggare"]) == {"Anna Handläggare"}
    cal = icalendar.Calendar.from_ical(files["ics"])
    assert all(str(e["summary"]).startswith(tuple(csv["Diarienummer"])) for e in cal.walk("VEVENT"))
    assert files_on_disk() == []


def test_user_typed_values_are_escaped(store):
    store.create_case({"diarienummer": "SN <b>1</b>", "namn": "Test Testsson", "personnummer": "198112189876",
                       "handlaggare": "<script>alert(1)</script>", "tidigare_kommun": "0180",
                       "ankomstdatum": "2026-11-01", "forsta_kontakt": "2026-11-02", "barn_i_hushallet": "nej"})
    o = ov.build_overview(store)
    html = o.groups.value
    assert "<script>" not in html and "&lt;script&gt;" in html and "SN &lt;b&gt;1&lt;/b&gt;" in html


def test_overview_of_an_empty_database(store):
    o = ov.build_overview(store)
    assert "0 öppna ärenden" in o.summary.value
    assert o.groups.value.count("Inga ärenden i den här gruppen") == len(ov.GROUPS)
    assert "Inga ärenden att ladda ner" in o.downloads.value


def test_large_lists_are_capped_and_export_on_request(demo, monkeypatch):
    monkeypatch.setattr(ov, "MAX_ROWS_PER_GROUP", 3)
    monkeypatch.setattr(ov, "AUTO_EXPORT_MAX", 5)
    groups = ov.group_rows(register.read_identified(demo, ("id", "diarienummer", "handlaggare"),
                                                    purpose="test").cases)
    html = ov.render_groups(groups, demo.g, limit=3)
    assert "Visar de första 3 av 4" in html
    o = ov.build_overview(demo)
    assert o.make_files.layout.display is None and "Skapa filer" in o.downloads.value
    o.make_files.click()
    assert "data:text/calendar;base64," in o.downloads.value


# ---- analysis ------------------------------------------------------------------------------

def test_analysis_on_demo_data(demo):
    data = analysis.load(demo)
    exact = 1  # min_cases=1: every number as it is (the default suppresses 1 and 2)
    assert analysis.cases_per_month(data, exact)["Ärenden"].sum() == 30
    mun = analysis.per_municipality(data, exact)
    assert mun["Ärenden"].sum() == 30 and "Göteborg" in set(mun["Kommun"])
    grouped = analysis.per_municipality(data)
    assert grouped["Ärenden"].sum() == 30 and grouped["Kommun"].str.startswith("Övriga kommuner").any()
    assert analysis.per_county(data, exact)["Ärenden"].sum() == 30
    assert analysis.forms(data, min_cases=exact)["Ärenden"].sum() == 30
    ch = analysis.children(data, exact).iloc[0]
    assert ch["Ärenden"] == 30 and 0 < ch["Med barn"] < 30
    ivo = analysis.ivo(data, min_cases=exact).set_index("Steg")["Ärenden"]
    assert ivo["Ansökan till IVO"] == 4 and ivo["IVO har beslutat"] == 2
    assert analysis.ivo(data).set_index("Steg")["Ärenden"]["IVO har beslutat"] == "färre än 3"
    assert analysis.landlords(data)["Ärenden"].min() >= 3
    assert analysis.landlords(data, exact)["Ärenden"].min() >= 2
    text = analysis.summary_text(data)
    assert "30 ärenden" in text and "IVO" in text and "hushåll med barn" in text


def test_analysis_report_is_static_and_without_code(demo, tmp_path):
    path = analysis.export_report(tmp_path / "rapport.html", demo)
    html = path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert '<html lang="sv"' in html and "lägesrapport" in html.lower()
    assert "<script" not in html.lower()
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from the network
    assert "import " not in html and "analysis." not in html and "dumpning_kit" not in html
    assert html.count('src="data:image/png;base64,') == 8
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', html)
    assert len(alts) == 8 and all(re.match(r"(Liggande s|S)tapeldiagram: ", a) for a in alts)
    names, pnrs = people(demo)
    assert not any(n in html for n in names) and not any(p in html for p in pnrs)
    assert "SN 2026/" not in html


def test_analysis_on_an_empty_database(store, tmp_path):
    data = analysis.load(store)
    for fn in (analysis.cases_per_month, analysis.per_municipality, analysis.per_county, analysis.response_times,
               analysis.landlords):
        assert fn(data).empty
    for fn in (analysis.plot_cases_per_month, analysis.plot_per_municipality, analysis.plot_forms,
               analysis.plot_children, analysis.plot_response_times, analysis.plot_ivo, analysis.plot_landlords):
        chart = fn(data)
        assert any(t.get_text() == "Inga ärenden än" for ax in chart.axes for t in ax.texts)
        assert chart.alt.startswith("Diagram: ") and "Inga ärenden än" in chart.alt
    assert "inga ärenden" in analysis.summary_text(data)
    html = analysis.export_report(tmp_path / "tom.html", store).read_text(encoding="utf-8")
    assert "Det finns inga ärenden registrerade än" in html


# ---- the notebooks, top to bottom ----------------------------------------------------------

def run_notebook(name: str, data_dir: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    env = {**os.environ, "DUMPNING_DATA_DIR": str(data_dir),
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env=env)
    return nb


def test_notebooks_are_committed_without_outputs():
    for name in ("oversikt.ipynb", "analys.ipynb"):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in nb.cells if c.cell_type == "code"), name
    title = nbformat.read(NOTEBOOKS / "oversikt.ipynb", as_version=4).metadata["title"]
    assert title == "Översikt – social dumpning"


@pytest.mark.parametrize("with_demo", [True, False], ids=["demo", "tom"])
def test_analysis_notebook_runs_top_to_bottom(tmp_path, with_demo):
    data = tmp_path / "nb-data"
    if with_demo:
        from dumpning_kit.store import Store
        s = Store(f"sqlite:///{data / 'dumpning.sqlite'}")
        create_demo_cases(s)
        s.close()
    nb = run_notebook("analys.ipynb", data)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o["data"]["text/html"] for o in outputs if "<img" in o.get("data", {}).get("text/html", "")]
    assert len(figures) == 8 and not any("image/png" in o.get("data", {}) for o in outputs)
    assert all(re.search(r'<img src="data:image/png;base64,[^"]+" alt="(Liggande s|S)tapeldiagram|Diagram', f)
               for f in figures)  # Swedish alt text on every figure
    text = "".join(o.get("text", "") for o in outputs)
    assert "Rapporten sparades" in text and (data / "exports").is_dir()
    summary = outputs[0]["data"]["text/markdown"]
    assert ("30 ärenden" in summary) if with_demo else ("inga ärenden" in summary)


@pytest.mark.parametrize("with_demo", [True, False], ids=["demo", "tom"])
def test_overview_notebook_runs_top_to_bottom(tmp_path, with_demo):
    data = tmp_path / "nb-data"
    if with_demo:
        from dumpning_kit.store import Store
        s = Store(f"sqlite:///{data / 'dumpning.sqlite'}")
        create_demo_cases(s)
        s.close()
    nb = run_notebook("oversikt.ipynb", data)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type in ("error", "stream")]  # no tracebacks, no prints
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    html = " ".join(str(m["state"].get("value", "")) for m in state.values())
    if with_demo:
        assert "Förfallna" in html and "SN 2026/1002" in html
    else:
        assert "0 öppna ärenden" in html


# ---- in the browser ------------------------------------------------------------------------

@pytest.mark.browser
def test_overview_page_in_voila(voila_server_factory, page, tmp_path):
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect
    from dumpning_kit.store import Store
    s = Store(f"sqlite:///{tmp_path / 'data' / 'dumpning.sqlite'}")
    create_demo_cases(s)
    s.close()
    server = voila_server_factory()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{server.url}/voila/render/oversikt.ipynb", wait_until="domcontentloaded", timeout=120000)
    expect(page.get_by_role("heading", name=re.compile("^Förfallna"))).to_be_visible(timeout=90000)
    expect(page.get_by_role("link", name="SN 2026/1002")).to_be_visible()
    assert page.title() == "Översikt – social dumpning"
    # Every filter is a labelled control, reachable by keyboard.
    worker = page.get_by_label("Handläggare", exact=True)
    worker.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Ärendestatus")).to_be_focused()
    worker.select_option(label="Anna Handläggare")
    expect(page.get_by_role("link", name="SN 2026/1002")).to_be_hidden()
    worker.select_option(label="Alla handläggare")
    expect(page.get_by_role("link", name="SN 2026/1002")).to_be_visible()
    # A download works from the page itself (data: link, no server route, no CDN script).
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile(r"kalenderfil")).click()
    cal = icalendar.Calendar.from_ical(Path(dl.value.path()).read_bytes())
    assert len(list(cal.walk("VEVENT"))) == 16
    result = Axe().run(page, options={"runOnly": {"type": "tag",
                                                  "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    bad = [(v["id"], v["impact"], v["help"]) for v in result.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    page.screenshot(path=str(tmp_path / "oversikt.png"), full_page=True)
    external = [u for u in requests if not u.startswith((server.url, "data:"))]
    assert external == []


@pytest.mark.browser
def test_overview_with_preheated_kernels_reads_fresh_data(voila_server_factory, page, tmp_path):
    """A preheated kernel runs the notebook before anyone asks; the overview must wait for
    the page request, so a case registered after the kernel started is on the page."""
    from playwright.sync_api import expect
    from dumpning_kit.store import Store
    server = voila_server_factory(preheat=True)
    s = Store(f"sqlite:///{tmp_path / 'data' / 'dumpning.sqlite'}")
    page.wait_for_timeout(8000)  # let the pool kernel start and run up to the wait
    create_demo_cases(s, count=8)
    s.close()
    page.goto(f"{server.url}/voila/render/oversikt.ipynb", wait_until="domcontentloaded", timeout=120000)
    expect(page.get_by_role("heading", name=re.compile("^Förfallna"))).to_be_visible(timeout=90000)
    expect(page.get_by_text(re.compile(r"^8 öppna ärenden"))).to_be_visible()
