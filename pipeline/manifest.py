"""The run manifest ``manifest.json``: what is in an output directory and how it was made.

It describes *every* record file in the directory (an incremental run that skipped documents
still yields a complete manifest): its source and sha256, counts of sentences, kinds and
flags, its run fingerprint and signature, and the sha256 of each side output; ``runs`` maps
each fingerprint to its full provenance (model, engine, splitter). It also holds this run's
inputs (with sha256 and outcome), settings, model pin (``models.lock`` digest, or the model
directory's file digests), library versions and timings. Timings live only here, never in
per-document outputs, so those stay byte-identical between runs.

The manifest is built from what the run knows: the digests of the inputs it read and of the
texts it wrote. Record files the run did not touch are taken over from the previous manifest
when their size, mtime, inode and ctime did not change (as git's index trusts unchanged stat
data), and read again only otherwise. ``pipeline verify`` checks a manifest against the records.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import formats
from . import journal as journals
from ._version import __version__
from .digests import sha256_file
from .earlier import Earlier, index_manifest, usable
from .errors import OutputError, PipelineError, VerificationError
from .formats import jsonl
from .io import atomic_writer
from .journal import Journal
from .outputs import MANIFEST_NAME, Written, WrittenFacts, is_record_file
from .records import DEFAULT_PAIR, AlignmentRecord, pair_of

FILENAME = MANIFEST_NAME
SCHEMA = "pipeline.manifest/2"
#: Libraries whose versions can change an output; read from package metadata, never imported.
LIBRARIES = ("torch", "transformers", "tokenizers", "sentencepiece", "ctranslate2",
             "huggingface_hub", "safetensors", "numpy", "typer")
#: Status of a document in the run that wrote the manifest.
TRANSLATED, UP_TO_DATE, EARLIER = "translated", "up to date", "earlier run"


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def counts(records: Iterable) -> dict:
    """Sentences, kinds, flags (``low_score`` included, as readers are shown them)."""
    kinds: Counter = Counter()
    flags: Counter = Counter()
    n = 0
    for r in records:
        n += 1
        kinds[r.link if isinstance(r, AlignmentRecord) else r.kind] += 1  # an alignment: 2-1...
        flags.update(r.shown_flags)
    return {"sentences": n, "kinds": dict(sorted(kinds.items())), "flags": dict(sorted(flags.items()))}


def side_files(path: Path, pair: tuple[str, str] | None = None) -> list[str]:
    """Names of the side outputs a record file ``<stem>.jsonl`` of languages ``pair`` (by
    default read from the file) may have beside it."""
    from .formats.jsonl import file_pair

    pair = tuple(pair) if pair is not None else file_pair(path)
    return [f for fmt, files in formats.filenames(path.stem, pair).items()
            if fmt != formats.CANONICAL for f in files]


def document_facts(records: list) -> dict:
    """What the manifest says about a document that its records alone tell (an alignment's
    source is its German side; its English side is its ``partner``)."""
    first = records[0]
    if isinstance(first, AlignmentRecord):
        facts = {"source": first.de_path, "source_sha256": first.de_sha256,
                 "encoding": first.de_encoding, **counts(records),
                 "fingerprint": first.fingerprint,
                 "signature": (first.provenance or {}).get("signature"),
                 "partner": first.en_path, "partner_sha256": first.en_sha256,
                 "pair": pair_of(records)}
        return facts
    facts = {
        "source": first.doc_path,
        "source_sha256": first.doc_sha256,
        "encoding": first.doc_encoding,
        **counts(records),
        "fingerprint": first.fingerprint,
        "signature": first.provenance.signature() if first.provenance else None,
        "pair": pair_of(records),  # the languages its Moses files end in
    }
    if first.doc_id is not None:
        facts["doc_id"] = first.doc_id
    if first.doc_line is not None:
        facts["doc_line"] = first.doc_line
    return facts


def document_entry(path: Path, facts: dict, status: str = EARLIER,
                   known: dict[str, str] | None = None) -> dict:
    """What the manifest says about one record file, from its :func:`document_facts`.
    ``known`` gives the sha256 of files whose text the caller has just written; the others
    present are hashed."""
    known = known or {}
    outputs = {}
    for filename in side_files(path, facts.get("pair")):
        if filename in known:
            outputs[filename] = known[filename]
        elif (path.parent / filename).is_file():
            outputs[filename] = sha256_file(path.parent / filename)
    entry = {
        "records": path.name,
        "records_sha256": known.get(path.name) or sha256_file(path),
        "source": facts["source"],
        "source_sha256": facts["source_sha256"],
        "encoding": facts["encoding"],
        "status": status,
        **{k: facts[k] for k in ("sentences", "kinds", "flags", "fingerprint", "signature")},
        "outputs": outputs,
    }
    for key in ("doc_id", "doc_line", "partner", "partner_sha256"):
        if facts.get(key) is not None:
            entry[key] = facts[key]
    if facts.get("pair") is not None and tuple(facts["pair"]) != DEFAULT_PAIR:
        entry["pair"] = list(facts["pair"])  # a rerun knows its Moses files' names unread
    return entry


def _stat(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def file_stats(path: Path, only: str | None = None,
               pair: tuple[str, str] | None = None) -> dict[str, list[int]]:
    """Size, mtime, inode and ctime (ns) of a record file and of each side output beside it
    (ctime, which no one can set back, catches an edit whose mtime was); ``only``: of that
    one file; ``pair``: the file's languages when known (else read from it)."""
    out = {}
    directory = os.fspath(path.parent)
    for name in [only] if only else [path.name] + side_files(path, pair):
        found = _stat(os.path.join(directory, name))
        if found is not None:
            out[name] = found
    return out


