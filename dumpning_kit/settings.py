"""Settings for one municipality: names, addresses, guideline file, data folder, database."""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
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


#: Every setting a settings file may hold, in the order the shipped file has them.
KNOWN_KEYS = ("municipality", "municipality_code", "committee", "social_services", "address", "logo", "signatory",
              "guideline", "ivo_address", "retention_years", "law_mapping", "chromium_path",
              "report_names_landlord_companies")
REQUIRED_KEYS = ("municipality", "municipality_code", "committee", "guideline")
SIGNATORY_KEYS = ("name", "title")
GUIDELINES_DIR = PACKAGE_DIR / "guidelines"
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg")
SETTINGS_ENV, GUIDELINE_ENV = "DUMPNING_SETTINGS", "DUMPNING_GUIDELINE"


def absolute_path(value: str | os.PathLike) -> Path:
    return Path(os.path.abspath(Path(value).expanduser()))


def _resolve(base: Path, value: str | None) -> Path | None:
    """A path from the settings file: absolute, or relative to the settings file's own folder."""
    if not value:
        return None
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base.parent / p).resolve()


def shipped_guidelines() -> dict[str, Path]:
    """The guidelines that come with the kit, by name: {"bengtsfors": …/guidelines/bengtsfors.yaml}."""
    return {p.stem: p for p in sorted(GUIDELINES_DIR.glob("*.yaml"))}


