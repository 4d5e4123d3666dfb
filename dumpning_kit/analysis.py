"""Patterns for analysts and the political committee, from the pseudonymised register.

Every function takes the register (``load()``) and returns a DataFrame with Swedish
column names, a matplotlib Figure with Swedish labels, or Swedish text. They all work on
an empty register: tables are empty and figures say "Inga ärenden än".

``export_report(path)`` writes a static HTML report (no code, no scripts, no network
references) through nbconvert with the kit's document template, for the committee.
Municipalities with fewer than ``REPORT_MIN_CASES`` cases are grouped together in the
report, since small numbers can point out a person.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import textwrap
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
_MONTHS_SHORT = ["jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
_MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december"]
_BLUE, _RED, _GREEN, _GREY = "#1d4ed8", "#a4161a", "#14532d", "#6b7280"


# ---- data ----------------------------------------------------------------------------------

def load(store: Store | None = None, *, today: dt.date | None = None) -> Register:
    """The pseudonymised register (no names, personnummer, diarienummer or free text)."""
    return read_register(store, today=today)


def _cases(data: Register | pd.DataFrame) -> pd.DataFrame:
    return data.cases if isinstance(data, Register) else data


def _guideline(data, g: Guideline | None) -> Guideline:
    if g is not None:
        return g
    from .guideline import default_guideline
    return default_guideline()


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _month_label(p: pd.Period) -> str:
    return f"{_MONTHS_SHORT[p.month - 1]} {p.year}"


def cases_per_month(data) -> pd.DataFrame:
    """New cases per month of first contact with social services, gaps filled with 0."""
    df = _cases(data)
    d = df["forsta_kontakt"].dropna() if "forsta_kontakt" in df else pd.Series(dtype="datetime64[ns]")
    if d.empty:
        return pd.DataFrame({"Månad": pd.Series(dtype=str), "Ärenden": pd.Series(dtype=int)})
    months = d.dt.to_period("M")
    counts = months.value_counts().reindex(pd.period_range(months.min(), months.max(), freq="M"), fill_value=0)
    return pd.DataFrame({"Månad": [_month_label(p) for p in counts.index], "Ärenden": counts.to_numpy()})


def per_municipality(data, min_cases: int = 1) -> pd.DataFrame:
    """Cases per sending municipality (named from kommunkod); smaller ones grouped if min_cases > 1."""
    df = _cases(data)
    d = df[df["tidigare_kommun"].notna()]
    cols = ["Kommun", "Kommunkod", "Län", "Ärenden", "Andel (%)"]
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if i < 3 else float) for i, c in enumerate(cols)})
    labels = d[["kommun_namn", "tidigare_kommun", "lan"]].astype(object)
    g = (labels.groupby(["kommun_namn", "tidigare_kommun", "lan"], dropna=False).size()
         .rename("Ärenden").reset_index().sort_values(["Ärenden", "kommun_namn"], ascending=[False, True]))
    g.columns = ["Kommun", "Kommunkod", "Län", "Ärenden"]
    small = g["Ärenden"] < min_cases
    if small.any():
        other = pd.DataFrame({"Kommun": [f"{OTHER_MUNICIPALITIES} ({int(small.sum())} st)"], "Kommunkod": ["–"],
                              "Län": ["–"], "Ärenden": [int(g.loc[small, "Ärenden"].sum())]})
        g = pd.concat([g[~small], other], ignore_index=True)
    g["Andel (%)"] = [_pct(int(x), len(d)) for x in g["Ärenden"]]
    g["Kommun"] = g["Kommun"].fillna("Okänd kommunkod")
    return g.reset_index(drop=True).astype({"Kommun": object, "Kommunkod": object, "Län": object})


def per_county(data) -> pd.DataFrame:
    df = _cases(data)
    d = df[df["lan"].notna()] if "lan" in df else df.iloc[:0]
    if d.empty:
        return pd.DataFrame({"Län": pd.Series(dtype=object), "Ärenden": pd.Series(dtype=int),
                             "Andel (%)": pd.Series(dtype=float)})
    g = d.groupby("lan", observed=True).size().sort_values(ascending=False)
    return pd.DataFrame({"Län": g.index.astype(object), "Ärenden": g.to_numpy(),
                         "Andel (%)": [_pct(int(x), len(d)) for x in g]})


def forms(data, g: Guideline | None = None) -> pd.DataFrame:
    """What happened before the move (guideline 1.1.1), per answer option, also 'Inte besvarat'."""
    df = _cases(data)
    g = _guideline(data, g)
    options = g.question("form").options if "form" in g.questions else {}
    counts = df["form"].value_counts() if "form" in df and len(df) else pd.Series(dtype=int)
    rows = [(label, int(counts.get(code, 0))) for code, label in options.items()]
    missing = int(df["form"].isna().sum()) if "form" in df else 0
    if missing:
        rows.append(("Inte besvarat", missing))
    out = pd.DataFrame(rows, columns=["Form", "Ärenden"]) if len(df) else \
        pd.DataFrame({"Form": pd.Series(dtype=object), "Ärenden": pd.Series(dtype=int)})
    out["Andel (%)"] = [_pct(x, len(df)) for x in out["Ärenden"]]
    return out


def children(data) -> pd.DataFrame:
    """Households with children and how many children, overall and among confirmed dumping."""
    df = _cases(data)
    rows = []
    for label, part in (("Alla ärenden", df),
                        ("Fastställd social dumpning", df[df["beslut"] == "faststalld"] if len(df) else df)):
        with_children = int(part["barn"].fillna(False).sum()) if len(part) else 0
        rows.append({"Urval": label, "Ärenden": len(part), "Med barn": with_children,
                     "Andel med barn (%)": _pct(with_children, len(part)),
                     "Antal barn": int(part["barn_antal"].fillna(0).sum()) if len(part) else 0})
    return pd.DataFrame(rows)


def response_times(data) -> pd.DataFrame:
    """Days from the other municipality receiving the request to its written answer, per municipality."""
    df = _cases(data)
    cols = ["Kommun", "Begäran mottagen", "Besvarade", "Väntar på svar", "Median dagar till svar",
            "Längsta tid (dagar)"]
    d = df[df["begaran_mottagen"].notna()] if len(df) else df
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "Kommun" else float) for c in cols})
    rows = []
    for name, part in d.groupby(d["kommun_namn"].astype(object).fillna("Okänd kommunkod")):
        t = part["svarstid_dagar"].dropna()
        rows.append([name, len(part), len(t), int(part["svar_datum"].isna().sum()),
                     float(t.median()) if len(t) else np.nan, float(t.max()) if len(t) else np.nan])
    out = pd.DataFrame(rows, columns=cols).sort_values(["Begäran mottagen", "Kommun"], ascending=[False, True])
    return out.reset_index(drop=True)


def unanswered_overdue(data) -> int:
    """Requests whose one-month answer deadline has passed without an answer."""
    if isinstance(data, Register):
        d = data.deadlines
        return int(((d["frist_id"] == "svar_pa_begaran") & (d["status"] == "forfallen")).sum())
    df = _cases(data)
    return int(((df["nasta_frist_id"] == "svar_pa_begaran") & (df["nasta_frist_status"] == "forfallen")).sum())


def ivo(data, g: Guideline | None = None) -> pd.DataFrame:
    """The way to IVO: requests, answers, applications and IVO's decisions."""
    df = _cases(data)
    g = _guideline(data, g)
    n = len(df)
    req = int(df["begaran_skickad"].notna().sum()) if n else 0
    rows = [("Ärenden", n), ("Begäran om överflyttning skickad", req),
            ("Den andra kommunen tog tillbaka ärendet", int((df["svar"] == "accepterar").sum()) if n else 0),
            ("Den andra kommunen avvisade begäran", int((df["svar"] == "avvisar").sum()) if n else 0),
            ("Ansökan till IVO", int(df["ivo_ansokan_datum"].notna().sum()) if n else 0),
            ("IVO har beslutat", int(df["ivo_beslut_datum"].notna().sum()) if n else 0)]
    options = g.question("ivo_beslut").options if "ivo_beslut" in g.questions else {}
    for code, label in options.items():
        rows.append((f"IVO: {label}", int((df["ivo_beslut"] == code).sum()) if n else 0))
    out = pd.DataFrame(rows, columns=["Steg", "Ärenden"])
    out["Andel av alla ärenden (%)"] = [_pct(x, n) for x in out["Ärenden"]]
    out["Andel av begäranden (%)"] = [_pct(x, req) if i >= 1 else np.nan for i, x in enumerate(out["Ärenden"])]
    return out


