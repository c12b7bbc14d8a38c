"""``make batch`` as a user runs it: bad inputs never stop it, and no file name reaches a shell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import MAKE

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / ".venv" / "bin" / "pipeline"

pytestmark = [pytest.mark.slow,  # every test starts make, most of them pipeline too
              pytest.mark.skipif(not PIPELINE.exists() or shutil.which("make") is None,
                                 reason="needs make and the project's .venv (make install)")]

HOSTILE = ["x`touch PWNED`.txt", "y$(touch PWNED).txt", 'a"b;c.txt', "new\nline.txt",
           "Köln Bericht.txt", "it's.txt", "-n.txt"]
BAD = {"binary.txt": b"\x00\x01binary", "empty.txt": b"", "latin1.txt": "Grüße.".encode("cp1252"),
       "long.txt": b"Wort " * 30_000}


def test_make_batch_translates_every_good_file_whatever_its_name(tiny_model, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    article = (ROOT / "data" / "raw" / "article_02.txt").read_bytes()
    for name in ["plain.txt", *HOSTILE]:
        (src / name).write_bytes(article.replace(b"Minsk", name.encode()[:4].replace(b"\n", b" ")))
    for name, data in BAD.items():
        (src / name).write_bytes(data)
    args = f"--model-dir {tiny_model} --beam 1 --max-line-chars 50000"
    res = subprocess.run([*MAKE, "-C", str(ROOT), "-j2", "batch", f"IN={src}", f"OUT={out}",
                          f"ARGS={args}"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode != 0  # the bad inputs make the batch fail ...
    for name in ["plain.txt", *HOSTILE]:  # ... after every good one was translated
        assert (out / (Path(name).stem + ".jsonl")).is_file(), (name, res.stderr)
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert sorted(e.split(": ")[1].rsplit("/", 1)[1] for e in errors) == sorted(BAD), res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "PWNED").exists() and not (ROOT / "PWNED").exists()
    again = subprocess.run([*MAKE, "-C", str(ROOT), "batch", f"IN={src}", f"OUT={out}",
                            f"ARGS={args}"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=600)
    assert f"0 translated, {1 + len(HOSTILE)} skipped, {len(BAD)} failed" in again.stderr


def test_make_align_aligns_every_pair_and_reports_the_lonely_file(tmp_path):
    src, out = tmp_path / "pairs", tmp_path / "aligned"
    src.mkdir()
    de = (ROOT / "data" / "raw" / "article_02.txt").read_bytes()
    en = (ROOT / "tests" / "data" / "article_02.en.txt").read_bytes()
    for name in ("plain", "it's $(touch PWNED)"):
        (src / f"{name}.de.txt").write_bytes(de)
        (src / f"{name}.en.txt").write_bytes(en)
    (src / "solo.de.txt").write_text("Allein.\n", encoding="utf-8")
    res = subprocess.run([*MAKE, "-C", str(ROOT), "align", f"IN={src}", f"OUT={out}",
                          "ARGS=--no-mt"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode != 0 and "solo.de.txt: has no partner solo.en.txt" in res.stderr
    written = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    assert (out / "plain.jsonl").is_file() and (out / "it's $(touch PWNED).jsonl").is_file(), \
        (written, res.stdout, res.stderr)
    assert not (tmp_path / "PWNED").exists()


# --- no value given to make reaches a shell as code (issue 18, item 1) -----------------------

VARIABLES = ["IN", "OUT", "ALIGNED", "SRC", "REF", "TESTSET", "EVAL_DIR", "EVAL_ARGS", "ARGS",
             "VENV", "PYTHON", "TORCH_INDEX"]
TARGETS = ["batch", "align", "eval", "verify", "translate", "install", "demo", "test"]


def payloads(marker: Path | str) -> list[str]:
    """Ways a value could become code: quotes, substitutions, separators, make's own syntax."""
    return [f"q';touch {marker};'z", f"x`touch {marker}`", f"x$(touch {marker})",
            f"x;touch {marker}", f"x\ntouch {marker}", f'x" ; touch {marker} ; "',
            f"$(shell touch {marker})", f"a b $$(touch {marker}) ${{x:-`touch {marker}`}}"]


