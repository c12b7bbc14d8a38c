"""``pipeline translate``: articles in, records and side formats out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from ..run import DEFAULT_MAX_LINE_CHARS, DEFAULT_WINDOW
from . import LockOpt, _fail, app, cache_dir


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
    lock: LockOpt = None,
) -> None:
    """Translate articles; write <stem>.jsonl (canonical records) and side formats per input.

    Documents whose records already match the source bytes and these settings are skipped."""
    from ..lock import default_lock_path

    lock = lock if lock is not None else default_lock_path()
    from .. import model as model_mod
    from ..progress import Progress
    from ..provenance import Provenance, run_fingerprint, translation_key
    from ..run import RunOptions, collect_inputs, translate_files
    from ..schedule import Scheduler
    from ..segment.de import DEFAULT as splitter

    engine_options = {"beam": beam, "max_source_tokens": max_source_tokens}
    if engine == "ctranslate2":
        engine_options["compute_type"] = compute_type
    selected = _formats_option(output_formats)
    from ..translate import ENGINES

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
        from ..translate import load_engine

        return load_engine(engine, source, beam=beam, threads=threads, compute_type=compute_type,
                           inter_threads=inter_threads, intra_threads=intra_threads)

    memory = None
    if not no_cache:
        from ..tm import TranslationMemory

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


def _formats_option(values: Optional[list[str]]) -> tuple[str, ...]:
    from ..formats import parse_selection

    try:
        return parse_selection(values)
    except PipelineError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from None


def _manifest_settings(source, model_dir: Optional[Path], lock: Path, **settings) -> dict:
    """What the CLI adds to the run manifest: the model with its models.lock digest (or the
    model directory's digests, already in its provenance) and the options given."""
    model = source.provenance()
    if model_dir is None:
        from ..lock import read_lock

        model = {**model, "lock": str(lock), "lock_digest": read_lock(lock).digest()}
    return {"model": model, "model_dir": None if model_dir is None else str(model_dir),
            "lock": None if model_dir is not None else str(lock), **settings}
