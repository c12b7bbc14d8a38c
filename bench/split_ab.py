"""A/B speed of a sentence splitter: a named git revision against the working tree.

``python -m bench.segmentation --lang de --baseline 2675cc0 [--runs 5] [--rounds 6]``

The revision's ``pipeline`` package is extracted with ``git archive REV pipeline`` into a
temporary folder and imported under another name (``pipeline_ab_base``), so both splitters run
in this one process on the same texts. Each round times both sides, in alternating order, as
the best of ``runs`` passes over about 2 MB (the WMT19 German documents of the shared set for
German, the language's development set otherwise, or the set named by ``--file``); the ratio is taken within each round and
its median reported, with whether both sides give identical spans and kinds on every text.
Times are the process's CPU time (``time.process_time``), which other processes competing for
the cores disturb less than the wall clock does.
"""

from __future__ import annotations

import importlib
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE = "pipeline_ab_base"


def revision_splitter(rev: str, lang: str, folder: Path) -> Callable:
    """The ``split`` function of ``lang`` at git revision ``rev`` (its package extracted into
    ``folder`` and imported as ``pipeline_ab_base``). Revisions before the per-language registry
    had only German (``pipeline.segment.split``)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "pipeline"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    spec = importlib.util.spec_from_file_location(
        BASE, folder / "pipeline" / "__init__.py",
        submodule_search_locations=[str(folder / "pipeline")])
    module = importlib.util.module_from_spec(spec)
    sys.modules[BASE] = module
    spec.loader.exec_module(module)
    segment = importlib.import_module(f"{BASE}.segment")
    if hasattr(segment, "splitter"):
        return segment.splitter(lang).split
    if lang != "de":
        raise SystemExit(f"revision {rev} has no splitter for {lang!r}")
    return segment.split


def texts_for(lang: str, eval_dir: Path, path: Path | None = None) -> list[str]:
    """The texts timed: those of ``path`` when given (``--file``), else the shared set of
    ``lang``."""
    from bench.segmentation import load_set

    if path is not None:
        return [t for t, _ in load_set(path)]
    seg = eval_dir / "segmentation"
    path = seg / "wmt19_de_docs_sbd.jsonl" if lang == "de" else next(
        iter(sorted(seg.glob(f"{lang}_*_docs_sbd.jsonl"))), None)
    if path is None or not path.exists():
        raise SystemExit(f"no evaluation set for {lang!r} in {seg}")
    return [t for t, _ in load_set(path)]


def best_rate(split: Callable, blob: str, reps: int, runs: int) -> float:
    size = len(blob.encode("utf-8")) * reps
    best = 0.0
    for _ in range(runs):
        t0 = time.process_time()
        for _ in range(reps):
            split(blob)
        best = max(best, size / (time.process_time() - t0) / 1e6)
    return best


def ab(rev: str, lang: str, eval_dir: Path, runs: int = 5, rounds: int = 6,
       path: Path | None = None) -> int:
    from pipeline.segment import splitter

    texts = texts_for(lang, eval_dir, path)
    ours = splitter(lang).split
    with tempfile.TemporaryDirectory(prefix="split-ab-") as tmp:
        base = revision_splitter(rev, lang, Path(tmp))
        same = all([(s.start, s.end, s.kind, s.paragraph) for s in base(t)]
                   == [(s.start, s.end, s.kind, s.paragraph) for s in ours(t)] for t in texts)
        blob = "\n\n".join(texts)
        reps = max(1, (2 << 20) // max(1, len(blob.encode("utf-8"))))
        print(f"A/B {lang}: {rev} against the working tree, {len(texts)} documents, "
              f"{len(blob.encode('utf-8')) * reps / 1e6:.1f} MB per pass, best of {runs} per "
              f"side and round, {rounds} rounds in alternating order\n")
        print(f"| round | {rev} MB/s | working tree MB/s | ratio (tree / {rev}) |")
        print("|---:|---:|---:|---:|")
        ratios, a_all, b_all = [], [], []
        for r in range(rounds):
            if r % 2 == 0:
                a = best_rate(base, blob, reps, runs)
                b = best_rate(ours, blob, reps, runs)
            else:
                b = best_rate(ours, blob, reps, runs)
                a = best_rate(base, blob, reps, runs)
            a_all.append(a)
            b_all.append(b)
            ratios.append(b / a)
            print(f"| {r + 1} | {a:.2f} | {b:.2f} | {b / a:.3f} |")
    print(f"\nmedian: {rev} {statistics.median(a_all):.2f} MB/s, working tree "
          f"{statistics.median(b_all):.2f} MB/s, ratio {statistics.median(ratios):.3f} "
          f"(best {max(a_all):.2f} / {max(b_all):.2f})")
    print(f"outputs identical on every document: {'yes' if same else 'NO'}")
    return 0
