"""Translation quality with sacrebleu: scores that carry their signatures, so anyone can
reproduce them.

Every number here is computed by sacrebleu itself (``sacrebleu.metrics`` for scores and
bootstrap confidence intervals, ``sacrebleu.significance.PairedTest`` for paired bootstrap
resampling and approximate randomization), called exactly as the ``sacrebleu`` command line
calls it, so a score equals what ``sacrebleu REF -i HYP -m bleu chrf ter`` prints on the same
lines, to the last bit. Resampling is seeded as in sacrebleu: ``$SACREBLEU_SEED``, default
12345, and the seed is part of the signature (``seed:12345``).

Reading files. Plain-text hypotheses and references are read as the sacrebleu command line
reads them: UTF-8 (``.gz`` decompressed), split at ``\\n`` only, trailing whitespace removed from
each line; an empty line is an empty segment.

Record files (``pipeline translate`` output) become one hypothesis per *line of the source
document*: the targets of the records that start on one line are joined with a space, in record
order. That lines up with a test set kept one segment per line. From each record only
``line``, ``target``, ``index``, ``doc_path`` and ``doc_sha256`` are used (``doc_encoding``
too), and, through :func:`model_of_record`, the model its provenance names.

* Blank source lines have no record; they become empty hypotheses (an empty hypothesis scores as
  sacrebleu scores an empty line), so later lines stay aligned.
* How many lines a source has is taken from the source itself when it is still at ``doc_path``
  (relative to the record file, as ``pipeline translate`` records it) with the recorded sha256. Its lines are then counted as sacrebleu counts them, at ``\\n``
  only; units the splitter saw on separate lines (it also breaks at ``\\r``, U+2028 …) within
  one ``\\n`` line are joined. Otherwise the count comes from the records (the last line with
  a record), so blank lines at the end of that source cannot be counted; the result's notes say
  so, and so does a count mismatch.
* A line break inside a target becomes a space and trailing whitespace is dropped, so the
  hypotheses, written one per line (``--write-hyp``), read back identically in sacrebleu.
* A count mismatch between hypotheses and references is always an :class:`EvaluationError`
  naming the files and both counts: never a silent misalignment.
* Several record files are concatenated in the order given; each source document stays a
  document, for per-document scores.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EvaluationError, InputError

#: Metric names accepted by :func:`evaluate` (``chrf++`` is chrF with word bigrams, ``nw:2``).
METRICS = ("bleu", "chrf", "chrf++", "ter")
DEFAULT_METRICS = ("bleu", "chrf", "ter")
#: sacrebleu's defaults for the paired tests (``--paired-bs-n``, ``--paired-ar-n``).
DEFAULT_PAIRED_SAMPLES = {"bs": 1000, "ar": 10000}
PAIRED_TESTS = {"bs": "paired bootstrap resampling", "ar": "paired approximate randomization"}

_SACREBLEU_CLASS = {"bleu": ("BLEU", {}), "chrf": ("CHRF", {}), "chrf++": ("CHRF", {"word_order": 2}),
                    "ter": ("TER", {})}


# ----------------------------------------------------------------------------- reading


def _read_utf8(path: Path, expected: str) -> str:
    """A file's text (gunzipped if ``.gz``), read by the one guarded reader of every command
    (regular files only, bounded, a ``.gz`` bounded once decompressed); every failure is an
    :class:`InputError` naming it."""
    from .document import read_input

    data = read_input(path, gunzip=path.name.endswith(".gz"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 (byte position {exc.start}); expected {expected}") from None


def read_lines(path: str | Path) -> tuple[str, ...]:
    """The segments of a plain-text file, read exactly as the sacrebleu command line reads
    them (UTF-8, ``.gz`` allowed, split at ``\\n`` only, trailing whitespace removed)."""
    import io

    text = _read_utf8(Path(path), "a UTF-8 text file with one segment per line")
    return tuple(line.rstrip() for line in io.StringIO(text, newline="\n"))


@dataclass(frozen=True)
class ModelUsed:
    """Which model a record file says translated it: the pinned hub model (``repo`` and
    ``revision``) or a local directory (``directory``)."""

    repo: str | None = None
    revision: str | None = None
    directory: str | None = None

    @property
    def label(self) -> str:
        if self.repo:
            return f"{self.repo}@{self.revision}" if self.revision else self.repo
        return f"local directory {self.directory}"


def model_of_record(model: Mapping[str, Any]) -> ModelUsed | None:
    """The model a record file's provenance names (``{"repo", "revision", "files"}`` for the
    pinned model, ``{"dir", "files"}`` for ``--model-dir``), or None if it names none."""
    repo, directory = model.get("repo"), model.get("dir")
    if isinstance(repo, str) and repo:
        revision = model.get("revision")
        return ModelUsed(repo=repo, revision=revision if isinstance(revision, str) else None)
    if isinstance(directory, str) and directory:
        return ModelUsed(directory=directory)
    return None


@dataclass(frozen=True)
class DocumentSpan:
    """One document's hypotheses: ``[start, end)`` into :attr:`Hypotheses.lines`."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Hypotheses:
    """The hypotheses of one system, where they came from, and what was assumed reading them."""

    lines: tuple[str, ...]
    documents: tuple[DocumentSpan, ...]
    files: tuple[str, ...]
    models: tuple[ModelUsed, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return _files_label(self.files)


def _files_label(files: Sequence[str]) -> str:
    if len(files) <= 3:
        return ", ".join(files)
    return f"{files[0]}, {files[1]} and {len(files) - 2} more files"


def hypotheses_from_text(paths: Sequence[str | Path]) -> Hypotheses:
    """Plain-text hypotheses, one segment per line; several files are concatenated in the
    order given, each one a document."""
    lines: list[str] = []
    docs = []
    for path in paths:
        got = read_lines(path)
        docs.append(DocumentSpan(str(path), len(lines), len(lines) + len(got)))
        lines.extend(got)
    return Hypotheses(tuple(lines), tuple(docs), tuple(str(p) for p in paths))


@dataclass
class _Doc:
    path: str  # the source, as found from the record file
    sha256: str
    encoding: str
    archived: bool = False  # an article of a JSONL archive: its lines are not the file's
    records: list[tuple[int, int, str]] = field(default_factory=list)  # (index, line, target)


def _read_record_file(path: Path) -> tuple[list[_Doc], list[ModelUsed]]:
    """The documents of one record file, in order of first appearance, and the models named.
    Every record is validated as it is read (:class:`pipeline.records.Record`)."""
    from .formats import jsonl
    from .verification import source_path

    docs: dict[tuple[str, str, str | None], _Doc] = {}
    models: list[ModelUsed] = []
    for n, r in jsonl.iter_records(path):
        if not hasattr(r, "doc_path"):
            raise InputError(f"{path}:{n}: an alignment record, not a translation; score the "
                             "machine translations of record files from `pipeline translate`")
        if r.provenance is not None:
            model = model_of_record(r.provenance.model)
            if model is not None and model not in models:
                models.append(model)
        key = (r.doc_path, r.doc_sha256, r.doc_id)
        if key not in docs:
            docs[key] = _Doc(str(source_path(path, r.doc_path, None)), r.doc_sha256,
                             r.doc_encoding, r.doc_id is not None)
        docs[key].records.append((r.index, r.line, r.target))
    return list(docs.values()), models


def _source_segments(doc: _Doc) -> tuple[int, list[int]] | None:
    """From the source document itself, if it is unchanged at ``doc_path``: its number of
    ``\\n``-separated lines, and for each of the pipeline's lines (``str.splitlines``, which
    also breaks at ``\\r``, U+2028 …) the ``\\n``-line it lies in."""
    from bisect import bisect_right

    from .document import Document, line_starts, read_input

    if doc.archived:
        return None
    try:
        data = read_input(doc.path)
    except InputError:
        return None
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        return None
    try:
        text = Document.from_bytes(data, doc.path, doc.encoding).text
    except InputError:
        return None
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    count = len(newlines) + (0 if text.endswith("\n") else 1)
    return count, [bisect_right(newlines, s - 1) for s in line_starts(text)]


def hypotheses_from_records(paths: Sequence[str | Path]) -> Hypotheses:
    """One hypothesis per source line from record files (concatenated in the order given);
    see the module docstring for blank lines and line counts."""
    lines: list[str] = []
    spans: list[DocumentSpan] = []
    models: list[ModelUsed] = []
    notes: list[str] = []
    for path in paths:
        docs, file_models = _read_record_file(Path(path))
        models.extend(m for m in file_models if m not in models)
        for doc in docs:
            doc.records.sort()
            indices = [r[0] for r in doc.records]
            if len(set(indices)) != len(indices):
                raise InputError(f"{path}: {doc.path} has two records with the same index; "
                                 "the file is corrupt or two runs were concatenated")
            last = max(r[1] for r in doc.records)
            source = _source_segments(doc)
            if source is not None and last < len(source[1]):
                count, segment_of = source
            else:
                count, segment_of = last + 1, list(range(last + 1))
                notes.append(f"{doc.path}: source not found or changed since translation; its "
                             f"line count ({count}) is taken from the records, so blank lines "
                             "at its end are not counted")
            targets: list[list[str]] = [[] for _ in range(count)]
            for _, line_no, target in doc.records:
                targets[segment_of[line_no]].append(target)
            spans.append(DocumentSpan(doc.path, len(lines), len(lines) + count))
            # A line break inside a target would split it into two lines of a hypothesis file.
            lines.extend(" ".join(t for t in seg if t).replace("\n", " ").rstrip()
                         for seg in targets)
    return Hypotheses(tuple(lines), tuple(spans), tuple(str(p) for p in paths), tuple(models),
                      tuple(notes))


def record_files(path: str | Path) -> list[Path]:
    """A record file as given, or a directory's ``*.jsonl`` files, sorted by name."""
    p = Path(path)
    if p.is_dir():
        found = sorted(q for q in p.glob("*.jsonl") if q.is_file())
        if not found:
            raise InputError(f"{p}: directory holds no record files (*.jsonl)")
        return found
    if not p.exists():
        raise InputError(f"{p}: no such file or directory")
    return [p]


def is_record_path(path: str | Path) -> bool:
    """Is ``path`` read as records (a directory or a ``.jsonl`` file) or as plain text?"""
    p = Path(path)
    return p.is_dir() or p.name.endswith(".jsonl")


def load_run(paths: Sequence[str | Path], plain_text: bool = False) -> Hypotheses:
    """One system's hypotheses from record files, directories of them, or (``plain_text``)
    plain-text files; concatenated in the order given."""
    if plain_text:
        return hypotheses_from_text(paths)
    if not paths:
        raise EvaluationError("no hypotheses given")
    text = [p for p in paths if not is_record_path(p)]
    if text and len(text) < len(paths):
        raise EvaluationError(f"{text[0]}: mixes plain text with record files; give one kind "
                              "per system")
    if text:
        return hypotheses_from_text(paths)
    files = [f for p in paths for f in record_files(p)]
    return hypotheses_from_records(files)


@dataclass(frozen=True)
class References:
    """One or more reference files, one segment per line; ``streams[k][i]`` is segment ``i``
    of reference ``k`` (sacrebleu's layout)."""

    streams: tuple[tuple[str, ...], ...]
    files: tuple[str, ...]


def read_references(paths: Sequence[str | Path]) -> References:
    """Read reference files; they must have the same number of lines."""
    if not paths:
        raise EvaluationError("no reference given (--ref FILE)")
    streams = tuple(read_lines(p) for p in paths)
    for p, s in zip(paths[1:], streams[1:]):
        if len(s) != len(streams[0]):
            raise EvaluationError(f"references differ in length: {paths[0]} has "
                                  f"{len(streams[0])} lines but {p} has {len(s)}")
    return References(streams, tuple(str(p) for p in paths))


def check_counts(hypotheses: Hypotheses, references: References) -> None:
    """Refuse to score hypotheses that do not line up with the references, in one line that
    names the files and both counts."""
    n, m = len(hypotheses.lines), len(references.streams[0])
    if n == m:
        return
    hint = ""
    if hypotheses.notes:
        hint = (f" (for {len(hypotheses.notes)} document(s) the line count came from the "
                "records because the source was not found)")
    raise EvaluationError(f"{hypotheses.label}: {n} hypotheses but {_files_label(references.files)} "
                          f"has {m} lines{hint}")


# ----------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class MetricScore:
    """One corpus score as sacrebleu computed it. ``mean`` and ``ci`` (half-width of the 95%
    interval) are set when bootstrapped; ``verbose`` is sacrebleu's detail (BLEU's n-gram
    precisions and brevity penalty)."""

    name: str
    score: float
    signature: str
    verbose: str = ""
    mean: float | None = None
    ci: float | None = None

    def line(self, width: int = 1) -> str:
        """The line the sacrebleu command line prints (``-f text``) for this score."""
        out = f"{self.name}|{self.signature} = {self.score:.{width}f}"
        if self.mean is not None and self.ci is not None:
            out += f" (μ = {self.mean:.{width}f} ± {self.ci:.{width}f})"
        return f"{out} {self.verbose}" if self.verbose else out

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": self.score, "signature": self.signature,
                "verbose": self.verbose, "mean": self.mean, "ci": self.ci}


