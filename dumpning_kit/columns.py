"""A guide to the pseudonymised register's columns, generated from the guideline file.

    python -m dumpning_kit.columns            # Markdown for the README (tests keep it current)
    python -m dumpning_kit.columns --write    # rewrite the README's section after a guideline change

The column list is the register's own (read from an empty in-memory database); each answer
column is described by its question in the guideline (label, section, answer options), so
a municipality's own guideline gets its own guide.
"""
from __future__ import annotations

from .guideline import Guideline, default_guideline
from .settings import Settings, default_settings

START = "<!-- register-columns:start -->"
END = "<!-- register-columns:end -->"

DERIVED = {  # column -> (meaning, values); {…} are filled from the guideline
    "pseudonym": ("Stabil pseudonym för ärendet, samma i varje uttag; nyckeln ligger i datamappen.", "P-…"),
    "status": ("Ärendets status.", "oppet, avslutat"),
    "handlaggare": ("Handläggaren som står på ärendet.", "text"),
    "bedomning": ("Verktygets förslag till bedömning (handläggaren beslutar).", "{classification}"),
    "beslut": ("Handläggarens beslut; tomt före beslut.", "{decision}"),
    "beslut_datum": ("Datum för beslutet.", "datum"),
    "avslutad": ("Datum då ärendet avslutades.", "datum"),
    "kommun_namn": ("Namnet på kommunen i tidigare_kommun.", "text"),
    "lan": ("Länet som den tidigare kommunen ligger i.", "text"),
    "lan_kod": ("Länskod (SCB) för den tidigare kommunen.", "text"),
    "barn": ("Barn i hushållet (samma som barn_i_hushallet = ja).", "sant eller falskt"),
    "svarstid_dagar": ("Dagar från att den andra kommunen tog emot begäran till dess svar.", "heltal"),
    "nasta_frist": ("Sista dag för ärendets närmaste öppna frist.", "datum"),
    "nasta_frist_id": ("Vilken frist det är.", "{deadlines}"),
    "nasta_frist_namn": ("Fristens namn i klartext.", "text"),
    "nasta_frist_status": ("Fristens läge.", "forfallen, idag, kommande"),
    "dagar_kvar": ("Dagar kvar till nasta_frist (negativt när fristen har gått ut).", "heltal"),
}


def _soft_lower(text: str) -> str:
    """'Vet inte' -> 'vet inte', but 'IVO:s beslut' stays."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _values(options: dict) -> str:
    return ", ".join(k if k == _soft_lower(v) else f"{k} ({_soft_lower(v)})" for k, v in options.items())


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def register_columns(g: Guideline, settings: Settings | None = None) -> dict[str, str]:
    """The pseudonymised register's columns, in order, with their pandas dtype, as read_register
    returns them (from an empty in-memory database; a throwaway data folder for the pseudonym key)."""
    import os
    import tempfile

    from .register import read_register
    from .store import Store
    settings = settings or default_settings()
    before = os.environ.get("DUMPNING_DATA_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DUMPNING_DATA_DIR"] = tmp
        store = Store("sqlite://", guideline=g, settings=settings)
        try:
            df = read_register(store).cases
            return {c: str(t) for c, t in df.dtypes.items()}
        finally:
            store.close()
            if before is None:
                os.environ.pop("DUMPNING_DATA_DIR", None)
            else:
                os.environ["DUMPNING_DATA_DIR"] = before


_DTYPE_VALUES = {"datetime64[ns]": "datum", "Int64": "heltal", "boolean": "sant eller falskt"}


def columns_markdown(g: Guideline | None = None) -> str:
    g = g or default_guideline()
    fills = {"classification": _values(g.classification_labels),
             "decision": _values(g.decision_options),
             "deadlines": ", ".join(f"{d.id} ({_soft_lower(d.label)}, {d.section})" for d in g.deadlines)}
    lines = ["| Kolumn | Betydelse | Värden |", "| --- | --- | --- |"]
    for col, dtype in register_columns(g).items():
        if col in g.questions:
            q = g.question(col)
            meaning = f"{q.label} (avsnitt {q.section})"
            if q.type == "date":
                values = "datum"
            elif q.options:
                values = _values(q.options)
            elif q.type == "kommun":
                values = "kommunkod (SCB)"
            elif q.type == "integer":
                values = "heltal"
            else:
                values = "text"
        elif col in DERIVED:
            meaning, values = (part.format(**fills) for part in DERIVED[col])
        else:  # a column the register added that this guide does not know yet
            meaning, values = col, _DTYPE_VALUES.get(dtype, "text")
        lines.append(f"| `{col}` | {_cell(meaning)} | {_cell(values)} |")
    return "\n".join(lines)


def readme_section(g: Guideline | None = None) -> str:
    return f"{START}\n{columns_markdown(g)}\n{END}"


def update_readme(path) -> bool:
    """Replace the README's generated section; True if it changed."""
    from pathlib import Path
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    new = text[:start] + readme_section() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    import sys
    from pathlib import Path
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--write"]:
        readme = Path(__file__).resolve().parent.parent / "README.md"
        print(f"{readme}: {'uppdaterad' if update_readme(readme) else 'redan aktuell'}")
        return 0
    sys.stdout.write(readme_section() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
