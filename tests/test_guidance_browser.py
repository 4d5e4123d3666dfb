"""The suggestion and action plan as a caseworker sees them, in a real Voilà server in Chromium.

Four situations, every question answered as the story says: a voluntary move, a protected
move prepared in cooperation, the first form of 1.1.1 (social contract ended, referred to a
landlord here) and a request the other municipality rejected in writing. Set DUMPNING_SHOTS
to a folder to keep the screenshots.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

D = dt.date
CORE = {"handlaggare": "Anna Handläggare", "barn_i_hushallet": "nej", "stallforetradare": "ingen"}
QUIET = {"skyddad_flytt": "nej", "formell_begaran_inkommen": "nej", "pagaende_bistand": "nej",
         "form": "inget_sarskilt", "hanvisad_hyresvard": "nej", "folkbokford_hos_annan": "nej",
         "fick_kontaktuppgifter": "nej", "sokte_hjalp_direkt": "nej", "vill_atervanda": "nej"}


def _cases(store):
    from dumpning_kit.testdata import test_personnummer as pnr
    made = {}

    def case(key, dnr, name, born, code, arrived, answers, decision=None):
        c = store.create_case({**CORE, "diarienummer": dnr, "namn": name, "personnummer": pnr(born, 990 + len(made)),
                               "tidigare_kommun": code, "ankomstdatum": arrived,
                               "forsta_kontakt": arrived + dt.timedelta(days=1)})
        for chunk in answers:
            c = store.save_answers(c.id, c.version, chunk)
        if decision:
            c = store.record_decision(c.id, c.version, decision, "Motiverat utifrån samtalet och riktlinjen.",
                                      on=D(2026, 11, 20))
        made[key] = c
    # Moved to be near her sister; had bistånd in Stockholm, got our number, came in at once.
    case("frivillig", "SN 2026/301", "Sara Testlund", D(1985, 3, 4), "0180", D(2026, 11, 2),
         [{**QUIET, "eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "nej",
           "pagaende_bistand": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja",
           "bedomning_kommentar": "Ville bo nära sin syster."}])
    # Protected move after violence, planned with Borås' social services.
    case("skyddad", "SN 2026/302", "Leila Provander", D(1990, 6, 7), "1490", D(2026, 11, 9),
         [{**QUIET, "eget_initiativ": "ja", "egen_vilja": "ja", "samverkan_fore_flytten": "ja", "skyddad_flytt": "ja",
           "pagaende_bistand": "ja", "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja"}])
    # 1.1.1, the first form: the social contract ended, told to call a landlord here.
    case("form1", "SN 2026/303", "Mats Exempelberg", D(1970, 1, 8), "1480", D(2026, 11, 16),
         [{**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
           "pagaende_bistand": "ja", "form": "socialt_kontrakt", "hanvisad_hyresvard": "ja",
           "fick_kontaktuppgifter": "ja", "sokte_hjalp_direkt": "ja", "vill_atervanda": "ja"},
          {"misstanke_datum": D(2026, 11, 26)}])
    # Göteborg rejected our 10 § request in writing.
    case("avvisad", "SN 2026/304", "Omar Fiktivsson", D(1965, 9, 10), "1480", D(2026, 8, 3),
         [{**QUIET, "eget_initiativ": "nej", "egen_vilja": "nej", "samverkan_fore_flytten": "nej",
           "pagaende_bistand": "ja", "form": "nekat_bistand", "hanvisad_hyresvard": "ja"},
          {"misstanke_datum": D(2026, 8, 5), "kontakt_datum": D(2026, 8, 5), "kontakt_person": "Enhetschef",
           "markerat_oacceptabelt": "ja", "samtycke_motivering": "ja", "motivering_begard_datum": D(2026, 8, 6),
           "upplevelse": "De sa att jag inte fick någon hjälp om jag stannade.",
           "mellantvang": "Ja, jag kände att jag inte hade något val.", "skrivelse_skickad": D(2026, 8, 10),
           "bistand_vardbehov": "ja", "individens_installning": "atervanda",
           "individens_skal": "Min läkare och mina barn finns i Göteborg.",
           "starkast_anknytning": "Har bott i Göteborg i trettio år.", "insats": "Boendestöd",
           "behov_fran": D(2026, 1, 1), "behov_till": D(2027, 12, 31), "begaran_skickad": D(2026, 10, 1),
           "begaran_mottagen": D(2026, 10, 2), "svar_datum": D(2026, 11, 16), "svar": "avvisar"}],
         decision="faststalld")
    return made


EXPECT = {
    "frivillig": ("Inga tecken på social dumpning", ["Personen tog själv initiativet till flytten."],
                  "Bedöm om det är social dumpning"),
    "skyddad": ("Tecken på berättigad flytt", ["Flytten föregicks av samverkan mellan kommunernas socialtjänster."],
                "Bedöm om det är social dumpning"),
    "form1": ("Misstanke om social dumpning", ["Ingen samverkan mellan kommunernas socialtjänster föregick flytten.",
                                               "Det här stärker misstanken"],
              "Kontakta genast den tidigare kommunen"),
    "avvisad": ("Misstanke om social dumpning", ["Beslut: Fastställd social dumpning"],
                "Ansök hos IVO om överflyttning av ärendet"),
}


def test_panel_explains_the_suggestion_by_the_guideline(voila_server_factory, page, tmp_path):
    from dumpning_kit.store import Store
    store = Store()
    made = _cases(store)
    store.close()
    server = voila_server_factory()
    shots = Path(os.environ.get("DUMPNING_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    for key, (label, lines, next_up) in EXPECT.items():
        page.goto(f"{server.url}/?arende={made[key].id}", timeout=180_000)
        panel = page.locator("section[aria-label='Förslag och åtgärdsplan']")
        expect(panel).to_be_visible(timeout=120_000)
        expect(panel.get_by_text(label).first).to_be_visible()
        for line in lines:
            expect(panel.get_by_text(line).first).to_be_visible()
        expect(page.locator(".dk-next")).to_contain_text(next_up)
        assert "Traceback" not in page.content()
        page.screenshot(path=str(shots / f"sida-{key}.png"))
        page.set_viewport_size({"width": 1280, "height": 2600})  # the page scrolls inside Voilà's container
        panel.screenshot(path=str(shots / f"panel-{key}.png"))
        page.set_viewport_size({"width": 1280, "height": 900})
    # The voluntary move shows no 2.1 action at all.
    page.goto(f"{server.url}/?arende={made['frivillig'].id}", timeout=180_000)
    panel = page.locator("section[aria-label='Förslag och åtgärdsplan']")
    expect(panel).to_be_visible(timeout=120_000)
    expect(panel.get_by_text(re.compile("Kontakta genast"))).to_have_count(0)
    expect(panel.get_by_text("stärka en misstanke")).to_have_count(0)  # everyday facts are not signs here


def test_receiving_side_and_decision_steps_are_usable_and_accessible(voila_server_factory, page, tmp_path):
    """1.1's receiving side as its own step, and the decision with "misstanke" as an option."""
    from dumpning_kit.documents.sample import make_incoming_request_case
    from dumpning_kit.store import Store
    from test_app_browser import axe_violations
    store = Store()
    case = make_incoming_request_case(store, answered=False)
    store.close()
    server = voila_server_factory()
    shots = Path(os.environ.get("DUMPNING_SHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(f"{server.url}/?arende={case.id}", timeout=180_000)
    expect(page.locator(".dk-next")).to_contain_text("Behandla den inkomna begäran utan dröjsmål", timeout=120_000)
    expect(page.locator(".dk-next")).to_contain_text("5 dagar kvar (sista dag 2026-12-02)")
    page.get_by_role("button", name=re.compile(r"^3\. Inkommen begäran")).click()
    expect(page.locator("h2", has_text=re.compile(r"^Inkommen begäran$"))).to_be_visible()
    expect(page.get_by_label("Skälen för vår inställning")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "steg-inkommen-begaran.png"), full_page=True)
    page.get_by_role("button", name=re.compile(r"^2\. Bedömning")).click()
    decision = page.locator(".dk-q", has_text="Ditt beslut")
    for option in ("Misstanke om social dumpning", "Fastställd social dumpning", "Inte social dumpning"):
        expect(decision.get_by_label(option, exact=True)).to_be_visible()
    expect(page.get_by_text("Registrera en misstanke när du själv misstänker social dumpning")).to_be_visible()
    assert axe_violations(page) == []
    page.screenshot(path=str(shots / "steg-bedomning.png"), full_page=True)