def ivo_outcomes(data, g: Guideline | None = None) -> pd.DataFrame:
    df = _cases(data)
    g = _guideline(data, g)
    options = g.question("ivo_beslut").options if "ivo_beslut" in g.questions else {}
    decided = df[df["ivo_ansokan_datum"].notna()] if len(df) else df
    rows = [(label, int((decided["ivo_beslut"] == code).sum()) if len(decided) else 0)
            for code, label in options.items()]
    rows.append(("Väntar på IVO:s beslut", int(decided["ivo_beslut"].isna().sum()) if len(decided) else 0))
    return pd.DataFrame(rows, columns=["IVO:s beslut", "Ärenden"])


def landlords(data, min_cases: int = 2) -> pd.DataFrame:
    """Landlords named in at least `min_cases` cases (guideline 2.4: no business model of dumping)."""
    df = _cases(data)
    cols = ["Hyresvärd", "Ärenden", "Sändande kommuner", "Första ärendet", "Senaste ärendet"]
    d = df[df["hyresvard_namn"].notna()] if len(df) else df
    if d.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    # The same landlord is typed in different ways: group on a folded form, show the commonest spelling.
    key = d["hyresvard_namn"].str.casefold().str.replace(r"\s+", " ", regex=True).str.strip()
    rows = []
    for _, part in d.groupby(key):
        if len(part) < min_cases:
            continue
        first, last = part["forsta_kontakt"].min(), part["forsta_kontakt"].max()
        rows.append([part["hyresvard_namn"].mode().iat[0], len(part),
                     ", ".join(sorted(set(part["kommun_namn"].dropna()))),
                     first.date().isoformat() if pd.notna(first) else "–",
                     last.date().isoformat() if pd.notna(last) else "–"])
    out = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return out.sort_values(["Ärenden", "Hyresvärd"], ascending=[False, True]).reset_index(drop=True)


