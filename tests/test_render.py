"""Tests for dumpning_kit.render: offline Swedish A4 HTML and PDF through nbconvert.

The PDF tests drive the real Chromium (``/usr/bin/chromium`` or ``DUMPNING_CHROMIUM``)
and are not skipped when it is missing: CI installs it.
"""

from __future__ import annotations

import asyncio
import datetime
import html as html_lib
import http.server
import io
import os
import re
import stat
import threading
from pathlib import Path

import nbformat
import pytest
from pypdf import PdfReader

from dumpning_kit import render
from dumpning_kit.render import (
    ChromiumMissing,
    Document,
    Letterhead,
    PdfRenderer,
    SystemChromiumPDFExporter,
    clean_body_html,
    document_notebook,
    find_chromium,
    swedish_date,
    to_html,
)

A4_PT = (595.0, 842.0)

LOGO_SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="60" height="72" viewBox="0 0 60 72">
<path d="M4 4h52v34c0 16-12 26-26 31C16 64 4 54 4 38z" fill="#1d5c8f"/>
<path d="M14 40l8-14 8 10 8-16 8 20z" fill="#ffffff"/>
<circle cx="30" cy="18" r="5" fill="#f2c230"/>
</svg>
"""


def _esc(text: str) -> str:
    return html_lib.escape(text, quote=True)


def realistic_document(logo_path: Path | None = None, *, long: bool = True) -> Document:
    """A Swedish request to move a case to another municipality, about two A4 pages."""
    client = "Åsa Öberg"  # user text: escaped by the caller, as the contract says
    contact = "Anna Andersson & Per Öst"
    rows = [
        ("3 mars 2026", "Ansökan om ekonomiskt bistånd", "Beviljad, löpande"),
        ("14 april 2026", "Placering i stödboende, Öxnered", "Pågående"),
        ("2 juni 2026", "Samordnad individuell plan (SIP)", "Upprättad"),
        ("19 augusti 2026", "Kontakt med beroendevården", "Återkommande"),
    ]
    table = "".join(
        f"<tr><td>{_esc(a)}</td><td>{_esc(b)}</td><td>{_esc(c)}</td></tr>" for a, b, c in rows
    )
    extra = ""
    if long:
        extra = "".join(
            f"<p>Anteckning {i}: Den enskilde har vid återbesök uttryckt att hen önskar "
            "bo nära sin dotter och sitt nätverk i Sveg. Socialtjänsten i Bengtsfors har "
            "bedömt att insatserna långsiktigt kan ges av vistelsekommunen, och att ett "
            "byte av ansvarig kommun ligger i linje med den enskildes önskemål.</p>"
            for i in range(1, 9)
        )
    body = f"""
