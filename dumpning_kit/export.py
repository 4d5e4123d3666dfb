"""Exports: the completed assessment and the guideline's letters, as HTML and A4 PDF.

    build_document(store, case, "begaran")          -> render.Document (or DocumentRefused)
    allowed_documents(store, case)                  -> [(spec, ok, refusal), ...]
    export_case(store, case_id, ["ivo"], ("pdf",))  -> [Path, ...]

A case becomes a :class:`~dumpning_kit.render.Document` through a per-document builder in
:mod:`dumpning_kit.documents` (which checks that everything the document needs is there and
escapes every value the caseworker typed). :mod:`dumpning_kit.render` turns it into an
offline Swedish HTML page through nbconvert and prints it with one reused Chromium.
Every written file is an ``exporterat`` event in the case's log.
"""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable, Sequence

from . import render
from .case import Case
from .documents import DocumentRefused, Source, builders, render_body, tie_citations
from .errors import UserError
from .guideline import DocumentSpec
from .render import Document, Letterhead, PdfRenderer
from .settings import Settings, data_dir
from .store import Store

__all__ = ["FORMATS", "DocumentRefused", "ExportError", "allowed_documents", "build_document",
           "export_case", "export_dir", "file_stem", "safe_name"]

FORMATS = ("html", "pdf")
_MIME = {"html": "text/html", "pdf": "application/pdf"}


class ExportError(UserError):
    """Writing or printing failed (message in Swedish)."""


# ---- names ---------------------------------------------------------------------------------

def safe_name(text: str, fallback: str) -> str:
    """A file/folder name from user text: ASCII letters, digits, '-' and '_' only, never '.' or '..'.

    'SN 2026/123' -> 'SN-2026-123'; 'Åsa' -> 'Asa'; '../../etc' -> 'etc'.
    """
    ascii_ = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_).strip("-_")[:60].strip("-_")
    return name or fallback


def file_stem(case: Case, doc_id: str) -> str:
    return f"{safe_name(case.diarienummer, f'arende-{case.id}')}-{safe_name(doc_id, 'dokument')}"


def export_dir(case: Case) -> Path:
    """data_dir()/exports/<case id>-<sanitised diarienummer>.

    The id keeps two cases apart whose diarienummer sanitise alike ('SN 1/2', 'SN-1-2').
    """
    base = (data_dir() / "exports").resolve()
    target = (base / f"{int(case.id)}-{safe_name(case.diarienummer, 'arende')}").resolve()
    if base not in target.parents:  # cannot happen with safe_name(); belt and braces
        raise ExportError("Ogiltigt diarienummer för en mapp.")
    return target


# ---- building ------------------------------------------------------------------------------

def _spec(store: Store, doc_id: str) -> DocumentSpec:
    ids = [d.id for d in store.g.documents]
    if doc_id not in ids or doc_id not in builders():
        raise UserError(f"Dokumentet ”{doc_id}” finns inte. Välj ett av: {', '.join(ids)}.")
    return store.g.document(doc_id)


def _letterhead(settings: Settings, sender: str) -> Letterhead:
    logo = str(settings.logo) if settings.logo and Path(settings.logo).is_file() else None
    return Letterhead(municipality=settings.municipality, body=sender, address_lines=list(settings.address),
                      logo_path=logo)


def build_document(store: Store, case: Case, doc_id: str, *, krav_motivering: bool | None = None) -> Document:
    """The document ``doc_id`` for ``case``, filled from the case.

    Raises :class:`DocumentRefused` (a ``UserError``) with the Swedish reason when the
    guideline's conditions are not met or something the document needs is not filled in.
    ``krav_motivering`` chooses the skrivelse variant: None follows the person's consent,
    True demands a motivation (refused without consent), False never demands one.
    """
    spec = _spec(store, doc_id)
    state = store.state(case)
    ok, refusal = state.document_allowed(doc_id)
    if not ok:
        raise DocumentRefused(doc_id, refusal)
    src = Source(store.g, store.settings, case, state, doc_id)
    build = builders()[doc_id]
    if doc_id == "skrivelse":
        draft = build(src, krav_motivering=krav_motivering)
    elif doc_id == "bedomning":
        draft = build(src, events=store.events(case.id) if case.id is not None else ())
    else:
        draft = build(src)
    return Document(
        title=tie_citations(draft.title or spec.title),
        body_html=render_body(draft),
        diarienummer=case.diarienummer,
        date=draft.date,
        letterhead=_letterhead(store.settings, draft.sender),
        signature=draft.signature,
        recipient_lines=draft.recipient_lines,
    )


