"""A run killed mid-write leaves temporaries; the next run removes those of dead processes,
keeps those of live ones, and never touches a file it cannot prove it made."""

import os
import subprocess
import sys

from pipeline.formats import is_output_name
from pipeline.io import _host, atomic_writer, sweep_stale_temps


def _dead_pid() -> int:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(dead.stdout)


def test_sweep_removes_only_dead_processes_temporaries(tmp_path):
    dead = _dead_pid()
    stale = tmp_path / f".a.html.pipeline-{dead}.abc_1234.tmp"
    live = tmp_path / f".b.html.pipeline-{os.getppid()}.xyz98765.tmp"
    mine = tmp_path / f".c.html.pipeline-{os.getpid()}.q1w2e3r4.tmp"
    other = tmp_path / ".notes.tmp"
    for f in (stale, live, mine, other):
        f.write_text("x")
    assert sweep_stale_temps(tmp_path, is_output_name) == [stale]
    assert not stale.exists() and live.exists() and mine.exists() and other.exists()
    assert sweep_stale_temps(tmp_path / "missing") == []


def test_sweep_leaves_other_machines_temporaries(tmp_path):
    """An output directory shared between machines (a Ray cluster): a process id says nothing
    about a process of another machine, so only this machine's dead processes' temporaries go."""
    dead = _dead_pid()
    here = tmp_path / f".a.jsonl.pipeline-{_host()}-{dead}.abcdefgh.tmp"
    there = tmp_path / f".b.jsonl.pipeline-other-node-7-{dead}.abcdefgh.tmp"
    for f in (here, there):
        f.write_text("x")
    assert sweep_stale_temps(tmp_path, is_output_name) == [here]
    assert there.exists()


def test_sweep_never_touches_what_it_did_not_make(tmp_path):
    dead = _dead_pid()
    users = [f".notes.{dead}.backup.tmp",  # a user's file that looks like an old temporary
             f".a.jsonl.{dead}.abcdefgh.tmp",  # the layout without the tool's tag
             f".notes.txt.pipeline-{dead}.abcdefgh.tmp"]  # a target the tool never writes
    for name in users:
        (tmp_path / name).write_text("mine")
    odd_dir = tmp_path / f".a.jsonl.pipeline-{dead}.abcdefgh.tmp"
    odd_dir.mkdir()  # a directory named like a temporary
    fifo = tmp_path / f".b.jsonl.pipeline-{dead}.abcdefgh.tmp"
    os.mkfifo(fifo)
    assert sweep_stale_temps(tmp_path, is_output_name) == []
    assert all((tmp_path / name).exists() for name in users)
    assert odd_dir.is_dir() and fifo.exists()


def test_atomic_writer_temp_names_carry_the_tag_and_pid(tmp_path):
    d = tmp_path / "d"
    with atomic_writer(d / "out.txt") as f:
        names = [p.name for p in d.iterdir()]
        f.write("ok")
    assert len(names) == 1 and names[0].startswith(f".out.txt.pipeline-{_host()}-{os.getpid()}.")
    assert (d / "out.txt").read_text() == "ok"
