"""A bad environment is one clear line and a non-zero exit, never a traceback: the cache,
the output directory, a full disk, a locked translation memory."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
#: A directory nobody may create anything in, not even root (tests run as root in CI).
UNWRITABLE = Path("/sys/pipeline-test-cache")


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error_line(res) -> str:
    lines = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("where", ["file", "below-a-file", "unwritable"])
def test_a_cache_that_cannot_be_used(where, tiny_model, seeds, tmp_path, monkeypatch):
    if where == "unwritable" and not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cache = {"file": blocker, "below-a-file": blocker / "cache", "unwritable": UNWRITABLE}[where]
    monkeypatch.setenv("PIPELINE_CACHE", str(cache))
    article = tmp_path / "short.txt"
    article.write_text("Das ist ein Test. Noch ein Satz.\n", encoding="utf-8")
    res = run("translate", article, "-o", tmp_path / "o", "--model-dir", tiny_model)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert str(cache) in line and "PIPELINE_CACHE" in line
    assert "translation memory off" in res.output  # said once, then the run goes on without it
    # the torch engine needs no conversion: without the memory the run still succeeds
    res = run("translate", article, "-o", tmp_path / "o", "--model-dir", tiny_model,
              "--engine", "torch", "--beam", "1")
    assert res.exit_code == 0, res.output
    assert "translation memory off" in res.output and "PIPELINE_CACHE" in res.output


@pytest.mark.parametrize("where", ["file", "unwritable"])
def test_an_output_directory_that_cannot_be_used(where, tiny_model, seeds, tmp_path):
    if where == "unwritable" and not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    out = tmp_path / "a-file" if where == "file" else UNWRITABLE / "out"
    if where == "file":
        out.write_text("x")
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert res.exit_code == 2
    line = one_error_line(res)
    assert str(out) in line and "-o" in line


@pytest.mark.slow
def test_a_full_disk_fails_each_document_in_one_line_and_keeps_the_rest(
        tiny_model, seeds, tmp_path, monkeypatch):
    from pipeline import io

    real = io.AtomicBatch.add

    def add(self, path, text, unit=None):
        if "article_01" in path.name:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, text, unit)

    monkeypatch.setattr(io.AtomicBatch, "add", add)
    out = tmp_path / "o"
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "article_01.txt: cannot write output: No space left on device; free some space" \
        in res.output
    assert (out / "article_02.jsonl").is_file() and not (out / "article_01.jsonl").exists()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_a_locked_translation_memory(tiny_model, seeds, tmp_path, monkeypatch):
    from pipeline import tm
    from pipeline.paths import cache_dir

    assert run("translate", seeds / "article_02.txt", "-o", tmp_path / "o1", "--model-dir",
               tiny_model, "--beam", "1").exit_code == 0
    monkeypatch.setattr(tm, "BUSY_TIMEOUT_S", 0.2)
    holder = sqlite3.connect(cache_dir() / "tm.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        res = run("translate", seeds / "article_01.txt", "-o", tmp_path / "o2", "--model-dir",
                  tiny_model, "--beam", "1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert res.exit_code == 2
    line = one_error_line(res)
    assert "tm.sqlite3" in line and "locked" in line and "--no-cache" in line
