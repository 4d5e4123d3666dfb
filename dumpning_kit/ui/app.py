"""The caseworker app: the case list and the wizard, switched in one page."""
from __future__ import annotations

import logging
import os

import ipywidgets as w
from IPython.display import display

from ..errors import GuidelineError, UserError
from ..store import Store
from .a11y import enable_radio_groups
from .caselist import CaseList
from .common import message

log = logging.getLogger(__name__)


class CaseApp:
    def __init__(self, store: Store | None = None, banner: str = "", case_id: int | None = None,
                 open_by_link: bool = True):
        self.store = store or Store()
        self.open_by_link = open_by_link
        self.banner = w.HTML(banner)
        self.error = w.HTML()
        self.main = w.VBox()
        self.widget = w.VBox([self.banner, self.error, self.main], layout=w.Layout(width="100%"))
        self.widget.add_class("dk-app")
        if case_id is None:
            self.show_list()
        else:
            self.open_case(case_id)

    def show_list(self) -> None:
        self.error.value = ""
        self.main.children = [CaseList(self.store, self.open_case, open_by_link=self.open_by_link).widget]

    def open_case(self, case_id: int | None) -> None:
        from .wizard import UNEXPECTED, CaseWizard  # not needed for the case list, the usual first screen
        try:
            case = self.store.get(case_id) if case_id is not None else None
            self.main.children = [CaseWizard(self.store, case, on_exit=self.show_list).widget]
            self.error.value = ""
        except UserError as e:
            self.error.value = message("error", str(e))
            self.main.children = [CaseList(self.store, self.open_case, open_by_link=self.open_by_link).widget]
        except Exception:
            log.exception("open failed")
            self.error.value = message("error", UNEXPECTED)


def warm_up() -> None:
    """Called by the app notebook before it waits for the page request. In a kernel Voilà has
    preheated, this is idle time: import what any screen of the app may need and parse the
    guideline into its cache, so the request only pays for the page itself. The cache is keyed
    by the file's modification time and the settings are read again after the request, so an
    edited YAML file still shows at the next page load. In any other kernel it does nothing:
    there the work would only delay the first screen."""
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    try:
        from sqlalchemy.dialects import sqlite  # noqa: F401 (loaded by the first query otherwise)

        from .. import export, guideline, workdays  # noqa: F401
        from ..settings import load_settings, today
        from . import documents, wizard  # noqa: F401
        path = load_settings().guideline_path  # not cached: read again after the request
        guideline._cached(str(path), path.stat().st_mtime)
        workdays.is_closed_day(today())  # the holiday calendar (and its country modules)
    except Exception:  # a broken file is reported by the page itself, after the request
        log.debug("warm-up failed", exc_info=True)


def show_app(case_id: int | None = None) -> CaseApp | None:
    """Entry point for notebooks/arende.ipynb."""
    try:
        app = CaseApp(case_id=case_id)
    except GuidelineError as e:
        display(w.HTML(message("error", f"Riktlinjefilen eller inställningarna har ett fel: {e}")))
        return None
    display(app.widget)
    enable_radio_groups()
    return app


def practice_app() -> CaseApp:
    """The wizard on a throwaway in-memory database, for training."""
    app = CaseApp(Store("sqlite://"), open_by_link=False, banner=message(
        "hint", "Övningsläge: ärenden sparas bara i minnet och försvinner när du stänger sidan."))
    return app
