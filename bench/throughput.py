"""Translation throughput on the CPU: transformers baseline vs `pipeline translate` vs raw CTranslate2.

Runs on a *shape twin* of Helsinki-NLP/opus-mt-de-en (random weights, exact shape, sentencepiece
trained on the German and English newstest text), built once and cached under the pipeline
cache. Random weights never emit </s>, so every output runs to its cap ceil(1.5 × source
tokens) + 10 on every side: the sides do the same work and the comparison is fair.

    python -m bench.throughput [--n 100] [--eval-dir ../shared/eval/mt] [--quick]
    python -m bench.throughput --baseline 2675cc0 [--n 48] [--rounds 7] [-- EXTRA ARGS]

``--baseline REV``: the tree of git revision REV (``git archive``, in a temporary folder) and the
working tree, both byte-compiled first (as an installed package is), each run ``python -m
pipeline translate`` on the same article files with the same settings (``--no-cache``, a fresh
translation memory), PYTHONPATH pointing at each tree, in
alternating order (ABBA), ``--rounds`` times; prints per side the median and best wall and CPU
time (the child's user + system time, less disturbed by other processes than the wall clock),
the ratios working tree / REV, and whether the two sides' outputs (everything but
``manifest.json``) are byte-identical; when they are not (another version writes another
schema or provenance), whether every record's sentence, span, translation and score are.

Sides (same sentences, one run, medians of --repeat timings; (a) is timed once):
  (a) transformers as its users write it: fp32, the model's beam 4, batches of 16 in input order
      (with the same per-sentence caps, enforced as the pipeline's torch engine does);
  (b) `python -m pipeline translate FILES -o DIR --model-dir TWIN --no-cache`, wall time including
      process start, the input split into article files of ~20 lines;
  (c) the same with --beam 1;
  (d) the best raw CTranslate2 `translate_batch` configuration found (beam 4), every sentence
      decoded to its own cap as in (a) and (b); (d') the best one that decodes each batch to its
      largest cap and cuts the outputs (shorter sentences decoded past their caps).
Also: the CTranslate2 thread layouts (inter × intra), time to first output on one article,
peak RSS for 1000 sentences (--beam 1) and a second run of that batch with the cache on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Timed, articles, make_model, timed_run, write_folder
from pipeline.paths import cache_dir
from pipeline.translate.base import output_cap

ARTICLE_LINES = 20


def twin_model(eval_dir: Path) -> Path:
    """The opus-mt-de-en shape twin (bench.common), cached by its training text."""
    return make_model("twin", eval_dir=eval_dir)


def write_articles(lines: list[str], directory: Path) -> list[Path]:
    return write_folder(articles(lines, per_article=ARTICLE_LINES), directory)


def run_cli(args: list[str], env: dict, watch: Path | None = None) -> dict:
    """Run `python -m pipeline translate ARGS`; wall time, time until the first *.jsonl
    appears in ``watch``, and the child's peak RSS (from wait4)."""
    done: Timed = timed_run([sys.executable, "-m", "pipeline", "translate", *args], env=env,
                            watch=watch)
    return {"wall": done.wall, "first": done.first, "maxrss_mb": done.rss_mib}


def baseline(model_dir: Path, lines: list[str], batch: int = 16) -> float:
    """(a): MarianTokenizer + MarianMTModel.generate, fp32, beam from the generation config."""
    import warnings

    import torch
    import transformers
    from transformers import LogitsProcessorList, MarianMTModel, MarianTokenizer

    from pipeline.translate.transformers_engine import _CapProcessor

    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    tok = MarianTokenizer.from_pretrained(str(model_dir))
    model = MarianMTModel.from_pretrained(str(model_dir)).eval()
    beams = model.generation_config.num_beams
    start = time.perf_counter()
    with torch.inference_mode():
        for k in range(0, len(lines), batch):
            enc = tok(lines[k:k + batch], return_tensors="pt", padding=True)
            caps = [output_cap(int(n)) for n in enc["attention_mask"].sum(dim=1)]
            model.generate(**enc, num_beams=beams, max_new_tokens=max(caps) + 1,
                           logits_processor=LogitsProcessorList(
                               [_CapProcessor(caps, beams, model.generation_config.eos_token_id)]))
    return time.perf_counter() - start


