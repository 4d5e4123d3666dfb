"""The start page: the caseworker's cases sorted by next deadline, search, and 'Nytt ärende'."""
from __future__ import annotations

from typing import Callable

import ipywidgets as w

from .. import municipalities
from ..settings import today
from ..store import Store
from .common import badge, esc
from .panel import CLASS_STATUS

MAX_ROWS = 200


class CaseList:
    def __init__(self, store: Store, on_open: Callable[[int | None], None]):
        self.store, self.on_open = store, on_open
        new = w.Button(description="Nytt ärende", button_style="primary", tooltip="Registrera ett nytt ärende")
        new.on_click(lambda _b: on_open(None))
        self.search = w.Text(description="Sök på diarienummer eller namn", style={"description_width": "initial"},
                             continuous_update=False, layout=w.Layout(width="420px"))
        self.worker = w.Dropdown(description="Handläggare", options=[("Alla", "")], value="",
                                 style={"description_width": "initial"})
        self.show_closed = w.Checkbox(description="Visa avslutade ärenden", value=False, indent=False)
        for c in (self.search, self.worker, self.show_closed):
            c.observe(lambda _c: self.refresh(), names="value")
        self.summary = w.HTML()
        self.rows = w.VBox()
        self.widget = w.VBox([
            w.HTML("<h1>Ärenden – social dumpning</h1>"
                   '<p><a href="voila/render/oversikt.ipynb">Teamöversikt med alla frister</a></p>'),
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
            if needle and needle not in c.diarienummer.casefold() and needle not in str(c.answers.get("namn", "")).casefold():
                continue
            shown.append(c)
        overdue = duetoday = 0
        rows = [w.HTML('<div class="dk-row dk-head" aria-hidden="true"><span>Person</span>'
                       "<span>Flyttade från</span><span>Bedömning</span><span>Nästa frist</span></div>")]
        for c in shown[:MAX_ROWS]:
            st = self.store.state(c)
            nd = st.next_deadline
            if nd and nd.status == "forfallen":
                overdue += 1
            if nd and nd.status == "idag":
                duetoday += 1
            m = municipalities.find(c.answers.get("tidigare_kommun", ""))
            btn = w.Button(description=c.diarienummer, tooltip=f"Öppna ärende {c.diarienummer}",
                           layout=w.Layout(width="200px", min_width="200px"))
            btn.on_click(lambda _b, cid=c.id: self.on_open(cid))
            due = (f"{badge(nd.status, nd.describe())}<br>{esc(nd.rule.label)}" if nd else
                   ("Avslutat" if c.closed else "Ingen frist"))
            rows.append(w.HBox([btn, w.HTML(
                f'<div class="dk-row"><span>{esc(c.answers.get("namn"))}</span><span>{esc(m.short if m else "")}</span>'
                f'<span>{badge(CLASS_STATUS[st.classification], st.classification_label)}</span><span>{due}</span></div>',
                layout=w.Layout(width="100%"))], layout=w.Layout(align_items="center")).add_class("dk-list-row"))
        more = f" Visar de första {MAX_ROWS}; sök för att hitta fler." if len(shown) > MAX_ROWS else ""
        self.summary.value = (f'<p role="status">{len(shown)} ärenden · {badge("forfallen", f"{overdue} förfallna")} '
                              f'{badge("idag", f"{duetoday} med frist i dag")} · i dag är det {today().isoformat()}.{more}</p>')
        self.rows.children = rows
