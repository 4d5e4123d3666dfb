"""Issue 12, points 3 and 4: analyst data without people, and a committee report whose
figures, tables and text agree, with small numbers suppressed the same way everywhere,
Swedish alt text on every figure and no request to the network (checked in Chromium)."""
from __future__ import annotations

import base64
import dataclasses
import io
import re
from pathlib import Path

import matplotlib.text
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select

from dumpning_kit import analysis, register
from dumpning_kit.demo import CASEWORKERS, create_demo_cases
from dumpning_kit.settings import data_dir, default_settings
from dumpning_kit.store import Store, events
from dumpning_kit.testdata import LANDLORDS
from dumpning_kit.ui import overview as ov


@pytest.fixture
def demo(store):
    create_demo_cases(store)
    return store


def person_secrets(store: Store) -> set[str]:
    """Names, personnummer (every spelling) and free text of the demo's people."""
    g = store.g
    free = {q.id for q in g.questions.values() if q.type in ("text", "textarea") or q.sensitive}
    out = set()
    for c in store.list_cases():
        out.add(c.answers["namn"])
        pnr = str(c.answers["personnummer"])
        digits = pnr.replace("-", "").replace("+", "")
        out |= {pnr, digits, digits[2:], digits[2:8] + "-" + digits[8:]}
        for k, v in c.answers.items():
            if k in free and k not in ("diarienummer", "handlaggare") and isinstance(v, str) and len(v) > 3:
                out.add(v)
        if c.decision:
            out.add(c.decision.motivation)
    return {s for s in out if s}


def all_secrets(store: Store) -> set[str]:
    """Also diarienummer, staff names (the caseworker and every user in the event log) and landlords."""
    out = person_secrets(store) | set(LANDLORDS) | set(CASEWORKERS)
    with store.engine.connect() as conn:
        out |= set(conn.execute(select(events.c.user)).scalars())
    out |= {c.diarienummer for c in store.list_cases()}
    return {s for s in out if s and len(s) > 3}


def leaks(text: str, secrets: set[str]) -> list[str]:
    return sorted(s for s in secrets if s in text)


def xlsx_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def test_every_analyst_output_is_without_people(demo, tmp_path):
    secrets = all_secrets(demo)
    assert len(secrets) > 100 and "Anna Handläggare" in secrets and "Hyresvärden Testbo AB" in secrets
    reg = register.read_register(demo)
    outputs = {
        "DataFrame": reg.cases.astype(str).to_csv() + " ".join(reg.cases.columns),
        "deadlines": reg.deadlines.astype(str).to_csv() + " ".join(reg.deadlines.columns),
        "CSV": register.export_register(demo, fmt="csv").read_bytes().decode("utf-8-sig"),
        "XLSX": xlsx_text(register.export_register(demo, fmt="xlsx").read_bytes()),
        "HTML report": analysis.export_report(tmp_path / "r.html", demo).read_text(encoding="utf-8"),
        "summary": analysis.summary_text(reg),
    }
    for sec in analysis.report_sections(reg, demo.g):
        outputs[sec.heading] = sec.chart.alt + "".join(t.astype(str).to_csv() for t in sec.tables) + "".join(
            t.get_text() for ax in sec.chart.axes for t in ax.findobj(matplotlib.text.Text))
    for name, text in outputs.items():
        assert leaks(text, secrets) == [], name
    assert "handlaggare" not in reg.cases and "hyresvard_namn" not in reg.cases
    assert reg.cases["hyresvard"].dropna().str.fullmatch(r"H-[0-9a-f]{8}").all()
    assert register.identifier_reads(demo) == []  # none of that was an identifier read

    # The team overview's downloads carry diarienummer and caseworker (its purpose, a logged
    # read), never a person's name, personnummer, free text or landlord.
    o = ov.build_overview(demo)
    links = re.findall(r'<a download="([^"]+)" href="data:([^;]+);base64,([^"]+)"', o.downloads.value)
    assert len(links) == 3
    files = {name.rsplit(".", 1)[1]: base64.b64decode(b64) for name, _, b64 in links}
    text = files["csv"].decode("utf-8-sig") + files["ics"].decode() + xlsx_text(files["xlsx"])
    assert leaks(text, person_secrets(demo) | set(LANDLORDS)) == []
    assert "SN 2026/1007" in text and "Anna Handläggare" in text
    assert [r["purpose"] for r in register.identifier_reads(demo)] == ["teamöversikt"]


