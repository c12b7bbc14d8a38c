"""What the benchmarks share: where the repository and the evaluation data are, one model
builder (the tiny test model or the opus-mt-de-en shape twin), one article generator (a folder
of ``.txt`` files or a JSONL archive) and one timed runner (a command in a process of its own:
wall time, time to its first output, peak RSS).

Every benchmark runs from the repository root as a module, ``python -m bench.NAME``, so the
working tree's ``pipeline`` is the one measured. ``python -m bench.common tiny|twin`` builds a
model (cached) and prints its directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
EVAL_MT = EVAL / "mt"
MODELS = ("tiny", "twin")


# -- data -----------------------------------------------------------------------------------

def newstest(eval_dir: Path = EVAL_MT, side: str = "de") -> list[str]:
    """The non-blank segments of newstest2019 de-en (``side`` de or en), in file order; exits
    with a one-line message when the evaluation data is absent (it is not in the repository)."""
    path = Path(eval_dir) / f"newstest2019.de-en.{side}"
    if not path.is_file():
        raise SystemExit(f"{path} is missing (../shared/eval is not part of the repository)")
    return [s for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]


def articles(lines: Sequence[str], count: int | None = None, per_article: int = 20, *,
             layout: str = "paragraphs", cycle: bool = True) -> list[str]:
    """Article texts drawn in order from ``lines`` (segments of running news text).

    ``paragraphs``: each article is ``per_article`` consecutive segments, one paragraph each
    (``count=None``: as many as ``lines`` fill, the last one possibly shorter). ``news``: a
    headline, then 2-4 paragraphs of 2-3 sentences, the shape varying from article to article
    (``per_article`` unused). With ``cycle`` the lines are reused round when they run out;
    without, too few lines is an error."""
    if not lines:
        raise SystemExit("no segments to make articles from")
    if layout == "paragraphs":
        if count is None:
            return ["\n\n".join(lines[k:k + per_article]) + "\n"
                    for k in range(0, len(lines), per_article)]
        need = count * per_article
        if need > len(lines) and not cycle:
            raise SystemExit(f"{count} articles of {per_article} segments need {need} "
                             f"segments; there are {len(lines)}")
        pool = (list(lines) * (need // len(lines) + 1))[:need]
        return ["\n\n".join(pool[k:k + per_article]) + "\n" for k in range(0, need, per_article)]
    if layout != "news":
        raise ValueError(f"unknown layout {layout!r}: paragraphs or news")
    texts, pos = [], 0
    for i in range(count or 0):
        parts = [lines[pos % len(lines)]]
        pos += 1
        for _ in range(2 + i % 3):
            k = 2 + (i + pos) % 2
            parts.append(" ".join(lines[(pos + j) % len(lines)] for j in range(k)))
            pos += k
        texts.append("\n\n".join(parts) + "\n")
    return texts


def write_folder(texts: Iterable[str], directory: Path, stem: str = "article") -> list[Path]:
    """One ``STEM_NNNN.txt`` per text in ``directory`` (created); the paths, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, text in enumerate(texts):
        path = directory / f"{stem}_{k:04d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_archive(texts: Iterable[str], path: Path, prefix: str = "nt19") -> Path:
    """A JSONL archive (``{"id": "PREFIX-NNNN", "text": ...}`` per line), as
    ``pipeline translate --input-format jsonl`` reads it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for k, text in enumerate(texts):
            row = {"id": f"{prefix}-{k:04d}", "text": text}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


# -- models ---------------------------------------------------------------------------------

def make_model(kind: str = "tiny", *, eval_dir: Path = EVAL_MT, in_child: bool = False) -> Path:
    """A random MarianMT directory built by ``pipeline.tiny`` and cached in the pipeline cache
    (``bench/``), keyed by its training text and ``pipeline/tiny.py``:

    * ``tiny``: the test suite's tiny model (sentencepiece trained on ``data/raw``);
    * ``twin``: the opus-mt-de-en shape twin (exact shape and configuration, random weights,
      sentencepiece trained on newstest2019 de and en). Random weights never emit ``</s>``, so
      every output runs to its cap: real per-sentence work.

    ``in_child``: build it in a process of its own, so that this one never loads torch (a
    child's peak RSS from ``wait4`` counts what it inherited from its parent before ``exec``)."""
    if kind not in MODELS:
        raise ValueError(f"unknown model {kind!r}: one of {', '.join(MODELS)}")
    if in_child:
        done = subprocess.run([sys.executable, "-m", "bench.common", kind, "--eval-dir",
                               str(eval_dir)], cwd=ROOT, check=True, capture_output=True, text=True)
        return Path(done.stdout.strip().splitlines()[-1])
    from pipeline.paths import cache_dir
    from pipeline.tiny import build_model, repo_text

    if kind == "tiny":
        text = repo_text(ROOT)
        code = (ROOT / "pipeline" / "tiny.py").read_bytes()
        key = hashlib.sha256("\n".join(text).encode() + code)
        path = cache_dir() / "bench" / f"tiny-{key.hexdigest()[:16]}"
        if not (path / "config.json").is_file():
            build_model(path, text, seed=0)
        return path
    path_de, path_en = (Path(eval_dir) / f"newstest2019.de-en.{x}" for x in ("de", "en"))
    if not path_de.is_file():
        raise SystemExit(f"{path_de} is missing (../shared/eval is not part of the repository)")
    de = path_de.read_text(encoding="utf-8").splitlines()
    en = path_en.read_text(encoding="utf-8").splitlines()
    key = hashlib.sha256("\n".join(de + ["\0"] + en).encode()).hexdigest()[:16]
    path = cache_dir() / "bench" / f"opus-twin-{key}"
    if not (path / "config.json").is_file():
        print(f"building the opus-mt-de-en shape twin in {path} ...", file=sys.stderr)
        build_model(path, de, en, shape="opus", spm_vocab=8000, seed=0)
    return path


# -- running --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Timed:
    """One finished command: wall seconds, seconds until ``watch`` held a ``*.jsonl`` (the
    wall time when nothing was watched or it never did), the process's peak RSS in MiB, its
    exit code and standard error, and its CPU seconds (user + system: what other processes on
    a shared machine disturb least)."""

    wall: float
    first: float
    rss_mib: float
    returncode: int
    stderr: str
    cpu: float = 0.0


def pipeline_command(*args: str | Path) -> list[str]:
    """``python -m pipeline ARGS`` with this interpreter."""
    return [sys.executable, "-m", "pipeline", *map(str, args)]


def timed_run(command: Sequence[str | Path], *, env: dict | None = None, cwd: Path = ROOT,
              watch: Path | None = None, check: bool = True) -> Timed:
    """Run ``command`` (standard output discarded) and time it. Peak RSS comes from ``wait4``
    (the command's own process tree as the kernel counts it). ``check``: a non-zero exit ends
    the benchmark with the command and its standard error's tail."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in command], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err: list[bytes] = []
    drain = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    drain.start()
    first = None
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG if watch is not None else 0)
        if pid:
            break
        if first is None and any(watch.glob("*.jsonl")):
            first = time.perf_counter() - start
        time.sleep(0.005)
    wall = time.perf_counter() - start
    drain.join()
    proc.stderr.close()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    text = b"".join(err).decode(errors="replace")
    if check and code != 0:
        raise SystemExit(f"{' '.join(map(str, command))} failed ({code}):\n{text[-3000:]}")
    return Timed(wall, wall if first is None else first, usage.ru_maxrss / 1024, code, text,
                 usage.ru_utime + usage.ru_stime)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Build (or find cached) a benchmark model and "
                                 "print its directory.")
    ap.add_argument("kind", choices=MODELS)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_MT)
    args = ap.parse_args(argv)
    print(make_model(args.kind, eval_dir=args.eval_dir))


if __name__ == "__main__":
    main()
