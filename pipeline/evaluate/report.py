"""What ``pipeline eval`` does and prints: one system scored, or several compared, with
per-document scores, the published figure, warnings, notes and the sacrebleu command that
reproduces the scores."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EvaluationError
from .hypotheses import (Hypotheses, check_counts, files_label, is_record_path, load_run,
                         read_references)
from .paired import PairedResult, compare
from .published import (PUBLISHED, PublishedComparison, compare_published, find_published,
                        model_verdict)
from .scores import DEFAULT_METRICS, DocumentResult, EvalResult, evaluate, score_documents


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
        out = [f"{what}: {self.segments} segments, reference: {files_label(self.references)}"]
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
    names = tuple(files_label([str(p) for p in run]) for run in runs)
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
        from ..outputs import Inputs, refuse_clash

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
        from ..io import write_output_text

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
    from ..digests import sha256_file

    try:
        return sha256_file(path)
    except OSError:
        return None
