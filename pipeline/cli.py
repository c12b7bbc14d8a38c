"""Command-line interface: thin typer commands over the library functions.

Heavy libraries (torch, transformers) are imported inside the commands that need them, so
``pipeline --help`` starts fast. Library errors become one ``error:`` line and an exit code.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import PipelineError
from .run import DEFAULT_MAX_LINE_CHARS, DEFAULT_WINDOW

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Translate German news articles to English, one traceable record per sentence.")
models_app = typer.Typer(no_args_is_help=True, help="Pin, fetch and verify the translation model.")
app.add_typer(models_app, name="models")

LockOpt = Annotated[Path, typer.Option("--lock", help="models.lock to use.",
                                       envvar="PIPELINE_LOCK")]


class SplitFormat(str, Enum):
    text = "text"
    jsonl = "jsonl"


def _fail(exc: PipelineError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


from .paths import cache_dir  # noqa: E402  (re-exported: pipeline.cli.cache_dir)


@app.command()
def split(
    input: Annotated[str, typer.Argument(help="A UTF-8 text file, or - for standard input.")],
    format: Annotated[SplitFormat, typer.Option("--format", "-f")] = SplitFormat.text,
    encoding: Annotated[str, typer.Option(help="Input encoding.")] = "utf-8",
) -> None:
    """Split an article into sentences (one per line, or JSON objects with offsets)."""
    from .document import Document
    from .segment import DEFAULT

    try:
        if input == "-":
            doc = Document.from_bytes(sys.stdin.buffer.read(), "<stdin>", encoding)
        else:
            doc = Document.from_path(input, encoding)
    except PipelineError as exc:
        _fail(exc)
    for s in DEFAULT.split(doc.text):
        if format is SplitFormat.jsonl:
            typer.echo(json.dumps({"index": s.index, "paragraph": s.paragraph, "kind": s.kind,
                                   "start": s.start, "end": s.end, "text": doc.slice(s)},
                                  ensure_ascii=False))
        else:
            typer.echo(doc.slice(s).replace("\n", " "))


@app.command()
def translate(
    inputs: Annotated[list[Path], typer.Argument(help="Text files, or directories of *.txt.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")] = Path("out"),
    model_dir: Annotated[Optional[Path], typer.Option(
        help="A local MarianMT directory (save_pretrained) instead of the pinned model.")] = None,
    beam: Annotated[Optional[int], typer.Option(
        help="Beam size (default: the model's generation config).", min=1)] = None,
    engine: Annotated[str, typer.Option(
        help="Translation engine: ctranslate2, or torch (transformers).")] = "ctranslate2",
    threads: Annotated[Optional[int], typer.Option(help="CPU threads for the engine.", min=1)] = None,
    compute_type: Annotated[str, typer.Option(
        help="ctranslate2 weights: int8 or float32.")] = "int8",
    inter_threads: Annotated[Optional[int], typer.Option(
        help="ctranslate2 workers translating batches in parallel (default: one per core).",
        min=1)] = None,
    intra_threads: Annotated[Optional[int], typer.Option(
        help="ctranslate2 threads per worker (default: 1).", min=1)] = None,
    encoding: Annotated[str, typer.Option(help="Input encoding (e.g. cp1252 for old archives).")] = "utf-8",
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Bypass the translation memory (neither read nor write it).")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Re-translate documents even when their outputs are up to date.")] = False,
    max_source_tokens: Annotated[Optional[int], typer.Option(
        help="Split sentences longer than this many tokens (default and maximum: 333, so that "
        "the output cap of 1.5x+10 tokens fits the model's 512 positions).",
        min=8)] = None,
    max_line_chars: Annotated[int, typer.Option(
        help="Refuse inputs with a longer line (not an article paragraph).", min=1)] = DEFAULT_MAX_LINE_CHARS,
    window: Annotated[int, typer.Option(
        help="Sentences gathered from several documents per engine call.", min=1)] = DEFAULT_WINDOW,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or per-file lines.")] = False,
    output_formats: Annotated[Optional[list[str]], typer.Option(
        "--format", help="Formats to write, repeatable or comma-separated: jsonl, tsv, moses, "
        "tmx, html, or all (default). The jsonl record is always written.")] = None,
    lock: LockOpt = Path("models.lock"),
) -> None:
    """Translate articles; write <stem>.jsonl (canonical records) and side formats per input.

    Documents whose records already match the source bytes and these settings are skipped."""
    from . import model as model_mod
    from .progress import Progress
    from .provenance import Provenance, run_fingerprint, translation_key
    from .run import RunOptions, collect_inputs, translate_files
    from .schedule import Scheduler
    from .segment import DEFAULT as splitter

    engine_options = {"beam": beam, "max_source_tokens": max_source_tokens}
    if engine == "ctranslate2":
        engine_options["compute_type"] = compute_type
    selected = _formats_option(output_formats)
    from .translate import ENGINES

    if engine not in ENGINES:
        typer.echo(f"error: unknown engine {engine!r}; choose one of: {', '.join(ENGINES)}", err=True)
        raise typer.Exit(2)
    if compute_type not in ("int8", "float32"):
        typer.echo(f"error: unknown compute type {compute_type!r}; choose int8 or float32", err=True)
        raise typer.Exit(2)
    try:
        paths = collect_inputs(inputs)
        source = model_mod.resolve(model_dir, lock)
    except PipelineError as exc:
        _fail(exc)
    # torch and transformers name the same engine: one memory key, one fingerprint
    tkey = translation_key(source.digest, "transformers" if engine == "torch" else engine,
                           engine_options)
    fingerprint = run_fingerprint(tkey, splitter.name)

    def engine_factory():
        from .translate import load_engine

        return load_engine(engine, source, beam=beam, threads=threads, compute_type=compute_type,
                           inter_threads=inter_threads, intra_threads=intra_threads)

    memory = None
    if not no_cache:
        from .tm import TranslationMemory

        memory = TranslationMemory(cache_dir() / "tm.sqlite3", tkey)
    progress = Progress(enabled=not quiet, total_documents=len(paths))
    scheduler = Scheduler(engine_factory, memory, max_source_tokens, on_progress=progress.advance)

    def provenance_for() -> Provenance:
        return Provenance(model=source.provenance(), engine=scheduler.engine.settings(),
                          splitter=splitter.name)

    options = RunOptions(out_dir=output, encoding=encoding, window=window,
                         max_line_chars=max_line_chars, force=force, formats=selected)
    run_settings = _manifest_settings(source, model_dir, lock, engine=engine, beam=beam,
                                      threads=threads, compute_type=compute_type,
                                      inter_threads=inter_threads, intra_threads=intra_threads,
                                      cache=not no_cache,
                                      max_source_tokens=max_source_tokens)
    report = progress.write if not quiet else (
        lambda msg: typer.echo(msg, err=True) if msg.startswith(("error", "warning")) else None)
    try:
        summary = translate_files(paths, options, scheduler, provenance_for, splitter, fingerprint,
                                  report=report, settings=run_settings,
                                  on_document=progress.document_done)
    except PipelineError as exc:
        _fail(exc)
    finally:
        progress.close()
        if memory is not None:
            memory.close()
    typer.echo(summary.line(), err=True)
    if not summary.ok:
        for path, why in summary.failed:
            typer.echo(f"failed: {path}: {why}", err=True)
        raise typer.Exit(1)


@app.command()
def verify(
    records: Annotated[list[Path], typer.Argument(help="Record files (<stem>.jsonl).")],
    lock: LockOpt = Path("models.lock"),
) -> None:
    """Check records against their source files, themselves and the model they name."""
    from .verify import verify_records

    for path in records:
        try:
            n = verify_records(path, lock)
        except PipelineError as exc:
            _fail(exc)
        typer.echo(f"ok: {path} ({n} records)")


def _formats_option(values: Optional[list[str]]) -> tuple[str, ...]:
    from .formats import parse_selection

    try:
        return parse_selection(values)
    except PipelineError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None


def _manifest_settings(source, model_dir: Optional[Path], lock: Path, **settings) -> dict:
    """What the CLI adds to the run manifest: the model with its models.lock digest (or the
    model directory's digests, already in its provenance) and the options given."""
    model = source.provenance()
    if model_dir is None:
        from .lock import read_lock

        model = {**model, "lock": str(lock), "lock_digest": read_lock(lock).digest()}
    return {"model": model, "model_dir": None if model_dir is None else str(model_dir),
            "lock": None if model_dir is not None else str(lock), **settings}


@app.command()
def export(
    output_format: Annotated[str, typer.Argument(
        metavar="FORMAT", help="jsonl, tsv, moses, tmx, html, a comma-separated list, or all.")],
    records: Annotated[list[Path], typer.Argument(help="Record files (<stem>.jsonl).")],
    output: Annotated[Optional[Path], typer.Option(
        "--output", "-o", help="Directory to write to (default: beside each record file).")] = None,
) -> None:
    """Re-render formats from existing records (never re-translates)."""
    from .export import export as run_export

    selected = _formats_option([output_format])
    try:
        written = run_export(selected, records, output)
    except PipelineError as exc:
        _fail(exc)
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("data/demo"),
    inputs: Annotated[Path, typer.Option("--input", "-i", help="Articles to run on.")] = Path("data/raw"),
) -> None:
    """Run the whole pipeline offline with a tiny random model built locally.

    Its English is random tokens, NOT a translation: it shows the pipeline working where the
    real model cannot be downloaded."""
    from .tiny import build_model

    model_path = cache_dir() / "demo-model"
    if not (model_path / "config.json").is_file():
        typer.echo(f"building a tiny random Marian model in {model_path} ...", err=True)
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(inputs.glob("*.txt"))]
        build_model(model_path, [line for t in texts for line in t.splitlines()])
    typer.echo("DEMO: the English below comes from a tiny RANDOM model. It is NOT a translation.",
               err=True)
    translate(inputs=[inputs], output=output, model_dir=model_path, beam=None,
              engine="ctranslate2", threads=None, compute_type="int8", inter_threads=None,
              intra_threads=None, encoding="utf-8", no_cache=False, force=False,
              max_source_tokens=None, max_line_chars=DEFAULT_MAX_LINE_CHARS, window=DEFAULT_WINDOW, quiet=False,
              output_formats=None, lock=Path("models.lock"))


