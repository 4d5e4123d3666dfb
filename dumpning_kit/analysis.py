"""Patterns for analysts and the political committee, from the pseudonymised register.

Every table function takes the register (``load()``) and returns a DataFrame with Swedish
column names; every figure is drawn from exactly that table (``chart_*``), so a figure
and the table under it always show the same numbers. Both work on an empty register:
tables are empty and figures say "Inga ärenden än".

Small numbers: a count from 1 to ``min_cases - 1`` (default ``REPORT_MIN_CASES`` = 3) can
point out a person, so it is shown as "färre än 3" in every table, figure, alt text and
in the summary, and its share as "–". Municipalities (and landlords) with fewer cases are
grouped together first. The same rule applies in the notebook and in the report;
``min_cases=1`` shows every number (for analysts' own checks only).

Landlords appear as pseudonyms ("H-5c01d2e3"). The committee report names a landlord only
if it is a company (its name carries AB, HB, KB, stiftelse ...) and the municipality's
settings say ``report_names_landlord_companies: true``; that name lookup is a logged read.

``export_report(path)`` writes a static HTML report (no code, no scripts, no network
references) through nbconvert with the kit's document template, for the committee;
``export_notebook(path)`` runs analys.ipynb and exports it the same offline way (no
require.js, no MathJax), every figure with its Swedish alt text.
"""
from __future__ import annotations

import base64
import datetime as dt
import html as _html
import io
import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .guideline import Guideline
from .register import Register, read_register
from .settings import default_settings, today as settings_today
from .store import Store

EMPTY_TEXT = "Inga ärenden än"
REPORT_MIN_CASES = 3
OTHER_MUNICIPALITIES = "Övriga kommuner"
OTHER_LANDLORDS = "Övriga hyresvärdar"
_MONTHS_SHORT = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"]
_BLUE, _RED, _GREEN, _GREY = "#1d4ed8", "#a4161a", "#14532d", "#6b7280"
def _notebook() -> Path:
    from .settings import shipped_dir
    return shipped_dir("notebooks") / "analys.ipynb"


NOTEBOOK = _notebook()
ANALYSIS_TEMPLATE = "dumpning_analys"


# ---- data ----------------------------------------------------------------------------------

def load(store: Store | None = None, *, today: dt.date | None = None) -> Register:
    """The pseudonymised register (no names, personnummer, diarienummer, staff names or free text)."""
    return read_register(store, today=today)


def _cases(data: Register | pd.DataFrame) -> pd.DataFrame:
    return data.cases if isinstance(data, Register) else data


def _guideline(data, g: Guideline | None) -> Guideline:
    if g is not None:
        return g
    from .guideline import default_guideline
    return default_guideline()


# ---- small numbers -------------------------------------------------------------------------

def few_text(min_cases: int = REPORT_MIN_CASES) -> str:
    return f"färre än {min_cases}"


def _small(n, min_cases: int) -> bool:
    return isinstance(n, (int, np.integer)) and 0 < int(n) < min_cases


def count_text(n, min_cases: int = REPORT_MIN_CASES):
    """A count as the report shows it (public: for the notebook's own lines)."""
    return _count(n, min_cases)


def _count(n, min_cases: int):
    """A count as shown: the number, or 'färre än 3' when it could point out a person."""
    if n is None or (isinstance(n, float) and np.isnan(n)):
        return "–"
    n = int(n)
    return few_text(min_cases) if 0 < n < min_cases else n


def _share(part, whole, min_cases: int):
    """A share in per cent (one decimal), or '–' if either count is suppressed or zero."""
    if not isinstance(part, (int, np.integer)) or not isinstance(whole, (int, np.integer)) or not whole:
        return "–"
    if _small(part, min_cases) or _small(whole, min_cases):
        return "–"
    return round(100 * int(part) / int(whole), 1)


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _shown(counts, min_cases: int) -> list:
    return [_count(x, min_cases) for x in counts]


def _month_label(p: pd.Period) -> str:
    return f"{_MONTHS_SHORT[p.month - 1]} {p.year}"


