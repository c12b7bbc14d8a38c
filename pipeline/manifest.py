"""The run manifest ``manifest.json``: what is in an output directory and how it was made.

It describes *every* record file in the directory (scanned after the run, so an incremental run
that skipped documents still yields a complete manifest): its source and sha256, counts of
sentences, kinds and flags, the model, engine and splitter its records name, and the sha256 of
each side output. It also holds this run's inputs (with sha256 and outcome), settings, model pin
(``models.lock`` digest, or the model directory's file digests), library versions and timings.
Timings live only here, never in per-document outputs, so those stay byte-identical between
runs. ``pipeline verify`` checks a manifest against the records and the inputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path

from . import __version__, formats
from .errors import PipelineError
from .formats import jsonl, labels
from .io import atomic_writer

FILENAME = "manifest.json"
SCHEMA = "pipeline.manifest/1"
#: Libraries whose versions can change an output; read from package metadata, never imported.
LIBRARIES = ("torch", "transformers", "tokenizers", "sentencepiece", "ctranslate2",
             "huggingface_hub", "safetensors", "numpy", "typer")
#: Status of a document in the run that wrote the manifest.
TRANSLATED, UP_TO_DATE, EARLIER = "translated", "up to date", "earlier run"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def counts(records: Iterable[dict]) -> dict:
    """Sentences, kinds, flags (``low_score`` included, see :mod:`pipeline.formats.labels`)."""
    kinds: Counter = Counter()
    flags: Counter = Counter()
    n = 0
    for r in records:
        n += 1
        kinds[str(r.get("kind"))] += 1
        flags.update(labels.display_flags(r))
    return {"sentences": n, "kinds": dict(sorted(kinds.items())), "flags": dict(sorted(flags.items()))}


def document_entry(path: Path, records: list[dict], status: str = EARLIER) -> dict:
    """What the manifest says about one record file."""
    first = records[0] if records else {}
    outputs = {}
    for name, files in formats.filenames(path.stem).items():
        if name == formats.CANONICAL:
            continue
        for filename in files:
            f = path.parent / filename
            if f.is_file():
                outputs[filename] = _sha256(f)
    return {
        "records": path.name,
        "records_sha256": _sha256(path),
        "source": first.get("doc_path"),
        "source_sha256": first.get("doc_sha256"),
        "encoding": first.get("doc_encoding"),
        "status": status,
        **counts(records),
        "model": first.get("model"),
        "engine": first.get("engine"),
        "splitter": first.get("splitter"),
        "pipeline": first.get("pipeline"),
        "signature": first.get("signature"),
        "outputs": outputs,
    }


def file_stats(path: Path) -> dict[str, list[int]]:
    """Size, mtime (ns) and inode of a record file and of each side output beside it: when
    none of them changed, neither did what the manifest says about them (as git's index
    trusts unchanged stat data)."""
    out = {}
    for name in [path.name] + [f for fmt, files in formats.filenames(path.stem).items()
                               if fmt != formats.CANONICAL for f in files]:
        try:
            st = os.stat(path.parent / name)
        except OSError:
            continue
        out[name] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return out


def build(out_dir: Path, *, status: dict[str, str] | None = None, inputs: list[dict] | None = None,
          model: dict | None = None, engine: dict | None = None, splitter: str | None = None,
          settings: dict | None = None, fingerprint: str | None = None,
          timings: dict | None = None, scheduler: dict | None = None,
          previous: dict | None = None) -> dict:
    """The manifest of ``out_dir``: every ``*.jsonl`` there (unreadable ones are listed with
    their error), plus what the caller knows about the run. ``status`` maps a record file
    name to :data:`TRANSLATED` or :data:`UP_TO_DATE`; others are :data:`EARLIER`.

    An entry of the ``previous`` manifest whose files have the same :func:`file_stats` is
    taken over without reading or hashing them again, so adding one document to a directory
    of thousands does not re-read them all (``pipeline verify`` always re-reads)."""
    status = status or {}
    if not previous or previous.get("manifest") != SCHEMA or previous.get("pipeline") != __version__:
        previous = {}  # entries written by another version may be laid out differently
    known = {d["records"]: d for d in previous.get("documents") or []
             if isinstance(d, dict) and isinstance(d.get("records"), str) and "stat" in d}
    documents = []
    shared: dict[str, object] = {}
    totals: Counter = Counter()
    sentences = 0
    for path in sorted(Path(out_dir).glob("*" + jsonl.SUFFIX)):
        stats = file_stats(path)
        entry = known.get(path.name)
        if entry is not None and entry["stat"] == stats:
            entry = {**entry, "status": status.get(path.name, EARLIER)}
        else:
            try:
                records = jsonl.read(path)
            except PipelineError as exc:
                documents.append({"records": path.name, "error": str(exc)})
                continue
            entry = document_entry(path, records, status.get(path.name, EARLIER))
            entry["stat"] = stats
            del records
        for key in ("model", "engine"):  # one shared object per distinct value: memory stays flat
            entry[key] = shared.setdefault(json.dumps(entry[key], sort_keys=True), entry[key])
        documents.append(entry)
        sentences += entry["sentences"]
        totals.update(entry["flags"])
    ours = [d for d in documents if d.get("status") in (TRANSLATED, UP_TO_DATE)]
    if model is None and ours:
        model = ours[0]["model"]
    if engine is None and ours:
        engine = ours[0]["engine"]
    if splitter is None and ours:
        splitter = ours[0]["splitter"]
    return {
        "manifest": SCHEMA,
        "pipeline": __version__,
        "model": model,
        "engine": engine,
        "splitter": splitter,
        "fingerprint": fingerprint,
        "settings": settings or {},
        "inputs": inputs or [],
        "documents": documents,
        "totals": {"documents": len(documents), "sentences": sentences,
                   "flags": dict(sorted(totals.items()))},
        "scheduler": scheduler,
        "timings": timings or {},
        "libraries": library_versions(),
    }


def library_versions() -> dict[str, str]:
    from .provenance import library_versions as versions

    return {"python": platform.python_version(), **versions(*LIBRARIES)}


def write(out_dir: Path, manifest: dict) -> Path:
    """Write ``manifest.json`` into ``out_dir`` atomically."""
    target = Path(out_dir) / FILENAME
    with atomic_writer(target) as f:
        f.write(render(manifest))
    return target


def render(manifest: dict) -> str:
    """JSON with one line per top-level key and one line per input and per document: easy to
    read and to diff, and written by json's C encoder (``indent`` would make it take the
    pure-Python one, five times slower on a directory of thousands of documents)."""
    dump = lambda v: json.dumps(v, ensure_ascii=False)  # noqa: E731
    parts = []
    for key, value in manifest.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {dump(v)}" for v in value)
            parts.append(f"  {dump(key)}: [\n{items}\n  ]")
        else:
            parts.append(f"  {dump(key)}: {dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def read(out_dir: Path) -> dict | None:
    """The manifest in ``out_dir``, or None when there is none."""
    p = Path(out_dir) / FILENAME
    if not p.is_file():
        return None
    from .errors import VerificationError

    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise VerificationError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise VerificationError(f"{p}: not a pipeline manifest (no `documents` list)")
    return data


def refresh(out_dir: Path) -> Path | None:
    """Re-describe the record files of ``out_dir`` in its existing manifest (after
    ``pipeline export`` re-rendered outputs), keeping the run's settings and timings."""
    with _directory_lock(Path(out_dir)):
        old = read(out_dir)
        if old is None:
            return None
        return _refresh(out_dir, old)


