"""Voilà for dumpning-kit: the caseworker app at '/', the other notebooks under /voila/render/.

A small subclass of Voilà's app: in directory mode it serves the case app at the root instead
of the notebook listing, and leaves out the listing and contents API (nothing to browse).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler
from jupyter_server.utils import url_path_join

PACKAGE_DIR = Path(__file__).resolve().parent
NOTEBOOKS = PACKAGE_DIR.parent / "notebooks"
APP_NOTEBOOK = "arende.ipynb"
# Notebooks that are not served preheated: analysts open them in JupyterLab.
NOT_PREHEATED = ["analys.ipynb"]


class DumpningVoila(Voila):
    name = "dumpning-kit"

    def init_handlers(self):
        handlers = super().init_handlers()
        root = self.server_url
        dropped = {root, url_path_join(root, r"/voila/tree")}
        kept = [h for h in handlers
                if not any(h[0] == d or h[0].startswith(url_path_join(root, "/voila/tree")) for d in dropped)
                and "/voila/api/contents" not in h[0]]
        kept.insert(0, (root, TornadoVoilaHandler, {
            "notebook_path": APP_NOTEBOOK, "template_paths": self.template_paths,
            "config": self.config, "voila_configuration": self.voila_configuration}))
        return kept


def voila_argv(port: int, ip: str = "127.0.0.1", preheat: bool = True, pool_size: int = 1,
               cull_seconds: int = 900, root: Path = NOTEBOOKS) -> list[str]:
    """Command-line settings for Voilà; kept here so serve, tests and bench agree."""
    argv = [
        str(root),
        f"--port={port}", f"--Voila.ip={ip}", "--no-browser",
        "--Voila.open_browser=False",
        f"--Voila.root_dir={root}",
        "--VoilaConfiguration.template=dumpning",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.theme=light",
        "--HTMLExporter.language_code=sv",
        "--VoilaExporter.language_code=sv",
        f"--MappingKernelManager.cull_idle_timeout={cull_seconds}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]
    if preheat:
        argv += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
                 f"--VoilaKernelManager.preheat_blacklist={NOT_PREHEATED!r}"]
    return argv


def slides_argv(port: int, ip: str = "127.0.0.1") -> list[str]:
    """The training notebook as slides: Swedish, offline reveal template shipped in the package."""
    return [str(NOTEBOOKS / "utbildning.ipynb"), f"--port={port}", f"--Voila.ip={ip}", "--no-browser",
            "--VoilaConfiguration.template=dumpning_reveal", "--VoilaConfiguration.strip_sources=True",
            "--VoilaConfiguration.show_tracebacks=False", "--HTMLExporter.language_code=sv",
            "--MappingKernelManager.cull_idle_timeout=900", "--MappingKernelManager.cull_interval=60"]


def _template_path() -> None:
    # Voilà looks for templates under <jupyter path>/voila/templates; ours ship in the package.
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(PACKAGE_DIR), os.environ.get("JUPYTER_PATH")) if p)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _template_path()
    DumpningVoila.launch_instance(argv=argv if argv is not None else sys.argv[1:])


def slides_main(argv: list[str]) -> None:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    _template_path()
    Voila.launch_instance(argv=argv)


if __name__ == "__main__":
    main()
