"""The local server as an attacker on the same machine sees it: token, Host, Origin (also on the
kernel websocket), permissions per notebook, the page's shutdown call, `serve --ip`, and the
logged reads of identifying data. Real Voilà servers, real HTTP, real websockets, real SQLite."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest

from dumpning_kit.store import Store

from conftest import TEST_TOKEN, free_port

CORE = {"diarienummer": "SN 2026/901", "namn": "Testa Testsson-Hemlig", "personnummer": "19811218-9876",
        "handlaggare": "Anna Handläggare", "tidigare_kommun": "1480", "ankomstdatum": "2026-11-02",
        "forsta_kontakt": "2026-11-03", "barn_i_hushallet": "nej"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(url, headers=None, cookies: CookieJar | None = None, data: bytes | None = None, method=None):
    """(status, headers, body) without following redirects."""
    handlers = [NoRedirect()]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, headers=headers or {}, data=data, method=method)
    try:
        with opener.open(req, timeout=180) as r:
            return r.status, r.headers, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode("utf-8", "replace")


def websocket_status(url: str, headers: dict) -> int:
    """101 if the websocket opens, else the HTTP status the server answered."""
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def go():
        try:
            conn = await websocket_connect(HTTPRequest(url, headers=headers, request_timeout=60))
        except HTTPClientError as e:
            return e.code
        conn.close()
        return 101
    # in a thread of its own: another test (Playwright) may have left an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result(timeout=120)


@pytest.fixture(scope="module")
def case_server(tmp_path_factory):
    """One server for the HTTP tests of this module (each page view starts a kernel: slow)."""
    from conftest import TODAY, VoilaServer
    data = tmp_path_factory.mktemp("server") / "data"
    data.mkdir()
    os.environ.setdefault("DUMPNING_TODAY", TODAY)
    s = Store(f"sqlite:///{data / 'dumpning.sqlite'}")
    case = s.create_case(CORE)
    s.close()
    server = VoilaServer(data, env={"DUMPNING_TODAY": TODAY, "DUMPNING_USER": "testhandlaggare"})
    yield server, case
    server.stop()


def logged_in(server) -> CookieJar:
    """The browser's path: ?token= once, then the cookie."""
    jar = CookieJar()
    status, headers, _ = request(f"{server.url}/?token={server.token}", cookies=jar)
    assert status == 302 and headers["Location"] == "/"  # the token leaves the address at once
    assert any(c.name.startswith("username-") for c in jar)
    return jar


def test_no_token_no_data(case_server):
    server, case = case_server
    for path in ("/", f"/?arende={case.id}", "/voila/render/oversikt.ipynb", "/voila/render/utbildning.ipynb"):
        status, headers, body = request(server.url + path)
        assert status == 302 and headers["Location"].startswith("/login?next="), path
        assert "Testsson" not in body and "9876" not in body
    status, _, body = request(f"{server.url}/?arende={case.id}&token=wrong-{TEST_TOKEN}")
    assert status == 302 and "Testsson" not in body
    status, _, body = request(server.url + "/login")
    assert status == 200 and 'lang="sv"' in body and "Hemlig nyckel" in body and "Password" not in body
    # the login form takes the token too, and refuses a wrong one in Swedish
    jar = CookieJar()
    _, _, form = request(server.url + "/login", cookies=jar)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
    status, _, body = request(server.url + "/login?next=%2F", cookies=jar,
                              data=f"_xsrf={xsrf}&password=fel".encode())
    assert status == 401 and "Nyckeln stämmer inte" in body
    status, headers, _ = request(server.url + "/login?next=%2F", cookies=jar,
                                 data=f"_xsrf={xsrf}&password={TEST_TOKEN}".encode())
    assert status == 302 and headers["Location"] == "/"


def test_token_once_then_cookie(case_server):
    server, case = case_server
    jar = CookieJar()
    status, headers, _ = request(f"{server.url}/?token={server.token}&arende={case.id}", cookies=jar)
    assert status == 302 and headers["Location"] == f"/?arende={case.id}"
    status, _, body = request(f"{server.url}/?arende={case.id}", cookies=jar)
    assert status == 200 and "jupyter-config-data" in body
    assert any(c.name == "_xsrf" for c in jar)  # the page's close call needs it
    status, _, body = request(server.url + "/dumpning/api/alive/x", headers={"Authorization": f"token {TEST_TOKEN}"})
    assert status == 200  # like Jupyter: the Authorization header works for scripts


