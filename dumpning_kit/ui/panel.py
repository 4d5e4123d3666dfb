"""The always-visible panel: suggested classification, indicators, decision and action plan."""
from __future__ import annotations

from ..assessment import CaseState
from ..guideline import Guideline
from ..settings import Settings
from .common import badge, esc

CLASS_STATUS = {"misstanke": "forfallen", "oklart": "idag", "berattigad": "klar", "inga_tecken": "kommande",
                "ej_bedomd": "kommande"}
ACTION_STATUS = {"klar": "klar", "att_gora": "kommande", "vantar_samtycke": "idag", "inget_samtycke": "kommande"}


def section_details(g: Guideline, section_id: str) -> str:
    """A native <details> element (keyboard accessible, no script) with the section's own text."""
    s = g.section(section_id)
    if s is None:
        return ""
    return (f'<details class="dk-section"><summary>Avsnitt {esc(s.id)}: {esc(s.title)}</summary>'
            f'<blockquote>{esc(s.text)}</blockquote></details>')


def law_footer(g: Guideline, settings: Settings) -> str:
    text = g.replacement_notice(settings.law_mapping)
    return f'<p class="dk-law"><strong>Om lagen:</strong> {esc(text)}</p>' if text else ""


def _items(texts) -> str:
    return "<ul>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>"


def suggestion_html(st: CaseState) -> str:
    """The suggestion explained by the guideline's own rules (1.1), then the supporting signs."""
    out = []
    reasons = st.reasons
    if st.classification == "ej_bedomd":
        out.append("<p>Svara på frågorna i steget Bedömning, så visas ett förslag.</p>")
    elif st.classification != "oklart":
        out.append(f"<p>Därför (avsnitt {esc(st.g.outcomes[0].section)}):</p>" + _items(r.text for r in reasons))
    elif reasons and reasons[0].kind == "motstridigt":
        out.append(f"<p>{esc(reasons[0].text)} Det här talar åt olika håll:</p>" + _items(r.text for r in reasons[1:]))
    else:
        out.append("<p>Ta reda på det här för att kunna bedöma ärendet:</p>" + _items(r.text for r in reasons))
    if st.signals and st.classification in ("misstanke", "oklart"):  # they never outweigh the rules
        sections = ", ".join(dict.fromkeys(s.question.section for s in st.signals))
        lead = ("Det här stärker misstanken" if st.classification == "misstanke" else
                "Det här kan stärka en misstanke, men räcker inte ensamt")
        out.append(f"<p>{lead} (avsnitt {esc(sections)}):</p>" + _items(s.indicator.text for s in st.signals))
    return "".join(out)


def panel_html(st: CaseState, settings: Settings) -> str:
    g = st.g
    out = ['<section class="dk-card" aria-label="Förslag och åtgärdsplan">', "<h2>Förslag till bedömning</h2>",
           f"<p>{badge(CLASS_STATUS[st.classification], st.classification_label)}</p>",
           suggestion_html(st),
           '<p class="dk-hint">Förslaget bygger på svaren och riktlinjens avsnitt 1.1. Det är du som handläggare '
           'som beslutar, och ditt beslut styr åtgärdsplanen.</p>']
    if st.decision:
        out.append(f"<p><strong>Beslut:</strong> {esc(g.decision_options[st.decision])}</p>")
    else:
        out.append("<p><strong>Beslut:</strong> inte registrerat än (registreras i steget Bedömning).</p>")
    out.append("<h2>Åtgärdsplan</h2>")
    if not st.action_plan:
        out.append("<p>Inga åtgärder än.</p>")
    else:
        out.append('<table class="dk-table"><thead><tr><th scope="col">Åtgärd</th><th scope="col">Status</th>'
                   '<th scope="col">Frist</th></tr></thead><tbody>')
        for item in st.action_plan:
            d = item.deadline
            due = badge(d.status, d.describe()) if d else ""
            cite = g.law_text(item.action.law)
            out.append(f"<tr><td>{esc(item.action.label)}"
                       f"{'<br><span class=dk-law>' + esc(cite) + '</span>' if cite else ''}"
                       f"{section_details(g, item.action.section)}</td>"
                       f"<td>{badge(ACTION_STATUS[item.status], item.label)}</td><td>{due}</td></tr>")
        out.append("</tbody></table>")
        explained = {d.rule.id: d.rule for d in st.deadlines}
        for rule in explained.values():
            out.append(f'<details class="dk-section"><summary>Så räknas fristen: {esc(rule.label)}</summary>'
                       f"<p>{esc(rule.explanation)}</p></details>")
    out.append(law_footer(g, settings))
    out.append("</section>")
    return "".join(out)
