"""Shared fixtures: a tiny random MarianMT model built from the repo's own German text and
loaded through exactly the code the real model uses."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import shutil
from pathlib import Path

import pytest
import typer.main
import typer.testing
from hypothesis import settings

# One OpenMP thread (torch) in the tests and the processes they start: the tiny models gain
# nothing from more, and OpenMP threads that spin while they wait crawl when the cores are
# shared (pytest-xdist workers, a busy machine): tests/test_engine.py took 226 s with the
# default of one per core on a loaded 2-core machine, 7 s with one.
os.environ.setdefault("OMP_NUM_THREADS", "1")

# No per-example deadline for hypothesis (its default is 200 ms): on shared cores an example
# that takes 50 ms alone can take 300, and a property test here is never about speed (the
# linear-time checks time themselves).
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")

# The click command of a Typer app, built once per app rather than at each CliRunner.invoke:
# typer reads every command's signature and type hints to build it (60 ms for pipeline's app,
# 20 s of CPU over the suite's ~350 invocations). A process running ``pipeline`` builds it once.
typer.testing._get_command = functools.lru_cache(maxsize=None)(typer.main.get_command)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "raw"
SHARED_EVAL = ROOT.parent / "shared" / "eval"
#: where the browser tests leave their screenshots
ARTIFACTS = ROOT / "tests" / "artifacts"
#: what models.lock pins for Helsinki-NLP/opus-mt-de-en (the public record)
REAL_REVISION = "1a922f3b32a8e809e17a47d4b32142d8105924e5"
REAL_WEIGHTS_SHA256 = "e743c3070f61f477cb62fe95ef2c9be2e77f3e488cb6b8030ff8a19e8295c87d"
#: the revision of the model pins the tests make up
REV = "0123456789abcdef0123456789abcdef01234567"
#: make as the tests run it: the install stamps are never remade (``-o``), so no test installs
#: anything, even where pyproject.toml is newer than the stamps (a checkout sharing a venv)
MAKE = ("make", "-o", ".venv/.installed", "-o", ".venv/.installed-cluster",
        "-o", ".venv/.installed-serve")


#: Test scopes (modules, or a module's class) that take longest, in that order: under
#: pytest-xdist (``make test``) they start first, so that the workers finish about together.
LONGEST_FIRST = ("test_cluster", "test_hub", "test_langid", "test_cluster::TestTwoNodes",
                 "test_api", "test_make", "test_align_core", "test_align_any", "test_batch",
                 "test_evaluate", "test_pairs_run", "test_align", "test_segment_en",
                 "test_html_browser", "test_ct2_engine", "test_segment_en_web",
                 "test_hostile_security", "test_serve_page", "test_hostile")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    """``pytest -n N`` alone distributes as ``make test`` does: by module, or by class where a
    module's test has one of its own (``--dist loadscope``), in the order below
    (``--no-loadscope-reorder``). A ``--dist`` given is kept.

    Not ``--dist loadgroup``: pytest-xdist 3.8 names a test's group by rewriting
    ``item._nodeid``, which pytest 9 no longer reads (pytest-xdist issue #1386), so every test
    was its own group (a module's fixtures made on both workers, the 42-language model built
    twice)."""
    if getattr(config.option, "numprocesses", None) and config.option.dist == "no":
        config.option.dist = "loadscope"
        config.option.loadscopereorder = False


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    """Tell each pytest-xdist worker how the run distributes: a worker parses only the command
    line (no ``--dist`` for a plain ``-n auto``), never the choice above."""
    node.workerinput["pipeline_dist"] = node.config.option.dist


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist a module's tests stay on one worker (``--dist loadscope``), so that
    module fixtures (a Ray instance, a server, a browser context) and what a module builds
    once per process (the 42-language short-text model) are made once; the longest scopes
    are listed first (workers collect, and the scheduler keeps their order)."""
    dist = getattr(config, "workerinput", {}).get("pipeline_dist",
                                                  getattr(config.option, "dist", "no"))
    if dist == "no":
        return
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_scope(item), len(rank)))


def _scope(item) -> str:
    """``test_x`` for a test function of tests/test_x.py, ``test_x::Class`` for a method."""
    cls = getattr(item, "cls", None)
    return item.module.__name__ + (f"::{cls.__name__}" if cls is not None else "")


def run_wide(tmp_path_factory, name: str) -> Path:
    """A directory for this test run: with pytest-xdist one that every worker of the run
    shares (the workers' base temporary directories have one parent, which belongs to this
    run alone), otherwise one of this session's."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / name
        path.mkdir(exist_ok=True)
        return path
    return tmp_path_factory.mktemp(name, numbered=False)


@contextlib.contextmanager
def held(path: Path):
    """An exclusive lock on the file ``path`` (created), held for the block: what one worker
    builds there, the others wait for and then use."""
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A save_pretrained MarianMT directory: sentencepiece trained on data/raw, random weights.
    Built once per test run (by the first pytest-xdist worker that needs it)."""
    from pipeline.tiny import build_model, repo_text

    root = run_wide(tmp_path_factory, "tiny")
    with held(root / ".lock"):
        if not (root / "model" / "config.json").is_file():
            shutil.rmtree(root / "model", ignore_errors=True)  # a build that was interrupted
            build_model(root / "model", repo_text(ROOT), seed=0)
    return root / "model"


