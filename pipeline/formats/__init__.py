"""Output formats, one module each, all rendered from the canonical records.

Each format module has ``NAME`` and ``render(records, stem) -> dict[str, str]`` mapping an
output file name to its text. The canonical ``jsonl`` is always written, and written last.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

#: Format name -> module under pipeline.formats. ``jsonl`` is the canonical record.
REGISTRY = {"jsonl": "jsonl", "tsv": "tsv"}
CANONICAL = "jsonl"


def names() -> list[str]:
    return list(REGISTRY)


def module(name: str) -> ModuleType:
    from ..errors import PipelineError

    if name not in REGISTRY:
        raise PipelineError(f"unknown format {name!r}; choose from: {', '.join(REGISTRY)}")
    return import_module(f"{__name__}.{REGISTRY[name]}")


def render(name: str, records: list[dict], stem: str) -> dict[str, str]:
    """File name -> text for format ``name``."""
    return module(name).render_files(records, stem)