def _refresh(out_dir: Path, old: dict) -> Path:
    status = {d["records"]: d.get("status", EARLIER) for d in old["documents"]
              if isinstance(d, dict) and "records" in d}
    new = build(out_dir, status=status, inputs=old.get("inputs"), model=old.get("model"),
                engine=old.get("engine"), splitter=old.get("splitter"),
                settings=old.get("settings"), fingerprint=old.get("fingerprint"),
                timings=old.get("timings"), scheduler=old.get("scheduler"), previous=old)
    return write(out_dir, new)


def _jsonable(obj):
    if obj is None:
        return None
    if is_dataclass(obj):
        return asdict(obj)
    return obj if isinstance(obj, dict) else None


def write_run_manifest(options, summary, paths: Sequence[Path], provenance: Sequence, splitter,
                       fingerprint: str, scheduler, started: float, settings: dict | None = None,
                       report: Callable[[str], None] = print) -> Path | None:
    """Write the manifest at the end of :func:`pipeline.run.translate_files`. ``settings``
    (from the CLI) may carry ``model`` (the run's model with its ``lock`` and ``lock_digest``)
    and any further settings. A failure to write is reported and added to ``summary.failed``."""
    out_dir = Path(options.out_dir)
    if not out_dir.is_dir() or not any(out_dir.glob("*" + jsonl.SUFFIX)):
        return None
    with _directory_lock(out_dir):  # concurrent runs (make -j2): the last scan sees all
        return _write_run_manifest(out_dir, options, summary, paths, provenance, splitter,
                                   fingerprint, scheduler, started, settings, report)


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive flock on the directory itself (no lock file), where the OS allows it."""
    try:
        import fcntl

        fd = os.open(directory, os.O_RDONLY)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_run_manifest(out_dir: Path, options, summary, paths, provenance, splitter,
                        fingerprint, scheduler, started, settings, report) -> Path | None:
    finished = time.time()
    settings = dict(settings or {})
    model = settings.pop("model", None)
    status = {}
    inputs = []
    failed = {str(p): why for p, why in summary.failed}
    translated = {str(p) for p in summary.translated}
    skipped = {str(p) for p in summary.skipped}
    for p in paths:
        state = (TRANSLATED if str(p) in translated else UP_TO_DATE if str(p) in skipped
                 else "failed" if str(p) in failed else "not done")
        try:
            digest = _sha256(p)
        except OSError:
            digest = None
        entry = {"path": str(p), "sha256": digest, "status": state}
        if state == "failed":
            entry["error"] = failed[str(p)]
        else:
            status[Path(p).stem + jsonl.SUFFIX] = state
        inputs.append(entry)
    run_settings = {k: (list(v) if isinstance(v, tuple) else str(v) if isinstance(v, Path) else v)
                    for k, v in (asdict(options).items() if is_dataclass(options) else ())}
    run_settings.update(settings)
    seconds = round(finished - started, 3)
    timings = {"started": _iso(started), "finished": _iso(finished), "seconds": seconds,
               "sentences_translated": summary.sentences,
               "sentences_per_second": round(summary.sentences / seconds, 2) if seconds > 0 else None}
    prov = provenance[0] if provenance else None
    if model is None and prov is not None:
        model = prov.model
    try:
        previous = read(out_dir)
    except (PipelineError, OSError):  # unreadable: every entry is computed afresh
        previous = None
    manifest = build(out_dir, status=status, inputs=inputs, model=model,
                     engine=prov.engine if prov is not None else None,
                     splitter=getattr(splitter, "name", None), settings=run_settings,
                     fingerprint=fingerprint, timings=timings,
                     scheduler=_jsonable(getattr(scheduler, "stats", None)), previous=previous)
    try:
        return write(out_dir, manifest)
    except OSError as exc:
        why = f"cannot write {FILENAME}: {exc.strerror or exc}"
        summary.failed.append((out_dir / FILENAME, why))
        report(f"error: {out_dir / FILENAME}: {why}")
        return None
