"""`pipeline translate --ray local` against a plain run, on a generated JSONL archive.

The archive holds --articles articles of --sentences consecutive newstest2019 German segments
each (``../shared/eval/mt``; 500 × 2 by default, 500 × 4 uses all 2,000). Each side is the
command a user runs, in a process of its own, wall time from process start to exit (Ray's
start-up included):

    python -m pipeline translate ARCHIVE --input-format jsonl -o OUT --model-dir M --no-cache
        --window W [--ray local --actors N [--inter-threads T]]

Sides: plain (one process, one engine worker per core); `--ray local` as it comes (one actor
laid out as the plain run); Ray with 1 actor of 1 engine thread; Ray with 2 actors of 1 thread
(`--actors 2` on 2 cores); with --more, a plain run with 1 engine thread (the machine's own
scaling). Models: the tiny test model (where translation costs little, so the table shows
Ray's fixed costs) and the opus-mt-de-en shape twin (random weights, every output runs to its
cap: real per-sentence work; see bench/throughput.py).
Sides run in alternation, round after round; the table gives each side's median time and the
ratios are taken within a round (this machine's speed drifts by up to 2× between minutes).
Every Ray side's outputs are compared byte for byte with the plain run's. Peak memory per
actor, Ray's start-up (``ray.init``) and the driver's planning pass come from the run details
in the manifest.

    python -m bench.cluster [--articles 500] [--sentences 2] [--window 100] [--repeat 3]
                            [--twin-repeat 3] [--skip-twin] [--more]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench.common import EVAL_MT, articles, make_model, newstest, pipeline_command, timed_run, \
    write_archive


def digests(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())
            if p.name != "manifest.json"}


def run_side(archive: Path, model: Path, out: Path, window: int, extra: list[str]) -> dict:
    """One `pipeline translate` process: wall time, its peak RSS, the Ray run details."""
    shutil.rmtree(out, ignore_errors=True)
    done = timed_run(pipeline_command("translate", archive, "--input-format", "jsonl", "-o", out,
                                      "--model-dir", model, "--no-cache", "--quiet", "--window",
                                      window, *extra),
                     env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = done.wall
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {"wall": wall, "rss_mib": done.rss_mib, "documents":
            sum(1 for i in manifest["inputs"] if i["status"] == "translated"),
            "sentences": manifest["totals"]["sentences"],
            "ray": manifest["settings"].get("ray")}


SIDES = [("plain", []),
         ("--ray local (1 actor × 2 threads)", ["--ray", "local"]),
         ("ray, 1 actor × 1 thread", ["--ray", "local", "--actors", "1", "--inter-threads", "1"]),
         ("ray, 2 actors × 1 thread", ["--ray", "local", "--actors", "2"])]
MORE = [("plain, 1 thread", ["--inter-threads", "1"])]


def bench_model(name: str, model: Path, archive: Path, work: Path, window: int, repeat: int,
                sides: list) -> list[dict]:
    # untimed warm-up: converts the model once (cached) so no side pays for it
    warm = work / "warm.jsonl"
    warm.write_text(archive.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    run_side(warm, model, work / "warm-out", window, [])
    timed: dict[str, list[dict]] = {label: [] for label, _ in sides}
    for _ in range(repeat):  # sides in alternation, so that a noisy minute hits them all
        for k, (label, extra) in enumerate(sides):
            timed[label].append(run_side(archive, model, work / f"{name}-{k}", window, extra))
    rows = []
    reference = None
    for k, (label, _) in enumerate(sides):
        runs = timed[label]
        got = digests(work / f"{name}-{k}")
        if reference is None:
            reference = got
        wall = statistics.median(r["wall"] for r in runs)
        details = runs[-1]["ray"] or {}
        actors = details.get("actor_processes", {})
        rows.append({"model": name, "side": label, "wall": wall,
                     "docs_per_s": runs[0]["documents"] / wall,
                     "sentences": runs[0]["sentences"], "documents": runs[0]["documents"],
                     "identical": got == reference, "driver_rss": runs[-1]["rss_mib"],
                     "actor_rss": max((a["peak_rss_mib"] for a in actors.values()), default=None),
                     "connect": statistics.median(r["ray"]["connect_seconds"] for r in runs)
                     if details else None,
                     "plan": statistics.median(r["ray"]["plan_seconds"] for r in runs)
                     if details else None, "timings": [r["wall"] for r in runs]})
        print(f"  {name}: {label}: {wall:.1f} s {[round(t, 1) for t in rows[-1]['timings']]}",
              file=sys.stderr)
    return rows


def table(rows: list[dict]) -> str:
    out = ["| model | side | wall s (median) | documents/s | × plain time | peak RSS driver / "
           "per actor, MiB | ray.init s | driver's plan s | outputs = plain |",
           "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    plain = {r["model"]: r["wall"] for r in rows if r["side"] == "plain"}
    for r in rows:
        rss = f"{r['driver_rss']:.0f}" + (f" / {r['actor_rss']}" if r["actor_rss"] else "")
        connect = "" if r["connect"] is None else f"{r['connect']:.1f}"
        plan = "" if r["plan"] is None else f"{r['plan']:.1f}"
        out.append(f"| {r['model']} | {r['side']} | {r['wall']:.1f} | {r['docs_per_s']:.2f} | "
                   f"{r['wall'] / plain[r['model']]:.2f} | {rss} | {connect} | {plan} | "
                   f"{'yes' if r['identical'] else 'NO'} |")
    return "\n".join(out)


def paired(rows: list[dict], model: str, num: str, den: str) -> str:
    """time(num) / time(den) within each round of the alternation: the median and the range."""
    by = {r["side"]: r["timings"] for r in rows if r["model"] == model}
    if num not in by or den not in by:
        return "n/a"
    q = [a / b for a, b in zip(by[num], by[den])]
    return f"{statistics.median(q):.2f}× ({min(q):.2f}–{max(q):.2f} over {len(q)} rounds)"


def ratios(rows: list[dict]) -> list[str]:
    """Ratios of times taken within one round (sides alternate), which the machine's noise
    moves far less than the times themselves."""
    lines = []
    default, one, two = (side for side, _ in SIDES[1:4])
    for model in dict.fromkeys(r["model"] for r in rows):
        lines.append(f"- {model}: `--ray local` takes {paired(rows, model, default, 'plain')} "
                     f"the plain run's time; 1 actor × 1 thread takes "
                     f"{paired(rows, model, one, two)} the time of 2 actors × 1 thread")
        if any(r["side"] == MORE[0][0] for r in rows):
            lines.append(f"- {model}: the machine's own scaling: a plain run with 1 engine thread "
                         f"takes {paired(rows, model, MORE[0][0], 'plain')} the time of one "
                         "with 2")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=EVAL_MT)
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--sentences", type=int, default=2, help="segments per article")
    ap.add_argument("--window", type=int, default=100,
                    help="sentences per window, the same for every side (the Ray run's unit "
                    "of work: a 2,000-sentence archive makes 20 of them)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per side, tiny model")
    ap.add_argument("--twin-repeat", type=int, default=3, help="timings per side, twin")
    ap.add_argument("--skip-twin", action="store_true")
    ap.add_argument("--more", action="store_true", help="also a plain run with 1 thread")
    args = ap.parse_args()
    lines = newstest(args.eval_dir)
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    try:
        archive = write_archive(articles(lines, args.articles, args.sentences, cycle=False),
                                work / "archive.jsonl")
        tiny = make_model("tiny", in_child=True)
        sides = SIDES + (MORE if args.more else [])
        print(f"{os.cpu_count()} CPUs; archive: {args.articles} articles, "
              f"{args.articles * args.sentences} segments; window {args.window}; "
              f"--no-cache; beam: the model's (4)", file=sys.stderr)
        rows = bench_model("tiny", tiny, archive, work, args.window, args.repeat, sides)
        if not args.skip_twin:
            rows += bench_model("twin", make_model("twin", eval_dir=args.eval_dir, in_child=True),
                                archive, work, args.window, args.twin_repeat, sides)
        print(table(rows))
        print()
        print("\n".join(ratios(rows)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
