"""Exports of the assessment and the guideline's letters (dumpning_kit.export, documents, CLI, UI).

The PDF tests print with the real Chromium (/usr/bin/chromium or DUMPNING_CHROMIUM) and
read the PDFs back with pdftotext. Today is fixed at 2026-11-27 by conftest.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from dumpning_kit import export
from dumpning_kit.documents import DocumentRefused
from dumpning_kit.documents.sample import PERSONNUMMER, make_sample_case
from dumpning_kit.errors import UserError
from dumpning_kit.render import PdfRenderer
from dumpning_kit.settings import DEFAULT_SETTINGS
from dumpning_kit.testdata import is_test_personnummer

D = dt.date
PNR = PERSONNUMMER  # 19811218-9876, Skatteverket's test series
HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"
ALL_IDS = ["bedomning", "upplevelse", "skrivelse", "begaran", "ivo", "hembesok"]
SIGNATORY = "Eva Ordförande"


# ---- a realistic case ------------------------------------------------------------------

@pytest.fixture
def kit(store):
    """The conftest store, with a signatory in its settings (letters need one)."""
    store.settings = dataclasses.replace(store.settings, signatory_name=SIGNATORY)
    return store


def make_case(store, *, name="Åsa Öberg-Testsson", dnr="SN 2026/123", **kw):
    """A case of social dumping from Göteborg (dumpning_kit.documents.sample), as far as ``kw`` says."""
    assert is_test_personnummer(PNR)
    return make_sample_case(store, name=name, diarienummer=dnr, **kw)


def pdf_text(path: Path) -> str:
    """The PDF's text with whitespace (also no-break spaces and line breaks) made single spaces."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.replace("\u00a0", " ").split())


def plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def renderer():
    r = PdfRenderer()
    yield r
    r.close()


# ---- every document as PDF -------------------------------------------------------------