@dataclass(frozen=True)
class EvalResult:
    """Corpus scores of one system, one per metric, in the order asked for."""

    scores: tuple[MetricScore, ...]
    segments: int
    references: int

    def score(self, name: str) -> MetricScore:
        """The score whose sacrebleu name (``BLEU``, ``chrF2``, ``TER``) or metric key
        (``bleu``, ``chrf``, ``ter``) is ``name``."""
        for s in self.scores:
            if s.name == name or _metric_key(s.name) == name:
                return s
        raise KeyError(name)

    def lines(self, width: int = 1) -> list[str]:
        """The scores as sacrebleu prints them, aligned at ``=`` as it does."""
        lines = [s.line(width) for s in self.scores]
        w = max((line.index(" = ") for line in lines), default=0)
        return [line.rjust(len(line) + w - line.index(" = ")) for line in lines]

    def to_dict(self) -> dict[str, Any]:
        return {"segments": self.segments, "references": self.references,
                "scores": [s.to_dict() for s in self.scores]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def _metric_key(name: str) -> str:
    lower = name.lower()
    if lower.startswith("chrf"):
        return "chrf++" if lower.endswith("++") else "chrf"
    return lower


def _metrics(names: Sequence[str], references: Sequence[Sequence[str]] | None,
             metric_args: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """Fresh sacrebleu metric objects keyed by our names (a fresh object per call: sacrebleu
    keeps bootstrap settings on the object, and they enter its signature)."""
    from sacrebleu.metrics import METRICS as SACREBLEU_METRICS

    if not names:
        raise EvaluationError("no metric asked for; choose from " + ", ".join(METRICS))
    out: dict[str, Any] = {}
    for name in names:
        key = name.strip().lower()
        if key not in _SACREBLEU_CLASS:
            raise EvaluationError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if key in out:
            raise EvaluationError(f"metric {name!r} asked for twice")
        cls, defaults = _SACREBLEU_CLASS[key]
        kwargs = {**defaults, **dict((metric_args or {}).get(key, {}))}
        if references is not None:
            kwargs["references"] = references
        try:
            out[key] = SACREBLEU_METRICS[cls](**kwargs)
        except (TypeError, ValueError, KeyError, ImportError) as exc:
            shown = {k: v for k, v in kwargs.items() if k != "references"}
            raise EvaluationError(f"{key}: sacrebleu refuses the options {shown}: {exc!r}") from None
    return out


def _streams(hypotheses: Sequence[str], references: Sequence[Sequence[str]]
             ) -> tuple[list[str], list[list[str]]]:
    hyps = list(hypotheses)
    if not hyps:
        raise EvaluationError("nothing to score: no hypotheses")
    if not references or isinstance(references[0], str):
        raise EvaluationError("references must be a list of reference streams, each a list "
                              "of segments parallel to the hypotheses ([[ref1, ref2, ...]])")
    refs = [list(r) for r in references]
    for k, r in enumerate(refs, 1):
        if len(r) != len(hyps):
            raise EvaluationError(f"{len(hyps)} hypotheses but reference stream {k} has "
                                  f"{len(r)} segments")
    return hyps, refs


def _score(sb_score: Any, metric: Any) -> MetricScore:
    # sacrebleu keeps the bootstrap estimate in Score._mean/_ci (-1 when not computed) and
    # BLEU's details in Score._verbose; it has no public accessor for them.
    bootstrapped = metric.n_bootstrap is not None
    return MetricScore(name=sb_score.name, score=float(sb_score.score),
                       signature=metric.get_signature().format(),
                       verbose=getattr(sb_score, "_verbose", ""),
                       mean=float(sb_score._mean) if bootstrapped else None,
                       ci=float(sb_score._ci) if bootstrapped else None)


def evaluate(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
             metrics: Sequence[str] = DEFAULT_METRICS, bootstrap: int | None = None,
             metric_args: Mapping[str, Mapping[str, Any]] | None = None) -> EvalResult:
    """Corpus scores of ``hypotheses`` against one or more reference streams
    (``references[k][i]`` is reference ``k`` of segment ``i``).

    ``bootstrap=N`` adds sacrebleu's 95% confidence interval from ``N`` resamples (``-ci
    -cin N``). ``metric_args`` passes options to a sacrebleu metric, e.g. ``{"bleu":
    {"tokenize": "intl"}}``; they appear in its signature."""
    hyps, refs = _streams(hypotheses, references)
    if bootstrap is not None and bootstrap < 2:
        raise EvaluationError(f"bootstrap needs at least 2 resamples, got {bootstrap}")
    out = []
    for metric in _metrics(metrics, None, metric_args).values():
        sb = metric.corpus_score(hyps, refs, n_bootstrap=bootstrap or 1)
        out.append(_score(sb, metric))
    return EvalResult(tuple(out), len(hyps), len(refs))


@dataclass(frozen=True)
class DocumentResult:
    """Scores of one document: segments ``[start, end)`` of the corpus."""

    name: str
    start: int
    end: int
    result: EvalResult | None  # None for a document without segments

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "start": self.start, "end": self.end,
                "scores": [] if self.result is None else [s.to_dict() for s in self.result.scores]}


def score_documents(hypotheses: Sequence[str], references: Sequence[Sequence[str]],
                    documents: Sequence[DocumentSpan], metrics: Sequence[str] = DEFAULT_METRICS,
                    metric_args: Mapping[str, Mapping[str, Any]] | None = None
                    ) -> tuple[DocumentResult, ...]:
    """Corpus scores of each document alone (the same as scoring its lines as a file)."""
    hyps, refs = _streams(hypotheses, references)
    out = []
    for doc in documents:
        if not 0 <= doc.start <= doc.end <= len(hyps):
            raise EvaluationError(f"{doc.name}: segments [{doc.start}, {doc.end}) lie outside "
                                  f"the {len(hyps)} hypotheses")
        result = None
        if doc.end > doc.start:
            result = evaluate(hyps[doc.start:doc.end], [r[doc.start:doc.end] for r in refs],
                              metrics, metric_args=metric_args)
        out.append(DocumentResult(doc.name, doc.start, doc.end, result))
    return tuple(out)


@dataclass(frozen=True)
class PairedScore:
    """One system's result for one metric in a paired test. The baseline has no p-value;
    ``mean`` and ``ci`` come from bootstrap resampling (paired bootstrap only)."""

    system: str
    metric: str
    score: float
    p_value: float | None
    mean: float | None
    ci: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"system": self.system, "metric": self.metric, "score": self.score,
                "p_value": self.p_value, "mean": self.mean, "ci": self.ci}


