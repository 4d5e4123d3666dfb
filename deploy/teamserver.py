#!/usr/bin/env python3
"""A complete local dumpning-kit team server: PostgreSQL, JupyterHub with configurable-http-proxy,
example caseworker accounts. Run as root on Debian (`make hub` runs `up`).

    python3 deploy/teamserver.py up        [--name dumpning_hub] [--port 8000]   set up, then run the hub
    python3 deploy/teamserver.py setup     [options]   everything but starting the hub (idempotent)
    python3 deploy/teamserver.py start     [--name ...]  run the hub in the foreground
    python3 deploy/teamserver.py teardown  [--name ...]  remove the instance: accounts, roles, database, folders
    python3 deploy/teamserver.py kit [--name ...] -- ARGS  `dumpning-kit ARGS` as the database owner with the
                                                  shared data folder (IT's purge, backups, db add-user)

What `setup` does, in order (docs/deployment.md describes the same steps):
 1. the single-user environment: a venv made with Debian's /usr/bin/python3 under --prefix
    (default /opt/dumpning-kit), the kit installed from this checkout (not editable) with its
    `postgres` and `hub` extras, everything world-readable (every caseworker's account runs it);
 2. configurable-http-proxy from npm (`npm ci` on deploy/proxy/package-lock.json) under --prefix;
 3. a group for the unit and the shared data folder /var/lib/<name> (root:<group>, setgid, 2770)
    with exports/ and backups/ in it;
 4. the example caseworkers' operating-system accounts (no login shell), in that group, with
    known fictitious passwords: JupyterHub checks them through PAM on its own login page;
 5. PostgreSQL: the schema owner's role <name>_owner (its password only in a root-only 0600
    file) and the database <name>; `dumpning-kit db setup`, then `dumpning-kit db add-user` for
    each caseworker (a PostgreSQL role of the same name, peer authentication, no password);
 6. the instance's root-only folder /var/lib/<name>-hub (0700) with hub.json, read by
    deploy/jupyterhub_config.py.
Every failure is one Swedish line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import grp
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
SYSTEM_PYTHON = "/usr/bin/python3"
#: The example caseworkers of `make hub`: fictitious people, fictitious passwords.
EXAMPLE_USERS = {"anna": "anna-exempel-2026", "bosse": "bosse-exempel-2026"}
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class Fail(Exception):
    """One Swedish line for the person running the script."""


def run(cmd, *, check=True, quiet=False, **kw):
    out = subprocess.run(cmd, text=True, capture_output=True, **kw)
    if check and out.returncode != 0:
        detail = (out.stderr or out.stdout).strip().splitlines()[-1:] or [""]
        raise Fail(f"kommandot {cmd[0]} misslyckades ({' '.join(map(str, cmd[1:3]))} …): {detail[0]}")
    return out


def psql(sql: str, db: str = "postgres", check=True):
    return run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db,
                "-tA", "-c", sql], check=check)


# ---- instance --------------------------------------------------------------------------------

def paths(args) -> dict:
    name = args.name
    return {
        "name": name,
        "prefix": str(Path(args.prefix).resolve()),
        "state_dir": f"/var/lib/{name}-hub",
        "data_dir": f"/var/lib/{name}",
        "group": name,
        "database": name,
        "owner": f"{name}_owner",
    }


def load_instance(name: str) -> dict:
    f = Path(f"/var/lib/{name}-hub/hub.json")
    if not f.is_file():
        raise Fail(f"det finns ingen teamserver med namnet {name}: kör först `python3 deploy/teamserver.py setup`.")
    return json.loads(f.read_text())


# ---- steps -----------------------------------------------------------------------------------

def check_tools() -> None:
    missing = []
    if os.geteuid() != 0:
        raise Fail("skriptet måste köras som root (det skapar konton, mappar och databasroller).")
    if not Path(SYSTEM_PYTHON).exists() or run([SYSTEM_PYTHON, "-c", "import venv, ensurepip"], check=False).returncode:
        missing.append("python3-venv")
    for tool, pkg in (("npm", "npm"), ("node", "nodejs"), ("psql", "postgresql"), ("runuser", "util-linux"),
                      ("useradd", "passwd"), ("chpasswd", "passwd")):
        if shutil.which(tool) is None:
            missing.append(pkg)
    if missing:
        raise Fail("saknas: " + ", ".join(sorted(set(missing))) + ". Installera med: apt-get install "
                   + " ".join(sorted(set(missing))))


def build_env(prefix: Path) -> None:
    """The single-user environment, readable (and runnable) by every account."""
    prefix.mkdir(parents=True, exist_ok=True)
    venv = prefix / "venv"
    if not (venv / "bin" / "python").exists():
        run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "--quiet", "--upgrade", "pip"])
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory() as tmp:
        # a clean copy of the checkout (no .venv, no old build/): what a wheel of it would hold
        src = Path(tmp) / "src"
        top = {".venv", ".git", "build", "dist", "data", "mutants", ".hypothesis", ".pytest_cache"}
        shutil.copytree(REPO, src, ignore=lambda d, names: [
            n for n in names if (Path(d) == REPO and n in top) or n in ("__pycache__", "node_modules",
                                                                          ".ipynb_checkpoints")
            or n.endswith(".egg-info")])
        run(pip + [f"{src}[postgres,hub]"])                          # dependencies
        run(pip + ["--no-deps", "--force-reinstall", str(src)])      # this checkout's code, not editable
    # the proxy from npm, exactly the locked version
    proxy = prefix / "proxy"
    proxy.mkdir(exist_ok=True)
    lock = (DEPLOY / "proxy" / "package-lock.json").read_text()
    if not (proxy / "node_modules" / ".bin" / "configurable-http-proxy").exists() \
            or not (proxy / "package-lock.json").exists() or (proxy / "package-lock.json").read_text() != lock:
        shutil.copy(DEPLOY / "proxy" / "package.json", proxy / "package.json")
        shutil.copy(DEPLOY / "proxy" / "package-lock.json", proxy / "package-lock.json")
        run(["npm", "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], cwd=proxy)
    # world-readable: a caseworker's account must be able to run it (every spawn fails otherwise)
    run(["chmod", "-R", "u+rwX,go+rX,go-w", str(prefix)])
    p = prefix
    while p != p.parent:  # and every folder above it must let them through
        if p.exists() and not (p.stat().st_mode & 0o001):
            raise Fail(f"mappen {p} går inte att öppna för andra konton: välj en annan plats med --prefix.")
        p = p.parent


def ensure_group_and_data(inst: dict) -> None:
    try:
        grp.getgrnam(inst["group"])
    except KeyError:
        run(["groupadd", "--system", inst["group"]])
    gid = grp.getgrnam(inst["group"]).gr_gid
    data = Path(inst["data_dir"])
    for d in (data, data / "exports", data / "backups"):
        d.mkdir(exist_ok=True)
        os.chown(d, 0, gid)
        os.chmod(d, 0o2770)   # the group may read and write, nobody else; new files get the group


def ensure_users(inst: dict, users: dict[str, str]) -> None:
    for name, password in users.items():
        try:
            pwd.getpwnam(name)
        except KeyError:
            run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", "--groups", inst["group"],
                 "--comment", "dumpning-kit exempelhandläggare", name])
        run(["usermod", "--append", "--groups", inst["group"], name])
        run(["chpasswd"], input=f"{name}:{password}\n")


def owner_url(inst: dict) -> str:
    pw = (Path(inst["state_dir"]) / "owner-password").read_text().strip()
    return f"postgresql+psycopg://{inst['owner']}:{pw}@127.0.0.1:5432/{inst['database']}"


def ensure_database(inst: dict) -> None:
    state = Path(inst["state_dir"])
    pwfile = state / "owner-password"
    if not pwfile.exists():
        fd = os.open(pwfile, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
        os.write(fd, (secrets.token_urlsafe(24) + "\n").encode())
        os.close(fd)
    os.chmod(pwfile, 0o600)
    pw = pwfile.read_text().strip()
    owner, db = inst["owner"], inst["database"]
    if psql(f"SELECT 1 FROM pg_roles WHERE rolname = '{owner}'").stdout.strip() != "1":
        psql(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD '{pw}'")
    else:
        psql(f"ALTER ROLE {owner} LOGIN CREATEROLE PASSWORD '{pw}'")
    if psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'").stdout.strip() != "1":
        psql(f"CREATE DATABASE {db} OWNER {owner}")


def kit(inst: dict, *args: str) -> None:
    """`dumpning-kit …` from the single-user environment, as the schema owner (root only)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DUMPNING_DATABASE_URL": owner_url(inst),
           "DUMPNING_DATA_DIR": inst["data_dir"], "HOME": inst["state_dir"]}
    out = subprocess.run([str(Path(inst["prefix"]) / "venv" / "bin" / "dumpning-kit"), *args], env=env,
                         text=True, capture_output=True)
    if out.returncode != 0:
        raise Fail(f"dumpning-kit {' '.join(args)} misslyckades: {(out.stderr or out.stdout).strip()}")


