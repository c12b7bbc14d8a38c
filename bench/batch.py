"""Batch benchmark: a generated archive of German news articles through `pipeline translate`.

Builds (and caches) the tiny random test model, generates an archive of articles from the
German side of newstest2019 in ../shared/eval/mt (never copied into the repo), and runs the real
CLI as a subprocess on 100 and on N (default 500) articles, each into a fresh output directory
with the translation memory off. Prints documents/s, sentences/s and peak RSS of each run, and the
time of an immediate second run over the N articles (everything up to date: skipped by content).

    python bench/batch.py [--articles 500] [--eval-dir ../shared/eval] [--engine ENGINE]

The tiny model's English is random; this measures the pipeline's batch machinery, not the
speed of the real model (see bench/throughput.py for that).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_archive(lines: list[str], n: int, dest: Path) -> int:
    """``n`` articles: a headline, then 2–4 paragraphs of 2–3 sentences, drawn in order from
    ``lines`` with a per-article offset so articles differ. Returns the number of bytes."""
    dest.mkdir(parents=True)
    total = 0
    pos = 0
    for i in range(n):
        parts = [lines[pos % len(lines)]]
        pos += 1
        for _ in range(2 + i % 3):
            k = 2 + (i + pos) % 2
            parts.append(" ".join(lines[(pos + j) % len(lines)] for j in range(k)))
            pos += k
        text = "\n\n".join(parts) + "\n"
        (dest / f"artikel_{i:04d}.txt").write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def timed_run(args: list[str], env: dict) -> tuple[float, int, str]:
    """Run the CLI; return wall seconds, peak RSS in MiB (of that process), and stderr's tail."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"pipeline failed:\n{err[-2000:]}")
    return wall, usage.ru_maxrss // 1024, err.strip().splitlines()[-1] if err.strip() else ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    ap.add_argument("--engine", default=None, help="engine to pass (default: the pipeline's)")
    ap.add_argument("--repeats", type=int, default=1, help="runs per size (median reported)")
    a = ap.parse_args()
    src = a.eval_dir / "mt" / "newstest2019.de-en.de"
    if not src.is_file():
        raise SystemExit(f"{src}: not found (pass --eval-dir)")
    lines = [line.strip() for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]

    from pipeline.paths import cache_dir

    model = cache_dir() / "bench-tiny-model"
    if not (model / "config.json").is_file():
        # In a child process: torch in this process would inflate the children's peak RSS
        # (ru_maxrss counts pages inherited at fork).
        subprocess.run([sys.executable, "-c", "import sys; from pipeline.tiny import build_model, "
                        "repo_text; build_model(sys.argv[1], repo_text(sys.argv[2]), seed=0)",
                        str(model), str(ROOT)], cwd=ROOT, check=True)

    work = Path(tempfile.mkdtemp(prefix="pipeline-batch-bench-"))
    try:
        env = dict(os.environ, PIPELINE_CACHE=str(work / "cache"), PYTHONUNBUFFERED="1")
        extra = ["--engine", a.engine] if a.engine else []
        warm = work / "warm"
        make_archive(lines, 1, warm)  # converts/caches the model once, outside the timings
        timed_run(["translate", str(warm), "-o", str(work / "warm_out"), "--model-dir", str(model),
                   "--no-cache", "--quiet", *extra], env)
        rows = []
        for n in sorted({100, a.articles}):
            archive = work / f"archive_{n}"
            size = make_archive(lines, n, archive)
            walls, rss = [], []
            for r in range(a.repeats):
                out = work / f"out_{n}_{r}"
                wall, peak, last = timed_run(["translate", str(archive), "-o", str(out),
                                              "--model-dir", str(model), "--no-cache", "--quiet",
                                              *extra], env)
                walls.append(wall)
                rss.append(peak)
            sentences = int(last.split("(")[1].split()[0]) if "(" in last else 0
            wall = statistics.median(walls)
            rows.append((n, size, sentences, wall, max(rss)))
            if n == a.articles:
                again, again_rss, last2 = timed_run(["translate", str(archive), "-o", str(out),
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