def allowed_documents(store: Store, case: Case) -> list[tuple[DocumentSpec, bool, str]]:
    """Every document of the guideline with whether it can be made now, and the reason if not.

    Checks the same things :func:`build_document` does (it builds the body, which is cheap;
    nothing is rendered or printed).
    """
    out = []
    state = store.state(case)
    for spec in store.g.documents:
        if not state.holds(spec.applies):
            continue  # not a document of this kind of case (e.g. the answer to an incoming request)
        if spec.id not in builders():
            out.append((spec, False, "Kitet kan inte skapa det här dokumentet än."))
            continue
        try:
            build_document(store, case, spec.id)
        except UserError as e:
            out.append((spec, False, str(e)))
        else:
            out.append((spec, True, ""))
    return out


# ---- writing -------------------------------------------------------------------------------

def _write(path: Path, data: bytes) -> None:
    """Atomically, owner-only: exports hold sensitive personal data."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Printed first by a renderer started here, so Chromium launches while pages are built.
_WARM_UP_PAGE = '<!DOCTYPE html><html lang="sv"><title></title></html>'


def _pdf(renderer: PdfRenderer, doc: Document, html: str) -> bytes:
    try:
        return renderer.exporter.run_playwright(html)
    except UserError:
        raise
    except Exception as e:  # Playwright/Chromium errors: a Swedish line, the cause kept for the log
        text = str(e)
        if not text.startswith("Det gick inte"):
            text = f"Det gick inte att skapa PDF av ”{doc.title}”. Försök igen."
        raise ExportError(text) from e


def export_case(store: Store, case_id: int, doc_ids: Iterable[str] | None = None,
                formats: Sequence[str] = FORMATS, out_dir: str | os.PathLike | None = None, *,
                renderer: PdfRenderer | None = None, krav_motivering: bool | None = None) -> list[Path]:
    """Write the documents of one case and log each file as an ``exporterat`` event.

    ``doc_ids`` None means every document that can be made now; named documents that
    cannot be made raise :class:`DocumentRefused` before anything is written. All PDFs are
    printed by one Chromium: ``renderer`` if given (left open), else one started here and
    closed at the end. Files go to ``out_dir`` or :func:`export_dir`; names are
    ``<diarienummer>-<document>.<format>``. Returns the written paths in order.
    """
    formats = tuple(dict.fromkeys(f.lower() for f in formats))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise UserError(f"Okänt format ”{(bad or [''])[0]}”. Välj pdf eller html.")
    case = store.get(case_id)
    if doc_ids is None:
        docs = [(spec, build_document(store, case, spec.id, krav_motivering=krav_motivering))
                for spec, ok, _ in allowed_documents(store, case) if ok]
        if not docs:
            raise DocumentRefused("", "Inga dokument kan skapas för ärendet än. Fyll i ärendeuppgifterna först.")
    else:
        wanted = list(dict.fromkeys(doc_ids))
        if not wanted:
            raise UserError("Ange minst ett dokument.")
        docs = [(_spec(store, d), build_document(store, case, d, krav_motivering=krav_motivering))
                for d in wanted]

    target = Path(out_dir).expanduser().resolve() if out_dir is not None else export_dir(case)
    try:
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise ExportError(f"Mappen {target} kunde inte skapas: {e.strerror or e}.") from e

    own_renderer = None
    if "pdf" in formats and renderer is None:
        try:
            renderer = own_renderer = PdfRenderer(store.settings.chromium_path)
        except render.ChromiumMissing as e:
            raise ExportError(str(e)) from e
    written: list[Path] = []
    # One printer thread feeds the one browser, so the next HTML page is built while
    # Chromium launches or prints the previous one.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dumpning-kit-print") as printer:
        try:
            if own_renderer is not None:
                # render has no public warm-up; an empty page launches the browser now. Its
                # errors are not reported here: the first real page launches again and reports.
                printer.submit(own_renderer.exporter.run_playwright, _WARM_UP_PAGE)
            pages = []
            for spec, doc in docs:
                html = render.to_html(doc)  # the PDF is printed from exactly this page
                pdf = printer.submit(_pdf, renderer, doc, html) if "pdf" in formats else None
                pages.append((spec, html, pdf))
            for spec, html, pdf in pages:
                for fmt in formats:
                    data = html.encode("utf-8") if fmt == "html" else pdf.result()
                    path = target / f"{file_stem(case, spec.id)}.{fmt}"
                    try:
                        _write(path, data)
                    except OSError as e:
                        raise ExportError(f"Filen {path} kunde inte sparas: {e.strerror or e}.") from e
                    store.log(case.id, "exporterat", {"document": spec.id, "title": spec.title, "format": fmt,
                                                      "file": path.name})
                    written.append(path)
        finally:
            printer.shutdown(wait=True, cancel_futures=True)
            if own_renderer is not None:
                own_renderer.close()
    return written


def mime_type(path: Path) -> str:
    return _MIME.get(path.suffix.lstrip(".").lower(), "application/octet-stream")
