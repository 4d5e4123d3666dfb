"""Voilà for dumpning-kit: the caseworker app at '/', the other notebooks under /voila/render/.

A subclass of Voilà's app that behaves like Jupyter's own server where it matters:

- a secret token on every request (``?token=…`` once, then a cookie), fixed by ``DUMPNING_TOKEN``
  for launchers and tests, otherwise new and random at each start;
- a Host and Origin allowlist in front of every handler, websockets included (DNS rebinding and
  cross-site pages are refused before any handler runs);
- only the notebooks this server is allowed to serve (``apps``): a caseworker's server never
  serves the analysis notebook, which analysts run in JupyterLab;
- the page gets its ``_xsrf`` cookie, so Voilà's own shutdown call on page close is accepted and
  the kernel stops at once instead of at the idle cull;
- only the caseworker app is preheated, and it reads the guideline and settings only after the
  page request, so a reload after a YAML edit shows the edit;
- Swedish pages for login, logout and errors instead of jupyter_server's templates (which need a
  static_path Voilà does not set, hence the 500s), and Swedish messages for failing cells.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import secrets
import socket
import sys
from html import escape
from pathlib import Path
from urllib.parse import urlencode, urlparse

import tornado.web
import tornado.websocket
from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, PasswordIdentityProvider
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.log import log_request
from jupyter_server.utils import url_path_join
from tornado.routing import Matcher, Rule
from traitlets import Bool, List, Type, Unicode, default
from voila.app import Voila
from voila.execute import VoilaExecutor
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS = PACKAGE_DIR.parent / "notebooks"
APP_NOTEBOOK = "arende.ipynb"
#: The separate permissions: which notebook each name opens. The analysis is not one of them:
#: analysts run notebooks/analys.ipynb in JupyterLab, never through the caseworkers' server.
APPS = {"arende": "arende.ipynb", "oversikt": "oversikt.ipynb", "utbildning": "utbildning.ipynb"}
DEFAULT_APPS = ("arende", "oversikt", "utbildning")
#: Notebooks never started before a request: they read YAML files when they run, so a preheated
#: kernel would show the files as they were when it started (and the analysis is never served).
NOT_PREHEATED = ["analys.ipynb", "oversikt.ipynb", "utbildning.ipynb"]
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
TOKEN_ENV = "DUMPNING_TOKEN"

NO_AUTH_REMOTE = ("dumpning-kit: fel: --ip {ip} gör appen nåbar från andra datorer, och det är bara tillåtet "
                  "med inloggning. Ta bort --no-token (appen skapar då en hemlig nyckel) eller använd --ip 127.0.0.1.")
REMOTE_WARNING = ("dumpning-kit: varning: appen lyssnar på {ip} och kan nås från andra datorer i nätverket. "
                  "Trafiken är okrypterad (http): använd hellre 127.0.0.1, eller en server med https och inloggning.")


def is_loopback(ip: str) -> bool:
    if ip in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(ip.strip("[]")).is_loopback
    except ValueError:
        return False


def _page(title: str, body: str, status_line: str = "") -> str:
    """A small Swedish page in the kit's colours, without any external resource."""
    return ("<!doctype html><html lang=\"sv\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{escape(title)}</title>"
            "<style>body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1b1f24;margin:0}"
            "main{max-width:640px;margin:48px auto;background:#fff;padding:24px 32px;border-radius:6px;"
            "border:1px solid #c9ced6}h1{font-size:1.5rem}label{display:block;font-weight:600;margin:16px 0 4px}"
            "input[type=password]{font-size:1rem;padding:6px;width:100%;box-sizing:border-box;border:2px solid #5a6472}"
            "button{margin-top:16px;font-size:1rem;padding:8px 16px;background:#0b5cad;color:#fff;border:0;"
            "border-radius:4px}:focus{outline:3px solid #0b5cad;outline-offset:2px}.fel{color:#a4161a}</style>"
            f"</head><body><main><h1>{escape(title)}</h1>{status_line}{body}</main></body></html>")


