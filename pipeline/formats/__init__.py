"""Output formats, one module each, all rendered from the canonical records.

Each format module has ``NAME`` and ``render_files(records, stem) -> dict[str, str]`` mapping
an output file name to its text (records are :class:`pipeline.records.Record` s), and a way to read that text back (``parse`` /
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


def render(name: str, records: list, stem: str) -> dict[str, str]:
    """File name -> text for format ``name``."""
    return module(name).render_files(records, stem)


#: Record keys that differ from record to record; never moved to a document-wide header.
PER_RECORD = ("index", "paragraph", "line", "kind", "start", "end", "flags", "score", "tokens",
              "pieces")
TEXT_KEYS = ("source", "target")


def layout(records: list) -> tuple[dict | None, dict, list[dict]]:
    """A document's records as (provenance, shared, own) for formats with a header: the
    provenance of the first record, the keys whose value is the same in every record, and per
    record the remaining keys (never ``source`` and ``target``, which formats hold as text)."""
    dicts = [r.to_dict() for r in records]
    provenance = dicts[0].pop("provenance", None) if dicts else None
    first = dicts[0] if dicts else {}
    per_record = getattr(type(records[0]), "PER_RECORD", PER_RECORD) if records else PER_RECORD
    shared = {k: v for k, v in first.items() if k not in per_record and k not in TEXT_KEYS
              and all(k in d and d[k] == v for d in dicts)}
    own = [{k: v for k, v in d.items() if k not in shared and k not in TEXT_KEYS} for d in dicts]
    return provenance, shared, own


def unlayout(provenance: dict | None, shared: dict, own: list[dict],
             texts: list[tuple[str, str]]) -> list:
    """The records :func:`layout` was given, from its three parts and the (source, target)
    texts; each record is validated by its type's ``from_dict`` (the ``schema`` says which)."""
    from ..records import ALIGNMENT_SCHEMA, AlignmentRecord, Record

    record_type = AlignmentRecord if shared.get("schema") == ALIGNMENT_SCHEMA else Record
    out = []
    for n, (mine, (source, target)) in enumerate(zip(own, texts)):
        d = {**shared, **mine, "source": source, "target": target}
        if n == 0 and provenance is not None:
            d["provenance"] = provenance
        out.append(record_type.from_dict(d))
    return out


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


def one_sided(record) -> bool:
    """An alignment link with no sentence on one side (not a translation unit for a CAT tool)."""
    return hasattr(record, "link") and not (record.de and record.en)


def header_labels(provenance: dict | None) -> list[tuple[str, str]]:
    """What a reader sees first of a document's provenance: (label, text) pairs."""
    from ..provenance import engine_label, model_label

    if not provenance:
        return []
    if "model" in provenance:  # a translation
        return [("model", model_label(provenance["model"])),
                ("engine", engine_label(provenance["engine"])),
                ("splitter", str(provenance["splitter"]))]
    return [("aligned", str(provenance.get("signature")))]


def is_output_name(name: str) -> bool:
    """Whether the tool writes files of this name into an output directory (a record file, a
    side format, the manifest): the only targets whose stale temporaries it removes."""
    return name == "manifest.json" or name.endswith(
        tuple(s for suffixes in _suffixes().values() for s in suffixes))
