"""Sentence-segmentation benchmark: our German splitter against pysbd, syntok, sentencex and the
Moses splitter (``sentence-splitter``) on the evaluation sets in ``../shared/eval/segmentation``.

Usage::

    python bench/segmentation.py [--eval-dir ../shared/eval] [--runs 5] [--no-peers]

A *boundary* is the character offset where a sentence ends inside a document (the end of every
sentence except the document's last). Precision, recall and F1 are computed over the pooled
sets of boundaries of all documents of a set; "exact" is the share of documents whose boundaries
all match. Gold sentences and peers' output strings are mapped back to offsets by one forward scan
over the document text that matches their non-whitespace characters in order (so a peer that
normalises whitespace is not penalised for it). Gold rows whose sentences are not found in order
in the text are skipped (the README's ``pdf_clean`` rows).

The peers are bench-only extras (``pip install pysbd syntok sentencex sentence-splitter``), never
runtime dependencies of the pipeline; a missing one is reported as "not installed".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_EVAL_DIR = REPO.parent / "shared" / "eval"
SETS = ("wmt19_de_docs_sbd.jsonl", "de_unit_tests.jsonl", "ud_de_gsd_dev.jsonl")
#: The bars of issue 3 (minimum F1 of ours per set); the other set only has to beat the peers.
BARS = {"wmt19_de_docs_sbd.jsonl": 0.997, "de_unit_tests.jsonl": 0.90}
MIN_MB_S = 3.0


# ----------------------------------------------------------------------------- scoring


def map_spans(text: str, pieces: Iterable[str]) -> list[tuple[int, int]] | None:
    """Map ``pieces`` (sentences as strings, in order) to ``(start, end)`` offsets in ``text`` by
    one forward scan matching their non-whitespace characters in order. ``end`` is just after the
    piece's last non-whitespace character. Returns ``None`` when a piece cannot be matched."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    for piece in pieces:
        start = end = -1
        for ch in piece:
            if ch.isspace():
                continue
            while pos < n and text[pos].isspace():
                pos += 1
            if pos >= n or text[pos] != ch:
                return None
            if start < 0:
                start = pos
            pos += 1
            end = pos
        if start >= 0:
            spans.append((start, end))
    return spans


def boundaries(spans: Sequence[tuple[int, int]]) -> set[int]:
    """End offsets of every span except the last one of the document."""
    return {end for _, end in spans[:-1]}


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    docs: int = 0
    exact: int = 0

    def add(self, gold: set[int], pred: set[int]) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)
        self.docs += 1
        self.exact += gold == pred

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def exact_rate(self) -> float:
        return self.exact / self.docs if self.docs else 0.0


