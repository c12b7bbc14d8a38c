"""Start-up cost of the command line and the library: median wall time of ``pipeline --help``
and ``python -c 'import pipeline'`` over 11 runs each, and a check that neither loads an engine
library (torch, transformers, ctranslate2).

    python -m bench.startup
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], runs: int = 11) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    cases = {"pipeline --help": [str(BIN / "pipeline"), "--help"],
             "import pipeline": [sys.executable, "-c", "import pipeline"]}
    print("| command | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    for name, cmd in cases.items():
        t = timed(cmd)
        print(f"| `{name}` | {statistics.median(t):.3f} | {min(t):.3f} | {max(t):.3f} |")
    check = subprocess.run([sys.executable, "-c", "import sys, pipeline.cli; print(sorted(m for m in "
                            "('torch', 'transformers', 'ctranslate2') if m in sys.modules))"],
                           capture_output=True, text=True, check=True)
    print(f"\nengine libraries loaded by the CLI module: {check.stdout.strip()} (target: none, "
          "and each under 0.5 s)")


if __name__ == "__main__":
    main()
