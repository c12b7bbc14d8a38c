"""``pipeline align``: a German article and its existing English version in, one record per
link out (with every side format)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import PipelineError
from ..inputs import DEFAULT_MAX_LINE_CHARS
from .common import LockOpt, app, fail, say
from .translate import ComputeType, EngineName, formats_option


@app.command()
def align(
    inputs: Annotated[list[Path], typer.Argument(
        help="A source file and its translation (SRC TGT), or directories of "
        "NAME.de.txt / NAME.en.txt pairs (NAME.<from>.txt / NAME.<to>.txt).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Output directory.")] = Path("aligned"),
    no_mt: Annotated[bool, typer.Option(
        "--no-mt", help="Align without translating the source: on sentence lengths, shared "
        "names and numbers (and word lists for Chinese and Japanese).")] = False,
    model_dir: Annotated[Optional[Path], typer.Option(
        help="A local MarianMT directory (save_pretrained) instead of the pinned model.")] = None,
    beam: Annotated[Optional[int], typer.Option(help="Beam size for the MT.", min=1)] = None,
    engine: Annotated[EngineName, typer.Option(help="Translation engine.")] = EngineName.ctranslate2,
    compute_type: Annotated[ComputeType, typer.Option(
        help="ctranslate2: weights in int8 or float32.")] = ComputeType.int8,
    no_cache: Annotated[bool, typer.Option(
        "--no-cache", help="Bypass the translation memory.")] = False,
    encoding: Annotated[str, typer.Option(help="Input encoding: utf-8, cp1252 or auto.")] = "utf-8",
    force: Annotated[bool, typer.Option(
        "--force", help="Align again even when the outputs are up to date.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    max_line_chars: Annotated[int, typer.Option(
        help="Refuse inputs with a longer line (not an article paragraph).",
        min=1)] = DEFAULT_MAX_LINE_CHARS,
    output_formats: Annotated[Optional[list[str]], typer.Option(
        "--format", help="Formats to write: jsonl, tsv, moses, tmx, html, or all (default).")] = None,
    lock: LockOpt = None,
    src_lang: Annotated[str, typer.Option(
        "--from", help="Language of the source side (ISO 639-1).")] = "de",
    tgt_lang: Annotated[str, typer.Option(
        "--to", help="Language of the translation (ISO 639-1).")] = "en",
) -> None:
    """Align an existing translation with its original, sentence by sentence (n:m), helped by
    machine translation of the source (German to English unless --from/--to say otherwise);
    write <stem>.jsonl and side formats.

    Every German and every English sentence is in exactly one link; a sentence without a
    counterpart is a link of its own, flagged unaligned."""
    from ..alignment.documents import align_files

    def report(message: str) -> None:
        if not quiet or message.startswith(("error", "warning")):
            say(message, err=True)

    try:
        summary = align_files(inputs, output, mt=not no_mt, formats=formats_option(output_formats),
                              encoding=encoding, force=force, report=report,
                              max_line_chars=max_line_chars,
                              model_dir=model_dir, lock=lock, beam=beam, engine=engine.value,
                              compute_type=compute_type.value, cache=not no_cache,
                              src_lang=src_lang, tgt_lang=tgt_lang)
    except PipelineError as exc:
        fail(exc)
    if not quiet or not summary.ok:
        say(f"{len(summary.translated)} aligned, {len(summary.skipped)} skipped, "
            f"{len(summary.failed)} failed ({summary.sentences} links)", err=True)
    if not summary.ok:
        raise typer.Exit(1)