<h2>Ärendet</h2>
<p>Bengtsfors kommun begär att Härjedalens kommun tar över ansvaret för ärendet rörande
{_esc(client)}, personnummer 19811218-9876. Den enskilde har sedan i våras sin faktiska
vistelse i Härjedalens kommun och har för avsikt att bosätta sig där.</p>
<h2>Skäl för begäran</h2>
<ul>
<li>Den enskilde har starkast anknytning till Härjedalens kommun.</li>
<li>Den enskilde har samtyckt till att ärendet flyttas över.</li>
<li>Insatserna kan med hänsyn till den enskildes behov ges bäst i den mottagande kommunen.</li>
</ul>
<table>
<caption>Insatser och beslut hittills</caption>
<thead><tr><th>Datum</th><th>Insats</th><th>Status</th></tr></thead>
<tbody>{table}</tbody>
</table>
<h2>Den enskildes inställning</h2>
<p>Den enskilde har den 20 november 2026 skriftligen samtyckt till överflyttningen.</p>
{extra}
<h2>Svar</h2>
<p>Vi ber om ert svar senast den 11 december 2026. Om ni inte medger begäran kan
Bengtsfors kommun ansöka hos Inspektionen för vård och omsorg (IVO) om att ärendet ska
flyttas över. Kontaktpersoner: {_esc(contact)}.</p>
"""
    return Document(
        title="Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL",
        body_html=body,
        diarienummer="SOC 2026/137",
        date=datetime.date(2026, 11, 27),
        letterhead=Letterhead(
            municipality="Bengtsfors kommun",
            body="Kommunstyrelsens sociala utskott",
            address_lines=["Box 14", "666 21 Bengtsfors", "Telefon 0531-52 60 00"],
            logo_path=str(logo_path) if logo_path else None,
        ),
        signature=["Anna Andersson", "Socialsekreterare, Individ- och familjeomsorgen"],
        recipient_lines=["Härjedalens kommun", "Socialtjänsten", "842 80 Sveg"],
    )


def short_document() -> Document:
    """A one-page letter."""
    return Document(
        title="Mottagningsbekräftelse",
        body_html="<p>Vi har tagit emot er begäran om överflyttning och återkommer med svar.</p>",
        diarienummer="SOC 2026/140",
        date=datetime.date(2026, 11, 30),
        letterhead=Letterhead("Härjedalens kommun", "Socialnämnden", ["842 80 Sveg"]),
        signature=["Örjan Ålund", "Enhetschef"],
        recipient_lines=["Bengtsfors kommun", "Box 14", "666 21 Bengtsfors"],
    )


@pytest.fixture(scope="module")
def logo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("logo") / "vapen.svg"
    path.write_text(LOGO_SVG, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def doc(logo) -> Document:
    return realistic_document(logo)


@pytest.fixture(scope="module")
def renderer():
    with PdfRenderer() as r:
        yield r


@pytest.fixture(scope="module")
def pdf_bytes(renderer, doc) -> bytes:
    return renderer.pdf(doc)


def _pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# ---------------------------------------------------------------------------
# Dates and notebook
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (datetime.date(2026, 11, 27), "27 november 2026"),
        (datetime.date(2026, 1, 1), "1 januari 2026"),
        (datetime.date(2025, 3, 9), "9 mars 2025"),
        (datetime.date(2024, 5, 31), "31 maj 2024"),
        (datetime.date(2027, 8, 15), "15 augusti 2027"),
        (datetime.date(2026, 12, 31), "31 december 2026"),
    ],
)
def test_swedish_date(d, expected):
    assert swedish_date(d) == expected


def test_document_notebook_is_static_and_carries_letterhead(doc, logo):
    nb = document_notebook(doc)
    nbformat.validate(nb)
    assert nb.cells, "the body must be a cell"
    assert {c.cell_type for c in nb.cells} <= {"raw", "markdown"}
    assert all(c.metadata.get("raw_mimetype") == "text/html" for c in nb.cells if c.cell_type == "raw")
    meta = nb.metadata["dumpning_dokument"]
    assert meta["title"] == doc.title
    assert meta["diarienummer"] == "SOC 2026/137"
    assert meta["date_text"] == "27 november 2026"
    assert meta["date_iso"] == "2026-11-27"
    assert meta["letterhead"]["municipality"] == "Bengtsfors kommun"
    assert meta["letterhead"]["address_lines"] == ["Box 14", "666 21 Bengtsfors", "Telefon 0531-52 60 00"]
    assert meta["letterhead"]["logo_data_uri"].startswith("data:image/svg+xml;base64,")
    assert meta["signature"][0] == "Anna Andersson"
    assert meta["recipient_lines"][-1] == "842 80 Sveg"
    # The notebook survives a round trip through the file format.
    again = nbformat.reads(nbformat.writes(nb), as_version=4)
    assert again.metadata["dumpning_dokument"] == meta


def test_logo_of_unknown_type_is_refused_in_swedish(tmp_path):
    bad = tmp_path / "logo.bmp"
    bad.write_bytes(b"BM")
    doc = realistic_document(bad, long=False)
    with pytest.raises(ValueError, match="filtypen stöds inte"):
        document_notebook(doc)
    with pytest.raises(ValueError, match="kunde inte läsas"):
        document_notebook(realistic_document(tmp_path / "saknas.png", long=False))


def test_png_logo_is_embedded(tmp_path):
    # A 1x1 PNG.
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a2f5a7e30000000049454e44ae426082"
    )
    path = tmp_path / "logo.png"
    path.write_bytes(png)
    html = to_html(realistic_document(path, long=False))
    assert 'src="data:image/png;base64,' in html


# ---------------------------------------------------------------------------
# Body sanitising
# ---------------------------------------------------------------------------


def test_clean_body_html_keeps_letter_markup_and_drops_active_or_remote_content():
    dirty = (
        '<h2 class="x">Beslut</h2><p onclick="evil()">Text <strong>fet</strong> <em>kursiv</em>'
        "<br>rad två</p><script>alert(1)</script><style>p{}</style>"
        '<img src="https://example.org/spårning.png"><img src="data:image/png;base64,AAAA">'
        '<a href="javascript:alert(1)">länk</a><a href="https://www.bengtsfors.se">webb</a>'
        '<iframe src="https://example.org"></iframe><link rel="stylesheet" href="http://cdn/x.css">'
        "<!-- intern kommentar --><table><thead><tr><th scope=\"col\">A</th></tr></thead><tbody><tr>"
        '<td colspan="2" style="text-align:right; background:url(http://x/y.png)">b</td></tr></tbody></table>'
    )
    clean = clean_body_html(dirty)
    assert '<h2 class="x">Beslut</h2>' in clean
    assert "<strong>fet</strong>" in clean and "<em>kursiv</em>" in clean and "<br/>" in clean
    for gone in ("<script", "alert(1)", "<style", "p{}", "onclick", "javascript:", "<iframe", "<link",
                 "example.org", "url(", "intern kommentar"):  # fmt: skip
        assert gone not in clean, gone
    assert 'src="data:image/png;base64,AAAA"' in clean and 'alt=""' in clean
    assert 'href="https://www.bengtsfors.se"' in clean  # links are not fetched when printing
    assert "text-align:right" in clean.replace(" ", "")
    assert '<th scope="col">A</th>' in clean and 'colspan="2"' in clean
    assert ">länk</a>" in clean  # the text of a neutralised element is kept


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------


def test_html_is_swedish_offline_a4_letter(doc):
    html = to_html(doc)
    low = html.lower()
    assert re.search(r'<html[^>]*\blang="sv"', html)
    assert "http://" not in low and "https://" not in low
    assert "<script" not in low
    assert "<link" not in low
    for forbidden in ("require.js", "requirejs", "mathjax", "font-awesome", "fontawesome", "jupyter-widgets", "cdn"):
        assert forbidden not in low, forbidden
    assert "@import" not in low
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", html)
    assert 'counter(page) " av " counter(pages)' in html
    assert '"Diarienummer SOC 2026/137"' in html
    # Letterhead, recipient, meta, title, body and signature, in this order.
    order = [
        "Bengtsfors kommun",
        "Kommunstyrelsens sociala utskott",
        "666 21 Bengtsfors",
        "842 80 Sveg",
        "27 november 2026",
        "SOC 2026/137",
        "Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL",
        "Skäl för begäran",
        "Anna Andersson &amp; Per Öst",
        "Socialsekreterare, Individ- och familjeomsorgen",
    ]
    body = html[html.index("<body") :]
    positions = [body.find(s) for s in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    assert "Åsa Öberg" in html
    assert "<title>Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL</title>" in html
    assert 'src="data:image/svg+xml;base64,' in html  # logo embedded, never linked
    assert "jp-Cell" not in html and "In&nbsp;[" not in html  # no notebook chrome
    assert "No description has been provided" not in html


def test_html_escapes_every_metadata_field():
    hostile = "<script>alert('x')</script> & \"citat\""
    doc = Document(
        title=f"Rubrik {hostile}",
        body_html="<p>Text</p>",
        diarienummer='SOC "2026"</style><script>x()</script>\\',
        date=datetime.date(2026, 2, 3),
        letterhead=Letterhead(f"Kommun {hostile}", f"Nämnd {hostile}", [f"Adress {hostile}"]),
        signature=[f"Namn {hostile}"],
        recipient_lines=[f"Mottagare {hostile}"],
    )
    html = to_html(doc)
    assert "<script" not in html.lower()
    assert html.count("<style") == html.count("</style>")  # the CSS string did not end <style>
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html or "&lt;script&gt;alert(&#39;x&#39;)" in html
    m = re.search(r"@bottom-left\s*\{\s*content:\s*(\"(?:[^\"\\]|\\.)*\");", html)
    assert m, "diarienummer must be one CSS string"
    assert m.group(1) == r'"Diarienummer SOC \"2026\"\3c /style>\3c script>x()\3c /script>\\"'


def test_html_without_optional_parts():
    doc = Document(
        title="Tjänsteanteckning",
        body_html="<p>Kort anteckning.</p>",
        diarienummer="",
        date=datetime.date(2026, 6, 6),
        letterhead=Letterhead("Bengtsfors kommun", "", []),
    )
    html = to_html(doc)
    for part in ("dd-recipient", "dd-signature", "dd-logo"):
        assert f'class="{part}"' not in html, part
    assert "Diarienummer" not in html
    assert "6 juni 2026" in html and "Kort anteckning." in html


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


def test_pdf_has_text_footer_and_a4_pages(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 2, "the realistic letter is two pages long"
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4_PT[0]) <= 1 and abs(height - A4_PT[1]) <= 1, (width, height)
    pages = [_squash(t) for t in _pdf_text(pdf_bytes)]
    first, everything = pages[0], " ".join(pages)
    assert "Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL" in first
    assert "Bengtsfors kommun" in first and "Kommunstyrelsens sociala utskott" in first
    assert "666 21 Bengtsfors" in first and "842 80 Sveg" in first
    assert "27 november 2026" in first
    assert "Åsa Öberg" in first and "Härjedalens kommun" in first
    assert "Skäl för begäran" in first and "Den enskildes inställning" in everything
    assert "Anna Andersson & Per Öst" in everything
    assert "Socialsekreterare, Individ- och familjeomsorgen" in pages[-1]
    n = len(pages)
    for i, text in enumerate(pages, start=1):
        assert f"Sida {i} av {n}" in text, text[-200:]
        assert "Diarienummer SOC 2026/137" in text
    assert reader.metadata.title == "Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL"


def test_pdf_text_with_pdftotext(pdf_bytes, tmp_path):
    """Cross-check with poppler: Swedish letters survive as text, not as glyph soup."""
    import subprocess  # noqa: PLC0415

    src = tmp_path / "brev.pdf"
    src.write_bytes(pdf_bytes)
    out = subprocess.run(
        ["pdftotext", "-layout", "-f", "1", "-l", "1", str(src), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "Begäran om överflyttning" in out
    assert "Åsa Öberg" in out
    assert re.search(r"Sida 1 av \d", out)
    assert "SOC 2026/137" in out


def test_pdf_makes_no_network_request(renderer, pdf_bytes):
    # Every request a printed page made (there should be none but data:/about:).
    seen = renderer.exporter.requests_seen
    assert all(u.startswith(("data:", "about:")) for u in seen), seen
    assert renderer.exporter.requests_blocked == []


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_printing_page_blocks_remote_resources(renderer):
    """Even HTML that asks for remote resources (not from our template) gets nothing fetched."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        html = (
            '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
            f'<link rel="stylesheet" href="{base}/stil.css"></head><body>'
            f'<p>Fjärrbild:</p><img src="{base}/spårning.png"><iframe src="{base}/ram"></iframe>'
            f"<script src=\"{base}/skript.js\"></script></body></html>"
        )
        before = len(renderer.exporter.requests_blocked)
        data = renderer.exporter.run_playwright(html)
    finally:
        server.shutdown()
        server.server_close()
    assert data.startswith(b"%PDF-")
    assert _CountingHandler.hits == []
    blocked = renderer.exporter.requests_blocked[before:]
    assert len(blocked) >= 2, blocked  # the routing saw (and aborted) the stylesheet and image
    assert all(u.startswith(base) for u in blocked)
    # The page reset after that document leaves nothing behind for the next one.
    renderer.exporter.requests_blocked[before:] = []
    renderer.exporter.requests_seen[:] = [
        u for u in renderer.exporter.requests_seen if not u.startswith(base)
    ]


