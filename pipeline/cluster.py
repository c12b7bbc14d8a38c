"""The same run on Ray Data: ``pipeline translate ... --ray local|auto|ADDRESS``.

Ray only moves data; the pipeline's own functions do the work, so a Ray run writes exactly
the outputs a plain run writes:

1. The driver plans the windows with :func:`pipeline.run.plan`, as a plain run does (the same
   content-and-fingerprint skip rule; bad inputs are reported there, one line each; the same
   windows, so the same de-duplication and the same summary), keeping of each only a small reference
   (path, byte offset of an archive line, digest): an archive of a million articles is never
   held by the driver or put in Ray's object store.
2. Ray Data reads and splits each window in tasks (:func:`~pipeline.references.read_windows`: the text read again
   must have the digest the driver saw), and translates it in an actor pool
   (:class:`WindowTranslator`: one :class:`~pipeline.translator.Translator`, built from the
   run's :class:`~pipeline.translator.TranslatorConfig`, hence one engine, per actor, built
   once). Each actor writes its window's outputs with :func:`~pipeline.run.write_window`,
   atomically, into the output directory (which every node must see).
3. :class:`RayExecutor` yields the outcomes in window order to the run's ledger, which writes
   the manifest at the end, as in a plain run.

Faults: Ray restarts a killed actor and retries its windows (Ray Data's actor pools do so by
default); a retried window is translated again and written again with the same bytes, and the
temporaries of the killed process are removed at the end. A killed driver loses nothing
finished: the same command skips what is done and translates the rest.

Layout: by default each actor is laid out as a plain run lays out its one process, one
single-threaded engine worker per core of its node, and there is one actor per node (on one
machine CTranslate2's workers in one process share one copy of the model and were faster than
as many single-worker processes: see docs/cluster.md). ``actors`` alone gives each actor its
share of the cores; thread options given by the user are used as they are.

Resources: an actor asks Ray for :data:`ACTOR_CPU_SHARE` of a CPU per engine thread (less when
the actors asked for would leave no room), a read task for :data:`READ_CPUS`: the actors'
requests always leave a read task's share per node, so the read tasks that feed them are never
starved (2 actors × 1 CPU on 2 cores would wait forever for their input); at most one read
task per actor runs at a time. The operating system, not Ray, then shares the cores.
"""

from __future__ import annotations

import math
import os
import pickle
import resource
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path

from .errors import ClusterError, PipelineError
from .inputs import Input
from .manifest import written_facts
from .outputs import Written, WrittenFacts
from .run import TranslationJob
from .references import planned_windows, read_windows
from .windows import Unit, Window, write_window
from .translate.spec import cores
from .translator import Translator, TranslatorConfig

#: Ray's logical CPUs an actor asks for, per engine thread (see the module notes): more than
#: half, so that two actors laid out for a whole node never share one.
ACTOR_CPU_SHARE = 0.75
#: Ray's logical CPUs a read-and-split task asks for.
READ_CPUS = 0.25
#: Environment a local run hands to its actors: they share this machine's caches.
FORWARDED_ENV = ("PIPELINE_CACHE", "PIPELINE_LOCK", "PIPELINE_REHASH", "HF_HOME",
                 "HF_HUB_CACHE", "HF_HUB_OFFLINE")


@dataclass(frozen=True)
class WindowOutcome:
    """What an actor sends back for one window: per document its
    :class:`~pipeline.outputs.WrittenFacts` (not its records) or why it failed, the
    scheduler's counters for the window, what its translator reported, and which process on
    which node did the work."""

    results: list
    stats: dict[str, int]
    messages: list[str]
    pid: int
    node: str
    peak_rss_mib: int


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ClusterError("--ray needs Ray Data, an optional extra: pip install "
                           "'pipeline[cluster]'") from None
    return ray


