"""Issue 12, point 5: direction-control characters cannot turn a letter against its reader.

Refused at input with a Swedish message (case.clean_value); and for data that got in
some other way (an old database, an import), removed from every document and each value
printed into a letter is its own direction island. Read back from a real PDF with pdftotext.
"""
from __future__ import annotations

import dataclasses
import subprocess

import pytest
from sqlalchemy import select, update

from dumpning_kit import export
from dumpning_kit.case import BIDI_CONTROLS, clean_value, strip_bidi
from dumpning_kit.documents.sample import PERSONNUMMER, make_sample_case
from dumpning_kit.errors import ValidationError
from dumpning_kit.render import PdfRenderer
from dumpning_kit.store import cases

PNR = PERSONNUMMER
RLO = "\u202e"


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return " ".join(out.replace("\u00a0", " ").split())


def test_every_direction_control_is_refused_at_input_in_swedish(store):
    assert {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F,
            0x061C} == {ord(c) for c in BIDI_CONTROLS}
    g = store.g
    name_q, text_q = g.question("namn"), g.question("upplevelse")
    for ch in sorted(BIDI_CONTROLS):
        for q in (name_q, text_q):
            with pytest.raises(ValueError, match="osynligt tecken som vänder textens riktning"):
                clean_value(q, f"Åsa {ch}Öberg")
    assert clean_value(name_q, "محمد Öberg") == "محمد Öberg"  # right-to-left letters themselves are fine
    with pytest.raises(ValidationError) as err:
        store.create_case({"diarienummer": "SN 2026/9", "namn": f"Åsa {RLO}grebÖ", "personnummer": PNR,
                           "handlaggare": "Anna", "tidigare_kommun": "1480", "ankomstdatum": "2026-11-01",
                           "forsta_kontakt": "2026-11-02", "barn_i_hushallet": "nej"})
    assert "riktning" in str(err.value.errors if hasattr(err.value, "errors") else err.value)
    assert store.list_cases() == []
    assert strip_bidi(f"a{RLO}b\u2066c\u2069") == "abc"


@pytest.fixture
def kit(store):
    store.settings = dataclasses.replace(store.settings, signatory_name="Eva Ordförande")
    return store


def test_rtl_override_in_stored_data_cannot_reverse_a_letter(kit, tmp_path):
    """A name with an unterminated U+202E that got into the database before the input check
    (written straight into the table here): the letter reads in order, personnummer included."""
    case = make_sample_case(kit, name="Åsa Öberg-Testsson", diarienummer="SN 2026/123")
    with kit.engine.begin() as conn:
        answers = conn.execute(select(cases.c.answers).where(cases.c.id == case.id)).scalar_one()
        answers = {**answers, "namn": f"Åsa {RLO}Öberg-Testsson",
                   "upplevelse": f"Jag fick veta {RLO}att kontraktet inte skulle förlängas."}
        conn.execute(update(cases).where(cases.c.id == case.id).values(answers=answers))
    with PdfRenderer() as renderer:
        paths = export.export_case(kit, case.id, ["skrivelse", "upplevelse", "bedomning"], formats=("html", "pdf"),
                                   out_dir=tmp_path, renderer=renderer)
    by_name = {p.name: p for p in paths}
    for p in paths:
        text = p.read_text(encoding="utf-8") if p.suffix == ".html" else pdf_text(p)
        assert BIDI_CONTROLS.isdisjoint(text), p.name
    skrivelse = pdf_text(by_name["SN-2026-123-skrivelse.pdf"])
    assert f"Skrivelsen gäller Åsa Öberg-Testsson, personnummer {PNR}, som" in skrivelse
    assert PNR[::-1] not in skrivelse and "nossttseT" not in skrivelse
    upplevelse = pdf_text(by_name["SN-2026-123-upplevelse.pdf"])
    assert "Jag fick veta att kontraktet inte skulle förlängas." in upplevelse
    bedomning = pdf_text(by_name["SN-2026-123-bedomning.pdf"])
    assert "Åsa Öberg-Testsson" in bedomning and PNR in bedomning



def test_right_to_left_names_are_their_own_direction_island():
    from markupsafe import Markup

    from dumpning_kit.documents import _isolate, environment
    assert _isolate("محمد حسن") == Markup('<span dir="auto">محمد حسن</span>')
    assert _isolate(f"Åsa {RLO}Öberg") == "Åsa Öberg" and _isolate("19811218-9876") == "19811218-9876"
    html = environment().from_string("<p>Skrivelsen gäller {{ name }}, personnummer {{ pnr }}.</p>").render(
        name=f"<b>محمد</b> {RLO}حسن", pnr=PNR)
    assert html == f'<p>Skrivelsen gäller <span dir="auto">&lt;b&gt;محمد&lt;/b&gt; حسن</span>, personnummer {PNR}.</p>'


def test_the_app_pages_escape_direction_controls_too():
    from dumpning_kit.ui.common import esc
    assert esc(f"<Åsa {RLO}Öberg>") == "&lt;Åsa Öberg&gt;"


def test_register_files_carry_no_direction_controls(store):
    from dumpning_kit import register
    from dumpning_kit.documents.sample import make_sample_case
    case = make_sample_case(store, name="Åsa Öberg-Testsson", diarienummer="SN 2026/123")
    with store.engine.begin() as conn:
        answers = conn.execute(select(cases.c.answers).where(cases.c.id == case.id)).scalar_one()
        conn.execute(update(cases).where(cases.c.id == case.id).values(
            answers={**answers, "hyresvard_namn": f"Testbo {RLO}AB"}))
    df = register.read_identified(store, ("namn", "hyresvard_namn"), purpose="test").cases
    assert RLO in df["hyresvard_namn"].iloc[0]  # the DataFrame is the data as stored
    csv = register.to_csv_bytes(df).decode("utf-8-sig")
    assert "Testbo AB" in csv and BIDI_CONTROLS.isdisjoint(csv)
