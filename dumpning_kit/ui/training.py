"""Widgets for the training notebook: the guideline section by section, scenarios with
questions and immediate feedback, the score, a certificate and the practice case form.

All rules and texts come from the package (dumpning_kit.training and the guideline file);
this module only arranges widgets. Everything a user typed goes through esc().
"""
from __future__ import annotations

import base64
import logging

import ipywidgets as w

from ..errors import UserError
from ..guideline import Guideline, default_guideline
from ..training import (Feedback, Scenario, ScenarioError, ScenarioSet, Score, TrainingQuestion, certificate_html,
                        choices, default_scenarios, drift, evaluate, swedish_date)
from .common import esc, message

log = logging.getLogger(__name__)

# Scoped styles, repeated in every panel so that a panel looks right on its own (a slide, a
# single Lab cell) and in the project's Voilà template alike.
CSS = """<style>
.dk-train { color: #1b1b1b; font-size: 16px; line-height: 1.45; }
.dk-train h2 { font-size: 26px; margin: 4px 0 10px 0; color: #111827; }
.dk-train h3 { font-size: 20px; margin: 12px 0 6px 0; color: #111827; }
.dk-train p { margin: 0 0 8px 0; }
.dk-train .widget-html-content { white-space: normal; font-size: 16px; line-height: 1.45; color: #1b1b1b; }
.dk-train .widget-label, .dk-train .widget-inline-hbox label, .dk-train select, .dk-train input,
.dk-train .jupyter-button { font-size: 15px; }
.dk-train .dk-hint { color: #374151; font-size: 15px; }
.dk-train .dk-meta { color: #374151; font-size: 15px; margin-bottom: 8px; }
.dk-train .dk-story { max-width: 62em; }
.dk-train .dk-quote { margin: 10px 0 0 0; padding: 8px 14px; border-left: 5px solid #1d4ed8; background: #f3f4f6; }
.dk-train .dk-quote figcaption { font-weight: 600; margin-bottom: 4px; }
.dk-train .dk-quote blockquote { margin: 0; font-style: normal; }
.dk-train .dk-kit { font-size: 15px; }
.dk-train .dk-kit ul, .dk-train .dk-fb ul { margin: 4px 0 8px 0; padding-left: 22px; }
.dk-train .dk-fb { padding: 8px 14px; margin-top: 8px; border: 1px solid #d1d5db; border-left: 6px solid #6b7280;
                   border-radius: 4px; background: #fff; }
.dk-train .dk-fb-ok { border-left-color: #14532d; }
.dk-train .dk-fb-wrong { border-left-color: #a4161a; }
.dk-train .dk-fb-head { font-size: 18px; font-weight: 700; }
.dk-train .dk-fb-ok .dk-fb-head { color: #14532d; }
.dk-train .dk-fb-wrong .dk-fb-head { color: #a4161a; }
.dk-train .dk-error { color: #a4161a; font-weight: 600; }
.dk-train .dk-ok { color: #14532d; font-weight: 600; }
.dk-train .dk-question { border: 1px solid #d1d5db; border-radius: 6px; padding: 10px 14px; background: #fff; }
.dk-train .widget-radio-box label, .dk-train .widget-checkbox label, .dk-train .widget-label-basic {
  white-space: normal; height: auto; line-height: 1.35; color: #1b1b1b; }
.dk-train .widget-radio-box label { padding: 3px 0; font-size: 16px; }
.dk-train .widget-radio-box label, .dk-train .widget-checkbox label.widget-label-basic {
  display: flex; align-items: flex-start; }
.dk-train .widget-radio-box label input, .dk-train .widget-checkbox label.widget-label-basic input {
  flex: none; order: -1; margin: 4px 8px 0 0; }
.dk-train .widget-checkbox label, .dk-train .widget-checkbox .widget-label-basic span { font-size: 16px; }
.dk-train table { font-size: 16px; }
.dk-train .dk-story p { max-width: 46em; }
.dk-train .widget-checkbox { height: auto; min-height: 28px; margin: 2px 0; }
.dk-train .widget-radio-box { height: auto; }
.dk-train .dk-table { border-collapse: collapse; }
.dk-train .dk-table th, .dk-train .dk-table td { text-align: left; padding: 4px 10px 4px 0;
  border-bottom: 1px solid #d1d5db; vertical-align: top; }
.dk-train a { color: #1d4ed8; }
.dk-train :focus-visible, .dk-train input:focus, .dk-train select:focus, .dk-train button:focus {
  outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
.dk-train .jupyter-button.mod-primary { background: #1d4ed8; color: #fff; }
</style>"""

