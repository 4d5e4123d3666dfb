"""The documents of one case: create PDF or HTML, then download, offline in Voilà.

One row per document of the guideline: its title and section, then either the buttons
"Skapa PDF" / "Skapa HTML" or the Swedish reason it cannot be made yet. A created file is
offered as a download link with a data: URI (no file server, works offline). "Skapa alla"
prints every document that can be made with one browser.
"""
from __future__ import annotations

import base64
import logging
from pathlib import Path

import ipywidgets as w

from ..case import Case
from ..errors import UserError
from ..export import allowed_documents, export_case, mime_type
from ..store import Store
from .common import esc, message

log = logging.getLogger(__name__)
UNEXPECTED = ("Dokumentet kunde inte skapas på grund av ett oväntat fel. Försök igen. Kontakta "
              "systemförvaltaren om felet kommer tillbaka.")
#: Shown under a document's title; facts the caseworker needs before sending it.
NOTES = {
    "skrivelse": "Utan personens samtycke innehåller skrivelsen inga uppgifter om personen och kräver ingen motivering.",
    "ivo": "IVO har en egen blankett för ansökan. Använd dokumentet som underlag och bilaga.",
}


def _size(n: int) -> str:
    return f"{max(1, round(n / 1024))} kB"


def download_link(path: Path, label: str) -> str:
    """An <a download> with the file inside a data: URI: no server round trip, works offline."""
    data = path.read_bytes()
    uri = f"data:{mime_type(path)};base64,{base64.b64encode(data).decode('ascii')}"
    fmt = path.suffix.lstrip(".").upper()
    return (f'<a download="{esc(path.name)}" href="{uri}">Ladda ned {esc(label)} '
            f"({esc(fmt)}, {_size(len(data))})</a>")


class DocumentPanel:
    """Rows of documents for ``case``; ``.widget`` is the ipywidgets box to show."""

    def __init__(self, store: Store, case: Case):
        self.store, self.case = store, case
        self.status = w.HTML()
        self.rows: dict[str, dict] = {}  # the documents listed now, by id
        self._rows: dict[str, dict] = {}  # every row made so far, kept for reuse
        self.all_button = w.Button(description="Skapa alla som PDF",
                                   tooltip="Skapa PDF av alla dokument som går att skapa, på en gång",
                                   icon="", layout=w.Layout(width="auto"))
        self.all_button.on_click(lambda _b: self.create_all())
        self.all_links = w.HTML()
        self.box = w.VBox()
        self.widget = w.VBox([self.box, w.HBox([self.all_button], layout=w.Layout(margin="8px 0")),
                              self.all_links, self.status])
        self.widget.add_class("dk-documents")
        self.refresh()

    # ---- rows ----
    def _row(self, spec) -> dict:
        """The widgets of one document's row, made once and reused on every refresh (a summary
        visit then sends a few changed values instead of some hundred new widgets, issue 13)."""
        head, result, refusal = w.HTML(), w.HTML(), w.HTML()
        buttons = []
        for fmt in ("pdf", "html"):
            b = w.Button(description=f"Skapa {fmt.upper()}", tooltip=f"Skapa {spec.title} som {fmt.upper()}",
                         layout=w.Layout(width="auto"))
            b.on_click(lambda _b, d=spec.id, f=fmt: self.create(d, f))
            buttons.append(b)
        actions = w.HBox(buttons)
        row = w.VBox([head, actions, result, refusal],
                     layout=w.Layout(border_bottom="1px solid #d1d5db", padding="4px 0"))
        return {"spec": spec, "ok": False, "result": result, "buttons": [], "made_buttons": buttons, "head": head,
                "actions": actions, "refusal": refusal, "row": row}

    def refresh(self) -> None:
        """The rows for the case as it is now saved; links from earlier visits are cleared."""
        self.status.value = self.all_links.value = ""
        try:
            items = allowed_documents(self.store, self.store.get(self.case.id))
        except UserError as e:
            self.box.children = [w.HTML(message("error", str(e)))]
            self.all_button.disabled = True
            return
        except Exception:  # never a traceback in front of a caseworker
            log.exception("listing documents failed")
            self.box.children = [w.HTML(message("error", UNEXPECTED))]
            self.all_button.disabled = True
            return
        rows = {}
        for spec, ok, refusal in items:
            r = self._rows.get(spec.id) or self._row(spec)
            self._rows[spec.id] = r
            r.update(spec=spec, ok=ok, buttons=r["made_buttons"] if ok else [])
            r["head"].value = (f'<h4 style="margin:6px 0 0 0">{esc(spec.title)}</h4>'
                               f'<p class="dk-law" style="margin:0 0 4px 0">Avsnitt {esc(spec.section)} i riktlinjen</p>'
                               + (f'<p class="dk-hint">{esc(NOTES[spec.id])}</p>' if ok and spec.id in NOTES else ""))
            r["result"].value = ""
            r["refusal"].value = ("" if ok else f'<p class="dk-hint" style="margin:0 0 4px 0"><strong>Kan inte '
                                  f"skapas än.</strong> {esc(refusal)}</p>")
            for part in ("actions", "result"):
                r[part].layout.display = None if ok else "none"
            r["refusal"].layout.display = "none" if ok else None
            for b in r["made_buttons"]:
                b.disabled = not ok
            rows[spec.id] = r
        self.rows = rows
        children = tuple(r["row"] for r in rows.values())
        if tuple(self.box.children) != children:
            self.box.children = children
        self.all_button.disabled = not any(r["ok"] for r in self.rows.values())

    def _busy(self, busy: bool) -> None:
        for r in self.rows.values():
            for b in r["buttons"]:
                b.disabled = busy
        self.all_button.disabled = busy or not any(r["ok"] for r in self.rows.values())

    # ---- actions ----
    def create(self, doc_id: str, fmt: str) -> list[Path]:
        """Create one document in one format; show its download link or a Swedish error."""
        row = self.rows[doc_id]
        self.status.value = ""
        row["result"].value = message("ok", f"Skapar {fmt.upper()} …")
        self._busy(True)
        try:
            paths = export_case(self.store, self.case.id, [doc_id], formats=(fmt,))
        except UserError as e:
            row["result"].value = message("error", str(e))
            return []
        except Exception:
            log.exception("export failed")
            row["result"].value = message("error", UNEXPECTED)
            return []
        finally:
            self._busy(False)
        row["result"].value = "".join(f"<p>{download_link(p, row['spec'].title)}</p>" for p in paths)
        return paths

    def create_all(self) -> list[Path]:
        """Every document that can be made now, as PDF, printed by one browser."""
        self.status.value = message("ok", "Skapar alla dokument …")
        self.all_links.value = ""
        self._busy(True)
        try:
            paths = export_case(self.store, self.case.id, None, formats=("pdf",))
        except UserError as e:
            self.status.value = message("error", str(e))
            return []
        except Exception:
            log.exception("export of all documents failed")
            self.status.value = message("error", UNEXPECTED)
            return []
        finally:
            self._busy(False)
        titles = {spec_id: r["spec"].title for spec_id, r in self.rows.items()}
        links = []
        for p in paths:
            doc_id = next((d for d in titles if p.stem.endswith(f"-{d}")), None)
            links.append(f"<li>{download_link(p, titles.get(doc_id, p.stem))}</li>")
        self.all_links.value = f"<ul>{''.join(links)}</ul>"
        self.status.value = message("ok", f"{len(paths)} dokument skapades.")
        return paths
