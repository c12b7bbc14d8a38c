"""``pipeline align``: the seed article and an English version written for this test, aligned
into verified records and every format."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats import html, jsonl, moses, tmx, tsv
from pipeline.records import AlignmentRecord

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def pair(tmp_path) -> Path:
    """raw/article_02.de.txt (the seed) and raw/article_02.en.txt (an English version with a
    split, a merge, a dropped and an added sentence)."""
    d = tmp_path / "raw"
    d.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "article_02.txt", d / "article_02.de.txt")
    shutil.copy(ROOT / "tests" / "data" / "article_02.en.txt", d / "article_02.en.txt")
    return d


def links(path: Path) -> list[AlignmentRecord]:
    records = jsonl.read(path)
    assert all(isinstance(r, AlignmentRecord) for r in records)
    return records


@pytest.mark.parametrize("mode", ["mt", "no-mt"])
def test_align_writes_verified_records_and_every_format(mode, tiny_model, pair, tmp_path):
    out = tmp_path / "out"
    args = ["--no-mt"] if mode == "no-mt" else ["--model-dir", tiny_model, "--beam", "1"]
    res = run("align", pair / "article_02.de.txt", pair / "article_02.en.txt", "-o", out, *args)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"article_02{s}" for s in (".de", ".en", ".html", ".jsonl", ".tmx", ".tsv")]
    records = links(out / "article_02.jsonl")
    de_text = (pair / "article_02.de.txt").read_text(encoding="utf-8")
    en_text = (pair / "article_02.en.txt").read_text(encoding="utf-8")
    # every German and every English sentence in exactly one link, in order
    assert [i for r in records for i in r.de] == list(range(17))
    assert [j for r in records for j in r.en] == list(range(17))
    for r in records:
        assert r.source == (de_text[r.de_spans[0][0]:r.de_spans[-1][1]] if r.de else "")
        assert r.target == (en_text[r.en_spans[0][0]:r.en_spans[-1][1]] if r.en else "")
        assert ("unaligned" in r.flags) == (not r.de or not r.en)
        assert (r.mt is None) == (mode == "no-mt" or not r.de)
    prov = records[0].provenance
    assert prov["aligner"]["aligner"].startswith("pipeline-align/")
    assert prov["splitters"] == {"de": "pipeline-de/1.3", "en": "pipeline-en/1.1"}
    assert (prov["translation"] is None) == (mode == "no-mt")
    assert prov["signature"].startswith("align:pipeline-align/")
    # the split (1-2) and the merge (2-1) of the English version are found
    kinds = {(r.de, r.en) for r in records}
    assert ((1,), (1, 2)) in kinds and ((4, 5), (5,)) in kinds
    assert run("verify", out / "article_02.jsonl").exit_code == 0
    # the side formats: line-aligned pairs, a TMX of the two-sided links, the viewer
    assert tsv.parse((out / "article_02.tsv").read_text(encoding="utf-8")) == \
        [(r.source, r.target) for r in records]
    assert moses.parse_side((out / "article_02.en").read_text(encoding="utf-8")) == \
        [moses.one_line(r.target) for r in records]
    text = (out / "article_02.tmx").read_text(encoding="utf-8")
    ET.fromstring(text.encode())
    assert tmx.parse(text) == [r for r in records if r.de and r.en]
    pairs, back = html.parse((out / "article_02.html").read_text(encoding="utf-8"))
    assert back == records


def test_align_is_incremental_and_verify_catches_edits(pair, tmp_path):
    out = tmp_path / "out"
    assert run("align", pair, "-o", out, "--no-mt").exit_code == 0
    res = run("align", pair, "-o", out, "--no-mt")
    assert "0 aligned, 1 skipped" in res.output
    en = pair / "article_02.en.txt"
    en.write_text(en.read_text(encoding="utf-8").replace("Minsk", "Minsc"), encoding="utf-8")
    res = run("verify", out / "article_02.jsonl")
    assert res.exit_code == 1 and "source changed since it was aligned" in res.output
    assert "1 aligned, 0 skipped" in run("align", pair, "-o", out, "--no-mt").output
    assert run("verify", out / "article_02.jsonl").exit_code == 0
    f = out / "article_02.jsonl"
    lines = f.read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[1])
    assert rec["link"] == "1-2"
    rec["en"], rec["en_spans"] = rec["en"][:1], rec["en_spans"][:1]  # an English sentence lost
    rec["link"] = "1-1"
    rec["target"] = en.read_text(encoding="utf-8")[slice(*rec["en_spans"][0])]
    f.write_text("\n".join(lines[:1] + [json.dumps(rec, ensure_ascii=False)] + lines[2:]) + "\n",
                 encoding="utf-8")
    res = run("verify", f)
    assert res.exit_code == 1
    assert "article_02.jsonl:3: en sentence 3, expected 2: a sentence is missing" in res.output


def test_unpaired_files_are_reported_and_the_pairs_still_aligned(pair, tmp_path):
    (pair / "lonely.de.txt").write_text("Ein Satz ohne Partner.\n", encoding="utf-8")
    res = run("align", pair, "-o", tmp_path / "out", "--no-mt")
    assert res.exit_code == 1
    assert "lonely.de.txt: has no partner lonely.en.txt" in res.output
    assert (tmp_path / "out" / "article_02.jsonl").is_file()


def test_the_library_aligns_sentence_lists_with_and_without_mt():
    import pipeline

    de = ["Der Bundestag hat am Freitag ein neues Gesetz beschlossen.", "Es tritt 2026 in Kraft.",
          "Die Opposition stimmte dagegen."]
    en = ["On Friday the Bundestag passed a new law, which takes effect in 2026.",
          "The opposition voted against it."]
    mt = ["The Bundestag passed a new law on Friday.", "It will enter into force in 2026.",
          "The opposition voted against it."]
    got = pipeline.align(de, en, mt=mt)
    assert [(link.de, link.en) for link in got] == [((0, 1), (0,)), ((2,), (1,))]
    assert all(0 <= link.similarity <= 1 for link in got)
    assert [(link.de, link.en) for link in pipeline.align(de, en)] == [((0, 1), (0,)), ((2,), (1,))]