ERROR_TEXTS = {
    403: ("Åtkomst nekad", "<p>Sidan får inte visas härifrån. Öppna appen med adressen som "
                           "<code>dumpning-kit serve</code> skrev ut.</p>"),
    404: ("Sidan finns inte", "<p>Adressen finns inte i appen. Gå till <a href=\"/\">ärendelistan</a>.</p>"),
}


class SwedishErrors:
    """Mixed into every handler: errors are a short Swedish page (or JSON for the API), never a
    traceback and never jupyter_server's templates."""

    def write_error(self, status_code: int, **kwargs) -> None:  # noqa: D401 (tornado API)
        title, body = ERROR_TEXTS.get(status_code, ("Något gick fel", "<p>Något gick fel på servern. Ladda om sidan. "
                                                    "Om felet finns kvar, kontakta den som sköter appen.</p>"))
        if "/api/" in self.request.path:
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": title}, ensure_ascii=False))
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(_page(title, body))


def _swedish(cls):
    return type(cls.__name__, (SwedishErrors, cls), {})


class RefusedHandler(SwedishErrors, tornado.web.RequestHandler):
    """Target of the Host/Origin guard: answers 403 to every method, websocket upgrades included."""

    def prepare(self):
        raise tornado.web.HTTPError(403)


class _Refused(Matcher):
    """Matches the requests the server must refuse before any handler sees them."""

    def __init__(self, allowed):
        self.allowed = allowed

    def match(self, request):
        return None if self.allowed(request) else {}


class SwedishLoginHandler(SwedishErrors, LoginFormHandler):
    """Asks for the token in Swedish; the check itself is jupyter_server's."""

    def _render(self, message=None):
        error = ('<p class="fel" role="alert">Nyckeln stämmer inte. Kontrollera att du kopierade hela adressen.</p>'
                 if message and message.get("error") else "")
        nxt = escape(self.get_argument("next", default=self.base_url), quote=True)
        body = (f"{error}<p>Appen visar personuppgifter och kräver därför en hemlig nyckel. Öppna adressen som "
                "<code>dumpning-kit serve</code> (eller <code>make run</code>) skrev ut – den innehåller nyckeln. "
                "Du kan också klistra in nyckeln här.</p>"
                f'<form method="post" action="{escape(self.base_url, quote=True)}login?next={nxt}">'
                f"{self.xsrf_form_html()}"
                '<label for="password">Hemlig nyckel</label>'
                '<input type="password" id="password" name="password" autocomplete="current-password" required>'
                '<button type="submit">Logga in</button></form>')
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(_page("Logga in", body))


class SwedishLogoutHandler(SwedishErrors, JupyterHandler):
    @allow_unauthenticated  # logging out needs no login
    def get(self):
        self.identity_provider.clear_login_cookie(self)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.write(_page("Du är utloggad", "<p>Stäng fliken. För att komma in igen öppnar du adressen med den "
                                          "hemliga nyckeln som <code>dumpning-kit serve</code> skrev ut.</p>"))


class TokenIdentityProvider(PasswordIdentityProvider):
    """jupyter_server's token check, with a constant-time comparison."""

    def get_token(self, handler) -> str:
        given = super().get_token(handler) or ""
        return self.token if self.token and hmac.compare_digest(given.encode(), self.token.encode()) else ""


class AppPageHandler(SwedishErrors, TornadoVoilaHandler):
    """A notebook page: only the notebooks this server may serve, with an _xsrf cookie, and without
    the token in the address once it has been turned into a cookie."""

    allowed_notebooks: frozenset = frozenset()

    @tornado.web.authenticated
    async def get(self, path=None):
        notebook = path or self.notebook_path
        if notebook not in self.allowed_notebooks:
            raise tornado.web.HTTPError(404)
        if self.get_query_argument("token", None) is not None:
            rest = [(k, v) for k, vs in self.request.query_arguments.items() if k != "token" for v in vs]
            rest = [(k, v.decode("utf-8", "replace")) for k, v in rest]
            self.redirect(self.request.path + (f"?{urlencode(rest)}" if rest else ""))
            return
        self.xsrf_token  # sets the _xsrf cookie Voilà's page close call (sendBeacon) sends back
        return await super().get(path)


