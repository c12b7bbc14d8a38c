"""``--ray``: the same outputs as a plain run (seeds, a generated archive with bad lines), a
killed actor and a killed driver lose nothing, two simulated nodes; Ray stays optional.

One local Ray instance (2 CPUs) serves the module: a run in this process finds it and uses
it, a subprocess joins it by its address. The two-node test makes its own cluster, so it runs
apart (a class of its own: on the other pytest-xdist worker, beside the rest of the module). Tests that need Ray are skipped when it is not
installed (``make test`` installs it).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import types
from pathlib import Path

import pytest
from typer.testing import CliRunner

import pipeline
from pipeline import translate_files
from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
_ray_missing = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                  reason="Ray is not installed (pip install 'pipeline[cluster]')")


def needs_ray(test):
    """Marked ``ray`` (make test-fast leaves it out), skipped without Ray."""
    return pytest.mark.ray(_ray_missing(test))


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


#: Lines Ray's log monitor forwards from its own processes, "(raylet) A worker died ..." after
#: an earlier test killed an actor: asynchronous, so they can land in any later command's output.
RAY_FORWARDED = re.compile(r"^(?:\x1b\[[0-9;]*m)?\((?:raylet|pid=|[\w.()]+ pid=)")


def said(output: str) -> list[str]:
    """What the command itself said, sorted: no forwarded Ray log lines, and no note of a model
    conversion (the first run of a test may convert the model, the second finds it done)."""
    return sorted(line for line in output.splitlines() if not RAY_FORWARDED.match(line)
                  and not line.startswith(("converting", "waiting for another process")))


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of an output directory but the manifest (temporaries included)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != "manifest.json"}


def manifest_without_run_details(out: Path) -> dict:
    """The manifest less what may differ between runs: timings, Ray's details, file stats."""
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    m.pop("timings")
    m["settings"].pop("ray", None)
    for d in m["documents"]:
        d.pop("stat")
    return m


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory, shared_conversions, shared_langid):
    """A local Ray instance for this module. Its processes see a private pipeline cache (with
    the session's model conversions) and no hub; runs in this process hand their own cache to
    their actors."""
    import ray

    cache = tmp_path_factory.mktemp("ray-cache")
    (cache / "ct2").symlink_to(shared_conversions, target_is_directory=True)
    (cache / "langid").symlink_to(shared_langid, target_is_directory=True)
    env = {"PIPELINE_CACHE": str(cache), "HF_HUB_OFFLINE": "1",
           "HF_HUB_CACHE": str(tmp_path_factory.mktemp("ray-hf"))}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.ERROR)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture()
def archive(tmp_path, write_archive, repo_articles) -> Path:
    """36 articles of the seed articles' sentences, three lines that are no article."""
    rows = repo_articles(36)
    rows[5:5] = ["{kaputt", {"id": "art-001", "text": "Doppelt."}]
    rows[20:20] = [{"text": "ohne id"}]
    return write_archive(tmp_path / "archive.jsonl", rows)


