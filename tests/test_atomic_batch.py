"""AtomicBatch: every file reaches the disk before any is renamed, renames keep their order,
one sync serves the whole batch, and a document that cannot be written fails alone."""

from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from pipeline import io
from pipeline.cli import app
from pipeline.io import AtomicBatch


def _temps(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_commit_syncs_once_then_renames_in_order(tmp_path, monkeypatch):
    events = []
    real_replace = os.replace
    monkeypatch.setattr(io, "_make_durable", lambda paths: events.append(("sync", len(paths))))
    monkeypatch.setattr(io.os, "replace",
                        lambda a, b: (events.append(("rename", os.path.basename(b))), real_replace(a, b)))
    batch = AtomicBatch()
    for name in ("a.tsv", "a.jsonl", "b.tsv", "b.jsonl"):
        batch.add(tmp_path / name, f"{name}\n", unit=name[0])
    assert not any(p.name in ("a.tsv", "a.jsonl") for p in tmp_path.iterdir())  # nothing visible yet
    assert batch.commit() == {}
    assert events == [("sync", 4), ("rename", "a.tsv"), ("rename", "a.jsonl"),
                      ("rename", "b.tsv"), ("rename", "b.jsonl")]
    assert (tmp_path / "b.jsonl").read_text() == "b.jsonl\n" and _temps(tmp_path) == []


def test_files_get_the_umask_mode_and_exact_bytes(tmp_path):
    batch = AtomicBatch()
    batch.add(tmp_path / "x.txt", "ä\r\nb\n")
    batch.commit()
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o666 & ~mask
    assert (tmp_path / "x.txt").read_bytes() == "ä\r\nb\n".encode()


def test_syncfs_used_when_available_else_fsync_per_file(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(io, "_syncfs", lambda: (lambda fd: calls.append("syncfs") or 0))
    monkeypatch.setattr(io.os, "fsync", lambda fd: calls.append("fsync"))
    batch = AtomicBatch()
    for k in range(5):
        batch.add(tmp_path / f"{k}.txt", "x")
    batch.commit()
    assert calls.count("syncfs") == 1 and calls.count("fsync") == 1  # + the directory
    calls.clear()
    monkeypatch.setattr(io, "_syncfs", lambda: None)  # not Linux
    for k in range(5):
        batch.add(tmp_path / f"{k}.txt", "y")
    batch.commit()
    assert calls.count("fsync") == 5 + 1
    assert (tmp_path / "4.txt").read_text() == "y"


def test_real_syncfs_works_here(tmp_path):
    if io._syncfs() is None:
        pytest.skip("no syncfs on this platform")
    batch = AtomicBatch()
    batch.add(tmp_path / "a", "1")
    batch.add(tmp_path / "b", "2")
    assert batch.commit() == {} and (tmp_path / "b").read_text() == "2"


def test_failed_sync_renames_nothing_and_leaves_no_temporaries(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old")

    def broken(paths):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(io, "_make_durable", broken)
    batch = AtomicBatch()
    batch.add(tmp_path / "a.txt", "new")
    batch.add(tmp_path / "b.txt", "new")
    with pytest.raises(OSError, match="Input/output"):
        batch.commit()
    assert (tmp_path / "a.txt").read_text() == "old" and not (tmp_path / "b.txt").exists()
    assert _temps(tmp_path) == []


def test_a_unit_that_cannot_be_renamed_fails_alone(tmp_path, monkeypatch):
    real_replace = os.replace

    def replace(a, b):
        if os.path.basename(b) == "a.tsv":
            raise PermissionError(1, "Operation not permitted", b)
        return real_replace(a, b)

    monkeypatch.setattr(io.os, "replace", replace)
    batch = AtomicBatch()
    for name in ("a.tsv", "a.jsonl", "b.tsv", "b.jsonl"):
        batch.add(tmp_path / name, name, unit=name[0])
    failed = batch.commit()
    assert list(failed) == ["a"] and isinstance(failed["a"], PermissionError)
    assert not (tmp_path / "a.jsonl").exists()  # a unit's later files wait for its earlier ones
    assert (tmp_path / "b.jsonl").read_text() == "b.jsonl" and _temps(tmp_path) == []


def test_abort_from_a_mark_removes_only_later_temporaries(tmp_path):
    batch = AtomicBatch()
    batch.add(tmp_path / "keep.txt", "k")
    mark = len(batch)
    batch.add(tmp_path / "drop.txt", "d")
    batch.abort(mark)
    assert len(batch) == 1 and len(_temps(tmp_path)) == 1
    batch.commit()
    assert (tmp_path / "keep.txt").exists() and not (tmp_path / "drop.txt").exists()
    with pytest.raises(IsADirectoryError):
        batch.add(tmp_path, "a directory is never replaced")
    assert _temps(tmp_path) == []


def test_one_document_that_cannot_be_written_fails_alone(tiny_model, seeds, tmp_path):
    """A directory where a side file of one document should go: that document fails with one
    line, the other is written, and no temporary is left behind."""
    out = tmp_path / "out"
    (out / "article_01.tsv").mkdir(parents=True)
    res = CliRunner().invoke(app, ["translate", str(seeds), "-o", str(out), "--model-dir",
                                   str(tiny_model), "--beam", "1", "--no-cache", "-q"])
    assert res.exit_code == 1, res.output
    assert "article_01.txt: cannot write output" in res.output
    assert not (out / "article_01.jsonl").exists() and (out / "article_02.jsonl").is_file()
    assert (out / "article_02.tsv").is_file() and _temps(out) == []