class AliveHandler(SwedishErrors, APIHandler):
    """GET /dumpning/api/alive/<kernel id>: whether the page's kernel still runs (the page polls it
    and shows a Swedish message with a reload button when it does not)."""

    @tornado.web.authenticated
    async def get(self, kernel_id):
        km = self.kernel_manager
        alive = False
        if kernel_id in km:
            try:
                alive = bool(await ensure_async(km.get_kernel(kernel_id).is_alive()))
            except Exception:
                alive = False
            if not alive:  # a dead kernel is of no use to its page: free it now, not at the cull
                try:
                    await ensure_async(km.shutdown_kernel(kernel_id, now=True))
                except Exception:
                    self.log.debug("shutdown of dead kernel failed", exc_info=True)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"alive": alive}))


class NotFoundHandler(SwedishErrors, tornado.web.RequestHandler):
    """Every address no handler knows: a Swedish 404 instead of tornado's English one."""

    def prepare(self):
        raise tornado.web.HTTPError(404)


class StrictTemplateStaticFileHandler(TemplateStaticFileHandler):
    """Voilà's handler asserts the path shape and answers 500 to /voila/templates/x: answer 404."""

    _shape = re.compile(r"^[^/]+/static/.+")

    def parse_url_path(self, path):
        if not self._shape.match(path or ""):
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(path)


# ---- Swedish messages for failing cells ------------------------------------------------------

#: Exceptions whose message is written for the user (Swedish, no internals): shown under the
#: general sentence. Anything else shows only the general sentence.
KIT_ERRORS = {"UserError", "ValidationError", "StaleWriteError", "GuidelineError", "ScenarioError"}


def _strip_code_cell_errors(self, cell):
    """Replaces VoilaExecutor's version, which writes an English instruction into the page."""
    if cell.get("cell_type") != "code":
        return cell
    for output in cell.get("outputs", []):
        if output.get("output_type") != "error":
            continue
        kit = output.get("ename") in KIT_ERRORS
        output["ename"] = "DumpningKitError" if kit else "ExecutionError"
        output["evalue"] = str(output.get("evalue") or "")[:2000] if kit else ""
        output["traceback"] = []
    return cell


VoilaExecutor.strip_code_cell_errors = _strip_code_cell_errors


# ---- the application -------------------------------------------------------------------------

