"""One widget per guideline question, with its hint and an inline error line."""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import ipywidgets as w

from .. import municipalities
from ..guideline import Guideline, Question
from .common import esc, message
from .safe_text import SafeCombobox, SafeText, SafeTextarea

WIDE = w.Layout(width="100%", max_width="640px")


def _label(q: Question) -> str:
    return f"{q.label}{' *' if q.required else ''}"


def make_input(q: Question) -> w.DOMWidget:
    """The input widget for a question. Values are checked again on the server when saved."""
    # tooltip: without one, ipywidgets writes title="null", which browsers show on hover.
    common = dict(description=_label(q), style={"description_width": "initial"}, tooltip=q.hint or q.label)
    # Text is sent when the field is left (blur or Enter), not per keystroke: fewer messages, and
    # no race between keystrokes and the kernel's echo that could keep a partly typed value.
    typed = dict(common, continuous_update=False)
    if q.type == "textarea":
        wid = SafeTextarea(rows=4, layout=WIDE, **typed)
    elif q.type in ("yes_no", "yes_no_unknown", "choice"):
        wid = w.RadioButtons(options=[(text, key) for key, text in q.options.items()], value=None, **common)
    elif q.type == "date":
        # A text field, not the browser's date picker: its format follows the browser's locale and
        # Chromium can show a typed date that never reached the server. Here what you see is sent.
        wid = SafeText(placeholder="ÅÅÅÅ-MM-DD", **typed)
        wid.add_class("dk-date")
    elif q.type == "kommun":
        wid = SafeCombobox(options=[label for label, _ in municipalities.choices()], ensure_option=False,
                         placeholder="Skriv kommunens namn", layout=WIDE, **typed)
    else:
        wid = SafeText(layout=WIDE, **typed)
    wid.add_class("dk-q")
    return wid


def to_widget_value(q: Question, value: Any) -> Any:
    if value is None:
        return None if q.type in ("yes_no", "yes_no_unknown", "choice") else ""
    if q.type == "date" and isinstance(value, dt.date):
        return value.isoformat()
    if q.type == "kommun":
        m = municipalities.find(str(value))
        return f"{m.short} ({m.code})" if m else str(value)
    if q.type == "integer":
        return str(value)
    return value


def from_widget_value(q: Question, value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


class QuestionField:
    """A question's widget, hint, law note and error line, shown or hidden by relevance."""

    def __init__(self, g: Guideline, q: Question, on_change: Callable[[], None]):
        self.q = q
        self.input = make_input(q)
        parts = []
        if q.hint:
            parts.append(f'<div class="dk-hint">{esc(q.hint)}</div>')
        cite = g.law_text(q.law)
        if cite:  # the note that the law is replaced stands once, in the side panel
            parts.append(f'<div class="dk-law">Avsnitt {esc(q.section)} · {esc(cite)}</div>')
        self.help = w.HTML("".join(parts))
        self.error = w.HTML("")
        self.box = w.VBox([self.input, self.help, self.error], layout=w.Layout(margin="0 0 14px 0"))
        self.input.observe(lambda _change: (self.set_error(None), on_change()), names="value")

    @property
    def value(self) -> Any:
        return from_widget_value(self.q, self.input.value)

    def set(self, value: Any) -> None:
        self.input.value = to_widget_value(self.q, value)

    def show(self, visible: bool) -> None:
        self.box.layout.display = None if visible else "none"

    def set_error(self, text: str | None) -> None:
        self.error.value = message("error", text) if text else ""
        if text:
            self.input.add_class("dk-invalid")
        else:
            self.input.remove_class("dk-invalid")


def changed_values(fields: dict[str, QuestionField], saved: dict) -> dict:
    """Answers the user changed compared with what is stored (as raw widget values)."""
    out = {}
    for qid, f in fields.items():
        v = f.value
        old = saved.get(qid)
        if f.q.type == "date":
            same = (old.isoformat() if isinstance(old, dt.date) else old) == (v.strip() if isinstance(v, str) else v)
        elif f.q.type == "kommun":
            m = municipalities.find(str(v)) if v else None
            same = (m.code if m else v) == old
        elif f.q.type == "integer":
            same = str(v) == str(old) if v is not None and old is not None else v == old
        else:
            same = v == old
        if not same:
            out[qid] = v
    return out
