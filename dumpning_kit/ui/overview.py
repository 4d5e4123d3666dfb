"""The team overview: every case's next deadline for the whole unit, grouped by urgency.

For the team lead: shows diarienummer and caseworker, never name or personnummer (the
register is read with read_identified(("id", "diarienummer", "handlaggare")) only, and
that read is logged). Downloads (.ics, .xlsx, .csv) of the list as shown are made in
memory and offered as data: links: nothing is written to disk (so nothing is left for
purge to miss), and they work in Voilà without any widget JavaScript from a CDN.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

import ipywidgets as w
import numpy as np
import pandas as pd

from .. import ics
from ..deadlines import DeadlineStatus
from ..guideline import Guideline
from ..register import read_identified, to_csv_bytes, to_xlsx_bytes
from ..settings import today as settings_today
from ..store import Store
from .common import badge, esc, long_date

#: (key, heading, badge class); "Denna vecka" means the coming seven days, said under the heading.
GROUPS = (
    ("forfallen", "Förfallna", "forfallen"),
    ("idag", "I dag", "idag"),
    ("vecka", "Denna vecka", "kommande"),
    ("senare", "Senare", "kommande"),
    ("ingen", "Ingen frist", "kommande"),
)
GROUP_HINTS = {
    "forfallen": "Sista dagen har passerat.",
    "idag": "Sista dagen är i dag.",
    "vecka": "Sista dagen infaller inom de kommande sju dagarna.",
    "senare": "Sista dagen infaller om mer än sju dagar.",
    "ingen": "Ärenden utan en öppen frist just nu, och avslutade ärenden.",
}
WEEK_DAYS = 7
MAX_ROWS_PER_GROUP = 200   # the page stays light; the download has every row
AUTO_EXPORT_MAX = 2000     # above this many rows, files are made on request (Excel takes a while)
STATUS_OPTIONS = (("Öppna ärenden", "oppet"), ("Avslutade ärenden", "avslutat"), ("Alla ärenden", ""))
STATUS_PHRASE = {"oppet": "öppna ärenden", "avslutat": "avslutade ärenden", "": "ärenden, öppna och avslutade"}
LABEL_STYLE = {"description_width": "initial"}
GAP = "2px 16px 6px 0"
# For screen readers only (the table caption repeats the heading for sighted users).
SR_ONLY = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap"


def group_of(days_left: pd.Series) -> np.ndarray:
    """Group key per case from dagar_kvar (NA: no open deadline). Vectorised for large units."""
    d = days_left.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.select([np.isnan(d), d < 0, d == 0, d <= WEEK_DAYS], ["ingen", "forfallen", "idag", "vecka"],
                     default="senare")


def group_rows(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The register rows per group, each sorted by due date (then case id)."""
    # Ties by case id (a number) rather than by diarienummer text: as stable, far cheaper at 100k rows.
    tie = "id" if "id" in df.columns else "pseudonym"
    ordered = df.sort_values(["nasta_frist", tie], kind="stable", na_position="last")
    keys = group_of(ordered["dagar_kvar"])
    return {k: ordered[keys == k] for k, _, _ in GROUPS}


def _describe(g: Guideline | None, row) -> str:
    """The plain Swedish state of a deadline, worded by deadlines.DeadlineStatus.describe()."""
    if pd.isna(row.nasta_frist):
        return "Avslutat" if row.status == "avslutat" else "Ingen öppen frist"
    due = pd.Timestamp(row.nasta_frist).date()
    rule = g.deadline(row.nasta_frist_id) if g is not None else None
    text = DeadlineStatus(rule, None, due, False, str(row.nasta_frist_status), int(row.dagar_kvar)).describe()
    return text.split(" (")[0]  # the date itself has its own column


def _case_link(row) -> str:
    label = esc(row.diarienummer) if "diarienummer" in row._fields else esc(row.pseudonym)
    if "id" not in row._fields or pd.isna(row.id):
        return label
    # From /voila/render/oversikt.ipynb, ../../ is the case app at the server root.
    return f'<a href="../../?arende={int(row.id)}">{label}</a>'


def _cell(value) -> str:
    return esc(value) if isinstance(value, str) and value else "–"


