"""A broken settings file seen in Chromium: every page says what is wrong in the same Swedish sentence as
the command line, never a traceback; once the file is fixed, the next load works."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dumpning_kit import settings
from dumpning_kit.errors import GuidelineError

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("DUMPNING_SHOTS", "/tmp/dumpning-shots"))
OLD = "guideline: ../guidelines/bengtsfors.yaml"  # what the shipped file said before: breaks in /etc


def test_broken_settings_show_the_same_swedish_sentence_on_every_page(voila_server_factory, page, tmp_path):
    etc = tmp_path / "etc" / "dumpning-kit"
    etc.mkdir(parents=True)
    path = etc / "installningar.yaml"
    good = settings.DEFAULT_SETTINGS.read_text(encoding="utf-8")
    path.write_text(good.replace("guideline: bengtsfors", OLD), encoding="utf-8")
    with pytest.raises(GuidelineError) as e:
        settings.load_settings(path)
    sentence = str(e.value)  # the CLI prints "dumpning-kit: fel: " + this (tests/test_settings.py)
    assert sentence.startswith(f"{path}: riktlinjefilen ") and "guideline: bengtsfors" in sentence

    server = voila_server_factory(env={"DUMPNING_SETTINGS": str(path)})
    SHOTS.mkdir(parents=True, exist_ok=True)
    for url, name in (("/", "arende"), ("/voila/render/oversikt.ipynb", "oversikt"),
                      ("/voila/render/utbildning.ipynb", "utbildning")):
        page.goto(server.url + url)
        alert = page.get_by_role("alert").filter(has_text=sentence).first
        expect(alert).to_be_visible(timeout=120_000)
        page.screenshot(path=str(SHOTS / f"settings-broken-{name}.png"), full_page=True)
        body = page.locator("body").inner_text()
        assert " ".join(sentence.split()) in " ".join(body.split()), name
        for english in ("Traceback", "There was an error", "Error", "show_tracebacks", "NameError", "File \""):
            assert english not in body, (name, english)

    path.write_text(good, encoding="utf-8")  # IT fixes the file: the next page works, no restart needed
    page.goto(server.url + "/")
    expect(page.locator("h1", has_text="Ärenden")).to_be_visible(timeout=120_000)
    assert sentence not in page.locator("body").inner_text()
