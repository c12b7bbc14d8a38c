"""Alignment sets for more pairs, built from a checkout of WMT's submitted system outputs the way
the shared sets are (``../shared/eval/alignment/FORMAT.md``): the source original of each WMT
document, an English reference, seeded merges, 2-2 crossings and drops, and two real systems'
translations of the source lines (the median system by BLEU, and the weakest scoring at least
half of it).

Issue 21 measures alignment on hidden sets of uk, cs, ja, he and ru to English with real
WMT22–23 system MT; the shared development sets hold only de, ru and zh. This builds such sets
from ``wmt-conference/wmt22-news-systems`` (cs, ja, uk, ru, zh → en) and, with ``--year 2023``,
from ``wmt-conference/wmt23-news-systems`` (he, ja, uk, ru, zh → en; Hebrew only there)
(research use only: the sets are written where you say, never into this repository), so that
``python -m bench.alignment --sets DIR`` measures them. They were not used to choose any
setting of the aligner. Our own construction, from the description in FORMAT.md: the
perturbation probabilities are those the shared ru set records; the seed is another.

    git clone https://github.com/wmt-conference/wmt22-news-systems /tmp/wmt22
    python -m bench.alignment_wmt /tmp/wmt22 /tmp/wmt-sets [--pairs cs,ja,uk]
    git clone https://github.com/wmt-conference/wmt23-news-systems /tmp/wmt23
    python -m bench.alignment_wmt /tmp/wmt23 /tmp/wmt23-sets --year 2023 --pairs he,ja,uk,ru,zh
    python -m bench.alignment --sets /tmp/wmt-sets

Document boundaries come from the year's xml where it is there and holds as many source
segments as the plain-text files have lines; otherwise (the xml missing, or holding more, as
where test suites are added) from heuristic pseudo-documents, and the set says which.
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


def systems(root: Path, lang: str, ref: list[str], year: int = 2022) -> tuple[str, str, dict]:
    """The median and the weakest system by corpus BLEU against ``ref`` (of those scoring at
    least half the median), and every score."""
    import sacrebleu

    scores = {}
    for path in sorted((root / "txt" / "system-outputs").glob(
            f"generaltest{year}.{lang}-en.hyp.*.en")):
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


def build(root: Path, lang: str, out: Path, year: int = 2022) -> Path:
    pair, test = f"{lang}-en", f"generaltest{year}"
    src = _lines(root / "txt" / "sources" / f"{test}.{pair}.src.{lang}")
    ref_name = REFERENCE.get(lang, "A") if year == 2022 else "A"
    refs = root / "txt" / "references"
    found = next((p for p in (refs / f"{test}.{pair}.ref.{ref_name}.en",
                              refs / f"{test}.{pair}.ref.ref{ref_name}.en") if p.is_file()), None)
    if found is None:
        raise SystemExit(f"{pair}: no reference {ref_name} in {refs}")
    ref = _lines(found)
    if len(ref) != len(src):
        raise SystemExit(f"{pair}: the source and the reference disagree")
    xml = root / "xml" / f"wmttest{year}.{pair}.all.xml"
    docs = documents(xml) if xml.is_file() and xml.stat().st_size else []
    if sum(n for _, n in docs) != len(src):  # missing, or more segments than the lines
        docs = []
    bounds = "real WMT documents from xml" if docs else "heuristic pseudo-documents"
    docs = docs or pseudo_documents(src)
    main, weak, scores = systems(root, lang, ref, year)
    outputs = [_lines(root / "txt" / "system-outputs" / f"{test}.{pair}.hyp.{name}.en")
               for name in (main, weak)]
    rng = random.Random(f"{SEED}-{lang}" if year == 2022 else f"{SEED}-{lang}-{year}")
    target = out / f"{lang}en_wmt{year % 100}_mt_perturbed.jsonl"
    start = 0
    with open(target, "w", encoding="utf-8") as f:
        for doc_id, n in docs:
            lines = slice(start, start + n)
            start += n
            s, t, gold, (mt, mt_weak) = perturb(rng, src[lines], ref[lines],
                                                [o[lines] for o in outputs])
            f.write(json.dumps({
                "doc_id": f"{test}-{lang}en-{doc_id}", "src_lang": lang,
                "tgt_lang": "en", "src_sentences": s, "tgt_sentences": t,
                "alignments": gold, "mt_sentences": mt, "mt_sentences_weak": mt_weak,
                "mt_system": main, "mt_system_weak": weak,
                "mt_scores": {k: {"bleu": v} for k, v in scores.items() if k in (main, weak)},
                "synthetic": True, "perturbation": {"seed": SEED, **P},
                "source": f"WMT {test} {pair} ({lang} original + English reference "
                          f"{ref_name} + system outputs), "
                          f"wmt-conference/wmt{year % 100}-news-systems; "
                          f"built by bench/alignment_wmt.py; document boundaries: {bounds}",
                "license": "WMT test data and submitted system outputs: research use only",
            }, ensure_ascii=False) + "\n")
    print(f"{pair}: {len(docs)} documents ({bounds}), {len(src)} lines; MT {main} (BLEU {scores[main]}), "
          f"weak {weak} ({scores[weak]}); median BLEU of {len(scores)} systems "
          f"{statistics.median(scores.values()):.2f} -> {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("wmt", type=Path,
                    help="a checkout of wmt-conference/wmt22-news-systems (or wmt23-...)")
    ap.add_argument("out", type=Path, help="where to write the sets (not this repository)")
    ap.add_argument("--pairs", default="cs,ja,uk,ru,zh", help="source languages (into English)")
    ap.add_argument("--year", type=int, default=2022, choices=(2022, 2023),
                    help="the year of the checkout (its file names)")
    args = ap.parse_args(argv)
    if not (args.wmt / "txt" / "sources").is_dir():
        print(f"{args.wmt}: not a wmt{args.year % 100}-news-systems checkout (no txt/sources)",
              file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for lang in args.pairs.split(","):
        build(args.wmt, lang.strip(), args.out, args.year)
    return 0


if __name__ == "__main__":
    sys.exit(main())
