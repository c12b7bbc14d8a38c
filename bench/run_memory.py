"""Peak memory of one `pipeline translate` run, and the time of a rerun that skips everything,
against the number of documents.

A run keeps, per document it wrote, only what the manifest says of it (not its records), so
peak memory should grow by little more than that with the archive. Generated JSONL archives of
N articles × --sentences consecutive newstest2019 segments (``../shared/eval/mt``, reused
round), the tiny test model, ``--beam 1 --format jsonl --no-cache``; peak RSS of the process
(``wait4``), warm-up run first (model conversion). Each run is followed by the same command
again, which finds every article up to date (the skip rule): its wall time per article is the
rerun figure. The last lines give what each article adds: KB of peak RSS for a plain run, ms
for a rerun, wall and CPU time (differences between the smallest and the largest archive, so the
fixed start-up cost drops out; CPU time is what other processes on a shared machine disturb
least). Issue 19's figures: ``--articles 2000,16000 --sentences 2``.

    python -m bench.run_memory [--articles 250,1000,4000] [--sentences 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import EVAL_MT, articles, make_model, newstest, pipeline_command, timed_run, \
    write_archive


def make_archive(lines: list[str], n: int, per_article: int, path: Path) -> Path:
    return write_archive(articles(lines, n, per_article), path)


def peak_mib(args: list[str]) -> tuple[float, float]:
    """Peak RSS (MiB) and CPU seconds (user + system) of one command."""
    timed = timed_run(args)
    return timed.rss_mib, timed.cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=EVAL_MT)
    ap.add_argument("--articles", default="250,1000,4000")
    ap.add_argument("--sentences", type=int, default=20)
    args = ap.parse_args()
    lines = newstest(args.eval_dir)
    most = max(int(a) for a in args.articles.split(",")) * args.sentences
    lines = (lines * (most // len(lines) + 1))[:most]  # the test set again, round
    with tempfile.TemporaryDirectory(prefix="bench-run-memory-") as tmp:
        work = Path(tmp)
        model = make_model("tiny", in_child=True)
        base = pipeline_command("translate", "--input-format", "jsonl", "--model-dir", model,
                                "--no-cache", "-q", "--beam", "1", "--format", "jsonl")
        peak_mib(base + [str(make_archive(lines, 1, 1, work / "warm.jsonl")), "-o",
                         str(work / "w")])
        print("| articles | sentences | peak RSS MiB | run s | rerun s | rerun CPU s | "
              "rerun peak RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|")
        rows = []
        for n in (int(a) for a in args.articles.split(",")):
            path = make_archive(lines, n, args.sentences, work / f"a{n}.jsonl")
            command = base + [str(path), "-o", str(work / f"out{n}")]
            started = time.perf_counter()
            mib, _ = peak_mib(command)
            ran = time.perf_counter() - started
            started = time.perf_counter()
            again, cpu = peak_mib(command)  # every article up to date
            rerun = time.perf_counter() - started
            rows.append((n, mib, rerun, cpu, again))
            print(f"| {n:,} | {n * args.sentences:,} | {mib:.0f} | {ran:.1f} | {rerun:.1f} | "
                  f"{cpu:.1f} | {again:.0f} |", flush=True)
        if len(rows) > 1:
            (n0, mib0, rerun0, cpu0, again0) = rows[0]
            (n1, mib1, rerun1, cpu1, again1) = rows[-1]
            print(f"per article from {n0:,} to {n1:,}: peak RSS "
                  f"{(mib1 - mib0) * 1024 / (n1 - n0):.2f} KB (plain run), rerun "
                  f"{(rerun1 - rerun0) * 1000 / (n1 - n0):.3f} ms wall, "
                  f"{(cpu1 - cpu0) * 1000 / (n1 - n0):.3f} ms CPU, "
                  f"{(again1 - again0) * 1024 / (n1 - n0):.2f} KB peak RSS")

if __name__ == "__main__":
    main()
