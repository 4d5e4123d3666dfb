"""Settings for one municipality: names, addresses, guideline file, data folder, database."""
from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import GuidelineError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SETTINGS = PACKAGE_DIR / "settings" / "bengtsfors.yaml"


@dataclass(frozen=True)
class Settings:
    municipality: str
    municipality_code: str
    committee: str
    social_services: str
    address: tuple[str, ...]
    guideline_path: Path
    ivo_address: tuple[str, ...]
    retention_years: int = 5
    law_mapping: dict = field(default_factory=dict)
    logo: Path | None = None
    signatory_name: str = ""
    signatory_title: str = ""
    chromium_path: str | None = None
    #: The committee report may name landlords that are companies (AB, HB ...); off: codes only.
    report_names_landlord_companies: bool = False
    source: Path = DEFAULT_SETTINGS


def _resolve(base: Path, value: str | None) -> Path | None:
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base.parent / p).resolve()


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    path = Path(path or os.environ.get("DUMPNING_SETTINGS") or DEFAULT_SETTINGS)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise GuidelineError(f"{path}: inställningsfilen finns inte.") from None
    except yaml.YAMLError as e:
        raise GuidelineError(f"{path}: filen är inte giltig YAML ({e}).") from None
    missing = [k for k in ("municipality", "municipality_code", "committee", "guideline") if not raw.get(k)]
    if missing:
        raise GuidelineError(f"{path}: inställningen {', '.join(missing)} saknas.")
    signatory = raw.get("signatory") or {}
    env_guideline = os.environ.get("DUMPNING_GUIDELINE")
    return Settings(
        municipality=str(raw["municipality"]),
        municipality_code=str(raw["municipality_code"]).zfill(4),
        committee=str(raw["committee"]),
        social_services=str(raw.get("social_services") or f"Socialtjänsten, {raw['municipality']}"),
        address=tuple(str(x) for x in raw.get("address") or ()),
        guideline_path=Path(env_guideline) if env_guideline else _resolve(path, raw["guideline"]),
        ivo_address=tuple(str(x) for x in raw.get("ivo_address") or ()),
        retention_years=int(raw.get("retention_years") or 5),
        law_mapping=dict(raw.get("law_mapping") or {}),
        logo=_resolve(path, raw.get("logo")),
        signatory_name=str(signatory.get("name") or ""),
        signatory_title=str(signatory.get("title") or ""),
        chromium_path=raw.get("chromium_path"),
        report_names_landlord_companies=raw.get("report_names_landlord_companies") is True,
        source=path,
    )


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return load_settings()


def data_dir() -> Path:
    """Where the SQLite file and exports live: $DUMPNING_DATA_DIR or ./data."""
    d = Path(os.environ.get("DUMPNING_DATA_DIR") or Path.cwd() / "data").resolve()
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def database_url() -> str:
    url = os.environ.get("DUMPNING_DATABASE_URL")
    return url or f"sqlite:///{data_dir() / 'dumpning.sqlite'}"


def today() -> dt.date:
    """Today's date; DUMPNING_TODAY=YYYY-MM-DD overrides it for tests and training."""
    forced = os.environ.get("DUMPNING_TODAY")
    return dt.date.fromisoformat(forced) if forced else dt.date.today()


def current_user() -> str:
    """The user name for the event log: JupyterHub's user, then DUMPNING_USER, then the OS user."""
    for var in ("JUPYTERHUB_USER", "DUMPNING_USER"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "okänd"