def raw_ct2(ct2_dir: Path, model_dir: Path, lines: list[str], inter: int, intra: int,
            budget: int, mode: str, order: str, beam: int = 4) -> float:
    """(d): translate_batch directly, asynchronously, on length-sorted batches under a token
    budget, tokenizing and detokenizing included. ``mode``:

    * ``own``: every sentence is decoded to its own cap, as in (a) and (b): a batch holds one
      source length, so its max_decoding_length is each member's cap;
    * ``batch``: a batch mixes lengths and is decoded to its largest cap; each output is then
      cut to its own cap. Shorter sentences are decoded past their caps (more work, fuller
      batches), and a capped output may differ from what its own limit gives.

    ``order``: ``long`` submits the longest work first, ``short`` the shortest."""
    import ctranslate2

    from pipeline.translate.base import length_batches
    from pipeline.translate.pieces import MarianPieces

    pieces = MarianPieces(model_dir)
    tr = ctranslate2.Translator(str(ct2_dir), compute_type="int8", inter_threads=inter,
                                intra_threads=intra)
    start = time.perf_counter()
    src = [pieces.encode(s) for s in lines]
    size = max(1, min(32, math.ceil(len(src) / inter)))
    batches = length_batches([len(s) for s in src], budget, size,
                             (lambda n: n) if mode == "own" else None)
    cost = lambda b: len(b) * output_cap(max(len(src[i]) for i in b))  # noqa: E731
    batches.sort(key=cost, reverse=order == "long")
    futures = []
    for b in batches:
        futures.extend(tr.translate_batch(
            [src[i] for i in b], beam_size=beam, max_input_length=512, asynchronous=True,
            max_decoding_length=max(output_cap(len(src[i])) for i in b), return_scores=True))
    order_ = [i for b in batches for i in b]
    outs = [f.result() for f in futures]
    [pieces.decode(o.hypotheses[0][: output_cap(len(src[i]))]) for i, o in zip(order_, outs)]
    return time.perf_counter() - start


#: (d) configurations tried: (inter, intra, token budget, mode, order)
RAW_CONFIGS = (
    [(2, 1, b, "own", "long") for b in (128, 256, 512)] + [(2, 1, 256, "own", "short")]
    + [(2, 1, b, "batch", o) for b in (128, 192, 256, 512) for o in ("short", "long")]
    + [(1, 2, 256, "batch", "short")])


def worker(side: str, eval_dir: Path, n: int, repeat: int, config: str | None = None) -> None:
    """Heavy in-process sides, run in a child so the parent stays small (a child forked from a
    big parent would report the parent's pages in its peak RSS)."""

    lines = (eval_dir / "newstest2019.de-en.de").read_text(encoding="utf-8").splitlines()[:n]
    model_dir = twin_model(eval_dir)
    from pipeline.model import from_directory
    from pipeline.translate.convert import converted_model

    ct2_dir = converted_model(from_directory(model_dir), "int8", cache_dir())  # once, cached
    if side == "prepare":
        result = {"model_dir": str(model_dir)}
    elif side == "a":
        result = {"a": baseline(model_dir, lines)}
    else:
        configs = [tuple(c) for c in json.loads(config)] if config else RAW_CONFIGS
        result = {"d": [[*cfg, statistics.median(
            [raw_ct2(ct2_dir, model_dir, lines, *cfg) for _ in range(repeat)])]
            for cfg in configs]}
    print(json.dumps(result))


