"""The run journal and the quick skip rule (issue 19, item 4): a run journals each document as
its window commits and streams the manifest from the journal; a killed run's journal is what
the next run knows; a rerun that finds every file as the manifest saw it reads none of them,
and still redoes what changed, what is damaged and what is missing."""

import json
import os
from pathlib import Path

import pytest

import pipeline
from pipeline import journal, manifest
from pipeline.formats import jsonl

ROOT = Path(__file__).resolve().parent.parent


def _archive(path: Path, n: int) -> Path:
    lines = [line for p in sorted((ROOT / "data" / "raw").glob("*.txt"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = "\n\n".join(lines[(i * 2 + k) % len(lines)] for k in range(2)) + "\n"
            f.write(json.dumps({"id": f"a{i}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _translate(archive: Path, out: Path, model: Path, **kw):
    said: list[str] = []
    summary = pipeline.translate_files([archive], out, input_format="jsonl", model_dir=model,
                                       cache=False, report=said.append,
                                       **{"window": 4, "beam": 1, **kw})
    return summary, said


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "manifest.json"}


def _reads(monkeypatch) -> list[str]:
    """Names of the record files read whole from now on."""
    seen: list[str] = []
    for name in ("read", "read_whole"):
        real = getattr(jsonl, name)
        monkeypatch.setattr(jsonl, name, lambda path, *a, real=real, **kw:
                            seen.append(Path(path).name) or real(path, *a, **kw))
    return seen


def _first_lines(monkeypatch) -> list[str]:
    """Names of the record files whose first line the skip rule reads from now on."""
    from pipeline import skip

    seen: list[str] = []
    real = skip.open_regular
    monkeypatch.setattr(skip, "open_regular", lambda path: seen.append(Path(path).name)
                        or real(path))
    return seen


def _same_stat_damage(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` by ``new`` (as long) in ``path``, keeping its size and mtime: only the
    ctime tells."""
    st = path.stat()
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    path.write_bytes(data.replace(old, new, 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.mark.slow
def test_a_killed_run_leaves_a_journal_the_next_run_takes_over(tiny_model, tmp_path,
                                                               monkeypatch):
    archive = _archive(tmp_path / "a.jsonl", 6)
    out = tmp_path / "out"

    def stop(n):
        if n == 2:
            raise KeyboardInterrupt  # as a killed driver: no manifest is written

    with pytest.raises(KeyboardInterrupt):
        _translate(archive, out, tiny_model, on_window=stop)
    assert not (out / manifest.FILENAME).exists()
    [left] = [p for p in out.iterdir() if journal.is_journal_name(p.name)]
    lines = [json.loads(line) for line in left.read_text(encoding="utf-8").splitlines()]
    done = [line["document"]["records"] for line in lines]
    assert done and len(done) < 6 and all((out / name).is_file() for name in done)
    assert [line["seq"] for line in lines] == list(range(len(done)))
    assert sum("runs" in line for line in lines) == 1  # the provenance, once
    # as if its process were gone: a pid that no process has
    left.rename(out / f"{journal.PREFIX}{left.name.split('.')[2].rsplit('-', 1)[0]}-"
                      f"999999999{journal.SUFFIX}")
    read = _reads(monkeypatch)
    summary, _ = _translate(archive, out, tiny_model)
    assert (len(summary.translated), len(summary.skipped)) == (6 - len(done), len(done))
    assert not set(read) & set(done)  # the journal said what they hold: none is read again
    assert not [p for p in out.iterdir() if journal.is_journal_name(p.name)]
    m = json.loads((out / manifest.FILENAME).read_text(encoding="utf-8"))
    assert [d["records"] for d in m["documents"]] == sorted(f"a{i}.jsonl" for i in range(6))
    assert [i["doc_line"] for i in m["inputs"]] == list(range(1, 7))
    pipeline.verify(sorted(out.glob("a*.jsonl")))  # raises when a file disagrees
    fresh = tmp_path / "fresh"
    _translate(archive, fresh, tiny_model)
    assert _files(out) == _files(fresh)


def test_a_rerun_reads_nothing_unchanged_and_redoes_what_changed(tiny_model, tmp_path,
                                                                 monkeypatch):
    archive = _archive(tmp_path / "a.jsonl", 6)
    out = tmp_path / "out"
    _translate(archive, out, tiny_model)
    before = _files(out)
    read, first = _reads(monkeypatch), _first_lines(monkeypatch)
    summary, _ = _translate(archive, out, tiny_model)
    # the manifest's entries and the files' stat tell: not even a first line is read
    assert (len(summary.translated), len(summary.skipped)) == (0, 6) and read == first == []
    assert _files(out) == before

    rows = [json.loads(line) for line in archive.read_text(encoding="utf-8").splitlines()]
    rows[0]["text"] += "\nEin neuer Satz.\n"  # a changed input
    archive.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                       encoding="utf-8")
    tsv = out / "a1.tsv"  # a damaged side file, its size and mtime kept
    _same_stat_damage(tsv, tsv.read_bytes()[:4], tsv.read_bytes()[:4][::-1])
    (out / "a2.tmx").unlink()  # a missing side file
    records = out / "a3.jsonl"  # a damaged record file (second line), size and mtime kept
    _same_stat_damage(records, b'"index":1,', b'"index":1;')  # no longer JSON
    read.clear()
    summary, _ = _translate(archive, out, tiny_model)
    assert sorted(map(str, summary.translated)) == [f"{archive}:1", f"{archive}:4"]
    assert len(summary.skipped) == 4
    assert sorted(read) == ["a1.jsonl", "a2.jsonl", "a3.jsonl"]  # no other record file read
    assert sorted(set(first)) == ["a0.jsonl", "a1.jsonl", "a2.jsonl", "a3.jsonl"]
    after = _files(out)
    assert after["a1.tsv"] == before["a1.tsv"] and after["a2.tmx"] == before["a2.tmx"]
    assert after["a3.jsonl"] == before["a3.jsonl"]
    pipeline.verify(sorted(out.glob("a*.jsonl")))

    summary, _ = _translate(archive, out, tiny_model, beam=2)  # changed settings
    assert len(summary.translated) == 6


def test_an_entry_without_the_archive_line_is_completed_by_one_rerun(tiny_model, tmp_path,
                                                                    monkeypatch):
    """A manifest whose entries do not say the article's archive line (as written before they
    did): the rerun reads each first line, which does say it, and completes the entries; the
    next rerun reads nothing."""
    archive = _archive(tmp_path / "a.jsonl", 3)
    out = tmp_path / "out"
    _translate(archive, out, tiny_model)
    m = json.loads((out / manifest.FILENAME).read_text(encoding="utf-8"))
    assert [d.pop("doc_line") for d in m["documents"]] == [1, 2, 3]
    (out / manifest.FILENAME).write_text(manifest.render(m), encoding="utf-8")
    first = _first_lines(monkeypatch)
    summary, _ = _translate(archive, out, tiny_model)
    assert len(summary.skipped) == 3 and sorted(first) == ["a0.jsonl", "a1.jsonl", "a2.jsonl"]
    m = json.loads((out / manifest.FILENAME).read_text(encoding="utf-8"))
    assert [d["doc_line"] for d in m["documents"]] == [1, 2, 3]
    first.clear()
    summary, _ = _translate(archive, out, tiny_model)
    assert len(summary.skipped) == 3 and first == []
    pipeline.verify(sorted(out.glob("a*.jsonl")))


def test_a_record_file_that_lost_records_is_never_described_as_done(tiny_model, tmp_path):
    """A record file whose first record is gone, re-described when the manifest is written
    again: its entry says what is wrong (no facts a rerun could take for done), and the rerun
    translates the document again."""
    archive = _archive(tmp_path / "a.jsonl", 2)
    out = tmp_path / "out"
    _translate(archive, out, tiny_model)
    records = out / "a0.jsonl"
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    assert len(lines) > 1
    records.write_text("".join(lines[1:]), encoding="utf-8")
    manifest.refresh(out)  # as the end of another run into this directory, or an export
    entry = next(d for d in manifest.read(out)["documents"] if d["records"] == "a0.jsonl")
    assert "index 1, expected 0" in entry["error"] and "fingerprint" not in entry
    summary, _ = _translate(archive, out, tiny_model)
    assert [str(n) for n in summary.translated] == [f"{archive}:1"] and len(summary.skipped) == 1
    assert records.read_text(encoding="utf-8").splitlines(keepends=True) == lines
    pipeline.verify(sorted(out.glob("a*.jsonl")))


def test_a_corpus_of_record_files_in_an_output_directory_is_described(tiny_model, tmp_path):
    """Record files concatenated into a corpus beside them: whole documents, so the manifest
    describes the corpus (no error entry), and the documents' own files stay skipped."""
    archive = _archive(tmp_path / "a.jsonl", 2)
    out = tmp_path / "out"
    _translate(archive, out, tiny_model)
    corpus = out / "corpus.jsonl"
    corpus.write_bytes((out / "a0.jsonl").read_bytes() + (out / "a1.jsonl").read_bytes())
    manifest.refresh(out)
    entries = {d["records"]: d for d in manifest.read(out)["documents"]}
    assert "error" not in entries["corpus.jsonl"]
    assert entries["corpus.jsonl"]["sentences"] == \
        entries["a0.jsonl"]["sentences"] + entries["a1.jsonl"]["sentences"]
    summary, _ = _translate(archive, out, tiny_model)
    assert len(summary.skipped) == 2
    pipeline.verify([corpus, *sorted(out.glob("a*.jsonl"))])


def test_a_record_file_replaced_while_the_skip_rule_looks_is_done_again(tiny_model, tmp_path,
                                                                        monkeypatch):
    """Another run replaces a record file (other settings) between the skip rule's stat and
    its touch: this run does the document again instead of tying its entry to the new file."""
    from pipeline import skip

    archive = _archive(tmp_path / "a.jsonl", 2)
    out, other = tmp_path / "out", tmp_path / "other"
    _translate(archive, out, tiny_model)
    _translate(archive, other, tiny_model, beam=2)
    before = _files(out)
    real = skip.os.utime
    swapped = []

    def utime(path, *args, **kw):
        if Path(path).name == "a0.jsonl" and not swapped:
            swapped.append(path)
            os.replace(other / "a0.jsonl", path)  # a rename: another inode
        return real(path, *args, **kw)

    monkeypatch.setattr(skip.os, "utime", utime)
    summary, _ = _translate(archive, out, tiny_model)
    assert swapped and [str(n) for n in summary.translated] == [f"{archive}:1"]
    assert _files(out) == before
    pipeline.verify(sorted(out.glob("a*.jsonl")))


def test_a_record_file_replaced_right_after_it_was_written_is_not_trusted(tiny_model, tmp_path,
                                                                         monkeypatch):
    """Another run replaces a record file (other settings) between this run's rename and its
    stat: the manifest does not tie this run's entry to that file's stat, so the next run
    reads the file, finds other records and translates the document again."""
    archive = _archive(tmp_path / "a.jsonl", 2)
    out, other = tmp_path / "out", tmp_path / "other"
    _translate(archive, other, tiny_model, beam=2)
    real = manifest.file_stats
    swapped = []

    def file_stats(path, *args, **kw):
        if Path(path).name == "a0.jsonl" and Path(path).parent == out and not swapped:
            swapped.append(path)
            os.replace(other / "a0.jsonl", path)
        return real(path, *args, **kw)

    monkeypatch.setattr(manifest, "file_stats", file_stats)
    _translate(archive, out, tiny_model)
    monkeypatch.setattr(manifest, "file_stats", real)
    assert swapped
    summary, _ = _translate(archive, out, tiny_model)
    assert [str(n) for n in summary.translated] == [f"{archive}:1"] and len(summary.skipped) == 1
    pipeline.verify(sorted(out.glob("a*.jsonl")))


def test_the_manifest_is_streamed_as_it_was_rendered(tiny_model, tmp_path):
    """The streamed manifest is the text :func:`manifest.render` makes of the same content,
    and lists a failed input in its place among the others."""
    archive = _archive(tmp_path / "a.jsonl", 5)
    with open(archive, "a", encoding="utf-8") as f:
        f.write("{kaputt\n")
    out = tmp_path / "out"
    summary, _ = _translate(archive, out, tiny_model)
    assert len(summary.failed) == 1
    text = (out / manifest.FILENAME).read_text(encoding="utf-8")
    m = json.loads(text)
    assert manifest.render(m) == text
    assert [i["status"] for i in m["inputs"]] == ["translated"] * 5 + ["failed"]
    assert m["totals"]["documents"] == 5 == len(m["documents"])
    assert m["totals"]["sentences"] == sum(d["sentences"] for d in m["documents"])
    assert manifest.render({"a": [], "runs": {}, "b": 1}) == '{\n  "a": [],\n  "runs": {},\n  "b": 1\n}\n'


def test_library_versions_are_looked_up_once_per_process(monkeypatch):
    """Each lookup scans the import path (tens of ms); a run asks for them several times (the
    translation key, the engine's provenance, the manifest)."""
    import importlib.metadata

    from pipeline import provenance

    asked: list[str] = []
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda n: asked.append(n) or real(n))
    provenance._installed.cache_clear()
    first = provenance.library_versions("typer", "no-such-package-here")
    assert provenance.library_versions("typer", "no-such-package-here") == first
    assert first["no-such-package-here"] == "absent"
    assert asked == ["typer", "no-such-package-here"]


def test_the_journal_finds_each_document_and_lists_inputs_in_input_order(tmp_path):
    j = journal.Journal(tmp_path)
    names = [f"d{k}.jsonl" for k in range(300)]
    order = list(range(300))[::-1]  # outcomes may come in any order
    for seq in order:
        j.add(seq, {"n": seq}, {"records": names[seq], "v": 1} if seq % 3 else None,
              {"fp": {"p": 1}})
    j.add(7, {"n": 7}, {"records": names[7], "v": 2})  # journaled again: the later line wins
    j.commit()
    # the entries' JSON text, as the manifest writes them, copied without being parsed again
    assert list(j.inputs()) == [json.dumps({"n": n}) for n in range(300)]
    found = j.document(names[7])
    assert found == json.dumps({"records": names[7], "v": 2}) and found.value["v"] == 2
    assert j.document(names[8]).value["v"] == 1
    assert j.document(names[3]) is None and j.document("other.jsonl") is None
    assert j.runs == {"fp": {"p": 1}}
    lines = j.path.read_text(encoding="utf-8").splitlines()
    assert sum("runs" in json.loads(line) for line in lines) == 1
    j.close(remove=True)
    assert not j.path.exists()


def _entry(name: str, k: int) -> dict:
    return {"records": name, "sha256": f"{k:064x}", "stat": {name: [k, 1, 2, 3]},
            "fingerprint": "fp", "status": "translated", "note": "ü\u2028\"},\n    {"}


def _manifest(documents: list[dict], **header) -> dict:
    return {"manifest": manifest.SCHEMA, "pipeline": pipeline.__version__, **header,
            "inputs": [{"path": "a.jsonl", "sha256": None}] * 3, "documents": documents,
            "runs": {"fp": {"model": {"repo": "x"}}, "other": {}}, "totals": {"documents": 1}}


def test_a_previous_manifest_is_indexed_not_held(tmp_path):
    """A manifest this version streamed is asked one record file at a time (its lines found
    by hash, the last of a name winning), as the whole parse would answer."""
    docs = [_entry(f"d{k}.jsonl", k) for k in range(50)] + [_entry("d7.jsonl", 99),
                                                            {"records": "bad.jsonl"}]
    manifest.write(tmp_path, _manifest(docs, settings={"window": 4}))
    earlier = manifest.earlier(tmp_path)
    assert earlier.indexed  # not parsed whole
    entries, runs = manifest.previous_entries(manifest.read(tmp_path))
    assert earlier.runs == runs and len(entries) == 50
    for name in [*entries, "bad.jsonl", "absent.jsonl"]:
        assert earlier.get(name) == entries.get(name), name
    assert earlier.get("d7.jsonl")["sha256"] == f"{99:064x}"
    killed = tmp_path / "killed.journal"
    killed.write_text(json.dumps({"seq": 0, "runs": {"j": {}}, "document": {
        "records": "d1.jsonl", "from": "journal"}}) + "\n", encoding="utf-8")
    earlier.add_journal(killed)
    assert earlier.get("d1.jsonl")["from"] == "journal" and "j" in earlier.runs
    assert earlier.journals == [killed]
    earlier.close()


@pytest.mark.parametrize("text", [
    lambda m: json.dumps(m, indent=2),  # another tool's layout: parsed whole
    lambda m: manifest.render(m).replace('"documents": [\n    ', '"documents": [ '),
])
def test_a_manifest_of_another_layout_is_parsed_whole(tmp_path, text):
    docs = [_entry(f"d{k}.jsonl", k) for k in range(5)]
    (tmp_path / manifest.FILENAME).write_text(text(_manifest(docs)), encoding="utf-8")
    earlier = manifest.earlier(tmp_path)
    assert not earlier.indexed and earlier.get("d3.jsonl") == docs[3]


@pytest.mark.parametrize("change", [
    lambda s: s.replace(pipeline.__version__, "0.0.0-other", 1),  # another version
    lambda s: s[: len(s) // 2],  # torn: no closing brace, and not JSON
    lambda s: "",
])
def test_a_manifest_of_another_version_or_torn_gives_nothing(tmp_path, change):
    manifest.write(tmp_path, _manifest([_entry("d0.jsonl", 0)]))
    path = tmp_path / manifest.FILENAME
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    earlier = manifest.earlier(tmp_path)
    assert earlier.get("d0.jsonl") is None and earlier.runs == {}


def test_indexing_a_manifest_keeps_little_per_document(tmp_path):
    import tracemalloc

    held = {}
    for n in (2000, 10000):
        out = tmp_path / str(n)
        out.mkdir()
        manifest.write(out, _manifest([_entry(f"article-{k:06d}.jsonl", k) for k in range(n)]))
        tracemalloc.start()
        earlier = manifest.earlier(out)
        held[n] = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert earlier.get("article-000123.jsonl")["sha256"] == f"{123:064x}"
        earlier.close()
    assert (held[10000] - held[2000]) / 8000 < 100, held  # bytes per document
