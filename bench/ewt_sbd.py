"""Build a document-level sentence-boundary set of informal English from a checkout of the
Universal Dependencies English Web Treebank (UD_English-EWT, CC BY-SA 4.0: weblogs, newsgroups,
e-mails, reviews, answers). The data is never part of this repository: fetch EWT yourself and
point this script at it.

Usage::

    git clone https://github.com/UniversalDependencies/UD_English-EWT /tmp/ewt
    python -m bench.ewt_sbd /tmp/ewt --split dev  --out /tmp/en_ewt_dev_docs_sbd.jsonl
    python -m bench.ewt_sbd /tmp/ewt --split test --out /tmp/en_ewt_test_docs_sbd.jsonl
    python -m bench.segmentation --file /tmp/en_ewt_dev_docs_sbd.jsonl --lang en

The layout mirrors the shared UD-based sets (``uk_ud_iu``, ``nl_ud_lassysmall``): one row per
``# newdoc id`` group, the ``# text`` lines of one ``# newpar`` paragraph joined by a space,
paragraphs separated by a blank line. Each row is ``{"doc_id", "lang", "text", "sentences",
"pseudo_document": false, "n_paragraphs", "source", "license"}``; every sentence is an exact,
in-order substring of ``text``. ``--path`` reads a ``.conllu`` file directly instead of a split.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

LICENSE = "CC BY-SA 4.0 (UD_English-EWT)"


def documents(lines: Iterable[str]) -> Iterator[tuple[str, list[list[str]]]]:
    """``(doc id, paragraphs)`` per ``# newdoc id`` group; a paragraph is a list of sentence
    texts. A sentence before any ``# newpar`` line of its document opens a paragraph."""
    doc_id: str | None = None
    paragraphs: list[list[str]] = []
    new_par = True
    for line in lines:
        if line.startswith("# newdoc id"):
            if doc_id is not None and paragraphs:
                yield doc_id, paragraphs
            doc_id = line.split("=", 1)[1].strip()
            paragraphs = []
            new_par = True
        elif line.startswith("# newpar"):
            new_par = True
        elif line.startswith("# text ="):
            text = line.split("=", 1)[1].strip()
            if not text:
                continue
            if new_par or not paragraphs:
                paragraphs.append([])
                new_par = False
            paragraphs[-1].append(text)
    if doc_id is not None and paragraphs:
        yield doc_id, paragraphs


def rows(lines: Iterable[str], source: str) -> Iterator[dict]:
    for doc_id, paragraphs in documents(lines):
        yield {
            "doc_id": doc_id,
            "lang": "en",
            "text": "\n\n".join(" ".join(p) for p in paragraphs),
            "sentences": [s for p in paragraphs for s in p],
            "pseudo_document": False,
            "n_paragraphs": len(paragraphs),
            "source": source,
            "license": LICENSE,
        }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path, nargs="?", help="folder of a UD_English-EWT checkout")
    ap.add_argument("--split", choices=("train", "dev", "test"), default="dev")
    ap.add_argument("--path", type=Path, help="a .conllu file (instead of checkout and split)")
    ap.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    args = ap.parse_args(argv)
    path = args.path or (args.checkout / f"en_ewt-ud-{args.split}.conllu" if args.checkout else None)
    if path is None or not path.is_file():
        print(f"error: {path}: no such .conllu file", file=sys.stderr)
        return 2
    with open(path, encoding="utf-8") as f:
        out = list(rows(f, f"UD_English-EWT {path.name}"))
    tmp = args.out.with_name(args.out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for row in out:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(args.out)
    n = sum(len(r["sentences"]) for r in out)
    print(f"{args.out}: {len(out)} documents, {n} sentences")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
