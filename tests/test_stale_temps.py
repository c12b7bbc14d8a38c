"""A run killed mid-write leaves temporaries; the next run removes those of dead processes
and keeps those of live ones."""

import os
import subprocess
import sys

from pipeline.io import atomic_writer, sweep_stale_temps


def test_sweep_removes_only_dead_processes_temporaries(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".a.html.{dead_pid}.abc_123.tmp"
    live = tmp_path / f".b.html.{os.getppid()}.xyz987.tmp"
    mine = tmp_path / f".c.html.{os.getpid()}.q1w2e3.tmp"
    other = tmp_path / ".notes.tmp"
    for f in (stale, live, mine, other):
        f.write_text("x")
    assert sweep_stale_temps(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and mine.exists() and other.exists()
    assert sweep_stale_temps(tmp_path / "missing") == []


def test_atomic_writer_temp_names_carry_the_pid(tmp_path):
    d = tmp_path / "d"
    with atomic_writer(d / "out.txt") as f:
        names = [p.name for p in d.iterdir()]
        f.write("ok")
    assert len(names) == 1 and f".out.txt.{os.getpid()}." in names[0]
    assert (d / "out.txt").read_text() == "ok"