# ---- figures -------------------------------------------------------------------------------

def _figure(title: str, size=(8, 3.6)):
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    # A figure title, not an axes title: long bar labels would push an axes title off the edge.
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    plt.close(fig)  # returned, not shown twice in notebooks
    return fig, ax


def _empty(fig, ax):
    ax.set_axis_off()
    ax.text(0.5, 0.5, EMPTY_TEXT, ha="center", va="center", fontsize=14, color=_GREY, transform=ax.transAxes)
    return fig


def _integer_axis(ax, axis="y"):
    from matplotlib.ticker import MaxNLocator
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def plot_cases_per_month(data):
    t = cases_per_month(data)
    fig, ax = _figure("Nya ärenden per månad")
    if t.empty:
        return _empty(fig, ax)
    ax.bar(t["Månad"], t["Ärenden"], color=_BLUE)
    ax.set_ylabel("Antal ärenden")
    ax.set_xlabel("Månad då personen kontaktade socialtjänsten")
    _integer_axis(ax)
    step = max(1, len(t) // 12)
    ax.set_xticks(range(0, len(t), step), t["Månad"].iloc[::step], rotation=45, ha="right")
    return fig


def _barh(t: pd.DataFrame, label: str, value: str, title: str, xlabel: str, color=_BLUE, top: int = 15):
    fig, ax = _figure(title, size=(8, max(2.4, 0.5 * min(len(t), top) + 1.2)))
    if t.empty or t[value].sum() == 0:
        return _empty(fig, ax)
    t = t.head(top).iloc[::-1]
    ax.barh([textwrap.fill(str(x), 34) for x in t[label]], t[value], color=color)
    ax.set_xlabel(xlabel)
    _integer_axis(ax, "x")
    for y, v in enumerate(t[value]):
        ax.text(v, y, f" {int(v)}", va="center", fontsize=9)
    return fig


def plot_per_municipality(data, min_cases: int = 1):
    return _barh(per_municipality(data, min_cases), "Kommun", "Ärenden",
                 "Kommuner som personerna flyttade från", "Antal ärenden")


def plot_per_county(data):
    return _barh(per_county(data), "Län", "Ärenden", "Län som personerna flyttade från", "Antal ärenden")


def plot_forms(data, g: Guideline | None = None):
    return _barh(forms(data, g), "Form", "Ärenden", "Vad hände innan personen flyttade (avsnitt 1.1.1)",
                 "Antal ärenden", color=_RED)


def plot_children(data):
    t = children(data)
    fig, ax = _figure("Hushåll med barn")
    if t.empty or t["Ärenden"].iloc[0] == 0:
        return _empty(fig, ax)
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["Ärenden"] - t["Med barn"], width=0.4, color=_GREY, label="Utan barn")
    ax.bar(x + 0.2, t["Med barn"], width=0.4, color=_BLUE, label="Med barn")
    ax.set_xticks(x, t["Urval"])
    ax.set_ylabel("Antal ärenden")
    _integer_axis(ax)
    ax.legend(frameon=False)
    return fig


