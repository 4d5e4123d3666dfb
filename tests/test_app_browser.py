"""The caseworker app in a real Voilà server, driven in Debian's Chromium like a caseworker would."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

STEPS = ["Ärendeuppgifter", "Bedömning", "Inkommen begäran", "Kontakt med berörd kommun", "Återföring av ansvar", "Bostad",
         "Hyresvärd och betalningsförmåga", "Sammanställning"]


def question(page, label):
    return page.locator(".dk-q", has_text=label)


def choose(page, label, option):
    question(page, label).get_by_label(option, exact=True).check()


def fill(page, label, value):
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.blur()  # text is sent when the caseworker leaves the field


def go_step(page, n):
    page.get_by_role("button", name=re.compile(rf"^{n}\. {STEPS[n - 1]}")).click()
    expect(page.locator("h2", has_text=re.compile(rf"^{re.escape(STEPS[n - 1])}$"))).to_be_visible()


def open_case(page, dnr):
    """Case links load a new page: Voilà runs the notebook before the page has loaded."""
    page.get_by_role("link", name=dnr).click()
    page.wait_for_load_state("load", timeout=180_000)
    expect(page.locator("h1", has_text=f"Ärende {dnr}")).to_be_visible(timeout=60_000)


def saved(page):
    expect(page.get_by_text(re.compile(r"Sparat \d\d:\d\d"))).to_be_visible()


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result.response["violations"]]


def test_caseworker_carries_a_case_from_suspicion_to_ivo(voila_server_factory, page):
    server = voila_server_factory()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server.url + "/")
    page.get_by_role("button", name="Nytt ärende").click()
    expect(page.locator("h1", has_text="Nytt ärende")).to_be_visible()
    violations = {"start": axe_violations(page)}

    # Step 1 with a wrong personnummer first: an inline Swedish message, nothing saved.
    fill(page, "Diarienummer *", "SN 2026/555")
    fill(page, "Personens namn *", "Åsa Östlund-Testsson")
    fill(page, "Personnummer eller samordningsnummer *", "19811218-9877")
    fill(page, "Handläggare *", "Anna Handläggare")
    fill(page, "Kommun som personen flyttade från *", "Göteborg (1480)")
    fill(page, "Datum då personen flyttade hit *", "2026-11-02")
    fill(page, "Datum då personen kontaktade socialtjänsten här *", "2026-11-03")
    expect(question(page, "Hur många barn?")).to_be_hidden()
    choose(page, "Finns det barn i hushållet?", "Ja")
    expect(question(page, "Hur många barn?")).to_be_visible()  # a conditional question appears
    fill(page, "Hur många barn? *", "2")
    choose(page, "Är något av barnen under 15 år?", "Ja")
    page.get_by_role("button", name="Skapa ärendet").click()
    expect(page.get_by_text("Personnumret är inte giltigt").first).to_be_visible()
    expect(page.get_by_text("Ärendet sparades inte")).to_be_visible()
    assert "Traceback" not in page.content()
    fill(page, "Personnummer eller samordningsnummer *", "198112189876")
    page.get_by_role("button", name="Skapa ärendet").click()
    saved(page)
    expect(page.locator("h1", has_text="Ärende SN 2026/555")).to_be_visible()
    expect(page.get_by_label("Personnummer eller samordningsnummer *")).to_have_value("19811218-9876")
    violations["steg 1"] = axe_violations(page)

    # Step 2: the answers suggest a suspicion; the caseworker decides.
    go_step(page, 2)
    choose(page, "Tog personen själv initiativet till flytten?", "Nej")
    choose(page, "Har personen själv uttryckt en vilja att flytta hit?", "Nej")
    choose(page, "Samverkade socialtjänsten i den tidigare kommunen", "Nej")
    choose(page, "Flyttade personen hit för att skydda sig efter våld i nära relation?", "Nej")
    choose(page, "Har den tidigare kommunens socialnämnd skickat oss en formell skriftlig begäran", "Nej")
    choose(page, "Hänvisade den tidigare kommunen personen till en hyresvärd här?", "Ja")
    choose(page, "Vad hände innan personen flyttade?", "Den tidigare kommunen sa upp personens sociala kontrakt")
    fill(page, "Hur påverkas barnen av flytten (bostad, skola, kompisar)?", "Barnen har bytt skola två gånger i höst.")
    expect(page.get_by_text("Misstanke om social dumpning").first).to_be_visible()
    page.get_by_role("button", name="Spara", exact=True).click()
    saved(page)
    choose(page, "Ditt beslut *", "Fastställd social dumpning")
    fill(page, "Motivering *", "Personen tog inte själv initiativet och flytten föregicks inte av samverkan.")
    page.get_by_role("button", name="Registrera beslut").click()
    expect(page.get_by_text("Beslutet är registrerat")).to_be_visible()
    expect(page.get_by_text("Registrerat beslut: Fastställd social dumpning")).to_be_visible()
    violations["steg 2"] = axe_violations(page)

    # Step 4 (2.1); step 3, the receiving side of 1.1, does not apply.
    go_step(page, 4)
    fill(page, "Datum då misstanken uppstod *", "2026-11-03")
    fill(page, "Datum då vi kontaktade den tidigare kommunen", "2026-11-04")
    choose(page, "Markerade vi tydligt att agerandet inte är acceptabelt?", "Ja")
    choose(page, "Samtycker personen till att vi kräver en motivering", "Ja")
    fill(page, "Personens upplevelse av flytten, med egna ord", "Jag fick veta att jag måste flytta. Jag visste inte var Bengtsfors låg.")
    fill(page, "Upplevde personen att hen pressades att flytta, utan att det var formellt tvång?", "”Jag hade inget val.”")
    page.get_by_role("button", name="Spara och gå vidare").click()
    expect(page.locator("h2", has_text=re.compile(rf"^{re.escape(STEPS[4])}$"))).to_be_visible()
    violations["steg 4"] = axe_violations(page)

    # Step 5 (2.2): the formal request and its one-month deadline.
    choose(page, "Hade personen en pågående biståndsinsats enligt 4 kap. 1 § utifrån vårdbehov", "Ja")
    choose(page, "Vad vill personen?", "Återvända till den tidigare kommunen")
    fill(page, "Varför har personen sin starkaste anknytning till den tidigare kommunen?", "Bott där i tolv år.")
    fill(page, "Datum då sociala utskottet skickade begäran om överflyttning", "2026-11-20")
    fill(page, "Datum då den andra kommunen tog emot begäran", "2026-11-23")
    page.get_by_role("button", name="Spara", exact=True).click()
    saved(page)
    expect(page.get_by_text("26 dagar kvar (sista dag 2026-12-23)").first).to_be_visible()
    violations["steg 5"] = axe_violations(page)

    # Step 6 (2.3): a home visit cannot be recorded without consent.
    go_step(page, 6)
    choose(page, "Samtycker personen till ett hembesök?", "Nej")
    fill(page, "Datum för hembesöket", "2026-11-25")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Ett hembesök kan inte registreras utan personens samtycke").first).to_be_visible()
    fill(page, "Datum för hembesöket", "")
    choose(page, "Samtycker personen till ett hembesök?", "Ja")
    fill(page, "Datum för hembesöket", "2026-11-25")
    choose(page, "Är boendemiljön adekvat? *", "Nej, olämpligt")
    page.get_by_role("button", name="Spara", exact=True).click()
    saved(page)
    violations["steg 6"] = axe_violations(page)

    go_step(page, 7)
    fill(page, "Hyresvärdens namn", "Fastighets AB Exempelhuset")
    page.get_by_role("button", name="Spara", exact=True).click()
    saved(page)
    violations["steg 7"] = axe_violations(page)

    go_step(page, 8)
    expect(page.get_by_text("Beslut: Fastställd social dumpning").first).to_be_visible()
    expect(page.get_by_role("cell", name="Datum då den andra kommunen tog emot begäran", exact=True)).to_be_visible()
    expect(page.get_by_text("Beslut registrerades")).to_be_visible()
    violations["steg 8"] = axe_violations(page)

    # Reload: every answer is there again.
    page.reload(timeout=180_000)
    fill(page, "Sök på diarienummer eller namn", "Östlund")
    open_case(page, "SN 2026/555")
    expect(page.get_by_label("Personens namn *")).to_have_value("Åsa Östlund-Testsson")
    expect(page.get_by_label("Hur många barn? *")).to_have_value("2")
    go_step(page, 2)
    expect(question(page, "Tog personen själv initiativet till flytten?").get_by_label("Nej", exact=True)).to_be_checked()
    expect(page.get_by_label("Hur påverkas barnen av flytten (bostad, skola, kompisar)?")).to_have_value(
        "Barnen har bytt skola två gånger i höst.")
    go_step(page, 5)
    expect(page.get_by_label("Datum då den andra kommunen tog emot begäran")).to_have_value("2026-11-23")

    foreign = [u for u in requests if not u.startswith(server.url) and not u.startswith("data:")]
    assert foreign == [], foreign
    bad = {k: v for k, v in violations.items() if v}
    assert not bad, bad

    # Later: with "today" past the month, the same deadline is overdue.
    later = voila_server_factory(env={"DUMPNING_TODAY": "2027-01-04"})
    page.goto(later.url + "/")
    expect(page.get_by_text("Förfallen sedan 12 dagar (sista dag 2026-12-23)").first).to_be_visible()
    open_case(page, "SN 2026/555")
    expect(page.get_by_text("Ansök hos IVO om överflyttning av ärendet").first).to_be_visible()


def tab_out(page):
    """Tab until focus leaves the current element (a date input has inner stops)."""
    start = page.evaluate("document.activeElement.id")
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") != start:
            return
    raise AssertionError("focus is stuck")


def test_keyboard_only_creates_a_case(voila_server_factory, page):
    server = voila_server_factory()
    page.goto(server.url + "/")
    expect(page.get_by_role("button", name="Nytt ärende")).to_be_visible()
    page.get_by_role("button", name="Nytt ärende").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1", has_text="Nytt ärende")).to_be_visible()
    # Wait until the whole form is drawn (its last radio group is a named group) before typing:
    # keys typed into a form that is still being drawn go nowhere.
    expect(page.get_by_role("radiogroup", name=re.compile(r"^Finns det barn i hushållet\?"))).to_be_visible()
    expect(page.get_by_role("button", name="Skapa ärendet")).to_be_visible()
    page.get_by_label("Diarienummer *").focus()
    fields = ["Diarienummer *", "Personens namn *", "Personnummer eller samordningsnummer *", "Handläggare *",
              "Kommun som personen flyttade från *", "Datum då personen flyttade hit *",
              "Datum då personen kontaktade socialtjänsten här *"]
    values = ["SN 2026/777", "Tangent Testsson", "19811218-9876", "Bo", "Stockholm (0180)", "2026-11-02",
              "2026-11-02"]
    for label, value in zip(fields, values):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    # The radio group: one Tab stop, arrow keys choose, as in any native form.
    focused = page.evaluate("document.activeElement.getAttribute('type')")
    assert focused == "radio"
    page.keyboard.press("Space")
    expect(question(page, "Hur många barn?")).to_be_visible()  # the server has "Ja"
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.getAttribute('type')")
    assert focused == "radio"
    # "Nej" hides the follow-up question again once the server has it.
    expect(question(page, "Hur många barn?")).to_be_hidden()
    page.get_by_role("button", name="Skapa ärendet").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    saved(page)
    expect(page.locator("h1", has_text="SN 2026/777")).to_be_visible()
