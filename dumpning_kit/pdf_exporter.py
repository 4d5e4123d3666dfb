"""The PDF printer behind :class:`dumpning_kit.render.PdfRenderer` (see that module).

Kept apart from :mod:`dumpning_kit.render` because defining it needs nbconvert's
``WebPDFExporter``: a kernel that only lists documents does not import nbconvert (issue 13).
"""
from __future__ import annotations

import asyncio
import threading
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from nbconvert.exporters import WebPDFExporter
from traitlets import Float, List, Unicode, default

from .render import CHROMIUM_ARGS, TEMPLATE_DIR, TEMPLATE_NAME, find_chromium

__all__ = ["SystemChromiumPDFExporter"]


class SystemChromiumPDFExporter(WebPDFExporter):
    """``WebPDFExporter`` that prints with the system Chromium and keeps it open.

    Overrides only ``run_playwright(html)``. nbconvert's version starts Playwright,
    launches Playwright's own Chromium (no executable-path setting), prints one page and
    closes everything, inside ``asyncio.run`` on a throw-away thread. Here one
    background thread runs one event loop for the exporter's lifetime; the browser is
    launched on first use and reused until :meth:`close`. Documents are printed in one
    page of one browser context with JavaScript off, network emulation offline and every
    request aborted; each is loaded with ``set_content`` (no temp file, document URL
    about:blank) and the page is blanked after printing. A page or browser that fails
    is replaced on the next conversion.

    Conversions are serialised with a lock; use one exporter per thread for parallelism.
    ``paginate``, ``page_render_timeout``, ``allow_chromium_download`` and
    ``disable_sandbox`` of the parent are not used (always A4 pages from the template's
    ``@page`` rule, no JavaScript to wait for, no downloads, ``--no-sandbox`` is in
    ``browser_args``).
    """

    chromium_path = Unicode(
        None, allow_none=True, help="Chromium executable; None: find_chromium()."
    ).tag(config=True)
    timeout = Float(60.0, help="Seconds allowed for launching Chromium or printing one document.").tag(
        config=True
    )
    browser_args = List(Unicode(), help="Command line arguments for Chromium.").tag(config=True)

    @default("browser_args")
    def _browser_args_default(self):
        return list(CHROMIUM_ARGS)

    @default("template_name")
    def _template_name_default(self):
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(TEMPLATE_DIR)]

    @default("exclude_input")
    def _exclude_input_default(self):
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self):
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self):
        return True

    @default("language_code")
    def _language_code_default(self):
        return "sv"

    def __init__(self, **kw):
        super().__init__(**kw)
        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._playwright = None
        self._browser = None
        self._page = None
        #: How many times a browser was launched by this exporter.
        self.launch_count = 0
        #: Every URL any printed page asked for (data:, about: and blocked ones).
        self.requests_seen: list[str] = []
        #: URLs that were blocked (every request the routing saw).
        self.requests_blocked: list[str] = []

    # -- the one overridden nbconvert hook ------------------------------------

    def run_playwright(self, html):
        """Print ``html`` to PDF bytes in the shared browser (overrides nbconvert)."""
        with self._lock:
            loop = self._ensure_loop()
            future = asyncio.run_coroutine_threadsafe(self._print(html), loop)
            try:
                return future.result(timeout=self.timeout * 2)
            except FutureTimeout as e:
                future.cancel()
                msg = "Det gick inte att skapa PDF: Chromium svarade inte i tid."
                raise RuntimeError(msg) from e

    # -- lifecycle ----------------------------------------------------------

    @property
    def browser_open(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def close(self) -> None:
        """Close the browser, stop Playwright and the loop thread. Safe to call twice."""
        with self._lock:
            loop, thread = self._loop, self._thread
            if loop is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=self.timeout)
            except Exception:  # noqa: BLE001 - closing; the browser may already be gone
                self.log.debug("Chromium shutdown failed", exc_info=True)
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=self.timeout)
            loop.close()
            self._loop = self._thread = None

    def __enter__(self) -> SystemChromiumPDFExporter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ----------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="dumpning-kit-chromium", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def _get_browser(self):
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._page = None
        try:
            from playwright.async_api import async_playwright  # noqa: PLC0415
        except ModuleNotFoundError as e:
            msg = "Det gick inte att skapa PDF: Python-paketet playwright är inte installerat."
            raise RuntimeError(msg) from e
        executable = self.chromium_path or find_chromium()
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(
                executable_path=executable,
                args=list(self.browser_args),
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
                timeout=self.timeout * 1000,
            )
        except Exception as e:
            msg = f"Det gick inte att skapa PDF: Chromium ({executable}) kunde inte startas."
            raise RuntimeError(msg) from e
        self.launch_count += 1
        return self._browser

    async def _block(self, route) -> None:
        self.requests_blocked.append(route.request.url)
        await route.abort("blockedbyclient")

    async def _get_page(self):
        """The one printing page (reused: a new page costs a renderer process, ~0.25 s)."""
        browser = await self._get_browser()
        if self._page is not None:
            if not self._page.is_closed():
                return self._page
            await self._close_quietly(self._page.context)
            self._page = None
        context = await browser.new_context(
            java_script_enabled=False,
            offline=True,
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
        )
        await context.route("**/*", self._block)
        page = await context.new_page()
        page.on("request", lambda request: self.requests_seen.append(request.url))
        await page.emulate_media(media="print")
        self._page = page
        return page

    async def _print(self, html: str) -> bytes:
        page = await self._get_page()
        timeout_ms = self.timeout * 1000
        try:
            await page.set_content(html, wait_until="load", timeout=timeout_ms)
            return await page.pdf(
                format="A4",
                prefer_css_page_size=True,
                print_background=True,
                tagged=True,
                outline=True,
            )
        except Exception:
            # Start the next document from a fresh page (and browser, if it died).
            self._page = None
            await self._close_quietly(page.context)
            raise
        finally:
            if self._page is not None:
                # Leave nothing of this document in the page between conversions.
                await self._page.set_content("", timeout=timeout_ms)

    @staticmethod
    async def _close_quietly(closable) -> None:
        try:
            await closable.close()
        except Exception:  # noqa: BLE001, S110 - already closed or browser gone
            pass

    async def _shutdown(self) -> None:
        browser, pw = self._browser, self._playwright
        self._browser = self._playwright = self._page = None
        try:
            if browser is not None:
                await browser.close()
        finally:
            if pw is not None:
                await pw.stop()