def _deadline_row(g: Guideline | None, r) -> str:
    due = pd.Timestamp(r.nasta_frist).date().isoformat()
    return (f'<tr><td class="dk-nowrap">{_case_link(r)}</td><td>{_cell(r.handlaggare)}</td>'
            f"<td>{_cell(r.nasta_frist_namn)}</td><td class=\"dk-nowrap\">{due}</td>"
            f'<td class="dk-nowrap">{badge(str(r.nasta_frist_status), _describe(g, r))}</td>'
            f"<td>{_cell(r.kommun_namn)}</td></tr>")


def _no_deadline_row(g: Guideline | None, r) -> str:
    assessed = g.classification_labels.get(str(r.bedomning), "") if g is not None else str(r.bedomning)
    decided = g.decision_options.get(str(r.beslut), "") if g is not None and pd.notna(r.beslut) else ""
    return (f'<tr><td class="dk-nowrap">{_case_link(r)}</td><td>{_cell(r.handlaggare)}</td>'
            f"<td>{esc(_describe(g, r))}</td><td>{_cell(decided or assessed)}</td>"
            f"<td>{_cell(r.kommun_namn)}</td></tr>")


_DEADLINE_HEAD = ("Diarienummer", "Handläggare", "Nästa frist", "Sista dag", "Läge", "Flyttade från")
_NO_DEADLINE_HEAD = ("Diarienummer", "Handläggare", "Läge", "Beslut eller förslag", "Flyttade från")


