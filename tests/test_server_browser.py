"""The server seen from Chromium: kernels stop when pages close, a dead kernel says so in Swedish
without losing what was typed, a YAML edit shows on the next reload, and failing cells speak Swedish."""
from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dumpning_kit.settings import default_settings
from dumpning_kit.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from bench_kernels import kernel_pids, page_views, wait_for_kernels  # noqa: E402

pytestmark = pytest.mark.browser

CORE = {"diarienummer": "SN 2026/71", "namn": "Doris Testsson", "personnummer": "19811218-9876",
        "handlaggare": "Anna", "tidigare_kommun": "1480", "ankomstdatum": "2026-11-02",
        "forsta_kontakt": "2026-11-03", "barn_i_hushallet": "nej"}
SHOTS = Path(os.environ.get("DUMPNING_SHOTS", "/tmp/dumpning-shots"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def cases(server, n=1):
    s = Store(f"sqlite:///{server.data_dir / 'dumpning.sqlite'}")
    ids = [s.create_case({**CORE, "diarienummer": f"SN 2026/{71 + i}"}).id for i in range(n)]
    s.close()
    return ids


def test_kernels_alive_after_25_page_views(voila_server_factory, browser):
    server = voila_server_factory(preheat=True)
    ids = cases(server, 5)
    # A browser that only has the printed URL: ?token= once, then the cookie (and the _xsrf cookie
    # that Voilà's close call on page unload must send back).
    ctx = browser.new_context(locale="sv-SE")
    page = ctx.new_page()
    try:
        page.goto(server.login_url, timeout=180_000)
        expect(page.locator("h1", has_text="Ärenden")).to_be_visible(timeout=120_000)
        assert "token" not in page.url
        counts = page_views(page, server.url, ids, 25, server.proc.pid)
    finally:
        ctx.close()
    left = wait_for_kernels(server.proc.pid, at_most=1)
    print(f"kernels after each of 25 views: {counts}; after closing the page: {len(left)}")
    assert counts[-1] <= 2 and max(counts) <= 3, counts  # the open page's kernel + the preheated one
    log = Path(server.log.name).read_text()
    assert "403 POST /voila/api/shutdown" not in log
    assert log.count("Kernel shutdown:") >= 24


def test_dead_kernel_says_so_and_keeps_what_was_typed(voila_server_factory, page):
    server = voila_server_factory()
    [cid] = cases(server)
    page.goto(f"{server.url}/?arende={cid}")
    page.get_by_role("button", name="2. Bedömning").click()
    field = page.get_by_label("Övrigt som har betydelse för bedömningen", exact=True)
    field.fill("Osparad anteckning om hyresvärden.")
    mine = kernel_pids(server.proc.pid)
    assert len(mine) == 1
    assert server.token.encode() not in Path(f"/proc/{mine[0]}/environ").read_bytes()  # kernels never get it
    os.kill(mine[0], signal.SIGKILL)
    dialog = page.get_by_role("alertdialog", name="Anslutningen till servern har brutits")
    expect(dialog).to_be_visible(timeout=30_000)
    expect(dialog).to_contain_text("Det du gör på sidan nu sparas inte")
    copy = page.get_by_label("Text från sidan")
    expect(copy).to_have_value(re.compile("Osparad anteckning om hyresvärden."))
    reload = page.get_by_role("button", name="Ladda om sidan")
    expect(reload).to_be_focused()
    shot(page, "dead-kernel")
    assert "Traceback" not in page.content() and "Error" not in dialog.inner_text()
    reload.click()
    expect(page.locator("h1", has_text="Ärende SN 2026/71")).to_be_visible(timeout=120_000)
    expect(dialog).to_have_count(0)


def test_reload_after_a_yaml_edit_shows_the_edit(voila_server_factory, page, tmp_path):
    guideline = tmp_path / "riktlinje.yaml"
    shutil.copy(default_settings().guideline_path, guideline)
    server = voila_server_factory(preheat=True, env={"DUMPNING_GUIDELINE": str(guideline)})
    page.goto(server.url + "/")
    page.get_by_role("button", name="Nytt ärende").click()
    expect(page.get_by_label("Personens namn *", exact=True)).to_be_visible()
    # the next page's kernel is already waiting (preheated) before the file changes
    deadline = time.time() + 120
    while len(kernel_pids(server.proc.pid)) < 2 and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(5)
    text = guideline.read_text(encoding="utf-8")
    assert "label: Personens namn\n" in text
    guideline.write_text(text.replace("label: Personens namn\n", "label: Personens fullständiga namn\n", 1),
                         encoding="utf-8")
    page.reload()
    page.get_by_role("button", name="Nytt ärende").click()
    expect(page.get_by_label("Personens fullständiga namn *", exact=True)).to_be_visible()
    assert "Using pre-heated kernel" in Path(server.log.name).read_text()


def test_failing_cell_and_missing_scenarios_speak_swedish(voila_server_factory, page, tmp_path):
    broken = tmp_path / "trasig.yaml"
    broken.write_text("id: trasig\ntitle: [oavslutad\n", encoding="utf-8")
    server = voila_server_factory(env={"DUMPNING_GUIDELINE": str(broken)})
    page.goto(server.url + "/voila/render/oversikt.ipynb")
    err = page.locator(".dk-cell-error").first
    expect(err).to_be_visible(timeout=120_000)
    expect(err).to_contain_text("Något gick fel när sidan laddades")
    expect(err).to_contain_text("trasig.yaml")  # the kit's own message names the file
    body = page.locator("body").inner_text()
    assert "There was an error" not in body and "show_tracebacks" not in body and "Traceback" not in body
    shot(page, "cell-error")

    other = voila_server_factory(env={"DUMPNING_SCENARIOS": str(tmp_path / "saknas" / "ovrigkommun.yaml")})
    page.goto(other.url + "/voila/render/utbildning.ipynb")
    expect(page.get_by_text("Övningsfallen kunde inte läsas").first).to_be_visible(timeout=120_000)
    expect(page.get_by_text("filen med övningsfall finns inte").first).to_be_visible()
    expect(page.locator("h2", has_text="1.1.1").first).to_be_visible()  # the guideline part still works
    body = page.locator("body").inner_text()
    assert "There was an error" not in body and "Något gick fel" not in body
    shot(page, "training-no-scenarios")
