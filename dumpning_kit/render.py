"""Offline A4 documents (HTML and PDF) through nbconvert and one reused Chromium.

A :class:`Document` (title, body HTML built and escaped by the caller, letterhead,
diarienummer, date, signature) becomes a notebook of raw cells whose metadata carries
the letterhead etc. (:func:`document_notebook`). nbconvert renders it with the project's
own template ``templates/dumpning_dokument`` to a static Swedish HTML page
(:func:`to_html`): ``lang="sv"``, inline CSS only, no scripts, no CDN links, A4 page
rules with "Diarienummer ..." and "Sida X av Y" in the page footer (CSS page-margin
boxes, so a browser's own print gets them too).

:class:`PdfRenderer` prints such documents with the system Chromium through
:class:`SystemChromiumPDFExporter`, a subclass of nbconvert's ``WebPDFExporter`` that
keeps one browser open for many documents. Pages are printed with JavaScript off,
network emulation offline and every request aborted.

User-visible messages are Swedish.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .settings import shipped_dir

if TYPE_CHECKING:  # nbconvert, bleach, bs4 and nbformat are imported when a document is made,
    import nbformat  # not when a page shows the list of documents (issue 13: memory, step changes)
    from nbconvert.exporters import HTMLExporter

    from .pdf_exporter import SystemChromiumPDFExporter

__all__ = [
    "CHROMIUM_ARGS",
    "TEMPLATE_DIR",
    "TEMPLATE_NAME",
    "ChromiumMissing",
    "Document",
    "Letterhead",
    "PdfRenderer",
    "SystemChromiumPDFExporter",
    "clean_body_html",
    "document_notebook",
    "find_chromium",
    "swedish_date",
    "to_html",
]

TEMPLATE_DIR: Path = shipped_dir("templates")  # top-level templates/ in a clone, inside the package in a wheel
TEMPLATE_NAME = "dumpning_dokument"

#: Notebook metadata key holding everything the template prints around the body.
METADATA_KEY = "dumpning_dokument"

#: Environment variable naming the Chromium executable.
CHROMIUM_ENV = "DUMPNING_CHROMIUM"

#: Where Debian/Ubuntu packages put Chromium; looked at after Playwright's own browser.
SYSTEM_CHROMIUM_CANDIDATES: tuple[str, ...] = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
#: Names looked up on PATH after the fixed candidates.
SYSTEM_CHROMIUM_NAMES: tuple[str, ...] = ("chromium", "chromium-browser")

CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
)

_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


# ---------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------


@dataclass
class Letterhead:
    """Sender shown at the top of every document."""

    municipality: str  # "Bengtsfors kommun"
    body: str  # nämnd/utskott, "Kommunstyrelsens sociala utskott"
    address_lines: list[str] = field(default_factory=list)  # postal address lines
    logo_path: str | None = None  # PNG/JPEG/GIF/SVG file, embedded as a data: URI


@dataclass
class Document:
    """One letter, request or decision."""

    title: str
    body_html: str  # trusted HTML built by the caller (caller escapes user text)
    diarienummer: str
    date: datetime.date
    letterhead: Letterhead
    signature: list[str] | tuple[str, ...] = ()  # name, title ...; may be empty
    recipient_lines: list[str] | tuple[str, ...] = ()  # address block; may be empty


def swedish_date(d: datetime.date) -> str:
    """``date(2026, 11, 27)`` -> ``"27 november 2026"``."""
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}


def _logo_data_uri(logo_path: str) -> str:
    path = Path(logo_path)
    mime = _LOGO_TYPES.get(path.suffix.lower())
    if mime is None:
        msg = (
            f"Logotypen {path.name} kan inte användas: filtypen stöds inte. "
            "Använd en PNG-, JPEG-, GIF- eller SVG-fil."
        )
        raise ValueError(msg)
    try:
        data = path.read_bytes()
    except OSError as e:
        msg = f"Logotypen kunde inte läsas från {path}: {e.strerror or e}."
        raise ValueError(msg) from e
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# Tags a letter body may use. Everything else is removed (its text kept): the body is
# trusted, but this keeps scripts, forms, frames and remote resources out of every
# document even if a caller slips.
_BODY_TAGS = frozenset(
    {
        "a", "abbr", "address", "article", "b", "blockquote", "br", "caption", "cite",
        "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
        "section", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "time", "tr", "u", "ul",
    }
)  # fmt: skip
# Removed together with their content (bleach would keep their text: code, CSS, markup).
_DROP_WITH_CONTENT = ["script", "style", "template", "noscript", "iframe", "object", "embed",
                      "svg", "math", "head", "title", "textarea", "select"]  # fmt: skip
_COMMON_ATTRS = frozenset({"class", "id", "lang", "title", "dir", "style"})
_TAG_ATTRS = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "abbr": frozenset({"title"}),
}
_CSS_PROPERTIES = frozenset(
    {
        "text-align", "vertical-align", "font-weight", "font-style", "text-decoration",
        "white-space", "width", "min-width", "max-width", "margin-left", "padding-left",
        "text-indent", "break-before", "break-after", "break-inside",
        "page-break-before", "page-break-after", "page-break-inside",
    }
)  # fmt: skip


@lru_cache(maxsize=1)
def _css_sanitizer():
    from bleach.css_sanitizer import CSSSanitizer
    return CSSSanitizer(allowed_css_properties=_CSS_PROPERTIES)


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "src":  # images only from inline data, never from a URL
        return tag == "img" and value.strip().lower().startswith("data:image/")
    if name == "href":  # links are not fetched when printing; allow the usual kinds
        v = value.strip().lower()
        return v.startswith(("https://", "http://", "mailto:", "tel:", "#"))
    return name in _COMMON_ATTRS or name in _TAG_ATTRS.get(tag, ())


def clean_body_html(html: str) -> str:
    """Keep only static document markup: no scripts, styles, forms or remote resources.

    Allowed: text-level and block tags of ordinary letters (headings, paragraphs, lists,
    tables, figures), ``class``/``id``/``lang``/``title`` and a few layout properties in
    ``style``; ``<img>`` only with ``data:image/...`` sources. Disallowed tags are
    dropped, their text kept, except scripts, styles, frames, inline SVG/MathML and form
    fields, which go with their content; HTML comments are dropped; an image without a
    data: source is removed.
    """
    import bleach
    from bs4 import BeautifulSoup
    soup = BeautifulSoup(html, features="html.parser")
    for element in soup.find_all(_DROP_WITH_CONTENT):
        element.decompose()
    cleaned = bleach.clean(
        str(soup),
        tags=_BODY_TAGS,
        attributes=_allowed_attribute,
        protocols=frozenset({"http", "https", "mailto", "tel", "data"}),
        css_sanitizer=_css_sanitizer(),
        strip=True,
        strip_comments=True,
    )
    if "<img" not in cleaned:
        return cleaned
    # An <img> that lost its (remote) source is dropped; one without alt text gets an
    # empty one, else nbconvert would add the English "No description has been provided".
    soup = BeautifulSoup(cleaned, features="html.parser")
    for img in soup.find_all("img"):
        if not img.get("src"):
            img.decompose()
        elif img.get("alt") is None:
            img["alt"] = ""
    return str(soup)


def _strip_strings(value: Any, strip) -> Any:
    if isinstance(value, str):
        return strip(value)
    if isinstance(value, dict):
        return {k: _strip_strings(v, strip) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_strings(v, strip) for v in value]
    return value


def document_notebook(doc: Document) -> nbformat.NotebookNode:
    """Build the notebook nbconvert renders: raw text/html cells only, no code.

    ``nb.metadata["dumpning_dokument"]`` carries title, diarienummer, date, letterhead
    (logo as a data: URI), recipient and signature; the template prints them.
    """
    import nbformat

    from .case import strip_bidi  # no direction-control character reaches a document (issue 12)
    lh = doc.letterhead
    meta: dict[str, Any] = {
        "title": doc.title,
        "diarienummer": doc.diarienummer,
        "date_iso": doc.date.isoformat(),
        "date_text": swedish_date(doc.date),
        "letterhead": {
            "municipality": lh.municipality,
            "body": lh.body,
            "address_lines": [str(x) for x in lh.address_lines],
        },
        "recipient_lines": [str(x) for x in doc.recipient_lines],
        "signature": [str(x) for x in doc.signature],
    }
    meta = _strip_strings(meta, strip_bidi)
    if lh.logo_path:
        meta["letterhead"]["logo_data_uri"] = _logo_data_uri(lh.logo_path)
    nb = nbformat.v4.new_notebook()
    nb.metadata["title"] = strip_bidi(doc.title)
    nb.metadata["language"] = "sv"
    nb.metadata[METADATA_KEY] = meta
    nb.cells.append(
        nbformat.v4.new_raw_cell(
            strip_bidi(clean_body_html(doc.body_html)),
            metadata={"raw_mimetype": "text/html"},
        )
    )
    return nb


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_EXPORTER_SETTINGS: dict[str, Any] = {
    "template_name": TEMPLATE_NAME,
    "extra_template_basedirs": [str(TEMPLATE_DIR)],
    "exclude_input": True,
    "exclude_input_prompt": True,
    "exclude_output_prompt": True,
    "language_code": "sv",
}


_html_exporter: HTMLExporter | None = None
_html_lock = threading.Lock()


def to_html(doc: Document) -> str:
    """Render ``doc`` to one self-contained, offline HTML page (A4 print rules)."""
    global _html_exporter  # noqa: PLW0603 - one exporter: its Jinja environment costs ~0.1 s
    nb = document_notebook(doc)
    with _html_lock:
        if _html_exporter is None:
            from nbconvert.exporters import HTMLExporter
            _html_exporter = HTMLExporter(**_EXPORTER_SETTINGS)
        html, _ = _html_exporter.from_notebook_node(nb)
    return html


# ---------------------------------------------------------------------------
# Chromium
# ---------------------------------------------------------------------------


class ChromiumMissing(RuntimeError):
    """No usable Chromium executable (message in Swedish, shown to users)."""


_MISSING_MSG = (
    "Det gick inte att skapa PDF: Chromium hittades inte. "
    "Installera paketet chromium eller ange sökvägen i inställningen chromium_path."
)


def _executable(path: str) -> str | None:
    """Absolute path of ``path`` if it is an executable file (a bare name is looked up on PATH)."""
    if os.sep not in path:
        found = shutil.which(path)
        return os.path.abspath(found) if found else None
    p = os.path.expanduser(path)
    return os.path.abspath(p) if os.path.isfile(p) and os.access(p, os.X_OK) else None


def _playwright_chromium() -> str | None:
    """The Chromium that Playwright installed for itself (``playwright install chromium``), if any.

    Computed from Playwright's registry layout (browsers.json revision, browsers folder)
    without starting its driver, which would cost about a second.
    """
    try:
        import playwright  # noqa: PLC0415

        pkg = Path(playwright.__file__).parent / "driver" / "package"
        browsers = json.loads((pkg / "browsers.json").read_text(encoding="utf-8"))["browsers"]
        revision = next(b["revision"] for b in browsers if b["name"] == "chromium")
    except Exception:  # noqa: BLE001 - no Playwright or unknown layout: not installed
        return None
    env_path = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if env_path == "0":
        base = pkg / ".local-browsers"
    elif env_path:
        base = Path(env_path).expanduser()
    else:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = Path(cache) / "ms-playwright"
    for sub in ("chrome-linux64", "chrome-linux"):
        exe = _executable(str(base / f"chromium-{revision}" / sub / "chrome"))
        if exe:
            return exe
    return None


def find_chromium(setting: str | None = None) -> str:
    """Path of the Chromium to print with.

    Order: ``setting`` (the kit's ``chromium_path`` setting), the environment variable
    ``DUMPNING_CHROMIUM``, Playwright's own installed Chromium, ``/usr/bin/chromium``,
    ``/usr/bin/chromium-browser``, ``chromium``/``chromium-browser`` on PATH.
    A setting or environment variable that names no executable is an error (it is not
    silently replaced by another browser). Raises :class:`ChromiumMissing`.
    """
    if setting:
        exe = _executable(setting)
        if exe is None:
            msg = (
                f"Det gick inte att skapa PDF: Chromium hittades inte på sökvägen {setting!r} "
                "i inställningen chromium_path. Rätta sökvägen eller installera paketet chromium."
            )
            raise ChromiumMissing(msg)
        return exe
    env = os.environ.get(CHROMIUM_ENV)
    if env:
        exe = _executable(env)
        if exe is None:
            msg = (
                f"Det gick inte att skapa PDF: Chromium hittades inte på sökvägen {env!r} "
                f"i miljövariabeln {CHROMIUM_ENV}. Rätta sökvägen eller installera paketet chromium."
            )
            raise ChromiumMissing(msg)
        return exe
    exe = _playwright_chromium()
    if exe:
        return exe
    for candidate in (*SYSTEM_CHROMIUM_CANDIDATES, *SYSTEM_CHROMIUM_NAMES):
        exe = _executable(candidate)
        if exe:
            return exe
    raise ChromiumMissing(_MISSING_MSG)


# ---------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------


class PdfRenderer:
    """Print many documents to PDF with one Chromium.

    >>> with PdfRenderer() as r:                       # doctest: +SKIP
    ...     Path("brev.pdf").write_bytes(r.pdf(doc))

    The Chromium path is resolved when the renderer is created (``find_chromium``), so a
    missing browser raises :class:`ChromiumMissing` at once; the browser itself starts
    with the first ``pdf()`` call and stops at ``close()`` / the end of the ``with``.
    """

    def __init__(self, chromium_path: str | None = None):
        self.chromium_path = find_chromium(chromium_path)
        from .pdf_exporter import SystemChromiumPDFExporter
        self.exporter = SystemChromiumPDFExporter(chromium_path=self.chromium_path)

    def __enter__(self) -> PdfRenderer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.exporter.close()

    @property
    def launch_count(self) -> int:
        return self.exporter.launch_count

    def pdf(self, doc: Document) -> bytes:
        """PDF bytes (A4) of ``doc``."""
        data, _ = self.exporter.from_notebook_node(document_notebook(doc))
        return data

    def html_and_pdf(self, doc: Document) -> tuple[str, bytes]:
        """The HTML page and the PDF printed from exactly that page."""
        from nbconvert.exporters import HTMLExporter
        nb = document_notebook(doc)
        html, _ = HTMLExporter.from_notebook_node(self.exporter, nb)
        return html, self.exporter.run_playwright(html)


def __getattr__(name: str):
    """``render.SystemChromiumPDFExporter`` as before, defined (with nbconvert) on first use."""
    if name == "SystemChromiumPDFExporter":
        from .pdf_exporter import SystemChromiumPDFExporter
        return SystemChromiumPDFExporter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
