"""`pipeline serve` against `pipeline translate`: throughput under 16 concurrent clients, and the
latency of a one-sentence request on an idle server.

Articles are consecutive newstest2019 German segments (``../shared/eval/mt``), --per-article
segments each (one paragraph a segment); without the test set, the paragraphs of data/raw.
Model: the opus-mt-de-en shape twin (random weights, every output runs to its cap: real
per-sentence work; see bench/throughput.py), or --model tiny. Both sides run with the memory
off (--no-cache) and write only the records (JSONL); the twin and its conversion are cached
in the pipeline cache.

Throughput, for --rounds rounds, the sides taking turns at going first (ratios within a round):
  (a) server: `python -m pipeline serve --no-cache` in a process of its own, model loaded;
      --clients threads each POST one article at a time to /v1/translate until all are done;
      wall time from the first request to the last answer;
  (b) `pipeline translate`, warm: one process builds the Translator, loads and warms the
      engine, then times `translate_files(ARTICLES, OUT, formats=("jsonl",))` (what the
      command does after its start-up);
  (c) with --cold, `python -m pipeline translate DIR -o OUT --no-cache --format jsonl` as a
      user runs it, wall time including process start and model load (once).
The server's translations are checked against (b)'s, article by article.

Latency: --latency one-sentence requests, one at a time, on the idle server (median), against
the engine's own time for the same sentences in a warm process (`engine.translate([s])`,
median; measured before and after the requests, the lower median kept).

    python -m bench.serve [--model twin|tiny] [--articles 48] [--per-article 6] [--clients 16]
                          [--rounds 2] [--latency 25] [--wait-ms 5] [--cold] [--model-dir DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import EVAL_MT, ROOT, articles, make_model, newstest, write_folder

WARM = """
import json, sys, time
from pipeline.run import Translator, translate_files
t = Translator(model_dir=sys.argv[1], cache=False)
engine = t.scheduler.engine
engine.prepare()
engine.translate(["Guten Morgen."])
job = json.loads(sys.stdin.read())
if job["kind"] == "files":
    start = time.perf_counter()
    s = translate_files(job["files"], job["out"], translator=t, formats=("jsonl",), report=lambda m: None)
    print(json.dumps({"seconds": time.perf_counter() - start, "sentences": s.sentences}))
else:
    times = []
    for sentence in job["sentences"]:
        start = time.perf_counter()
        engine.translate([sentence])
        times.append(time.perf_counter() - start)
    print(json.dumps({"times": times}))
"""


def segments() -> list[str]:
    if (EVAL_MT / "newstest2019.de-en.de").is_file():
        return newstest()
    return [p.strip() for f in sorted((ROOT / "data" / "raw").glob("*.txt"))
            for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]


def warm_child(model_dir: Path, job: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", WARM, str(model_dir)], input=json.dumps(job),
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_server(model_dir: Path, wait_ms: float) -> tuple[subprocess.Popen, int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--model-dir", str(model_dir),
                             "--port", str(port), "--no-cache", "--batch-wait-ms", str(wait_ms)],
                            cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.startswith("serving on"):
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep it drained
            return proc, port
    raise SystemExit("the server did not start")


def post(port: int, text: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("POST", "/v1/translate", body=text.encode("utf-8"))
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"server answered {r.status}: {body[:200]!r}")
        return body
    finally:
        conn.close()


def server_side(port: int, texts: list[str], clients: int) -> tuple[float, list[bytes]]:
    todo: queue.Queue = queue.Queue()
    for k, t in enumerate(texts):
        todo.put((k, t))
    out: list = [None] * len(texts)

    def client() -> None:
        while True:
            try:
                k, t = todo.get_nowait()
            except queue.Empty:
                return
            out[k] = post(port, t)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - start, out


def targets(jsonl: bytes) -> list[str]:
    return [json.loads(line)["target"] for line in jsonl.decode().splitlines()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", choices=("twin", "tiny"), default="twin")
    ap.add_argument("--model-dir", type=Path, help="this model instead (a twin built before)")
    ap.add_argument("--articles", type=int, default=48)
    ap.add_argument("--per-article", type=int, default=6)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--latency", type=int, default=25)
    ap.add_argument("--wait-ms", type=float, default=5.0, help="the server's --batch-wait-ms")
    ap.add_argument("--cold", action="store_true", help="also time `pipeline translate` as run")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    kind = args.model if EVAL_MT.is_dir() else "tiny"  # the twin is trained on the test set
    model_dir = args.model_dir or make_model(kind, in_child=True)
    texts = articles(segments(), args.articles, args.per_article)
    files = [str(p) for p in write_folder(texts, work / "in")]
    print(f"model {kind} ({model_dir}); {len(texts)} articles of {args.per_article} "
          f"segments; {args.clients} clients; {os.cpu_count()} CPUs", flush=True)

    proc, port = start_server(model_dir, args.wait_ms)
    try:
        rows = []
        for r in range(args.rounds):
            job = {"kind": "files", "files": files, "out": str(work / f"out{r}")}
            if r % 2:  # the sides take turns at going first
                warm = warm_child(model_dir, job)
            served_s, bodies = server_side(port, texts, args.clients)
            if not r % 2:
                warm = warm_child(model_dir, job)
            sentences = sum(len(b.splitlines()) for b in bodies)
            assert warm["sentences"] == sentences, (warm, sentences)
            same = all(targets(b) == targets((work / f"out{r}" / Path(f).with_suffix(".jsonl").name)
                               .read_bytes()) for f, b in zip(files, bodies))
            rows.append((sentences / served_s, sentences / warm["seconds"], same))
            print(f"round {r + 1}: {sentences} sentences; server {served_s:.1f} s "
                  f"({rows[-1][0]:.2f} sent/s), translate warm {warm['seconds']:.1f} s "
                  f"({rows[-1][1]:.2f} sent/s), ratio {rows[-1][0] / rows[-1][1]:.2f}x, "
                  f"same translations: {same}", flush=True)
        ratios = [a / b for a, b, _ in rows] or [float("nan")]  # --rounds 0: latency only
        print(f"throughput: server / translate (warm) median {statistics.median(ratios):.2f}x "
              f"(best {max(ratios):.2f}x; target >= 0.8x)", flush=True)
        if args.cold:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline", "translate", str(work / "in"), "-o",
                            str(work / "cold"), "--model-dir", str(model_dir), "--no-cache",
                            "--format", "jsonl", "-q"], cwd=ROOT, check=True)
            cold = time.perf_counter() - start
            print(f"`pipeline translate` as run, start-up included: "
                  f"{sentences / cold:.2f} sent/s ({cold:.1f} s)", flush=True)

        one = [s for s in segments() if 60 <= len(s) <= 160][: args.latency]
        before = warm_child(model_dir, {"kind": "engine", "sentences": one})["times"]
        latency = []
        for s in one:
            t0 = time.perf_counter()
            post(port, s)
            latency.append(time.perf_counter() - t0)
        after = warm_child(model_dir, {"kind": "engine", "sentences": one})["times"]
        engine = min(statistics.median(before), statistics.median(after))
        p50 = statistics.median(latency)
        print(f"latency: one sentence on an idle server p50 {p50 * 1000:.0f} ms, engine alone "
              f"p50 {engine * 1000:.0f} ms (before {statistics.median(before) * 1000:.0f}, after "
              f"{statistics.median(after) * 1000:.0f}): {p50 / engine:.2f}x (target <= 1.5x)",
              flush=True)
    finally:
        proc.terminate()
        proc.wait(60)


if __name__ == "__main__":
    main()
