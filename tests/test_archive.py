"""JSONL archives: streaming, bad lines by number, ids as file names, re-reading one article,
and plain runs over archives (outputs, provenance, skip, verify)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline import archive
from pipeline.archive import Article, BadLine, iter_archive, read_article, read_article_at, safe_stem
from pipeline.cli import app
from pipeline.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


# --- reading an archive --------------------------------------------------------------------

@pytest.mark.parametrize("raw, why", [
    (b"not json", "not valid JSON"),
    (b'["a list"]', "a JSON list, expected an object"),
    (b'{"text": "Ein Satz."}', "has no 'id' field"),
    (b'{"id": "a", "body": "Ein Satz."}', "article 'a' has no 'text' field"),
    (b'{"id": "a", "text": 5}', "field 'text' must be a string, got 5"),
    (b'{"id": "a", "text": "  \\n "}', "the text is empty"),
    (b'{"id": true, "text": "Ein Satz."}', "field 'id' must be a non-empty string or an integer"),
    (b'{"id": "", "text": "Ein Satz."}', "field 'id' must be a non-empty string"),
    (b'{"id": "a", "text": "Ein \\ud800 Satz."}', "lone surrogate (U+D800 at offset 4)"),
    ('{"id": "a", "text": "Grüße"}'.encode("cp1252"), "not valid UTF-8 (byte 0xfc"),
])
def test_a_bad_line_is_reported_with_its_number_and_the_others_go_on(tmp_path, raw,
                                                                     why, write_archive):
    path = write_archive(tmp_path / "a.jsonl", [{"id": "first", "text": "Ein Satz."}, raw,
                                                 {"id": "last", "text": "Noch ein Satz."}])
    items = list(iter_archive(path))
    assert [type(i) for i in items] == [Article, BadLine, Article]
    assert items[1].line == 2 and why in items[1].why, items[1].why
    assert [i.doc_id for i in (items[0], items[2])] == ["first", "last"]


def test_lines_offsets_ids_and_what_is_no_article(tmp_path, write_archive):
    path = write_archive(tmp_path / "a.jsonl", [
        b'\xef\xbb\xbf{"id": 7, "text": "Sieben."}',  # a BOM before the first line
        b"", b"   ",  # blank lines hold no article and are no error
        b'{"id": "7", "text": "Doppelt."}',  # the integer 7 and the string "7" are one id
        b'{"id": "b", "text": "Zeile mit CRLF.", "extra": [1, 2]}\r',
    ])
    items = list(iter_archive(path))
    assert [(type(i).__name__, i.line) for i in items] == [("Article", 1), ("BadLine", 4),
                                                            ("Article", 5)]
    assert items[0].doc_id == "7" and "duplicate id '7' (first on line 1)" in items[1].why
    data = path.read_bytes()
    assert data[items[2].offset:].startswith(b'{"id": "b"')
    doc = items[2].document()
    assert (doc.doc_id, doc.doc_line, doc.path) == ("b", 5, str(path))
    assert doc.sha256 == hashlib.sha256("Zeile mit CRLF.".encode()).hexdigest()


def test_an_overlong_line_is_skipped_in_bounded_reads(tmp_path, write_archive):
    path = write_archive(tmp_path / "a.jsonl", [{"id": "a", "text": "Kurz."},
                                                 {"id": "b", "text": "Wort " * 5000},
                                                 {"id": "c", "text": "Auch kurz."}])
    items = list(iter_archive(path, max_line_bytes=1000))
    assert [type(i) for i in items] == [Article, BadLine, Article]
    assert "longer than 1,000 bytes" in items[1].why and items[2].line == 3
    assert path.read_bytes()[items[2].offset:].startswith(b'{"id": "c"')


def test_other_fields_and_an_unreadable_archive(tmp_path, write_archive):
    path = write_archive(tmp_path / "a.jsonl", [{"uid": "x", "body": "Ein Satz.", "id": "y"}])
    (item,) = iter_archive(path, id_field="uid", text_field="body")
    assert (item.doc_id, item.text, item.id_field, item.text_field) == ("x", "Ein Satz.", "uid",
                                                                       "body")
    with pytest.raises(InputError, match="no such file"):
        list(iter_archive(tmp_path / "missing.jsonl"))
    with pytest.raises(InputError, match="is a directory"):
        list(iter_archive(tmp_path))


@pytest.mark.parametrize("doc_id, stem", [
    ("art-001", "art-001"), ("2024/05/bericht", "2024_05_bericht"), ("a b:c*?", "a_b_c__"),
    (".hidden", "_hidden"), ("..", "_."), ("Köln_Straße.v2", "Köln_Straße.v2"),
    ("x" * 300, "x" * 107 + "-" + hashlib.sha256(b"x" * 300).hexdigest()[:12]),
])
def test_safe_stem(doc_id, stem):
    assert safe_stem(doc_id) == stem


@given(st.text(min_size=1, max_size=200))
def test_safe_stem_is_always_one_plain_file_name(doc_id):
    stem = safe_stem(doc_id)
    assert stem and "/" not in stem and "\\" not in stem and "\x00" not in stem
    assert not stem.startswith(".") and len(stem.encode("utf-8")) <= archive.MAX_STEM_BYTES
    assert re.fullmatch(r"[\w.\-]+", stem)


@given(st.from_regex(r"[A-Za-z0-9_][\w.\-]{0,60}", fullmatch=True))
def test_an_id_that_is_already_a_file_name_is_kept(doc_id):
    assert safe_stem(doc_id) == doc_id


# --- re-reading one article ----------------------------------------------------------------

@pytest.fixture()
def small_index(monkeypatch):
    """Index every 4th line, so that a small archive spans several index blocks."""
    monkeypatch.setattr(archive, "INDEX_STEP", 4)
    archive._line_index.cache_clear()
    yield
    archive._line_index.cache_clear()


def test_read_article_finds_each_line(tmp_path, small_index, write_archive):
    rows = [{"id": f"n{i}", "text": f"Satz Nummer {i}."} for i in range(1, 15)]
    rows[5] = "kaputt"  # line 6 is no article; the others are still found
    path = write_archive(tmp_path / "a.jsonl", rows)
    for item in iter_archive(path):
        if isinstance(item, Article):
            doc = read_article(path, item.line, item.doc_id)
            assert doc == item.document()
            assert read_article_at(path, item.offset, item.line, item.doc_id) == doc


@pytest.mark.parametrize("line, doc_id", [(2, "n1"), (40, "n1"), (3, "n3")])
def test_read_article_refuses_a_changed_line(tmp_path, small_index, line, doc_id, write_archive):
    """Another article there, no such line, no JSON object: one message, which says nothing
    of what the line holds (a record may point at any file)."""
    path = write_archive(tmp_path / "a.jsonl", [{"id": "n1", "text": "Eins."},
                                                 {"id": "n2", "text": "Zwei."}, "[]"])
    with pytest.raises(InputError) as info:
        read_article(path, line, doc_id)
    assert str(info.value) == (f"{path}:{line}: does not hold article {doc_id!r} as it was "
                               "translated: the source changed since it was translated; "
                               "translate the archive again")


def test_read_article_finds_the_fields_a_record_does_not_name(tmp_path, write_archive):
    text = "Der Text steht hier."
    path = write_archive(tmp_path / "a.jsonl", [{"title": "Titel", "uid": "u1", "body": text}])
    sha = hashlib.sha256(text.encode()).hexdigest()
    doc = read_article(path, 1, "u1", sha256=sha)
    assert doc.text == text and doc.sha256 == sha and doc.doc_id == "u1"


def test_count_lines(tmp_path, write_archive):
    assert archive.count_lines(write_archive(tmp_path / "a.jsonl", ["{}"] * 5)) == 5
    (tmp_path / "b.jsonl").write_bytes(b"{}\n{}")  # no final line break
    assert archive.count_lines(tmp_path / "b.jsonl") == 2
    assert archive.count_lines(tmp_path / "missing.jsonl") == 0


# --- plain runs over archives ----------------------------------------------------------------

def test_archive_run_outputs_provenance_skip_and_verify(tiny_model, tmp_path,
                                                        write_archive, repo_articles):
    rows = repo_articles(5)
    rows[1] = {**rows[1], "id": "2024/05/bericht"}
    path = write_archive(tmp_path / "archive.jsonl",
                         rows[:2] + ["{kaputt", {"id": "art-000", "text": "Doppelt."},
                                     {"id": "2024_05_bericht", "text": "Gleicher Name."}]
                         + rows[2:])
    out = tmp_path / "out"
    args = ("translate", path, "--input-format", "jsonl", "-o", out, "--model-dir", tiny_model)
    res = run(*args)
    assert res.exit_code == 1, res.output
    assert "error: " + f"{path}:3: not valid JSON" in res.output
    assert f"{path}:4: duplicate id 'art-000' (first on line 1)" in res.output
    assert f"{path}:5: article '2024_05_bericht' would be written to 2024_05_bericht.jsonl, as " \
           f"{path}:2 ('2024/05/bericht') is" in res.output
    assert "5 translated, 0 skipped, 3 failed" in res.output
    assert sorted(p.name for p in out.glob("*.jsonl")) == [
        "2024_05_bericht.jsonl", "art-000.jsonl", "art-002.jsonl", "art-003.jsonl",
        "art-004.jsonl"]
    first = json.loads((out / "2024_05_bericht.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (first["doc_path"], first["doc_id"], first["doc_line"]) == ("../archive.jsonl",
                                                                       "2024/05/bericht", 2)
    assert first["doc_sha256"] == hashlib.sha256(rows[1]["text"].encode()).hexdigest()
    assert first["source"] == rows[1]["text"][first["start"]:first["end"]]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["settings"]["input_format"] == "jsonl"
    assert {(i.get("doc_line"), i.get("doc_id"), i["status"]) for i in manifest["inputs"]} >= {
        (3, None, "failed"), (2, "2024/05/bericht", "translated")}
    verified = run("verify", *sorted(out.glob("*.jsonl")))
    assert verified.exit_code == 0, verified.output

    again = run(*args)
    assert "0 translated, 5 skipped, 3 failed" in again.output

    # a changed article is translated again, and an old record of it no longer verifies
    old = (out / "art-002.jsonl").read_bytes()
    rows[2] = {**rows[2], "text": rows[2]["text"] + "\nEin neuer Satz.\n"}
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5] = json.dumps(rows[2], ensure_ascii=False).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    (tmp_path / "old.jsonl").write_bytes(old)
    stale = run("verify", tmp_path / "old.jsonl", "--source-root", tmp_path)
    assert stale.exit_code == 1 and "the source changed since it was translated" in stale.output
    third = run(*args)
    assert "1 translated, 4 skipped, 3 failed" in third.output


def test_moved_lines_are_translated_again_with_their_new_line(tiny_model, tmp_path,
                                                              write_archive, repo_articles):
    rows = repo_articles(3)
    path = write_archive(tmp_path / "a.jsonl", rows)
    out = tmp_path / "out"
    args = ("translate", path, "--input-format", "jsonl", "-o", out, "--model-dir", tiny_model)
    assert run(*args).exit_code == 0
    write_archive(path, [rows[2], rows[0], rows[1]])
    res = run(*args)
    assert "3 translated, 0 skipped" in res.output  # same texts, other lines: records redone
    first = json.loads((out / "art-002.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["doc_line"] == 1
    assert run("verify", *sorted(out.glob("*.jsonl"))).exit_code == 0


def test_archive_options_and_refusals(tiny_model, tmp_path, write_archive):
    d = tmp_path / "archives"
    d.mkdir()
    write_archive(d / "one.jsonl", [{"uid": "a", "body": "Ein Satz."}])
    write_archive(d / "two.jsonl", [{"uid": "a", "body": "Derselbe Name."},
                                    {"uid": "one", "body": "Überschreibt das Archiv."}])
    res = run("translate", d, "--input-format", "jsonl", "--id-field", "uid", "--text-field",
              "body", "-o", d, "--model-dir", tiny_model)
    assert res.exit_code == 1
    assert f"{d / 'two.jsonl'}:1: article 'a' would be written to a.jsonl, as " \
           f"{d / 'one.jsonl'}:1 ('a') is" in res.output
    assert f"{d / 'two.jsonl'}:2: article 'one' would be written over an input archive" in res.output
    assert json.loads((d / "one.jsonl").read_text())["uid"] == "a"  # the archive is intact
    assert "1 translated, 0 skipped, 2 failed" in res.output
    verified = run("verify", d / "a.jsonl")  # the fields are found without --id-field
    assert verified.exit_code == 0, verified.output
    (d / "one.jsonl").rename(tmp_path / "one.jsonl")
    moved = run("verify", d / "a.jsonl")
    assert moved.exit_code == 1 and "its archive" in moved.output and "--source-root" in moved.output
    assert run("verify", d / "a.jsonl", "--source-root", tmp_path).exit_code == 0
    res = run("translate", tmp_path / "one.jsonl", "--input-format", "jsonl", "--encoding", "cp1252",
              "-o", tmp_path / "o", "--model-dir", tiny_model)
    assert res.exit_code == 2 and "a JSONL archive is UTF-8" in res.output
    res = run("translate", tmp_path / "nothing.jsonl", "--input-format", "jsonl", "-o",
              tmp_path / "o", "--model-dir", tiny_model)
    assert res.exit_code == 2 and "no such file or directory" in res.output


def test_library_api_and_a_file_that_is_no_archive(tiny_model, tmp_path,
                                                   write_archive, repo_articles):
    from pipeline import translate_files

    path = write_archive(tmp_path / "a.jsonl", repo_articles(2))
    os.mkfifo(tmp_path / "fifo.jsonl")
    messages: list[str] = []
    summary = translate_files([path, tmp_path / "fifo.jsonl"], tmp_path / "out",
                              model_dir=tiny_model, input_format="jsonl", report=messages.append)
    assert summary.translated == [f"{path}:1", f"{path}:2"]
    assert summary.failed == [(tmp_path / "fifo.jsonl",
                               "is not a regular file; only regular files are read")]
    assert f"error: {tmp_path / 'fifo.jsonl'}: is not a regular file" in "\n".join(messages)