def load_set(path: Path) -> list[tuple[str, set[int]]]:
    """``(text, gold boundaries)`` per row; rows whose gold sentences are not in-order substrings
    of the text are skipped."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["text"]
            spans = _gold_spans(text, row["sentences"])
            if spans is None:
                continue
            rows.append((text, boundaries(spans)))
    return rows


def _gold_spans(text: str, sentences: Sequence[str]) -> list[tuple[int, int]] | None:
    spans = []
    pos = 0
    for s in sentences:
        s = s.strip()
        if not s:
            continue
        i = text.find(s, pos)
        if i < 0:
            return None
        spans.append((i, i + len(s)))
        pos = i + len(s)
    return spans


def score(rows: Sequence[tuple[str, set[int]]], spans_of: Callable[[str], list[tuple[int, int]] | None]) -> Score:
    """Score one splitter (``text -> spans``) on ``rows``; an unmappable output counts as no
    boundaries at all for that document."""
    sc = Score()
    for text, gold in rows:
        spans = spans_of(text)
        sc.add(gold, boundaries(spans) if spans else set())
    return sc


# ----------------------------------------------------------------------------- splitters


def ours() -> Callable[[str], list[tuple[int, int]]]:
    from pipeline.segment.de import GermanSplitter

    splitter = GermanSplitter()
    return lambda text: [(s.start, s.end) for s in splitter.split(text)]


def _peer_pysbd():
    import pysbd

    seg = pysbd.Segmenter(language="de", clean=False)
    return lambda text: map_spans(text, seg.segment(text))


def _peer_syntok():
    from syntok import segmenter

    def spans(text: str) -> list[tuple[int, int]]:
        out = []
        for paragraph in segmenter.analyze(text):
            for sentence in paragraph:
                toks = [t for t in sentence if t.value]
                if toks:
                    out.append((toks[0].offset, toks[-1].offset + len(toks[-1].value)))
        return out

    return spans


def _peer_sentencex():
    from sentencex import segment

    return lambda text: map_spans(text, list(segment("de", text)))


def _peer_moses():
    from sentence_splitter import SentenceSplitter

    splitter = SentenceSplitter(language="de")
    return lambda text: map_spans(text, splitter.split(text))


def per_line(spans_of: Callable[[str], list[tuple[int, int]] | None]) -> Callable[[str], list[tuple[int, int]] | None]:
    """Run a peer on each non-blank line separately and shift its spans back to document offsets.
    Several peers ignore single line breaks; feeding them lines gives them every headline boundary
    for free, so the comparison is as kind to them as it can be."""

    def spans(text: str) -> list[tuple[int, int]] | None:
        out: list[tuple[int, int]] = []
        offset = 0
        for line in text.splitlines(keepends=True):
            if line.strip():
                got = spans_of(line)
                if got is None:
                    return None
                out.extend((offset + s, offset + e) for s, e in got)
            offset += len(line)
        return out

    return spans


PEERS = {
    "pysbd": _peer_pysbd,
    "syntok": _peer_syntok,
    "sentencex": _peer_sentencex,
    "moses": _peer_moses,
}


def peer_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    dist = {"moses": "sentence-splitter"}.get(name, name)
    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def throughput(texts: Sequence[str], runs: int = 5) -> float:
    """Our MB/s (UTF-8 bytes) on ``texts``, median of ``runs`` passes, in this one process."""
    from pipeline.segment.de import GermanSplitter

    splitter = GermanSplitter()
    blob = "\n\n".join(texts)
    reps = max(1, (4 << 20) // max(1, len(blob.encode("utf-8"))))  # about 4 MB per pass
    size = len(blob.encode("utf-8")) * reps
    rates = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            splitter.split(blob)
        rates.append(size / (time.perf_counter() - t0) / 1e6)
    return statistics.median(rates)


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                    help="folder holding segmentation/*.jsonl (default: ../shared/eval)")
    ap.add_argument("--runs", type=int, default=5, help="throughput runs (median is reported)")
    ap.add_argument("--no-peers", action="store_true", help="score only our splitter")
    args = ap.parse_args(argv)

    seg_dir = args.eval_dir / "segmentation"
    if not seg_dir.is_dir():
        print(f"no evaluation data at {seg_dir}", file=sys.stderr)
        return 2

    from pipeline.segment.de import GermanSplitter

    splitters: dict[str, Callable | None] = {f"ours ({GermanSplitter.name})": ours()}
    if not args.no_peers:
        for name, factory in PEERS.items():
            try:
                splitters[f"{name} {peer_version(name)}"] = per_line(factory())
            except ImportError:
                splitters[name] = None

    ok = True
    wmt_texts: list[str] = []
    for set_name in SETS:
        path = seg_dir / set_name
        if not path.exists():
            print(f"\n### {set_name}: missing\n")
            continue
        rows = load_set(path)
        if set_name.startswith("wmt19"):
            wmt_texts = [t for t, _ in rows]
        n_bounds = sum(len(g) for _, g in rows)
        print(f"\n### {set_name} ({len(rows)} docs, {n_bounds} gold boundaries)\n")
        print("| splitter | P | R | F1 | exact docs |")
        print("|---|---:|---:|---:|---:|")
        results = {}
        for label, fn in splitters.items():
            if fn is None:
                print(f"| {label} | not installed | | | |")
                continue
            sc = score(rows, fn)
            results[label] = sc
            print(f"| {label} | {sc.precision:.4f} | {sc.recall:.4f} | {sc.f1:.4f} | {sc.exact_rate:.3f} |")
        our_label = next(iter(splitters))
        our_f1 = results[our_label].f1
        best_peer = max((s.f1 for k, s in results.items() if k != our_label), default=0.0)
        if our_f1 <= best_peer or our_f1 < BARS.get(set_name, 0.0):
            ok = False

    if wmt_texts:
        rate = throughput(wmt_texts, args.runs)
        print(f"\nthroughput (ours, one core, wmt19 texts, median of {args.runs}): {rate:.2f} MB/s")
        ok = ok and rate >= MIN_MB_S
    print(f"\nall bars cleared: {'yes' if ok else 'NO'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