def test_landlord_companies_are_named_only_when_the_settings_say_so(tmp_path):
    url = f"sqlite:///{tmp_path / 'data' / 'l.sqlite'}"
    s = Store(url)
    create_demo_cases(s)
    # A private person as landlord in three cases: never named, whatever the settings say.
    for c in s.list_cases()[:3]:
        s.save_answers(c.id, c.version, {"hyresvard_namn": "Sven Privatvärd"}, step="hyresvard")
    s.close()
    off = Store(url)
    html_off = analysis.report_html(off)
    assert not any(n in html_off for n in LANDLORDS) and "Sven Privatvärd" not in html_off
    assert re.search(r"H-[0-9a-f]{8}", html_off)
    assert register.identifier_reads(off) == []
    off.close()
    named = dataclasses.replace(default_settings(), report_names_landlord_companies=True)
    on = Store(url, settings=named)
    html_on = analysis.report_html(on)
    assert "Hyresvärden Testbo AB" in html_on or any(n in html_on for n in LANDLORDS)
    assert "Sven Privatvärd" not in html_on and re.search(r"H-[0-9a-f]{8}", html_on)
    reads = register.identifier_reads(on)
    assert len(reads) == 1 and reads[0]["fields"] == ["hyresvard_namn"] and "nämndrapport" in reads[0]["purpose"]
    on.close()
    assert default_settings().report_names_landlord_companies is False  # off unless the municipality says so


def shown_numbers(table: pd.DataFrame, col: str) -> list[str]:
    return [str(v) for v in table[col]]


def chart_labels(chart) -> list[str]:
    return [t.get_text().strip() for ax in chart.axes for t in ax.texts]


FIGURE_COLUMNS = {"Nya ärenden per månad": ("Månad", ["Ärenden"]),
                  "Kommuner som personerna flyttade från": ("Kommun", ["Ärenden"]),
                  "Län": ("Län", ["Ärenden"]),
                  "Vad hände innan personen flyttade (avsnitt 1.1.1)": ("Form", ["Ärenden"]),
                  "Barn": ("Urval", ["Utan barn", "Med barn"]),
                  "Svarstider": ("Svarstid", ["Ärenden"]),
                  "Vägen till IVO": ("Steg", ["Ärenden"]),
                  "Hyresvärdar som återkommer (avsnitt 2.4)": ("Hyresvärd", ["Ärenden"])}


@pytest.mark.parametrize("min_cases", [3, 1])
def test_every_figure_shows_the_numbers_of_its_table(demo, min_cases):
    reg = analysis.load(demo)
    sections = analysis.report_sections(reg, demo.g, min_cases)
    assert [s.heading for s in sections] == list(FIGURE_COLUMNS)
    for sec in sections:
        label, cols = FIGURE_COLUMNS[sec.heading]
        table = sec.tables[0]
        if sec.heading == "Vägen till IVO":
            table = table[table["Steg"] != "Ärenden"]
        want = sorted(str(v) for c in cols for v in table[c])
        got = sorted(chart_labels(sec.chart))
        assert got == want, sec.heading
        for c in cols:  # the alt text says the same numbers, row by row
            for k, v in zip(table[label], table[c]):
                assert f"{k}: {v}" in sec.chart.alt or f"{c.lower()}: {v}" in sec.chart.alt, (sec.heading, k)
        assert sec.chart.alt.startswith(("Stapeldiagram", "Liggande stapeldiagram", "Diagram"))
    # The response-time figure and its table count the same requests (issue 12: 6 vs "Inga ärenden").
    resp = sections[5]
    total = reg.cases["begaran_mottagen"].notna().sum()
    if min_cases == 1:
        assert sum(int(v) for v in resp.tables[0]["Ärenden"]) == total
        assert sum(int(v) for v in resp.tables[1]["Begäran mottagen"]) == total
    assert not resp.tables[1].empty


