"""Speed of the aligner, and an A/B against an earlier revision: sentences aligned per CPU
second on long documents (each development set's documents concatenated to 1,000+ source
sentences), with MT and without.

Usage::

    python -m bench.alignment_speed [--against REV] [--rounds 3] [--eval-dir ../shared/eval]
                                    [--sets DIR]

``--sets DIR`` times the sets in ``DIR`` too (``*_perturbed.jsonl``, as
:mod:`bench.alignment_wmt` writes them: Japanese, Czech, Hebrew ...).

With ``--against``, the ``pipeline/`` folder of ``REV`` is exported (``git archive``) to a
temporary folder and both sides run in processes of their own, alternately (A B A B ...), so
that a busy machine slows both alike; each figure is the best of the rounds, and the ratio
``after / before`` is printed beside them. Only the alignment calls are timed (process CPU
time), not loading the data. Strict F1 of the same long documents is printed too, so a change
of speed is seen beside what it bought.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.alignment import DEFAULT_EVAL_DIR, DEV_SETS, WMT22, Counts, concatenate, load_set

#: The long documents: (label, set file), each timed with MT and without.
LONG = [("de-en", WMT22)] + [(label[:5], name) for label, name, *_ in DEV_SETS[3:]]
CONDITIONS = (("MT", "mt_sentences"), ("no MT", None))


def long_documents(folder: Path, sets: Path | None) -> list[tuple[str, Path]]:
    """(label, file) of each set timed: the shared ones, then those in ``sets``."""
    out = [(pair, folder / name) for pair, name in LONG]
    if sets is not None:
        out += [(f"{p.name[:2]}-{p.name[2:4]} {p.name.split('_')[1]}", p)
                for p in sorted(sets.glob("*_perturbed.jsonl"))]
    return out


def measure(folder: Path, sets: Path | None = None,
            size: int = 1000) -> dict[str, dict[str, float]]:
    """``{"de-en, MT": {"sentences": ..., "cpu_s": ..., "f1": ...}, ...}`` for the aligner
    that ``import pipeline`` finds."""
    from pipeline.alignment import ALIGNER, align

    out: dict[str, dict[str, float]] = {}
    for pair, path in long_documents(folder, sets):
        if not path.exists():
            continue
        big = concatenate(load_set(path), size)
        for condition, key in CONDITIONS:
            mt = big.mt[key] if key else None
            t0 = time.process_time()
            links = align(big.de, big.en, mt, src_lang=big.src_lang)
            cpu = time.process_time() - t0
            f1 = Counts.of([big], [[(link.de, link.en) for link in links]]).figures()["F1"]
            out[f"{pair}, {condition}"] = {"sentences": len(big.de) + len(big.en),
                                           "cpu_s": cpu, "f1": f1, "aligner": ALIGNER}
    return out


def _side(tree: Path | None, folder: Path, sets: Path | None) -> dict[str, dict[str, float]]:
    """:func:`measure` in a process of its own, importing ``pipeline`` from ``tree`` (the
    working tree when ``None``)."""
    command = [sys.executable, "-m", "bench.alignment_speed", "--json", "--eval-dir",
               str(folder.parent)]
    if tree is not None:
        command += ["--pipeline-tree", str(tree)]
    if sets is not None:
        command += ["--sets", str(sets)]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"timing run failed ({' '.join(command)}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def ab(rev: str, folder: Path, rounds: int, sets: Path | None = None) -> None:
    """Print sentences per CPU second of ``rev`` and of the working tree, best of
    ``rounds`` alternating runs each, and their ratio."""
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", rev, "pipeline"], cwd=root,
                                 capture_output=True, check=False)
        if archive.returncode != 0:
            raise SystemExit(f"git archive {rev} failed: {archive.stderr.decode()[-500:]}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        runs: dict[str, list[dict]] = {"before": [], "after": []}
        for k in range(rounds):
            order = [("before", Path(tmp)), ("after", None)]
            for side, tree in order if k % 2 == 0 else order[::-1]:
                runs[side].append(_side(tree, folder, sets))
    names = {side: next(iter(r[0].values()))["aligner"] for side, r in runs.items()}
    print(f"| long document | sentences | {names['before']} ({rev}) sent/s | F1 | "
          f"{names['after']} (working tree) sent/s | F1 | after / before |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label in runs["after"][0]:
        best = {side: min(r[label]["cpu_s"] for r in runs[side]) for side in runs}
        total = runs["after"][0][label]["sentences"]
        rate = {side: total / best[side] for side in runs}
        print(f"| {label} | {total} | {rate['before']:.0f} | "
              f"{runs['before'][0][label]['f1']:.3f} | {rate['after']:.0f} | "
              f"{runs['after'][0][label]['f1']:.3f} | {rate['after'] / rate['before']:.2f} |")
    print(f"\nbest of {rounds} alternating rounds per side, process CPU seconds of the align "
          "calls only; sent/s counts source and target sentences")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                    help="folder holding alignment/*.jsonl (default: ../shared/eval)")
    ap.add_argument("--against", metavar="REV", help="also time this git revision (A/B)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    ap.add_argument("--sets", type=Path, metavar="DIR",
                    help="also time the *_perturbed.jsonl sets in DIR (bench.alignment_wmt)")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--pipeline-tree", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    folder = args.eval_dir / "alignment"
    if not (folder / WMT22).exists():
        print(f"no alignment evaluation data in {folder}", file=sys.stderr)
        return 2
    if args.pipeline_tree is not None:  # a child of ab(): time that revision's pipeline
        sys.path.insert(0, str(args.pipeline_tree))
    if args.json:
        print(json.dumps(measure(folder, args.sets)))
        return 0
    if args.against:
        ab(args.against, folder, max(1, args.rounds), args.sets)
        return 0
    result = measure(folder, args.sets)
    print("| long document | sentences | sent/s | F1 |\n|---|---:|---:|---:|")
    for label, r in result.items():
        print(f"| {label} | {r['sentences']} | {r['sentences'] / r['cpu_s']:.0f} | "
              f"{r['f1']:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