@dataclass(frozen=True)
class PairedResult:
    """A paired significance test of systems against the first one (the baseline), as
    ``sacrebleu --paired-bs`` / ``--paired-ar`` runs it."""

    test: str
    samples: int
    systems: tuple[str, ...]
    metrics: tuple[str, ...]
    signatures: tuple[str, ...]
    scores: tuple[PairedScore, ...]

    def get(self, system: str, metric: str) -> PairedScore:
        for s in self.scores:
            if s.system == system and (s.metric == metric or _metric_key(s.metric) == metric):
                return s
        raise KeyError((system, metric))

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "samples": self.samples, "baseline": self.systems[0],
                "systems": list(self.systems),
                "signatures": dict(zip(self.metrics, self.signatures)),
                "scores": [s.to_dict() for s in self.scores]}

    def lines(self, width: int = 1) -> list[str]:
        """A table: one row per system, one column per metric, p-values under the scores."""
        head = f"{PAIRED_TESTS[self.test]} ({self.samples} {'resamples' if self.test == 'bs' else 'trials'}), " \
               f"baseline: {self.systems[0]}"
        out = [head]
        name_w = max(len(n) for n in self.metrics)
        out += [f"  {m:<{name_w}}  {sig}" for m, sig in zip(self.metrics, self.signatures)]
        cells = [["system", *(f"{m} (μ ± 95% CI)" if self.test == "bs" else m for m in self.metrics)]]
        for system in self.systems:
            row = [system]
            for m in self.metrics:
                s = self.get(system, m)
                cell = f"{s.score:.{width}f}"
                if s.mean is not None and s.ci is not None:
                    cell += f" ({s.mean:.{width}f} ± {s.ci:.{width}f})"
                if s.p_value is not None:
                    cell += f" p = {s.p_value:.4f}{'*' if s.p_value < 0.05 else ''}"
                row.append(cell)
            cells.append(row)
        widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
        out += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
        out.append("  * p < 0.05: the difference to the baseline is unlikely to be chance "
                   "(it says nothing about which is better)")
        return out


