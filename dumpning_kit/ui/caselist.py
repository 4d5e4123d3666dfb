"""The start page: the caseworker's cases sorted by next deadline, search, and 'Nytt ärende'."""
from __future__ import annotations

import os
from typing import Callable

import ipywidgets as w

from .. import municipalities
from ..settings import today
from ..store import Store
from .common import badge, esc
from .panel import CLASS_STATUS

MAX_ROWS = 200


def overview_href() -> str:
    """The team overview's address, absolute from the server's root, so the link works wherever the
    case list is shown: ``/`` and ``/voila/render/arende.ipynb`` on the local app, ``/user/<name>/``
    and ``/user/<name>/voila/render/arende.ipynb`` under JupyterHub (its prefix is in the
    environment every kernel inherits; Voilà's own base URL otherwise)."""
    base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or os.environ.get("VOILA_BASE_URL") or "/"
    return esc(base.rstrip("/") + "/voila/render/oversikt.ipynb")


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def pnr_digits(needle: str) -> str:
    """The digits of a search that is (part of) a personnummer: six digits or more."""
    digits = "".join(ch for ch in needle if ch.isdigit())
    return digits if len(digits) >= 6 else ""


def matches_pnr(case, needle: str) -> bool:
    digits = pnr_digits(needle)
    return bool(digits) and digits in str(case.answers.get("personnummer", "")).replace("-", "")


def matches(case, needle: str) -> bool:
    """Diarienummer, any order of name words, or personnummer with or without separator."""
    name = str(case.answers.get("namn", "")).casefold()
    return (needle in case.diarienummer.casefold()
            or all(part in name for part in needle.split())
            or matches_pnr(case, needle))


class CaseList:
    """`open_by_link`: each case is a plain link (?arende=ID) in one HTML table, so the page needs
    one widget instead of hundreds and the browser's back button and bookmarks work. The practice
    app keeps buttons: its cases live in the kernel's memory and a page load would lose them."""

    def __init__(self, store: Store, on_open: Callable[[int | None], None], open_by_link: bool = True):
        self.store, self.on_open, self.open_by_link = store, on_open, open_by_link
        # Reads of identifying data are logged (store events): each name once per page, and each
        # search by personnummer once, with the cases it found. The number itself is never logged.
        self._listed: set[int] = set()
        self._searched: set[str] = set()
        new = w.Button(description="Nytt ärende", button_style="primary", tooltip="Registrera ett nytt ärende")
        new.on_click(lambda _b: on_open(None))
        self.search = w.Text(description="Sök på diarienummer eller namn", style={"description_width": "initial"},
                             continuous_update=False, layout=w.Layout(width="420px"),
                             tooltip="Skriv en del av diarienumret eller namnet och tryck Enter")
        self.worker = w.Dropdown(description="Handläggare", options=[("Alla", "")], value="",
                                 style={"description_width": "initial"}, tooltip="Visa en handläggares ärenden")
        self.show_closed = w.Checkbox(description="Visa avslutade ärenden", value=False, indent=False,
                                      tooltip="Visa även avslutade ärenden")
        for c in (self.search, self.worker, self.show_closed):
            c.observe(lambda _c: self.refresh(), names="value")
        self.summary = w.HTML()
        self.rows = w.VBox()
        self.widget = w.VBox([
            w.HTML("<h1>Ärenden – social dumpning</h1>"
                   f'<p><a href="{overview_href()}">Teamöversikt med alla frister</a></p>'),
            w.HBox([new], layout=w.Layout(margin="0 0 8px 0")),
            w.HBox([self.search, self.worker, self.show_closed], layout=w.Layout(flex_flow="row wrap")),
            self.summary, self.rows])
        self.refresh()

    def refresh(self) -> None:
        cases = self.store.list_cases()
        workers = sorted({c.answers.get("handlaggare", "") for c in cases} - {""})
        opts = [("Alla", "")] + [(x, x) for x in workers]
        if list(self.worker.options) != opts:
            keep = self.worker.value if self.worker.value in workers else ""
            self.worker.options, self.worker.value = opts, keep
        needle = self.search.value.strip().casefold()
        shown = []
        for c in cases:
            if c.closed and not self.show_closed.value:
                continue
            if self.worker.value and c.answers.get("handlaggare") != self.worker.value:
                continue
            if needle and not matches(c, needle):
                continue
            shown.append(c)
        self._log_reads(shown[:MAX_ROWS], needle)
        overdue = duetoday = 0
        table, rows = [], []
        for c in shown[:MAX_ROWS]:
            st = self.store.state(c)
            nd = st.next_deadline
            overdue += bool(nd and nd.status == "forfallen")
            duetoday += bool(nd and nd.status == "idag")
            m = municipalities.find(c.answers.get("tidigare_kommun", ""))
            due = (f"{badge(nd.status, nd.describe())}<br>{esc(nd.rule.label)}" if nd else
                   ("Avslutat" if c.closed else "Ingen frist"))
            verdict = (badge("beslut", "Beslut: " + self.store.g.decision_options[c.decision.outcome]) if c.decision
                       else badge(CLASS_STATUS[st.classification], "Förslag: " + st.classification_label))
            cells = (f"<td>{esc(c.answers.get('namn'))}</td><td>{esc(m.short if m else '')}</td>"
                     f"<td>{verdict}</td><td>{due}</td>")
            if self.open_by_link:
                table.append(f'<tr><th scope="row" class="dk-nowrap"><a href="?arende={c.id}">{esc(c.diarienummer)}</a></th>{cells}</tr>')
            else:
                btn = w.Button(description=c.diarienummer, tooltip=f"Öppna ärende {c.diarienummer}")
                btn.on_click(lambda _b, cid=c.id: self.on_open(cid))
                rows.append(w.HBox([btn, w.HTML(f'<table class="dk-table"><tr>{cells}</tr></table>')]))
        if self.open_by_link:
            rows = [w.HTML('<table class="dk-table"><caption class="dk-hint">Klicka på diarienumret för att öppna '
                           'ärendet.</caption><thead><tr><th scope="col">Ärende</th><th scope="col">Person</th>'
                           '<th scope="col">Flyttade från</th><th scope="col">Bedömning</th>'
                           f'<th scope="col">Nästa frist</th></tr></thead><tbody>{"".join(table)}</tbody></table>'
                           if table else '<p role="status">Inga ärenden matchar sökningen.</p>')]
        more = f" Visar de första {MAX_ROWS}; sök för att hitta fler." if len(shown) > MAX_ROWS else ""
        self.summary.value = (f'<p role="status">{plural(len(shown), "ärende", "ärenden")} · '
                              f'{badge("forfallen", plural(overdue, "förfallen frist", "förfallna frister"))} '
                              f'{badge("idag", plural(duetoday, "frist i dag", "frister i dag"))} · '
                              f"i dag är det {today().isoformat()}.{more}</p>")
        self.rows.children = rows

    def _log_reads(self, listed: list, needle: str) -> None:
        """Log before showing: if the log cannot be written, the names are not shown either."""
        digits = pnr_digits(needle)
        if digits and digits not in self._searched:
            found = [c.id for c in listed if matches_pnr(c, needle)]
            self.store.log_reads(found, "sokt", {"vy": "arendelista", "sokning": "personnummer",
                                                "siffror": len(digits), "traffar": len(found)})
            self._searched.add(digits)
        new = [c.id for c in listed if c.id not in self._listed]
        self.store.log_reads(new, "listat", {"vy": "arendelista"})
        self._listed.update(new)