def make(*args, cwd: Path, timeout: int = 600, dry: bool = False) -> subprocess.CompletedProcess:
    """make in ROOT. ``dry``: ``make -n``, with every recipe printed, the install stamps'
    too (under -n nothing runs, so none need holding)."""
    command = ["make", "-n"] if dry else list(MAKE)
    return subprocess.run([*command, "-C", str(ROOT), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("variable", VARIABLES)
def test_no_value_of_a_make_variable_runs_while_make_n_reads_or_prints(variable, tmp_path):
    marker = tmp_path / "PWNED"
    for payload in payloads(marker):
        if variable == "IN":  # the directory exists and holds an article: its name is read
            Path(tmp_path, payload).mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / "data" / "raw" / "article_02.txt", Path(tmp_path, payload))
        make("-k", *TARGETS, f"{variable}={payload}", cwd=tmp_path, timeout=60, dry=True)
        assert not marker.exists(), (variable, payload)


def test_paths_given_to_make_reach_pipeline_as_text_and_never_as_code(tiny_model, tmp_path):
    marker = "PWNED"  # relative: a directory name holds no "/"; recipes run in ROOT
    hostile = "".join(payloads(marker)[:6]) + " Köln"
    src, pairs, aligned, evals = (tmp_path / f"{name} {hostile}" for name in
                                  ("in", "pairs", "aligned", "eval"))
    out = evals / "out"  # where make eval translates to: there it finds the batch's records
    src.mkdir()
    pairs.mkdir()
    shutil.copy(ROOT / "data" / "raw" / "article_02.txt", src / "plain.txt")
    shutil.copy(ROOT / "data" / "raw" / "article_02.txt", pairs / "x.de.txt")
    shutil.copy(ROOT / "tests" / "data" / "article_02.en.txt", pairs / "x.en.txt")
    model = f"--model-dir {tiny_model} --beam 1 --format jsonl"
    res = make("batch", f"IN={src}", f"OUT={out}", f"ARGS={model}", cwd=tmp_path)
    assert res.returncode == 0 and (out / "plain.jsonl").is_file(), res.stderr
    res = make("verify", f"OUT={out}", cwd=tmp_path)
    assert res.returncode == 0 and "ok: " in res.stdout, res.stderr
    res = make("align", f"IN={pairs}", f"ALIGNED={aligned}", "ARGS=--no-mt", cwd=tmp_path)
    assert res.returncode == 0 and (aligned / "x.jsonl").is_file(), res.stderr
    res = make("eval", f"SRC={src / 'plain.txt'}", f"REF={pairs / 'x.en.txt'}",
               f"EVAL_DIR={evals}", f"ARGS={model}", "EVAL_ARGS=--metrics bleu",
               f"TESTSET={hostile}", cwd=tmp_path)
    assert res.returncode == 0 and "BLEU" in res.stdout, res.stderr
    assert not (tmp_path / marker).exists() and not (ROOT / marker).exists()


def test_args_are_split_into_words_never_evaluated(tiny_model, tmp_path):
    """ARGS and EVAL_ARGS are words for pipeline: a `;`, a substitution or a glob in them is
    an argument pipeline refuses, not a command."""
    marker = tmp_path / "PWNED"
    (tmp_path / "in").mkdir()
    shutil.copy(ROOT / "data" / "raw" / "article_02.txt", tmp_path / "in" / "a.txt")
    words = " ".join([*payloads(marker), "*"])
    res = make("batch", f"IN={tmp_path / 'in'}", f"OUT={tmp_path / 'out'}", f"ARGS={words}",
               cwd=tmp_path, timeout=120)
    assert res.returncode != 0 and "error: q';touch: no such file" in res.stderr, res.stderr
    res = make("eval", f"SRC={tmp_path / 'in' / 'a.txt'}", f"REF={tmp_path / 'in' / 'a.txt'}",
               f"EVAL_DIR={tmp_path / 'eval'}", f"ARGS=--model-dir {tiny_model} --beam 1",
               f"EVAL_ARGS={words}", cwd=tmp_path, timeout=120)
    assert res.returncode != 0 and "q';touch" in res.stderr, res.stderr
    assert not marker.exists() and not list(tmp_path.glob("out/*.jsonl"))