def test_import_and_help_do_not_import_ray():
    code = ("import sys, pipeline, pipeline.run, pipeline.archive\n"
            "from typer.testing import CliRunner\n"
            "from pipeline.cli import app\n"
            "assert CliRunner().invoke(app, ['translate', '--help']).exit_code == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ray', 'pyarrow')))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_without_ray_the_option_says_how_to_install_it(tiny_model, seeds, tmp_path,
                                                        monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if it were not installed
    res = run("translate", seeds, "-o", tmp_path / "out", "--model-dir", tiny_model, "--ray",
              "local")
    assert res.exit_code == 2
    assert "--ray needs Ray Data" in res.output and "pipeline[cluster]" in res.output
    res = run("translate", seeds, "-o", tmp_path / "out", "--model-dir", tiny_model, "--actors",
              "2")
    assert res.exit_code == 2 and "--actors is for --ray runs" in res.output


def test_the_driver_keeps_no_text_of_the_windows_it_planned(tmp_path, write_archive):
    """A Ray run's driver keeps of each planned document its reference (where to read it
    again, and its digest) and what the ledger needs, never its text or sentences."""
    from pipeline.references import planned_windows
    from pipeline.document import Document
    from pipeline.inputs import iter_inputs
    from pipeline.windows import Unit, Window

    archive = write_archive(tmp_path / "a.jsonl", [{"id": f"n{k}", "text": f"Satz {k}. Noch einer."}
                                                   for k in range(4)])
    units = []
    for seq, inp in enumerate(iter_inputs([archive], "jsonl")):
        doc = Document(str(inp.path), f"{seq:064x}", inp.article.text, doc_id=inp.article.doc_id,
                       doc_line=inp.line)
        units.append(Unit(seq, inp, doc, f"a.jsonl#{seq}", pipeline.split(doc.text)))
    kept, pickled = planned_windows(iter([Window(1, units[:3]), Window(2, units[3:])]), "utf-8")
    windows, refs = [pickle.loads(w) for w in kept], [pickle.loads(r) for r in pickled]
    assert [w.number for w in windows] == [1, 2] and [len(r) for r in refs] == [3, 1]
    assert all(u.doc.text == u.input.article.text == "" and u.sentences == []
               for w in windows for u in w.units)
    assert [u.doc.sha256 for w in windows for u in w.units] == [u.doc.sha256 for u in units]
    assert [u.input.label for w in windows for u in w.units] == [u.input.label for u in units]
    assert [(r.seq, r.sha256, r.line, r.doc_id, r.offset) for w in refs for r in w] == [
        (u.seq, u.doc.sha256, u.input.line, u.doc.doc_id, u.input.article.offset) for u in units]


@needs_ray
def test_text_files_on_ray_equal_a_plain_run(ray_address, tiny_model, seeds, tmp_path,
                                            monkeypatch):
    """Text files: outputs and manifest byte for byte those of a plain run, with the
    translation memory on (each run its own, fresh: the actors use the run's); the read tasks
    split with the run's source language, as a plain run does (French knows the elided
    "l'art." before a number, German does not); a rerun skips all. (And ``local`` in a
    process already joined to Ray lays out its actors for that cluster, 2 CPUs here, not for
    the cores of this machine, which would leave an actor waiting for CPUs forever.)"""
    from pipeline import cluster
    from pipeline.cluster import RayExecutor

    monkeypatch.setattr(cluster, "cores", lambda: 16)
    text = "Voir l'art. 5 du code. Le juge a tranché."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_bytes((seeds / "article_02.txt").read_bytes())
    assert len(pipeline.split(text, lang="de")) == 3
    summaries = {}
    for name, executor in (("plain", None), ("ray", RayExecutor("local"))):
        cache = tmp_path / f"cache-{name}"
        cache.mkdir()
        for shared in ("ct2", "langid"):
            (cache / shared).symlink_to(Path(os.environ["PIPELINE_CACHE"]) / shared)
        monkeypatch.setenv("PIPELINE_CACHE", str(cache))
        summaries[name] = translate_files([tmp_path / "in"], tmp_path / name,
                                          model_dir=tiny_model, src_lang="fr",
                                          executor=executor, report=lambda message: None)
        assert (cache / "tm.sqlite3").is_file()  # the run's memory, in the actors too
    spans = [(r["start"], r["end"]) for r in map(json.loads, (
        tmp_path / "ray" / "a.jsonl").read_text(encoding="utf-8").splitlines())]
    assert spans == [(0, 22), (23, 41)]
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "plain")
    assert manifest_without_run_details(tmp_path / "ray") == \
        manifest_without_run_details(tmp_path / "plain")
    details = summaries["ray"].cluster
    assert details["actor_cpus"] <= 2 and details["actors"] == 1
    assert details["windows"] == 1  # two articles: one window
    again = translate_files([tmp_path / "in"], tmp_path / "ray", model_dir=tiny_model,
                            src_lang="fr", executor=RayExecutor("local"),
                            report=lambda message: None)
    assert (len(again.translated), len(again.skipped)) == (0, 2)


