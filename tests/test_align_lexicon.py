"""The word lists of pipeline.alignment.lexicon: what they read, how the aligner uses them
without MT, what provenance says, and how bench/jmdict_lexicon.py builds one."""

from __future__ import annotations

import gzip
import sqlite3

import pytest

from pipeline.alignment import align, align_document
from pipeline.alignment.lexicon import Lexicon, lexicon

JA = ["政府は来年の経済政策を発表した。",
      "首相は国民に説明する責任があると述べた。",
      "多くの専門家は計画に反対している。",
      "地方の病院では医師が不足している。",
      "天気は明日から悪くなる見込みだ。"]
EN = ["The government announced next year's economic policy.",
      "The prime minister said he has a responsibility to explain it to the people.",
      "Television stations broadcast the speech live in the evening.",  # no source
      "Many experts oppose the plan.",
      "Hospitals in rural areas are short of doctors.",
      "The weather is expected to turn bad from tomorrow."]
GOLD = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), (3,)), ((3,), (4,)), ((4,), (5,))]


def test_japanese_words_are_read_by_longest_match_into_english():
    words = lexicon("ja", "en").words("政府は経済を発展させる")
    assert words[:3] == ["government", "economy", "development"]
    assert "eat" in lexicon("ja", "en").words("ご飯を食べる")
    # full-width forms are read as their plain forms, Latin text and digits give nothing
    assert lexicon("ja", "en").words("ＮＨＫ 2022") == []


@pytest.mark.parametrize("pair", [("de", "en"), ("zh", "en"), ("ja", "fr"), ("en", "ja"),
                                  (None, None)])
def test_other_pairs_have_no_list(pair):
    assert lexicon(*pair) is None


def test_without_mt_the_list_finds_the_english_sentence_without_source():
    """Nothing else is shared (no number, name or Latin word): lengths alone join the
    sentence without source to a neighbour and shift the links after it."""
    found = [(link.de, link.en) for link in align(JA, EN, src_lang="ja")]
    assert found == GOLD
    assert [(link.de, link.en) for link in align(JA, EN, src_lang="ja", lexicon=False)] != GOLD


def test_provenance_names_the_list_and_what_it_glossed():
    est = align_document(JA, EN, src_lang="ja").provenance()["estimates"]
    assert est["lexicon"] == lexicon("ja", "en").provenance
    assert est["lexicon"].startswith("ja-en/") and est["glossed"] == len(JA)
    # with MT for every sentence, or switched off, the list is not used and not named
    mt = ["x"] * len(JA)
    assert "lexicon" not in align_document(JA, EN, mt, src_lang="ja").provenance()["estimates"]
    off = align_document(JA, EN, src_lang="ja", lexicon=False).provenance()
    assert "lexicon" not in off["estimates"] and off["params"]["lexicon"] is False


def test_the_shipped_list_names_its_source_and_licence():
    from importlib import resources

    data = resources.files("pipeline.alignment").joinpath("data", "ja-en.tsv.gz").read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("JMdict" in line for line in header)
    assert any("CC BY-SA 4.0" in line for line in header)
    rows = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) > 25_000 and all(len(r) == 2 and r[1] for r in rows)
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)


def _jamdict(path):
    """A jamdict-shaped SQLite database of five entries."""
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE meta (key TEXT, value TEXT);
        CREATE TABLE Sense (ID INTEGER, idseq INTEGER);
        CREATE TABLE SenseGloss (sid INTEGER, lang TEXT, gend TEXT, text TEXT);
        CREATE TABLE misc (sid INTEGER, text TEXT);
        CREATE TABLE Kanji (ID INTEGER, idseq INTEGER, text TEXT);
        CREATE TABLE KJP (kid INTEGER, text TEXT);
        CREATE TABLE Kana (ID INTEGER, idseq INTEGER, text TEXT, nokanji INTEGER);
        CREATE TABLE KNP (kid INTEGER, text TEXT);
        INSERT INTO meta VALUES ('jmdict.version', '1.08');
        -- 1: 政府 (marked) government; its reading せいふ is no key
        INSERT INTO Sense VALUES (10, 1), (11, 1);
        INSERT INTO SenseGloss VALUES (10, 'eng', '', 'government'), (10, 'eng', '', 'administration'),
                                      (11, 'eng', '', 'regime'), (10, 'ger', '', 'Regierung');
        INSERT INTO Kanji VALUES (100, 1, '政府');
        INSERT INTO KJP VALUES (100, 'news1');
        INSERT INTO Kana VALUES (200, 1, 'せいふ', 0);
        INSERT INTO KNP VALUES (200, 'news1');
        -- 2: 治る, to get better (of an illness): parentheses and function words dropped
        INSERT INTO Sense VALUES (20, 2);
        INSERT INTO SenseGloss VALUES (20, 'eng', '', 'to get better (of an illness)');
        INSERT INTO Kanji VALUES (101, 2, '治る');
        INSERT INTO KJP VALUES (101, 'ichi1');
        -- 3: 為る usually written in kana: する is a key
        INSERT INTO Sense VALUES (30, 3);
        INSERT INTO SenseGloss VALUES (30, 'eng', '', 'to do');
        INSERT INTO misc VALUES (30, 'word usually written using kana alone');
        INSERT INTO Kanji VALUES (102, 3, '為る');
        INSERT INTO KJP VALUES (102, 'ichi1');
        INSERT INTO Kana VALUES (201, 3, 'する', 0);
        INSERT INTO KNP VALUES (201, 'ichi1');
        -- 4: an unmarked (rare) word is left out
        INSERT INTO Sense VALUES (40, 4);
        INSERT INTO SenseGloss VALUES (40, 'eng', '', 'rare thing');
        INSERT INTO Kanji VALUES (103, 4, '稀物');
        -- 5: a kana-only word; a one-character kana form is no key
        INSERT INTO Sense VALUES (50, 5);
        INSERT INTO SenseGloss VALUES (50, 'eng', '', 'from');
        INSERT INTO Kana VALUES (202, 5, 'から', 1), (203, 5, 'ら', 1);
        INSERT INTO KNP VALUES (202, 'spec1'), (203, 'spec1');
    """)
    db.commit()
    return db


def test_the_builder_keeps_marked_words_as_jmdict_writes_them(tmp_path):
    from bench.jmdict_lexicon import build

    lex = build(_jamdict(tmp_path / "jamdict.db"))
    assert lex == {"政府": ["government"], "治る": ["get", "better"], "為る": ["do"],
                   "する": ["do"], "から": ["from"]}


def test_the_builder_writes_the_same_bytes_and_the_aligner_reads_them(tmp_path):
    from bench.jmdict_lexicon import main

    _jamdict(tmp_path / "jamdict.db").close()
    outs = [tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"]
    for out in outs:
        assert main(["--db", str(tmp_path / "jamdict.db"), "--version", "1.5",
                     "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    read = Lexicon("ja-en", outs[0].read_bytes())
    assert read.words("政府が治るとする") == ["government", "get", "better", "do"]
    assert "jamdict-data 1.5" in gzip.decompress(outs[0].read_bytes()).decode()
