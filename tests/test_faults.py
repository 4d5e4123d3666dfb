"""Faults: a writer killed in the middle of a save, a killed Voilà kernel and a killed server.
The database stays intact and holds either the old version or the new one, never a mix."""
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from dumpning_kit.store import Store

CORE = {"diarienummer": "SN 2026/9", "namn": "Fel Testsson", "personnummer": "19811218-9876",
        "handlaggare": "Anna", "tidigare_kommun": "1480", "ankomstdatum": "2026-11-02",
        "forsta_kontakt": "2026-11-03", "barn_i_hushallet": "nej"}

WRITER = """
import sys
from dumpning_kit.store import Store
s = Store(sys.argv[1])
case = s.get(int(sys.argv[2]))
n = 0
while True:
    n += 1
    text = f"version {case.version + 1} " + "å" * 19000
    case = s.save_answers(case.id, case.version, {"upplevelse": text}, user="skrivare")
    print(case.version, flush=True)
"""


def consistent(path, case_id, field="upplevelse"):
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    s = Store(f"sqlite:///{path}")
    case = s.get(case_id)
    events = s.events(case_id)
    # The row and its event are written in one transaction: the newest event is this version,
    # and the stored text is exactly the text that event recorded.
    assert events[-1].version == case.version
    changes = events[-1].detail.get("changes", {})
    if field in changes:
        assert changes[field][1] == case.answers[field]
    assert len([e for e in events if e.version]) == case.version
    s.close()
    return case.version


def test_writer_killed_mid_save_leaves_old_or_new(tmp_path):
    path = tmp_path / "data" / "fel.sqlite"
    s = Store(f"sqlite:///{path}")
    case_id = s.create_case(CORE).id
    s.close()
    rng = random.Random(7)
    versions = []
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite:///{path}", str(case_id)],
                                stdout=subprocess.PIPE, text=True)
        proc.stdout.readline()  # it is saving now
        time.sleep(rng.uniform(0.0, 0.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        version = consistent(path, case_id)
        text = Store(f"sqlite:///{path}").get(case_id).answers.get("upplevelse", "version 1 ")
        assert text.startswith(f"version {version} ")
        versions.append(version)
    assert versions == sorted(versions) and versions[-1] > 8


def kernels_of(server_pid):
    out = []
    for pid in subprocess.run(["pgrep", "-f", "ipykernel_launcher"], capture_output=True, text=True).stdout.split():
        status = open(f"/proc/{pid}/status").read()
        ppid = int(status.split("PPid:")[1].split()[0])
        if ppid == server_pid:
            out.append(int(pid))
    return out


@pytest.mark.browser
def test_killed_kernel_and_killed_server_lose_nothing_saved(voila_server_factory, page, tmp_path):
    server = voila_server_factory()
    path = server.data_dir / "dumpning.sqlite"
    s = Store(f"sqlite:///{path}")
    case = s.create_case(CORE)
    s.close()
    page.goto(f"{server.url}/?arende={case.id}")
    page.get_by_role("button", name="2. Bedömning").click()
    field = page.get_by_label("Övrigt som har betydelse för bedömningen", exact=True)
    field.fill("Sparad text före felet.")
    field.blur()
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.get_by_text("Sparat").first).to_be_visible()
    field.fill("Text som skrivs när kärnan dör. " * 150)
    field.blur()
    mine = kernels_of(server.proc.pid)
    assert mine, "no kernel found for this server"
    page.get_by_role("button", name="Spara", exact=True).click()
    for pid in mine:
        os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    version = consistent(path, case.id, "bedomning_kommentar")
    stored = Store(f"sqlite:///{path}").get(case.id).answers["bedomning_kommentar"]
    assert stored in ("Sparad text före felet.", ("Text som skrivs när kärnan dör. " * 150).rstrip())
    # Now the whole server dies; a new one finds everything that was saved.
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    assert consistent(path, case.id, "bedomning_kommentar") == version
    again = voila_server_factory()
    assert again.data_dir == server.data_dir
    page.goto(f"{again.url}/?arende={case.id}")
    page.get_by_role("button", name="2. Bedömning").click()
    expect(page.get_by_label("Övrigt som har betydelse för bedömningen", exact=True)).to_have_value(stored)