class DumpningVoila(Voila):
    name = "dumpning-kit"

    apps = List(Unicode(), default_value=list(DEFAULT_APPS),
                help="Which notebooks this server serves: arende, oversikt, utbildning.").tag(config=True)
    allowed_hosts = List(Unicode(), default_value=[],
                         help="Host names besides the loopback names that requests may use.").tag(config=True)
    no_token = Bool(False, help="Serve without a token (only on a loopback address).").tag(config=True)
    print_url = Bool(True, help="Print the app's URL with the token on standard output.").tag(config=True)
    identity_provider_class = Type(default_value=TokenIdentityProvider, klass=IdentityProvider).tag(config=True)

    @default("token")
    def _default_token(self):
        if self.no_token:
            return ""
        # Read once and removed, so kernels (and notebooks they run) do not inherit it.
        return os.environ.pop(TOKEN_ENV, "") or secrets.token_urlsafe(32)

    def initialize(self, argv=None):
        super().initialize(argv)
        token = self.token  # read (and DUMPNING_TOKEN removed) before any kernel copies the environment
        unknown = [a for a in self.apps if a not in APPS]
        if unknown:
            sys.stderr.write(f"dumpning-kit: fel: okänd del av appen: {', '.join(unknown)}. "
                             f"Välj bland {', '.join(APPS)}.\n")
            self.exit(2)
        if not is_loopback(self.ip or "") and not token:
            sys.stderr.write(NO_AUTH_REMOTE.format(ip=self.ip or "alla adresser") + "\n")
            self.exit(2)
        if not is_loopback(self.ip or ""):
            sys.stderr.write(REMOTE_WARNING.format(ip=self.ip or "alla adresser") + "\n")

    # -- Host and Origin --
    def host_names(self) -> set[str]:
        names = {n.lower() for n in (*LOOPBACK_NAMES, *self.allowed_hosts)}
        if self.ip and self.ip not in ("0.0.0.0", "::"):
            names.add(self.ip.strip("[]").lower())
        elif self.ip in ("0.0.0.0", "::", ""):
            names.add(socket.gethostname().lower())
        return names

    @staticmethod
    def _split_host(netloc: str) -> tuple[str, str]:
        m = re.match(r"^\[([^\]]+)\](?::(\d+))?$", netloc) or re.match(r"^([^:]+)(?::(\d+))?$", netloc)
        if not m:
            return "", ""
        return m.group(1).lower(), m.group(2) or ""

    def request_allowed(self, request) -> bool:
        names = self.host_names()
        host, port = self._split_host(request.headers.get("Host", ""))
        if host not in names or (port and port != str(self.port)):
            self.log.warning("Refused request with Host %r", request.headers.get("Host"))
            return False
        origin = request.headers.get("Origin") or request.headers.get("Sec-Websocket-Origin")
        if origin is not None:
            parsed = urlparse(origin)
            ohost, oport = self._split_host(parsed.netloc)
            oport = oport or {"http": "80", "https": "443"}.get(parsed.scheme, "")
            if parsed.scheme not in ("http", "https") or ohost not in names or oport != str(self.port):
                self.log.warning("Refused request from Origin %r", origin)
                return False
        if request.path.startswith(url_path_join(self.server_url, "/voila/query/")):
            # the preheated kernel's own request-info socket: only from this machine
            try:
                return ipaddress.ip_address(request.remote_ip).is_loopback
            except ValueError:
                return False
        return True

    def init_settings(self):
        settings = super().init_settings()
        self.identity_provider.login_handler_class = SwedishLoginHandler
        self.identity_provider.logout_handler_class = SwedishLogoutHandler
        # jupyter_server's own Host check too (it only knows loopback addresses; ours is in front of it)
        settings["allow_remote_access"] = not is_loopback(self.ip or "")
        settings["local_hostnames"] = sorted(self.host_names())
        settings["log_function"] = log_request  # jupyter_server's access log: tokens scrubbed from URLs
        return settings

    def init_handlers(self):
        handlers = super().init_handlers()
        root = self.server_url
        allowed = frozenset(APPS[a] for a in self.apps)
        page = type("AppPageHandler", (AppPageHandler,), {"allowed_notebooks": allowed})
        kept = []
        for h in handlers:
            pattern, cls = h[0], h[1]
            if pattern == root or pattern.startswith(url_path_join(root, "/voila/tree")) \
                    or "/voila/api/contents" in pattern:
                continue  # no notebook listing, nothing to browse
            if cls is TornadoVoilaHandler:
                cls = page
            elif cls is TemplateStaticFileHandler:
                cls = StrictTemplateStaticFileHandler
            elif cls.__name__ in ("LogoutHandler",) or pattern.endswith("/logout"):
                cls = SwedishLogoutHandler
            if isinstance(cls, type) and issubclass(cls, tornado.web.RequestHandler) \
                    and not issubclass(cls, SwedishErrors) and cls.__name__ != "RequestInfoSocketHandler":
                cls = _swedish(cls)
            kept.append((pattern, cls, *h[2:]))
        if "arende" in self.apps:
            kept.insert(0, (root, page, {
                "notebook_path": APP_NOTEBOOK, "template_paths": self.template_paths,
                "config": self.config, "voila_configuration": self.voila_configuration}))
        kept.insert(0, (url_path_join(root, r"/dumpning/api/alive/([a-zA-Z0-9-]+)"), AliveHandler))
        kept.insert(0, Rule(_Refused(self.request_allowed), RefusedHandler))
        kept.append((r".*", NotFoundHandler))
        return kept

    @property
    def app_url(self) -> str:
        host = self.ip if is_loopback(self.ip or "") or self.ip not in ("", "0.0.0.0", "::") else socket.gethostname()
        host = f"[{host}]" if ":" in host else host
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}{self.base_url}{query}"

    def listen(self):
        # Voilà's listen() binds and then blocks in the IO loop; print the URL once bound.
        import tornado.ioloop
        if self.print_url:
            tornado.ioloop.IOLoop.current().add_callback(self._print_url)
        super().listen()

    def _print_url(self):
        sys.stdout.write("Öppna handläggarappen med den här adressen (den innehåller en hemlig nyckel, dela den inte):\n"
                         f"{self.app_url}\n")
        sys.stdout.flush()

    @property
    def display_url(self):  # Voilà's own "running at" line: the same working URL, not a second one
        return self.app_url


