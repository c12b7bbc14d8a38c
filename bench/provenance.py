"""Provenance overhead of the record files: JSONL bytes minus the UTF-8 bytes of every
``source`` and ``target``, per record, on the seed articles (``data/raw``), translated as the
repository lays them out (``data/raw`` -> ``data/out``) with the tiny test model.

    python -m bench.provenance

The tiny model's English is random tokens; its length does not enter the figure, which counts
everything but the texts: keys, offsets, flags, scores, the fingerprint on every line and the
full provenance once per file.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench.common import ROOT, make_model


def main() -> None:
    import pipeline
    from pipeline.formats import jsonl

    work = Path(tempfile.mkdtemp(prefix="bench-provenance."))
    try:
        model = make_model("tiny")
        shutil.copytree(ROOT / "data" / "raw", work / "data" / "raw")
        out = work / "data" / "out"
        pipeline.translate_files([work / "data" / "raw"], out, model_dir=model, cache=False,
                                 report=lambda message: None)
        print("| file | records | JSONL bytes | text bytes | overhead per record |")
        print("|---|---:|---:|---:|---:|")
        total = text = n = 0
        for f in sorted(out.glob("*.jsonl")):
            records = jsonl.read(f)
            size = f.stat().st_size
            texts = sum(len(r.source.encode()) + len(r.target.encode()) for r in records)
            print(f"| {f.name} | {len(records)} | {size:,} | {texts:,} | "
                  f"{(size - texts) / len(records):.0f} |")
            total, text, n = total + size, text + texts, n + len(records)
        print(f"| all | {n} | {total:,} | {text:,} | **{(total - text) / n:.0f}** |")
        print("\ntarget: <= 600 bytes per record (version 1 of the layout: about 1,700)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