def test_two_pdfs_one_browser_launch(monkeypatch, doc):
    from playwright.async_api import BrowserType  # noqa: PLC0415

    launches = []
    original = BrowserType.launch

    async def counting_launch(self, *args, **kwargs):
        launches.append(kwargs.get("executable_path"))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(BrowserType, "launch", counting_launch)
    short = short_document()
    with PdfRenderer() as r:
        first = r.pdf(doc)
        assert r.exporter.browser_open
        second = r.pdf(short)
        assert r.launch_count == 1
    assert launches == [r.chromium_path]
    assert not r.exporter.browser_open
    assert "Sida 1 av" in _pdf_text(first)[0] and "Sida 1 av 1" in _pdf_text(second)[0]


def test_renderer_recovers_after_browser_died_and_after_close(doc):
    short = short_document()
    with PdfRenderer() as r:
        r.pdf(short)
        ex = r.exporter
        asyncio.run_coroutine_threadsafe(ex._browser.close(), ex._loop).result(30)
        assert not ex.browser_open
        assert "Sida 1 av 1" in _pdf_text(r.pdf(short))[0]
        assert r.launch_count == 2
        r.close()
        assert "Sida 1 av 1" in _pdf_text(r.pdf(short))[0]
        assert r.launch_count == 3


def test_pdf_from_inside_a_running_event_loop(renderer):
    """Voilà/Jupyter kernels run an asyncio loop; the renderer must work from there."""
    short = short_document()

    async def in_kernel():
        return renderer.pdf(short)

    # A thread of its own: the session's Playwright browser may already run a loop in this one.
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("pdf", asyncio.run(in_kernel())))
    t.start()
    t.join(120)
    assert result["pdf"].startswith(b"%PDF-")


