"""Issue 12, point 5: a lone surrogate (half an emoji from a broken paste) put into a text
field in Chromium gives the Swedish "trasigt tecken" message, never "Inga ändringar att
spara", and nothing broken is saved. A real Voilà server, a real Chromium."""
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# What a broken paste leaves: the first half of an emoji, alone, inserted as typed text
# (execCommand insertText: the browser's own editing path, with input and change events).
INSERT_HALF_EMOJI = """() => {
    const el = document.activeElement;
    el.setSelectionRange(el.value.length, el.value.length);
    document.execCommand('insertText', false, ' \\ud83d');
    return el.value;
}"""


def test_lone_surrogate_pasted_in_chromium_gives_the_swedish_message(voila_server_factory, page, tmp_path):
    from dumpning_kit.demo import create_demo_cases
    from dumpning_kit.store import Store
    url = f"sqlite:///{tmp_path / 'data' / 'dumpning.sqlite'}"
    s = Store(url)
    create_demo_cases(s, count=3)
    before = s.get(1)
    s.close()
    server = voila_server_factory()
    page.goto(server.url + "/?arende=1", wait_until="load", timeout=180_000)
    expect(page.locator("h1", has_text="Ärende SN 2026/1000")).to_be_visible(timeout=90_000)
    field = page.get_by_label("Handläggare *", exact=True)
    field.focus()
    typed = page.evaluate(INSERT_HALF_EMOJI)
    assert typed.endswith("\ud83d")  # the browser holds the lone surrogate
    field.blur()  # text is sent when the caseworker leaves the field
    # The kernel got the update: the broken character now shows as the replacement character.
    expect(field).to_have_value(re.compile("\ufffd$"))
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text(re.compile("trasigt tecken")).first).to_be_visible()
    expect(page.get_by_text("Inga ändringar att spara.")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "trasigt-tecken.png"), full_page=True)
    s = Store(url)
    after = s.get(1)
    s.close()
    assert after.version == before.version and after.answers["handlaggare"] == "Anna Handläggare"
    # Removing the broken character saves as usual.
    field.fill("Anna Handläggare-Test")
    field.blur()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text(re.compile(r"Sparat \d\d:\d\d"))).to_be_visible()