def compare(systems: Sequence[tuple[str, Sequence[str]]], references: Sequence[Sequence[str]],
            metrics: Sequence[str] = DEFAULT_METRICS, test: str = "bs",
            samples: int | None = None,
            metric_args: Mapping[str, Mapping[str, Any]] | None = None) -> PairedResult:
    """Paired significance test of each system against the first (the baseline), with
    sacrebleu's own implementation: ``test="bs"`` paired bootstrap resampling (also gives
    each system's 95% CI), ``test="ar"`` approximate randomization. ``samples`` defaults to
    sacrebleu's (1000 resamples, 10000 trials)."""
    from sacrebleu.significance import PairedTest

    if test not in PAIRED_TESTS:
        raise EvaluationError(f"unknown paired test {test!r}; choose bs or ar")
    if len(systems) < 2:
        raise EvaluationError("a paired test needs a baseline and at least one other system")
    names = [name for name, _ in systems]
    if len(set(names)) != len(names):
        raise EvaluationError("two systems have the same name: " +
                              next(n for n in names if names.count(n) > 1))
    n = samples if samples is not None else DEFAULT_PAIRED_SAMPLES[test]
    if n < 1:
        raise EvaluationError(f"a paired test needs at least 1 sample, got {n}")
    hyps_by_system = [(name, _streams(hyps, references)[0]) for name, hyps in systems]
    refs = _streams(hyps_by_system[0][1], references)[1]
    # As the sacrebleu CLI does: metrics cache the references, the test gets references=None.
    sb_metrics = _metrics(metrics, refs, metric_args)
    signatures, table = PairedTest(hyps_by_system, sb_metrics, references=None, test_type=test,
                                   n_samples=n)()
    metric_names = tuple(k for k in table if k != "System")
    scores = []
    for i, system in enumerate(names):
        for m in metric_names:
            r = table[m][i]
            scores.append(PairedScore(system, m, float(r.score), _float(r.p_value),
                                      _float(r.mean), _float(r.ci)))
    return PairedResult(test, n, tuple(names), metric_names,
                        tuple(signatures[m].format() for m in metric_names), tuple(scores))


