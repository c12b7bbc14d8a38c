"""The benchmarks as a package: every one imports as ``bench.NAME`` without touching
``sys.path``, and what they share (bench/common.py: article generator, archive writer, timed
runner) does what the benchmarks rely on. Nothing here is timed."""

from __future__ import annotations

import importlib
import sys

import pytest

from bench import common
from pipeline.archive import iter_archive
from tests.conftest import ROOT

BENCHMARKS = sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_is_a_module_of_the_package(name):
    before = list(sys.path)
    module = importlib.import_module(f"bench.{name}")
    assert sys.path == before, f"bench.{name} changed sys.path"
    assert callable(getattr(module, "main", None)) or name == "split_ab", \
        f"bench.{name} has no main(): `python -m bench.{name}` would do nothing"


def test_articles_paragraphs_in_order_reused_round_or_refused():
    lines = [f"Satz {i}." for i in range(5)]
    assert common.articles(lines, per_article=2) == ["Satz 0.\n\nSatz 1.\n",
                                                      "Satz 2.\n\nSatz 3.\n", "Satz 4.\n"]
    assert common.articles(lines, 3, 2) == ["Satz 0.\n\nSatz 1.\n", "Satz 2.\n\nSatz 3.\n",
                                            "Satz 4.\n\nSatz 0.\n"]
    with pytest.raises(SystemExit, match="need 6 segments; there are 5"):
        common.articles(lines, 3, 2, cycle=False)
    with pytest.raises(ValueError, match="unknown layout"):
        common.articles(lines, 1, layout="poem")


def test_news_articles_have_a_headline_and_paragraphs_of_several_sentences():
    lines = [f"Satz {i}." for i in range(50)]
    texts = common.articles(lines, 6, layout="news")
    assert len(texts) == 6 and len(set(texts)) == 6
    for i, text in enumerate(texts):
        headline, *paragraphs = text.rstrip("\n").split("\n\n")
        assert headline.count("Satz") == 1 and len(paragraphs) == 2 + i % 3
        assert all(p.count("Satz") in (2, 3) for p in paragraphs)


def test_archive_and_folder_are_what_pipeline_reads(tmp_path):
    texts = common.articles([f"Satz {i}." for i in range(4)], 2, 2)
    archive = common.write_archive(texts, tmp_path / "a" / "archive.jsonl")
    read = list(iter_archive(archive))
    assert [(a.doc_id, a.text) for a in read] == [("nt19-0000", texts[0]), ("nt19-0001", texts[1])]
    paths = common.write_folder(texts, tmp_path / "in")
    assert [p.name for p in paths] == ["article_0000.txt", "article_0001.txt"]
    assert [p.read_text(encoding="utf-8") for p in paths] == texts


def test_timed_run_times_the_first_output_and_reports_failure(tmp_path):
    code = ("import pathlib, sys, time; time.sleep(0.2); "
            "pathlib.Path(sys.argv[1], 'a.jsonl').write_text('{}'); time.sleep(0.3); "
            "print('done', file=sys.stderr)")
    done = common.timed_run([sys.executable, "-c", code, tmp_path], watch=tmp_path)
    assert 0.2 <= done.first < done.wall and done.wall >= 0.5
    assert done.rss_mib > 1 and done.returncode == 0 and done.stderr.strip() == "done"
    with pytest.raises(SystemExit, match="failed \\(3\\)"):
        common.timed_run([sys.executable, "-c", "import sys; sys.exit(3)"])
    assert common.timed_run([sys.executable, "-c", "import sys; sys.exit(3)"],
                            check=False).returncode == 3


def test_unknown_model_kind_is_refused():
    with pytest.raises(ValueError, match="tiny, twin"):
        common.make_model("huge")
