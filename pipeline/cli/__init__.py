"""Command-line interface: thin typer commands over the library functions, one module each.

Heavy libraries (torch, transformers) are imported inside the commands that need them, so
``pipeline --help`` starts fast. Library errors become one ``error:`` line and an exit code;
every message is printed with control characters escaped (:mod:`.common`).
"""

from __future__ import annotations

from .common import LockOpt, app, fail, models_app, read_document, say  # noqa: F401
from . import (align, demo, detect, eval, export, models, serve, split,  # noqa: F401,E402
               translate, verify)  # each adds its command


def main() -> None:
    app()
