"""Alignment sets for more pairs, built from a checkout of WMT's submitted system outputs the way
the shared sets are (``../shared/eval/alignment/FORMAT.md``): the source original of each WMT
document, an English reference, seeded merges, 2-2 crossings and drops, and two real systems'
translations of the source lines (the median system by BLEU, and the weakest scoring at least
half of it).

Issue 21 measures alignment on hidden sets of uk, cs, ja, he and ru to English with real
WMT22–23 system MT; the shared development sets hold only de, ru and zh. This builds such sets
from ``wmt-conference/wmt22-news-systems`` (cs, ja, uk, ru, zh → en; research use only: the
sets are written where you say, never into this repository), so that
``python -m bench.alignment --sets DIR`` measures them. They were not used to choose any
setting of the aligner. Our own construction, from the description in FORMAT.md: the
perturbation probabilities are those the shared ru set records; the seed is another.

    git clone https://github.com/wmt-conference/wmt22-news-systems /tmp/wmt22
    python -m bench.alignment_wmt /tmp/wmt22 /tmp/wmt-sets [--pairs cs,ja,uk]
    python -m bench.alignment --sets /tmp/wmt-sets
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from pathlib import Path

SEED = 20261207
#: As the shared ru-en set records them (``perturbation``).
P = {"merge_src": 0.07, "merge_en": 0.07, "merge3_src": 0.01, "merge3_en": 0.01,
     "cross22": 0.015, "drop_src": 0.03, "drop_en": 0.03}
#: Each edit and the lines it takes, in the order they are drawn.
EDITS = [("cross22", 3), ("merge3_src", 3), ("merge3_en", 3), ("merge_src", 2), ("merge_en", 2),
         ("drop_src", 1), ("drop_en", 1)]
#: The reference each pair's sets use (cs-en has no reference A).
REFERENCE = {"cs": "B"}
_DOC = re.compile(r"<doc\b[^>]*\bid=\"([^\"]+)\"")
_SEG = re.compile(r"<seg\b")


def documents(xml: Path) -> list[tuple[str, int]]:
    """(id, number of source segments) of each document of a WMT xml file, in order."""
    docs: list[tuple[str, int]] = []
    in_src = False
    for line in xml.read_text(encoding="utf-8").splitlines():
        m = _DOC.search(line)
        if m:
            docs.append((m.group(1), 0))
        if "<src" in line:
            in_src = True
        if in_src and docs:
            docs[-1] = (docs[-1][0], docs[-1][1] + len(_SEG.findall(line)))
        if "</src>" in line:
            in_src = False
    return docs


_FINAL = re.compile(r"[.!?。！？…\"'»“”)]\s*$")


def pseudo_documents(lines: list[str]) -> list[tuple[str, int]]:
    """Documents where the xml is missing, as FORMAT.md makes the de-en ones: a new one starts
    at a line without final punctuation after a line with it; pieces under 3 lines join the
    one before (up to 40 lines); longer runs are split evenly at 60 lines."""
    starts = [0] + [i for i in range(1, len(lines))
                    if _FINAL.search(lines[i - 1]) and not _FINAL.search(lines[i])]
    sizes = [b - a for a, b in zip(starts, starts[1:] + [len(lines)])]
    merged: list[int] = []
    for n in sizes:
        if merged and n < 3 and merged[-1] + n <= 40:
            merged[-1] += n
        else:
            merged.append(n)
    out: list[int] = []
    for n in merged:
        parts = -(-n // 60)
        out += [n // parts + (k < n % parts) for k in range(parts)]
    return [(f"pseudo_{k}", n) for k, n in enumerate(out)]


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


def systems(root: Path, lang: str, ref: list[str]) -> tuple[str, str, dict]:
    """The median and the weakest system by corpus BLEU against ``ref`` (of those scoring at
    least half the median), and every score."""
    import sacrebleu

    scores = {}
    for path in sorted((root / "txt" / "system-outputs").glob(
            f"generaltest2022.{lang}-en.hyp.*.en")):
        hyp = _lines(path)
        if len(hyp) == len(ref):
            name = path.name.split(".hyp.")[1].removesuffix(".en")
            scores[name] = round(sacrebleu.corpus_bleu(hyp, [ref]).score, 2)
    ranked = sorted(scores, key=scores.get)
    median = ranked[len(ranked) // 2]
    # the weakest that is still a translation (ja-en's AIST scores 0.06: not a system's output)
    weak = next(n for n in ranked if scores[n] >= scores[median] / 2)
    return median, weak, scores


def perturb(rng: random.Random, src: list[str], en: list[str], mts: list[list[str]]):
    """Seeded edits of one document's lines (the first is never changed): sentences of both
    sides, gold entries, and the MT lines parallel to the source sentences."""
    s, t, gold, mt = [], [], [], [[] for _ in mts]

    def add(src_lines: list[list[int]], en_lines: list[list[int]]) -> None:
        si = [len(s) + k for k in range(len(src_lines))]
        ti = [len(t) + k for k in range(len(en_lines))]
        for group in src_lines:
            s.append(" ".join(src[i] for i in group))
            for m, lines in zip(mt, mts):
                m.append(" ".join(lines[i] for i in group))
        t.extend(" ".join(en[i] for i in group) for group in en_lines)
        gold.append((si, ti))

    i, n = 0, len(src)
    while i < n:
        r = rng.random() if i else 1.0
        chosen = None
        for name, width in EDITS:
            if r < P[name] and i + width <= n:
                chosen = name
                break
            r -= P[name]
        if chosen == "cross22":
            if rng.random() < 0.5:
                add([[i, i + 1], [i + 2]], [[i], [i + 1, i + 2]])
            else:
                add([[i], [i + 1, i + 2]], [[i, i + 1], [i + 2]])
            i += 3
        elif chosen in ("merge3_src", "merge_src"):
            w = 3 if chosen == "merge3_src" else 2
            add([list(range(i, i + w))], [[k] for k in range(i, i + w)])
            i += w
        elif chosen in ("merge3_en", "merge_en"):
            w = 3 if chosen == "merge3_en" else 2
            add([[k] for k in range(i, i + w)], [list(range(i, i + w))])
            i += w
        elif chosen == "drop_src":
            add([], [[i]])
            i += 1
        elif chosen == "drop_en":
            add([[i]], [])
            i += 1
        else:
            add([[i]], [[i]])
            i += 1
    return s, t, gold, mt


def build(root: Path, lang: str, out: Path) -> Path:
    pair = f"{lang}-en"
    src = _lines(root / "txt" / "sources" / f"generaltest2022.{pair}.src.{lang}")
    ref_name = REFERENCE.get(lang, "A")
    ref = _lines(root / "txt" / "references" / f"generaltest2022.{pair}.ref.{ref_name}.en")
    xml = root / "xml" / f"wmttest2022.{pair}.all.xml"
    docs = documents(xml) if xml.is_file() and xml.stat().st_size else []
    bounds = "real WMT documents from xml" if docs else "heuristic pseudo-documents"
    docs = docs or pseudo_documents(src)
    if sum(n for _, n in docs) != len(src) or len(ref) != len(src):
        raise SystemExit(f"{pair}: the xml's segments, source and reference disagree")
    main, weak, scores = systems(root, lang, ref)
    outputs = [_lines(root / "txt" / "system-outputs" / f"generaltest2022.{pair}.hyp.{name}.en")
               for name in (main, weak)]
    rng = random.Random(f"{SEED}-{lang}")
    target = out / f"{lang}en_wmt22_mt_perturbed.jsonl"
    start = 0
    with open(target, "w", encoding="utf-8") as f:
        for doc_id, n in docs:
            lines = slice(start, start + n)
            start += n
            s, t, gold, (mt, mt_weak) = perturb(rng, src[lines], ref[lines],
                                                [o[lines] for o in outputs])
            f.write(json.dumps({
                "doc_id": f"generaltest2022-{lang}en-{doc_id}", "src_lang": lang,
                "tgt_lang": "en", "src_sentences": s, "tgt_sentences": t,
                "alignments": gold, "mt_sentences": mt, "mt_sentences_weak": mt_weak,
                "mt_system": main, "mt_system_weak": weak,
                "mt_scores": {k: {"bleu": v} for k, v in scores.items() if k in (main, weak)},
                "synthetic": True, "perturbation": {"seed": SEED, **P},
                "source": f"WMT generaltest2022 {pair} ({lang} original + English reference "
                          f"{ref_name} + system outputs), wmt-conference/wmt22-news-systems; "
                          f"built by bench/alignment_wmt.py; document boundaries: {bounds}",
                "license": "WMT test data and submitted system outputs: research use only",
            }, ensure_ascii=False) + "\n")
    print(f"{pair}: {len(docs)} documents ({bounds}), {len(src)} lines; MT {main} (BLEU {scores[main]}), "
          f"weak {weak} ({scores[weak]}); median BLEU of {len(scores)} systems "
          f"{statistics.median(scores.values()):.2f} -> {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wmt22", type=Path, help="a checkout of wmt-conference/wmt22-news-systems")
    ap.add_argument("out", type=Path, help="where to write the sets (not this repository)")
    ap.add_argument("--pairs", default="cs,ja,uk,ru,zh", help="source languages (into English)")
    args = ap.parse_args(argv)
    if not (args.wmt22 / "txt" / "sources").is_dir():
        print(f"{args.wmt22}: not a wmt22-news-systems checkout (no txt/sources)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for lang in args.pairs.split(","):
        build(args.wmt22, lang.strip(), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
