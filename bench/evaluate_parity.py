"""Does `pipeline eval` print what the sacrebleu command line prints, on real system outputs?

Builds hypothesis/reference files from the 1-1 links of ../shared/eval's WMT22 de-en set (real MT
of JDExploreAcademy and LT22 against reference A, and a close mix of the two) in a temporary directory, scores them with
pipeline.evaluate and with `python -m sacrebleu` (JSON, 17 decimals: exact floats), at sacrebleu's
default sample counts, and prints one row per number with both values. Nothing is copied into
the repository.

    python -m bench.evaluate_parity [--metrics bleu,chrf,ter]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.evaluate import compare, evaluate, read_lines

ROOT = Path(__file__).resolve().parent.parent
WMT22 = ROOT.parent / "shared" / "eval" / "alignment" / "deen_wmt22_mt_perturbed.jsonl"


def sacrebleu(*args: str) -> object:
    env = {k: v for k, v in os.environ.items() if k not in ("SACREBLEU_FORMAT", "SACREBLEU_SEED")}
    out = subprocess.run([sys.executable, "-m", "sacrebleu", *args, "-q", "-f", "json", "-w", "17"],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--metrics", default="bleu,chrf,ter")
    metrics = tuple(ap.parse_args().metrics.split(","))
    if not WMT22.is_file():
        sys.exit(f"{WMT22} is absent")
    rows: list[tuple[str, float | None, float | None]] = []
    with tempfile.TemporaryDirectory() as tmp, open(WMT22, encoding="utf-8") as f:
        cols: dict[str, list[str]] = {"jd.en": [], "lt22.en": [], "ref.en": []}
        for line in f:
            d = json.loads(line)
            for s, t in d["alignments"]:
                if len(s) == 1 and len(t) == 1:
                    cols["jd.en"].append(d["mt_sentences"][s[0]])
                    cols["lt22.en"].append(d["mt_sentences_weak"][s[0]])
                    cols["ref.en"].append(d["tgt_sentences"][t[0]])
        paths = {}
        for name, lines in cols.items():
            paths[name] = Path(tmp) / name
            paths[name].write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        jd, lt, ref = (read_lines(paths[n]) for n in ("jd.en", "lt22.en", "ref.en"))
        # a close third system: LT22's output on one block of 20 segments in forty, JD's elsewhere
        close = [b if (i // 20) % 40 == 0 else a for i, (a, b) in enumerate(zip(jd, lt))]
        paths["close.en"] = Path(tmp) / "close.en"
        paths["close.en"].write_text("".join(x + "\n" for x in close), encoding="utf-8")
        systems = [("jd", jd), ("lt22", lt), ("close", close)]
        files = [str(paths[n]) for n in ("jd.en", "lt22.en", "close.en")]
        print(f"{len(ref)} segments (1-1 links of {WMT22.name}); metrics: {', '.join(metrics)}")

        t0 = time.perf_counter()
        ours = evaluate(jd, [ref], metrics, bootstrap=1000)
        t_ours = time.perf_counter() - t0
        cli = sacrebleu(str(paths["ref.en"]), "-i", str(paths["jd.en"]), "-m", *metrics,
                        "-ci", "-cin", "1000")
        cli = {d["name"]: d for d in (cli if isinstance(cli, list) else [cli])}
        for s in ours.scores:
            d = cli[s.name]
            rows += [(f"{s.name} score", s.score, d["score"]),
                     (f"{s.name} bootstrap mean", s.mean, d["confidence_mean"]),
                     (f"{s.name} bootstrap 95% CI", s.ci, d["confidence_var"])]
            same = "same" if s.signature == d["signature"] else "DIFFERENT"
            print(f"  {s.name} signature ({same}): {s.signature}")

        t0 = time.perf_counter()
        ar = compare(systems, [ref], metrics, "ar")
        bs = compare(systems, [ref], ("bleu",), "bs")
        t_ours += time.perf_counter() - t0
        cli_ar = sacrebleu(str(paths["ref.en"]), "-i", *files, "-m", *metrics, "--paired-ar")
        # sacrebleu's own JSON writer fails on chrF/TER bootstrap means (numpy float32): BLEU only
        cli_bs = sacrebleu(str(paths["ref.en"]), "-i", *files, "-m", "bleu", "--paired-bs")
        for k, (name, _) in enumerate(systems[1:], 1):
            for m in ar.metrics:
                s = ar.get(name, m)
                rows += [(f"AR {ar.samples} trials, {name} {m} p-value", s.p_value,
                          cli_ar[k][m]["p_value"])]
            s = bs.get(name, "BLEU")
            rows += [(f"BS {bs.samples} resamples, {name} BLEU {key}", getattr(s, key),
                      cli_bs[k]["BLEU"][key]) for key in ("score", "p_value", "mean", "ci")]

    w = max(len(r[0]) for r in rows)
    print(f"{'number':<{w}}  {'pipeline.evaluate':>22}  {'sacrebleu CLI':>22}  equal")
    for name, a, b in rows:
        print(f"{name:<{w}}  {a!r:>22}  {b!r:>22}  {'yes' if a == b else 'NO'}")
    print(f"{sum(a == b for _, a, b in rows)}/{len(rows)} equal; "
          f"pipeline.evaluate took {t_ours:.1f} s")


if __name__ == "__main__":
    main()