def _float(value: Any) -> float | None:
    """sacrebleu returns numpy float32 for some bootstrap estimates: keep the value, as a float."""
    return None if value is None else float(value)


# ----------------------------------------------------------------------------- published figures


@dataclass(frozen=True)
class PublishedFigure:
    """A score published for a model on a test set, to print next to ours; ``scores`` are
    on sacrebleu's 0-100 scale, keyed by sacrebleu's metric names."""

    model: str
    test_set: str
    langpair: str
    segments: int
    scores: tuple[tuple[str, float], ...]
    source: str
    aliases: tuple[str, ...] = ()
    #: sha256 of reference files known to be this test set, to recognise it unnamed
    reference_sha256: tuple[str, ...] = ()


PUBLISHED = (
    PublishedFigure(
        model="Helsinki-NLP/opus-mt-de-en", test_set="newstest2019", langpair="de-en",
        segments=2000, scores=(("BLEU", 40.1), ("chrF2", 64.2)),
        source="model card of Helsinki-NLP/opus-mt-de-en (release opus-2020-02-26, beam 4; "
               "chrF given there as 0.642); computed by its authors, signature not published",
        aliases=("wmt19", "newstest2019-deen", "wmt19-de-en"),
        reference_sha256=("95152920451528b9e167d42def3fd7d0ea0d9a4f12e88bdf63b4adba4975cb1d",)),
)