def setup(args) -> dict:
    check_tools()
    inst = paths(args)
    users = dict(EXAMPLE_USERS) if not args.user else dict(u.split(":", 1) for u in args.user)
    for n in (inst["name"], *users):
        if not NAME_RE.match(n):
            raise Fail(f"namnet {n!r} går inte att använda: bara små bokstäver a–z, siffror och _, högst 31 tecken.")
    state = Path(inst["state_dir"])
    state.mkdir(mode=0o700, exist_ok=True)
    os.chmod(state, 0o700)
    print(f"1/5 Miljön för handläggarnas servrar i {inst['prefix']} (kan ta några minuter första gången) …", flush=True)
    build_env(Path(inst["prefix"]))
    print("2/5 Grupp och gemensam datamapp …", flush=True)
    ensure_group_and_data(inst)
    print("3/5 Konton för handläggarna …", flush=True)
    ensure_users(inst, users)
    print("4/5 PostgreSQL …", flush=True)
    ensure_database(inst)
    kit(inst, "db", "setup")
    for u in users:
        kit(inst, "db", "add-user", u, "--role", "handlaggare")
    inst.update(port=args.port, hub_port=args.hub_port or args.port + 1,
                proxy_api_port=args.proxy_api_port or args.port + 2, users=sorted(users),
                settings=args.settings or "", today=args.today or "")
    print("5/5 JupyterHubs inställningar …", flush=True)
    f = state / "hub.json"
    f.write_text(json.dumps(inst, indent=2, ensure_ascii=False))
    os.chmod(f, 0o600)
    # the example logins, for `make hub` to print; root-only like everything here
    logins = state / "example-logins"
    logins.write_text("".join(f"{u} {p}\n" for u, p in users.items()))
    os.chmod(logins, 0o600)
    return inst