def test_html_and_pdf_pair(renderer, doc):
    html, pdf = renderer.html_and_pdf(doc)
    assert html == to_html(doc)
    assert "Diarienummer SOC 2026/137" in _squash(_pdf_text(pdf)[0])


def test_exporter_uses_project_template_by_default():
    ex = SystemChromiumPDFExporter()
    assert ex.template_name == "dumpning_dokument"
    assert ex.extra_template_basedirs == [str(render.TEMPLATE_DIR)]
    assert ex.exclude_input and ex.language_code == "sv"
    assert "--no-sandbox" in ex.browser_args and "--disable-background-networking" in ex.browser_args
    assert (render.TEMPLATE_DIR / "dumpning_dokument" / "index.html.j2").is_file()


# ---------------------------------------------------------------------------
# Finding Chromium
# ---------------------------------------------------------------------------


def _fake_executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def no_chromium_anywhere(monkeypatch, tmp_path):
    """A machine without any Chromium: no env, no Playwright browser, nothing in /usr/bin or PATH."""
    monkeypatch.delenv("DUMPNING_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "inga-webblasare"))
    monkeypatch.setattr(render, "SYSTEM_CHROMIUM_CANDIDATES", (str(tmp_path / "usr/bin/chromium"),))
    monkeypatch.setenv("PATH", str(tmp_path / "tom-path"))
    return tmp_path


def test_find_chromium_explicit_path_that_does_not_exist(no_chromium_anywhere, monkeypatch):
    monkeypatch.setenv("DUMPNING_CHROMIUM", str(no_chromium_anywhere / "finns-inte" / "chromium"))
    with pytest.raises(ChromiumMissing) as err:
        find_chromium(str(no_chromium_anywhere / "saknas" / "chromium"))
    msg = str(err.value)
    assert msg.startswith("Det gick inte att skapa PDF: Chromium hittades inte")
    assert "chromium_path" in msg and "saknas" in msg


def test_find_chromium_env_that_does_not_exist(no_chromium_anywhere, monkeypatch):
    monkeypatch.setenv("DUMPNING_CHROMIUM", "/finns/inte/chromium")
    with pytest.raises(ChromiumMissing, match="miljövariabeln DUMPNING_CHROMIUM"):
        find_chromium(None)


def test_find_chromium_nothing_installed(no_chromium_anywhere):
    with pytest.raises(ChromiumMissing) as err:
        find_chromium()
    assert str(err.value) == (
        "Det gick inte att skapa PDF: Chromium hittades inte. "
        "Installera paketet chromium eller ange sökvägen i inställningen chromium_path."
    )
    with pytest.raises(ChromiumMissing):
        PdfRenderer()


def test_find_chromium_order(no_chromium_anywhere, monkeypatch):
    tmp = no_chromium_anywhere
    system = _fake_executable(tmp / "usr/bin/chromium")
    assert find_chromium() == str(system)

    revision = _playwright_revision()
    pw = _fake_executable(tmp / "inga-webblasare" / f"chromium-{revision}" / "chrome-linux64" / "chrome")
    assert find_chromium() == str(pw)  # Playwright's own browser before the system one

    env = _fake_executable(tmp / "env" / "chromium")
    monkeypatch.setenv("DUMPNING_CHROMIUM", str(env))
    assert find_chromium() == str(env)

    setting = _fake_executable(tmp / "setting" / "chromium")
    assert find_chromium(str(setting)) == str(setting)

    on_path = _fake_executable(tmp / "tom-path" / "chromium-browser")
    monkeypatch.delenv("DUMPNING_CHROMIUM")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp / "annan"))
    system.unlink()
    assert find_chromium() == str(on_path)
    assert find_chromium("chromium-browser") == str(on_path)  # a bare name is looked up on PATH


def _playwright_revision() -> str:
    import json  # noqa: PLC0415

    import playwright  # noqa: PLC0415

    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    return next(b["revision"] for b in json.loads(browsers.read_text())["browsers"] if b["name"] == "chromium")


def test_playwright_browser_path_matches_playwright(monkeypatch, tmp_path):
    """Our cheap guess of Playwright's Chromium path is the path Playwright itself uses."""
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    result = {}

    def ask():  # the sync API refuses to run on a thread with a running loop; use a fresh one
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        with sync_playwright() as p:
            result["path"] = p.chromium.executable_path

    t = threading.Thread(target=ask)
    t.start()
    t.join(60)
    expected = Path(result["path"])
    _fake_executable(expected)
    assert render._playwright_chromium() == str(expected)
    os.unlink(expected)
    assert render._playwright_chromium() is None
