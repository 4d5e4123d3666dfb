"""Settings for one municipality: names, addresses, guideline file, data folder, database."""
from __future__ import annotations

import datetime as dt
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


SOURCE_ROOT = PACKAGE_DIR.parent


def source_checkout() -> Path | None:
    """The project folder when the kit runs from a clone (editable install), else None."""
    pyproject = SOURCE_ROOT / "pyproject.toml"
    try:
        if 'name = "dumpning-kit"' in pyproject.read_text(encoding="utf-8"):
            return SOURCE_ROOT
    except OSError:
        pass
    return None


def default_data_dir() -> Path:
    """The data folder when DUMPNING_DATA_DIR is not set, the same from whatever folder a command,
    a Voilà kernel (which runs in notebooks/), JupyterLab or nbconvert starts in:

    - in a clone of the project: its ``data/`` folder (ignored by git);
    - in an installed wheel: the user's data folder, e.g. ``~/.local/share/dumpning-kit`` on Linux.
    """
    root = source_checkout()
    if root is not None:
        return root / "data"
    from platformdirs import user_data_path
    return Path(user_data_path("dumpning-kit", appauthor=False))


def data_dir(create: bool = True) -> Path:
    """Where the SQLite file, the pseudonym key, exports and backups live: $DUMPNING_DATA_DIR, or
    :func:`default_data_dir`. Never the current folder."""
    env = os.environ.get("DUMPNING_DATA_DIR")
    d = (Path(env).expanduser() if env else default_data_dir()).resolve()
    if create:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def shipped_dir(name: str) -> Path:
    """``notebooks`` or ``templates``: inside the package in a wheel, the top-level folder in a clone."""
    inside = PACKAGE_DIR / "_shipped" / name
    return inside if inside.is_dir() else SOURCE_ROOT / name


def database_url() -> str:
    url = os.environ.get("DUMPNING_DATABASE_URL")
    return url or f"sqlite:///{data_dir() / 'dumpning.sqlite'}"


def today() -> dt.date:
    """Today's date; DUMPNING_TODAY=YYYY-MM-DD overrides it for tests and training."""
    forced = os.environ.get("DUMPNING_TODAY")
    return dt.date.fromisoformat(forced) if forced else dt.date.today()


UNKNOWN_USER = "okänd användare"


def named_user() -> str | None:
    """The person working, when the environment says who it is: JupyterHub's user, then DUMPNING_USER.

    The operating-system account is never used: on a local run it is often a shared or
    technical account ("root"), not the person who decided.
    """
    for var in ("JUPYTERHUB_USER", "DUMPNING_USER"):
        value = (os.environ.get(var) or "").strip()
        if value:
            return value[:100]
    return None


def current_user(fallback: str | None = None) -> str:
    """The name for the event log: :func:`named_user`, else ``fallback`` (e.g. the case's
    handläggare), else "okänd användare"."""
    return named_user() or ((fallback or "").strip()[:100]) or UNKNOWN_USER


# ---- who signs the letters --------------------------------------------------------------

SIGNATORY_FILE = "underskrift.yaml"
DEMO_SIGNATORY = ("Demo Demosson", "Ordförande (påhittad person, bara för demo och övning)")


@dataclass(frozen=True)
class Signatory:
    """Who signs the committee's letters. ``by_hand``: no name is known, print lines to sign on."""

    name: str
    title: str
    source: str  # "settings", "saved", "demo" or "hand"

    @property
    def by_hand(self) -> bool:
        return self.source == "hand"


def saved_signatory() -> tuple[str, str] | None:
    """The name and title last given when a letter was made (data folder), if any."""
    f = data_dir(create=False) / SIGNATORY_FILE
    try:
        raw = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    name = str(raw.get("name") or "").strip()
    return (name, str(raw.get("title") or "").strip()) if name else None


def save_signatory(name: str, title: str = "") -> Path:
    """Remember the signatory as the default for later letters (in the data folder, mode 0600)."""
    name, title = " ".join(str(name).split()), " ".join(str(title or "").split())
    if not name:
        raise GuidelineError("Skriv namnet på den som skriver under.")
    if len(name) > 100 or len(title) > 150:
        raise GuidelineError("Namnet får vara högst 100 tecken och titeln högst 150.")
    f = data_dir() / SIGNATORY_FILE
    fd = os.open(f, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        yaml.safe_dump({"name": name, "title": title}, out, allow_unicode=True)
    return f


def signatory_for(settings: Settings, personnummer: str | None = None) -> Signatory:
    """Who signs a letter: the settings file's signatory, else the one remembered in the data folder,
    else (for a fictitious person with a Skatteverket test personnummer, as in the demo and in
    training) a clearly fictitious signatory, else nobody: the letter gets lines to sign by hand.

    The kit never makes up a real person's name."""
    if settings.signatory_name.strip():
        return Signatory(settings.signatory_name.strip(), settings.signatory_title.strip(), "settings")
    saved = saved_signatory()
    if saved:
        return Signatory(saved[0], saved[1] or settings.signatory_title.strip(), "saved")
    from .testdata import is_test_personnummer
    if personnummer and is_test_personnummer(str(personnummer)):
        return Signatory(*DEMO_SIGNATORY, "demo")
    return Signatory("", settings.signatory_title.strip(), "hand")


def signature_lines(settings: Settings, personnummer: str | None = None) -> list[str]:
    """The signature block of a committee letter (first line bold in the document)."""
    sig = signatory_for(settings, personnummer)
    title, committee = sig.title, settings.committee
    if sig.by_hand:
        lines = ["Underskrift: ______________________________",
                 "Namnförtydligande: ________________________"]
    else:
        lines = [sig.name]
    if title:
        lines.append(title)
    if committee.casefold() not in title.casefold():
        lines.append(committee)
    return lines