def start(name: str, *, foreground_banner: bool = True) -> int:
    inst = load_instance(name)
    if foreground_banner:
        print(f"\nTeamservern är igång på http://127.0.0.1:{inst['port']}/hub/login", flush=True)
        print("Exempelinloggningar (påhittade):")
        for line in (Path(inst["state_dir"]) / "example-logins").read_text().splitlines():
            u, p = line.split(" ", 1)
            print(f"  användarnamn {u}  lösenord {p}")
        print("Stoppa med Ctrl+C.", flush=True)
    env = {**os.environ, "DUMPNING_HUB_INSTANCE": str(Path(inst["state_dir"]) / "hub.json")}
    for var in ("DUMPNING_DATABASE_URL", "DUMPNING_TEST_POSTGRES_URL", "PGPASSWORD"):
        env.pop(var, None)  # nothing of the caller's leaks into the hub (and from there to a spawner)
    cmd = [str(Path(inst["prefix"]) / "venv" / "bin" / "jupyterhub"), "-f", str(DEPLOY / "jupyterhub_config.py")]
    os.chdir(inst["state_dir"])
    os.execve(cmd[0], cmd, env)


def teardown(name: str) -> None:
    if os.geteuid() != 0:
        raise Fail("skriptet måste köras som root.")
    f = Path(f"/var/lib/{name}-hub/hub.json")
    inst = json.loads(f.read_text()) if f.is_file() else {"name": name, "users": [], "database": name,
                                                           "owner": f"{name}_owner", "group": name,
                                                           "state_dir": f"/var/lib/{name}-hub",
                                                           "data_dir": f"/var/lib/{name}"}
    db = inst["database"]
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'", check=False)
    psql(f"DROP DATABASE IF EXISTS {db}", check=False)
    for role in (*inst["users"], inst["owner"]):
        psql(f"DROP ROLE IF EXISTS {role}", check=False)
    for u in inst["users"]:
        run(["pkill", "-u", u], check=False)  # only processes of the instance's own accounts
        run(["userdel", "--remove", u], check=False)
    run(["groupdel", inst["group"]], check=False)
    shutil.rmtree(inst["data_dir"], ignore_errors=True)
    shutil.rmtree(inst["state_dir"], ignore_errors=True)