EXPECTED = {
    "bedomning": ["Bedömning och sammanställning", "Åsa Öberg-Testsson", PNR, "Förslag till bedömning",
                  "Misstanke om social dumpning", "Personen tog inte själv initiativet till flytten.",
                  "Avsnitt 1.1: Begreppet", "Avsnitt 2.2: Inleda process för återföring av ansvar",
                  "Fastställd social dumpning", "beslutat den 10 augusti 2026 av testhandlaggare",
                  "flytten föregicks inte av samverkan", "Åtgärdsplan", "Invänta den andra kommunens skriftliga svar",
                  "Förfallen sedan", "Tidslinje", "Händelser i ärendet", "Ärendet skapades", "Beslut registrerades",
                  "2 a kap. 10 § SoL (2001:453)", "Socialtjänstlag (2025:400)",
                  "Hänvisningarna står kvar som i riktlinjen", "Göteborgs kommun (1480)"],
    "upplevelse": ["Dokumentation av individens upplevelse", "Åsa Öberg-Testsson", PNR, "Göteborgs kommun",
                   "Jag fick veta att kontraktet inte skulle förlängas.", "mellantvång",
                   "Jag kände att jag inte hade något val: ”Annars står du på gatan.”", "Anna Handläggare"],
    "skrivelse": ["Socialnämnden i Göteborgs kommun", "Kommunstyrelsens sociala utskott",
                  "inte är acceptabelt", "gagnar inte den enskilde", "Åsa Öberg-Testsson", PNR,
                  "Personen har samtyckt", "Vi kräver att ni lämnar en skälig motivering och bedömning",
                  SIGNATORY, "Ordförande, kommunstyrelsens sociala utskott", "12 augusti 2026"],
    "begaran": ["Socialnämnden i Göteborgs kommun", "Begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL",
                "Åsa Öberg-Testsson", PNR, "Boendestöd enligt 4 kap. 1 § SoL (2001:453)",
                "Personen har bott i Göteborg i tolv år", "Personen vill återvända till Göteborgs kommun.",
                "Barnet (9 år) säger", "Gode mannen stöder", "1 januari 2026", "31 december 2027",
                "skriftliga svar senast den 30 oktober 2026, en månad från att ni tog emot begäran",
                "Inspektionen för vård och omsorg (IVO)", SIGNATORY],
    "ivo": ["Inspektionen för vård och omsorg (IVO)", "Avdelning mitt", "Box 423", "701 48 Örebro",
            "Ansökan till IVO om överflyttning av ärende enligt 2 a kap. 11 § SoL", "Åsa Öberg-Testsson", PNR,
            "Göteborgs kommun (kommunkod 1480)", "Varför personen har sin starkaste anknytning till Göteborgs kommun",
            "Personen har bott i Göteborg i tolv år", "Personens önskemål",
            "Personen vill att Göteborgs kommun ska ansvara", "Personen har sitt nätverk",
            "Barnets åsikt", "Barnet (9 år) säger", "Åsikt från ställföreträdare (god man)", "Gode mannen stöder",
            "Insats och lagstöd", "Boendestöd enligt 4 kap. 1 § SoL (2001:453)",
            "gäller från den 1 januari 2026 och väntas gälla till den 31 december 2027",
            "Barnen: påverkan på kort och lång sikt", "Barnen fick byta skola mitt i terminen.",
            "Bilagor", "justerat protokollsutdrag", "delegationsbeslutet",
            "Kopia av vår begäran om överflyttning till Göteborgs kommun, daterad 28 september 2026",
            "Något svar från Göteborgs kommun finns inte att bifoga",
            "sista dag 30 oktober 2026", SIGNATORY],
    "hembesok": ["Hembesöksprotokoll", "Åsa Öberg-Testsson", PNR, "20 augusti 2026",
                 "Personen samtyckte till hembesöket.", "Ett rum och kök för tre personer. Fukt i badrummet.",
                 "Nej, olämpligt", "uppmanats att söka en ny bostad", "Barnperspektivet",
                 "Barnen delar säng; ingen akut risk sågs.", "Råd till personen",
                 "Råd om bostadssökande och kontakt med budget- och skuldrådgivningen.", "Anna Handläggare"],
}


def test_every_document_as_pdf_and_html(kit, renderer, tmp_path):
    case = make_case(kit)
    allowed = [(s.id, ok) for s, ok, _ in export.allowed_documents(kit, case)]
    # The answer to an incoming request (1.1) belongs to another kind of case: it is not listed.
    assert allowed == [(i, True) for i in ALL_IDS]
    out = tmp_path / "ut"
    paths = export.export_case(kit, case.id, formats=("html", "pdf"), out_dir=out, renderer=renderer)
    assert [p.name for p in paths] == [f"SN-2026-123-{d}.{f}" for d in ALL_IDS for f in ("html", "pdf")]
    assert renderer.launch_count == 1  # six documents, one browser
    for doc_id in ALL_IDS:
        pdf = out / f"SN-2026-123-{doc_id}.pdf"
        reader = PdfReader(pdf)
        w, h = (float(x) for x in reader.pages[0].mediabox.upper_right)
        assert (round(w), round(h)) == (595, 842), doc_id  # A4
        text = pdf_text(pdf)
        missing = [needle for needle in EXPECTED[doc_id] if plain(needle) not in text]
        assert not missing, f"{doc_id}: {missing}"
        assert "Diarienummer SN 2026/123" in text and f"Sida 1 av {len(reader.pages)}" in text
        page = (out / f"SN-2026-123-{doc_id}.html").read_text(encoding="utf-8")
        assert '<html lang="sv">' in page
        assert not re.search(r"https?://", page), doc_id
        assert "<script" not in page
        assert (out / f"SN-2026-123-{doc_id}.pdf").stat().st_mode & 0o077 == 0  # owner-only files
    # The exports are in the case's log, one event per file.
    events = [e for e in kit.events(case.id) if e.kind == "exporterat"]
    assert [(e.detail["document"], e.detail["format"]) for e in events] == [(d, f) for d in ALL_IDS
                                                                            for f in ("html", "pdf")]
    assert events[0].detail["title"] == "Bedömning och sammanställning"
    assert all(e.user == "testhandlaggare" for e in events)