def test_foreign_host_and_origin_refused(case_server):
    server, _ = case_server
    port = server.port
    auth = {"Authorization": f"token {TEST_TOKEN}"}
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", f"localhost:{port + 1}"):
        status, _, body = request(server.url + "/", headers={**auth, "Host": host})
        assert status == 403, host
        assert "Åtkomst nekad" in body and "jupyter-config-data" not in body
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"http://127.0.0.1:{port + 1}"):
        status, _, _ = request(server.url + "/", headers={**auth, "Origin": origin})
        assert status == 403, origin
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):  # the configured names work
        status, _, _ = request(server.url + "/login", headers={"Host": host, "Origin": f"http://{host}"})
        assert status == 200, host


def test_kernel_websocket_checks_origin_host_and_auth(case_server):
    server, _ = case_server
    jar = logged_in(server)
    status, _, body = request(server.url + "/", cookies=jar)
    kernel = json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  body, re.S).group(1))["kernelId"]
    ws = f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels"
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    good = {"Cookie": cookie, "Origin": server.url}
    assert websocket_status(ws, good) == 101  # the page's own connection works
    assert websocket_status(ws, {**good, "Origin": "http://evil.example"}) == 403
    assert websocket_status(ws, {**good, "Origin": f"http://evil.example:{server.port}",
                                 "Host": f"evil.example:{server.port}"}) == 403  # DNS rebinding
    # even with the token itself (which makes jupyter_server skip its own Origin check)
    assert websocket_status(ws + f"?token={TEST_TOKEN}", {"Origin": "http://evil.example"}) == 403
    assert websocket_status(ws, {"Origin": server.url}) == 403  # no token, no cookie


def test_analysis_is_not_served_and_parts_are_separate(voila_server_factory, case_server):
    server = voila_server_factory(apps=("arende",))
    auth = {"Authorization": f"token {TEST_TOKEN}"}
    for path in ("/voila/render/analys.ipynb", "/voila/render/oversikt.ipynb", "/voila/render/utbildning.ipynb",
                 "/voila/render/./analys.ipynb", "/voila/render/x/../analys.ipynb", "/voila/tree",
                 "/voila/api/contents", "/voila/files/analys.ipynb"):
        status, _, body = request(server.url + path, headers=auth)
        assert status in (403, 404), path
        assert "analys" not in body.lower() or "Sidan finns inte" in body or "Åtkomst nekad" in body
    status, _, _ = request(server.url + "/", headers=auth)
    assert status == 200
    default, _ = case_server
    status, _, _ = request(default.url + "/voila/render/analys.ipynb", headers=auth)
    assert status == 404
    status, _, body = request(default.url + "/voila/render/oversikt.ipynb", headers=auth)
    assert status == 200


def test_logout_static_and_unknown_paths_answer_in_swedish_without_500(case_server):
    server, _ = case_server
    jar = logged_in(server)
    for path, expected in (("/voila/templates/x", 404), ("/voila/templates/dumpning/static/", 404),
                           ("/voila/templates/", 404), ("/finns-inte", 404), ("/voila/api/themes/x", 404)):
        status, _, body = request(server.url + path, cookies=jar)
        assert status == expected, path
    status, _, body = request(server.url + "/logout", cookies=jar)
    assert status == 200 and "Du är utloggad" in body
    status, _, _ = request(server.url + "/voila/render/utbildning.ipynb", cookies=jar)
    assert status == 302  # logged out: the cookie no longer opens the app
    log = open(server.log.name).read()
    assert "Uncaught exception" not in log and " 500 " not in log and "Traceback" not in log
    access = [line for line in log.splitlines() if not line.startswith("http://")]  # but the printed URL
    assert not [line for line in access if TEST_TOKEN in line]  # scrubbed from the access log, like Jupyter