@needs_ray
@pytest.mark.parametrize("started_here", [True, False])
def test_a_local_run_hands_its_environment_only_to_a_ray_it_joined(started_here, monkeypatch,
                                                                    tiny_model, seeds, tmp_path):
    """``--ray local``: a Ray the run started inherited the run's environment (its actors need
    no runtime environment, whose workers start slower); one it joined gets the caches' and
    the hub's settings as the actors' runtime environment."""
    from pipeline import cluster
    from pipeline.cluster import RayExecutor

    class Stop(Exception):
        pass

    given = []

    def execute(ray, refs, plan, env, job):
        given.append(env)
        raise Stop
        yield

    # a stand-in for Ray: the "started" one must not shut down the module's real instance
    monkeypatch.setattr(cluster, "_import_ray",
                        lambda: types.SimpleNamespace(__version__="stand-in", shutdown=lambda: None))
    monkeypatch.setattr(cluster, "connect", lambda address: (started_here, 0.0))
    monkeypatch.setattr(cluster, "_node_cpus", lambda ray: [2])
    monkeypatch.setattr(cluster, "_execute", execute)
    with pytest.raises(Stop):
        translate_files([seeds], tmp_path / "out", model_dir=tiny_model,
                        executor=RayExecutor("local"), report=lambda message: None)
    forwarded = {k: os.environ[k] for k in ("PIPELINE_CACHE", "HF_HUB_OFFLINE")}
    assert given == [{} if started_here else {**given[0], **forwarded}]
    assert started_here or given[0]["PIPELINE_CACHE"] == os.environ["PIPELINE_CACHE"]


@needs_ray
def test_an_address_where_nothing_listens_is_refused_at_once(tiny_model, seeds, tmp_path,
                                                            monkeypatch):
    """Ray would retry a dead head node for minutes (over two, measured); the run refuses it
    in one line, as it refuses what is no address at all. (As a process not joined to Ray:
    this one may be, to the module's instance, which a run would keep using.)"""
    import socket
    import time

    import ray

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for address, message in ((f"127.0.0.1:{port}", "nothing answers there"),
                             ("nonsense", "not a cluster address")):
        started = time.monotonic()
        res = run("translate", seeds, "-o", tmp_path / "out", "--model-dir", tiny_model,
                  "--ray", address)
        assert res.exit_code == 2 and message in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1 and time.monotonic() - started < 30


def test_the_layout_reads_the_nodes_of_the_cluster_joined():
    """``local`` in a process already joined to a cluster: the nodes Ray reports (alive, with
    CPUs), never this machine's cores (an actor larger than a node would wait forever)."""
    from pipeline import cluster

    class Joined:
        @staticmethod
        def nodes():
            return [{"Alive": True, "Resources": {"CPU": 1.0}},
                    {"Alive": False, "Resources": {"CPU": 64.0}},
                    {"Alive": True, "Resources": {"CPU": 2.0}}, {"Alive": True, "Resources": {}}]

    assert cluster._node_cpus(Joined) == [1, 2]


KILL_DRIVER_AFTER_WINDOW = """
import os, signal, sys
import pipeline
from pipeline import translate_files
from pipeline.cluster import RayExecutor

def stop(n):
    if n == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as a crash would: no cleanup runs

translate_files([sys.argv[1]], sys.argv[2], model_dir=sys.argv[3], cache=False, window=6,
                input_format="jsonl", executor=RayExecutor(sys.argv[4], actors=2), on_window=stop,
                report=lambda message: None)
"""


def errors_said(output: str) -> list[str]:
    """What a command said, less its lines per document translated and its summary line."""
    return [line for line in said(output) if not line.startswith("translated ")
            and not re.match(r"\d+ translated, \d+ skipped, \d+ failed", line)]


def as_a_plain_run(manifest: dict) -> dict:
    """A rerun's manifest as the run that did everything would write it: its documents "up to
    date" instead of "translated", and no scheduler counts (they count this run's work)."""
    for entry in manifest["inputs"] + manifest["documents"]:
        if entry.get("status") == "up to date":
            entry["status"] = "translated"
    manifest.pop("scheduler")
    return manifest


