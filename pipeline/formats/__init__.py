"""Output formats, one module each, all rendered from the canonical records.

Each format module has ``NAME`` and ``write_files(records, stem) -> dict[str, Iterable[str]]``
mapping an output file name to its text in pieces (records are
:class:`pipeline.records.Record` s; :func:`render` joins the pieces), and a way to read that text back (``parse`` /
``parse_side``) that ``pipeline verify`` uses to check it still agrees with the records.
The canonical ``jsonl`` is always written, and written last.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
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


def filenames(stem: str, pair: tuple[str, str] = ("de", "en")) -> dict[str, list[str]]:
    """Format -> the file names it writes for ``stem``, a document of languages ``pair``
    (source, target: Moses files end in them), without rendering anything."""
    return {name: [stem + s for s in suffixes] for name, suffixes in _suffixes(pair).items()}


@functools.lru_cache(maxsize=64)
def _suffixes(pair: tuple[str, str]) -> dict[str, tuple[str, ...]]:
    out = {}
    for name in names():
        mod = module(name)
        out[name] = tuple(mod.suffixes(pair) if hasattr(mod, "suffixes") else (mod.SUFFIX,))
    return out


def render(name: str, records: Sequence, stem: str) -> dict[str, str]:
    """File name -> text for format ``name``."""
    return {f: "".join(parts) for f, parts in stream(name, records, stem).items()}


def stream(name: str, records: Sequence, stem: str) -> dict[str, Iterable[str]]:
    """File name -> the text for format ``name`` in pieces, produced as they are written, so
    that a long document is never held in memory as one string per format."""
    return module(name).write_files(records, stem)


#: Record keys that differ from record to record; never moved to a document-wide header.
PER_RECORD = ("index", "paragraph", "line", "kind", "start", "end", "flags", "score", "tokens",
              "pieces")
TEXT_KEYS = ("source", "target")


def layout(records: Sequence) -> tuple[dict | None, dict, Callable[[], Iterator[dict]]]:
    """A document's records as (provenance, shared, own) for formats with a header: the
    provenance of the first record, the keys whose value is the same in every record, and a
    function giving, record by record, the remaining keys (never ``source`` and ``target``,
    which formats hold as text). Two passes over the records, one record's dict at a time: no
    copy of the whole document is made."""
    if not records:
        return None, {}, lambda: iter(())
    per_record = getattr(type(records[0]), "PER_RECORD", PER_RECORD)
    first = records[0].to_dict()
    provenance = first.pop("provenance", None)
    shared = {k: v for k, v in first.items() if k not in per_record and k not in TEXT_KEYS}
    for r in records[1:]:
        d = r.to_dict()
        for k in [k for k, v in shared.items() if k not in d or d[k] != v]:
            del shared[k]

    def own() -> Iterator[dict]:
        for r in records:
            d = r.to_dict()
            d.pop("provenance", None)
            yield {k: v for k, v in d.items() if k not in shared and k not in TEXT_KEYS}

    return provenance, shared, own


def unlayout(provenance: dict | None, shared: dict, own: Iterable[dict],
             texts: Iterable[tuple[str, str]]) -> list:
    """The records :func:`layout` was given, from its three parts and the (source, target)
    texts; each record is validated by its type's ``from_dict`` (the ``schema`` says which)."""
    return [rebuild(provenance, shared, mine, text, n == 0)
            for n, (mine, text) in enumerate(zip(own, texts))]


def rebuild(provenance: dict | None, shared: dict, mine: dict, text: tuple[str, str],
            first: bool):
    """One record from a header's shared keys, its own keys and its (source, target) text."""
    from ..records import ALIGNMENT_SCHEMAS, AlignmentRecord, Record

    record_type = AlignmentRecord if shared.get("schema") in ALIGNMENT_SCHEMAS else Record
    d = {**shared, **mine, "source": text[0], "target": text[1]}
    if first and provenance is not None:
        d["provenance"] = provenance
    return record_type.from_dict(d)


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


def side_suffixes(pair: tuple[str, str] = ("de", "en")) -> tuple[str, ...]:
    """The endings of the side files a record file ``<stem>.jsonl`` of languages ``pair`` may
    have beside it."""
    return tuple(s for name, suffixes in _suffixes(pair).items() if name != CANONICAL
                 for s in suffixes)


def side_suffix(name: str) -> str | None:
    """The ending that makes ``name`` a side file of ``<stem>.jsonl`` (``.tsv``, ``.tmx``,
    ``.html``, or a Moses language code such as ``.fr``), or None."""
    from . import moses

    ending = os.path.splitext(name)[1]
    fixed = {s for fmt, suffixes in _suffixes(("de", "en")).items()
             if fmt not in (CANONICAL, moses.NAME) for s in suffixes}
    return ending if ending in fixed or moses.is_side_suffix(ending) else None


def is_output_name(name: str) -> bool:
    """Whether the tool writes files of this name into an output directory (a record file, a
    side format, the manifest): the only targets whose stale temporaries it removes."""
    return name == "manifest.json" or name.endswith(_suffixes(("de", "en"))[CANONICAL]) \
        or side_suffix(name) is not None
