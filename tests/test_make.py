"""``make batch`` as a user runs it: bad inputs never stop it, and no file name reaches a shell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / ".venv" / "bin" / "pipeline"

pytestmark = pytest.mark.skipif(not PIPELINE.exists() or shutil.which("make") is None,
                                reason="needs make and the project's .venv (make install)")

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
    res = subprocess.run(["make", "-C", str(ROOT), "-j2", "batch", f"IN={src}", f"OUT={out}",
                          f"ARGS={args}"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode != 0  # the bad inputs make the batch fail ...
    for name in ["plain.txt", *HOSTILE]:  # ... after every good one was translated
        assert (out / (Path(name).stem + ".jsonl")).is_file(), (name, res.stderr)
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert sorted(e.split(": ")[1].rsplit("/", 1)[1] for e in errors) == sorted(BAD), res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "PWNED").exists() and not (ROOT / "PWNED").exists()
    again = subprocess.run(["make", "-C", str(ROOT), "batch", f"IN={src}", f"OUT={out}",
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
    res = subprocess.run(["make", "-C", str(ROOT), "align", f"IN={src}", f"OUT={out}",
                          "ARGS=--no-mt"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode != 0 and "solo.de.txt: has no partner solo.en.txt" in res.stderr
    assert (out / "plain.jsonl").is_file() and (out / "it's $(touch PWNED).jsonl").is_file()
    assert not (tmp_path / "PWNED").exists()