def find_published(test_set: str | None = None, reference_sha256: str | None = None
                   ) -> PublishedFigure | None:
    """The published figure for a test set named ``test_set`` (or an alias), else for a
    reference file whose sha256 is known to be one."""
    for fig in PUBLISHED:
        if test_set is not None:
            if test_set.strip().lower() in (fig.test_set, *fig.aliases):
                return fig
        elif reference_sha256 is not None and reference_sha256 in fig.reference_sha256:
            return fig
    return None


@dataclass(frozen=True)
class PublishedComparison:
    """Our scores next to a published figure, and whether the two can be compared at all."""

    figure: PublishedFigure
    rows: tuple[tuple[str, float, float], ...]  # (metric, ours, published)
    comparable: bool
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.figure.model, "test_set": self.figure.test_set,
                "source": self.figure.source, "comparable": self.comparable,
                "verdict": self.verdict,
                "scores": [{"metric": m, "ours": o, "published": p} for m, o, p in self.rows]}

    def lines(self, width: int = 1) -> list[str]:
        out = [f"published: {self.figure.model} on {self.figure.test_set} ({self.figure.source})"]
        ours = [f"{o:.{width}f}" for _, o, _ in self.rows]
        w = max(map(len, ours), default=0)
        out += [f"  {m:<6} ours {o:>{w}}  published {p:.1f}" for (m, _, p), o in zip(self.rows, ours)]
        out.append(f"  {self.verdict}")
        return out


def _is_demo_model(model: ModelUsed) -> bool:
    from .paths import cache_dir

    return model.directory is not None and Path(model.directory) == cache_dir() / "demo-model"


def model_verdict(models: Sequence[ModelUsed]) -> str | None:
    """A plain warning when the hypotheses come from a local model directory (tests, the
    demo, a random shape twin): such a score describes that model only, and nothing at all
    if the model is random. None when every model is a hub model."""
    local = [m for m in models if m.directory is not None]
    if not local:
        return None
    if any(_is_demo_model(m) for m in local):
        return ("these translations come from `pipeline demo`'s tiny RANDOM model: "
                "the score means nothing")
    names = ", ".join(m.directory or "" for m in local)
    return (f"these translations come from a local model directory ({names}), not the pinned "
            "model: if it is a random model (the tests' tiny model, the demo, a shape twin), "
            "the score means nothing")