def _empty_table(cols: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


# ---- tables (one source for each figure) ---------------------------------------------------

def cases_per_month(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """New cases per month of first contact with social services, gaps filled with 0."""
    df = _cases(data)
    d = df["forsta_kontakt"].dropna() if "forsta_kontakt" in df else pd.Series(dtype="datetime64[ns]")
    if d.empty:
        return _empty_table(["Månad", "Ärenden"])
    months = d.dt.to_period("M")
    counts = months.value_counts().reindex(pd.period_range(months.min(), months.max(), freq="M"), fill_value=0)
    return pd.DataFrame({"Månad": [_month_label(p) for p in counts.index],
                         "Ärenden": pd.Series(_shown(counts.to_numpy(), min_cases), dtype=object)})


def _grouped(labels: pd.DataFrame, keys: list[str], names: list[str], min_cases: int, other: str,
             total: int) -> pd.DataFrame:
    """Counts per group, largest first; groups under min_cases merged into one 'other' row."""
    g = (labels.groupby(keys, dropna=False).size().rename("n").reset_index()
         .sort_values(["n", keys[0]], ascending=[False, True]))
    g.columns = names + ["n"]
    small = g["n"] < min_cases
    if small.any():
        row = {c: "–" for c in names}
        row[names[0]] = f"{other} ({int(small.sum())} st)"
        g = pd.concat([g[~small], pd.DataFrame([{**row, "n": int(g.loc[small, "n"].sum())}])], ignore_index=True)
    g["Ärenden"] = _shown(g["n"], min_cases)
    g["Andel (%)"] = [_share(int(x), total, min_cases) for x in g["n"]]
    return g.drop(columns="n").reset_index(drop=True).astype(object)


def per_municipality(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """Cases per sending municipality (named from kommunkod); those under min_cases grouped."""
    df = _cases(data)
    d = df[df["tidigare_kommun"].notna()]
    cols = ["Kommun", "Kommunkod", "Län", "Ärenden", "Andel (%)"]
    if d.empty:
        return _empty_table(cols)
    labels = d[["kommun_namn", "tidigare_kommun", "lan"]].astype(object)
    labels["kommun_namn"] = labels["kommun_namn"].fillna("Okänd kommunkod")
    return _grouped(labels, ["kommun_namn", "tidigare_kommun", "lan"], cols[:3], min_cases,
                    OTHER_MUNICIPALITIES, len(d))


def per_county(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    df = _cases(data)
    d = df[df["lan"].notna()] if "lan" in df else df.iloc[:0]
    if d.empty:
        return _empty_table(["Län", "Ärenden", "Andel (%)"])
    g = d.groupby("lan", observed=True).size().sort_values(ascending=False)
    return pd.DataFrame({"Län": g.index.astype(object), "Ärenden": _shown(g.to_numpy(), min_cases),
                         "Andel (%)": [_share(int(x), len(d), min_cases) for x in g]}).astype(object)


def forms(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """What happened before the move (guideline 1.1.1), per answer option, also 'Inte besvarat'."""
    df = _cases(data)
    g = _guideline(data, g)
    if not len(df):
        return _empty_table(["Form", "Ärenden", "Andel (%)"])
    options = g.question("form").options if "form" in g.questions else {}
    counts = df["form"].value_counts() if "form" in df else pd.Series(dtype=int)
    rows = [(label, int(counts.get(code, 0))) for code, label in options.items()]
    missing = int(df["form"].isna().sum()) if "form" in df else 0
    if missing:
        rows.append(("Inte besvarat", missing))
    return pd.DataFrame({"Form": [r[0] for r in rows], "Ärenden": _shown([r[1] for r in rows], min_cases),
                         "Andel (%)": [_share(r[1], len(df), min_cases) for r in rows]}).astype(object)


def children(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """Households with children and how many children, overall and among confirmed dumping."""
    df = _cases(data)
    rows = []
    for label, part in (("Alla ärenden", df),
                        ("Fastställd social dumpning", df[df["beslut"] == "faststalld"] if len(df) else df)):
        n = len(part)
        with_children = int(part["barn"].fillna(False).sum()) if n else 0
        kids = int(part["barn_antal"].fillna(0).sum()) if n else 0
        rows.append({"Urval": label, "Ärenden": _count(n, min_cases), "Utan barn": _count(n - with_children, min_cases),
                     "Med barn": _count(with_children, min_cases),
                     "Andel med barn (%)": _share(with_children, n, min_cases),
                     "Antal barn": _count(kids, min_cases)})
    return pd.DataFrame(rows).astype(object)


RESPONSE_BINS = ((0, 7, "0–7 dagar"), (8, 14, "8–14 dagar"), (15, 21, "15–21 dagar"), (22, 30, "22–30 dagar"),
                 (31, 60, "31–60 dagar"), (61, None, "mer än 60 dagar"))


def response_time_bins(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """Requests by days from receipt to the written answer (and those still waiting)."""
    df = _cases(data)
    d = df[df["begaran_mottagen"].notna()] if len(df) else df
    if d.empty:
        return _empty_table(["Svarstid", "Ärenden"])
    t = d["svarstid_dagar"].dropna().astype(int)
    rows = [(label, int(((t >= lo) & ((t <= hi) if hi is not None else True)).sum())) for lo, hi, label in RESPONSE_BINS]
    rows.append(("Väntar på svar", int(d["svar_datum"].isna().sum())))
    return pd.DataFrame({"Svarstid": [r[0] for r in rows],
                         "Ärenden": _shown([r[1] for r in rows], min_cases)}).astype(object)


def response_times(data, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """Per municipality: requests received, answered, waiting, median and longest days to answer.
    Municipalities with fewer than min_cases requests are grouped; a median or maximum is
    shown only over at least min_cases answers."""
    df = _cases(data)
    cols = ["Kommun", "Begäran mottagen", "Besvarade", "Väntar på svar", "Median dagar till svar",
            "Längsta tid (dagar)"]
    d = df[df["begaran_mottagen"].notna()] if len(df) else df
    if d.empty:
        return _empty_table(cols)
    name = d["kommun_namn"].astype(object).fillna("Okänd kommunkod")
    sizes = name.value_counts()
    small = set(sizes[sizes < min_cases].index)
    if small:
        name = name.where(~name.isin(small), f"{OTHER_MUNICIPALITIES} ({len(small)} st)")
    rows = []
    for label, part in d.groupby(name, sort=False):
        t = part["svarstid_dagar"].dropna()
        enough = len(t) >= min_cases
        rows.append([label, len(part), len(t), int(part["svar_datum"].isna().sum()),
                     float(t.median()) if enough and len(t) else "–", float(t.max()) if enough and len(t) else "–"])
    out = pd.DataFrame(rows, columns=cols)
    out["_other"] = out["Kommun"].str.startswith(OTHER_MUNICIPALITIES)
    out = out.sort_values(["_other", "Begäran mottagen", "Kommun"], ascending=[True, False, True]).drop(columns="_other")
    for c in ("Begäran mottagen", "Besvarade", "Väntar på svar"):
        out[c] = _shown(out[c], min_cases)
    return out.reset_index(drop=True).astype(object)


def unanswered_overdue(data) -> int:
    """Requests whose answer deadline has passed without an answer (exact: use _count to show)."""
    if isinstance(data, Register):
        d = data.deadlines
        return int(((d["frist_id"] == "svar_pa_begaran") & (d["status"] == "forfallen")).sum())
    df = _cases(data)
    return int(((df["nasta_frist_id"] == "svar_pa_begaran") & (df["nasta_frist_status"] == "forfallen")).sum())


def _ivo_counts(df: pd.DataFrame, g: Guideline) -> list[tuple[str, int]]:
    n = len(df)
    rows = [("Ärenden", n), ("Begäran om överflyttning skickad", int(df["begaran_skickad"].notna().sum()) if n else 0),
            ("Den andra kommunen tog tillbaka ärendet", int((df["svar"] == "accepterar").sum()) if n else 0),
            ("Den andra kommunen avvisade begäran", int((df["svar"] == "avvisar").sum()) if n else 0),
            ("Ansökan till IVO", int(df["ivo_ansokan_datum"].notna().sum()) if n else 0),
            ("IVO har beslutat", int(df["ivo_beslut_datum"].notna().sum()) if n else 0)]
    options = g.question("ivo_beslut").options if "ivo_beslut" in g.questions else {}
    for code, label in options.items():
        rows.append((f"IVO: {label}", int((df["ivo_beslut"] == code).sum()) if n else 0))
    return rows


def ivo(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    """The way to IVO: requests, answers, applications and IVO's decisions."""
    df = _cases(data)
    rows = _ivo_counts(df, _guideline(data, g))
    n, req = rows[0][1], rows[1][1]
    return pd.DataFrame({"Steg": [r[0] for r in rows], "Ärenden": _shown([r[1] for r in rows], min_cases),
                         "Andel av alla ärenden (%)": [_share(r[1], n, min_cases) for r in rows],
                         "Andel av begäranden (%)": ["–"] + [_share(r[1], req, min_cases) for r in rows[1:]]}
                        ).astype(object)


def ivo_outcomes(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> pd.DataFrame:
    df = _cases(data)
    g = _guideline(data, g)
    options = g.question("ivo_beslut").options if "ivo_beslut" in g.questions else {}
    decided = df[df["ivo_ansokan_datum"].notna()] if len(df) else df
    rows = [(label, int((decided["ivo_beslut"] == code).sum()) if len(decided) else 0)
            for code, label in options.items()]
    rows.append(("Väntar på IVO:s beslut", int(decided["ivo_beslut"].isna().sum()) if len(decided) else 0))
    return pd.DataFrame({"IVO:s beslut": [r[0] for r in rows], "Ärenden": _shown([r[1] for r in rows], min_cases)}
                        ).astype(object)


def landlords(data, min_cases: int = REPORT_MIN_CASES, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Landlords in at least `min_cases` cases (guideline 2.4: no business model of dumping), by
    pseudonym; ``names`` (pseudonym -> company name, register.landlord_names) names companies."""
    df = _cases(data)
    cols = ["Hyresvärd", "Ärenden", "Sändande kommuner", "Första ärendet", "Senaste ärendet"]
    d = df[df["hyresvard"].notna()] if len(df) and "hyresvard" in df else df.iloc[:0]
    if d.empty:
        return _empty_table(cols)
    rows = []
    for pseud, part in d.groupby("hyresvard", observed=True):
        if len(part) < max(min_cases, 2):  # "återkommer": at least two cases, and never a small number
            continue
        first, last = part["forsta_kontakt"].min(), part["forsta_kontakt"].max()
        places = part["kommun_namn"].dropna().astype(object).value_counts()
        rows.append([(names or {}).get(str(pseud), str(pseud)), len(part),
                     ", ".join(sorted(places[places >= min_cases].index)) or "–",
                     f"{_MONTHS[first.month - 1]} {first.year}" if pd.notna(first) else "–",
                     f"{_MONTHS[last.month - 1]} {last.year}" if pd.notna(last) else "–"])
    if not rows:
        return _empty_table(cols)
    out = pd.DataFrame(rows, columns=cols).sort_values(["Ärenden", "Hyresvärd"], ascending=[False, True])
    return out.reset_index(drop=True).astype(object)


# ---- figures, each from its table ----------------------------------------------------------

@dataclass
class Chart:
    """A figure and its Swedish alt text. Shown in a notebook as an <img> with that alt text
    (nbconvert gives a bare PNG none, or the English "No description ...")."""
    figure: object
    alt: str

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=130)
        return buf.getvalue()

    def img_html(self) -> str:
        data = base64.b64encode(self.png()).decode("ascii")
        return f'<img src="data:image/png;base64,{data}" alt="{_html.escape(self.alt, quote=True)}">'

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": f"<figure>{self.img_html()}</figure>", "text/plain": self.alt}

    # Figure-like conveniences for analysts
    @property
    def axes(self):
        return self.figure.axes

    def savefig(self, *args, **kwargs):
        return self.figure.savefig(*args, **kwargs)


def _figure(title: str, size=(8, 3.6)):
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    # A figure title, not an axes title: long bar labels would push an axes title off the edge.
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    plt.close(fig)  # returned, not shown twice in notebooks
    return fig, ax


def _empty(fig, ax, title: str) -> Chart:
    ax.set_axis_off()
    ax.text(0.5, 0.5, EMPTY_TEXT, ha="center", va="center", fontsize=14, color=_GREY, transform=ax.transAxes)
    return Chart(fig, f"Diagram: {title}. {EMPTY_TEXT}.")


def _integer_axis(ax, axis="y"):
    from matplotlib.ticker import MaxNLocator
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def _value(v) -> int:
    """Bar length: a suppressed count draws no bar (its label says 'färre än 3')."""
    return int(v) if isinstance(v, (int, np.integer)) else 0


def _label(v) -> str:
    return str(v) if isinstance(v, (int, np.integer)) else str(v)


def _alt(kind: str, title: str, pairs: list[tuple[str, object]], unit: str = "ärenden") -> str:
    items = "; ".join(f"{k}: {_label(v)}" for k, v in pairs)
    return f"{kind}: {title}, antal {unit}. {items}. Samma siffror finns i tabellen under diagrammet."


def _all_zero(values) -> bool:
    return all(isinstance(v, (int, np.integer)) and int(v) == 0 for v in values)


def _bars(t: pd.DataFrame, label: str, value: str, title: str, ylabel: str, xlabel: str, color=_BLUE,
          unit: str = "ärenden") -> Chart:
    """Vertical bars with their value written on each bar, from the table's own cells."""
    fig, ax = _figure(title)
    if t.empty or _all_zero(t[value]):
        return _empty(fig, ax, title)
    x = np.arange(len(t))
    heights = [_value(v) for v in t[value]]
    ax.bar(x, heights, color=color)
    for xi, v, h in zip(x, t[value], heights):
        ax.text(xi, h, _label(v), ha="center", va="bottom", fontsize=8, rotation=90 if not h else 0)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    _integer_axis(ax)
    ax.margins(y=0.2)
    step = max(1, len(t) // 12)
    ax.set_xticks(x[::step], list(t[label].iloc[::step]), rotation=45, ha="right")
    return Chart(fig, _alt("Stapeldiagram", title, list(zip(t[label], t[value])), unit))


def _barh(t: pd.DataFrame, label: str, value: str, title: str, xlabel: str, color=_BLUE) -> Chart:
    """Horizontal bars for every row of the table (no row left out: the figure is the table)."""
    fig, ax = _figure(title, size=(8, max(2.4, 0.5 * len(t) + 1.2)))
    if t.empty or _all_zero(t[value]):
        return _empty(fig, ax, title)
    r = t.iloc[::-1]
    ax.barh([textwrap.fill(str(x), 34) for x in r[label]], [_value(v) for v in r[value]], color=color)
    ax.set_xlabel(xlabel)
    _integer_axis(ax, "x")
    ax.margins(x=0.15)
    for y, v in enumerate(r[value]):
        ax.text(_value(v), y, f" {_label(v)}", va="center", fontsize=9)
    return Chart(fig, _alt("Liggande stapeldiagram", title, list(zip(t[label], t[value]))))


TITLES = {
    "month": "Nya ärenden per månad",
    "municipality": "Kommuner som personerna flyttade från",
    "county": "Län som personerna flyttade från",
    "forms": "Vad hände innan personen flyttade (avsnitt 1.1.1)",
    "children": "Hushåll med och utan barn",
    "response": "Dagar från mottagen begäran till svar",
    "ivo": "Vägen till IVO",
    "landlords": "Hyresvärdar som återkommer (avsnitt 2.4)",
}


def chart_cases_per_month(t: pd.DataFrame) -> Chart:
    return _bars(t, "Månad", "Ärenden", TITLES["month"], "Antal ärenden", "Månad då personen kontaktade socialtjänsten")


def chart_per_municipality(t: pd.DataFrame) -> Chart:
    return _barh(t, "Kommun", "Ärenden", TITLES["municipality"], "Antal ärenden")


def chart_per_county(t: pd.DataFrame) -> Chart:
    return _barh(t, "Län", "Ärenden", TITLES["county"], "Antal ärenden")


def chart_forms(t: pd.DataFrame) -> Chart:
    return _barh(t, "Form", "Ärenden", TITLES["forms"], "Antal ärenden", color=_RED)


def chart_children(t: pd.DataFrame) -> Chart:
    title = TITLES["children"]
    fig, ax = _figure(title)
    if t.empty or _value(t["Ärenden"].iloc[0]) == 0 and not isinstance(t["Ärenden"].iloc[0], str):
        return _empty(fig, ax, title)
    x = np.arange(len(t))
    pairs = []
    for dx, col, color in ((-0.2, "Utan barn", _GREY), (0.2, "Med barn", _BLUE)):
        ax.bar(x + dx, [_value(v) for v in t[col]], width=0.4, color=color, label=col)
        for xi, v in zip(x, t[col]):
            ax.text(xi + dx, _value(v), _label(v), ha="center", va="bottom", fontsize=9)
        pairs += [(f"{u}, {col.lower()}", v) for u, v in zip(t["Urval"], t[col])]
    ax.set_xticks(x, t["Urval"])
    ax.set_ylabel("Antal ärenden")
    ax.margins(y=0.2)
    _integer_axis(ax)
    ax.legend(frameon=False)
    return Chart(fig, _alt("Stapeldiagram", title, pairs))


def chart_response_times(t: pd.DataFrame) -> Chart:
    return _bars(t, "Svarstid", "Ärenden", TITLES["response"], "Antal begäranden",
                 "Dagar till den andra kommunens skriftliga svar",
                 unit="begäranden")


def chart_ivo(t: pd.DataFrame) -> Chart:
    return _barh(t[t["Steg"] != "Ärenden"].reset_index(drop=True), "Steg", "Ärenden", TITLES["ivo"],
                 "Antal ärenden", color=_GREEN)


def chart_landlords(t: pd.DataFrame) -> Chart:
    return _barh(t, "Hyresvärd", "Ärenden", TITLES["landlords"], "Antal ärenden", color=_RED)


def plot_cases_per_month(data, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_cases_per_month(cases_per_month(data, min_cases))


def plot_per_municipality(data, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_per_municipality(per_municipality(data, min_cases))


def plot_per_county(data, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_per_county(per_county(data, min_cases))


def plot_forms(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_forms(forms(data, g, min_cases))


def plot_children(data, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_children(children(data, min_cases))


def plot_response_times(data, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_response_times(response_time_bins(data, min_cases))


def plot_ivo(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> Chart:
    return chart_ivo(ivo(data, g, min_cases))


def plot_landlords(data, min_cases: int = REPORT_MIN_CASES, names: dict[str, str] | None = None) -> Chart:
    return chart_landlords(landlords(data, min_cases, names))


# ---- text for the committee ----------------------------------------------------------------

def _n(count, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _and(items: list[str]) -> str:
    """'a, b och c'"""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def _long_date(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def summary_text(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES,
                 names: dict[str, str] | None = None) -> str:
    """A short plain-Swedish summary (markdown) for the committee, from the same tables as
    the figures, with the same small-number rule."""
    df = _cases(data)
    g = _guideline(data, g)
    day = data.today if isinstance(data, Register) else settings_today()
    head = f"**Läget den {_long_date(day)}**"
    if df.empty:
        return f"{head}\n\nDet finns inga ärenden registrerade än."

    def c(x):
        return _count(x, min_cases)

    n = len(df)
    first = df["forsta_kontakt"].min()
    confirmed = int((df["beslut"] == "faststalld").sum())
    suspected = int((df["bedomning"] == "misstanke").sum())
    lines = [f"- Socialtjänsten har registrerat {_n(c(n), 'ärende', 'ärenden')}"
             + (f" sedan {_MONTHS[first.month - 1]} {first.year}" if pd.notna(first) else "")
             + f". I {c(confirmed)} av dem har handläggaren beslutat att det är fastställd social dumpning, "
               f"och i {c(suspected)} visar svaren tecken på social dumpning."]
    mun = per_municipality(df, min_cases)
    named = mun[~mun["Kommun"].str.startswith(OTHER_MUNICIPALITIES)].head(3)
    if len(named):
        lines.append("- Flest personer kom från " + _and([f"{r.Kommun} ({r.Ärenden})" for r in named.itertuples()])
                     + ".")
    ch = children(df, min_cases).iloc[0]
    share = ch["Andel med barn (%)"]
    lines.append(f"- {_n(ch['Med barn'], 'ärende', 'ärenden')}"
                 + (f" ({share:.0f} %)" if not isinstance(share, str) else "")
                 + f" gäller hushåll med barn, sammanlagt {_n(ch['Antal barn'], 'barn', 'barn')}.")
    f = forms(df, g, min_cases)
    f = f[(f["Form"] != "Inte besvarat") & f["Ärenden"].map(lambda v: isinstance(v, (int, np.integer)) and v > 0)]
    if len(f):
        top = f.sort_values("Ärenden", ascending=False, key=lambda s: s.astype(int)).iloc[0]
        lines.append(f"- Vanligast före flytten: {_lower_first(top['Form'])} "
                     f"({_n(top['Ärenden'], 'ärende', 'ärenden')}).")
    req = int(df["begaran_skickad"].notna().sum())
    if req:
        t = df["svarstid_dagar"].dropna()
        answered = f" De andra kommunerna har svarat i {c(len(t))} av dem" + (
            f", efter i median {_cell(float(t.median()))} dagar" if len(t) >= min_cases else "") + "."
        late = unanswered_overdue(data)
        period = g.deadline("svar_pa_begaran").period_text
        overdue = f" {_n(c(late), 'begäran', 'begäranden')} är obesvarade efter mer än {period}." if late else ""
        lines.append(f"- En begäran om överflyttning har skickats i {_n(c(req), 'ärende', 'ärenden')}."
                     f"{answered}{overdue}")
        to_ivo = int(df["ivo_ansokan_datum"].notna().sum())
        if to_ivo:
            o = ivo_outcomes(df, g, min_cases)
            waiting = o["Ärenden"].iloc[-1]
            decided = int(df["ivo_beslut_datum"].notna().sum())
            outcomes = [f"{_lower_first(r['IVO:s beslut'])}: {r['Ärenden']}" for _, r in o.iloc[:-1].iterrows()
                        if r["Ärenden"] != 0]
            share = _share(to_ivo, req, min_cases)
            text = (f"- {_n(c(to_ivo), 'ärende', 'ärenden')}"
                    + (f" ({share:.0f} % av begärandena)" if not isinstance(share, str) else "")
                    + f" har gått vidare till IVO. IVO har beslutat i {c(decided)}")
            text += f" ({'; '.join(outcomes)})" if outcomes else ""
            text += f", och {waiting} väntar på beslut." if waiting != 0 else "."
            lines.append(text)
    lords = landlords(df, min_cases, names)
    if len(lords):
        lines.append("- Hyresvärdar som återkommer (avsnitt 2.4): " + _and(
            [f"{r.Hyresvärd} ({r.Ärenden} ärenden)" for r in lords.head(3).itertuples()]) + ".")
    return head + "\n\n" + "\n".join(lines)


# ---- the report ----------------------------------------------------------------------------

@dataclass
class Section:
    heading: str
    chart: Chart | None
    tables: list[pd.DataFrame]
    note: str = ""


def _cell(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.1f}".replace(".", ",")
    return _html.escape(str(v))


def table_html(df: pd.DataFrame) -> str:
    """A table as static HTML, numbers as shown (Swedish decimal comma), every cell escaped."""
    if df.empty:
        return f"<p>{EMPTY_TEXT}.</p>"
    head = "".join(f'<th scope="col">{_html.escape(str(c))}</th>' for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="dd-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def report_sections(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES,
                    names: dict[str, str] | None = None) -> list[Section]:
    """The committee report's sections: each figure is drawn from the first table under it."""
    g = _guideline(data, g)
    few = few_text(min_cases)
    small_note = (f"Antal från 1 till {min_cases - 1} visas som ”{few}”, så att ingen person kan pekas ut."
                  if min_cases > 1 else "")
    month = cases_per_month(data, min_cases)
    mun = per_municipality(data, min_cases)
    county = per_county(data, min_cases)
    form = forms(data, g, min_cases)
    kids = children(data, min_cases)
    bins = response_time_bins(data, min_cases)
    resp = response_times(data, min_cases)
    way = ivo(data, g, min_cases)
    lords = landlords(data, min_cases, names)
    return [
        Section(TITLES["month"], chart_cases_per_month(month), [month], small_note),
        Section(TITLES["municipality"], chart_per_municipality(mun), [mun],
                f"Kommuner med färre än {min_cases} ärenden redovisas tillsammans." if min_cases > 1 else ""),
        Section("Län", chart_per_county(county), [county], ""),
        Section(TITLES["forms"], chart_forms(form), [form], ""),
        Section("Barn", chart_children(kids), [kids], ""),
        Section("Svarstider", chart_response_times(bins), [bins, resp],
                "Tiden räknas från dagen då den andra kommunen tog emot begäran till dagen för dess skriftliga svar."
                + (f" Median och längsta tid visas bara när minst {min_cases} begäranden är besvarade."
                   if min_cases > 1 else "")),
        Section(TITLES["ivo"], chart_ivo(way), [way], ""),
        Section(TITLES["landlords"], chart_landlords(lords), [lords],
                f"Hyresvärdar som förekommer i minst {max(min_cases, 2)} ärenden. "
                + ("Företag anges med namn; andra hyresvärdar med en kod (H-…)." if names else
                   "Varje hyresvärd har en kod (H-…) i stället för namn.")),
    ]


def _markdown_to_html(md: str) -> str:
    out, items = [], []
    for line in md.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{_html.escape(line[2:])}</li>")
        elif line.strip():
            text = _html.escape(line.strip().strip("*"))
            out.append(f"<p><strong>{text}</strong></p>" if line.startswith("**") else f"<p>{text}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def committee_landlord_names(store: Store) -> dict[str, str] | None:
    """Company names of landlords, only if the settings say the report names them (logged read)."""
    if not getattr(store.settings, "report_names_landlord_companies", False):
        return None
    from .register import landlord_names
    return landlord_names(store, purpose="nämndrapport: namn på hyresvärdar som är företag")


def report_html(store: Store | None = None, *, data: Register | None = None,
                min_cases: int = REPORT_MIN_CASES) -> str:
    """The committee report as one static HTML page (through nbconvert, inputs excluded)."""
    from .render import Document, Letterhead, to_html
    own = store is None
    store = store or Store()
    try:
        data = data if data is not None else load(store)
        names = committee_landlord_names(store)
        g = store.g
    finally:
        if own:
            store.close()
    s = default_settings()
    body = [_markdown_to_html(summary_text(data, g, min_cases, names))]
    for sec in report_sections(data, g, min_cases, names):
        body.append(f"<h2>{_html.escape(sec.heading)}</h2>")
        if sec.note:
            body.append(f"<p>{_html.escape(sec.note)}</p>")
        if sec.chart is not None:
            body.append(f"<figure>{sec.chart.img_html()}</figure>")
        body.extend(table_html(t) for t in sec.tables)
    body.append("<p><small>Underlaget är pseudonymiserat: rapporten innehåller inga namn, personnummer, "
                "diarienummer, namn på handläggare eller fritext ur ärendena.</small></p>")
    doc = Document(title="Social dumpning – lägesrapport", body_html="".join(body), diarienummer="",
                   date=data.today if isinstance(data, Register) else settings_today(),
                   letterhead=Letterhead(s.municipality, s.committee, list(s.address),
                                         str(s.logo) if s.logo else None))
    return to_html(doc)


def export_report(path: str | Path | None = None, store: Store | None = None, *,
                  min_cases: int = REPORT_MIN_CASES) -> Path:
    """Write the committee report as HTML (default: exports/analys-<datum>.html). Returns the path."""
    from .register import exports_dir, write_private
    path = Path(path) if path else exports_dir() / f"analys-{settings_today().isoformat()}.html"
    return write_private(path, report_html(store, min_cases=min_cases).encode("utf-8"))


# ---- the notebook, exported offline --------------------------------------------------------

def notebook_exporter():
    """nbconvert's HTMLExporter with the kit's offline analysis template: inputs and prompts
    left out, no require.js, MathJax, mermaid or widget scripts from a CDN."""
    from nbconvert import HTMLExporter
    from .render import TEMPLATE_DIR
    return HTMLExporter(template_name=ANALYSIS_TEMPLATE, extra_template_basedirs=[str(TEMPLATE_DIR)],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        language_code="sv", require_js_url="", mathjax_url="", jquery_url="",
                        widget_renderer_url="", mermaid_js_url="")


def notebook_html(nb) -> str:
    """An executed analysis notebook as one static, offline HTML page."""
    html, _ = notebook_exporter().from_notebook_node(nb)
    return html


def export_notebook(path: str | Path | None = None, notebook: str | Path = NOTEBOOK, *,
                    timeout: int = 600) -> Path:
    """Run analys.ipynb top to bottom (on this data folder) and write it as offline HTML
    (default: exports/analys-notebook-<datum>.html). Returns the path."""
    import nbformat
    from nbclient import NotebookClient
    from .register import exports_dir, write_private
    nb = nbformat.read(str(notebook), as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                   resources={"metadata": {"path": str(Path(notebook).parent)}}).execute()
    path = Path(path) if path else exports_dir() / f"analys-notebook-{settings_today().isoformat()}.html"
    return write_private(path, notebook_html(nb).encode("utf-8"))
