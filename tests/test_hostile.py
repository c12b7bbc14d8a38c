"""Hostile inputs, odd files and damaged caches: no code execution, no data loss, no
traceback, no silent lie. (File names reaching a shell: tests/test_make.py; the temporary-file
sweep: tests/test_stale_temps.py.)"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.formats import jsonl

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def no_traceback(res) -> None:
    assert "Traceback" not in res.output and res.exception is None or \
        isinstance(res.exception, SystemExit), res.output


# --- 3. a damaged converted model is never used ----------------------------------------------

def _converted(cache: Path) -> Path:
    (model,) = [d for d in (cache / "ct2").iterdir() if d.is_dir() and not d.name.startswith(".")]
    return model


@pytest.mark.parametrize("damage", ["overwrite", "truncate"])
def test_a_damaged_converted_model_is_converted_again(damage, model_copy, seeds, tmp_path,
                                                      monkeypatch):
    cache = tmp_path / "own-cache"  # not the session's shared conversions
    monkeypatch.setenv("PIPELINE_CACHE", str(cache))
    args = ["--model-dir", model_copy, "--no-cache", "--beam", "1", "--format", "jsonl"]
    assert run("translate", seeds / "article_02.txt", "-o", tmp_path / "a", *args).exit_code == 0
    weights = _converted(cache) / "model.bin"
    data = bytearray(weights.read_bytes())
    if damage == "overwrite":
        data[len(data) // 2:len(data) // 2 + 64] = os.urandom(64)  # same size, other numbers
    else:
        del data[len(data) // 2:]
    weights.write_bytes(bytes(data))
    res = run("translate", seeds / "article_02.txt", "-o", tmp_path / "b", *args)
    assert res.exit_code == 0, res.output
    assert "does not match the digest recorded when it was converted" in res.output
    assert (tmp_path / "a" / "article_02.jsonl").read_bytes() == \
        (tmp_path / "b" / "article_02.jsonl").read_bytes()  # the same translations again
    assert weights.read_bytes() != bytes(data)  # converted anew


def test_an_interrupted_conversion_leaves_nothing_behind(model_copy, seeds, tmp_path,
                                                         monkeypatch):
    cache = tmp_path / "own-cache"
    monkeypatch.setenv("PIPELINE_CACHE", str(cache))
    dead = cache / "ct2" / ".0123456789abcdef0123456789abcdef.999999999.x1y2z3"
    (dead / "model").mkdir(parents=True)  # a process killed while converting
    assert run("translate", seeds / "article_02.txt", "-o", tmp_path / "o", "--model-dir",
               model_copy, "--no-cache", "--beam", "1").exit_code == 0
    assert not dead.exists()


# --- 4. every output parses with a strict parser, whatever the input --------------------------

def test_every_output_parses_strictly_whatever_the_input(tiny_model, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    name = "Steuer\x01zeichen \x1b[31m.txt"
    (src / name).write_text("Zeile mit\u2028Trenner und\x85NEL.\n\nTab\tund\x0bVT, \x7f DEL.\n"
                            "Ein Satz & <b>fett</b> ]]> --> \"'.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = run("translate", src, "-o", out, "--model-dir", tiny_model, "--beam", "1")
    assert res.exit_code == 0, res.output
    stem = Path(name).stem
    text = (out / f"{stem}.jsonl").read_text(encoding="utf-8")
    records = jsonl.read(out / f"{stem}.jsonl")
    assert len(text.splitlines()) == len(records)  # the strictest line reader agrees
    for line in text.splitlines():
        json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    ET.fromstring((out / f"{stem}.tmx").read_bytes())  # a real XML parser
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert not [c for c in page if ord(c) < 32 and c not in "\t\n"]
    json.loads((out / "manifest.json").read_text(encoding="utf-8"),
               parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert "\x1b" not in res.output  # the name is printed escaped
    assert run("verify", out / f"{stem}.jsonl").exit_code == 0


# --- 5. odd input files: one line each, the rest goes on ---------------------------------------

def test_odd_input_files_are_reported_and_the_rest_translated(tiny_model, seeds, tmp_path):
    os.mkfifo(seeds / "fifo.txt")  # would block a reader forever
    (seeds / "zero.txt").symlink_to("/dev/zero")  # would grow memory until killed
    bad_name = os.fsencode(str(seeds)) + b"/latin1-\xe4.txt"  # not valid UTF-8
    with open(bad_name, "wb") as f:
        f.write("Ein gültiger Satz.\n".encode())
    out = tmp_path / "out"
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model, "--beam", "1")
    assert res.exit_code == 1
    no_traceback(res)
    assert "fifo.txt: is a FIFO, not a regular file" in res.output
    assert "zero.txt: is a device, not a regular file" in res.output
    assert "latin1-\\udce4.txt: the file name is not valid UTF-8" in res.output
    assert "2 translated, 0 skipped, 3 failed" in res.output
    assert sorted(p.name for p in out.glob("*.jsonl")) == ["article_01.jsonl", "article_02.jsonl"]


# --- 6. bad cache states: a cache is disposable ----------------------------------------------

def _memory(tmp_path) -> Path:
    return Path(os.environ["PIPELINE_CACHE"]) / "tm.sqlite3"


@pytest.mark.parametrize("damage", ["garbage", "truncated", "pages"])
def test_a_damaged_translation_memory_is_moved_aside_and_rebuilt(damage, tiny_model, seeds,
                                                                 tmp_path):
    args = ["--model-dir", tiny_model, "--beam", "1", "--format", "jsonl"]
    assert run("translate", seeds, "-o", tmp_path / "a", *args).exit_code == 0
    tm = _memory(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(f"{tm}{suffix}").unlink(missing_ok=True)
    data = bytearray(tm.read_bytes())
    if damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    elif damage == "truncated":
        del data[len(data) // 3:]
    else:
        for page in range(1, len(data) // 4096):  # every page but the header's
            data[page * 4096:page * 4096 + 200] = os.urandom(200)
    tm.write_bytes(bytes(data))
    res = run("translate", seeds, "-o", tmp_path / "b", *args)
    assert res.exit_code == 0, res.output
    no_traceback(res)
    assert "the translation memory is damaged" in res.output and "started a new one" in res.output
    assert [p.name for p in tm.parent.glob("tm.sqlite3.damaged-*")]
    for stem in ("article_01", "article_02"):  # the same translations, made again
        a = [r.target for r in jsonl.read(tmp_path / "a" / f"{stem}.jsonl")]
        b = [r.target for r in jsonl.read(tmp_path / "b" / f"{stem}.jsonl")]
        assert a == b
    res = run("translate", seeds, "-o", tmp_path / "c", *args)  # and the new one works
    assert "memory is damaged" not in res.output and "0 by the engine" in res.output


def test_a_bad_row_is_a_miss(tiny_model, seeds, tmp_path):
    args = ["--model-dir", tiny_model, "--beam", "1", "--format", "jsonl"]
    assert run("translate", seeds / "article_02.txt", "-o", tmp_path / "a", *args).exit_code == 0
    with sqlite3.connect(_memory(tmp_path)) as db:
        db.execute("UPDATE tm SET flags = 'not json' WHERE rowid = 1")
        db.execute("UPDATE tm SET score = 'high' WHERE rowid = 2")
    res = run("translate", seeds / "article_02.txt", "-o", tmp_path / "b", *args)
    assert res.exit_code == 0, res.output
    assert "a row of the translation memory does not decode" in res.output
    assert "2 by the engine" in res.output


# --- 7. crafted or damaged record files given to verify and export ---------------------------

@pytest.fixture()
def record_line(tiny_model, seeds, tmp_path) -> tuple[Path, str]:
    out = tmp_path / "out"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", tiny_model,
               "--beam", "1", "--format", "jsonl").exit_code == 0
    return out / "article_02.jsonl", (out / "article_02.jsonl").read_text().splitlines()[1]


def _crafted(line: str, name: str) -> str:
    r = json.loads(line)
    if name == "index as a string":
        r["index"] = "1"
    elif name == "flags as a string":
        r["flags"] = "output_cap"
    elif name == "target null":
        r["target"] = None
    elif name == "score as a string":
        r["score"] = "-0.5"
    elif name == "negative span":
        r["start"] = -5
    elif name == "huge span":
        r["end"] = 10**15
    elif name == "5000-digit integer":
        return line.replace('"index":1', '"index":' + "9" * 5000)
    elif name == "deep nesting":
        return line[:-1] + ',"x":' + "[" * 100_000 + "]" * 100_000 + "}"
    elif name == "lone surrogate":
        return line.replace('"target":"', '"target":"\\ud800', 1)
    elif name == "NaN score":
        return line.replace('"score":' + json.dumps(r["score"]), '"score":NaN')
    return json.dumps(r)


CRAFTED = ["index as a string", "flags as a string", "target null", "score as a string",
           "negative span", "huge span", "5000-digit integer", "deep nesting", "lone surrogate",
           "NaN score"]


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_records_are_one_line_errors_for_verify_and_export(name, record_line, tmp_path):
    path, line = record_line
    lines = path.read_text().splitlines()
    lines[1] = _crafted(line, name)
    path.write_text("\n".join(lines) + "\n")
    commands = [["verify", path]]
    if name != "huge span":  # a valid record whose span the source does not have: verify's job
        commands.append(["export", "tsv", path, "-o", tmp_path / "x"])
    for args in commands:
        res = run(*args)
        assert res.exit_code != 0, (name, res.output)
        no_traceback(res)
        errors = [x for x in res.output.splitlines() if x.startswith("error:")]
        assert len(errors) == 1 and "article_02.jsonl:2" in errors[0], (name, res.output)


@pytest.mark.parametrize("target", ["fifo", "device"])
def test_a_record_naming_a_fifo_or_device_is_refused_not_read(target, record_line, tmp_path):
    path, _ = record_line
    odd = path.parent / "odd.txt"
    if target == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    text = path.read_text().replace('"doc_path":"../raw/article_02.txt"', '"doc_path":"odd.txt"')
    path.write_text(text)
    res = run("verify", path)
    assert res.exit_code == 1 and "not a regular file" in res.output
    no_traceback(res)


def test_a_manifest_with_parts_of_the_wrong_type(tiny_model, seeds, tmp_path):
    out = tmp_path / "out"
    assert run("translate", seeds, "-o", out, "--model-dir", tiny_model, "--beam", "1",
               "--format", "jsonl").exit_code == 0
    m = json.loads((out / "manifest.json").read_text())
    for key, value in (("inputs", 7), ("runs", []), ("documents", [3, "x", {"records": 5}])):
        bad = {**m, key: value}
        (out / "manifest.json").write_text(json.dumps(bad))
        res = run("verify", out / "article_01.jsonl")
        assert res.exit_code == 1, (key, res.output)
        no_traceback(res)
        assert len([x for x in res.output.splitlines() if x.startswith("error:")]) == 1
    (out / "manifest.json").write_text(json.dumps(m))
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model, "--beam", "1",
              "--format", "jsonl")  # a broken manifest is rebuilt, not a failure
    assert res.exit_code == 0, res.output


# --- 8. odd files in the output directory ----------------------------------------------------

def test_odd_files_in_the_output_directory_never_stop_or_hang_a_run(tiny_model, seeds,
                                                                    tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "article_02.jsonl").mkdir()  # a directory where a record file goes
    os.mkfifo(out / "article_01.jsonl")  # a FIFO where a record file goes
    (out / ".x.jsonl.pipeline-999999999.abcdefgh.tmp").mkdir()  # a directory like a temporary
    res = run("translate", seeds, "-o", out, "--model-dir", tiny_model, "--beam", "1")
    no_traceback(res)
    assert "article_02.txt: cannot write output: Is a directory" in res.output
    assert jsonl.read(out / "article_01.jsonl")  # the FIFO was replaced by the records
    assert "1 translated, 0 skipped, 1 failed" in res.output and res.exit_code == 1


# --- 9. terminal escapes ------------------------------------------------------------------------

def test_crafted_text_cannot_draw_on_the_terminal(record_line):
    path, _ = record_line
    text = path.read_text().replace('"doc_path":"../raw/article_02.txt"',
                                    '"doc_path":"x\\u001b[2K\\rok: all fine\\n"')
    path.write_text(text)
    res = run("verify", path)
    assert res.exit_code == 1
    assert "\x1b" not in res.output and "\r" not in res.output
    assert "\\x1b[2K\\rok: all fine\\n" in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_a_second_conversion_says_it_is_waiting(model_copy, tmp_path, monkeypatch):
    import fcntl

    from pipeline.model import from_directory
    from pipeline.translate.convert import conversion_key, converted_model

    source = from_directory(model_copy)
    root = tmp_path / "c" / "ct2"
    root.mkdir(parents=True)
    said = []
    with open(root / f"{conversion_key(source, 'int8')}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        import threading

        t = threading.Thread(target=converted_model,
                             args=(source, "int8", tmp_path / "c", said.append))
        t.start()
        t.join(2)
        assert t.is_alive() and said and "waiting for another process" in said[0]
    t.join(120)
    assert any("converting the model" in s for s in said)
    shutil.rmtree(tmp_path / "c")