def written_stats(path: Path, digest: str | None,
                  pair: tuple[str, str] | None = None) -> dict[str, list[int]]:
    """:func:`file_stats` of a record file this run has just written (``digest``: the sha256
    of its text), without the record file's own stat when the file there is no longer the one
    written (another run replaced it since): the skip rule trusts a stat it saw only for the
    bytes it describes, and reads the file when the stat is missing."""
    stats = file_stats(path, pair=pair)
    try:
        ours = sha256_file(path) == digest and _stat(os.fspath(path)) == stats.get(path.name)
    except OSError:
        ours = False
    if not ours:
        stats.pop(path.name, None)
    return stats


def previous_entries(previous: dict | None) -> tuple[dict[str, dict], dict[str, dict]]:
    """Entries (by record file name) and runs of a previous manifest written by this version."""
    if not isinstance(previous, dict) or previous.get("manifest") != SCHEMA \
            or previous.get("pipeline") != __version__:
        return {}, {}
    docs = previous.get("documents")
    runs = previous.get("runs")
    entries = {d["records"]: d for d in docs if usable(d)} if isinstance(docs, list) else {}
    return entries, runs if isinstance(runs, dict) else {}


def earlier(out_dir: Path) -> Earlier:
    """What the manifest in ``out_dir`` and the journals of killed runs there (later ones
    win) say of its record files, asked one at a time (the manifest indexed when this version
    streamed it: see :mod:`pipeline.earlier`); nothing of a manifest that is unreadable."""
    found = index_manifest(Path(out_dir) / FILENAME, SCHEMA, __version__)
    if found is None:
        try:
            found = Earlier(*previous_entries(read(out_dir)))
        except (PipelineError, OSError):  # unreadable: every entry is computed afresh
            found = Earlier()
    for path in journals.stale(Path(out_dir)):
        found.add_journal(path)
    return found


def sound_outputs(path: Path, entry: dict | None, stats: dict[str, list[int]]) -> set[str]:
    """Names of the side files beside record file ``path`` that hold what the previous
    manifest ``entry`` says was written (a file whose ``stats``, from :func:`file_stats`, are
    those the manifest saw is taken as it was; another is hashed). None is sound when the
    record file itself is not the one the manifest describes: a rerun renders them again."""
    outputs, seen = (entry or {}).get("outputs"), (entry or {}).get("stat")
    if not isinstance(outputs, dict) or not isinstance(seen, dict):
        return set()
    if seen.get(path.name) != stats.get(path.name) and (
            not path.is_file() or entry.get("records_sha256") != sha256_file(path)):
        return set()
    sound = set()
    for name, digest in outputs.items():
        if not isinstance(name, str) or name not in stats:
            continue
        if seen.get(name) == stats[name] or (
                (path.parent / name).is_file() and sha256_file(path.parent / name) == digest):
            sound.add(name)
    return sound


