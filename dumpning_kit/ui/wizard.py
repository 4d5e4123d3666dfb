"""The step wizard for one case, generated from the guideline file."""
from __future__ import annotations

import datetime as dt
import logging
from typing import Callable

import ipywidgets as w

from ..assessment import CaseState
from ..case import Case, clean_value
from ..errors import StaleWriteError, UserError, ValidationError
from ..guideline import Step
from ..settings import today
from ..store import EVENT_LABELS, Store
from .common import badge, esc, fmt_date, fmt_time, message
from .fields import QuestionField, changed_values
from .safe_text import SafeTextarea
from .panel import panel_html, section_details

log = logging.getLogger(__name__)
SUMMARY = "sammanstallning"
UNEXPECTED = ("Något gick fel och ingenting sparades. Försök igen. Kontakta systemförvaltaren om felet "
              "kommer tillbaka.")


class CaseWizard:
    """One case, step by step. `on_exit` is called when the user goes back to the case list."""

    def __init__(self, store: Store, case: Case | None, on_exit: Callable[[], None] | None = None):
        self.store, self.g, self.case, self.on_exit = store, store.g, case, on_exit
        self.fields: dict[str, QuestionField] = {}
        self._document_panel = None
        self.step_ids = [s.id for s in self.g.steps] + [SUMMARY]
        self.current = 0
        self.title = w.HTML()
        back = w.Button(description="Till ärendelistan", icon="", tooltip="Tillbaka till listan med ärenden")
        back.on_click(lambda _b: self._leave())
        self.nav_buttons = [w.Button(layout=w.Layout(width="auto")) for _ in self.step_ids]
        for i, b in enumerate(self.nav_buttons):
            b.on_click(lambda _b, i=i: self.go(i))
        self.progress = w.HTML()
        self.status = w.HTML()
        self.next_up = w.HTML()
        self.next_button = w.Button(description="Gå till steget", tooltip="Gå till steget med nästa åtgärd",
                                    layout=w.Layout(width="auto"))
        self.next_button.on_click(lambda _b: self.go(self._next_step_index))
        self._next_step_index = 0
        self.body = w.VBox(layout=w.Layout(width="100%"))
        self.panel = w.HTML(layout=w.Layout(width="100%"))
        main = w.VBox([self.progress, self.body], layout=w.Layout(flex="3 1 420px", min_width="0"))
        side = w.VBox([self.panel], layout=w.Layout(flex="2 1 320px", min_width="0", margin="0 0 0 16px"))
        self.widget = w.VBox([
            w.HBox([back], layout=w.Layout(margin="8px 0")), self.title,
            w.HBox(self.nav_buttons, layout=w.Layout(flex_flow="row wrap")),
            w.HBox([self.next_up, self.next_button], layout=w.Layout(align_items="center")),
            w.HBox([main, side], layout=w.Layout(width="100%", align_items="flex-start", flex_flow="row wrap")),
        ])
        self.widget.add_class("dk-wizard")
        if case is not None:
            store.log(case.id, "oppnat", {"vy": "arende"})
        self.go(0, save=False)

    # ---- state ----
    @property
    def saved_answers(self) -> dict:
        return self.case.answers if self.case else {}

    def preview_state(self) -> CaseState:
        """State from saved answers plus the valid part of what is on screen, before saving."""
        answers = dict(self.saved_answers)
        for qid, raw in changed_values(self.fields, self.saved_answers).items():
            try:
                answers[qid] = clean_value(self.g.question(qid), raw, own_code=self.store.settings.municipality_code)
            except ValueError:
                continue
            if answers[qid] is None:
                answers.pop(qid)
        decision = self.case.decision.outcome if self.case and self.case.decision else None
        return CaseState(self.g, answers, decision=decision, closed=bool(self.case and self.case.closed),
                         today=today())

    # ---- rendering ----
    def _render_chrome(self, st: CaseState) -> None:
        name = self.saved_answers.get("namn")
        dnr = self.saved_answers.get("diarienummer")
        self.title.value = (f"<h1>Ärende {esc(dnr)}{' – ' + esc(name) if name else ''}</h1>" if self.case
                            else "<h1>Nytt ärende</h1>")
        statuses = {s.step.id: s for s in st.steps}
        open_steps = {i.action.step for i in st.action_plan if i.open}
        for i, (sid, b) in enumerate(zip(self.step_ids, self.nav_buttons)):
            title = self.g.step(sid).title if sid != SUMMARY else "Sammanställning"
            mark = ""
            if sid in statuses and self.case is not None:
                status = statuses[sid].status
                if status == "klart" and sid in open_steps:
                    status = "ofullstandigt"
                mark = {"klart": " ✓", "ej_aktuellt": " (ej aktuellt)", "ofullstandigt": " (pågår)"}.get(status, "")
            here = i == self.current
            b.description = f"{'▸ ' if here else ''}{i + 1}. {title}{mark}"
            b.button_style = "primary" if here else ""
            b.tooltip = "Du är här" if here else f"Gå till steget {title}"
            b.disabled = self.case is None and i > 0  # a new case starts with its case data
        closed = " · <strong>Ärendet är avslutat</strong>" if self.case is not None and self.case.closed else ""
        self.progress.value = f"<p>Steg {self.current + 1} av {len(self.step_ids)}{closed}</p>"
        self._render_next(st)
        self.panel.value = panel_html(st, self.store.settings)

    def _render_next(self, st: CaseState) -> None:
        """The most urgent open action, so a caseworker who opens a case knows what to do next."""
        first = st.next_action if self.case is not None else None
        if first is None:
            self.next_up.value, self.next_button.layout.display = "", "none"
            return
        due = f" {badge(first.deadline.status, first.deadline.describe())}" if first.deadline else ""
        self.next_up.value = f'<p class="dk-next"><strong>Nästa att göra:</strong> {esc(first.action.label)}{due}</p>'
        self._next_step_index = self.step_ids.index(first.action.step)
        hidden = self._next_step_index == self.current
        self.next_button.layout.display = "none" if hidden else None
        self.next_button.description = f"Gå till {self.g.step(first.action.step).title}"

    def go(self, index: int, save: bool = True) -> None:
        before = self.case.version if self.case is not None else None
        if save and self.case is not None and not self._save_current(quiet=True):
            return  # errors are shown; stay on the step so nothing is lost
        autosaved = self.case is not None and before is not None and self.case.version != before
        self.status.value = (message("ok", f"Svaren i förra steget sparades {fmt_time(self.case.updated_at)[-5:]}.")
                             if autosaved and index != self.current else "")
        self.current = index
        sid = self.step_ids[index]
        st = self.preview_state()
        if sid == SUMMARY:
            self.body.children = self._summary(st)
        else:
            self.body.children = self._step_view(self.g.step(sid), st)
        self._refresh(st)

    def _field(self, qid: str) -> QuestionField:
        if qid not in self.fields:
            q = self.g.question(qid)
            f = QuestionField(self.g, q, self._on_change)
            f.set(self.saved_answers.get(qid))
            self.fields[qid] = f
        return self.fields[qid]

    def _step_view(self, step: Step, st: CaseState) -> list:
        head = w.HTML(f"<h2>{esc(step.title)}</h2>"
                      f"{'<p>' + esc(step.intro) + '</p>' if step.intro else ''}"
                      f"{section_details(self.g, step.section)}")
        if not st.step_applies(step.id):
            return [head, w.HTML(f'<div class="dk-card" role="status"><strong>Steget är inte aktuellt just nu.</strong> '
                                 f"{esc(step.not_applicable)}</div>"), self.status]
        boxes = [self._field(q.id).box for q in step.questions]
        save = w.Button(description="Spara", button_style="primary", tooltip="Spara svaren i det här steget")
        save.on_click(lambda _b: self._save_current())
        nxt = w.Button(description="Spara och gå vidare", tooltip="Spara och gå till nästa steg")
        nxt.on_click(lambda _b: self.go(min(self.current + 1, len(self.step_ids) - 1)))
        if self.case is None:
            save.description = "Skapa ärendet"
            save.tooltip = "Spara uppgifterna och skapa ärendet"
            nxt.layout.display = "none"
        extra = self._decision_box() if step.id == "bedomning" and self.case else []
        return [head, *boxes, w.HBox([save, nxt]), self.status, *extra]

    def _refresh(self, st: CaseState | None = None) -> None:
        st = st or self.preview_state()
        for qid, f in self.fields.items():
            f.show(st.holds(f.q.relevant))
        self._render_chrome(st)

    def _on_change(self) -> None:
        self._refresh()

    # ---- saving ----
    def _clear_errors(self) -> None:
        for f in self.fields.values():
            f.set_error(None)

    def _show_errors(self, errors: dict[str, str]) -> None:
        shown = []
        for qid, text in errors.items():
            if qid in self.fields:
                self.fields[qid].set_error(text)
                self.fields[qid].show(True)
                shown.append(f"{self.g.question(qid).label.rstrip('?*')}: {text}")
            else:
                shown.append(text)
        n = len(errors)
        self.status.value = (message("error", f"Ärendet sparades inte. Rätta {n} {'fel' if n == 1 else 'fel'} och spara igen.")
                             + "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in shown) + "</ul>")

    def _save_current(self, quiet: bool = False) -> bool:
        sid = self.step_ids[self.current]
        if sid == SUMMARY:
            return True
        step = self.g.step(sid)
        step_fields = {q.id: self.fields[q.id] for q in step.questions if q.id in self.fields}
        self._clear_errors()
        try:
            if self.case is None:
                values = {qid: f.value for qid, f in step_fields.items() if f.value is not None}
                self.case = self.store.create_case(values)
            else:
                changes = changed_values(step_fields, self.case.answers)
                if not changes:
                    if not quiet:
                        self.status.value = message("ok", "Inga ändringar att spara.")
                    return True
                self.case = self.store.save_answers(self.case.id, self.case.version, changes, step=sid)
        except ValidationError as e:
            self._show_errors(e.errors)
            return False
        except StaleWriteError as e:
            self._show_stale(str(e), changed_values(step_fields, self.saved_answers))
            return False
        except UserError as e:
            self.status.value = message("error", str(e))
            return False
        except Exception:  # never a traceback in front of a caseworker
            log.exception("save failed")
            self.status.value = message("error", UNEXPECTED)
            return False
        for qid, f in step_fields.items():
            f.set(self.case.answers.get(qid))  # show the normalised values
        saved_at = fmt_time(self.case.updated_at)[-5:]
        notes = [message("ok", f"Sparat {saved_at}")]
        missing = self.store.state(self.case).step_status(step).missing
        if missing:
            notes.append(message("hint", "Sparat, men det här behöver fyllas i innan steget är klart: "
                                 + "; ".join(q.label.rstrip("?") for q in missing) + "."))
        twin = self._same_person()
        if twin:
            notes.append(message("hint", f"Obs: det finns redan ett öppet ärende för samma personnummer: {twin}."))
        self.status.value = "".join(notes)
        self._refresh()
        return True

    def _same_person(self) -> str:
        pnr = self.case.answers.get("personnummer")
        others = [c.diarienummer for c in self.store.list_cases(status="oppet")
                  if c.id != self.case.id and c.answers.get("personnummer") == pnr]
        return ", ".join(others)

    def _show_stale(self, text: str, unsaved: dict) -> None:
        rows = "".join(f"<li><strong>{esc(self.g.question(k).label)}</strong>: {esc(v)}</li>" for k, v in unsaved.items())
        self.status.value = (message("error", text) +
                             (f"<p>Det här hade du skrivit men som inte sparades:</p><ul>{rows}</ul>" if rows else ""))
        reload_btn = w.Button(description="Ladda om ärendet", button_style="warning",
                              tooltip="Hämta den senast sparade versionen")
        reload_btn.on_click(lambda _b: self.reload())
        self.body.children = (*self.body.children, reload_btn)

    def reload(self) -> None:
        self.case = self.store.get(self.case.id)
        self.fields.clear()
        self.go(self.current, save=False)
        self.status.value = message("ok", "Ärendet är omladdat med den senast sparade versionen.")

    def _leave(self) -> None:
        if self.case is not None and not self._save_current(quiet=True):
            return
        if self.on_exit:
            self.on_exit()

    # ---- decision (1.1.3) ----
    def _decision_box(self) -> list:
        d = self.case.decision
        current = (f"<p>Registrerat beslut: <strong>{esc(self.g.decision_options[d.outcome])}</strong> "
                   f"({fmt_date(d.date)}, {esc(d.by)}). Motivering: {esc(d.motivation)}</p>" if d else
                   "<p>Inget beslut är registrerat än.</p>")
        outcome = w.RadioButtons(options=[(v, k) for k, v in self.g.decision_options.items()],
                                 value=d.outcome if d else None, description="Ditt beslut *",
                                 style={"description_width": "initial"}, tooltip="Ditt beslut i ärendet")
        outcome.add_class("dk-q")
        motivation = SafeTextarea(value=d.motivation if d else "", description="Motivering *", rows=4,
                                tooltip="Varför du beslutar så", continuous_update=False,
                                layout=w.Layout(width="100%", max_width="640px"), style={"description_width": "initial"})
        motivation.add_class("dk-q")
        err = w.HTML()
        btn = w.Button(description="Registrera beslut", button_style="primary",
                       tooltip="Spara beslutet med motivering, datum och ditt namn")

        def record(_b):
            err.value = ""
            if not self._save_current(quiet=True):
                return
            try:
                self.case = self.store.record_decision(self.case.id, self.case.version, outcome.value,
                                                       motivation.value)
            except ValidationError as e:
                err.value = "".join(message("error", t) for t in e.errors.values())
                return
            except StaleWriteError as e:
                self._show_stale(str(e), {})
                return
            except Exception:
                log.exception("decision failed")
                err.value = message("error", UNEXPECTED)
                return
            self.go(self.current, save=False)
            self.status.value = message("ok", f"Beslutet är registrerat {fmt_time(self.case.updated_at)[-5:]}")
        btn.on_click(record)
        return [w.HTML(f'<h3>Beslut (avsnitt {esc(self.g.decision_section)})</h3>'
                       '<p class="dk-hint">Verktyget föreslår, du beslutar. Beslutet sparas med datum och ditt namn.'
                       + (f' {esc(self.g.decision_hint)}' if self.g.decision_hint else '') + '</p>'
                       + current), outcome, motivation, err, btn]

    # ---- summary ----
    def _summary(self, st: CaseState) -> list:
        if self.case is None:
            return [w.HTML("<h2>Sammanställning</h2><p>Skapa ärendet först.</p>")]
        out = [w.HTML("<h2>Sammanställning</h2>")]
        open_items = [i for i in st.action_plan if i.open]
        rows = "".join(f"<tr><td>{esc(i.action.label)} <span class=dk-law>(avsnitt {esc(i.action.section)})</span></td>"
                       f"<td>{badge(i.deadline.status, i.deadline.describe()) if i.deadline else '–'}</td></tr>"
                       for i in open_items)
        out.append(w.HTML("<h3>Öppna åtgärder</h3>" + (
            f'<table class="dk-table"><thead><tr><th scope="col">Åtgärd</th><th scope="col">Frist</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>" if rows else "<p>Inga öppna åtgärder.</p>")))
        out.append(w.HTML("<h3>Tidslinje</h3>" + case_dates_html(st, self.case)))
        out.append(w.HTML("<h3>Ändringslogg</h3>" + timeline_html(self.store, self.case)))
        out.append(w.HTML("<h3>Dokument</h3>"))
        out.append(self._documents())
        close = w.Button(description="Öppna ärendet igen" if self.case.closed else "Avsluta ärendet",
                         tooltip="Ändra ärendets status")
        confirm = w.Button(description="Ja, avsluta ärendet", button_style="danger",
                           tooltip="Avsluta ärendet nu", layout=w.Layout(display="none"))
        ask = w.HTML()

        def toggle(_b):
            if not self.case.closed and confirm.layout.display == "none":
                open_items = sum(1 for i in st.action_plan if i.open)
                ask.value = message("hint", "Vill du avsluta ärendet? " + (
                    f"{open_items} åtgärder är inte klara. " if open_items else "") + (
                    "Inget beslut är registrerat. " if self.case.decision is None else "") +
                    "Avslutade ärenden tas bort efter kommunens gallringsfrist.")
                confirm.layout.display = None
                return
            try:
                self.case = self.store.close_case(self.case.id, self.case.version, reopen=self.case.closed)
            except StaleWriteError as e:
                self._show_stale(str(e), {})
                return
            self.go(self.current, save=False)
        close.on_click(toggle)
        confirm.on_click(toggle)
        out.append(w.VBox([ask, w.HBox([close, confirm])], layout=w.Layout(margin="16px 0")))
        return out

    def _documents(self) -> w.Widget:
        """The documents panel, made on the first visit of the summary and refreshed on the next
        (its widgets are reused, so a visit does not send some hundred new widgets, issue 13)."""
        try:
            from .documents import DocumentPanel
        except ImportError:
            return w.HTML("<p>Dokumentexport finns inte i den här versionen.</p>")
        if self._document_panel is None:
            self._document_panel = DocumentPanel(self.store, self.case)
        else:
            self._document_panel.case = self.case
            self._document_panel.refresh()
        return self._document_panel.widget


def case_dates_html(st: CaseState, case: Case) -> str:
    """The case's own dates in order: arrival, contacts, request, answer, IVO, decision."""
    rows = [(v, q.label) for q in st.g.questions.values() if q.type == "date"
            for v in [st.answers.get(q.id)] if v is not None]
    if case.decision:
        rows.append((case.decision.date, f"Beslut: {st.g.decision_options[case.decision.outcome]}"))
    rows.sort(key=lambda r: r[0])
    body = "".join(f'<tr><td class="dk-nowrap">{fmt_date(d)}</td><td>{esc(label)}</td></tr>' for d, label in rows)
    return ('<table class="dk-table"><thead><tr><th scope="col">Datum</th><th scope="col">Händelse</th></tr></thead>'
            f"<tbody>{body}</tbody></table>")


def timeline_html(store: Store, case: Case) -> str:
    g = store.g
    rows = []
    for e in store.events(case.id):
        what = EVENT_LABELS.get(e.kind, e.kind)
        changes = e.detail.get("changes") or {}
        if changes:
            labels = [g.questions[k].label.rstrip("?") for k in changes if k in g.questions]
            what += ": " + ", ".join(labels[:6]) + (f" och {len(labels) - 6} till" if len(labels) > 6 else "")
        if e.kind == "beslut":
            what += ": " + g.decision_options.get((e.detail.get("new") or {}).get("outcome"), "")
        if e.kind == "exporterat":
            what += ": " + str(e.detail.get("title", ""))
        rows.append(f'<tr><td class="dk-nowrap">{esc(fmt_time(e.at))}</td><td>{esc(e.user)}</td><td>{esc(what)}</td></tr>')
    return ('<table class="dk-table"><thead><tr><th scope="col">Tid</th><th scope="col">Vem</th>'
            f'<th scope="col">Vad</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