def compare_published(result: EvalResult, figure: PublishedFigure,
                      models: Sequence[ModelUsed]) -> PublishedComparison:
    """Put ``result`` next to ``figure`` and say whether the comparison holds: same model
    repository, the whole test set."""
    rows = []
    for name, published in figure.scores:
        try:
            rows.append((name, result.score(name).score, published))
        except KeyError:
            continue
    repos = {m.repo for m in models if m.repo}
    if not models:
        verdict, ok = (f"the hypotheses do not say which model made them; the figure is for "
                       f"{figure.model}"), False
    elif any(m.directory for m in models) or repos != {figure.model}:
        names = ", ".join(m.label for m in models)
        verdict, ok = f"NOT comparable: translated by {names}, not {figure.model}", False
    elif result.segments != figure.segments:
        verdict, ok = (f"NOT comparable: the figure covers all {figure.segments} segments of "
                       f"{figure.test_set}, {result.segments} were scored"), False
    else:
        verdict, ok = ("same model repository and test set; the published run may differ in "
                       "model revision, engine, compute type and beam"), True
    return PublishedComparison(figure, tuple(rows), ok, verdict)


# ----------------------------------------------------------------------------- files to report


@dataclass(frozen=True)
class Report:
    """Everything ``pipeline eval`` prints: scores (or paired tests), per-document scores,
    the published figure, warnings and notes, and the sacrebleu command that reproduces the
    scores."""

    systems: tuple[str, ...]
    references: tuple[str, ...]
    segments: int
    result: EvalResult | None = None
    paired: tuple[PairedResult, ...] = ()
    documents: tuple[DocumentResult, ...] = ()
    published: PublishedComparison | None = None
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    reproduce: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"systems": list(self.systems), "references": list(self.references),
                "segments": self.segments,
                "scores": None if self.result is None else [s.to_dict() for s in self.result.scores],
                "paired": [p.to_dict() for p in self.paired],
                "documents": [d.to_dict() for d in self.documents],
                "published": None if self.published is None else self.published.to_dict(),
                "warnings": list(self.warnings), "notes": list(self.notes),
                "reproduce": list(self.reproduce)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def lines(self, width: int = 1) -> list[str]:
        what = (f"{len(self.systems)} systems" if len(self.systems) > 1 else self.systems[0])
        out = [f"{what}: {self.segments} segments, reference: {_files_label(self.references)}"]
        out += [f"WARNING: {w}" for w in self.warnings]
        if self.result is not None:
            out += self.result.lines(width)
        for p in self.paired:
            out += p.lines(width)
        if self.documents:
            out += _document_lines(self.documents, width)
        if self.published is not None:
            out += self.published.lines(width)
        out += [f"note: {n}" for n in self.notes]
        out += [f"reproduce: {c}" for c in self.reproduce]
        return out


def _document_lines(documents: Sequence[DocumentResult], width: int) -> list[str]:
    names = next((tuple(s.name for s in d.result.scores) for d in documents if d.result), ())
    cells = [["segments", *names, "document"]]
    for d in documents:
        scores = [f"{s.score:.{width}f}" for s in d.result.scores] if d.result else ["-"] * len(names)
        cells.append([f"{d.start + 1}-{d.end}", *scores, d.name])
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]) - 1)]
    return ["per document:"] + ["  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)) + "  " + r[-1]
                                for r in cells]


def _sacrebleu_command(refs: Sequence[str], hyps: Sequence[str], metrics: Sequence[str],
                       *options: str) -> str | None:
    """The sacrebleu command line that prints the same scores, or None if there is none."""
    import shlex

    keys = [m.strip().lower() for m in metrics]
    if "chrf" in keys and "chrf++" in keys:
        return None  # one sacrebleu run has one chrF word order
    opts = ["-m", *("chrf" if k == "chrf++" else k for k in keys)]
    if "chrf++" in keys:
        opts += ["--chrf-word-order", "2"]
    return shlex.join(["sacrebleu", *refs, "-i", *hyps, *opts, *options])