def connect(address: str) -> tuple[bool, float]:
    """Start or join Ray: ``local`` starts an instance sized to this machine, ``auto`` joins
    the cluster that ``RAY_ADDRESS`` or a running ``ray start`` names, anything else is a
    cluster address. A process already connected keeps its connection. Returns whether this
    call started the connection (and so should end it) and the seconds it took."""
    import logging

    ray = _import_ray()
    if ray.is_initialized():
        return False, 0.0
    started = time.perf_counter()
    common = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        if address == "local":
            ray.init(address="local", num_cpus=cores(), **common)
        else:
            if address != "auto":
                _check_reachable(address)
            ray.init(address=address, **common)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = "RAY_ADDRESS or a running `ray start`" if address == "auto" else address
        raise ClusterError(f"cannot join a Ray cluster at {where}: {exc}; start one with "
                           "`ray start --head`, or use --ray local") from None
    return True, time.perf_counter() - started


#: Seconds to wait for a cluster address to accept a connection.
REACH_SECONDS = 5.0


def _check_reachable(address: str) -> None:
    """A ``ConnectionError`` where nothing listens at ``address`` (Ray itself would retry its
    connection to a dead head node for minutes: over two, measured on Ray 2.60), a
    ``ValueError`` where it is no HOST:PORT."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(address if "://" in address else f"//{address}")
    if not where.hostname or not where.port:  # .port raises ValueError where it is no number
        raise ValueError("not a cluster address (give HOST:PORT of the head node, auto or "
                         "local)")
    try:
        socket.create_connection((where.hostname, where.port), timeout=REACH_SECONDS).close()
    except OSError as exc:
        raise ConnectionError(f"nothing answers there ({exc.strerror or exc})") from None


def _quiet_ray_data() -> None:
    """No progress bars or execution banners: the run prints what a plain run prints."""
    import logging

    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Layout:
    """How many actors, each with which translator config and engine threads, and the
    logical CPUs each asks Ray for."""

    actors: int
    config: TranslatorConfig
    threads: int
    cpus: float


def layout(config: TranslatorConfig, actors: int | None, node_cpus: list[int]) -> Layout:
    """The actors for a cluster whose alive nodes have ``node_cpus`` CPUs (see the module
    notes). Thread counts change speed, never a record."""
    total, smallest = sum(node_cpus), min(node_cpus)
    spec = config.spec
    given = spec.thread_options()
    if any(given.values()):
        threads = 1
        for n in given.values():
            threads *= n or 1
    else:
        threads = max(1, min(smallest, total // actors)) if actors else smallest
        config = replace(config, spec=spec.with_threads(threads))
    if actors is None:
        actors = max(1, total // threads)
    room = (total - READ_CPUS * len(node_cpus)) / actors  # a read task's share left per node
    cpus = max(0.05, math.floor(min(ACTOR_CPU_SHARE * threads, room) * 1000) / 1000)
    return Layout(actors, config, threads, cpus)


def _node_cpus(ray) -> list[int]:
    """The CPUs of each live node of the cluster this process is connected to (also for
    ``local``: the process may have joined a cluster before it was asked to start one)."""
    cpus = [int(n.get("Resources", {}).get("CPU", 0)) for n in ray.nodes() if n.get("Alive")]
    return [c for c in cpus if c > 0] or [1]


class RayExecutor:
    """The windows of a translation run written on Ray Data (see the module notes), yielded in
    window order as :class:`~pipeline.run.LocalExecutor` yields them. ``details`` says what
    the run was (address, windows, actors, their peak memory, Ray's start-up) for the
    manifest. Ray is joined only when there is something to translate."""

    def __init__(self, address: str, *, actors: int | None = None) -> None:
        if actors is not None and actors < 1:
            raise ClusterError(f"--actors must be at least 1, got {actors}")
        self.address = address
        self.actors = actors
        self.details: dict | None = None

    def execute(self, windows: Iterable[Window], job: TranslationJob
                ) -> Iterator[tuple[Window, list[WrittenFacts | str]]]:
        if not isinstance(job, TranslationJob):
            raise ClusterError("--ray runs translations only")
        ray = _import_ray()
        router = job.router
        config = job.translator.config if router is None else router.config
        stats = job.translator.scheduler.stats if router is None else router.extra
        on_progress = job.translator.scheduler.on_progress if router is None \
            else (router.on_progress or (lambda n: None))
        planned = time.perf_counter()
        windows, refs = planned_windows(windows, job.encoding)  # the driver's pass
        details: dict = {"address": self.address, "ray": ray.__version__,
                         "windows": len(windows),
                         "plan_seconds": round(time.perf_counter() - planned, 3)}
        self.details = details
        if not windows:
            return
        started_here, connect_seconds = connect(self.address)
        _quiet_ray_data()
        try:
            nodes = _node_cpus(ray)
            plan = layout(config, self.actors, nodes)
            plan = replace(plan, actors=min(plan.actors, len(windows)))  # no idle actor
            details.update(nodes=len(nodes), actors=plan.actors, threads_per_actor=plan.threads,
                           actor_cpus=plan.cpus, connect_seconds=round(connect_seconds, 3),
                           actor_processes={})
            # a Ray this run started has this environment already (its workers inherit it);
            # one it joined gets it as a runtime environment, whose workers start slower
            env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ} \
                if self.address == "local" and not started_here else {}
            dispatched = time.perf_counter()
            outcomes = _execute(ray, refs, plan, env, job)
            said: set[str] = set()  # each actor says what its translator found; once is enough
            for k, outcome in _in_order(outcomes):
                for message in outcome.messages:
                    if message not in said:
                        said.add(message)
                        job.report(message)
                _add_stats(stats, outcome.stats)
                on_progress(outcome.stats.get("engine_inputs", 0))
                seen = details["actor_processes"].setdefault(str(outcome.pid),
                                                             {"node": outcome.node})
                seen["windows"] = seen.get("windows", 0) + 1
                seen["peak_rss_mib"] = max(outcome.peak_rss_mib, seen.get("peak_rss_mib", 0))
                yield pickle.loads(windows[k]), outcome.results
            details["translate_seconds"] = round(time.perf_counter() - dispatched, 3)
        finally:
            if started_here:
                ray.shutdown()
        from .formats import is_output_name
        from .io import sweep_stale_temps

        sweep_stale_temps(job.out, is_output_name)  # those of an actor killed mid-write


def _execute(ray, refs: list[bytes], plan: Layout, env: dict, job: TranslationJob
             ) -> Iterator[tuple[int, bytes]]:
    """The Ray Data pipeline: windows (their pickled references) → read and split (tasks) →
    translate and write (actor pool); yields (window number, pickled outcome) as windows
    finish."""
    import ray.data

    rows = [{"window": k, "refs": r} for k, r in enumerate(refs)]
    ds = ray.data.from_items(rows, override_num_blocks=len(rows))
    # one read task in flight per actor: a window is read and split in a fraction of the time
    # it takes to translate, and each task beyond that starts a Ray worker process of its own
    # (about 2.5 s of CPU on this machine) that a small run never needed
    ds = ds.map_batches(read_windows, batch_size=1, batch_format="pyarrow", num_cpus=READ_CPUS,
                        compute=ray.data.TaskPoolStrategy(size=plan.actors),
                        fn_kwargs={"max_line_chars": job.max_line_chars,
                                   "src_lang": plan.config.src_lang})
    remote = {"runtime_env": {"env_vars": env}} if env else {}
    ds = ds.map_batches(WindowTranslator, batch_size=1, batch_format="pyarrow",
                        compute=ray.data.ActorPoolStrategy(size=plan.actors),
                        num_cpus=plan.cpus,
                        fn_constructor_kwargs={"config": plan.config,
                                               "out": str(job.out.absolute()),
                                               "selected": list(job.selected),
                                               "lang_field": None if job.router is None
                                               else job.router.lang_field},
                        **remote)
    try:
        for row in ds.iter_rows():
            yield row["window"], row["outcome"]
    except Exception as exc:  # a Ray error wraps the pipeline's own: show that one
        chain = _causes(exc)
        ours = next((e for e in chain if isinstance(e, PipelineError)), None)
        if ours is not None:
            raise ours from None
        inner = chain[-1]
        first = (str(inner).strip().splitlines() or [""])[-1]
        raise ClusterError(f"the Ray run failed: {type(inner).__name__}: {first[:300]} (the "
                           "workers' logs are under /tmp/ray/session_latest/logs)") from exc


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps: Ray's ``cause``, Python's ``__cause__``/``__context__``."""
    chain: list[BaseException] = []
    while exc is not None and all(exc is not e for e in chain):
        chain.append(exc)
        exc = getattr(exc, "cause", None) or exc.__cause__ or exc.__context__
    return chain


def _in_order(outcomes: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, WindowOutcome]]:
    """Outcomes in window order (a window that finishes early waits for those before it), so
    that messages and the manifest list documents as a plain run does."""
    waiting: dict[int, bytes] = {}
    following = 0
    for k, blob in outcomes:
        waiting[k] = blob
        while following in waiting:
            yield following, pickle.loads(waiting.pop(following))
            following += 1


