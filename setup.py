"""Build step: copy the top-level notebooks/ and templates/ into the wheel.

The top-level folders stay the source of truth (the editable install used for development
reads them in place); a built wheel carries copies in dumpning_kit/_shipped/, where
dumpning_kit.settings.shipped_dir() finds them. All other metadata is in pyproject.toml.
"""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("notebooks", "templates")


class BuildPyWithShipped(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders directly
        for name in SHIPPED:
            dest = Path(self.build_lib) / "dumpning_kit" / "_shipped" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(ROOT / name, dest,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "data"))


setup(cmdclass={"build_py": BuildPyWithShipped})