def test_hostile_name_is_printed_literally(kit, renderer, tmp_path):
    case = make_case(kit, name=HOSTILE, dnr="<b>SN</b> {{ 7*7 }}")
    case = kit.save_answers(case.id, case.version, {"upplevelse": f"Hen sa: {HOSTILE} & <img src=x onerror=alert(2)>"})
    paths = export.export_case(kit, case.id, ["upplevelse", "bedomning"], formats=("html", "pdf"), out_dir=tmp_path,
                               renderer=renderer)
    assert [p.name for p in paths] == ["b-SN-b-7-7-upplevelse.html", "b-SN-b-7-7-upplevelse.pdf",
                                       "b-SN-b-7-7-bedomning.html", "b-SN-b-7-7-bedomning.pdf"]
    page = paths[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page
    assert "<script" not in page and "<img" not in page and "<b>SN" not in page
    assert "49" not in re.sub(r"<style.*?</style>", "", page, flags=re.S)  # never evaluated as a template
    for pdf in (paths[1], paths[3]):
        text = pdf_text(pdf)
        assert HOSTILE in text
        assert "<b>SN</b> {{ 7*7 }}" in text  # diarienummer, in the header and the footer
    assert "<img src=x onerror=alert(2)>" in pdf_text(paths[1])


# ---- preconditions -----------------------------------------------------------------------

def refusal(store, case, doc_id, **kw) -> str:
    with pytest.raises(DocumentRefused) as err:
        export.build_document(store, case, doc_id, **kw)
    allowed = {s.id: (ok, why) for s, ok, why in export.allowed_documents(store, case)}
    if not kw:
        assert allowed[doc_id] == (False, str(err.value))
    return str(err.value)


def test_ivo_refused_before_the_month_has_passed(kit):
    case = make_case(kit, received=D(2026, 11, 10))  # answer due 10 December 2026
    text = refusal(kit, case, "ivo")
    assert "avvisat begäran skriftligt eller inte har svarat inom en månad" in text
    # The begäran now states the computed date.
    html = export.render.to_html(export.build_document(kit, case, "begaran"))
    assert "senast den <strong>10 december 2026</strong>" in plain(html)
    # A written refusal opens the way at once.
    case = kit.save_answers(case.id, case.version, {"svar_datum": D(2026, 11, 20), "svar": "avvisar"})
    body = plain(export.build_document(kit, case, "ivo").body_html)
    assert "avvisade begäran i ett skriftligt svar den 20 november 2026" in body
    assert "Kopia av svaret från Göteborgs kommun, daterat 20 november 2026" in body
    assert "Något svar från" not in body


def test_ivo_refused_without_a_request_and_when_the_answer_was_yes(kit):
    case = make_case(kit, received=None)
    refusal(kit, case, "ivo")
    body = plain(export.build_document(kit, case, "begaran").body_html)
    assert "senast en månad från att ni tog emot begäran" in body
    case = make_case(kit, dnr="SN 2026/124", received=D(2026, 9, 30))
    case = kit.save_answers(case.id, case.version, {"svar_datum": D(2026, 10, 20), "svar": "accepterar"})
    assert "tar tillbaka ärendet" in refusal(kit, case, "ivo")


def test_ivo_needs_the_persons_wishes(kit):
    case = make_case(kit, wish="vet_ej")
    assert "vilken kommun personen vill" in refusal(kit, case, "ivo")
    case = make_case(kit, dnr="SN 2026/125", wish="stanna")
    assert "Varför ska ärendet flyttas över trots att personen inte vill det" in refusal(kit, case, "ivo")


def test_ivo_against_the_persons_will_explains_why(kit):
    """The guideline asks why the case should move anyway; the application sets it out."""
    case = make_case(kit, wish="stanna")
    assert "”Varför ska ärendet flyttas över trots att personen inte vill det”" in refusal(kit, case, "ivo")
    case = kit.save_answers(case.id, case.version, {"skal_trots_motstand": "Personens behov av vård kan bara "
                                                    "tillgodoses där behandlingen finns."})
    body = plain(export.build_document(kit, case, "ivo").body_html)
    assert "Personen motsätter sig alltså överflyttningen." in body
    assert "Varför ärendet ändå bör flyttas över</h3><p>Personens behov av vård" in body.replace("> <", "><")


def test_hembesok_needs_consent(kit):
    case = make_case(kit, home_consent="nej")
    assert "samtycke" in refusal(kit, case, "hembesok")
    case = make_case(kit, dnr="SN 2026/126", decision=False)  # the step applies only after a decision
    assert "samtycke" in refusal(kit, case, "hembesok")


def test_skrivelse_demands_motivation_only_with_consent(kit):
    case = make_case(kit, consent="nej")
    text = refusal(kit, case, "skrivelse", krav_motivering=True)
    assert "nej till att vi kräver en motivering" in text and "samtycke" in text
    body = plain(export.build_document(kit, case, "skrivelse").body_html)  # follows the consent: no demand
    assert "inte är acceptabelt" in body and "gagnar inte den enskilde" in body
    assert "kräver" not in body and "motivering" not in body
    assert "Åsa" not in body and PNR not in body  # nothing that identifies the person
    assert "inte samtyckt" in body
    # With consent, the default demands; the caseworker may still choose the letter without a demand.
    case = make_case(kit, dnr="SN 2026/127", consent="ja")
    body = plain(export.build_document(kit, case, "skrivelse").body_html)
    assert "Vi kräver att ni lämnar en skälig motivering och bedömning" in body and PNR in body
    body = plain(export.build_document(kit, case, "skrivelse", krav_motivering=False).body_html)
    assert "kräver" not in body and PNR not in body


def test_no_skrivelse_after_deciding_it_was_not_dumping(kit):
    case = make_case(kit, decision=False)
    assert export.build_document(kit, case, "skrivelse")  # a suspicion is enough
    case = kit.record_decision(case.id, case.version, "inte_dumpning", "Flytten skedde i samverkan, visade det sig.")
    assert "inte är social dumpning" in refusal(kit, case, "skrivelse")


def test_missing_values_are_named_with_their_step(kit):
    case = make_case(kit, experience=False)
    text = refusal(kit, case, "upplevelse")  # the guideline's own refusal text
    assert "Kontakt med berörd kommun" in text
    case = kit.save_answers(case.id, case.version, {"upplevelse": "Jag visste inte var Bengtsfors låg."})
    text = refusal(kit, case, "upplevelse")  # the experience of pressure is still missing
    assert "”Upplevde personen att hen pressades att flytta, utan att det var formellt tvång”" in text
    assert "i steget Kontakt med berörd kommun" in text


def test_letters_without_a_configured_signatory(store, monkeypatch):
    """No name in the settings: a fictitious person (test personnummer, as in the demo) gets a clearly
    fictitious signatory; a real person's letter gets lines to sign by hand; a saved name wins."""
    from dumpning_kit import settings as settings_mod, testdata
    case = make_case(store)
    assert store.settings.signatory_name == ""
    for doc_id in ("skrivelse", "begaran", "ivo"):
        sig = export.build_document(store, case, doc_id).signature
        assert sig[0] == settings_mod.DEMO_SIGNATORY[0] and "påhittad" in sig[1], sig
    assert export.build_document(store, case, "upplevelse").signature[0] == "Anna Handläggare"

    monkeypatch.setattr(testdata, "is_test_personnummer", lambda value: False)  # as for a real person
    sig = export.build_document(store, case, "ivo").signature
    assert sig[0].startswith("Underskrift: ___") and sig[1].startswith("Namnförtydligande: ___")
    assert sig[2:] == ["Ordförande, kommunstyrelsens sociala utskott"]  # the committee is in the title

    settings_mod.save_signatory("  Kim   Exempelordförande ", "Ordförande")
    assert (Path(settings_mod.data_dir()) / "underskrift.yaml").stat().st_mode & 0o777 == 0o600
    sig = export.build_document(store, case, "begaran").signature
    assert sig == ["Kim Exempelordförande", "Ordförande", "Kommunstyrelsens sociala utskott"]
    with pytest.raises(Exception, match="Skriv namnet"):
        settings_mod.save_signatory("   ")


def test_hand_signature_block_in_the_pdf(store, renderer, tmp_path, monkeypatch):
    from dumpning_kit import testdata
    monkeypatch.setattr(testdata, "is_test_personnummer", lambda value: False)
    case = make_case(store)
    [path] = export.export_case(store, case.id, ["skrivelse"], formats=("pdf",), renderer=renderer)
    text = pdf_text(path)
    assert "Underskrift: ___" in text and "Namnförtydligande: ___" in text
    assert "Ordförande, kommunstyrelsens sociala utskott" in text


def test_unknown_document_and_format(kit):
    case = make_case(kit)
    with pytest.raises(UserError, match="finns inte"):
        export.build_document(kit, case, "../../etc/passwd")
    with pytest.raises(UserError, match="Okänt format"):
        export.export_case(kit, case.id, ["bedomning"], formats=("docx",))
    assert not [e for e in kit.events(case.id) if e.kind == "exporterat"]


def test_file_names_cannot_leave_the_export_folder(kit, tmp_path):
    assert export.safe_name("../../etc/passwd", "x") == "etc-passwd"
    assert export.safe_name("..", "arende-1") == "arende-1"
    assert export.safe_name("SN 2026/123 Åsa", "x") == "SN-2026-123-Asa"
    case = make_case(kit, dnr="../../../tmp/x")
    paths = export.export_case(kit, case.id, ["bedomning"], formats=("html",))
    base = (tmp_path / "data" / "exports").resolve()
    assert paths == [base / f"{case.id}-tmp-x" / "tmp-x-bedomning.html"]


# ---- CLI ---------------------------------------------------------------------------------

@pytest.fixture
def cli_env(kit, tmp_path, monkeypatch):
    """The CLI opens its own Store: point it at the test database and a settings file with a signatory."""
    from dumpning_kit import settings as settings_mod
    text = DEFAULT_SETTINGS.read_text(encoding="utf-8")
    text = text.replace("guideline: ../guidelines/bengtsfors.yaml",
                        f"guideline: {DEFAULT_SETTINGS.parent.parent / 'guidelines' / 'bengtsfors.yaml'}")
    text = text.replace('  name: ""', f"  name: {SIGNATORY}")
    path = tmp_path / "installningar.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DUMPNING_SETTINGS", str(path))
    monkeypatch.setenv("DUMPNING_DATABASE_URL", kit.url)
    settings_mod.default_settings.cache_clear()
    yield kit
    settings_mod.default_settings.cache_clear()


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    from dumpning_kit.cli import main
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse errors
        code = e.code
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_bad_input(cli_env, capsys, tmp_path):
    case = make_case(cli_env, received=D(2026, 11, 10))
    cases = [
        (str(case.id), "--document", "ivo"),                      # refused: the month has not passed
        (str(case.id), "--document", "brev"),                     # no such document
        (str(case.id),),                                          # neither --document nor --all
        (str(case.id), "--all", "--document", "bedomning"),       # both
        ("9999", "--document", "bedomning"),                      # no such case
        ("SN 1999/1", "--document", "bedomning"),                 # no such diarienummer
        (str(case.id), "--document", "bedomning", "--format", "docx"),
    ]
    for argv in cases:
        code, out, err = run_cli(capsys, "export", *argv, "--out", str(tmp_path / "ut"))
        assert code == 2, argv
        assert out == "", argv
        assert err.startswith("dumpning-kit: fel: ") and err.count("\n") == 1, (argv, err)
    assert "en månad" in run_cli(capsys, "export", str(case.id), "--document", "ivo")[2]
    assert not (tmp_path / "ut").exists() or not list((tmp_path / "ut").iterdir())


