"""Batch behaviour: skip by content, redo on changed settings, bad inputs, kill and resume,
concurrent processes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()
            and p.name != "manifest.json"}


def test_second_run_skips_touch_does_not_redo_change_does(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    args = ("translate", seeds, "-o", out, "--model-dir", tiny_model)
    first = run(*args)
    assert "2 translated, 0 skipped, 0 failed" in first.output
    before = snapshot(out)
    for p in seeds.glob("*.txt"):
        os.utime(p, (time.time() + 100, time.time() + 100))
    second = run(*args)
    assert second.exit_code == 0 and "0 translated, 2 skipped, 0 failed" in second.output
    assert snapshot(out) == before
    src = seeds / "article_01.txt"
    src.write_text(src.read_text(encoding="utf-8") + "\nEin neuer Satz.\n", encoding="utf-8")
    third = run(*args)
    assert "1 translated, 1 skipped" in third.output
    assert snapshot(out)["article_02.jsonl"] == before["article_02.jsonl"]
    assert snapshot(out)["article_01.jsonl"] != before["article_01.jsonl"]


@pytest.mark.slow
def test_changed_settings_or_model_redo(tiny_model, seeds, tmp_path, model_copy):
    out = tmp_path / "out"
    assert "2 translated" in run("translate", seeds, "-o", out, "--model-dir", model_copy).output
    assert "2 translated" in run("translate", seeds, "-o", out, "--model-dir", model_copy,
                                 "--beam", "1").output
    assert "2 skipped" in run("translate", seeds, "-o", out, "--model-dir", model_copy,
                              "--beam", "1").output
    cfg = json.loads((model_copy / "generation_config.json").read_text())
    cfg["length_penalty"] = 1.1
    (model_copy / "generation_config.json").write_text(json.dumps(cfg))
    assert "2 translated" in run("translate", seeds, "-o", out, "--model-dir", model_copy,
                                 "--beam", "1").output


def test_missing_side_file_is_rerendered_without_translating(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    tsv = (out / "article_02.tsv").read_bytes()
    (out / "article_02.tsv").unlink()
    kept = {f.name: f.stat().st_ino for f in out.iterdir() if f.name != "manifest.json"}
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert "0 translated, 2 skipped" in res.output
    assert (out / "article_02.tsv").read_bytes() == tsv
    # only the missing file was written; the others were not rendered and replaced again
    assert {n: (out / n).stat().st_ino for n in kept} == kept


def test_bad_inputs_never_stop_the_batch(tiny_model, seeds, tmp_path, monkeypatch):
    (seeds / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (seeds / "latin1.txt").write_bytes("Grüße aus Köln.".encode("cp1252"))
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "blank.txt").write_bytes(b"  \n\t\n")
    (seeds / "huge.txt").write_bytes(b"Wort " * (2 * 1024 * 1024))  # one 10 MB line
    (seeds / "controls.txt").write_text("Der Zug\x07 kam an.\x0b Er hielt.\n", encoding="utf-8")
    (seeds / "mit Leerzeichen und Ümlaut.txt").write_text("Ein Satz hier.\n", encoding="utf-8")
    (seeds / "locked.txt").write_text("Geheim.\n", encoding="utf-8")
    (seeds / "html.txt").write_text("<script>alert('x')</script> Das ist <b>fett</b>.\n",
                                    encoding="utf-8")
    real = os.open

    def deny(path, *args, **kwargs):  # as chmod 000 would, but tests may run as root
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    out = tmp_path / "out"
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model)
    assert res.exit_code == 1
    text = res.output
    assert "binary.txt: looks like a binary file" in text
    assert "latin1.txt: not valid utf-8" in text and "--encoding cp1252" in text
    assert "empty.txt: the file is empty" in text and "blank.txt: the file is empty" in text
    assert "huge.txt: line 1 is 10,485,760 characters long" in text
    assert "locked.txt: cannot be read: Permission denied" in text
    assert "warning:" in text and "controls.txt" in text
    assert "5 translated, 0 skipped, 6 failed" in text
    written = sorted(p.name for p in out.glob("*.jsonl"))
    assert written == ["article_01.jsonl", "article_02.jsonl", "controls.jsonl", "html.jsonl",
                       "mit Leerzeichen und Ümlaut.jsonl"]
    rec = json.loads((out / "html.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rec["source"].startswith("<script>alert('x')</script>")
    assert not list(out.glob(".*.tmp"))
    res = run("translate", seeds / "latin1.txt", "-o", out, "--model-dir", tiny_model,
              "--encoding", "cp1252")
    assert res.exit_code == 0
    rec = json.loads((out / "latin1.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rec["source"] == "Grüße aus Köln." and rec["doc_encoding"] == "cp1252"
    assert run("verify", out / "latin1.jsonl").exit_code == 0


def _archive(tmp_path, n=24):
    d = tmp_path / "archive"
    d.mkdir()
    lines = [line for p in sorted((ROOT / "data" / "raw").glob("*.txt"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    for i in range(n):
        chosen = [lines[(i * 3 + k) % len(lines)] for k in range(3)]
        (d / f"doc_{i:03d}.txt").write_text("\n\n".join(chosen) + "\n", encoding="utf-8")
    return d


def _cli(args, env_extra=None, **kw):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.Popen([sys.executable, "-m", "pipeline", "translate", *map(str, args)],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


KILL_AFTER_WINDOW = """
import os, signal, sys
from pipeline import translate_files

