"""Output formats, one module each, all rendered from the canonical records.

Each format module has ``NAME`` and ``render_files(records, stem) -> dict[str, str]`` mapping
an output file name to its text, and a way to read that text back (``parse`` /
``parse_side``) that ``pipeline verify`` uses to check it still agrees with the records.
The canonical ``jsonl`` is always written, and written last.
"""

from __future__ import annotations

import functools
from importlib import import_module
from types import ModuleType

#: Format name -> module under pipeline.formats. ``jsonl`` is the canonical record.
REGISTRY = {"jsonl": "jsonl", "tsv": "tsv", "moses": "moses", "tmx": "tmx", "html": "html"}
CANONICAL = "jsonl"


def names() -> list[str]:
    return list(REGISTRY)


def module(name: str) -> ModuleType:
    from ..errors import PipelineError

    if name not in REGISTRY:
        raise PipelineError(f"unknown format {name!r}; choose from: {', '.join(REGISTRY)}")
    return import_module(f"{__name__}.{REGISTRY[name]}")


def filenames(stem: str) -> dict[str, list[str]]:
    """Format -> the file names it writes for ``stem`` (without rendering anything)."""
    return {name: [stem + s for s in suffixes] for name, suffixes in _suffixes().items()}


@functools.lru_cache(maxsize=1)
def _suffixes() -> dict[str, tuple[str, ...]]:
    out = {}
    for name in names():
        mod = module(name)
        out[name] = tuple(getattr(mod, "SUFFIXES", None) or (
            (mod.SOURCE_SUFFIX, mod.TARGET_SUFFIX) if hasattr(mod, "SOURCE_SUFFIX") else (mod.SUFFIX,)))
    return out


def render(name: str, records: list[dict], stem: str) -> dict[str, str]:
    """File name -> text for format ``name``."""
    return module(name).render_files(records, stem)


def parse_selection(values: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """Format names from repeated and/or comma-separated values (``--format tmx,html``);
    none or ``all`` means every format. ``jsonl`` is always included (it is the record)."""
    from ..errors import PipelineError

    chosen: list[str] = []
    for value in values or ():
        for name in str(value).split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name == "all":
                chosen.extend(REGISTRY)
            elif name not in REGISTRY:
                raise PipelineError(f"unknown format {name!r}; choose from: "
                                    f"{', '.join(REGISTRY)} (or all)")
            else:
                chosen.append(name)
    if not chosen:
        chosen = list(REGISTRY)
    if CANONICAL not in chosen:
        chosen.append(CANONICAL)
    return tuple(dict.fromkeys(n for n in REGISTRY if n in chosen))