def render_groups(groups: dict[str, pd.DataFrame], g: Guideline | None = None,
                  limit: int = MAX_ROWS_PER_GROUP) -> str:
    """HTML for the grouped list: one heading and one table per group (at most `limit` rows).
    The cases without a deadline come last, folded away (the team lead looks for deadlines)."""
    parts = []
    for key, heading, css in GROUPS:
        df = groups.get(key)
        n = 0 if df is None else len(df)
        count = badge(css, "1 ärende" if n == 1 else f"{n} ärenden")
        head = (f'<h2 id="dk-grupp-{key}">{esc(heading)} {count}</h2>'
                f'<p class="dk-hint">{esc(GROUP_HINTS[key])}</p>')
        if not n:
            parts.append(f'<section class="dk-card" aria-labelledby="dk-grupp-{key}">{head}'
                         f"<p>Inga ärenden i den här gruppen.</p></section>")
            continue
        row, cols = (_no_deadline_row, _NO_DEADLINE_HEAD) if key == "ingen" else (_deadline_row, _DEADLINE_HEAD)
        body = "".join(row(g, r) for r in df.head(limit).itertuples(index=False))
        more = (f'<p class="dk-hint">Visar de första {limit} av {n}. Ladda ner listan för att se alla.</p>'
                if n > limit else "")
        th = "".join(f'<th scope="col">{c}</th>' for c in cols)
        table = (f'<table class="dk-table"><caption style="{SR_ONLY}">{esc(heading)}</caption>'
                 f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>{more}")
        if key == "ingen":
            what = "ärende" if n == 1 else "ärenden"
            table = f"<details><summary>Visa {n} {what} utan frist</summary>{table}</details>"
        parts.append(f'<section class="dk-card" aria-labelledby="dk-grupp-{key}">{head}{table}</section>')
    return "".join(parts)


# ---- export of the list as shown -------------------------------------------------------------

EXPORT_COLUMNS = {
    "diarienummer": "Diarienummer", "handlaggare": "Handläggare", "grupp": "Grupp",
    "nasta_frist_namn": "Nästa frist", "nasta_frist": "Sista dag", "lage": "Läge", "dagar_kvar": "Dagar kvar",
    "kommun_namn": "Flyttade från", "bedomning_text": "Bedömning", "status_text": "Ärendestatus",
}


def export_table(df: pd.DataFrame, g: Guideline) -> pd.DataFrame:
    """The shown list with Swedish headers, for .xlsx and .csv (no personnummer, no names)."""
    heading = {k: h for k, h, _ in GROUPS}
    t = pd.DataFrame({
        "diarienummer": df["diarienummer"] if "diarienummer" in df else df["pseudonym"],
        "handlaggare": df["handlaggare"],
        "grupp": pd.Series(group_of(df["dagar_kvar"]), index=df.index).map(heading),
        "nasta_frist_namn": df["nasta_frist_namn"],
        "nasta_frist": df["nasta_frist"],
        "lage": df["nasta_frist_status"].map({"forfallen": "Förfallen", "idag": "I dag", "kommande": "Kommande"})
        .astype(object),
        "dagar_kvar": df["dagar_kvar"],
        "kommun_namn": df["kommun_namn"],
        "bedomning_text": df["bedomning"].map(g.classification_labels).astype(object),
        "status_text": df["status"].map({"oppet": "Öppet", "avslutat": "Avslutat"}).astype(object),
    })
    return t.rename(columns=EXPORT_COLUMNS)


@dataclass
class ExportFiles:
    """The downloads of the list as shown, in memory only: file name -> bytes."""
    stem: str
    ics: bytes
    xlsx: bytes
    csv: bytes

    def items(self):
        return ((".ics", self.ics), (".xlsx", self.xlsx), (".csv", self.csv))


def export_files(df: pd.DataFrame, deadlines: pd.DataFrame, g: Guideline, stem: str | None = None) -> ExportFiles:
    """The list as shown (.xlsx, .csv) and its open deadlines (.ics), as bytes: never on disk."""
    stem = stem or f"oversikt-{settings_today().isoformat()}"
    table = export_table(df, g)
    shown = deadlines[deadlines["id"].isin(df["id"])] if "id" in deadlines and "id" in df else deadlines
    return ExportFiles(stem, ics.to_ics(shown), to_xlsx_bytes(table, "Översikt"), to_csv_bytes(table))


_MIME = {".ics": "text/calendar", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         ".csv": "text/csv"}
_LINK_TEXT = {".ics": "Ladda ner fristerna som kalenderfil (.ics, för Outlook)",
              ".xlsx": "Ladda ner listan som Excel-fil (.xlsx)", ".csv": "Ladda ner listan som CSV-fil (.csv)"}


def download_links(files: ExportFiles) -> str:
    """data: links: the file travels inside the page, so no server route or CDN script is needed."""
    items = []
    for suffix, raw in files.items():
        data = base64.b64encode(raw).decode("ascii")
        size = max(1, round(len(raw) / 1024))
        items.append(f'<li><a download="{esc(files.stem + suffix)}" href="data:{_MIME[suffix]};base64,{data}">'
                     f"{esc(_LINK_TEXT[suffix])}</a> <span class=\"dk-hint\">({size} kB)</span></li>")
    return f'<ul class="dk-downloads">{"".join(items)}</ul>'


# ---- the widget --------------------------------------------------------------------------------

class Overview:
    def __init__(self, store: Store | None = None):
        self.store = store or Store()
        self.g = self.store.g
        self._cache: dict[str, object] = {}
        self.caseworker = w.Dropdown(description="Handläggare", options=[("Alla handläggare", "")], value="",
                                     style=LABEL_STYLE, layout=w.Layout(width="320px", margin=GAP))
        self.status = w.Dropdown(description="Ärendestatus", options=list(STATUS_OPTIONS), value="oppet",
                                 style=LABEL_STYLE, layout=w.Layout(width="300px", margin=GAP))
        self.group = w.Dropdown(description="Visa grupp",
                                options=[("Alla grupper", "")] + [(h, k) for k, h, _ in GROUPS],
                                value="", style=LABEL_STYLE, layout=w.Layout(width="260px", margin=GAP))
        self.reload = w.Button(description="Läs in på nytt", tooltip="Hämta ärendena från databasen igen",
                               icon="")
        self.make_files = w.Button(description="Skapa filer för nedladdning", button_style="primary",
                                   tooltip="Skapa .ics, .xlsx och .csv av listan som visas",
                                   layout=w.Layout(display="none"))
        self.summary = w.HTML()
        self.downloads = w.HTML()
        self.groups = w.HTML()
        self.caseworker.observe(lambda _c: self.render(), names="value")
        self.group.observe(lambda _c: self.render(), names="value")
        self.status.observe(lambda _c: self.load(), names="value")
        self.reload.on_click(lambda _b: self.load(force=True))
        self.make_files.on_click(lambda _b: self._export())
        self.widget = w.VBox([
            w.HTML("<h1>Översikt – frister för hela enheten</h1>"
                   '<p class="dk-hint">Alla ärenden med sin närmaste frist, ordnade efter hur bråttom det är. '
                   "Diarienummer och handläggare visas, men inte namn eller personnummer. "
                   '<a href="../../">Till ärendelistan</a></p>'),
            w.HBox([self.caseworker, self.status, self.group, self.reload],
                   layout=w.Layout(flex_flow="row wrap", align_items="center")),
            self.summary, w.HBox([self.make_files]), self.downloads, self.groups,
        ]).add_class("dk-overview")
        self.load()

    # -- data
    def load(self, force: bool = False) -> None:
        """Read the register for the chosen case status (one logged read), then render."""
        status = self.status.value or None
        if force or self._cache.get("status", "-") != status:
            reg = read_identified(self.store, ("id", "diarienummer", "handlaggare"), status=status,
                                  purpose="teamöversikt")
            self._cache = {"status": status, "reg": reg}
        reg = self._cache["reg"]
        workers = sorted(set(reg.cases["handlaggare"].dropna()), key=str.casefold)
        options = [("Alla handläggare", "")] + [(x, x) for x in workers]
        if list(self.caseworker.options) != options:
            keep = self.caseworker.value if self.caseworker.value in workers else ""
            with self.caseworker.hold_trait_notifications():
                self.caseworker.options = options
                self.caseworker.value = keep
        self.render()

    def shown(self) -> pd.DataFrame:
        """The rows the filters let through (validated here: a client can send any value)."""
        df = self._cache["reg"].cases
        worker = self.caseworker.value
        if worker and worker in set(df["handlaggare"].dropna()):
            df = df[df["handlaggare"] == worker]
        if self.group.value in {k for k, _, _ in GROUPS}:
            df = df[group_of(df["dagar_kvar"]) == self.group.value]
        return df

    # -- view
    def render(self) -> None:
        if "reg" not in self._cache:
            return
        df = self.shown()
        groups = group_rows(df)
        counts = {k: len(v) for k, v in groups.items()}
        what = STATUS_PHRASE.get(self.status.value, "ärenden")
        day = self._cache["reg"].today
        overdue = badge("forfallen", f"{counts['forfallen']} förfallna")
        due_today = badge("idag", f"{counts['idag']} med sista dag i dag")
        week = badge("kommande", f"{counts['vecka']} inom sju dagar")
        # Downloads first: once the list on the page has changed, its files have too.
        if len(df) <= AUTO_EXPORT_MAX:
            self.make_files.layout.display = "none"
            self._export()
        else:
            self.make_files.layout.display = None
            self.downloads.value = (f'<p class="dk-hint">Listan har {len(df)} ärenden. Tryck på '
                                    "”Skapa filer för nedladdning” för att få den som fil.</p>")
        self.summary.value = (f'<p role="status">{len(df)} {esc(what)} · {overdue} {due_today} {week} · '
                              f"i dag är det {esc(long_date(day))}.</p>")
        self.groups.value = render_groups(groups, self.g)

    def _export(self) -> None:
        df = self.shown()
        if not len(df):
            self.downloads.value = '<p class="dk-hint">Inga ärenden att ladda ner med de här valen.</p>'
            return
        # The identifiers in the files are those of the page, whose read was logged in load().
        files = export_files(df, self._cache["reg"].deadlines, self.g)
        self.downloads.value = ('<h2 class="dk-sr-heading" style="font-size:18px;margin:8px 0 0 0">'
                                "Ladda ner listan som visas</h2>" + download_links(files))


def build_overview(store: Store | None = None) -> Overview:
    return Overview(store)


def show_overview(store: Store | None = None) -> Overview:
    """Display the team overview (the Voilà notebook oversikt.ipynb calls this)."""
    from IPython.display import display

    from .launch import query_params
    query_params()  # a preheated Voilà kernel waits here for the page request, so the data is fresh
    ov = Overview(store)
    display(ov.widget)
    return ov