def plot_response_times(data):
    df = _cases(data)
    fig, ax = _figure("Dagar från mottagen begäran till svar")
    t = df["svarstid_dagar"].dropna().astype(int) if len(df) else pd.Series(dtype=int)
    if t.empty:
        return _empty(fig, ax)
    ax.hist(t, bins=range(0, int(t.max()) + 8, 7), color=_BLUE, edgecolor="white")
    ax.axvline(30, color=_RED, linestyle="--")
    ax.text(30, ax.get_ylim()[1] * 0.95, " ungefär en månad", color=_RED, va="top")
    ax.set_xlabel("Dagar till den andra kommunens skriftliga svar")
    ax.set_ylabel("Antal ärenden")
    _integer_axis(ax)
    return fig


def plot_ivo(data, g: Guideline | None = None):
    t = ivo(data, g)
    t = t[t["Steg"] != "Ärenden"]
    return _barh(t, "Steg", "Ärenden", "Vägen till IVO", "Antal ärenden", color=_GREEN)


def plot_landlords(data, min_cases: int = 2):
    return _barh(landlords(data, min_cases), "Hyresvärd", "Ärenden", "Hyresvärdar som återkommer (avsnitt 2.4)",
                 "Antal ärenden", color=_RED)


# ---- text for the committee ----------------------------------------------------------------