def in_child(side: str, eval_dir: Path, n: int, repeat: int, config=None) -> dict:
    extra = ["--config", json.dumps(config)] if config else []
    res = subprocess.run([sys.executable, "-m", "bench.throughput", "--side", side, "--eval-dir",
                          str(eval_dir), "--n", str(n), "--repeat", str(repeat), *extra],
                         capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONWARNINGS": "ignore", "HF_HUB_OFFLINE": "1"})
    if res.returncode != 0:
        raise SystemExit(f"bench side {side} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def timed_translate(tree: Path, args: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of `python -m pipeline translate ARGS` run with
    the ``pipeline`` package of ``tree``."""
    done = timed_run([sys.executable, "-m", "pipeline", "translate", *args], cwd=tree,
                     env={**env, "PYTHONPATH": str(tree)})
    return done.wall, done.cpu


def outputs_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())
            if p.is_file() and p.name != "manifest.json"}


#: What two versions' records must agree on: the sentence, its span and its translation (the
#: schema, how the source path is written and the provenance may change between versions).
COMPARED = ("index", "start", "end", "source", "target", "score")


def same_translations(a: dict[str, bytes], b: dict[str, bytes]) -> bool:
    """Whether two runs' record files hold the same sentences, spans, translations and
    scores (:data:`COMPARED`)."""
    def strip(data: bytes) -> list[tuple]:
        rows = [json.loads(line) for line in data.decode("utf-8").splitlines()]
        return [tuple(r.get(k) for k in COMPARED) for r in rows]

    names = {k for k in a if k.endswith(".jsonl")}
    return names == {k for k in b if k.endswith(".jsonl")} and all(
        strip(a[k]) == strip(b[k]) for k in names)


def against_baseline(rev: str, eval_dir: Path, n: int, rounds: int, extra: list[str]) -> None:
    """The ``--baseline REV`` mode (see the module notes)."""
    lines = (eval_dir / "newstest2019.de-en.de").read_text(encoding="utf-8").splitlines()[:n]
    model_dir = Path(in_child("prepare", eval_dir, n, 1)["model_dir"])
    work = Path(tempfile.mkdtemp(prefix="bench-throughput-ab."))
    try:
        old = work / "rev"
        old.mkdir()
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True,
                             check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=tar, check=True)
        sides = {rev: old, "working tree": ROOT}
        for tree in sides.values():  # as an install has them: no side compiles its sources
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "pipeline")],
                           check=True)  # on every run (PYTHONDONTWRITEBYTECODE, say)
        pcache = work / "cache"
        pcache.mkdir()
        (pcache / "ct2").symlink_to(cache_dir() / "ct2", target_is_directory=True)
        env = {**os.environ, "PIPELINE_CACHE": str(pcache), "PYTHONWARNINGS": "ignore",
               "HF_HUB_OFFLINE": "1"}
        inputs = write_articles(lines, work / "in")
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
        last: dict[str, Path] = {}
        order = list(sides)
        for r in range(rounds + 1):  # round 0 warms both (model conversion, page cache)
            for name in order if r % 2 else order[::-1]:
                out = work / f"out-{r}-{'new' if sides[name] == ROOT else 'old'}"
                t = timed_translate(sides[name], [*map(str, inputs), "-o", str(out),
                                                  "--model-dir", str(model_dir), "-q",
                                                  "--no-cache", *extra], env)
                if r:
                    times[name].append(t)
                last[name] = out
        a, b = outputs_of(last[rev]), outputs_of(last["working tree"])
        differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        print(f"# {n} sentences of newstest2019 de in {len(inputs)} files, opus-mt-de-en shape "
              f"twin, `pipeline translate --no-cache {' '.join(extra)}`, {rounds} alternating "
              f"rounds, {os.cpu_count()} CPUs")
        print("| side | wall median | wall best | CPU median | CPU best |\n|---|---:|---:|---:|---:|")
        stat = {}
        for name, ts in times.items():
            walls, cpus = [w for w, _ in ts], [c for _, c in ts]
            stat[name] = (statistics.median(walls), min(walls), statistics.median(cpus), min(cpus))
            print(f"| {name} | {stat[name][0]:.3f} s | {stat[name][1]:.3f} s | "
                  f"{stat[name][2]:.3f} s | {stat[name][3]:.3f} s |")
        ratio = [a / b for a, b in zip(stat["working tree"], stat[rev])]
        print(f"working tree / {rev}: wall {ratio[0]:.3f} (median), {ratio[1]:.3f} (best); "
              f"CPU {ratio[2]:.3f} (median), {ratio[3]:.3f} (best)")
        print(f"outputs byte-identical (all {len(b)} files but manifest.json): "
              f"{'yes' if not differ else 'no, ' + str(len(differ)) + ' differ'}")
        if differ:  # another version writes other provenance: are the translations the same?
            print(f"translations identical ({', '.join(COMPARED)} of every record): "
                  f"{'yes' if same_translations(a, b) else 'NO'}; files that differ: "
                  + ", ".join(sorted({Path(k).suffix for k in differ})))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", choices=("prepare", "a", "d"), help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=100, help="sentences (lines of newstest2019 de)")
    ap.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval" / "mt")
    ap.add_argument("--repeat", type=int, default=None, help="timings per side (median)")
    ap.add_argument("--rss-n", type=int, default=None, help="sentences for the RSS/cache run")
    ap.add_argument("--quick", action="store_true", help="a small smoke run")
    ap.add_argument("--baseline", metavar="REV", help="time REV against the working tree")
    ap.add_argument("--rounds", type=int, default=7, help="alternating rounds (--baseline)")
    ap.add_argument("extra", nargs="*", help="more `pipeline translate` options (--baseline)")
    args = ap.parse_args()
    if args.baseline:
        return against_baseline(args.baseline, args.eval_dir, 48 if args.n == 100 else args.n,
                                args.rounds, args.extra)
    n = 12 if args.quick and args.n == 100 else args.n
    repeat = args.repeat or (1 if args.quick else 3)
    rss_n = args.rss_n or (100 if args.quick else 1000)
    if args.side:
        return worker(args.side, args.eval_dir, n, repeat, args.config)
    all_lines = (args.eval_dir / "newstest2019.de-en.de").read_text(encoding="utf-8").splitlines()
    lines = all_lines[:n]

    model_dir = Path(in_child("prepare", args.eval_dir, n, repeat)["model_dir"])
    work = Path(tempfile.mkdtemp(prefix="bench-throughput."))
    pcache = work / "cache"  # a fresh translation memory; the converted model is shared
    (pcache).mkdir()
    (pcache / "ct2").symlink_to(cache_dir() / "ct2", target_is_directory=True)
    env = {**os.environ, "PIPELINE_CACHE": str(pcache), "PYTHONWARNINGS": "ignore",
           "HF_HUB_OFFLINE": "1"}
    help_text = subprocess.run([sys.executable, "-m", "pipeline", "translate", "--help"],
                               cwd=ROOT, env=env, capture_output=True, text=True).stdout
    no_cache = ["--no-cache"] if "--no-cache" in help_text else []
    inputs = write_articles(lines, work / "in")
    print(f"# throughput: {n} sentences of newstest2019 de in {len(inputs)} files, "
          f"opus-mt-de-en shape twin, {os.cpu_count()} CPUs, median of {repeat}", flush=True)

    def cli(extra: list[str], tag: str, files=None, cache=False) -> list[dict]:
        results = []
        for r in range(repeat):
            out = work / f"out-{tag}-{r}"
            results.append(run_cli([*map(str, files or inputs), "-o", str(out), "--model-dir",
                                    str(model_dir), "-q", *([] if cache else no_cache), *extra],
                                   env, watch=out))
        return results

    med = lambda xs: statistics.median(xs)  # noqa: E731
    rows: list[tuple[str, float]] = []
    t_a = in_child("a", args.eval_dir, n, 1)["a"]  # slow enough that one timing is steady
    rows.append(("(a) transformers fp32, beam 4, batches of 16 in input order", t_a))
    print(f"(a) {n / t_a:.2f} sent/s", file=sys.stderr, flush=True)
    # Which raw configuration is fastest: every one timed once, in one child process.
    sweep = {tuple(cfg): t for *cfg, t in in_child("d", args.eval_dir, n, 1)["d"]}
    best = {mode: min((c for c in sweep if c[3] == mode), key=sweep.get) for mode in ("own", "batch")}
    print(f"(d) sweep done: {len(sweep)} configurations", file=sys.stderr, flush=True)
    # (b), (d) and (d') in alternation, so that the machine's drift hits all three alike.
    times: dict[str, list[float]] = {"b": [], "d": [], "d'": []}
    for r in range(repeat):
        times["b"].append(run_cli([*map(str, inputs), "-o", str(work / f"out-b-{r}"), "--model-dir",
                                   str(model_dir), "-q", *no_cache], env)["wall"])
        times["d"].append(in_child("d", args.eval_dir, n, 1, [best["own"]])["d"][0][-1])
        times["d'"].append(in_child("d", args.eval_dir, n, 1, [best["batch"]])["d"][0][-1])
    t_b, t_d, t_d2 = (med(times[k]) for k in ("b", "d", "d'"))
    rows.append(("(b) pipeline translate (defaults: ctranslate2 int8, beam 4), files, process start incl.", t_b))
    print(f"(b) {n / t_b:.2f} sent/s", file=sys.stderr, flush=True)
    t_c = med([r["wall"] for r in cli(["--beam", "1"], "c")])
    rows.append(("(c) pipeline translate --beam 1", t_c))
    print(f"(c) {n / t_c:.2f} sent/s", file=sys.stderr, flush=True)
    describe = lambda c: (f"{c[0]}x{c[1]} threads, {c[2]}-token batches, "  # noqa: E731
                          f"{'longest' if c[4] == 'long' else 'shortest'} first")
    rows.append((f"(d) raw CTranslate2 translate_batch int8 beam 4, each sentence decoded to its "
                 f"own cap, {describe(best['own'])}, in-process", t_d))
    rows.append((f"(d') the same, each batch decoded to its largest cap and outputs cut, "
                 f"{describe(best['batch'])}", t_d2))
    print("\n| side | seconds | sentences/s | × (a) |\n|---|---:|---:|---:|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {n / t:.2f} | {t_a / t:.2f} |")
    for label, t in (("(d)", t_d), ("(d')", t_d2)):
        print(f"(b) vs {label}: (b) takes {t_b / t:.2f}× the time of {label} "
              f"({'within 10%' if t_b <= 1.1 * t else 'more than 10% slower'}; process start, "
              "model loading and writing the files included in (b) only)")

    print("timings (s): " + "; ".join(f"{k}: {', '.join(f'{t:.2f}' for t in v)}"
                                       for k, v in times.items()))
    print("\nraw CTranslate2 configurations, each timed once (inter × intra, token budget, cap, "
          "order): seconds, sentences/s")
    for cfg, t in sorted(sweep.items(), key=lambda kv: kv[1]):
        print(f"  {cfg[0]}x{cfg[1]} budget {cfg[2]:4d} {cfg[3]:5s} cap, {cfg[4]:5s} first: "
              f"{t:.2f} s, {n / t:.2f} sent/s")
    layouts = {}
    for inter, intra in ((2, 1), (1, 2)):
        layouts[(inter, intra)] = med([r["wall"] for r in cli(
            ["--inter-threads", str(inter), "--intra-threads", str(intra)], f"l{inter}{intra}")])
    print("pipeline translate layouts (beam 4): " + ", ".join(
        f"{i}x{j}: {n / t:.2f} sent/s" for (i, j), t in layouts.items())
        + f"; faster: {min(layouts, key=layouts.get)[0]}x{min(layouts, key=layouts.get)[1]}")

    one = run_cli([str(inputs[0]), "-o", str(work / "out-first"), "--model-dir", str(model_dir),
                   "-q", *no_cache], env, watch=work / "out-first")
    tiny_in = write_articles(["Guten Morgen."], work / "in-one")
    fixed = med([run_cli([str(tiny_in[0]), "-o", str(work / f"out-one-{r}"), "--model-dir",
                          str(model_dir), "-q", *no_cache], env)["wall"] for r in range(repeat)])
    print(f"fixed cost of one `pipeline translate` (process start, imports, model hashing and "
          f"loading, one sentence): {fixed:.2f} s; (b) minus that: {t_b - fixed:.2f} s = "
          f"{(t_b - fixed) / t_d:.2f}× (d)")
    print(f"\ntime to first output, one article ({min(ARTICLE_LINES, n)} lines, defaults): "
          f"{one['first']:.2f} s (whole command {one['wall']:.2f} s)")

    big = (all_lines * (rss_n // len(all_lines) + 1))[:rss_n]
    big_inputs = write_articles(big, work / "in-big")
    for f in pcache.glob("tm.sqlite3*"):  # a new, empty translation memory
        f.unlink()
    first = run_cli([*map(str, big_inputs), "-o", str(work / "out-big-1"), "--model-dir",
                     str(model_dir), "-q", "--beam", "1"], env)
    print(f"peak RSS, {rss_n} sentences, --beam 1, cache on (first run): {first['maxrss_mb']:.0f} MB "
          f"({'<' if first['maxrss_mb'] < 1536 else '>='} 1.5 GB), {first['wall']:.1f} s, "
          f"{rss_n / first['wall']:.1f} sent/s")
    if no_cache:
        second = run_cli([*map(str, big_inputs), "-o", str(work / "out-big-2"), "--model-dir",
                          str(model_dir), "-q", "--beam", "1"], env)
        print(f"second run of the same {rss_n} sentences, cache on: {second['wall']:.2f} s, "
              f"{first['wall'] / second['wall']:.0f}× faster than the first "
              f"(peak RSS {second['maxrss_mb']:.0f} MB)")
        third = run_cli([*map(str, big_inputs), "-o", str(work / "out-big-2"), "--model-dir",
                         str(model_dir), "-q", "--beam", "1"], env)
        print(f"the same command once more (same output directory: documents up to date, "
              f"skipped by content): {third['wall']:.2f} s, "
              f"{first['wall'] / third['wall']:.0f}× faster than the first")
    else:
        print("second run with the cache: skipped (`pipeline translate` has no --no-cache/TM yet)")
    print(f"\ncommand: python -m bench.throughput --n {n}{' --quick' if args.quick else ''} "
          f"(bench process itself: peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
