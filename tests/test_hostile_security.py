"""Second hostile trial (issue 18, items 2, 9, 12, 13, 14, 16): nothing a crafted record
points at is echoed, every read is guarded and bounded (standard input, eval's references,
hypotheses and sources, the model directory), and a bad output path is one error line.
(Values given to make: tests/test_make.py.)"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args, input: bytes | str | None = None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def one_error_line(res) -> str:
    """The run failed with exactly one ``error:`` line and no traceback; that line."""
    lines = [x for x in res.output.splitlines() if x.startswith("error:")]
    assert res.exit_code != 0 and len(lines) == 1, res.output
    assert "Traceback" not in res.output and (res.exception is None or
                                              isinstance(res.exception, SystemExit)), res.output
    return lines[0]


def pipeline(*args, stdin=None, timeout: float = 60) -> subprocess.CompletedProcess:
    """The command in a child process (what could hang is bounded by ``timeout``)."""
    return subprocess.run([sys.executable, "-m", "pipeline", *map(str, args)], stdin=stdin,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


def make_odd(path: Path, kind: str) -> Path:
    """``path`` made a FIFO (a reader would wait forever), a link to a device (endless), a
    directory, or a sparse file one byte over ``huge`` bytes."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "directory":
        path.mkdir()
    else:
        with open(path, "wb") as f:
            f.truncate(int(kind) + 1)  # sparse: no disk used
    return path


# --- 2. verify never echoes what a crafted record points at ----------------------------------

SECRET = "root:$6$Geheimnis$abcdefghijklmnop:19000:0:99999:7:::\n"


def _secret_digests(data: bytes) -> list[str]:
    full = hashlib.sha256(data).hexdigest()
    return [full[:12], full[:8]]


@pytest.fixture()
def records(tiny_model, seeds, tmp_path) -> Path:
    out = tmp_path / "out"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", tiny_model,
               "--beam", "1", "--format", "jsonl").exit_code == 0
    return out / "article_02.jsonl"