class Instance:
    """A throw-away team server for tests and benchmarks: `setup` and `start` exactly as `make hub`
    runs them, in the background, then `stop` and `teardown`. Root only."""

    def __init__(self, name: str, users: dict[str, str], port: int, hub_port: int, proxy_api_port: int,
                 prefix: str = "/opt/dumpning-kit-test", today: str = "", log_path: str | None = None):
        self.name, self.users, self.port, self.prefix = name, users, port, prefix
        self.url = f"http://127.0.0.1:{port}"
        self.setup_args = ["setup", "--name", name, "--prefix", prefix, "--port", str(port), "--hub-port",
                           str(hub_port), "--proxy-api-port", str(proxy_api_port), "--today", today,
                           *[a for u, p in users.items() for a in ("--user", f"{u}:{p}")]]
        self.log_path = log_path or f"/tmp/{name}-hub.log"
        self.proc = None

    def setup(self) -> None:
        out = subprocess.run([SYSTEM_PYTHON, str(Path(__file__).resolve()), *self.setup_args],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"teamserver setup failed: {out.stderr.strip() or out.stdout.strip()}")

    def start(self, timeout: float = 120) -> None:
        import socket
        import time
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(Path(__file__).resolve()), "start", "--name", self.name],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited: {Path(self.log_path).read_text()[-3000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                import urllib.request
                with urllib.request.urlopen(f"{self.url}/hub/login", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the hub did not answer within the timeout")

    def instance(self) -> dict:
        return load_instance(self.name)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # JupyterHub stops the proxy and every single-user server it started
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if getattr(self, "log", None):
            self.log.close()

    def teardown(self) -> None:
        self.stop()
        teardown(self.name)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="dumpning-kit: en lokal teamserver (JupyterHub + PostgreSQL)")
    ap.add_argument("command", choices=["up", "setup", "start", "teardown", "kit"])
    ap.add_argument("--name", default="dumpning_hub", help="instansens namn: databas, grupp och mappar")
    ap.add_argument("--prefix", default="/opt/dumpning-kit", help="var miljön och proxyn installeras")
    ap.add_argument("--port", type=int, default=8000, help="hubbens port på 127.0.0.1")
    ap.add_argument("--hub-port", type=int, default=0)
    ap.add_argument("--proxy-api-port", type=int, default=0)
    ap.add_argument("--user", action="append", help="NAMN:LÖSENORD för ett exempelkonto (flera gånger)")
    ap.add_argument("--settings", default="", help="inställningsfil för alla handläggare (DUMPNING_SETTINGS)")
    ap.add_argument("--today", default="", help="fast datum för test och utbildning (DUMPNING_TODAY)")
    argv = list(sys.argv[1:] if argv is None else argv)
    kit_args = []
    if "--" in argv:  # kit [options] -- ARGS: ARGS go to dumpning-kit
        kit_args, argv = argv[argv.index("--") + 1:], argv[:argv.index("--")]
    args = ap.parse_args(argv)
    args.kit_args = kit_args
    try:
        if not NAME_RE.match(args.name):
            raise Fail(f"namnet {args.name!r} går inte att använda: bara små bokstäver a–z, siffror och _.")
        if args.command in ("up", "setup"):
            setup(args)
        if args.command in ("up", "start"):
            return start(args.name)
        if args.command == "teardown":
            teardown(args.name)
        if args.command == "kit":  # e.g. `kit -- purge --closed-before 2021-12-31 --dry-run`
            inst = load_instance(args.name)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DUMPNING_DATABASE_URL": owner_url(inst),
                   "DUMPNING_DATA_DIR": inst["data_dir"], "HOME": inst["state_dir"], "LANG": "C.UTF-8",
                   **({"DUMPNING_SETTINGS": inst["settings"]} if inst.get("settings") else {}),
                   **({"DUMPNING_TODAY": inst["today"]} if inst.get("today") else {})}
            return subprocess.run([str(Path(inst["prefix"]) / "venv" / "bin" / "dumpning-kit"), *args.kit_args],
                                  env=env).returncode
        return 0
    except Fail as e:
        sys.stderr.write(f"teamserver: fel: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