@needs_ray
def test_archive_on_ray_equals_a_plain_run_after_a_killed_driver(ray_address, tiny_model,
                                                                 archive, tmp_path):
    """The driver (its own process, joining the cluster by its address) killed after its
    second window; the same command, run again with ``--ray local --actors 2``, skips what was
    finished and completes the rest with two actors: the bad lines reported one line each, as a
    plain run reports them; outputs and manifest byte for byte the plain run's; records that
    verify."""
    common = ["--input-format", "jsonl", "--model-dir", tiny_model, "--no-cache", "--window", "6"]
    plain = run("translate", archive, "-o", tmp_path / "plain", *common)
    assert plain.exit_code == 1, plain.output
    out = tmp_path / "ray"
    killed = subprocess.run([sys.executable, "-c", KILL_DRIVER_AFTER_WINDOW, str(archive),
                             str(out), str(tiny_model), ray_address], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    done_before = len(list(out.glob("*.jsonl")))
    assert 0 < done_before < 36 and not (out / "manifest.json").exists()
    again = run("translate", archive, "-o", out, *common, "--ray", "local", "--actors", "2")
    assert again.exit_code == 1, again.output
    # the cluster's actors may finish a window the dead driver never accounted for (Ray
    # stops them when it notices): that one is found complete and skipped too
    counts = re.search(r"(\d+) translated, (\d+) skipped, 3 failed", again.output)
    assert counts, again.output
    translated, skipped = map(int, counts.groups())
    assert translated + skipped == 36 and skipped >= done_before, counts[0]
    errors = errors_said(plain.output)
    assert len(errors) == 3
    assert errors == errors_said(again.output.replace(str(out), str(tmp_path / "plain")))
    assert outputs(out) == outputs(tmp_path / "plain")
    assert as_a_plain_run(manifest_without_run_details(out)) == \
        as_a_plain_run(manifest_without_run_details(tmp_path / "plain"))
    details = json.loads((out / "manifest.json").read_text())["settings"]["ray"]
    assert details["actors"] == 2 and details["windows"] >= 2
    assert sum(a["windows"] for a in details["actor_processes"].values()) == details["windows"]
    verified = run("verify", *sorted(out.glob("*.jsonl")))
    assert verified.exit_code == 0, verified.output


TWO_NODES = """
import json, os, signal, sys
from pathlib import Path
from ray.cluster_utils import Cluster
import pipeline
from pipeline import translate_files
from pipeline.cluster import RayExecutor


def actor_pids():
    # processes of this machine that run a WindowTranslator actor (Ray titles them
    # "ray::...WindowTranslator..."; this script's own command line names it too)
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            title = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
            if title.startswith(b"ray::") and b"WindowTranslator" in title:
                pids.append(int(entry.name))
        except OSError:
            pass
    return sorted(pids)


killed = []


def kill_one(n):
    if n == 2:  # two windows written, the others queued or in flight
        pids = actor_pids()
        assert pids, "no actor process found"
        os.kill(pids[0], signal.SIGKILL)
        killed.append(pids[0])


cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
cluster.add_node(num_cpus=1)
cluster.wait_for_nodes()
try:
    summary = translate_files([sys.argv[1]], sys.argv[2], model_dir=sys.argv[3], cache=False,
                              window=6, input_format="jsonl",
                              executor=RayExecutor(cluster.address, actors=2),
                              on_window=kill_one, report=lambda message: None)
    print(json.dumps({"cluster": summary.cluster, "translated": len(summary.translated),
                      "failed": len(summary.failed), "killed": killed,
                      "alive": [p for p in killed if p in actor_pids()]}))
finally:
    cluster.shutdown()
"""


class TestTwoNodes:
    """A class of its own: pytest-xdist (``--dist loadscope``) runs it apart from the rest of
    the module, on the other worker, as it needs no module Ray but its own cluster."""

    @needs_ray
    @pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the actor's process in /proc")
    def test_two_simulated_nodes_and_a_killed_actor(self, tiny_model, archive, tmp_path):
        """Ray's own two-node simulation (ray.cluster_utils.Cluster), in a process of its
        own: both nodes take part; an actor killed (kill -9) while windows are in flight is
        restarted by Ray, which retries its windows; the outputs are byte for byte those of an
        uninterrupted plain run, with no temporaries left."""
        translate_files([archive], tmp_path / "plain", model_dir=tiny_model, cache=False,
                        input_format="jsonl", window=6, report=lambda message: None)
        env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}  # not the module's
        res = subprocess.run([sys.executable, "-c", TWO_NODES, str(archive),
                              str(tmp_path / "ray"), str(tiny_model)], cwd=ROOT,
                             capture_output=True, text=True, timeout=300, env=env)
        assert res.returncode == 0, res.stderr[-3000:]
        report = json.loads(res.stdout.strip().splitlines()[-1])
        assert (report["translated"], report["failed"]) == (36, 3)
        assert report["cluster"]["nodes"] == 2 and report["cluster"]["windows"] > 6
        assert report["killed"] and report["alive"] == []
        assert outputs(tmp_path / "ray") == outputs(tmp_path / "plain")
        assert manifest_without_run_details(tmp_path / "ray") == \
            manifest_without_run_details(tmp_path / "plain")
        print(report["cluster"]["actor_processes"])