def test_page_close_call_is_accepted_and_stops_the_kernel(case_server):
    server, _ = case_server
    jar = logged_in(server)
    _, _, body = request(server.url + "/", cookies=jar)
    kernel = json.loads(re.search(r'id="jupyter-config-data" type="application/json">(.*?)</script>',
                                  body, re.S).group(1))["kernelId"]
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    # without the _xsrf field (what Voilà's page sent before) the call is refused
    status, _, _ = request(f"{server.url}/voila/api/shutdown/{kernel}", cookies=jar, data=b"",
                           headers={"Origin": server.url})
    assert status == 403
    alive = f"{server.url}/dumpning/api/alive/{kernel}"
    assert json.loads(request(alive, cookies=jar)[2]) == {"alive": True}
    # what the page's sendBeacon sends: the cookie and the _xsrf form field
    boundary = "dkboundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\n{xsrf}\r\n"
            f"--{boundary}--\r\n").encode()
    status, _, _ = request(f"{server.url}/voila/api/shutdown/{kernel}", cookies=jar, data=form,
                           headers={"Origin": server.url, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 204
    assert json.loads(request(alive, cookies=jar)[2]) == {"alive": False}
    status, _, _ = request(alive)  # the alive check needs the login too
    assert status == 403


# ---- serve on the command line ------------------------------------------------------------

def test_serve_ip_without_authentication_is_refused():
    env = {**os.environ, "DUMPNING_TOKEN": TEST_TOKEN}
    r = subprocess.run([sys.executable, "-m", "dumpning_kit.cli", "serve", "--ip", "0.0.0.0", "--no-token",
                        "--port", str(free_port())], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dumpning-kit: fel: --ip 0.0.0.0")
    assert "inloggning" in lines[0] and "Traceback" not in r.stderr
    # the server itself refuses too (for launchers that bypass the CLI), before listening
    from dumpning_kit.server import voila_argv
    r = subprocess.run([sys.executable, "-m", "dumpning_kit.server",
                        *voila_argv(free_port(), ip="0.0.0.0", preheat=False, no_token=True)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "bara tillåtet med inloggning" in r.stderr


def test_serve_prints_the_url_with_a_new_random_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DUMPNING_TOKEN"}
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dumpning_kit.cli", "serve", "--port", str(port), "--no-preheat"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        url = None
        deadline = time.time() + 90
        while time.time() < deadline and url is None:
            line = proc.stdout.readline()
            if line.startswith("http://"):
                url = line.strip()
        assert url and re.fullmatch(rf"http://127\.0\.0\.1:{port}/\?token=[A-Za-z0-9_-]{{40,}}", url), url
        token = url.split("token=")[1]
        assert token != TEST_TOKEN
        assert request(url)[0] == 302  # -> the app without the token in the address
        assert request(f"http://127.0.0.1:{port}/", headers={"Authorization": f"token {token}"})[0] == 200
        assert request(f"http://127.0.0.1:{port}/")[0] == 302
        assert token not in open(f"/proc/{proc.pid}/cmdline").read()  # not visible in the process list
    finally:
        proc.terminate()
        proc.wait(30)


# ---- reads of identifying data --------------------------------------------------------------

def test_reads_of_identifying_data_are_events(store, monkeypatch, tmp_path):
    from dumpning_kit.ui.app import CaseApp
    from dumpning_kit.ui.caselist import CaseList
    monkeypatch.setenv("DUMPNING_USER", "Karin Kontroll")
    a = store.create_case(CORE)
    b = store.create_case({**CORE, "diarienummer": "SN 2026/902", "namn": "Bengt Testsson",
                           "personnummer": "19900101-9802"})
    before = len(store.read_events())
    assert before == 0

    cl = CaseList(store, lambda _i: None)
    listed = store.read_events()
    assert sorted((e.case_id, e.kind) for e in listed) == [(a.id, "listat"), (b.id, "listat")]
    assert all(e.user == "Karin Kontroll" and e.detail == {"vy": "arendelista"} for e in listed)
    cl.show_closed.value = True  # the same names again on the same page: not logged twice
    assert len(store.read_events()) == 2

    cl.search.value = "19811218-9876"
    searched = [e for e in store.read_events() if e.kind == "sokt"]
    assert [(e.case_id, e.user) for e in searched] == [(a.id, "Karin Kontroll")]
    assert searched[0].detail["sokning"] == "personnummer" and searched[0].detail["traffar"] == 1
    everything = json.dumps([e.detail for e in store.read_events()])
    assert "9876" not in everything and "811218" not in everything  # the search, not the number
    cl.search.value = "Testsson"  # a name search shows names that are already logged
    assert [e.kind for e in store.read_events()].count("sokt") == 1

    CaseApp(store, case_id=b.id)  # opening a case
    opened = [e for e in store.read_events(b.id) if e.kind == "oppnat"]
    assert [(e.user, e.detail) for e in opened] == [("Karin Kontroll", {"vy": "arende"})]

    from dumpning_kit.export import export_case
    paths = export_case(store, b.id, ["bedomning"], formats=["html"], out_dir=tmp_path / "ut")
    assert paths and paths[0].exists()
    exported = [e for e in store.read_events(b.id) if e.kind == "exporterat"]
    assert len(exported) == 1 and exported[0].user == "Karin Kontroll"
    assert {e.label for e in store.read_events()} >= {"Namnet visades i ärendelistan", "Ärendet öppnades",
                                                      "Ärendet hittades vid en sökning på personnummer"}


def test_names_are_not_shown_when_the_read_cannot_be_logged(store, monkeypatch):
    from dumpning_kit.ui.caselist import CaseList
    store.create_case(CORE)

    def broken(*_a, **_k):
        raise RuntimeError("log down")
    monkeypatch.setattr(store, "log_reads", broken)
    with pytest.raises(RuntimeError):
        CaseList(store, lambda _i: None)
