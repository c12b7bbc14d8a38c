"""The documents of the alignment benchmark (:mod:`bench.alignment`): the shared alignment
format read into :class:`Doc` values, and the variants the robustness rows are built from
(MT damaged, paragraphs as units, unrelated sentences inserted, documents concatenated), each
made from the gold with a fixed seed.

``python -m bench.alignment_data [--eval-dir ../shared/eval]`` prints, for every alignment
set, its documents, sentences and gold link types.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

SEED = 20240901
DEFAULT_EVAL_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"

Entry = tuple[tuple[int, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Doc:
    """One evaluation document: German, English, gold entries and MT versions by name."""

    doc_id: str
    de: tuple[str, ...]
    en: tuple[str, ...]
    gold: tuple[Entry, ...]
    mt: dict[str, tuple[str, ...]]
    #: Language of the source side (``de``, ``ru``, ``zh``, ...).
    src_lang: str = "de"
    #: Language of the target side (English but in :func:`reverse`).
    tgt_lang: str = "en"


def load_set(path: Path) -> list[Doc]:
    """Documents of one JSONL file in the shared alignment format (FORMAT.md)."""
    docs = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            mt = {k: tuple(r[k]) for k in ("mt_sentences", "mt_sentences_weak") if k in r}
            docs.append(Doc(r["doc_id"], tuple(r["src_sentences"]), tuple(r["tgt_sentences"]),
                            tuple((tuple(s), tuple(t)) for s, t in r["alignments"]), mt,
                            r.get("src_lang", "de")))
    return docs

def reverse(docs: Sequence[Doc]) -> list[Doc]:
    """The documents the other way round: the English the source, the original its
    translation (``pipeline align --from en --to xx``), without MT (the sets have none into
    the original's language)."""
    return [replace(d, de=d.en, en=d.de, gold=tuple((t, s) for s, t in d.gold), mt={},
                    src_lang=d.tgt_lang, tgt_lang=d.src_lang) for d in docs]


def damage_mt(docs: Sequence[Doc], key: str, fraction: float, how: str) -> list[Doc]:
    """A copy of ``docs`` where ``fraction`` of the MT lines of ``key`` are blanked
    (``how="blank"``) or cut to the first half of their words (``how="cut"``)."""
    rng = random.Random(SEED)
    out = []
    for d in docs:
        mt = list(d.mt[key])
        for i in range(len(mt)):
            if rng.random() < fraction:
                words = mt[i].split()
                mt[i] = "" if how == "blank" else " ".join(words[:len(words) // 2])
        out.append(replace(d, mt={key: tuple(mt)}))
    return out


def paragraphs(docs: Sequence[Doc], p_break: float = 0.3, p_side: float = 0.1) -> list[Doc]:
    """Documents whose units are paragraphs made of consecutive gold entries (see above)."""
    rng = random.Random(SEED)
    out = []
    for d in docs:
        breaks_de, breaks_en = set(), set()
        for k in range(len(d.gold) - 1):
            if rng.random() < p_break:
                breaks_de.add(k)
                breaks_en.add(k)
            else:
                if rng.random() < p_side:
                    breaks_de.add(k)
                if rng.random() < p_side:
                    breaks_en.add(k)
        para_de = _group(d.gold, 0, breaks_de)
        para_en = _group(d.gold, 1, breaks_en)
        de = tuple(" ".join(d.de[i] for i in p) for p in para_de)
        en = tuple(" ".join(d.en[j] for j in p) for p in para_en)
        mt = {k: tuple(" ".join(v[i] for i in p) for p in para_de) for k, v in d.mt.items()}
        out.append(Doc(d.doc_id, de, en, _paragraph_gold(d.gold, para_de, para_en), mt,
                       d.src_lang))
    return out


def _group(gold: Sequence[Entry], side: int, breaks: set[int]) -> list[list[int]]:
    groups: list[list[int]] = [[]]
    for k, entry in enumerate(gold):
        groups[-1].extend(entry[side])
        if k in breaks and groups[-1]:
            groups.append([])
    return [g for g in groups if g]


def _paragraph_gold(gold: Sequence[Entry], para_de: list[list[int]],
                    para_en: list[list[int]]) -> tuple[Entry, ...]:
    """Connected components of the paragraph graph that the sentence links induce."""
    of_de = {i: k for k, p in enumerate(para_de) for i in p}
    of_en = {j: k for k, p in enumerate(para_en) for j in p}
    entries: list[tuple[set[int], set[int]]] = []
    for s, t in gold:
        ps, pt = {of_de[i] for i in s}, {of_en[j] for j in t}
        if entries and ((ps & entries[-1][0]) or (pt & entries[-1][1])):
            entries[-1][0].update(ps)
            entries[-1][1].update(pt)
        else:
            entries.append((ps, pt))
    merged: list[tuple[set[int], set[int]]] = []
    for ps, pt in entries:  # a paragraph can join entries that only deletions separated
        if merged and ((ps & merged[-1][0]) or (pt & merged[-1][1])):
            merged[-1][0].update(ps)
            merged[-1][1].update(pt)
        else:
            merged.append((ps, pt))
    return tuple((tuple(sorted(s)), tuple(sorted(t))) for s, t in merged)


def insert_unrelated(docs: Sequence[Doc], fraction: float = 0.25) -> list[Doc]:
    """Each side gets ``fraction`` as many extra sentences, taken from another document of
    the set (German ones with their MT), at random gold entry boundaries (never inside an
    entry, never before the first); they are gold 1-0 / 0-1 entries."""
    rng = random.Random(SEED)
    out = []
    for k, d in enumerate(docs):
        donor = docs[(k + len(docs) // 2) % len(docs)]
        de_order = _spliced(rng, d.gold, 0, len(donor.de), fraction)
        en_order = _spliced(rng, d.gold, 1, len(donor.en), fraction)
        de = tuple(d.de[i] if own else donor.de[i] for own, i in de_order)
        en = tuple(d.en[j] if own else donor.en[j] for own, j in en_order)
        mt = {key: tuple(v[i] if own else donor.mt[key][i] for own, i in de_order)
              for key, v in d.mt.items() if key in donor.mt}
        de_new = {i: n for n, (own, i) in enumerate(de_order) if own}
        en_new = {j: n for n, (own, j) in enumerate(en_order) if own}
        gold = [(tuple(de_new[i] for i in s), tuple(en_new[j] for j in t)) for s, t in d.gold]
        gold += [((n,), ()) for n, (own, _) in enumerate(de_order) if not own]
        gold += [((), (n,)) for n, (own, _) in enumerate(en_order) if not own]
        out.append(Doc(d.doc_id, de, en, tuple(gold), mt, d.src_lang))
    return out


def _spliced(rng: random.Random, gold: Sequence[Entry], side: int, donor_n: int,
             fraction: float) -> list[tuple[bool, int]]:
    """One side's new order, as (is own, index in its document): own sentences with donor
    sentences inserted before randomly chosen gold entries other than the first."""
    own = sum(len(e[side]) for e in gold)
    before: dict[int, list[int]] = defaultdict(list)
    if len(gold) > 1:
        for p in rng.sample(range(donor_n), min(donor_n, round(fraction * own))):
            before[rng.randrange(1, len(gold))].append(p)
    order: list[tuple[bool, int]] = []
    for k, entry in enumerate(gold):
        order += [(False, p) for p in before.get(k, [])]
        order += [(True, i) for i in entry[side]]
    return order


def concatenate(docs: Sequence[Doc], size: int) -> Doc:
    """Documents joined in order until the German side has at least ``size`` sentences."""
    de: list[str] = []
    en: list[str] = []
    gold: list[Entry] = []
    mt: dict[str, list[str]] = {k: [] for k in docs[0].mt}
    for d in docs:
        if len(de) >= size:
            break
        o_de, o_en = len(de), len(en)
        gold += [(tuple(i + o_de for i in s), tuple(j + o_en for j in t)) for s, t in d.gold]
        de += d.de
        en += d.en
        for k in mt:
            mt[k] += d.mt[k]
    return Doc(f"concat{len(de)}", tuple(de), tuple(en), tuple(gold),
               {k: tuple(v) for k, v in mt.items()}, docs[0].src_lang)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL_DIR,
                    help="folder holding alignment/*.jsonl (default: ../shared/eval)")
    args = ap.parse_args(argv)
    paths = sorted((args.eval_dir / "alignment").glob("*.jsonl"))
    if not paths:
        print(f"no alignment sets in {args.eval_dir / 'alignment'}", file=sys.stderr)
        return 2
    for path in paths:
        docs = load_set(path)
        kinds = Counter(f"{len(s)}-{len(t)}" for d in docs for s, t in d.gold)
        print(f"{path.name}: {len(docs)} documents, {sum(len(d.de) for d in docs)} source / "
              f"{sum(len(d.en) for d in docs)} target sentences; "
              + ", ".join(f"{k} {v}" for k, v in kinds.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