@pytest.mark.parametrize("options, actors, nodes, expect", [
    # one machine of 2 cores: one actor laid out as a plain run (2 workers × 1 thread)
    ({}, None, [2], (1, 2, 1.5, {"inter_threads": 2, "intra_threads": 1})),
    # --actors 2: each gets its share of the cores
    ({}, 2, [2], (2, 1, 0.75, {"inter_threads": 1, "intra_threads": 1})),
    # more actors than cores: the requests shrink so that a read task still fits
    ({}, 4, [2], (4, 1, 0.437, {"inter_threads": 1, "intra_threads": 1})),
    # the user's threads are kept; actors fill the cluster
    ({"inter_threads": 2, "intra_threads": 2}, None, [8, 8], (4, 4, 3.0, {"inter_threads": 2})),
    # nodes of 16 and 4 CPUs: actors as large as the smaller node
    ({}, None, [16, 4], (5, 4, 3.0, {"inter_threads": 4})),
    ({"engine": "transformers"}, None, [4], (1, 4, 3.0, {"threads": 4})),
])
def test_layout(options, actors, nodes, expect):
    from pipeline.cluster import layout
    from pipeline.translator import TranslatorConfig

    plan = layout(TranslatorConfig.of(**options), actors, nodes)
    assert (plan.actors, plan.threads, plan.cpus) == expect[:3]
    assert expect[3].items() <= plan.config.spec.options().items()
    assert plan.actors * plan.cpus <= sum(nodes) - 0.25 * len(nodes)  # reads keep their room


@needs_ray
def test_a_mixed_archive_on_ray_routes_as_a_plain_run(ray_address, tiny_model, pair_model,
                                                      tmp_path, mixed_archive):
    """--from auto: each article to its language's model in the actors too; an article
    without a model is one error line; outputs and manifest are the plain run's."""
    archive = mixed_archive(tmp_path / "feed.jsonl")
    models = ("--model-dir", f"de-en={tiny_model}", "--model-dir",
              f"fr-en={pair_model('fr-en')}")
    results = {}
    for name, extra in (("plain", ()), ("ray", ("--ray", "local"))):
        results[name] = run("translate", archive, "--input-format", "jsonl", "--from", "auto",
                            "-o", tmp_path / name, "--no-cache", *models, *extra)
        assert results[name].exit_code == 1, results[name].output
    ray = results["ray"].output.replace(str(tmp_path / "ray"), str(tmp_path / "plain"))

    assert said(results["plain"].output) == said(ray)
    assert "3 translated, 0 skipped, 1 failed" in ray
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "plain")
    assert manifest_without_run_details(tmp_path / "ray") == \
        manifest_without_run_details(tmp_path / "plain")