@pytest.fixture()
def model_copy(tiny_model, tmp_path) -> Path:
    """A private copy of the tiny model that a test may tamper with."""
    dst = tmp_path / "model"
    shutil.copytree(tiny_model, dst)
    return dst


@pytest.fixture()
def seeds(tmp_path) -> Path:
    """The two seed articles copied into a scratch directory."""
    d = tmp_path / "raw"
    d.mkdir()
    for p in SEEDS.glob("*.txt"):
        shutil.copy(p, d / p.name)
    return d


@pytest.fixture(scope="session")
def shared_conversions(tmp_path_factory) -> Path:
    """One CTranslate2 conversion cache for the whole session: a model is converted once
    (the cache is keyed by the model's digests, so tests that change a model still convert;
    pytest-xdist workers share it, as conversions lock and rename into place)."""
    return run_wide(tmp_path_factory, "ct2-shared")


@pytest.fixture(scope="session")
def shared_langid(tmp_path_factory) -> Path:
    """One uncompressed copy of py3langid's model for the whole run
    (:mod:`pipeline.languages.stored_model`): written once, atomically, then only read."""
    return run_wide(tmp_path_factory, "langid-shared")


@pytest.fixture(autouse=True)
def _isolated_caches(tmp_path, monkeypatch, shared_conversions, shared_langid):
    """Never touch the user's caches or the network from tests. Each test has its own
    pipeline cache (translation memory, digests), sharing only the converted models and the
    language identifier's uncompressed model."""
    cache = tmp_path / "pipeline-cache"
    cache.mkdir()
    (cache / "ct2").symlink_to(shared_conversions, target_is_directory=True)
    (cache / "langid").symlink_to(shared_langid, target_is_directory=True)
    monkeypatch.setenv("PIPELINE_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


LANG_TEXT = ROOT / "tests" / "data" / "lang"


def lang_lines(lang: str) -> list[str]:
    """Sample lines of ``lang``: tests/data/lang/<lang>.txt (German: the seed articles)."""
    if lang == "de":
        from pipeline.tiny import repo_text

        return repo_text(ROOT)
    return (LANG_TEXT / f"{lang}.txt").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def pair_model(tmp_path_factory):
    """``pair_model("fr-en")``: a tiny random MarianMT model of that pair (sentencepiece
    trained on each side's sample text), built once per test run (by the first pytest-xdist
    worker that needs it, as ``tiny_model``)."""
    from pipeline.tiny import build_model

    root = run_wide(tmp_path_factory, "pairs")

    def get(pair: str) -> Path:
        model = root / pair
        with held(root / f".{pair}.lock"):
            if not (model / "config.json").is_file():
                shutil.rmtree(model, ignore_errors=True)  # a build that was interrupted
                src, tgt = pair.split("-")
                build_model(model, lang_lines(src), lang_lines(tgt), seed=1)
        return model

    return get


# --------------------------------------------------------------------------- shared helpers

def _write_archive(path: Path, rows: list) -> Path:
    """A JSONL archive at ``path``. Rows: dicts (written as JSON) or raw lines (str / bytes,
    written as they are)."""
    with open(path, "wb") as f:
        for row in rows:
            if isinstance(row, dict):
                row = json.dumps(row, ensure_ascii=False)
            f.write((row.encode("utf-8") if isinstance(row, str) else row) + b"\n")
    return path


def _repo_articles(n: int) -> list[dict]:
    """``n`` small articles made of the seed articles' lines (several share sentences)."""
    lines = [line for p in sorted(SEEDS.glob("*.txt"))
             for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [{"id": f"art-{i:03d}", "text": "\n\n".join(lines[(i * 3 + k) % len(lines)]
                                                        for k in range(3)) + "\n"}
            for i in range(n)]


@pytest.fixture(scope="session")
def write_archive():
    """``write_archive(path, rows) -> path``: a JSONL archive of dicts or raw lines."""
    return _write_archive


@pytest.fixture(scope="session")
def mixed_archive():
    """``mixed_archive(path, lang_field=False) -> path``: an archive of de, fr, es (no model in
    the tests) and fr articles; with ``lang_field`` the first French one is labelled ru in a
    ``lang`` field (the archive's word wins over detection)."""

    def write(path: Path, lang_field: bool = False) -> Path:
        fr = (LANG_TEXT / "fr.txt").read_text(encoding="utf-8")
        rows = [{"id": "de-1", "text": (SEEDS / "article_02.txt").read_text(encoding="utf-8")},
                {"id": "fr-1", "text": fr},
                {"id": "es-1", "text": (LANG_TEXT / "es.txt").read_text(encoding="utf-8")},
                {"id": "fr-2", "text": "\n".join(fr.splitlines()[5:])}]
        if lang_field:
            rows[1]["lang"] = "ru"
        return _write_archive(path, rows)

    return write


@pytest.fixture(scope="session")
def repo_articles():
    """``repo_articles(n) -> [{"id", "text"}, ...]``: small articles of the seed lines."""
    return _repo_articles


class MatrixScorer:
    """An alignment scorer of hand-made scores: ``table[(a, b)][i, j]`` scores the link from
    cell ``(i, j)``; links not in the table are forbidden (the search tested alone)."""

    def __init__(self, table) -> None:
        self.table = table

    def scores(self, i: int, a: int, b: int, j):
        import numpy as np

        if (a, b) not in self.table:
            return np.full(len(j), -np.inf)
        return self.table[(a, b)][i, j]


# --------------------------------------------------------------------------- the browser

CHROMIUM = Path(os.environ.get("PIPELINE_CHROMIUM", "/usr/bin/chromium"))
_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is absent (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium for the session: Debian's ``/usr/bin/chromium`` (or
    ``$PIPELINE_CHROMIUM``) driven by playwright, whose own browser download is never used.
    Without it the tests that need it skip, except under CI (``CI`` set), where they fail."""
    why = _browser_missing()
    if why:
        if IN_CI:
            pytest.fail(f"CI must run the browser test, but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=_CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(chromium_browser):
    """``browser_context(allow=None)``: a new context (1280 × 900) of the session's Chromium
    with no network but URLs starting with ``allow``."""
    contexts = []

    def new(allow: str | None = None):
        context = chromium_browser.new_context(viewport={"width": 1280, "height": 900})
        # belt and braces: no network
        context.route("http*://**", lambda route: route.continue_()
                      if allow and route.request.url.startswith(allow) else route.abort())
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()


def _watched(context, allow: tuple[str, ...] = ("file:", "data:")):
    """A new page that records console errors and warnings, page errors, and requests to
    URLs not starting with ``allow`` in ``page.errors``."""
    p = context.new_page()
    p.errors = []
    p.on("console", lambda m: p.errors.append(f"console.{m.type}: {m.text}")
         if m.type in ("error", "warning") else None)
    p.on("pageerror", lambda e: p.errors.append(f"pageerror: {e}"))
    p.on("request", lambda r: p.errors.append(f"request: {r.url}")
         if not r.url.startswith(allow) else None)
    return p


@pytest.fixture(scope="session")
def watched():
    """``watched(context, allow=("file:", "data:"))``: a new page of ``context`` whose
    ``errors`` list the console errors and warnings, page errors and requests to URLs not
    starting with ``allow``."""
    return _watched


def check_invariants(text: str, got: list) -> None:
    """The splitter's invariants on ``got`` (sentences of ``text``): indices in order, known
    kinds, ordered half-open spans that never hold a line break or edge whitespace, every
    non-space character in a sentence, and one paragraph more after each run of blank lines."""
    from pipeline.document import KINDS

    covered = bytearray(len(text))
    prev_end = 0
    prev_par = 0
    for i, s in enumerate(got):
        assert s.index == i
        assert s.kind in KINDS
        assert 0 <= prev_end <= s.start < s.end <= len(text)
        assert s.paragraph >= prev_par
        piece = text[s.start:s.end]
        assert not piece[0].isspace() and not piece[-1].isspace()
        assert not any(c in piece for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), "unit crosses a line break"
        for k in range(s.start, s.end):
            covered[k] = 1
        prev_end, prev_par = s.end, s.paragraph
    for k, c in enumerate(text):
        if not c.isspace():
            assert covered[k], f"non-whitespace character {c!r} at {k} in no sentence"
    # paragraphs: one more for every run of blank lines between non-empty lines
    lines = text.splitlines()
    expected, seen, blank = [], False, False
    par = 0
    for line in lines:
        if not line.strip():
            blank = blank or seen
            continue
        if blank:
            par += 1
            blank = False
        seen = True
        expected.append(par)
    assert sorted(set(s.paragraph for s in got)) == sorted(set(expected))


def fake_hub_cache(cache: Path, model_dir: Path, repo: str | None = None,
                   revision: str = REV) -> Path:
    """Lay out ``model_dir`` as the HF hub cache stores a snapshot (of opus-mt-de-en, or of
    ``repo``); the snapshot's directory."""
    from pipeline.lock import DEFAULT_REPO

    repo = repo or DEFAULT_REPO
    base = cache / ("models--" + repo.replace("/", "--"))
    snap = base / "snapshots" / revision
    shutil.copytree(model_dir, snap)
    (base / "refs").mkdir(parents=True)
    (base / "refs" / "main").write_text(revision)
    return snap


def pinned_lock_for(model_dir: Path, tmp_path: Path):
    """A lock pinning ``model_dir``'s files at ``REV``, written to ``tmp_path/models.lock``."""
    from pipeline.digests import sha256_file
    from pipeline.lock import DEFAULT_REPO, FilePin, ModelLock, model_files, write_lock

    files = {n: FilePin((model_dir / n).stat().st_size, sha256_file(model_dir / n))
             for n in model_files(model_dir)}
    lock = ModelLock(DEFAULT_REPO, "CC-BY-4.0", REV, files)
    write_lock(lock, tmp_path / "models.lock")
    return lock
