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


def panel_html(st: CaseState, settings: Settings) -> str:
    g = st.g
    out = ['<section class="dk-card" aria-label="Förslag och åtgärdsplan">', "<h2>Förslag till bedömning</h2>",
           f"<p>{badge(CLASS_STATUS[st.classification], st.classification_label)}</p>"]
    if st.signals:
        out.append("<ul>" + "".join(f"<li>{esc(s.indicator.text)} <span class=\"dk-law\">(avsnitt {esc(s.question.section)})</span></li>"
                                    for s in st.signals) + "</ul>")
    out.append('<p class="dk-hint">Förslaget bygger på svaren. Det är du som handläggare som beslutar.</p>')
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
