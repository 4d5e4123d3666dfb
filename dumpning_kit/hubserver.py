"""The caseworker app as a JupyterHub single-user server: ``python -m dumpning_kit.hubserver``.

JupyterHub's LocalProcessSpawner starts this as the caseworker's own operating-system account.
It is the same Voilà app as ``dumpning-kit serve`` (same template, same options, the case list
preheated in one kernel), with three differences:

- who may open it is decided by JupyterHub (its OAuth, the ``access:servers`` scope of this
  server), not by a token: the app has no login page of its own;
- it listens where the hub says (``JUPYTERHUB_SERVICE_URL``) under the hub's prefix
  (``JUPYTERHUB_SERVICE_PREFIX``, ``/user/<name>/``), and accepts the Host and Origin of the hub's
  public address (``DUMPNING_PUBLIC_URL``) besides its own;
- it serves only the case app and the team overview (no JupyterLab, no terminals, no file
  browser, no analysis notebook), and kernels work in the shared data folder
  (``DUMPNING_DATA_DIR``), with the umask from ``DUMPNING_UMASK``.

The hub's configuration is ``deploy/jupyterhub_config.py``; ``docs/deployment.md`` describes it.
"""
from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

import tornado.web
from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubIdentityProvider, JupyterHubOAuthCallbackHandler
from traitlets import Unicode

from .server import DumpningVoila, is_loopback, voila_argv

#: The parts of the app a caseworker's server serves under the hub.
HUB_APPS = ("arende", "oversikt")


class HubIdentityProvider(JupyterHubIdentityProvider):
    """JupyterHub's own OAuth check for single-user servers, in Voilà.

    Voilà hands every identity provider a ``token`` (for ``?token=`` logins); under the hub there
    is none: only the hub's OAuth cookie lets a request through."""

    token = Unicode("")

    def get_handlers(self):
        # Voilà adds these without its base_url: put them under /user/<name>/ where the hub expects them
        base = self.parent.base_url if self.parent is not None else "/"
        return [(url_path_join(base, "/oauth_callback"), JupyterHubOAuthCallbackHandler, {"hub_auth": self.hub_auth}),
                (url_path_join(base, "/logout"), HubLogoutHandler, {"hub_auth": self.hub_auth})]


class HubLogoutHandler(tornado.web.RequestHandler):
    """Logging out of the app is logging out of the hub."""

    def initialize(self, hub_auth):
        self.hub_auth = hub_auth

    def get(self):
        self.hub_auth.clear_cookie(self)
        self.redirect(url_path_join(self.hub_auth.hub_prefix, "logout"))


class HubVersionHandler(tornado.web.RequestHandler):
    """GET /user/<name>/api: what JupyterHub asks a new server for (its version header), nothing else."""

    def get(self):
        import jupyterhub
        self.set_header("X-JupyterHub-Version", jupyterhub.__version__)
        self.set_header("Content-Type", "application/json")
        self.finish('{"version": "%s"}' % jupyterhub.__version__)


class HubDumpningVoila(DumpningVoila):
    name = "dumpning-kit-hub"

    public_url = Unicode("", help="The hub's public address (scheme://host[:port]).").tag(config=True)

    def _public(self) -> tuple[str, str]:
        parsed = urlparse(self.public_url or "")
        if not parsed.hostname:
            return "", ""
        port = str(parsed.port or {"http": 80, "https": 443}.get(parsed.scheme, ""))
        return parsed.hostname.lower(), port

    def init_settings(self):
        settings = super().init_settings()
        data = os.environ.get("DUMPNING_DATA_DIR")
        if data:
            # kernels work in the shared data folder, never in the (read-only) notebooks folder
            self.kernel_manager.cwd_for_path = lambda path, **kwargs: data
        return settings

    def init_handlers(self):
        handlers = super().init_handlers()
        logout = url_path_join(self.base_url, "/logout")
        handlers = [(h[0], HubLogoutHandler, {"hub_auth": self.identity_provider.hub_auth})
                    if isinstance(h, tuple) and h[0] == logout else h for h in handlers]
        handlers.insert(1, (url_path_join(self.base_url, "/api"), HubVersionHandler))  # after the Host/Origin guard
        return handlers

    def request_allowed(self, request) -> bool:
        pub_host, pub_port = self._public()
        host, port = self._split_host(request.headers.get("Host", ""))
        if not pub_host or host != pub_host or (port or {"http": "80", "https": "443"}.get(request.protocol, "")) != pub_port:
            # not through the hub's proxy: the same rules as the local app
            return super().request_allowed(request)
        # Through the hub's proxy: the browser's Host and Origin are the hub's public address.
        origin = request.headers.get("Origin") or request.headers.get("Sec-Websocket-Origin")
        if origin is not None:
            parsed = urlparse(origin)
            ohost, oport = self._split_host(parsed.netloc)
            oport = oport or {"http": "80", "https": "443"}.get(parsed.scheme, "")
            if ohost != pub_host or oport != pub_port:
                return False
        return not request.path.startswith("/voila/query/") and "/voila/query/" not in request.path


def hub_argv(environ=os.environ) -> list[str]:
    """Voilà's command line for this single-user server, from the environment JupyterHub gives it."""
    service = urlparse(environ["JUPYTERHUB_SERVICE_URL"])
    ip = service.hostname or "127.0.0.1"
    if not is_loopback(ip):
        raise SystemExit("dumpning-kit: fel: servern för en handläggare ska lyssna på 127.0.0.1 "
                         "(JupyterHubs proxy står framför den).")
    from .settings import shipped_dir
    prefix = environ.get("JUPYTERHUB_SERVICE_PREFIX") or "/"
    argv = voila_argv(service.port or 8888, ip=ip, preheat=True, apps=HUB_APPS, root=shipped_dir("notebooks"),
                      no_token=True)
    argv += [f"--Voila.base_url={prefix}",
             "--DumpningVoila.print_url=False",
             "--DumpningVoila.identity_provider_class=dumpning_kit.hubserver.HubIdentityProvider",
             f"--HubDumpningVoila.public_url={environ.get('DUMPNING_PUBLIC_URL', '')}"]
    return argv


def main() -> None:
    umask = os.environ.get("DUMPNING_UMASK")
    if umask:
        os.umask(int(umask, 8))
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    from .server import _template_path
    _template_path()
    HubDumpningVoila.launch_instance(argv=hub_argv())


if __name__ == "__main__":
    main()