# Slides: Voilà's stock reveal template loads reveal.js's CSS from a CDN. Offline (as in the
# municipality's network) it is missing and every slide shows at once. These rules are the
# part of reveal.css that the layout needs, so the slides work offline too. They only apply
# inside .reveal (never in JupyterLab or the app), and not at all under a project template that
# ships reveal.css and marks its slides with class="reveal dk-reveal". Shown once, with the intro.
REVEAL_FALLBACK_CSS = """<style>
@R { position: relative; width: 100%; height: 100%; overflow: hidden; }
@R .slides { position: absolute; inset: 0; margin: auto; pointer-events: none; z-index: 1; text-align: left; }
@R .slides > section { display: none; position: absolute; width: 100%; height: 100%; overflow-y: auto;
  box-sizing: border-box; padding: 16px 24px; pointer-events: auto; z-index: 10; }
@R .slides > section.past, @R .slides > section.future { opacity: 0; visibility: hidden; }
@R .slides > section.present { display: block; opacity: 1; visibility: visible; z-index: 11; }
@R .backgrounds, @R .pause-overlay, @R .speaker-notes, @R aside.notes, @R a.anchor-link { display: none; }
@R .aria-status { position: absolute; width: 1px; height: 1px; overflow: hidden; }
@R .progress { position: absolute; left: 0; bottom: 0; width: 100%; height: 4px; z-index: 10; background: #e5e7eb; }
@R .progress span { display: block; height: 100%; background: #1d4ed8; transform-origin: 0 0; }
@R .slide-number { position: absolute; right: 8px; bottom: 10px; z-index: 31; padding: 4px 8px;
  background: #1d4ed8; color: #fff; font-size: 14px; }
@R .slide-number a { color: inherit; text-decoration: none; }
@R .controls { position: absolute; right: 12px; bottom: 40px; z-index: 11; }
@R .controls button { display: none; width: 44px; height: 44px; margin-left: 6px; border: 0; border-radius: 50%;
  background: #1d4ed8; color: #fff; font-size: 28px; line-height: 44px; cursor: pointer; }
@R .controls button.enabled { display: inline-block; }
@R .controls .navigate-left.enabled::after { content: "‹"; }
@R .controls .navigate-right.enabled::after { content: "›"; }
@R .controls .navigate-up, @R .controls .navigate-down { display: none !important; }
</style>""".replace("@R", ".reveal:not(.dk-reveal)")

PRACTICE_MISSING = ("Övningsformuläret är inte klart än. När handläggarnas formulär finns i verktyget visas det här, "
                    "kopplat till en tillfällig databas som töms när sidan stängs. Inget du skriver här sparas "
                    "i de riktiga ärendena.")
PRACTICE_BROKEN = ("Övningsformuläret kunde inte startas just nu. Övningarna ovan fungerar som vanligt. "
                   "Be den som ansvarar för verktyget att titta på det.")
KIND_HINTS = {
    "classification": "Välj den bedömning som svaren i fallet pekar på.",
    "steps": "Kryssa i alla steg som gäller. Kryssa inte i något om inget av stegen gäller.",
    "documentation": "Kryssa i allt som ska dokumenteras i fallet.",
    "consent": "Här är åtgärderna i fallet. Kryssa i de som kräver personens samtycke.",
}


def _panel(*children: w.Widget, cls: str = "") -> w.VBox:
    box = w.VBox([w.HTML(CSS), *children], layout=w.Layout(width="100%"))
    box.add_class("dk-train")
    if cls:
        box.add_class(cls)
    return box


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(p)}</p>" for p in text.split("\n\n") if p.strip())