def _add_stats(total, delta: dict) -> None:
    for key, value in delta.items():
        setattr(total, key, getattr(total, key) + value)


# --- inside Ray ------------------------------------------------------------------------------

class WindowTranslator:
    """Ray actor: one :class:`~pipeline.run.Translator` (the engine loads once, on first
    need), translating and writing one window per call with
    :func:`~pipeline.run.write_window`."""

    def __init__(self, config: TranslatorConfig, out: str, selected: list[str],
                 lang_field: str | None = None) -> None:
        import ray

        self.config = config
        self.messages: list[str] = []
        self.out = Path(out)
        self.selected = tuple(selected)
        self.lang_field = lang_field
        self.node = ray.get_runtime_context().get_node_id()[:12]
        self._local = threading.local()

    @property
    def translator(self):
        """The actor's translator, made on first use in the thread that calls the actor: Ray
        Data calls it from one thread of its own, and SQLite (the translation memory) wants
        its connection used by the thread that opened it."""
        translator = getattr(self._local, "translator", None)
        if translator is None:
            from .routing import Router, routed

            translator = self._local.translator = Router(
                self.config, report=self.messages.append, lang_field=self.lang_field) \
                if routed(self.config) else Translator(self.config, report=self.messages.append)
        return translator

    def __call__(self, batch):
        import pyarrow as pa

        out = []
        for row in batch.to_pylist():
            docs = pickle.loads(row["docs"])
            units = [Unit(ref.seq, Input(Path(ref.path), ref.stem, ref.label, ref.line), doc,
                          ref.doc_path, sentences, lang=ref.src_lang)
                     for ref, doc, sentences in docs if doc is not None]
            routing = not isinstance(self.translator, Translator)
            job = TranslationJob(None if routing else self.translator, self.out, self.selected,
                                 router=self.translator if routing else None)  # reads are done
            before = _counters(self._stats())
            written = iter(write_window(job, units) if units else [])
            # the driver's ledger needs the facts of a written document, not its records;
            # one provenance dict per run for the window (pickled once)
            runs: dict[str, dict] = {}
            results = [_facts(next(written), runs) if doc is not None else why_or_sentences
                       for _, doc, why_or_sentences in docs]
            after = _counters(self._stats())
            messages, self.messages[:] = list(self.messages), []
            outcome = WindowOutcome(
                results, {k: after[k] - before[k] for k in after}, messages, os.getpid(),
                self.node, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)  # KiB
            out.append({"window": row["window"], "outcome": pickle.dumps(outcome)})
        return pa.Table.from_pylist(out)

    def _stats(self):
        t = self.translator
        return t.scheduler.stats if isinstance(t, Translator) else t.stats()


def _facts(result: Written | str, runs: dict[str, dict]) -> WrittenFacts | str:
    return written_facts(result, runs) if isinstance(result, Written) else result


def _counters(stats) -> dict[str, int]:
    return {f.name: getattr(stats, f.name) for f in fields(stats)
            if isinstance(getattr(stats, f.name), int)}


__all__ = ["RayExecutor", "connect", "layout", "Layout", "WindowTranslator", "WindowOutcome",
           "ClusterError", "ACTOR_CPU_SHARE", "READ_CPUS"]
