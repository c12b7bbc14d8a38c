"""What a run keeps per article (issue 19, item 4): an archive's ids and output names as
hashes (checked against the archive on a hit), the summary's names as line numbers."""

import json
import tracemalloc
from pathlib import Path

import pytest

from pipeline import hashindex
from pipeline.archive import BadLine, iter_archive
from pipeline.hashindex import HashIndex
from pipeline.inputs import iter_inputs
from pipeline.summary import Names, RunSummary


def _write(path: Path, ids) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in ids:
            f.write(json.dumps({"id": i, "text": f"Satz {i}."}) + "\n")
    return path


def test_hash_index_finds_every_entry_of_a_hash_across_growth():
    index = HashIndex(2)
    for k in range(1000):
        index.add(f"n{k}", k, 2 * k)
    index.add("n7", 9, 9)  # a name added twice is there twice
    assert len(index) == 1001
    assert sorted(index.candidates("n7")) == [(7, 14), (9, 9)]
    assert list(index.candidates("n999")) == [(999, 1998)]
    assert list(index.candidates("absent")) == []
    with pytest.raises(ValueError):
        index.add("x", -1, 0)


@pytest.fixture()
def colliding(monkeypatch):
    """Every name has the same hash: each hit must be told apart by reading the archive."""
    monkeypatch.setattr(hashindex, "hash", lambda name: 42, raising=False)


def test_ids_of_one_hash_are_told_apart_by_their_lines(tmp_path, colliding):
    path = _write(tmp_path / "a.jsonl", ["a", "b", 7, "c", "7", "b"])
    items = list(iter_archive(path))
    bad = [(i.line, i.why) for i in items if isinstance(i, BadLine)]
    assert [i.doc_id for i in items if not isinstance(i, BadLine)] == ["a", "b", "7", "c"]
    assert bad == [(5, "duplicate id '7' (first on line 3); ids must be unique in an archive"),
                   (6, "duplicate id 'b' (first on line 2); ids must be unique in an archive")]


def test_output_names_of_one_hash_are_told_apart_across_archives(tmp_path, colliding):
    one = _write(tmp_path / "one.jsonl", ["a/b", "c"])
    two = _write(tmp_path / "two.jsonl", ["d", "a_b", "c"])
    refused = {i.label: i.error for i in iter_inputs([one, two], "jsonl") if i.error}
    assert list(refused) == [f"{two}:2", f"{two}:3"]
    assert refused[f"{two}:2"].startswith(f"article 'a_b' would be written to a_b.jsonl, as "
                                          f"{one}:1 ('a/b') is")
    assert f"as {one}:2 ('c') is" in refused[f"{two}:3"]


def test_the_inputs_of_an_archive_keep_little_per_article(tmp_path):
    """Streaming an archive's inputs holds at most ~120 bytes per article (ids and output
    names as hashes, lines and offsets; a dict of them held about 250)."""
    held = {}
    for n in (1000, 5000):
        path = _write(tmp_path / f"a{n}.jsonl", [f"article-{k:06d}" for k in range(n)])
        tracemalloc.start()
        names = Names()
        for item in iter_inputs([path], "jsonl"):
            names.append(item.name)
            if item.line == n:  # the reader's tables are still held
                held[n] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(names) == n
    assert (held[5000] - held[1000]) / 4000 < 120, held


def test_names_give_back_what_was_appended():
    names = Names()
    given = ["a.jsonl:1", "a.jsonl:2", Path("x.txt"), "b.jsonl:10", "odd:007", "no colon",
             "a.jsonl:3"]
    for name in given:
        names.append(name)
    assert names == given and list(names) == given and names[-1] == "a.jsonl:3"
    assert names[2:4] == given[2:4] and "b.jsonl:10" in names and names != given[:-1]
    assert isinstance(names[1], str) and isinstance(names[2], Path)
    summary = RunSummary()
    summary.translated.append("a.jsonl:1")
    assert summary.translated == ["a.jsonl:1"] and summary.line().startswith("1 translated")
