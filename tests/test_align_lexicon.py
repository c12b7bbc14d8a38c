"""The word lists of pipeline.alignment.lexicon: what they read, how the aligner uses them
without MT, what provenance says, and how bench/lexicons.py builds them."""

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


def test_chinese_words_of_both_scripts_are_read_into_english():
    zh = lexicon("zh", "en")
    assert zh.words("中国政府发展经济") == ["china", "government", "development", "economy"]
    assert zh.words("中國政府發展經濟") == ["china", "government", "development", "economy"]
    # single characters are no keys (的 is "of" here, and "taxi" as CC-CEDICT's first entry)
    assert zh.words("的") == []


@pytest.mark.parametrize("pair", [("de", "en"), ("ru", "en"), ("ja", "fr"), ("en", "ja"),
                                  ("en", "zh"), (None, None)])
def test_other_pairs_have_no_list(pair):
    assert lexicon(*pair) is None


ZH = ["政府宣布了明年的经济政策。",
      "总理说他有责任向人民解释。",
      "许多专家反对这个计划。",
      "农村地区的医院缺少医生。",
      "预计明天起天气将会变坏。"]


@pytest.mark.parametrize("lang, source", [("ja", JA), ("zh", ZH)])
def test_without_mt_the_list_finds_the_english_sentence_without_source(lang, source):
    """Nothing else is shared (no number, name or Latin word): lengths alone join the
    sentence without source to a neighbour and shift the links after it."""
    found = [(link.de, link.en) for link in align(source, EN, src_lang=lang)]
    assert found == GOLD
    off = [(link.de, link.en) for link in align(source, EN, src_lang=lang, lexicon=False)]
    assert off != GOLD


def test_provenance_names_the_list_and_what_it_glossed():
    est = align_document(JA, EN, src_lang="ja").provenance()["estimates"]
    assert est["lexicon"] == lexicon("ja", "en").provenance
    assert est["lexicon"].startswith("ja-en/") and est["glossed"] == len(JA)
    # with MT for every sentence, or switched off, the list is not used and not named
    mt = ["x"] * len(JA)
    assert "lexicon" not in align_document(JA, EN, mt, src_lang="ja").provenance()["estimates"]
    off = align_document(JA, EN, src_lang="ja", lexicon=False).provenance()
    assert "lexicon" not in off["estimates"] and off["params"]["lexicon"] is False


@pytest.mark.parametrize("name, source, size", [("ja-en", "JMdict", 25_000),
                                                ("zh-en", "CC-CEDICT", 150_000)])
def test_the_shipped_lists_name_their_source_and_licence(name, source, size):
    from importlib import resources

    data = resources.files("pipeline.alignment").joinpath("data", f"{name}.tsv.gz").read_bytes()
    text = gzip.decompress(data).decode("utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any(source in line for line in header)
    assert any("CC BY-SA 4.0" in line for line in header)
    rows = [line.split("\t") for line in text.splitlines() if not line.startswith("#")]
    assert len(rows) > size and all(len(r) == 2 and r[1] for r in rows)
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
    from bench.lexicons import build

    lex = build(_jamdict(tmp_path / "jamdict.db"))
    assert lex == {"政府": ["government"], "治る": ["get", "better"], "為る": ["do"],
                   "する": ["do"], "から": ["from"]}


def test_the_builder_writes_the_same_bytes_and_the_aligner_reads_them(tmp_path):
    from bench.lexicons import main

    _jamdict(tmp_path / "jamdict.db").close()
    outs = [tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"]
    for out in outs:
        assert main(["ja", "--db", str(tmp_path / "jamdict.db"), "--version", "1.5",
                     "--out", str(out)]) == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    read = Lexicon("ja-en", outs[0].read_bytes())
    assert read.words("政府が治るとする") == ["government", "get", "better", "do"]
    assert "jamdict-data 1.5" in gzip.decompress(outs[0].read_bytes()).decode()


CEDICT = """\
# CC-CEDICT
#! date=2023-11-07T06:42:16Z
的 的 [di1] /see 的士[di1 shi4]/
的 的 [de5] /of; ~'s (possessive particle)/
北京 北京 [Bei3 jing1] /Beijing, capital of the People's Republic of China/
發展 发展 [fa1 zhan3] /development; growth/to develop/
乾乾淨淨 干干净净 [gan1 gan1 jing4 jing4] /(of a room etc) clean and tidy/
一模一樣 一模一样 [yi1 mu2 yi1 yang4] /variant of 一模一样/exactly the same/
張家口市 张家口市 [Zhang1 jia1 kou3 shi4] /Zhangjiakou, prefecture-level city in Hebei/
國際標準組織 国际标准组织 [guo2 ji4 biao1 zhun3 zu3 zhi1] /International Standards Organization/
"""


def test_the_chinese_builder_keeps_words_with_their_first_meaning(tmp_path):
    from bench.lexicons import build_cedict, main

    lex = build_cedict(CEDICT.splitlines())
    assert lex == {"北京": ["beijing"], "发展": ["development"], "發展": ["development"],
                   "干干净净": ["clean", "tidy"], "乾乾淨淨": ["clean", "tidy"],
                   "一模一样": ["exactly", "same"], "一模一樣": ["exactly", "same"],
                   "张家口市": ["zhangjiakou"], "張家口市": ["zhangjiakou"]}
    src = tmp_path / "cedict.txt.gz"
    src.write_bytes(gzip.compress(CEDICT.encode("utf-8")))
    assert main(["zh", "--cedict", str(src), "--out", str(tmp_path / "zh.tsv.gz")]) == 0
    text = gzip.decompress((tmp_path / "zh.tsv.gz").read_bytes()).decode("utf-8")
    assert "CC-CEDICT of 2023-11-07" in text and "北京\tbeijing\n" in text


def test_a_runs_fingerprint_names_the_list_it_would_use(monkeypatch):
    """A rebuilt list changes alignments without MT: a rerun must redo them, not skip."""
    from pipeline.alignment import documents
    from pipeline.alignment.lexicon import identity

    assert identity("ja", "en") == lexicon("ja", "en").provenance
    assert identity("zh", "en") == lexicon("zh", "en").provenance
    assert identity("de", "en") is None
    before = documents.alignment_fingerprint(None, "ja", "en")
    assert before != documents.alignment_fingerprint(None, "ja", "en", lexicon=False)
    monkeypatch.setattr(documents, "lexicon_identity", lambda s, t: "ja-en/000000000000")
    assert documents.alignment_fingerprint(None, "ja", "en") != before


def test_english_with_its_chinese_translation_glosses_the_chinese_side():
    """--from en --to zh: the list into English serves the other direction too."""
    en = [s for k, s in enumerate(EN) if k != 2]
    zh = ZH[:3] + ["昨天下午下了一场大雨。"] + ZH[3:]  # the Chinese has a sentence more
    gold = [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((), (3,)), ((3,), (4,)), ((4,), (5,))]
    found = align_document(en, zh, src_lang="en", tgt_lang="zh")
    assert [(link.de, link.en) for link in found.links] == gold
    assert found.provenance()["estimates"]["lexicon"] == lexicon("zh", "en").provenance
    off = [(link.de, link.en) for link in align(en, zh, src_lang="en", tgt_lang="zh",
                                                lexicon=False)]
    assert off != gold
    from pipeline.alignment import documents

    assert documents.alignment_fingerprint(None, "en", "zh") != \
        documents.alignment_fingerprint(None, "en", "zh", lexicon=False)