def describe_directory(out_dir: Path, runs: dict[str, dict],
                       known: dict[str, dict] | Earlier | None = None,
                       old_runs: dict[str, dict] | None = None,
                       described: Callable[[str], dict | None] = lambda name: None,
                       described_runs: dict[str, dict] | None = None) -> Iterator[dict]:
    """The entry of every record file in ``out_dir`` (by name), one at a time; the runs they
    name are added to ``runs``. ``described(name)`` is this run's entry for a record file it
    wrote or found up to date (with the runs in ``described_runs``), taken when the files
    still have the stat it saw; ``known`` are the previous manifest's entries (``old_runs``
    its runs), taken over when the stat did not change. A user's JSONL, such as an input
    archive, is no record file: it is not described."""
    known, old_runs = known or {}, old_runs or {}
    described_runs = described_runs or {}
    names = sorted(e.name for e in os.scandir(out_dir) if e.name.endswith(jsonl.SUFFIX))
    directory = os.fspath(out_dir)
    for name in names:
        given = described(name)
        d = given.value if isinstance(given, journals.RawJSON) else given
        if d is not None and isinstance(d.get("stat"), dict) \
                and d["stat"].get(name) == _stat(os.path.join(directory, name)) \
                and d.get("fingerprint") in described_runs:  # as this run left it
            runs.setdefault(d["fingerprint"], described_runs[d["fingerprint"]])
            yield given
            continue
        path = Path(out_dir) / name
        if d is None and (not path.is_file() or not is_record_file(path)):
            continue
        stats = file_stats(path)
        old = known.get(name)
        if d is None and old is not None and old["stat"] == stats \
                and old.get("fingerprint") in old_runs:
            entry = {**old, "status": EARLIER}
            runs.setdefault(old["fingerprint"], old_runs[old["fingerprint"]])
        else:
            try:
                records = jsonl.read_whole(path)
            except PipelineError as exc:
                yield {"records": path.name, "error": str(exc)}
                continue
            entry = document_entry(path, document_facts(records),
                                   EARLIER if d is None else d.get("status", EARLIER))
            run_provenances(records, shared=runs)  # adds the runs not yet in `runs`
        entry["stat"] = stats
        yield entry


def written_facts(written: Written, shared: dict[str, dict] | None = None) -> WrittenFacts:
    """What the ledger needs of a written document (:class:`~pipeline.outputs.WrittenFacts`),
    computed where its records are."""
    return WrittenFacts(written.count, document_facts(written.records),
                        run_provenances(written.records, shared), written.files)


def run_provenances(records: list, shared: dict[str, dict] | None = None) -> dict[str, dict]:
    """Fingerprint -> provenance of the runs that ``records`` name, taken from ``shared``
    when it has them (and added there when not)."""
    shared = {} if shared is None else shared
    runs = {}
    for r in records:
        if r.provenance is not None:
            if r.fingerprint not in shared:
                shared[r.fingerprint] = r.provenance if isinstance(r.provenance, dict) \
                    else r.provenance.to_dict()
            runs.setdefault(r.fingerprint, shared[r.fingerprint])
    return runs


def library_versions() -> dict[str, str]:
    from .provenance import library_versions as versions

    return {"python": platform.python_version(), **versions(*LIBRARIES)}


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def stream(manifest: Iterable[tuple[str, object]]) -> Iterator[str]:
    """The text of a manifest given as (key, value) pairs, piece by piece: JSON with one line
    per top-level key and one line per input, document and run, easy to read and to diff, and
    written by json's C encoder (``indent`` would make it take the pure-Python one, five times
    slower on a directory of thousands of documents); an item that is a
    :class:`~pipeline.journal.RawJSON` is written as the text it is. A value may be an iterator (the inputs
    and documents of a large run: written one at a time, never held) or a callable (read only
    when its key is reached: the totals of the documents streamed before it)."""
    yield "{\n"
    first_key = True
    for key, value in manifest:
        yield ("" if first_key else ",\n") + f"  {_dump(key)}: "
        first_key = False
        if callable(value):
            value = value()
        if isinstance(value, dict) and key == "runs" and value:
            yield "{\n" + ",\n".join(f"    {_dump(k)}: {_dump(v)}" for k, v in value.items()) \
                + "\n  }"
        elif isinstance(value, (list, Iterator)):
            empty = True
            for item in value:
                yield ("[\n    " if empty else ",\n    ") + (
                    item if isinstance(item, journals.RawJSON) else _dump(item))
                empty = False
            yield "[]" if empty else "\n  ]"
        else:
            yield _dump(value)
    yield "\n}\n"


def render(manifest: dict) -> str:
    """The text of ``manifest`` (see :func:`stream`)."""
    return "".join(stream(manifest.items()))


def write(out_dir: Path, manifest: dict | Iterable[tuple[str, object]]) -> Path:
    """Write ``manifest.json`` into ``out_dir`` atomically (streamed: see :func:`stream`)."""
    target = Path(out_dir) / FILENAME
    with atomic_writer(target) as f:
        f.writelines(stream(manifest.items() if isinstance(manifest, dict) else manifest))
    return target