def test_cli_skrivelse_demanding_needs_consent(cli_env, capsys, tmp_path):
    case = make_case(cli_env, consent="nej")
    argv = ["export", str(case.id), "--document", "skrivelse", "--format", "html", "--out", str(tmp_path / "ut")]
    code, out, err = run_cli(capsys, *argv, "--krav-motivering", "ja")
    assert (code, out) == (2, "") and "samtycke" in err and err.count("\n") == 1
    code, out, err = run_cli(capsys, *argv)  # follows the consent: the letter without a demand
    assert (code, err) == (0, "")
    assert "inte samtyckt" in plain(Path(out.strip()).read_text(encoding="utf-8"))


def test_cli_exports_by_diarienummer(cli_env, capsys, tmp_path):
    case = make_case(cli_env)
    code, out, err = run_cli(capsys, "export", case.diarienummer, "--document", "hembesok", "--document", "begaran",
                             "--format", "html", "--out", str(tmp_path / "ut"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [str(tmp_path / "ut" / "SN-2026-123-hembesok.html"),
                                str(tmp_path / "ut" / "SN-2026-123-begaran.html")]
    assert SIGNATORY in (tmp_path / "ut" / "SN-2026-123-begaran.html").read_text(encoding="utf-8")


def test_cli_all_exports_only_allowed_documents_with_one_browser(cli_env, capsys, tmp_path, monkeypatch):
    launched = []

    class CountingRenderer(PdfRenderer):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            launched.append(self)

    monkeypatch.setattr(export, "PdfRenderer", CountingRenderer)
    case = make_case(cli_env, received=D(2026, 11, 10), home_consent="nej")  # no IVO, no home visit yet
    code, out, err = run_cli(capsys, "export", str(case.id), "--all", "--format", "pdf")
    assert code == 1  # some documents could not be made: not a silent success
    assert err.splitlines()[-1] == "dumpning-kit: 2 av ärendets 6 dokument kunde inte skapas (se raderna ovan)."
    folder = (tmp_path / "data" / "exports" / f"{case.id}-SN-2026-123").resolve()
    assert out.splitlines() == [str(folder / f"SN-2026-123-{d}.pdf")
                                for d in ("bedomning", "upplevelse", "skrivelse", "begaran")]
    assert len(launched) == 1 and launched[0].launch_count == 1
    assert not launched[0].exporter.browser_open  # closed at the end
    assert "Ansökan till IVO" in err and "Hembesöksprotokoll" in err
    assert all(Path(p).read_bytes().startswith(b"%PDF") for p in out.splitlines())


# ---- UI ----------------------------------------------------------------------------------

def test_document_panel(kit, monkeypatch):
    from dumpning_kit.ui.documents import DocumentPanel
    case = make_case(kit, received=D(2026, 11, 10))
    panel = DocumentPanel(kit, case)
    assert list(panel.rows) == ALL_IDS
    assert not panel.rows["ivo"]["ok"] and not panel.rows["ivo"]["buttons"]
    ivo_row = panel.box.children[ALL_IDS.index("ivo")]
    assert "inte har svarat inom en månad" in ivo_row.children[-1].value
    pdf_button, html_button = panel.rows["hembesok"]["buttons"]
    assert (pdf_button.description, html_button.description) == ("Skapa PDF", "Skapa HTML")
    assert all(b.tooltip for r in panel.rows.values() for b in r["buttons"])
    html_button.click()
    result = panel.rows["hembesok"]["result"].value
    assert '<a download="SN-2026-123-hembesok.html" href="data:text/html;base64,' in result
    assert "Ladda ned Hembesöksprotokoll (HTML" in result
    assert not html_button.disabled

    def broken(*a, **kw):
        raise RuntimeError("Traceback: secret internals")

    monkeypatch.setattr("dumpning_kit.ui.documents.export_case", broken)
    panel.rows["begaran"]["buttons"][1].click()
    shown = panel.rows["begaran"]["result"].value
    assert 'role="alert"' in shown and "Traceback" not in shown and "oväntat fel" in shown


def test_document_panel_creates_all_with_one_browser(kit, monkeypatch):
    from dumpning_kit.ui.documents import DocumentPanel
    launched = []

    class CountingRenderer(PdfRenderer):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            launched.append(self)

    monkeypatch.setattr(export, "PdfRenderer", CountingRenderer)
    case = make_case(kit)
    panel = DocumentPanel(kit, case)
    panel.all_button.click()
    assert len(launched) == 1 and launched[0].launch_count == 1
    links = panel.all_links.value
    assert links.count('href="data:application/pdf;base64,') == len(ALL_IDS)
    assert "Ladda ned Ansökan till IVO" in links
    assert "6 dokument skapades" in panel.status.value


def test_cli_remembers_the_signatory(cli_env, capsys, tmp_path, monkeypatch):
    from dumpning_kit import settings as settings_mod
    monkeypatch.setenv("DUMPNING_SETTINGS", str(DEFAULT_SETTINGS))  # the shipped settings: no signatory
    settings_mod.default_settings.cache_clear()
    case = make_case(cli_env)
    argv = ["export", str(case.id), "--document", "begaran", "--format", "html", "--out", str(tmp_path / "ut")]
    code, out, err = run_cli(capsys, *argv, "--titel", "Ordförande")
    assert code == 2 and "--undertecknare" in err
    code, out, err = run_cli(capsys, *argv, "--undertecknare", "Kim Exempelordförande", "--titel", "Ordförande")
    assert (code, err) == (0, "")
    assert "Kim Exempelordförande" in Path(out.strip()).read_text(encoding="utf-8")
    assert settings_mod.saved_signatory() == ("Kim Exempelordförande", "Ordförande")


@pytest.mark.browser
def test_document_panel_in_voila_downloads_a_pdf(voila_server_factory, page, tmp_path):
    """In the real app: the summary step lists the documents; a created PDF downloads offline."""
    import os

    from playwright.sync_api import expect

    from dumpning_kit.store import Store
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    store = Store(f"sqlite:///{data / 'dumpning.sqlite'}")
    case = make_case(store, received=D(2026, 11, 10))
    store.close()
    server = voila_server_factory(env={"DUMPNING_DATA_DIR": str(data), "DUMPNING_USER": "testhandlaggare"})
    page.goto(f"{server.url}/?arende={case.id}")
    page.get_by_role("button", name=re.compile(r"^\d+\. Sammanställning")).click()
    expect(page.get_by_role("heading", name="Hembesöksprotokoll")).to_be_visible(timeout=60000)
    # Refused documents say why; here IVO (the month has not passed).
    expect(page.get_by_text("inte har svarat inom en månad")).to_be_visible()
    row = page.locator(".widget-vbox", has=page.get_by_role("heading", name="Hembesöksprotokoll")).last
    button = row.get_by_role("button", name="Skapa PDF")
    button.focus()
    page.keyboard.press("Enter")  # keyboard usable
    link = row.get_by_role("link", name=re.compile("Ladda ned Hembesöksprotokoll"))
    expect(link).to_be_visible(timeout=60000)
    with page.expect_download() as dl:
        link.click()
    saved = tmp_path / "nedladdad.pdf"
    dl.value.save_as(saved)
    assert dl.value.suggested_filename == "SN-2026-123-hembesok.pdf"
    assert "Hembesöksprotokoll" in pdf_text(saved)
    assert "Traceback" not in page.content()
    assert os.path.exists(data / "exports" / f"{case.id}-SN-2026-123" / "SN-2026-123-hembesok.pdf")


def test_answer_to_an_incoming_request_is_a_letter_with_our_position(kit, renderer, tmp_path):
    """1.1: "Mottagande kommuns socialnämnd behandlar den inkomna begäran utan dröjsmål och ska
    skriftligen meddela sin inställning." """
    from dumpning_kit.documents.sample import make_incoming_request_case
    case = make_incoming_request_case(kit, answered=False)
    st = kit.state(case)
    assert st.classification == "berattigad"
    item = {i.action.id: i for i in st.action_plan}["besvara_inkommen_begaran"]
    assert item.status == "att_gora" and item.deadline.due == D(2026, 12, 2)
    paths = export.export_case(kit, case.id, ["svar_inkommen_begaran"], formats=("pdf",), out_dir=tmp_path,
                               renderer=renderer)
    text = pdf_text(paths[0])
    for needle in ["Svar på begäran om överflyttning av ärende enligt 2 a kap. 10 § SoL", "Socialnämnden i Borås",
                   "Begäran kom in till oss den 2 november 2026", "Bengtsfors kommun tar över ansvaret för ärendet",
                   "Personen har flyttat hit för att skydda sig", SIGNATORY,
                   "Socialtjänstlagen (2001:453) har ersatts av Socialtjänstlag (2025:400)"]:
        assert plain(needle) in text, needle


def test_answer_to_an_incoming_request_is_refused_without_a_position(kit):
    from dumpning_kit.documents.sample import make_incoming_request_case
    case = make_incoming_request_case(kit, position=None)
    (ok, why), = [(ok, why) for s, ok, why in export.allowed_documents(kit, case) if s.id == "svar_inkommen_begaran"]
    assert not ok and "vår inställning" in why  # 1.1: "skriftligen meddela sin inställning"


def test_letters_go_to_the_committee_typed_for_the_case(kit, renderer, tmp_path):
    """Large cities have several social committees: the addressee is editable per case."""
    case = make_case(kit, received=None)
    case = kit.save_answers(case.id, case.version, {"mottagare": "Socialnämnd Nordost, Göteborgs stad"})
    paths = export.export_case(kit, case.id, ["skrivelse"], formats=("pdf",), out_dir=tmp_path, renderer=renderer)
    text = pdf_text(paths[0])
    assert "Socialnämnd Nordost, Göteborgs stad" in text and "Socialnämnden i Göteborg" not in text
    assert "Socialtjänstlagen (2001:453) har ersatts av Socialtjänstlag (2025:400)" in text  # the law notice


def test_letters_state_the_period_the_guideline_file_sets(kit, renderer, tmp_path, monkeypatch):
    """A municipality that sets two months gets letters that say two months, never "en månad"."""
    import yaml
    from dumpning_kit.guideline import load_guideline
    src = yaml.safe_load(kit.g.source.read_text(encoding="utf-8"))
    next(d for d in src["deadlines"] if d["id"] == "svar_pa_begaran")["months"] = 2
    path = tmp_path / "tva-manader.yaml"
    path.write_text(yaml.safe_dump(src, allow_unicode=True, sort_keys=False), encoding="utf-8")
    kit.g = load_guideline(path)
    case = make_case(kit, received=D(2026, 9, 15))  # no answer; 15 November is a Sunday
    paths = export.export_case(kit, case.id, ["begaran", "ivo"], formats=("html",), out_dir=tmp_path / "ut",
                               renderer=renderer)
    begaran, ivo = (plain(p.read_text(encoding="utf-8")) for p in paths)
    assert "16 november 2026</strong>, två månader från att ni tog emot" in begaran
    assert "inom två månader" in begaran and "en månad" not in begaran
    assert "inom två månader från att kommunen tog emot begäran" in ivo and "en månad" not in ivo