def evaluate_files(runs: Sequence[Sequence[str | Path]], refs: Sequence[str | Path], *,
                   plain_text: bool = False, metrics: Sequence[str] = DEFAULT_METRICS,
                   bootstrap: int | None = None, trials: int | None = None,
                   per_document: bool = False, test_set: str | None = None,
                   write_hypotheses: str | Path | None = None) -> Report:
    """What ``pipeline eval`` does. One run (a list of record files, directories of them, or
    plain-text files) is scored, with 95% CIs from ``bootstrap`` resamples if given; several
    runs are compared against the first with paired bootstrap resampling (``bootstrap``
    resamples, default 1000; 0 skips it) and approximate randomization (``trials``, default
    10000; 0 skips it). ``test_set`` names the test set for the published figure (a reference
    file known by its sha256 is recognised without it)."""
    if not runs:
        raise EvaluationError("no hypotheses given")
    references = read_references(refs)
    systems = [load_run(run, plain_text) for run in runs]
    for hyps in systems:
        check_counts(hyps, references)
    names = tuple(_files_label([str(p) for p in run]) for run in runs)
    notes = [n for h in systems for n in h.notes]
    warnings = [f"{name}: {w}" if len(systems) > 1 else w
                for name, h in zip(names, systems) if (w := model_verdict(h.models))]
    if len(systems) > 1:
        if per_document or write_hypotheses is not None or test_set is not None:
            raise EvaluationError("per-document scores, --write-hyp and --test-set apply to "
                                  "one system; leave them out of a paired comparison")
        if len(set(names)) != len(names):
            raise EvaluationError("the same hypotheses are given twice: " +
                                  next(n for n in names if names.count(n) > 1))
        named = list(zip(names, (h.lines for h in systems)))
        paired = tuple(compare(named, references.streams, metrics, test, n)
                       for test, n in (("bs", bootstrap), ("ar", trials)) if n != 0)
        if not paired:
            raise EvaluationError("both paired tests are switched off (0 resamples, 0 trials)")
        reproduce: tuple[str | None, ...] = ()
        if all(len(h.files) == 1 and _is_text(h, plain_text) for h in systems):
            files = [h.files[0] for h in systems]
            reproduce = tuple(_sacrebleu_command(references.files, files, metrics,
                                                 f"--paired-{p.test}", f"--paired-{p.test}-n",
                                                 str(p.samples)) for p in paired)
        return Report(names, references.files, len(references.streams[0]), paired=paired,
                      warnings=tuple(warnings), notes=tuple(notes),
                      reproduce=tuple(c for c in reproduce if c))
    hyps = systems[0]
    if write_hypotheses is not None:  # never over a file just read
        from .outputs import Inputs, refuse_clash

        refuse_clash(Inputs([*references.files, *hyps.files]), Path(write_hypotheses),
                     "--write-hyp", "name another file")
    result = evaluate(hyps.lines, references.streams, metrics, bootstrap or None)
    documents = (score_documents(hyps.lines, references.streams, hyps.documents, metrics)
                 if per_document else ())
    figure = find_published(test_set)
    if test_set is not None and figure is None:
        notes.append(f"no published figure known for test set {test_set!r} (known: "
                     f"{', '.join(f.test_set for f in PUBLISHED)})")
    if test_set is None:
        figure = find_published(reference_sha256=_sha256(references.files[0]))
        if figure is not None:
            notes.append(f"{references.files[0]} recognised by its sha256 as {figure.test_set} "
                         f"{figure.langpair}")
    published = compare_published(result, figure, hyps.models) if figure else None
    if len(hyps.models) > 1:
        notes.append(f"the hypotheses come from {len(hyps.models)} different models: "
                     + "; ".join(m.label for m in hyps.models))
    empty = sum(1 for line in hyps.lines if not line)
    if empty:
        notes.append(f"{empty} of {len(hyps.lines)} hypotheses are empty")
    hyp_files: Sequence[str] = hyps.files if _is_text(hyps, plain_text) else ()
    if write_hypotheses is not None:
        from .io import write_output_text

        write_output_text(Path(write_hypotheses), "".join(line + "\n" for line in hyps.lines),
                          "--write-hyp")
        hyp_files = (str(write_hypotheses),)
    command = None
    if len(hyp_files) == 1:
        ci = ("-ci", "-cin", str(bootstrap)) if bootstrap else ()
        command = _sacrebleu_command(references.files, hyp_files, metrics, *ci)
    return Report(names, references.files, result.segments, result=result, documents=documents,
                  published=published, warnings=tuple(warnings), notes=tuple(notes),
                  reproduce=(command,) if command else ())


def _is_text(hypotheses: Hypotheses, plain_text: bool) -> bool:
    """Were these hypotheses read from plain-text files (that sacrebleu can read too)?"""
    return plain_text or not any(is_record_path(f) for f in hypotheses.files)


def _sha256(path: str) -> str | None:
    from .document import sha256_file

    try:
        return sha256_file(path)
    except OSError:
        return None