def _and(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


def _read_file(path: Path, what: str, fail, env: str | None = None) -> str:
    """The text of a file the settings need, or one Swedish sentence on why it cannot be read."""
    via = f" ({env} pekar på den)" if env else ""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{what} finns inte{via}.")
    except IsADirectoryError:
        fail(f"det är en mapp, inte {what}{via}.")
    except PermissionError:
        fail(f"{what} går inte att läsa: kontot som kör verktyget saknar behörighet till den{via}.")
    except UnicodeDecodeError:
        fail(f"{what} är inte sparad som UTF-8. Spara den som UTF-8 och försök igen.")
    except OSError:
        fail(f"{what} går inte att läsa{via}.")
    raise AssertionError("unreachable")


class _Check:
    """Checks one settings file. Every problem is one Swedish sentence that starts with the file's path."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, problem: str, file: Path | None = None):
        raise GuidelineError(f"{file or self.path}: {problem}")

    def text(self, raw: dict, key: str) -> str | None:
        v = raw.get(key)
        if v is None:
            return None
        if not isinstance(v, str):
            self.fail(f"inställningen {key} ska vara en text, inte {_kind(v)}.")
        return " ".join(v.split()) or None

    def lines(self, raw: dict, key: str) -> tuple[str, ...]:
        v = raw.get(key)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v):
            self.fail(f"inställningen {key} ska vara en lista med rader, en rad per streck, till exempel "
                      f"”- Box 14”.")
        return tuple(str(x) for x in v)

    def municipality_code(self, raw: dict, municipality: str) -> str:
        from .municipalities import all_municipalities
        v = raw["municipality_code"]
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            self.fail(f"kommunkoden (municipality_code) ska vara fyra siffror inom citattecken, till exempel "
                      f"\"1460\", inte {_kind(v)}.")
        code = str(v).strip().zfill(4) if isinstance(v, int) else str(v).strip()
        known = all_municipalities()
        if code not in known:
            hint = (" Skriv koden inom citattecken, till exempel \"0114\": utan citattecken kan en kod som börjar "
                    "med 0 läsas som ett annat tal." if isinstance(v, int)
                    else " Skriv kommunens fyrsiffriga kod från SCB, till exempel \"1460\".")
            self.fail(f"kommunkoden '{code}' (municipality_code) finns inte bland Sveriges {len(known)} "
                      f"kommuner.{hint}")
        m = known[code]
        if m.short.casefold() not in municipality.casefold():
            self.fail(f"kommunkoden {code} (municipality_code) är {m.name}, men municipality är "
                      f"'{municipality}'. Rätta koden eller namnet.")
        return code

    def guideline(self, raw: dict) -> Path:
        env = os.environ.get(GUIDELINE_ENV)
        if env:
            p = absolute_path(env)
            self.readable(p, "riktlinjefilen", env=GUIDELINE_ENV)
            return p
        v = raw["guideline"]
        if not isinstance(v, str):
            self.fail(f"inställningen guideline ska vara en sökväg till riktlinjefilen, inte {_kind(v)}.")
        v = v.strip()
        shipped = shipped_guidelines()
        if "/" not in v and "\\" not in v and not v.lower().endswith((".yaml", ".yml")):
            if v not in shipped:
                self.fail(f"guideline: ingen riktlinje med namnet '{v}' följer med verktyget (det finns "
                          f"{_and(shipped)}). Skriv namnet på en av dem eller sökvägen till er riktlinjefil, "
                          f"till exempel riktlinje.yaml i samma mapp som inställningsfilen.")
            return shipped[v]
        p = _resolve(self.path, v)
        where = "" if Path(v).expanduser().is_absolute() else \
            f" En relativ sökväg räknas från inställningsfilens mapp {self.path.parent}."
        if not p.exists():
            hint = f" Riktlinjen som följer med verktyget får du med guideline: {p.stem}." if p.stem in shipped else ""
            self.fail(f"riktlinjefilen {p} (guideline: {v}) finns inte.{where}{hint}")
        self.readable(p, f"riktlinjefilen {p} (guideline: {v})")
        return p

    def readable(self, p: Path, what: str, env: str | None = None) -> None:
        via = f" ({env} pekar på den)" if env else ""
        if not p.exists():
            self.fail(f"{what} finns inte{via}.", file=p if env else None)
        if not p.is_file():
            self.fail(f"{what} är en mapp, inte en fil{via}.", file=p if env else None)
        if not os.access(p, os.R_OK):
            self.fail(f"{what} går inte att läsa: kontot som kör verktyget saknar behörighet till den{via}.",
                      file=p if env else None)

    def logo(self, raw: dict) -> Path | None:
        v = raw.get("logo")
        if v is None or v == "":
            return None
        if not isinstance(v, str):
            self.fail(f"inställningen logo ska vara en sökväg till en bildfil, inte {_kind(v)}.")
        p = _resolve(self.path, v.strip())
        if p.suffix.lower() not in LOGO_SUFFIXES:
            self.fail(f"logotypen {p.name} (logo) kan inte användas: använd en PNG-, JPEG-, GIF- eller SVG-fil.")
        where = "" if Path(v).expanduser().is_absolute() else \
            f" En relativ sökväg räknas från inställningsfilens mapp {self.path.parent}."
        if not p.exists():
            self.fail(f"logotypen {p} (logo: {v}) finns inte.{where}")
        self.readable(p, f"logotypen {p} (logo: {v})")
        return p

    def signatory(self, raw: dict) -> tuple[str, str]:
        v = raw.get("signatory")
        if v is None:
            return "", ""
        if not isinstance(v, dict):
            self.fail("inställningen signatory ska ha name och title på var sin rad under sig, till exempel "
                      "”  name: Anna Andersson”.")
        unknown = [str(k) for k in v if k not in SIGNATORY_KEYS]
        if unknown:
            self.fail(f"okänd inställning '{unknown[0]}' under signatory. Där finns bara name och title.")
        name, title = self.text(v, "name"), self.text(v, "title")
        return name or "", title or ""

    def retention_years(self, raw: dict) -> int:
        v = raw.get("retention_years")
        if v is None:
            return 5
        years = v if isinstance(v, int) and not isinstance(v, bool) else \
            int(v) if isinstance(v, str) and v.strip().isdigit() else None
        if years is None or not 1 <= years <= 100:
            self.fail(f"inställningen retention_years ska vara ett helt antal år, från 1 till 100, inte '{v}'.")
        return years

    def flag(self, raw: dict, key: str) -> bool:
        v = raw.get(key)
        if v is None:
            return False
        if not isinstance(v, bool):
            self.fail(f"inställningen {key} ska vara true eller false, inte '{v}'.")
        return v

    def law_mapping(self, raw: dict, guideline_path: Path) -> dict:
        v = raw.get("law_mapping")
        if v is None or v == {}:
            return {}
        example = "\"sol2001:2 a kap. 10 §\": \"X kap. Y § SoL (2025:400)\""
        if not isinstance(v, dict):
            self.fail(f"inställningen law_mapping ska ha en rad per bestämmelse, till exempel {example}.")
        cited = _replaced_provisions(guideline_path)
        for key, new in v.items():
            if key not in cited:
                close = difflib.get_close_matches(str(key), cited, n=1, cutoff=0.9)
                hint = f" Menar du '{close[0]}'?" if close else \
                    f" Riktlinjen hänvisar till {_and(repr(c) for c in cited)}." if cited else \
                    " Riktlinjen hänvisar inte till någon lag som har ersatts."
                self.fail(f"law_mapping: '{key}' är ingen bestämmelse i en ersatt lag som riktlinjen hänvisar till "
                          f"(skriv lag:bestämmelse precis som i riktlinjen).{hint}")
            if not isinstance(new, str) or not new.strip():
                self.fail(f"law_mapping: '{key}' ska följas av den motsvarande bestämmelsen i den nya lagen, som "
                          f"text, till exempel {example}.")
        return {k: " ".join(n.split()) for k, n in v.items()}


def _kind(v) -> str:
    return {bool: "ja/nej", int: "ett tal", float: "ett tal", list: "en lista", dict: "en uppställning"}.get(
        type(v), "en text")


def _replaced_provisions(guideline_path: Path) -> list[str]:
    """The keys ("sol2001:2 a kap. 10 §") of every provision the guideline cites from a replaced law."""
    from .guideline import LawRef, _cached
    g = _cached(str(guideline_path), guideline_path.stat().st_mtime)
    found: dict[str, None] = {}

    def walk(o):
        if isinstance(o, LawRef):
            if g.laws.get(o.law, {}).get("replaced_by"):
                found[o.key] = None
        elif dataclasses.is_dataclass(o) and not isinstance(o, type):
            for f in dataclasses.fields(o):
                walk(getattr(o, f.name))
        elif isinstance(o, (tuple, list)):
            for x in o:
                walk(x)
        elif isinstance(o, dict):
            for x in o.values():
                walk(x)
    walk((g.steps, g.actions, g.deadlines, g.documents, g.outcomes))
    return sorted(found)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Reads and checks a settings file: ``path``, else $DUMPNING_SETTINGS, else the shipped one.

    Raises :class:`GuidelineError` with one Swedish sentence that names the file and the problem."""
    env = None if path else os.environ.get(SETTINGS_ENV)
    path = absolute_path(path or env or DEFAULT_SETTINGS)
    check = _Check(path)
    text = _read_file(path, "inställningsfilen", check.fail, env=SETTINGS_ENV if env else None)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = f": fel på rad {mark.line + 1}, kolumn {mark.column + 1}" if mark else ""
        check.fail(f"filen är inte giltig YAML{where}. Kontrollera indrag, kolon och citattecken.")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        check.fail("filen ska bestå av inställningar som namn: värde, en per rad, till exempel "
                   "”municipality: Bengtsfors kommun”.")
    unknown = [str(k) for k in raw if k not in KNOWN_KEYS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], KNOWN_KEYS, n=1)
        hint = f"Menar du {close[0]}?" if close else f"De inställningar som finns är {_and(KNOWN_KEYS)}."
        check.fail(f"okänd inställning '{unknown[0]}'. {hint}")
    missing = [k for k in REQUIRED_KEYS if raw.get(k) in (None, "")]
    if missing:
        check.fail(f"inställningen {_and(missing)} saknas." if len(missing) == 1
                   else f"inställningarna {_and(missing)} saknas.")
    municipality = check.text(raw, "municipality")
    committee = check.text(raw, "committee")
    for key, value in (("municipality", municipality), ("committee", committee)):
        if not value:
            check.fail(f"inställningen {key} saknas.")
    code = check.municipality_code(raw, municipality)
    guideline_path = check.guideline(raw)
    name, title = check.signatory(raw)
    chromium = raw.get("chromium_path")
    if chromium is not None and not isinstance(chromium, str):
        check.fail(f"inställningen chromium_path ska vara en sökväg till Chromium, inte {_kind(chromium)}.")
    return Settings(
        municipality=municipality,
        municipality_code=code,
        committee=committee,
        social_services=check.text(raw, "social_services") or f"Socialtjänsten, {municipality}",
        address=check.lines(raw, "address"),
        guideline_path=guideline_path,
        ivo_address=check.lines(raw, "ivo_address"),
        retention_years=check.retention_years(raw),
        law_mapping=check.law_mapping(raw, guideline_path),
        logo=check.logo(raw),
        signatory_name=name,
        signatory_title=title,
        chromium_path=chromium.strip() or None if chromium else None,
        report_names_landlord_companies=check.flag(raw, "report_names_landlord_companies"),
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