def feedback_html(fb: Feedback, counted: bool = True) -> str:
    kind = "dk-fb-ok" if fb.correct else "dk-fb-wrong"
    points = "".join(f"<li>{esc(p)}</li>" for p in fb.points)
    trainer = (f"<p><strong>Utbildarens kommentar:</strong> {esc(fb.trainer_note)}</p>" if fb.trainer_note else "")
    later = "" if counted else '<p class="dk-hint">Bara ditt första svar på en fråga räknas i poängen.</p>'
    return (f'<div class="dk-fb {kind}" role="status" aria-live="polite">'
            f'<p class="dk-fb-head">{esc(fb.headline)}</p>'
            f"<p>Ditt svar: {esc(fb.given)}<br>Rätt svar enligt riktlinjen: {esc(fb.expected)}</p>"
            f"<p>{esc(fb.explanation)}</p>{f'<ul>{points}</ul>' if points else ''}{trainer}{later}"
            f"{_quote_from_feedback(fb)}</div>")


def _quote_from_feedback(fb: Feedback) -> str:
    law = f" · {esc(fb.law)}" if fb.law else ""
    return (f'<figure class="dk-quote"><figcaption>Riktlinjen, {esc(fb.section_heading)}{law}</figcaption>'
            f"<blockquote>{_paragraphs(fb.section_text)}</blockquote></figure>")