def read(out_dir: Path) -> dict | None:
    """The manifest in ``out_dir``, or None when there is none."""
    p = Path(out_dir) / FILENAME
    if not p.is_file():
        return None
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise VerificationError(f"{p}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        raise VerificationError(f"{p}: not a pipeline manifest (no `documents` list)")
    for key, kind in (("runs", dict), ("inputs", list), ("model", dict), ("settings", dict)):
        if key in data and data[key] is not None and not isinstance(data[key], kind):
            raise VerificationError(f"{p}: `{key}` is a {type(data[key]).__name__}, expected "
                                    f"a {kind.__name__}")
    return data


class _Totals:
    """Documents, sentences and flags of the entries passed through :meth:`count`."""

    def __init__(self) -> None:
        self.documents = self.sentences = 0
        self.flags: Counter = Counter()

    def count(self, documents: Iterable[dict]) -> Iterator[dict]:
        for given in documents:
            d = given.value if isinstance(given, journals.RawJSON) else given
            self.documents += 1
            if isinstance(d.get("sentences"), int):
                self.sentences += d["sentences"]
            if isinstance(d.get("flags"), dict):
                self.flags.update(d["flags"])
            yield given

    def __call__(self) -> dict:
        return {"documents": self.documents, "sentences": self.sentences,
                "flags": dict(sorted(self.flags.items()))}


def write_run(out_dir: Path, journal: Journal, *, header: dict, settings: dict,
              scheduler: dict, sentences: int, started: float) -> Path | None:
    """Write the manifest at the end of a run (:mod:`pipeline.run`), streamed from the run's
    ``journal`` (its inputs; the entries of the record files it wrote or found up to date)
    and the directory (every other record file): ``header`` says what made the records
    (model, engine, splitter, fingerprint), ``settings`` how the run was asked for,
    ``scheduler`` its counters, ``sentences`` how many records it wrote. The journal, and
    those killed runs left (read as a previous manifest is), are removed once the manifest is
    written. An :class:`~pipeline.errors.OutputError` when it cannot be written."""
    out_dir = Path(out_dir)
    if not any(is_record_file(p) for p in out_dir.glob("*" + jsonl.SUFFIX)):
        return None
    finished = time.time()
    seconds = round(finished - started, 3)
    with _directory_lock(out_dir):  # concurrent runs (make -j2): the last one sees all
        known = earlier(out_dir)
        runs: dict[str, dict] = {}
        totals = _Totals()
        documents = describe_directory(out_dir, runs, known, known.runs, journal.document,
                                       journal.runs)
        manifest = [
            ("manifest", SCHEMA),
            ("pipeline", __version__),
            *header.items(),
            ("settings", settings),
            ("inputs", journal.inputs()),
            ("documents", totals.count(documents)),
            ("runs", lambda: runs),
            ("totals", totals),
            ("scheduler", scheduler),
            ("timings", {"started": _iso(started), "finished": _iso(finished),
                         "seconds": seconds, "sentences_translated": sentences,
                         "sentences_per_second": round(sentences / seconds, 2)
                         if seconds > 0 else None}),
            ("libraries", library_versions()),
        ]
        try:
            written = write(out_dir, manifest)
        except OSError as exc:
            target = out_dir / FILENAME
            raise OutputError(f"{target}: cannot write {FILENAME}: {exc.strerror or exc}") \
                from None
        finally:
            known.close()
        journal.close(remove=True)
        for path in known.journals:
            path.unlink(missing_ok=True)
        return written


def refresh(out_dir: Path) -> Path | None:
    """Re-describe the record files of ``out_dir`` in its existing manifest (after
    ``pipeline export`` re-rendered outputs), keeping the run's settings and timings."""
    with _directory_lock(Path(out_dir)):
        old = read(out_dir)
        if old is None:
            return None
        status = {d["records"]: d.get("status", EARLIER) for d in old["documents"]
                  if isinstance(d, dict) and isinstance(d.get("records"), str)}
        known, old_runs = previous_entries(old)
        runs: dict[str, dict] = {}
        documents = [{**d, "status": status.get(d["records"], EARLIER)}
                     for d in describe_directory(out_dir, runs, known, old_runs)]
        totals = _Totals()
        list(totals.count(documents))
        return write(out_dir, {**old, "documents": documents, "runs": runs,
                               "totals": totals()})


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