def voila_argv(port: int, ip: str = "127.0.0.1", preheat: bool = True, pool_size: int = 1,
               cull_seconds: int = 900, root: Path = NOTEBOOKS, apps: tuple[str, ...] | None = None,
               no_token: bool = False, allowed_hosts: tuple[str, ...] = ()) -> list[str]:
    """Command-line settings for Voilà; kept here so serve, tests and bench agree.

    The token is never on the command line (other users could read it in the process list): it
    comes from DUMPNING_TOKEN or is made at start."""
    argv = [
        str(root),
        f"--port={port}", f"--Voila.ip={ip}", "--no-browser",
        "--Voila.open_browser=False",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={root}",
        "--VoilaConfiguration.template=dumpning",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.theme=light",
        "--HTMLExporter.language_code=sv",
        "--VoilaExporter.language_code=sv",
        f"--MappingKernelManager.cull_idle_timeout={cull_seconds}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
        # A restarted kernel has lost the page's widgets: let the page say so instead.
        "--KernelManager.autorestart=False",
        # nbclient waits 4 s for a cell's last output after its reply, then drops what is late: on a
        # busy server (20 pages opening at once) that was the app's widget, and the page stayed empty.
        "--VoilaExecutor.iopub_timeout=60",
    ]
    if apps is not None:
        argv.append(f"--DumpningVoila.apps={list(apps)!r}")
    if allowed_hosts:
        argv.append(f"--DumpningVoila.allowed_hosts={list(allowed_hosts)!r}")
    if no_token:
        argv.append("--DumpningVoila.no_token=True")
    if preheat:
        argv += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
                 f"--VoilaKernelManager.preheat_denylist={NOT_PREHEATED!r}"]
    return argv


def slides_argv(port: int, ip: str = "127.0.0.1") -> list[str]:
    """The training notebook as slides: Swedish, offline reveal template shipped in the package."""
    return [str(NOTEBOOKS / "utbildning.ipynb"), f"--port={port}", f"--Voila.ip={ip}", "--no-browser",
            "--VoilaConfiguration.template=dumpning_reveal", "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False", "--HTMLExporter.language_code=sv",
            "--MappingKernelManager.cull_idle_timeout=900", "--MappingKernelManager.cull_interval=60"]


def _template_path() -> None:
    # Voilà looks for templates under <jupyter path>/voila/templates; ours ship in the package.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(PACKAGE_DIR), os.environ.get("JUPYTER_PATH")) if p)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _template_path()
    DumpningVoila.launch_instance(argv=argv if argv is not None else sys.argv[1:])


def slides_main(argv: list[str]) -> None:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _template_path()
    Voila.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