def stop(n):
    if n == int(sys.argv[4]):
        os.kill(os.getpid(), signal.SIGKILL)  # as a crash would: no cleanup runs

translate_files([sys.argv[1]], sys.argv[2], model_dir=sys.argv[3], cache=False, window=4,
                beam=1, on_window=stop, report=lambda message: None)
"""


@pytest.mark.slow
def test_kill_and_resume_is_byte_identical(tiny_model, tmp_path):
    """A run killed right after its second window resumes where it stopped, and the result
    is byte for byte what an uninterrupted run writes."""
    archive = _archive(tmp_path)
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    common = ["--model-dir", tiny_model, "--no-cache", "--window", "4", "--beam", "1"]
    p = _cli([archive, "-o", clean, *common])
    assert p.wait(300) == 0, p.stderr.read().decode()
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_WINDOW, str(archive), str(resumed),
                             str(tiny_model), "2"], cwd=ROOT, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    done_before = len(list(resumed.glob("*.jsonl")))
    assert 0 < done_before < 24 and not (resumed / "manifest.json").exists()
    p = _cli([archive, "-o", resumed, *common])
    assert p.wait(300) == 0, p.stderr.read().decode()
    assert f"{24 - done_before} translated, {done_before} skipped" in p.stderr.read().decode()
    assert not [f for f in resumed.iterdir() if f.name.startswith(".")]
    assert snapshot(resumed) == snapshot(clean)


@pytest.mark.slow
def test_two_processes_over_overlapping_inputs(tiny_model, tmp_path):
    archive = _archive(tmp_path, n=12)
    out = tmp_path / "out"
    common = ["--model-dir", tiny_model, "--quiet", "--beam", "1"]
    a = _cli([archive, "-o", out, *common])  # the two share this test's translation memory
    b = _cli([*sorted(archive.glob("doc_00*.txt")), "-o", out, *common])
    assert a.wait(300) == 0, a.stderr.read().decode()
    assert b.wait(300) == 0, b.stderr.read().decode()
    assert len(list(out.glob("*.jsonl"))) == 12
    assert not [f for f in out.iterdir() if f.name.startswith(".")]
    res = run("verify", *sorted(out.glob("*.jsonl")))
    assert res.exit_code == 0, res.output


def test_guards_and_memory_through_the_cli(tiny_model, tmp_path, monkeypatch):
    """Pass-through, splitting for length, and the translation memory end to end."""
    src = tmp_path / "in"
    src.mkdir()
    long = ("Die Regierung, die seit Jahren, wie berichtet wird, mit der Opposition verhandelt, "
            "hat am Montag; nach langen Gesprächen: einen Kompromiss gefunden, der vielen gefällt.")
    (src / "a.txt").write_text(f"Titel\n\n***\n\n{long}\n\nLesen Sie auch\n", encoding="utf-8")
    (src / "b.txt").write_text("Lesen Sie auch\n\n12.000\n", encoding="utf-8")
    out1 = tmp_path / "o1"
    res = run("translate", src, "-o", out1, "--model-dir", tiny_model, "--max-source-tokens", "16")
    assert res.exit_code == 0, res.output
    recs = {r["source"]: r for f in ("a", "b")
            for r in map(json.loads, (out1 / f"{f}.jsonl").read_text(encoding="utf-8").splitlines())}
    assert recs["***"]["target"] == "***" and recs["***"]["flags"] == ["passed_through"]
    assert recs["12.000"]["flags"] == ["passed_through"]
    r = recs[long]
    assert "split_for_length" in r["flags"] and len(r["pieces"]) >= 2
    text = (src / "a.txt").read_text(encoding="utf-8")
    assert " ".join(text[a:b] for a, b in r["pieces"]) == long
    assert all("from_cache" not in x["flags"] for x in recs.values())
    assert run("verify", out1 / "a.jsonl", out1 / "b.jsonl").exit_code == 0
    # a second run into a new directory: everything translated comes from the memory
    out2 = tmp_path / "o2"
    assert run("translate", src, "-o", out2, "--model-dir", tiny_model,
               "--max-source-tokens", "16").exit_code == 0
    again = [json.loads(x) for x in (out2 / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    for x in again:
        first = recs[x["source"]]
        assert x["target"] == first["target"]
        assert ("from_cache" in x["flags"]) == ("passed_through" not in x["flags"])
    # a changed decoding setting is a different memory key: nothing from the cache
    out3 = tmp_path / "o3"
    assert run("translate", src, "-o", out3, "--model-dir", tiny_model, "--max-source-tokens",
               "16", "--beam", "1").exit_code == 0
    third = [json.loads(x) for x in (out3 / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("from_cache" not in x["flags"] for x in third)
    # --no-cache neither reads nor writes the memory
    out4 = tmp_path / "o4"
    assert run("translate", src, "-o", out4, "--model-dir", tiny_model, "--max-source-tokens",
               "16", "--no-cache").exit_code == 0
    fourth = [json.loads(x) for x in (out4 / "a.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("from_cache" not in x["flags"] for x in fourth)


def test_memory_misses_after_the_model_changes(model_copy, seeds, tmp_path, monkeypatch):
    """The memory is keyed by the model's file digests: any change to a model file, even one
    that leaves the translations alone, means nothing comes from the memory."""

    def flags(out):
        return [r["flags"] for f in sorted(out.glob("*.jsonl"))
                for r in map(json.loads, f.read_text(encoding="utf-8").splitlines())]

    for k in (1, 2):
        assert run("translate", seeds, "-o", tmp_path / f"o{k}", "--model-dir", model_copy,
                   "--beam", "1").exit_code == 0
    assert all("from_cache" in f for f in flags(tmp_path / "o2"))  # the memory hit
    cfg = model_copy / "config.json"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("{", '{"_note": "edited",', 1),
                   encoding="utf-8")
    assert run("translate", seeds, "-o", tmp_path / "o3", "--model-dir", model_copy,
               "--beam", "1").exit_code == 0
    assert not any("from_cache" in f for f in flags(tmp_path / "o3"))


def test_encoding_change_redoes_and_stale_side_files_are_removed(tiny_model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Die Bürger wählen heute.\n", encoding="utf-8")
    out = tmp_path / "o"
    assert run("translate", src, "-o", out, "--model-dir", tiny_model, "--encoding", "cp1252",
               "--no-cache").exit_code == 0
    res = run("translate", src, "-o", out, "--model-dir", tiny_model, "--no-cache")
    assert "1 translated, 0 skipped" in res.output  # decoded differently: not up to date
    rec = json.loads((out / "a.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert rec["source"] == "Die Bürger wählen heute." and rec["doc_encoding"] == "utf-8"
    assert (out / "a.tsv").exists() and (out / "a.html").exists()
    res = run("translate", src, "-o", out, "--model-dir", tiny_model, "--no-cache", "--beam", "1",
              "--format", "jsonl")
    assert "1 translated" in res.output
    assert not (out / "a.tsv").exists() and not (out / "a.html").exists()
    assert run("verify", out / "a.jsonl").exit_code == 0


def test_max_source_tokens_above_the_model_limit_still_splits(tiny_model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "long.txt").write_text(", ".join(["Wort und Satz"] * 300) + ".\n", encoding="utf-8")
    (src / "short.txt").write_text("Ein Satz.\n", encoding="utf-8")
    out = tmp_path / "o"
    res = run("translate", src, "-o", out, "--model-dir", tiny_model, "--no-cache", "--beam", "1",
              "--max-source-tokens", "5000")
    assert res.exit_code == 0, res.output
    rec = json.loads((out / "long.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "split_for_length" in rec["flags"]
    assert (out / "short.jsonl").exists()
