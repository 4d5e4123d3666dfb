# JupyterHub configuration for a dumpning-kit team server (tested by tests/test_hub_browser.py).
#
# Run by deploy/teamserver.py (`make hub`), as root:
#   DUMPNING_HUB_INSTANCE=/var/lib/<name>-hub/hub.json  <prefix>/venv/bin/jupyterhub -f deploy/jupyterhub_config.py
# hub.json is written by `teamserver.py setup` and holds no secret (names, ports and folders). The
# secrets (cookie secret, JupyterHub's database, the PostgreSQL owner's password) are files in the
# same root-only (0700) folder; none of them reaches a caseworker's server.
#
# What a municipality changes for production is in docs/deployment.md (login through LDAP or
# Entra ID, TLS, backups).
import json
import os

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

instance = json.load(open(os.environ.get("DUMPNING_HUB_INSTANCE", "/var/lib/dumpning_hub-hub/hub.json")))
state = instance["state_dir"]      # root-only: JupyterHub's own files and secrets
prefix = instance["prefix"]        # world-readable: the single-user environment and the proxy
public_url = f"http://127.0.0.1:{instance['port']}"

# -- where it listens: loopback only. For TLS see docs/deployment.md: ssl_cert/ssl_key (or a reverse
# proxy); an https:// bind_url alone does NOT turn TLS on.
c.JupyterHub.bind_url = public_url
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = instance["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{instance['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [os.path.join(prefix, "proxy", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

# -- JupyterHub's own state, kept out of every caseworker's reach
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(state, "jupyterhub.pid")
_templates = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
if os.path.isdir(_templates):  # the hub's login page in Swedish
    c.JupyterHub.template_paths = [_templates]

# -- who may log in: the operating system's accounts (PAM) of the unit's caseworkers only
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = set(instance["users"])
c.Authenticator.admin_users = set()
c.JupyterHub.admin_access = False

# -- each caseworker's server: their own OS account, the Voilà app only
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(prefix, "venv", "bin", "python"), "-m", "dumpning_kit.hubserver"]
c.Spawner.args = []
c.Spawner.default_url = "/"          # the case list, at /user/<name>/
c.Spawner.start_timeout = 180        # slow shared machines: the first start imports a lot
c.Spawner.http_timeout = 180
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "TZ"]
c.Spawner.environment = {
    # PostgreSQL as the caseworker's own role, over the Unix socket (peer authentication): no
    # password anywhere in the caseworker's environment.
    "DUMPNING_DATABASE_URL": f"postgresql+psycopg:///{instance['database']}",
    # the shared data folder (exports, pseudonym key, backups): group-owned, setgid; files the
    # servers write stay readable by the group, never by other accounts
    "DUMPNING_DATA_DIR": instance["data_dir"],
    "DUMPNING_UMASK": "0007",
    "DUMPNING_PUBLIC_URL": public_url,
    "LANG": "sv_SE.UTF-8" if os.path.exists("/usr/lib/locale/sv_SE.utf8") else "C.UTF-8",
    **({"DUMPNING_SETTINGS": instance["settings"]} if instance.get("settings") else {}),
    **({"DUMPNING_TODAY": instance["today"]} if instance.get("today") else {}),
}
# idle servers stop by themselves after the kernel cull (15 min) is long past: see docs/deployment.md