class QuestionView:
    """One question: its input, a 'Svara' button and a feedback area (role=status)."""

    def __init__(self, app: "TrainingApp", sc: Scenario, q: TrainingQuestion, number: int):
        self.app, self.sc, self.q = app, sc, q
        g = app.g
        total = len(sc.questions)
        hint = KIND_HINTS.get(q.kind, "")
        if q.kind == "choice":
            hint = ("Kryssa i alla alternativ som stämmer." if q.multiple else "Välj det alternativ som stämmer.")
        if q.kind == "deadline":
            rule = g.deadline(q.deadline)
            hint = f"Fristen gäller: {rule.label}. Välj den sista dagen."
        header = w.HTML(f'<h3>Fråga {number} av {total}: {esc(q.prompt)}</h3><p class="dk-hint">{esc(hint)}</p>')
        opts = choices(g, sc, q)
        self.checkboxes: list[tuple[w.Checkbox, str]] = []
        if q.kind in ("classification", "choice") and not q.multiple:
            self.input = w.RadioButtons(options=opts, value=None, description="Ditt svar:",
                                        style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        elif q.multiple:
            # Checkboxes rather than a multi-select list: each option has its own label and
            # works with Tab and Space, without Ctrl-click.
            self.checkboxes = [(w.Checkbox(value=False, description=label, indent=False,
                                           layout=w.Layout(width="auto")), value) for label, value in opts]
            self.input = w.VBox([c for c, _ in self.checkboxes])
        else:
            self.input = w.DatePicker(description="Sista dag:", value=None,
                                      style={"description_width": "initial"})
        self.button = w.Button(description="Svara", button_style="primary",
                               tooltip="Svara och få återkoppling direkt")
        self.feedback = w.HTML('<div role="status" aria-live="polite"></div>')
        self.button.on_click(lambda _b: self.answer())
        self.box = w.VBox([header, self.input, self.button, self.feedback])
        self.box.add_class("dk-question")
        self.box.add_class(f"dk-q-{sc.id}-{q.id}")

    def value(self):
        if self.q.multiple:
            return [v for c, v in self.checkboxes if c.value]
        return self.input.value

    def answer(self) -> Feedback | None:
        try:
            fb = evaluate(self.app.g, self.sc, self.q, self.value())
        except UserError as e:
            self.feedback.value = message("error", str(e))
            return None
        counted = self.app.score.record(self.sc, self.q, fb)
        self.feedback.value = feedback_html(fb, counted)
        self.app.refresh_score()
        return fb


class TrainingApp:
    """One training session: the scenarios, the score and every panel shown in the notebook."""

    def __init__(self, scenarios: ScenarioSet | None = None, g: Guideline | None = None):
        self.g = g or default_guideline()
        # A municipality without a scenario file (or with a broken one) still gets the guideline part,
        # and every scenario cell says why there are no exercises (issue 11, point 6).
        self.scenario_problem = ""
        try:
            self.scenarios = scenarios or default_scenarios()
        except ScenarioError as e:
            self.scenario_problem = str(e)
            self.scenarios = ScenarioSet("", "", self.g.id, (), None)
        self.score = Score(self.scenarios)
        self._score_views: list[w.HTML] = []
        self.questions: dict[tuple[str, str], QuestionView] = {}

    # ---- intro and guideline ----
    def intro(self) -> w.VBox:
        from .a11y import enable_radio_groups
        enable_radio_groups()  # the exercises' answer groups: one Tab stop each, arrow keys inside
        g, n = self.g, len(self.scenarios.scenarios)
        parts = [
            f"<p>Här övar du på {esc(g.title)} i {esc(g.municipality)}. Du läser riktlinjen avsnitt för avsnitt"
            + (f" och prövar den sedan på {n} påhittade övningsfall.</p>" if n else ".</p>"),
            "<p>Svaren räknas fram med samma regler som handläggarnas verktyg använder. Efter varje svar ser du "
            "om det stämde, varför, och vad riktlinjen säger.</p>",
            '<p class="dk-hint">Alla personer, kommuner och hyresvärdar i övningsfallen är påhittade.</p>',
        ]
        if self.scenario_problem:
            parts.append(self._no_scenarios_html())
        problems = drift(self.g, self.scenarios)
        if problems:
            items = "".join(f"<li>{esc(p)}</li>" for p in problems)
            parts.append(f'<div class="dk-error" role="alert"><p>Till utbildaren: några förväntade svar i '
                         f"övningsfilen stämmer inte längre med riktlinjen. Återkopplingen följer riktlinjen.</p>"
                         f"<ul>{items}</ul></div>")
        return _panel(w.HTML(REVEAL_FALLBACK_CSS + "".join(parts)))

    def section(self, section_id: str) -> w.VBox:
        """One guideline section: its text quoted from the guideline file, and what the kit does with it."""
        return _panel(w.HTML(self.section_html(section_id)), cls="dk-section")

    def section_html(self, section_id: str) -> str:
        g = self.g
        s = g.section(section_id)
        if s is None:
            return message("error", f"Avsnitt {section_id} finns inte i riktlinjen.")
        parts = [f"<h2>{esc(s.id)} {esc(s.title)}</h2>",
                 f'<figure class="dk-quote"><figcaption>Riktlinjens text</figcaption>'
                 f"<blockquote>{_paragraphs(s.text)}</blockquote></figure>"]
        kit = []
        rules = [(g.classification_labels[o.id], [r.text for r in o.requires]) for o in g.outcomes if o.section == s.id]
        supporting = {q for o in g.outcomes for q in o.supported_by}
        signs = [q.label for q in g.questions.values() if q.section == s.id and q.id in supporting]
        acts = [a.label for a in g.actions if a.section == s.id]
        dls = [d.label for d in g.deadlines if d.section == s.id]
        if rules:
            kit.append("<p>Förslaget till bedömning följer avsnittets regler. Det första förslaget vars alla "
                       "villkor är uppfyllda gäller; annars blir förslaget Oklart – utred vidare.</p><ul>"
                       + "".join(f"<li>{esc(label)}: {esc(' '.join(texts))}</li>" for label, texts in rules) + "</ul>")
        if signs:
            kit.append("<p>Frågor om tecken som kan stärka en misstanke, men aldrig skapa en på egen hand:</p><ul>"
                       + "".join(f"<li>{esc(x)}</li>" for x in signs) + "</ul>")
        if acts:
            kit.append("<p>Åtgärder:</p><ul>" + "".join(f"<li>{esc(x)}</li>" for x in acts) + "</ul>")
        if dls:
            kit.append("<p>Tidsfrister:</p><ul>" + "".join(f"<li>{esc(x)}</li>" for x in dls) + "</ul>")
        if kit:
            parts.append('<div class="dk-kit"><h3>Så använder handläggarnas verktyg avsnittet</h3>'
                         + "".join(kit) + "</div>")
        return "".join(parts)

    def guideline_browser(self) -> w.VBox:
        """Every section, one at a time, chosen from a list."""
        opts = [(f"{s.id} {s.title}", s.id) for s in self.g.sections]
        pick = w.Dropdown(options=opts, value=opts[0][1], description="Avsnitt:",
                          style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        view = w.HTML(self.section_html(pick.value))
        pick.observe(lambda ch: setattr(view, "value", self.section_html(ch["new"])), names="value")
        return _panel(pick, view)

    # ---- scenarios ----
    def question_view(self, sc: Scenario, q: TrainingQuestion, number: int) -> QuestionView:
        key = (sc.id, q.id)
        if key not in self.questions:
            self.questions[key] = QuestionView(self, sc, q, number)
        return self.questions[key]

    def scenario_widget(self, sc: Scenario) -> w.VBox:
        qs = self.g.questions
        dates = "".join(f"<li>{esc(qs[k].label)}: {esc(swedish_date(sc.answers[k]))}</li>" for k in sc.dates)
        decision = (f"<li>Registrerat beslut: {esc(self.g.decision_options[sc.decision])}</li>"
                    if sc.decision else "")
        head = w.HTML(f"<h2>{esc(sc.title)}</h2>"
                      f'<p class="dk-meta">Dagens datum i övningen: {esc(swedish_date(sc.today, weekday=True))}</p>')
        story = w.HTML(
            f'<div class="dk-story">{_paragraphs(sc.story)}</div>'
            + (f'<details><summary>Datum och beslut i fallet</summary><ul>{dates}{decision}</ul></details>'
               if dates or decision else ""))
        # Only the question on show is built; the others when the trainee gets to them (a page
        # with every scenario stays light).
        number = {q.id: i for i, q in enumerate(sc.questions, start=1)}
        holder = w.VBox([self.question_view(sc, sc.questions[0], 1).box])
        right = [holder]
        if len(sc.questions) > 1:
            pick = w.Dropdown(options=[(f"Fråga {i}: {q.prompt}", q.id) for i, q in enumerate(sc.questions, start=1)],
                              value=sc.questions[0].id, description="Visa fråga:",
                              style={"description_width": "initial"}, layout=w.Layout(width="auto", max_width="30em"))
            nxt = w.Button(description="Nästa fråga", tooltip="Gå till nästa fråga i övningsfallet")
            ids = list(number)

            def show(ch):
                if ch["new"] in number:  # any client can set a value: ignore unknown ones
                    holder.children = [self.question_view(sc, sc.question(ch["new"]), number[ch["new"]]).box]

            pick.observe(show, names="value")
            nxt.on_click(lambda _b: setattr(pick, "value", ids[(ids.index(pick.value) + 1) % len(ids)]))
            right.insert(0, w.HBox([pick, nxt]))
        # Story and questions side by side where there is room (slides, wide screens), stacked otherwise.
        columns = w.Box([w.VBox([story], layout=w.Layout(flex="1 1 360px", min_width="280px")),
                         w.VBox(right, layout=w.Layout(flex="1 1 440px", min_width="300px"))],
                        layout=w.Layout(display="flex", flex_flow="row wrap", align_items="flex-start",
                                        grid_gap="8px 28px", width="100%"))
        return w.VBox([head, columns])

    def _no_scenarios_html(self) -> str:
        return message("error", "Övningsfallen kunde inte läsas, så sidan visar bara riktlinjen. "
                                f"{self.scenario_problem} Utbildaren lägger övningsfallen i en fil "
                                f"scenarios/{self.g.id}.yaml (eller anger filen i DUMPNING_SCENARIOS).")

    def scenario(self, scenario_id: str) -> w.VBox:
        """One scenario: the story and its questions."""
        if self.scenario_problem:
            return _panel(w.HTML(self._no_scenarios_html()))
        try:
            sc = self.scenarios.scenario(scenario_id)
        except KeyError:
            return _panel(w.HTML(message("error", f"Övningsfallet '{scenario_id}' finns inte i övningsfilen.")))
        return _panel(self.scenario_widget(sc), cls="dk-scenario")

    def scenarios_panel(self) -> w.VBox:
        """Every scenario in the file, one after the other (the slides show one per slide)."""
        return w.VBox([self.scenario(s.id) for s in self.scenarios.scenarios], layout=w.Layout(width="100%"))

    def scenario_picker(self) -> w.VBox:
        """Every scenario in the file, chosen from a list (new scenarios appear here by themselves)."""
        opts = [(s.title, s.id) for s in self.scenarios.scenarios]
        if not opts:
            return _panel(w.HTML(self._no_scenarios_html() if self.scenario_problem else
                                 message("hint", "Övningsfilen har inga övningsfall.")))
        pick = w.Dropdown(options=opts, value=opts[0][1], description="Övningsfall:",
                          style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        holder = w.VBox([self.scenario_widget(self.scenarios.scenarios[0])])

        def show(ch):
            holder.children = [self.scenario_widget(self.scenarios.scenario(ch["new"]))]

        pick.observe(show, names="value")
        return _panel(pick, holder)

    # ---- score and certificate ----
    def score_html(self) -> str:
        rows = []
        for s in self.scenarios.scenarios:
            done = [q for q in s.questions if self.score.answered(s, q)]
            right = sum(1 for q in done if self.score.results[(s.id, q.id)])
            rows.append(f"<tr><td>{esc(s.title)}</td><td>{len(done)} av {len(s.questions)}</td>"
                        f"<td>{right}</td></tr>")
        return (f'<div role="status" aria-live="polite"><p>{esc(self.score.summary(self.g))}</p></div>'
                '<table class="dk-table"><caption class="dk-hint" style="text-align:left">Per övningsfall'
                '</caption><thead><tr><th scope="col">Övningsfall</th><th scope="col">Besvarade</th>'
                '<th scope="col">Rätt</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>")

    def refresh_score(self) -> None:
        html = self.score_html()
        for v in self._score_views:
            v.value = html

    def score_panel(self) -> w.VBox:
        view = w.HTML(self.score_html())
        self._score_views.append(view)
        return _panel(view)

    def certificate_panel(self) -> w.VBox:
        name = w.Text(description="Ditt namn:", placeholder="För- och efternamn",
                      style={"description_width": "initial"}, layout=w.Layout(width="28em"))
        button = w.Button(description="Skapa intyg", button_style="primary",
                          tooltip="Skapa ett utbildningsintyg som HTML-fil")
        out = w.HTML('<div role="status" aria-live="polite"></div>')

        def make(_b):
            try:
                html = certificate_html(name.value, self.score, self.g)
            except UserError as e:
                out.value = message("error", str(e))
                return
            data = base64.b64encode(html.encode("utf-8")).decode("ascii")
            out.value = (f'<div role="status" aria-live="polite"><p class="dk-ok">Intyget för '
                         f'{esc(name.value.strip())} är klart.</p><p><a download="utbildningsintyg.html" '
                         f'href="data:text/html;charset=utf-8;base64,{data}">Ladda ned intyget (HTML)</a></p></div>')

        button.on_click(make)
        intro = w.HTML(f"<p>Intyget visar ditt namn, ditt resultat och vilka avsnitt du har "
                       f"övat på. Inget annat om dig sparas eller skickas någonstans.</p>"
                       f"<p>Gränsen för godkänt är {self.score.pass_mark} % av alla frågor rätt på första "
                       f"försöket ({self.score.needed} av {self.score.total}). Intyget visar om du har nått den.</p>")
        return _panel(intro, name, button, out)

    # ---- practice case form ----
    def practice_panel(self) -> w.VBox:
        """The caseworker form on a throwaway in-memory database, once the kit has it."""
        intro = w.HTML("<p>Här kan du pröva ett övningsfall i samma formulär som handläggarna använder. "
                       "Formuläret sparar i en tillfällig databas som töms när sidan stängs.</p>")
        return _panel(intro, practice_form())


def practice_form() -> w.Widget:
    """dumpning_kit.ui.app.practice_app(), imported lazily; a plain note while it does not exist."""
    try:
        from . import app as app_module
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("dumpning_kit.ui.app"):
            return w.HTML(message("hint", PRACTICE_MISSING))
        log.exception("practice form could not be imported")
        return w.HTML(message("hint", PRACTICE_BROKEN))
    except Exception:  # a half-built module must not break the training slides
        log.exception("practice form could not be imported")
        return w.HTML(message("hint", PRACTICE_BROKEN))
    practice_app = getattr(app_module, "practice_app", None)
    if practice_app is None:
        return w.HTML(message("hint", PRACTICE_MISSING))
    try:
        app = practice_app()
    except Exception:
        log.exception("practice form could not be started")
        return w.HTML(message("hint", PRACTICE_BROKEN))
    widget = app if isinstance(app, w.Widget) else getattr(app, "widget", None)  # CaseApp keeps it in .widget
    if not isinstance(widget, w.Widget):
        log.error("practice_app() returned %r, not a widget", type(app))
        return w.HTML(message("hint", PRACTICE_BROKEN))
    return widget