def test_small_numbers_are_suppressed_the_same_way_everywhere(demo, tmp_path):
    reg = analysis.load(demo)
    few = "färre än 3"
    count_cols = ("Ärenden", "Utan barn", "Med barn", "Antal barn", "Begäran mottagen", "Besvarade",
                  "Väntar på svar")
    seen_few = 0
    for sec in analysis.report_sections(reg, demo.g):
        for t in sec.tables:
            for c in count_cols:
                if c in t:
                    vals = list(t[c])
                    assert not any(isinstance(v, int) and 0 < v < 3 for v in vals), (sec.heading, c, vals)
                    seen_few += vals.count(few)
        assert not re.search(r"(?<![\d,])[12](?![\d,])(?! %)", " ".join(
            chart_labels(sec.chart))), sec.heading  # no 1 or 2 written on a bar
    assert seen_few >= 3  # the demo has small groups, so the rule was exercised
    text = analysis.summary_text(reg)
    assert not re.search(r"\b[12] (ärende|ärenden|begäran|begäranden|barn)\b", text)
    assert not re.search(r"(i|från) [12]\b", text) and few in text
    html = analysis.report_html(demo)
    assert few in html and not re.search(r"<td>[12]</td>", html)
    # Municipalities under the limit are grouped, in the table, the figure and the summary alike.
    mun = analysis.per_municipality(reg)
    assert mun["Kommun"].str.startswith("Övriga kommuner").any()
    assert analysis.per_municipality(reg, min_cases=1)["Ärenden"].sum() == 30


def test_empty_register_says_so_in_every_figure_and_table(store):
    reg = analysis.load(store)
    for sec in analysis.report_sections(reg, store.g):
        texts = chart_labels(sec.chart)
        assert analysis.EMPTY_TEXT in texts and analysis.EMPTY_TEXT in sec.chart.alt, sec.heading
    html = analysis.report_html(store)
    assert html.count("Inga ärenden än") >= 8 and "Det finns inga ärenden registrerade än" in html


def _requests_when_loaded(page, path: Path) -> list[str]:
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(1500)
    return seen


@pytest.mark.browser
def test_report_and_exported_notebook_load_nothing_from_the_network(tmp_path, page):
    """Open the committee report and the nbconvert export of analys.ipynb in Chromium from
    file://: every request is file: or data:, and every image has Swedish alt text."""
    demo = Store(f"sqlite:///{data_dir() / 'dumpning.sqlite'}")  # the notebook's default database
    create_demo_cases(demo)
    report = analysis.export_report(tmp_path / "rapport.html", demo)
    nb_html = analysis.export_notebook(tmp_path / "analys.html")
    for path, figures in ((report, 8), (nb_html, 8)):
        html = path.read_text(encoding="utf-8")
        assert "require.js" not in html and "mathjax" not in html.lower() and "cdnjs" not in html
        assert "No description" not in html and "<script src=" not in html
        requests = _requests_when_loaded(page, path)
        assert requests and all(u.startswith(("file:", "data:")) for u in requests), \
            [u for u in requests if not u.startswith(("file:", "data:"))]
        alts = page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt'))")
        assert len(alts) == figures, path.name
        assert all(a and re.match(r"(Liggande s|S)tapeldiagram|Diagram", a) for a in alts), alts
        assert page.evaluate("document.documentElement.lang") == "sv"
        page.screenshot(path=str(tmp_path / f"{path.stem}.png"), full_page=True)
        text = page.inner_text("body")
        assert leaks(text, all_secrets(demo)) == [], path.name
        if path == report:
            assert "import " not in text and "analysis." not in text
        else:  # the notebook without its code: no input cell, no prompt
            assert "display(" not in text and "from IPython" not in text and "In [" not in text
    assert "30 ärenden" in nb_html.read_text(encoding="utf-8")
    demo.close()