def _point_at(path: Path, **fields) -> None:
    """Every record of ``path`` given these fields (a crafted record file)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        r.update(fields)
        lines.append(json.dumps(r, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("content", [SECRET.encode(), b"\x7fELF\x02\x01\x00\x00secret-bytes",
                                     "Grüße aus der Schattenwelt".encode("cp1252")])
def test_verify_says_a_source_differs_without_telling_what_it_holds(content, records, tmp_path):
    secret = tmp_path / "shadow"
    secret.write_bytes(content)
    _point_at(records, doc_path=str(secret))
    line = one_error_line(run("verify", records))
    assert "the source changed since it was translated" in line
    for leak in [*_secret_digests(content), "position", "0x", "Geheimnis", "ELF"]:
        assert leak not in line, line


def test_verify_tells_no_id_nor_line_count_of_a_jsonl_it_is_pointed_at(records, tmp_path):
    secrets = tmp_path / "secrets.jsonl"
    secrets.write_text("".join(json.dumps({"id": f"API-KEY-{k}", "text": f"token {k}"}) + "\n"
                               for k in range(5)), encoding="utf-8")
    messages = []
    for doc_line in (1, 3, 6, 400):  # a line with another article, and lines past the end
        _point_at(records, doc_path=str(secrets), doc_id="guess", doc_line=doc_line)
        line = one_error_line(run("verify", records))
        assert "API-KEY" not in line and "token" not in line, line
        messages.append(line.replace(f":{doc_line}:", ":N:"))
    assert len(set(messages)) == 1, messages  # nothing tells a line that exists from one that doesn't


def test_verify_of_an_alignment_says_a_source_differs_without_its_digest(tmp_path):
    pair = tmp_path / "pair"
    pair.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "article_02.txt", pair / "a.de.txt")
    shutil.copy(ROOT / "tests" / "data" / "article_02.en.txt", pair / "a.en.txt")
    assert run("align", pair, "-o", tmp_path / "out", "--no-mt").exit_code == 0
    secret = tmp_path / "shadow"
    secret.write_text(SECRET, encoding="utf-8")
    _point_at(tmp_path / "out" / "a.jsonl", en_path=str(secret))
    line = one_error_line(run("verify", tmp_path / "out" / "a.jsonl"))
    assert "the source changed since it was aligned" in line
    assert not any(d in line for d in _secret_digests(SECRET.encode())), line


def test_verify_tells_no_digest_of_a_model_file_it_is_pointed_at(model_copy, seeds, tmp_path):
    out = tmp_path / "out"
    assert run("translate", seeds / "article_02.txt", "-o", out, "--model-dir", model_copy,
               "--beam", "1", "--format", "jsonl").exit_code == 0
    config = model_copy / "config.json"
    config.write_text(config.read_text(encoding="utf-8") + " ", encoding="utf-8")
    line = one_error_line(run("verify", out / "article_02.jsonl"))
    assert "config.json is not the one the records name" in line
    assert not any(d in line for d in _secret_digests(config.read_bytes())), line


# --- 9. an archive on standard input ---------------------------------------------------------

def test_input_format_jsonl_on_standard_input_is_refused_in_one_line():
    archive = json.dumps({"id": "a1", "text": "Ein Satz."}) + "\n"
    res = run("translate", "-", "--input-format", "jsonl", input=archive)
    assert "archives from files only" in one_error_line(res) and res.exit_code == 2
    assert '"id"' not in res.output  # nothing was translated


# --- 13. standard input has the limits of a file ---------------------------------------------

def test_standard_input_refuses_the_line_a_file_refuses(tiny_model, tmp_path):
    text = "Ein Satz. " + "Wort " * 30_000 + "\n"
    (tmp_path / "long.txt").write_text(text, encoding="utf-8")
    from_file = one_error_line(run("translate", tmp_path / "long.txt", "-o", tmp_path / "o",
                                   "--model-dir", tiny_model))
    from_stdin = one_error_line(run("translate", "-", "--model-dir", tiny_model, input=text))
    assert "line 1 is 150,010 characters long (limit 100,000)" in from_file
    assert from_stdin == from_file.replace(str(tmp_path / "long.txt"), "<stdin>")


@pytest.mark.parametrize("command", [["translate", "-"], ["split", "-"]])
def test_an_endless_standard_input_stops_with_one_line(command, tiny_model):
    extra = ["--model-dir", tiny_model] if command[0] == "translate" else []
    with open("/dev/zero", "rb") as zero:
        res = pipeline(*command, *extra, stdin=zero, timeout=60)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1 and "<stdin>" in errors[0], res.stderr
    assert "Traceback" not in res.stderr


def test_standard_input_is_read_with_a_bound(monkeypatch):
    """More bytes than a file may have is refused while reading, with the file's message."""
    import io

    from pipeline.document import read_stream
    from pipeline.errors import InputError

    class Endless(io.RawIOBase):
        served = 0

        def readinto(self, b):
            b[:] = b"Satz.\n" * (len(b) // 6) + b" " * (len(b) % 6)
            self.served += len(b)
            return len(b)

    stream = Endless()
    with pytest.raises(InputError, match="more than the 3,000,000 bytes an input may have"):
        read_stream(stream, limit=3_000_000, max_line_chars=100)
    assert stream.served <= 3_000_000 + (1 << 20)


# --- 12. eval reads through the guarded reader -----------------------------------------------

@pytest.fixture()
def hyp(tmp_path) -> Path:
    p = tmp_path / "hyp.en"
    p.write_text("A sentence.\nAnother one.\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_eval_refuses_a_reference_that_is_no_regular_file(kind, hyp, tmp_path):
    ref = make_odd(tmp_path / "ref.en", kind)
    res = pipeline("eval", "--hyp", hyp, "--ref", ref, timeout=60)  # a FIFO would hang
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1 and str(ref) in errors[0], res.stderr
    assert ("not a regular file" if kind != "directory" else "is a directory") in errors[0]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_eval_refuses_hypotheses_that_are_no_regular_file(kind, tmp_path):
    hyp = make_odd(tmp_path / "hyp.en", kind)
    ref = tmp_path / "ref.en"
    ref.write_text("A sentence.\n", encoding="utf-8")
    res = pipeline("eval", "--hyp", hyp, "--ref", ref, timeout=60)
    assert res.returncode == 2 and f"error: {hyp}: is a" in res.stderr, res.stderr


@pytest.mark.slow
def test_eval_refuses_a_gzip_bomb(hyp, tmp_path):
    bomb = tmp_path / "ref.en.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as z:  # ~300 KB that grow to 300 MB
        block = b"\n" * (1 << 20)
        for _ in range(300):
            z.write(block)
    assert bomb.stat().st_size < 400_000
    line = one_error_line(run("eval", "--hyp", hyp, "--ref", bomb))
    assert "decompresses to more than the 268,435,456 bytes" in line


def test_eval_reads_a_small_gzip_reference_and_refuses_a_broken_one(hyp, tmp_path):
    ref = tmp_path / "ref.en.gz"
    ref.write_bytes(gzip.compress(b"A sentence.\nAnother one.\n"))
    assert run("eval", "--hyp", hyp, "--ref", ref, "--metrics", "bleu").exit_code == 0
    ref.write_bytes(gzip.compress(b"A sentence.\nAnother one.\n")[:-12])
    assert "not a complete gzip file" in one_error_line(run("eval", "--hyp", hyp, "--ref", ref))


def test_eval_does_not_wait_on_a_source_that_is_a_fifo(records, tmp_path):
    fifo = make_odd(tmp_path / "source.fifo", "fifo")
    _point_at(records, doc_path=str(fifo))
    count = 1 + max(json.loads(x)["line"] for x in records.open(encoding="utf-8"))
    ref = tmp_path / "ref.en"
    ref.write_text("x\n" * count, encoding="utf-8")
    res = pipeline("eval", records, "--ref", ref, "--metrics", "bleu", timeout=60)
    assert res.returncode == 0 and "source not found or changed since translation" in \
        res.stdout, res.stdout + res.stderr  # its line count comes from the records


COMMANDS = {  # every command that reads a file it is given, the FIFO in place of that file
    "translate": ["translate", "{fifo}.txt", "-o", "{tmp}/o", "--model-dir", "{model}"],
    "translate archive": ["translate", "{fifo}.jsonl", "--input-format", "jsonl", "-o",
                          "{tmp}/o", "--model-dir", "{model}"],
    "split": ["split", "{fifo}.txt"],
    "align": ["align", "{fifo}.de.txt", "{tmp}/x.en.txt", "-o", "{tmp}/o", "--no-mt"],
    "verify": ["verify", "{fifo}.jsonl"],
    "export": ["export", "tsv", "{fifo}.jsonl", "-o", "{tmp}/o"],
    "eval records": ["eval", "{fifo}.jsonl", "--ref", "{tmp}/x.en.txt"],
    "models verify --lock": ["models", "verify", "--lock", "{fifo}.lock"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_no_command_waits_on_a_fifo_it_is_given(command, tiny_model, tmp_path):
    (tmp_path / "x.en.txt").write_text("A sentence.\n", encoding="utf-8")
    args = [a.format(fifo=tmp_path / "in", tmp=tmp_path, model=tiny_model)
            for a in COMMANDS[command]]
    fifo = make_odd(Path(next(a for a in args if a.startswith(str(tmp_path / "in")))), "fifo")
    res = pipeline(*args, timeout=90)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode != 0 and len(errors) == 1 and str(fifo) in errors[0], res.stderr
    assert "Traceback" not in res.stderr


# --- 14. the model directory holds regular files only ----------------------------------------

@pytest.mark.parametrize("name, kind, engine", [
    ("generation_config.json", "fifo", "ctranslate2"),
    ("tokenizer_config.json", "device", "torch"),
])
def test_an_odd_file_in_the_model_directory_is_one_line_not_a_hang(name, kind, engine, model_copy,
                                                                   seeds):
    (model_copy / name).unlink()
    odd = make_odd(model_copy / name, kind)
    res = pipeline("translate", seeds / "article_02.txt", "-o", seeds.parent / "out",
                   "--model-dir", model_copy, "--engine", engine, timeout=120)
    errors = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert res.returncode == 2 and len(errors) == 1, res.stderr
    assert f"{odd}: is a {'FIFO' if kind == 'fifo' else 'device'}, not a regular file" in errors[0]


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_model_json_is_read_only_if_regular_and_bounded(kind, tmp_path):
    from pipeline.translate.spec import MAX_JSON_BYTES, EngineSetupError, read_json

    odd = make_odd(tmp_path / "generation_config.json",
                   str(MAX_JSON_BYTES) if kind == "huge" else kind)
    with pytest.raises(EngineSetupError, match=str(odd)):
        read_json(odd, missing_ok=True)


# --- 16. a bad output path is one error line -------------------------------------------------

@pytest.fixture()
def odd_paths(tmp_path) -> dict[str, Path]:
    (tmp_path / "a-file").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "a-dir").mkdir()
    return {"file": tmp_path / "a-file", "below a file": tmp_path / "a-file" / "sub",
            "symlink loop": tmp_path / "loop", "directory": tmp_path / "a-dir"}


@pytest.mark.parametrize("where", ["file", "below a file", "symlink loop"])
def test_export_to_an_unusable_directory_is_one_line(where, records, odd_paths):
    line = one_error_line(run("export", "tsv", records, "-o", odd_paths[where]))
    assert str(odd_paths[where]) in line and "-o" in line
    assert odd_paths["file"].read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("where", ["directory", "below a file"])
def test_eval_write_hyp_to_an_unusable_path_is_one_line(where, hyp, odd_paths):
    line = one_error_line(run("eval", "--hyp", hyp, "--ref", hyp, "--write-hyp",
                              odd_paths[where]))
    assert str(odd_paths[where]) in line and "--write-hyp" in line


@pytest.mark.parametrize("command", ["translate", "align"])
@pytest.mark.parametrize("where", ["file", "below a file", "symlink loop"])
def test_translate_and_align_to_an_unusable_directory_is_one_line(command, where, tiny_model,
                                                                   odd_paths, seeds):
    shutil.copy(ROOT / "tests" / "data" / "article_02.en.txt", seeds / "article_02.en.txt")
    (seeds / "article_02.txt").rename(seeds / "article_02.de.txt")
    args = (["translate", seeds / "article_02.de.txt", "--model-dir", tiny_model] if
            command == "translate" else ["align", seeds, "--no-mt"])
    line = one_error_line(run(*args, "-o", odd_paths[where]))
    assert str(odd_paths[where]) in line


def test_a_lock_that_cannot_be_written_is_a_lock_error(odd_paths):
    """models.lock is rewritten when a pin completes: a failure to write it is a LockError
    (one line in the CLI), not an OSError."""
    from pipeline.errors import LockError
    from pipeline.lock import read_lock, write_lock

    with pytest.raises(LockError, match="cannot be written"):
        write_lock(read_lock(ROOT / "models.lock"), odd_paths["below a file"] / "models.lock")
