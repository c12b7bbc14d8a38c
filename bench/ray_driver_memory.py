"""Peak memory of a Ray run's driver against the number of articles (issue 19, item 4).

A Ray run plans on the driver (each document read, checked and split there, then read again in
a Ray read task); the driver keeps of each planned window only its pickled references and its
units without text. This runs ``translate_files(..., executor=RayExecutor("local"))`` in a
fresh process per archive size (generated JSONL archives of N articles × --sentences
newstest2019 segments, tiny model, ``--beam 1``, JSONL only, no translation memory) and prints
the driver's peak RSS (its own process: Ray's workers are others) and what each article adds.

    python -m bench.ray_driver_memory [--articles 500,4000] [--sentences 5]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, articles, make_model, newstest, write_archive


def one(n: int, per: int, work: Path) -> None:
    """In a process of its own: one Ray run over n articles; prints 'n peak_mib seconds'."""
    from pipeline import translate_files
    from pipeline.cluster import RayExecutor

    lines = newstest()
    lines = (lines * (n * per // len(lines) + 1))[: n * per]
    archive = write_archive(articles(lines, n, per), work / f"a{n}.jsonl")
    model = make_model("tiny")
    started = time.perf_counter()
    summary = translate_files([archive], work / f"out{n}", input_format="jsonl",
                              model_dir=model, cache=False, beam=1, formats=("jsonl",),
                              executor=RayExecutor("local"), report=lambda message: None)
    assert len(summary.translated) == n, summary.failed[:3]
    print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
          time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", default="500,4000")
    ap.add_argument("--sentences", type=int, default=5)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        one(args.one, args.sentences, args.work)
        return
    make_model("tiny", in_child=True)
    rows = []
    print("| articles | sentences | driver peak RSS MiB | s |\n|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bench-ray-memory-") as tmp:
        for n in (int(a) for a in args.articles.split(",")):
            out = subprocess.run([sys.executable, "-m", "bench.ray_driver_memory", "--one",
                                  str(n), "--sentences", str(args.sentences), "--work", tmp],
                                 cwd=ROOT, capture_output=True, text=True, check=True)
            mib, secs = out.stdout.split()[-2:]
            rows.append((n, float(mib)))
            print(f"| {n:,} | {n * args.sentences:,} | {float(mib):.0f} | {float(secs):.0f} |",
                  flush=True)
    if len(rows) > 1:
        (n0, m0), (n1, m1) = rows[0], rows[-1]
        print(f"per article from {n0:,} to {n1:,}: driver peak RSS "
              f"{(m1 - m0) * 1024 / (n1 - n0):.2f} KB")


if __name__ == "__main__":
    main()