@models_app.command("lock")
def models_lock(
    lock: LockOpt = Path("models.lock"),
    revision: Annotated[str, typer.Option(help="Branch, tag or commit to pin.")] = "main",
    if_unpinned: Annotated[bool, typer.Option(
        "--if-unpinned", help="Do nothing when the lock is already fully pinned.")] = False,
) -> None:
    """Resolve the model's revision and file digests from the hub (needs network); rewrite the lock."""
    from .lock import read_lock, write_lock
    from .model import lock_from_hub

    try:
        current = read_lock(lock)
        if if_unpinned and current.pinned:
            typer.echo(f"{lock}: {current.repo}@{current.revision} already pinned")
            return
        new = lock_from_hub(current.repo, revision, current.license)
        write_lock(new, lock)
    except PipelineError as exc:
        _fail(exc)
    typer.echo(f"{lock}: pinned {new.repo}@{new.revision} ({len(new.files)} files)")


@models_app.command("fetch")
def models_fetch(lock: LockOpt = Path("models.lock")) -> None:
    """Download exactly the pinned files into the Hugging Face cache and check them."""
    from .lock import read_lock
    from .model import fetch

    try:
        path = fetch(read_lock(lock))
    except PipelineError as exc:
        _fail(exc)
    typer.echo(f"ok: {path}")


@models_app.command("verify")
def models_verify(
    lock: LockOpt = Path("models.lock"),
    model_dir: Annotated[Optional[Path], typer.Option(help="Check this directory instead.")] = None,
) -> None:
    """Check offline that the cached model files match the lock (or list a directory's digests)."""
    from .lock import read_lock
    from .model import from_directory, from_lock

    try:
        if model_dir is not None:
            source = from_directory(model_dir)
            for name, digest in sorted(source.files.items()):
                typer.echo(f"{digest}  {name}")
            return
        current = read_lock(lock)
        if not current.pinned:
            typer.echo(f"{lock}: {current.repo}: {', '.join(current.missing())} not pinned: run "
                       "`make lock` (or `pipeline models lock`) with network", err=True)
            raise typer.Exit(2)
        source = from_lock(current, download=False, rehash=True)
    except PipelineError as exc:
        _fail(exc)
    typer.echo(f"ok: {source.repo}@{source.revision}: {len(source.files)} files match {lock}")


def main() -> None:
    app()
