"""Batch benchmark: a generated archive of German news articles through `pipeline translate`.

Builds (and caches) the tiny random test model, generates an archive of articles from the
German side of newstest2019 in ../shared/eval/mt (never copied into the repo), and runs the real
CLI as a subprocess on 100 and on N (default 500) articles, each into a fresh output directory
with the translation memory off. Prints documents/s, sentences/s and peak RSS of each run, and the
time of an immediate second run over the N articles (everything up to date: skipped by content).

    python -m bench.batch [--articles 500] [--eval-dir ../shared/eval] [--engine ENGINE]

The tiny model's English is random; this measures the pipeline's batch machinery, not the
speed of the real model (see bench/throughput.py for that).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

from bench.common import EVAL, articles, make_model, newstest, pipeline_command, timed_run, \
    write_folder


def make_archive(lines: list[str], n: int, dest: Path) -> int:
    """``n`` news-shaped articles (bench.common's ``news`` layout) in ``dest``; their bytes."""
    texts = articles(lines, n, layout="news")
    write_folder(texts, dest, stem="artikel")
    return sum(len(t.encode()) for t in texts)


def timed_cli(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run the CLI; return wall seconds, peak RSS in MiB (of that process), and stderr's tail."""
    done = timed_run(pipeline_command(*args), env=env)
    err = done.stderr.strip()
    return done.wall, int(done.rss_mib), err.splitlines()[-1] if err else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--eval-dir", type=Path, default=EVAL)
    ap.add_argument("--engine", default=None, help="engine to pass (default: the pipeline's)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per size (median reported)")
    a = ap.parse_args()
    src = a.eval_dir / "mt" / "newstest2019.de-en.de"
    lines = [line.strip() for line in newstest(a.eval_dir / "mt")]
    model = make_model("tiny", in_child=True)  # torch here would inflate the children's peak RSS

    work = Path(tempfile.mkdtemp(prefix="pipeline-batch-bench-"))
    try:
        env = dict(os.environ, PIPELINE_CACHE=str(work / "cache"), PYTHONUNBUFFERED="1")
        extra = ["--engine", a.engine] if a.engine else []
        warm = work / "warm"
        make_archive(lines, 1, warm)  # converts/caches the model once, outside the timings
        timed_cli(["translate", str(warm), "-o", str(work / "warm_out"), "--model-dir", str(model),
                   "--no-cache", "--quiet", *extra], env)
        rows = []
        for n in sorted({100, a.articles}):
            archive = work / f"archive_{n}"
            size = make_archive(lines, n, archive)
            walls, rss = [], []
            for r in range(a.repeats):
                out = work / f"out_{n}_{r}"
                wall, peak, last = timed_cli(["translate", str(archive), "-o", str(out),
                                              "--model-dir", str(model), "--no-cache", "--quiet",
                                              *extra], env)
                walls.append(wall)
                rss.append(peak)
            sentences = int(last.split("(")[1].split()[0]) if "(" in last else 0
            wall = statistics.median(walls)
            rows.append((n, size, sentences, wall, max(rss)))
            if n == a.articles:
                again, again_rss, last2 = timed_cli(["translate", str(archive), "-o", str(out),
                                                     "--model-dir", str(model), "--no-cache",
                                                     "--quiet", *extra], env)
        print(f"### Batch: generated archive from {src.name}, tiny random model, "
              f"{os.cpu_count()} CPUs\n")
        print("| articles | MB | sentences | wall s | documents/s | sentences/s | peak RSS MiB |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n, size, sentences, wall, peak in rows:
            print(f"| {n} | {size / 1e6:.2f} | {sentences} | {wall:.1f} | {n / wall:.1f} | "
                  f"{sentences / wall:.0f} | {peak} |")
        print(f"\nimmediate second run over {a.articles} articles: {again:.2f} s "
              f"({last2}); peak RSS {again_rss} MiB")
        print(f"RSS ratio {a.articles} vs 100 articles: {rows[-1][4] / rows[0][4]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