def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _and(items: list[str]) -> str:
    """'a, b och c'"""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " och " + items[-1]


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def _long_date(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def summary_text(data, g: Guideline | None = None, min_cases: int = 1) -> str:
    """A short plain-Swedish summary (markdown) of the register for the committee."""
    df = _cases(data)
    g = _guideline(data, g)
    day = data.today if isinstance(data, Register) else settings_today()
    head = f"**Läget den {_long_date(day)}**"
    if df.empty:
        return f"{head}\n\nDet finns inga ärenden registrerade än."
    n = len(df)
    first = df["forsta_kontakt"].min()
    confirmed = int((df["beslut"] == "faststalld").sum())
    suspected = int((df["bedomning"] == "misstanke").sum())
    lines = [f"- Socialtjänsten har registrerat {_n(n, 'ärende', 'ärenden')}"
             + (f" sedan {_long_date(first.date())}" if pd.notna(first) else "")
             + f". I {confirmed} av dem har handläggaren beslutat att det är fastställd social dumpning, "
               f"och i {suspected} visar svaren tecken på social dumpning."]
    mun = per_municipality(df, min_cases)
    named = mun[~mun["Kommun"].str.startswith(OTHER_MUNICIPALITIES)].head(3)
    if len(named):
        lines.append("- Flest personer kom från " + _and([f"{r.Kommun} ({r.Ärenden})" for r in named.itertuples()])
                     + ".")
    ch = children(df).iloc[0]
    lines.append(f"- {_n(int(ch['Med barn']), 'ärende', 'ärenden')} ({ch['Andel med barn (%)']:.0f} %) gäller "
                 f"hushåll med barn, sammanlagt {_n(int(ch['Antal barn']), 'barn', 'barn')}.")
    f = forms(df, g)
    f = f[(f["Form"] != "Inte besvarat") & (f["Ärenden"] > 0)].sort_values("Ärenden", ascending=False)
    if len(f):
        top = f.iloc[0]
        lines.append(f"- Vanligast före flytten: {_lower_first(top['Form'])} "
                     f"({_n(int(top['Ärenden']), 'ärende', 'ärenden')}).")
    req = int(df["begaran_skickad"].notna().sum())
    if req:
        t = df["svarstid_dagar"].dropna()
        answered = f" De andra kommunerna har svarat i {len(t)} av dem" + (
            f", efter i median {t.median():.0f} dagar" if len(t) else "") + "."
        late = unanswered_overdue(data)
        overdue = f" {_n(late, 'begäran', 'begäranden')} är obesvarade efter mer än en månad." if late else ""
        lines.append(f"- En begäran om överflyttning har skickats i {_n(req, 'ärende', 'ärenden')}.{answered}{overdue}")
        to_ivo = int(df["ivo_ansokan_datum"].notna().sum())
        if to_ivo:
            o = ivo_outcomes(df, g)
            waiting = int(o["Ärenden"].iloc[-1])
            decided = to_ivo - waiting
            outcomes = [f"{_lower_first(r['IVO:s beslut'])}: {r['Ärenden']}" for _, r in o.iloc[:-1].iterrows()
                        if r["Ärenden"]]
            text = (f"- {_n(to_ivo, 'ärende', 'ärenden')} ({_pct(to_ivo, req):.0f} % av begärandena) har gått "
                    f"vidare till IVO. IVO har beslutat i {decided}")
            text += f" ({'; '.join(outcomes)})" if outcomes else ""
            text += f", och {waiting} väntar på beslut." if waiting else "."
            lines.append(text)
    lords = landlords(df)
    if len(lords):
        lines.append("- Hyresvärdar som återkommer (avsnitt 2.4): " + _and(
            [f"{r.Hyresvärd} ({r.Ärenden} ärenden)" for r in lords.head(3).itertuples()]) + ".")
    return head + "\n\n" + "\n".join(lines)


# ---- the report ----------------------------------------------------------------------------

def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _table(df: pd.DataFrame) -> str:
    if df.empty:
        return f"<p>{EMPTY_TEXT}.</p>"
    return df.to_html(index=False, escape=True, na_rep="–", border=0, classes="dd-table",
                      float_format=lambda x: f"{x:.1f}".replace(".", ","))


def _markdown_to_html(md: str) -> str:
    import html
    out, items = [], []
    for line in md.splitlines():
        if line.startswith("- "):
            items.append(f"<li>{html.escape(line[2:])}</li>")
        elif line.strip():
            text = html.escape(line.strip().strip("*"))
            out.append(f"<p><strong>{text}</strong></p>" if line.startswith("**") else f"<p>{text}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def report_sections(data, g: Guideline | None = None, min_cases: int = REPORT_MIN_CASES) -> list[tuple]:
    """(heading, figure or None, table, note) per section of the committee report."""
    g = _guideline(data, g)
    return [
        ("Nya ärenden per månad", plot_cases_per_month(data), cases_per_month(data), ""),
        ("Kommuner som personerna flyttade från", plot_per_municipality(data, min_cases),
         per_municipality(data, min_cases),
         f"Kommuner med färre än {min_cases} ärenden redovisas tillsammans, så att ingen person kan pekas ut."
         if min_cases > 1 else ""),
        ("Län", plot_per_county(data), per_county(data), ""),
        ("Vad hände innan personen flyttade (avsnitt 1.1.1)", plot_forms(data, g), forms(data, g), ""),
        ("Barn", plot_children(data), children(data), ""),
        ("Svarstider", plot_response_times(data), response_times(data).pipe(
            lambda t: t if min_cases <= 1 else t[t["Begäran mottagen"] >= min_cases]),
         "Tiden räknas från dagen då den andra kommunen tog emot begäran till dagen för dess skriftliga svar."),
        ("Vägen till IVO", plot_ivo(data, g), ivo(data, g), ""),
        ("Hyresvärdar som återkommer (avsnitt 2.4)", plot_landlords(data), landlords(data),
         "Hyresvärdar som förekommer i minst två ärenden."),
    ]


def report_html(store: Store | None = None, *, data: Register | None = None,
                min_cases: int = REPORT_MIN_CASES) -> str:
    """The committee report as one static HTML page (through nbconvert, inputs excluded)."""
    from .render import Document, Letterhead, to_html
    data = data if data is not None else load(store)
    g = store.g if store is not None else _guideline(data, None)
    s = default_settings()
    body = [_markdown_to_html(summary_text(data, g, min_cases))]
    for i, (heading, fig, table, note) in enumerate(report_sections(data, g, min_cases)):
        body.append(f"<h2>{heading}</h2>")
        if note:
            body.append(f"<p>{note}</p>")
        if fig is not None:
            body.append(f'<figure><img src="data:image/png;base64,{_png(fig)}" '
                        f'alt="Diagram: {heading}. Samma siffror finns i tabellen under."></figure>')
        body.append(_table(table))
    body.append("<p><small>Underlaget är pseudonymiserat: rapporten innehåller inga namn, personnummer, "
                "diarienummer eller fritext ur ärendena.</small></p>")
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
