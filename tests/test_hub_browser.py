"""The team server as CI runs it: deploy/teamserver.py brings up PostgreSQL roles, JupyterHub with
configurable-http-proxy and two caseworker accounts (like `make hub`, with its own name, ports and
accounts), two caseworkers log in through the hub's own login page in Chromium, one creates a case
and the other edits it and opens the team overview from the case list; then PostgreSQL, the servers'
process environments and the file permissions are checked. Everything is removed afterwards.

Needs root, Debian's postgresql, nodejs/npm and python3-venv (.ci/run installs them). With CI set,
a missing piece fails the test instead of skipping it.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import TODAY, free_port

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "deploy"))
import teamserver  # noqa: E402  (deploy/teamserver.py)

DNR = "SN 2026/901"


def need(ok: bool, why: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the hub test needs {why} (.ci/run installs it)")
    pytest.skip(f"needs {why}")


def missing_pieces() -> None:
    need(os.geteuid() == 0, "root (it creates OS accounts and PostgreSQL roles)")
    for tool in ("npm", "node", "psql", "runuser", "useradd", "chpasswd"):
        need(shutil.which(tool) is not None, tool)
    need(subprocess.run([teamserver.SYSTEM_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode == 0,
         "python3-venv for /usr/bin/python3")
    need(subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-tA", "-c", "SELECT 1"],
                        capture_output=True).returncode == 0, "a running PostgreSQL server")


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    missing_pieces()
    name = "dkhubt" + secrets.token_hex(3)
    users = {f"{name}anna": "Anna-" + secrets.token_hex(6), f"{name}bosse": "Bosse-" + secrets.token_hex(6)}
    log = tmp_path_factory.mktemp("hub") / "hub.log"
    inst = teamserver.Instance(name, users, free_port(), free_port(), free_port(), today=TODAY, log_path=str(log))
    try:
        inst.setup()
        inst.start()
        yield inst
    finally:
        inst.teardown()
        print(Path(log).read_text()[-3000:] if Path(log).exists() else "")


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    d = Path(os.environ.get("DUMPNING_HUB_SHOTS") or tmp_path_factory.mktemp("hub-shots"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def login(browser, team, user, shot=None):
    """The hub's own login page (PAM checks the OS password), then the spawned app's case list."""
    ctx = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(180_000)
    page.goto(f"{team.url}/hub/login")
    expect(page.locator("h1")).to_have_text("Logga in – social dumpning")  # the kit's Swedish login page
    if shot:
        page.screenshot(path=str(shot))
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(team.users[user])
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(rf"/user/{user}/($|\?)"), timeout=240_000)
    expect(page.get_by_role("button", name="Nytt ärende")).to_be_visible(timeout=180_000)
    return ctx, page


def fill(page, label, value):
    field = page.get_by_label(label, exact=True)
    field.fill(value)
    field.blur()


def saved(page):
    expect(page.get_by_text(re.compile(r"Sparat \d\d:\d\d"))).to_be_visible(timeout=60_000)


def psql(team, sql):
    out = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-tA", "-F", "|", "-d", team.name,
                          "-c", sql], capture_output=True, text=True, check=True)
    return [line.split("|") for line in out.stdout.splitlines() if line]


def processes_of(user):
    out = subprocess.run(["ps", "-u", user, "-o", "pid=,args="], capture_output=True, text=True)
    return [(int(line.split(None, 1)[0]), line.split(None, 1)[1]) for line in out.stdout.splitlines() if line.strip()]


def environ(pid) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)


def test_two_caseworkers_share_a_case_through_the_hub(team, browser, shots):
    anna, bosse = list(team.users)
    inst = team.instance()

    # -- Anna logs in through the hub's login page and creates a case
    ctx_a, pa = login(browser, team, anna, shot=shots / "hub-0-login.png")
    pa.screenshot(path=str(shots / "hub-1-anna-caselist.png"), full_page=True)
    pa.get_by_role("button", name="Nytt ärende").click()
    expect(pa.locator("h1", has_text="Nytt ärende")).to_be_visible()
    fill(pa, "Diarienummer *", DNR)
    fill(pa, "Personens namn *", "Åsa Östlund-Testsson")
    fill(pa, "Personnummer eller samordningsnummer *", "198112189876")
    fill(pa, "Handläggare *", "Anna Handläggare")
    fill(pa, "Kommun som personen flyttade från *", "Göteborg (1480)")
    fill(pa, "Datum då personen flyttade hit *", "2026-11-02")
    fill(pa, "Datum då personen kontaktade socialtjänsten här *", "2026-11-03")
    pa.locator(".dk-q", has_text="Finns det barn i hushållet?").get_by_label("Nej", exact=True).check()
    pa.get_by_role("button", name="Skapa ärendet").click()
    saved(pa)
    expect(pa.locator("h1", has_text=f"Ärende {DNR}")).to_be_visible()
    pa.screenshot(path=str(shots / "hub-2-anna-created.png"), full_page=True)

    # -- Bosse logs in in his own browser session, finds the case and edits it
    ctx_b, pb = login(browser, team, bosse)
    pb.get_by_role("link", name=DNR).click()
    pb.wait_for_load_state("load", timeout=180_000)
    expect(pb.locator("h1", has_text=f"Ärende {DNR}")).to_be_visible(timeout=120_000)
    pb.get_by_role("button", name=re.compile(r"^2\. Bedömning")).click()
    expect(pb.locator("h2", has_text=re.compile(r"^Bedömning$"))).to_be_visible()
    pb.locator(".dk-q", has_text="Tog personen själv initiativet till flytten?").get_by_label("Nej", exact=True).check()
    pb.get_by_role("button", name="Spara", exact=True).click()
    saved(pb)
    pb.screenshot(path=str(shots / "hub-3-bosse-edited.png"), full_page=True)

    # -- the team overview through the case list's link, from both addresses the case list has
    for start in (f"/user/{bosse}/voila/render/arende.ipynb", f"/user/{bosse}/"):
        pb.goto(team.url + start)
        link = pb.get_by_role("link", name="Teamöversikt med alla frister")
        expect(link).to_be_visible(timeout=180_000)
        assert link.get_attribute("href") == f"/user/{bosse}/voila/render/oversikt.ipynb"
    link.click()
    pb.wait_for_url(f"**/user/{bosse}/voila/render/oversikt.ipynb", timeout=180_000)
    expect(pb.locator("h1", has_text="Översikt – frister för hela enheten")).to_be_visible(timeout=180_000)
    pb.get_by_text("Visa 1 ärende utan frist").click()  # the case has no open deadline yet: its group is folded
    expect(pb.get_by_role("link", name=DNR)).to_be_visible(timeout=60_000)
    assert "Traceback" not in pb.content() and "Permission denied" not in pb.content()
    pb.locator("h1", has_text="Översikt").scroll_into_view_if_needed()
    pb.screenshot(path=str(shots / "hub-4-bosse-overview-from-caselist.png"))
    pb.get_by_role("link", name=DNR).scroll_into_view_if_needed()
    pb.screenshot(path=str(shots / "hub-5-bosse-overview-case-row.png"))

    # -- the server serves the app and nothing else, and only to its own person
    for path in ("lab", "tree", "terminals/1", "api/contents", "api/terminals", "api/sessions",
                 "voila/render/analys.ipynb", "voila/render/utbildning.ipynb"):
        r = ctx_b.request.get(f"{team.url}/user/{bosse}/{path}", max_redirects=0)
        assert r.status in (403, 404), (path, r.status)
    r = ctx_b.request.post(f"{team.url}/user/{bosse}/api/kernels", data="{}", max_redirects=0)
    assert r.status >= 400, r.status  # no new kernels of one's own choosing
    other = ctx_a.request.get(f"{team.url}/user/{bosse}/")
    assert other.status != 200 or "Nytt ärende" not in other.text(), other.status

    # -- PostgreSQL: the database wrote each change under the account that made it
    case_id = psql(team, f"SELECT id FROM cases WHERE diarienummer = '{DNR}'")[0][0]
    who = {row[0] for row in psql(team, f'SELECT "user" FROM events WHERE case_id = {case_id}')}
    assert anna in who and bosse in who, who

    # -- no password in any caseworker process; kernels in the shared data folder
    owner_pw = (Path(inst["state_dir"]) / "owner-password").read_text().strip()
    assert len(owner_pw) > 10
    for user in (anna, bosse):
        procs = processes_of(user)
        servers = [pid for pid, args in procs if "dumpning_kit.hubserver" in args]
        kernels = [pid for pid, args in procs if "ipykernel" in args]
        assert servers and kernels, procs
        for pid, _ in procs:
            env = environ(pid)
            blob = "\n".join(f"{k}={v}" for k, v in env.items())
            assert owner_pw not in blob
            assert not any("PASSWORD" in k.upper() or k.startswith("PGPASS") for k in env), sorted(env)
            assert "CONFIGPROXY_AUTH_TOKEN" not in env and "JPY_COOKIE_SECRET" not in env
            if "DUMPNING_DATABASE_URL" in env:
                assert env["DUMPNING_DATABASE_URL"] == f"postgresql+psycopg:///{team.name}"
        for pid in kernels:
            assert os.readlink(f"/proc/{pid}/cwd") == inst["data_dir"]

    # -- a caseworker cannot read the hub's secrets, but can run the shared environment
    for secret in ("owner-password", "jupyterhub_cookie_secret", "jupyterhub.sqlite", "hub.json"):
        f = Path(inst["state_dir"]) / secret
        assert f.exists(), f
        denied = subprocess.run(["runuser", "-u", anna, "--", "cat", str(f)], capture_output=True)
        assert denied.returncode != 0 and not denied.stdout
    ok = subprocess.run(["runuser", "-u", anna, "--", str(Path(team.prefix) / "venv" / "bin" / "python"), "-c",
                         "import dumpning_kit.hubserver"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr

    # -- the shared data folder: the unit's group, setgid, nobody else
    data = Path(inst["data_dir"])
    for d in (data, data / "exports", data / "backups"):
        st = d.stat()
        assert stat.S_IMODE(st.st_mode) == 0o2770 and st.st_gid != 0, (d, oct(st.st_mode))
    # -- IT's commands (purge, backups) run as the owner on the shared folder, through the script
    out = subprocess.run([teamserver.SYSTEM_PYTHON, str(REPO / "deploy" / "teamserver.py"), "kit", "--name", team.name,
                          "--", "purge", "--closed-before", "2026-11-27", "--dry-run", "--force"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "Inga ärenden avslutades" in out.stdout, (out.stdout, out.stderr)
    ctx_a.close()
    ctx_b.close()
